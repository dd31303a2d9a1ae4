/* Private: the batch runner shared by `dokpim run` and the tests. */
#ifndef DK_RUNNER_H
#define DK_RUNNER_H

#include "dk_internal.h"

typedef enum {
    DK_STATUS_PENDING = 0,
    DK_STATUS_DONE,      /* at least one stage ran */
    DK_STATUS_SKIPPED,   /* nothing to do: done before, or not claimed */
    DK_STATUS_DUPLICATE, /* same content as another input */
    DK_STATUS_FAILED,
    DK_STATUS_CANCELLED,
} dk_status;

DK_PRIVATE_API const char *dk_status_name(dk_status status);

typedef struct dk_result {
    dk_item *item;
    dk_status status;
    char *stage;   /* failing stage, or NULL */
    char *message; /* why it failed / was skipped, or NULL */
    int stages_run;
    /* private to the runner */
    dk_stage *ingest;
    struct dk_manifest *manifest;
} dk_result;

typedef struct dk_run_options {
    int jobs;
    /* Added to each input's position for {seq}: a caller that runs batch
     * after batch into one library (the watcher) keeps names from
     * colliding. 0 for one batch: {seq} counts from 1. */
    int seq_base;
    /* Called (serialised) as each item finishes. */
    void (*on_result)(void *user, const dk_result *result, int finished,
                      int total);
    void *user;
    /* Optional: whether the queue still has the job (or the ledger entry)
     * behind a key an upload stage recorded: 1 yes, 0 no, < 0 cannot
     * tell. An upload stage recorded done whose job is gone runs again,
     * which queues the job again. NULL: the manifest is trusted. */
    int (*upload_queued)(const char *library_root, const char *key,
                         dk_error *err);
} dk_run_options;

typedef struct dk_run {
    GPtrArray *results; /* dk_result, in input order */
    int counts[DK_STATUS_CANCELLED + 1];
    GPtrArray *stage_errors; /* char *: "stage [NAME] (PLUGIN): message" */
    bool stopped; /* dk_cancelled() at the end: finish() was not called */
} dk_run;

/* Expands folders (recursively, skipping hidden files and the library
 * itself), sorts, and numbers the inputs. Missing inputs stay in the list
 * and fail when processed, so they are reported like any bad file.
 * dokpim's own temporary files (dk_is_temp_name) are left out too, each
 * with a line "PATH: why" added to notes (when not NULL; sorted). */
DK_PRIVATE_API GPtrArray *dk_collect_inputs(const char *const *inputs,
                                            const char *library_root,
                                            GPtrArray *notes);

/* Opens the stages, processes every input, lets each stage finish() its
 * work over the batch, closes the stages. Returns 0 when the batch ran
 * (look at the counts and stage_errors), or an error if a stage could not
 * open. */
DK_PRIVATE_API int dk_run_pipeline(dk_pipeline *pipeline, dk_library *library,
                                   GPtrArray *inputs,
                                   const dk_run_options *options, dk_run **out,
                                   dk_error *err);
DK_PRIVATE_API void dk_run_free(dk_run **run);

#endif
