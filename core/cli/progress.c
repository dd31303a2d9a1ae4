#include "progress.h"
#include "cli.h"

#include <stdio.h>
#include <unistd.h>

#define BAR_WIDTH 30

static void draw_bar(cli_progress *progress, const char *name);

/* Reports from plugins while items are in flight: on a terminal they show
 * on the bar; otherwise a line per tenth of the work or per new note, so
 * logs stay readable. Retries are always worth a line. */
static void on_progress(void *user, const dk_item *item, double fraction,
                        const char *note)
{
    cli_progress *progress = user;
    g_mutex_lock(&progress->lock);
    g_autofree char *name =
        item ? g_path_get_basename(dk_item_source_path(item)) : g_strdup("");
    g_autofree char *detail =
        fraction >= 0 ? g_strdup_printf("%s %3.0f%% %s", name, fraction * 100,
                                        note ? note : "")
                      : g_strdup_printf("%s %s", name, note ? note : "");
    bool retry = note && g_str_has_prefix(note, "retry");
    if (progress->tty) {
        g_free(progress->detail);
        progress->detail = dk_escape_text(detail);
        if (retry)
            cli_line(stderr, "\r\033[Kdokpim: ", "%s", detail);
        draw_bar(progress, NULL);
    } else if (!progress->quiet || retry) {
        int decile = fraction >= 0 ? (int)(fraction * 10) : -1;
        gpointer key = (gpointer)item;
        gpointer last = g_hash_table_lookup(progress->shown, key);
        if (retry || !last || GPOINTER_TO_INT(last) - 2 != decile) {
            g_hash_table_replace(progress->shown, key,
                                 GINT_TO_POINTER(decile + 2));
            cli_note("%s", detail);
        }
    }
    g_mutex_unlock(&progress->lock);
}

void progress_init(cli_progress *progress, bool quiet)
{
    progress->tty = isatty(STDERR_FILENO) && !g_getenv("DOKPIM_NO_BAR");
    progress->quiet = quiet;
    progress->failed = 0;
    progress->finished = progress->total = 0;
    progress->detail = NULL;
    g_mutex_init(&progress->lock);
    progress->shown = g_hash_table_new(g_direct_hash, g_direct_equal);
    dk_progress_set_sink(on_progress, progress);
}

static void clear_bar(const cli_progress *progress)
{
    if (progress->tty)
        fputs("\r\033[K", stderr);
}

static void report_line(const dk_result *r)
{
    const char *path = r->item->source_path;
    /* a salvaged item is done, but what was lost is said, one line each */
    for (guint i = 0; i < r->item->warnings->len; i++) {
        const dk_warning *w = r->item->warnings->pdata[i];
        cli_warning("%s: %s: %s", path, w->stage, w->message);
    }
    if (r->status == DK_STATUS_FAILED) {
        if (r->stage)
            cli_error("%s: %s: %s", path, r->stage, r->message);
        else
            cli_error("%s: %s", path, r->message);
    } else if (r->status == DK_STATUS_DUPLICATE ||
               (r->status == DK_STATUS_SKIPPED && r->message &&
                !r->stages_run && !r->item->sha256)) {
        /* not failures, but never silent */
        cli_note("%s: %s: %s", dk_status_label(r->status), path, r->message);
    }
}

/* name and progress->detail are escaped (dk_escape_text) by the caller. */
static void draw_bar(cli_progress *progress, const char *name)
{
    if (!progress->tty || progress->quiet)
        return;
    int total = progress->total, finished = progress->finished;
    int filled = total ? finished * BAR_WIDTH / total : 0;
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r\033[K[%s] %d/%d", bar, finished, total);
    if (progress->failed)
        fprintf(stderr, _(", %d failed"), progress->failed);
    const char *text = progress->detail ? progress->detail : name;
    if (text) {
        /* escaped already; cut on characters, not inside one */
        glong keep = MIN(g_utf8_strlen(text, -1), progress->detail ? 50 : 40);
        g_autofree char *cut = g_utf8_substring(text, 0, keep);
        fprintf(stderr, "  %s", cut);
    }
    fflush(stderr);
}

void progress_on_result(void *user, const dk_result *r, int finished, int total)
{
    cli_progress *progress = user;
    g_mutex_lock(&progress->lock);
    if (r->status == DK_STATUS_FAILED)
        progress->failed++;
    progress->finished = finished;
    progress->total = total;
    g_clear_pointer(&progress->detail, g_free);
    clear_bar(progress);
    report_line(r);
    g_autofree char *name = g_path_get_basename(r->item->source_path);
    if (!progress->quiet && !progress->tty)
        cli_note("[%d/%d] %s %s", finished, total, dk_status_label(r->status),
                 name);
    g_autofree char *shown = dk_escape_text(name);
    draw_bar(progress, shown);
    g_mutex_unlock(&progress->lock);
}

void progress_finish(cli_progress *progress)
{
    dk_progress_set_sink(NULL, NULL);
    clear_bar(progress);
    fflush(stderr);
    g_free(progress->detail);
    g_hash_table_destroy(progress->shown);
    g_mutex_clear(&progress->lock);
}

void progress_report_stage_errors(const dk_run *run)
{
    for (guint i = 0; i < run->stage_errors->len; i++)
        cli_error("%s", (const char *)run->stage_errors->pdata[i]);
}

int progress_run_status(const dk_run *run)
{
    if (run->counts[DK_STATUS_CANCELLED] || run->stopped)
        return DK_EXIT_INTERRUPTED;
    if (run->counts[DK_STATUS_FAILED] || run->stage_errors->len)
        return DK_EXIT_ITEMS_FAILED;
    return DK_EXIT_OK;
}
