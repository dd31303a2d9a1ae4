/* The foreground worker of `dokpim queue work`: a progress bar per upload
 * on a terminal, plain lines otherwise. */
#include "process_job.h"
#include "queue_cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

typedef struct work_view {
    bool tty;
    gint64 last_line; /* monotonic µs of the last plain progress line */
    int last_percent;
} work_view;

static void clear(const work_view *view)
{
    if (view->tty)
        fputs("\r\033[K", stderr);
}

static void on_start(void *user, const dk_job *job)
{
    work_view *view = user;
    const char *source = dk_job_meta(job, "source");
    g_autofree char *name =
        g_path_get_basename(source ? source : dk_job_path(job));
    view->last_percent = -1;
    cli_note("job %" PRId64 ": %s -> %s", dk_job_id(job), name,
             dk_job_meta(job, "target-name")
                 ? dk_job_meta(job, "target-name")
                 : dk_plugin_role_name(DK_ROLE_UPLOAD));
}

static void on_progress(void *user, const dk_job *job, int64_t sent,
                        int64_t total)
{
    (void)job;
    work_view *view = user;
    int percent = total > 0 ? (int)(sent * 100 / total) : 0;
    gint64 now = g_get_monotonic_time();
    if (view->tty) {
        if (now - view->last_line < G_USEC_PER_SEC / 5 && percent < 100)
            return;
        view->last_line = now;
        g_autofree char *bar = queue_bar(sent, total, 30);
        fprintf(stderr, "\r\033[K%s %.1f / %.1f MiB", bar,
                (double)sent / 1048576.0, (double)total / 1048576.0);
        fflush(stderr);
    } else if (percent / 10 != view->last_percent / 10) {
        view->last_percent = percent;
        fprintf(stderr, _("dokpim: %3d%% (%" PRId64 " of %" PRId64 " bytes)\n"),
                percent, sent, total);
    }
}

static void on_note(void *user, const dk_job *job, const char *text)
{
    work_view *view = user;
    clear(view);
    cli_note("job %" PRId64 ": %s", dk_job_id(job), text);
}

static void on_end(void *user, const dk_job *job, dk_job_state state,
                   const char *message)
{
    work_view *view = user;
    clear(view);
    const char *remote = dk_job_remote_id(job);
    cli_note("job %" PRId64 ": %s%s%s%s%s", dk_job_id(job),
             dk_job_state_name(state),
             remote && state == DK_JOB_DONE ? " " : "",
             remote && state == DK_JOB_DONE ? remote : "", message ? ": " : "",
             message ? message : "");
}

/* An empty queue and one whose jobs all wait are not the same end of
 * work: says how many wait and until when; true when any do. */
static bool report_deferred(dk_queue *queue)
{
    GPtrArray *records =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    dk_error err = {0};
    int deferred = 0;
    int64_t first = 0;
    if (dk_queue_list(queue, records, &err) == 0) {
        for (guint i = 0; i < records->len; i++) {
            const queue_record *r = records->pdata[i];
            if (r->state != DK_JOB_DEFERRED)
                continue;
            deferred++;
            if (!first || r->not_before < first)
                first = r->not_before;
        }
    }
    g_ptr_array_free(records, TRUE);
    if (deferred) {
        GDateTime *t = g_date_time_new_from_unix_local(first);
        g_autofree char *at = g_date_time_format(t, "%Y-%m-%d %H:%M:%S");
        g_date_time_unref(t);
        fprintf(stderr,
                dk_ngettext("dokpim: %d job deferred, the first until %s; run "
                            "queue work again then\n",
                            "dokpim: %d jobs deferred, the first until %s; run "
                            "queue work again then\n",
                            deferred),
                deferred, at);
    }
    return deferred > 0;
}

/* The first time a batch's finish job waits for (deferred while the
 * batch's items run elsewhere), or 0: --until-empty must not end while
 * one is due in seconds, or the last worker out would leave it undone. */
