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

/* What became of one stage after ingest on one item. */
typedef struct dk_stage_outcome {
    char *stage;
    const char *status; /* "ran", "done before" (restored), "skipped" */
    char *reason;       /* skipped: why; else NULL */
} dk_stage_outcome;

typedef struct dk_result {
    dk_item *item;
    dk_status status;
    char *stage;   /* failing stage, or NULL */
    char *message; /* why it failed / was skipped, or NULL */
    int stages_run;
    GPtrArray *stages; /* dk_stage_outcome, for the stages it reached */
    /* private to the runner */
    dk_stage *ingest;
    struct dk_manifest *manifest;
} dk_result;

typedef struct dk_run_options {
    int jobs;
    /* Called (serialised) as each item finishes. */
    void (*on_result)(void *user, const dk_result *result, int finished,
                      int total);
    void *user;
    /* Optional: whether the queue still has the job (or the ledger entry)
     * behind a key an upload stage recorded: 1 yes, 0 no, < 0 cannot
     * tell. An upload stage recorded done whose job is gone runs again,
     * which queues the job again. NULL: the manifest is trusted. */
    int (*upload_queued)(struct dk_library *library, const char *key,
                         dk_error *err);
    /* Optional: called (from the item's thread) as a stage starts on an
     * item; index counts from 1 over the pipeline's stages. A negative
     * return (with err set) fails the item at that stage, before it
     * runs. */
    int (*on_stage)(void *user, const dk_item *item, const dk_stage *stage,
                    int index, int total, dk_error *err);
    /* The item numbers ({seq}) of the inputs, in their order; NULL: 1, 2,
     * ... A worker runs one input of a submitted batch under the number
     * it had in the batch, so names come out as in a local run. */
    const int *seqs;
    /* A worker's item job: the batch-level finish() is the batch's own
     * job (dokpim.finish), not each item's. */
    bool skip_finish;
    /* The batch's finish job, in a process that did not run the items:
     * stages that have a finish() run process() again on every item
     * instead of being restored from the manifest, so their finish()
     * sees the whole batch as it would at the end of a local run. */
    bool replay_finishing;
    /* A worker's item jobs of one batch: the stages opened for the first
     * stay open for the next (open() decodes logos and looks up fonts: a
     * fifth of a photo's time in a worker that opened them per item). The
     * caller closes them with dk_pipeline_close_stages(). */
    bool keep_open;
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
/* Closes the stages a keep_open run left open (nothing when none are). */
DK_PRIVATE_API void dk_pipeline_close_stages(dk_pipeline *pipeline);
DK_PRIVATE_API void dk_run_free(dk_run **run);

#endif
