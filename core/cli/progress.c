#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#define BAR_WIDTH 30

void progress_init(cli_progress *progress, bool quiet)
{
    progress->tty = isatty(STDERR_FILENO) && !g_getenv("DOKPIM_NO_BAR");
    progress->quiet = quiet;
    progress->failed = 0;
}

static void clear_bar(const cli_progress *progress)
{
    if (progress->tty)
        fputs("\r\033[K", stderr);
}

static void report_line(const dk_result *r)
{
    const char *path = r->item->source_path;
    if (r->status == DK_STATUS_FAILED) {
        if (r->stage)
            fprintf(stderr, "dokpim: error: %s: %s: %s\n", path, r->stage,
                    r->message);
        else
            fprintf(stderr, "dokpim: error: %s: %s\n", path, r->message);
    } else if (r->status == DK_STATUS_DUPLICATE ||
               (r->status == DK_STATUS_SKIPPED && r->message &&
                !r->stages_run && !r->item->sha256)) {
        /* not failures, but never silent */
        fprintf(stderr, "dokpim: %s: %s: %s\n", dk_status_name(r->status), path,
                r->message);
    }
}

void progress_on_result(void *user, const dk_result *r, int finished, int total)
{
    cli_progress *progress = user;
    if (r->status == DK_STATUS_FAILED)
        progress->failed++;
    clear_bar(progress);
    report_line(r);
    if (progress->quiet)
        return;
    g_autofree char *name = g_path_get_basename(r->item->source_path);
    if (!progress->tty) {
        fprintf(stderr, "dokpim: [%d/%d] %s %s\n", finished, total,
                dk_status_name(r->status), name);
        return;
    }
    int filled = total ? finished * BAR_WIDTH / total : BAR_WIDTH;
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "[%s] %d/%d", bar, finished, total);
    if (progress->failed)
        fprintf(stderr, ", %d failed", progress->failed);
    fprintf(stderr, "  %.40s", name);
    fflush(stderr);
}

void progress_finish(cli_progress *progress)
{
    clear_bar(progress);
    fflush(stderr);
}
