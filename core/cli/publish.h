/* The library's own items, for `dokpim choose` and `dokpim publish`, and
 * cli_publish() for the gallery's "publish picks" button (serve calls it
 * on a worker thread: it prints nothing). */
#ifndef DK_CLI_PUBLISH_H
#define DK_CLI_PUBLISH_H

#include "dk_internal.h"
#include "runner.h"

typedef struct cli_library_item {
    char *sha256;
    char *original; /* absolute, as the manifest records it */
    char *source;   /* the first source it was imported from, or NULL */
} cli_library_item;

/* Every item LIBRARY/items/ records, in the order of their first source
 * (the order `dokpim run` numbered them in, when it ran over one folder),
 * then by sha256. g_ptr_array_unref() frees them. */
GPtrArray *cli_library_items(const char *root);

typedef struct cli_publish_options {
    char **overrides; /* STAGE.OPTION=VALUE, or NULL */
    int jobs;         /* 0: one per core */
    /* as each item finishes (serialised); may be NULL */
    void (*on_result)(void *user, const dk_result *result, int finished,
                      int total);
    /* once, when the batch ran, before anything is freed; may be NULL */
    void (*on_done)(void *user, const dk_pipeline *pipeline,
                    const dk_library *library, const dk_run *run);
    void *user;
} cli_publish_options;

/* Runs the pipeline (a file path) with the event file over the library's
 * own originals, so that stages limited with items=picked make and send
 * the crew's picks. 0 when the batch ran (the outcome per item is in
 * on_result / on_done), <0 with err when it could not start: the pipeline
 * or event is wrong (the first problem, and how many more), the library is
 * in use, or it has no items. */
int cli_publish(const char *pipeline, const char *event, const char *library,
                const cli_publish_options *options, dk_error *err);

#endif
