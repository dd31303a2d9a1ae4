/* `dokpim queue work`: take a ready job, rebuild its stage, let the plugin
 * perform it, record how it ended; repeat. One job at a time: uploads
 * share one uplink, and running them in turn finishes the first sooner. */
#include "dk_queue.h"

#include <math.h>
#include <sys/stat.h>
#include <time.h>

void dk_work_options_default(dk_work_options *options)
{
    *options = (dk_work_options){
        .until_empty = false,
        .idle_poll = 10.0,
        .max_failures = 6,
        .failure_wait = 30.0,
    };
}

/* The file must be the one that was queued: a changed file would make the
 * bytes on the server a mix of two files. */
static int check_file(const queue_record *r, dk_error *err)
{
    struct stat st;
    if (stat(r->path, &st) != 0)
        return dk_error_errno(err, DK_ERR_NOT_FOUND, "cannot read", r->path);
    if (st.st_size != r->size || (int64_t)st.st_mtime != r->mtime)
        return dk_error_set(err, DK_ERR_INVALID,
                            "%s changed since it was queued; queue it again",
                            r->path);
    return 0;
}

static int perform(const dk_registry *registry, dk_job *job, dk_error *err)
{
    const queue_record *r = job->record;
    const dk_loaded_plugin *loaded = dk_registry_find(registry, r->plugin);
    /* jobs of dokpim's own kinds (processing a batch): the caller's */
    const dk_work_options *options = job->options;
    if (!loaded && options && options->perform_other &&
        g_str_has_prefix(r->plugin, "dokpim.")) {
        int rc = check_file(r, err);
        return rc < 0 ? rc
                      : options->perform_other(options->perform_user, job, err);
    }
    if (!loaded)
        return dk_error_set(err, DK_ERR_NOT_FOUND, "plugin %s is not installed",
                            r->plugin);
    const dk_plugin *plugin = loaded->plugin;
    if (plugin->role != DK_ROLE_UPLOAD || !plugin->perform)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "plugin %s does not perform uploads", r->plugin);
    int rc = check_file(r, err);
    if (rc < 0)
        return rc;
    dk_stage *stage = NULL;
    rc = dk_queue_stage_rebuild(plugin, r->stage, r->options, &stage, err);
    if (rc < 0)
        return rc;
    void *state = NULL;
    /* the same order as a run: check() holds the rules open() relies on */
    if (rc == 0 && plugin->check)
        rc = plugin->check(stage, dk_stage_config(stage), err);
    if (rc == 0 && plugin->open)
        rc = plugin->open(stage, dk_stage_config(stage), &state, err);
    if (rc == 0) {
        rc = plugin->perform(stage, state, job, err);
        if (rc < 0 && !err->message[0])
            dk_error_set(err, rc, "%s", dk_strerror(rc));
        if (plugin->close)
            plugin->close(state);
    }
    dk_stage_free(stage);
    return rc;
}

/* How the run ended decides the job's next state. */
static void settle(dk_job *job, int rc, const dk_error *err,
                   const dk_work_options *options)
{
    queue_record *r = job->record;
    /* not_before is read against the queue's clock, so it is set by it */
    int64_t now = 0;
    if (job->queue->backend->now(job->queue->db, &now, NULL) < 0)
        now = (int64_t)time(NULL);
    g_free(r->last_error);
    r->last_error = NULL;
    r->not_before = 0;
    if (job->deferred) {
        r->state = DK_JOB_DEFERRED;
        r->not_before = job->defer_until;
        r->last_error = g_strdup(job->defer_reason);
    } else if (rc == 0) {
        r->state = DK_JOB_DONE;
        r->failures = 0;
    } else if (rc == DK_ERR_CANCELLED) {
        r->state = DK_JOB_QUEUED;
        r->last_error = g_strdup(err->message);
    } else if ((rc == DK_ERR_NETWORK || rc == DK_ERR_TIMEOUT) &&
               r->failures + 1 < options->max_failures) {
        /* the uplink is down: wait longer each time, then try again */
        r->failures++;
        r->state = DK_JOB_DEFERRED;
        double wait = options->failure_wait * pow(2.0, r->failures - 1);
        r->not_before = now + (int64_t)fmin(wait, 6 * 3600.0);
        /* said apart from a quota wait in `queue list` */
        r->last_error = g_strconcat("network: ", err->message, NULL);
    } else {
        bool network = rc == DK_ERR_NETWORK || rc == DK_ERR_TIMEOUT;
        r->failures += network;
        r->state = DK_JOB_FAILED;
        r->last_error =
            g_strconcat(network ? "network: " : "", err->message, NULL);
    }
}

/* The heartbeat: while perform() runs, the lease is renewed every third of
 * its length through a handle of its own, so a worker busy for hours on a
 * transcode or an upload keeps its job without any fixed time cap, and a
 * worker that stopped (SIGSTOP, a cut network) loses it to another. */
typedef struct heartbeat {
    dk_queue *queue; /* the second handle */
    dk_job *job;
    GThread *thread;
    GMutex lock;
    GCond cond;
    bool stop;
} heartbeat;

