/* Progress on stderr: a redrawn bar on a terminal, plain lines otherwise.
 * Failed items always get their own line: "FILE: STAGE: reason", and so
 * does a stage whose end-of-run work failed. */
#ifndef DK_CLI_PROGRESS_H
#define DK_CLI_PROGRESS_H

#include "runner.h"

typedef struct cli_progress {
    bool tty;
    bool quiet;
    int failed;
    int finished, total;
    GMutex lock;
    char *detail;      /* the latest in-flight report, escaped, for the bar */
    GHashTable *shown; /* item -> last decile printed (plain output) */
} cli_progress;

/* Also routes dk_progress() reports here until progress_finish(). */
void progress_init(cli_progress *progress, bool quiet);
/* dk_run_options.on_result callback. */
void progress_on_result(void *user, const dk_result *result, int finished,
                        int total);
void progress_finish(cli_progress *progress);
/* One error line per stage whose finish() failed, after the items'. */
void progress_report_stage_errors(const dk_run *run);
/* The exit status a finished run gives the command that ran it:
 * interrupted, some item or stage failed, or all done. */
int progress_run_status(const dk_run *run);

#endif