static int64_t finish_wakeup(dk_queue *queue)
{
    GPtrArray *records =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    dk_error err = {0};
    int64_t first = 0;
    if (dk_queue_list(queue, records, &err) == 0) {
        for (guint i = 0; i < records->len; i++) {
            const queue_record *r = records->pdata[i];
            if (r->state == DK_JOB_DEFERRED &&
                !g_strcmp0(r->plugin, DK_JOB_FINISH) &&
                (!first || r->not_before < first))
                first = r->not_before;
        }
    }
    g_ptr_array_free(records, TRUE);
    return first;
}

static int work_until_done(dk_queue *queue, const dk_registry *registry,
                           const dk_work_options *options, dk_work_stats *stats,
                           dk_error *err)
{
    for (;;) {
        int rc = dk_queue_work(queue, registry, options, stats, err);
        if (rc < 0 || !options->until_empty || dk_cancelled())
            return rc;
        int64_t wake = finish_wakeup(queue);
        if (!wake)
            return 0;
        int64_t now = (int64_t)time(NULL);
        queue->backend->now(queue->db, &now, NULL); /* the queue's clock */
        double wait = (double)(wake - now);
        dk_cancel_sleep(wait < 0.2 ? 0.2 : wait);
    }
}

bool queue_open_for_command(const char *queue_url, const char *library,
                            dk_queue **queue)
{
    bool shared =
        queue_url || (g_getenv("DOKPIM_QUEUE") && *g_getenv("DOKPIM_QUEUE"));
    g_autofree char *root =
        library || !shared
            ? g_canonicalize_filename(library ? library : ".", NULL)
            : NULL;
    dk_error err = {0};
    if (dk_queue_open_existing_url(queue_url, root, queue, &err) < 0) {
        cli_error("%s", err.message);
        return false;
    }
    return true;
}

int queue_work(dk_queue *queue, const char *queue_url, bool until_empty,
               bool json)
{
    dk_registry *registry = cli_load_plugins();
    work_view view = {.tty =
                          isatty(STDERR_FILENO) && !g_getenv("DOKPIM_NO_BAR")};
    dk_work_options options;
    dk_work_options_default(&options);
    options.until_empty = until_empty;
    options.on_start = on_start;
    options.on_progress = on_progress;
    options.on_note = on_note;
    options.on_end = on_end;
    options.user = &view;
    process_worker *processing = process_worker_new(registry, queue_url);
    options.perform_other = process_worker_perform;
    options.perform_user = processing;
    /* tests and impatient users: DOKPIM_QUEUE_RETRY_WAIT=seconds */
    const char *wait = g_getenv("DOKPIM_QUEUE_RETRY_WAIT");
    if (wait && g_ascii_strtod(wait, NULL) > 0)
        options.failure_wait = g_ascii_strtod(wait, NULL);
    cli_install_signal_thread(
        "stopping; an upload cut off now resumes from the "
        "server's confirmed byte next time");
    dk_work_stats stats = {0};
    dk_error err = {0};
    int rc = work_until_done(queue, registry, &options, &stats, &err);
    process_worker_free(&processing);
    dk_registry_free(&registry);
    if (rc < 0) {
        cli_error("%s", err.message);
        return DK_EXIT_ITEMS_FAILED;
    }
    fprintf(stderr, _("dokpim: %d done, %d failed, %d deferred, %d to resume"),
            stats.done, stats.failed, stats.deferred, stats.requeued);
    if (stats.lost)
        fprintf(stderr, _(", %d left to another worker (lease lost)"),
                stats.lost);
    fputc('\n', stderr);
    if (json) {
        GPtrArray *records =
            g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
        if (dk_queue_list(queue, records, &err) == 0)
            queue_print_json(queue, records);
        g_ptr_array_free(records, TRUE);
    }
    if (dk_cancelled())
        return DK_EXIT_INTERRUPTED;
    if (stats.failed)
        return DK_EXIT_ITEMS_FAILED;
    return until_empty && report_deferred(queue) ? DK_EXIT_DEFERRED
                                                 : DK_EXIT_OK;
}