static gpointer beat(gpointer data)
{
    heartbeat *h = data;
    const queue_record *r = h->job->record;
    int lease = h->queue->lease_seconds;
    gint64 interval = (gint64)lease * G_USEC_PER_SEC / 3;
    g_mutex_lock(&h->lock);
    while (!h->stop) {
        gint64 deadline = g_get_monotonic_time() + interval;
        while (!h->stop && g_cond_wait_until(&h->cond, &h->lock, deadline))
            ;
        if (h->stop)
            break;
        g_mutex_unlock(&h->lock);
        dk_error err = {0};
        /* any other failure (the server away a moment) is tried again at
         * the next beat: the lease has two more beats in it */
        int rc = h->queue->backend->renew(h->queue->db, r->id, r->fence, lease,
                                          &err);
        g_mutex_lock(&h->lock);
        if (rc == DK_QUEUE_LEASE_LOST) {
            dk_job_mark_lost(h->job, err.message);
            break;
        }
    }
    g_mutex_unlock(&h->lock);
    return NULL;
}

static void heartbeat_start(heartbeat *h, dk_queue *queue, dk_job *job)
{
    *h = (heartbeat){.queue = queue, .job = job};
    g_mutex_init(&h->lock);
    g_cond_init(&h->cond);
    h->thread = g_thread_new("dokpim-lease", beat, h);
}

static void heartbeat_stop(heartbeat *h)
{
    g_mutex_lock(&h->lock);
    h->stop = true;
    g_cond_signal(&h->cond);
    g_mutex_unlock(&h->lock);
    g_thread_join(h->thread);
    g_mutex_clear(&h->lock);
    g_cond_clear(&h->cond);
}

/* Another worker has the job now: its record is the truth, this run's
 * outcome is dropped. */
static void give_up(dk_job *job, const char *message,
                    const dk_work_options *options, dk_work_stats *stats)
{
    if (options->on_note)
        options->on_note(options->user, job, message);
    if (stats)
        stats->lost++;
}

static int run_one(dk_queue *queue, dk_queue *beat_queue,
                   const dk_registry *registry, queue_record *record,
                   const dk_work_options *options, dk_work_stats *stats,
                   dk_error *err)
{
    dk_job *job = NULL;
    int rc = dk_job_load(queue, record, options, &job, err);
    if (rc < 0) {
        queue_record_free(record);
        return rc;
    }
    if (options->on_start)
        options->on_start(options->user, job);
    dk_error job_err = {0};
    heartbeat hb;
    heartbeat_start(&hb, beat_queue, job);
    rc = perform(registry, job, &job_err);
    heartbeat_stop(&hb);
    if (g_atomic_int_get(&job->lost)) {
        dk_error lost = {0};
        dk_job_lost_message(job, &lost);
        give_up(job, lost.message, options, stats);
        dk_job_free(&job);
        return 0;
    }
    settle(job, rc, &job_err, options);
    dk_error finish_err = {0};
    rc = queue->backend->finish(queue->db, job->record, &finish_err);
    if (rc == DK_QUEUE_LEASE_LOST) {
        give_up(job, finish_err.message, options, stats);
        dk_job_free(&job);
        return 0;
    }
    if (rc < 0)
        *err = finish_err;
    if (options->on_end)
        options->on_end(options->user, job, job->record->state,
                        job->record->last_error);
    if (stats) {
        dk_job_state s = job->record->state;
        stats->done += s == DK_JOB_DONE;
        stats->failed += s == DK_JOB_FAILED;
        stats->deferred += s == DK_JOB_DEFERRED;
        stats->requeued += s == DK_JOB_QUEUED;
    }
    dk_job_free(&job);
    return rc;
}

/* Waits until the next deferred job is due (by the queue's clock) or the
 * poll interval ends; a PostgreSQL queue wakes it sooner when a job is
 * added or comes back. */
static void idle(dk_queue *queue, const dk_work_options *options)
{
    int64_t wake = 0, now = 0;
    double wait = options->idle_poll;
    if (queue->backend->next_wakeup(queue->db, &wake, NULL) == 0 && wake &&
        queue->backend->now(queue->db, &now, NULL) == 0) {
        double until = (double)(wake - now);
        if (until < wait)
            wait = until < 0.2 ? 0.2 : until;
    }
    queue->backend->wait(queue->db, wait);
}

int dk_queue_work(dk_queue *queue, const dk_registry *registry,
                  const dk_work_options *options, dk_work_stats *stats,
                  dk_error *err)
{
    dk_queue *beat_queue = NULL;
    int rc = dk_queue_open_again(queue, &beat_queue, err);
    while (rc == 0 && !dk_cancelled()) {
        queue_record *record = NULL;
        rc =
            queue->backend->claim(queue->db, queue->owner, dk_queue_owner_alive,
                                  queue->lease_seconds, &record, err);
        if (rc < 0)
            break;
        if (!record) {
            if (options->until_empty)
                break;
            idle(queue, options);
            continue;
        }
        rc = run_one(queue, beat_queue, registry, record, options, stats, err);
    }
    dk_queue_close(&beat_queue);
    return rc;
}
