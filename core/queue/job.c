/* dk_job: what perform() reads, and the facts it records. Every record
 * call writes through to the queue before it returns, because the next
 * instant the worker may be killed. */
#include "dk_i18n.h"
#include "dk_queue.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

const char *dk_job_state_name(dk_job_state state)
{
    static const char *const names[] = {"queued", "running",  "done",
                                        "failed", "deferred", "cancelled"};
    if ((unsigned)state >= G_N_ELEMENTS(names))
        return "unknown";
    return names[state];
}

int dk_job_load(dk_queue *queue, queue_record *record,
                const dk_work_options *options, dk_job **out, dk_error *err)
{
    *out = NULL;
    GPtrArray *steps =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_step_free);
    int rc = queue->backend->steps(queue->db, record->id, steps, err);
    if (rc < 0) {
        g_ptr_array_free(steps, TRUE);
        return rc;
    }
    dk_job *job = g_new0(dk_job, 1);
    job->queue = queue;
    job->record = record;
    job->options = options;
    job->meta = dk_queue_json_to_table(record->meta);
    job->steps = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify)queue_step_free);
    for (guint i = 0; i < steps->len; i++) {
        queue_step *step = steps->pdata[i];
        g_hash_table_replace(job->steps, step->name, step);
    }
    /* the table owns the steps now; only the array goes */
    g_ptr_array_set_free_func(steps, NULL);
    g_ptr_array_free(steps, TRUE);
    job->total = record->size;
    *out = job;
    return 0;
}

void dk_job_free(dk_job **job)
{
    if (!job || !*job)
        return;
    dk_job *j = *job;
    queue_record_free(j->record);
    g_hash_table_destroy(j->meta);
    g_hash_table_destroy(j->steps);
    g_free(j->defer_reason);
    g_free(j);
    *job = NULL;
}

int64_t dk_job_id(const dk_job *job)
{
    return job->record->id;
}

const char *dk_job_path(const dk_job *job)
{
    return job->record->path;
}

int64_t dk_job_size(const dk_job *job)
{
    return job->record->size;
}

const char *dk_job_sha256(const dk_job *job)
{
    return job->record->sha256;
}

const char *dk_job_target(const dk_job *job)
{
    return job->record->target;
}

const char *dk_job_meta(const dk_job *job, const char *key)
{
    return g_hash_table_lookup(job->meta, key);
}

int dk_job_attempts(const dk_job *job)
{
    /* the claim counted the current run */
    return job->record->attempts > 0 ? job->record->attempts - 1 : 0;
}

bool dk_job_forced(const dk_job *job)
{
    return job->record->force;
}

const char *dk_job_session(const dk_job *job)
{
    return job->record->session;
}

int64_t dk_job_confirmed(const dk_job *job)
{
    return job->record->confirmed;
}

bool dk_job_cancelled(const dk_job *job)
{
    return dk_cancelled() || (job && g_atomic_int_get(&job->lost));
}

/* Once the lease is lost nothing more is written, not even what the
 * fence would refuse anyway: the new owner's record is the truth. */
/* The heartbeat thread and perform()'s thread both may learn it first. */
static GMutex lost_lock;

void dk_job_mark_lost(dk_job *job, const char *message)
{
    g_mutex_lock(&lost_lock);
    if (!g_atomic_int_get(&job->lost)) {
        g_strlcpy(job->lost_message, message, sizeof job->lost_message);
        g_atomic_int_set(&job->lost, 1);
    }
    g_mutex_unlock(&lost_lock);
}

void dk_job_lost_message(const dk_job *job, dk_error *err)
{
    g_mutex_lock(&lost_lock);
    dk_error_set(err, DK_QUEUE_LEASE_LOST, "%s", job->lost_message);
    g_mutex_unlock(&lost_lock);
}

static int refuse_when_lost(const dk_job *job, dk_error *err)
{
    if (!g_atomic_int_get(&job->lost))
        return 0;
    dk_job_lost_message(job, err);
    return DK_QUEUE_LEASE_LOST;
}

/* A write the fence refused tells the same as the heartbeat would, and
 * sooner: the run stops (dk_job_cancelled) and records nothing more. */
static int note_lost(dk_job *job, int rc, const dk_error *err)
{
    if (rc == DK_QUEUE_LEASE_LOST)
        dk_job_mark_lost(job, err ? err->message : "the lease was lost");
    return rc;
}

int dk_job_save_session(dk_job *job, const char *session, int64_t confirmed,
                        dk_error *err)
{
    int rc = refuse_when_lost(job, err);
    if (rc == 0)
        rc = job->queue->backend->save_session(job->queue->db, job->record->id,
                                               job->record->fence, session,
                                               confirmed, err);
    if (note_lost(job, rc, err) < 0)
        return rc;
    if (job->record->session != session) {
        g_free(job->record->session);
        job->record->session = g_strdup(session);
    }
    job->record->confirmed = confirmed;
    return 0;
}

const char *dk_job_remote_id(const dk_job *job)
{
    return job->record->remote_id;
}

int dk_job_set_remote_id(dk_job *job, const char *remote_id, dk_error *err)
{
    int rc = refuse_when_lost(job, err);
    if (rc == 0)
        rc = job->queue->backend->set_remote(job->queue->db, job->record,
                                             remote_id, err);
    if (note_lost(job, rc, err) < 0)
        return rc;
    g_free(job->record->remote_id);
    job->record->remote_id = g_strdup(remote_id);
    return 0;
}

int dk_job_set_remote_status(dk_job *job, const char *status, dk_error *err)
{
    int rc = refuse_when_lost(job, err);
    if (rc == 0)
        rc = job->queue->backend->set_remote_status(
            job->queue->db, job->record->id, job->record->fence, status, err);
    if (note_lost(job, rc, err) < 0)
        return rc;
    g_free(job->record->remote_status);
    job->record->remote_status = g_strdup(status);
    return 0;
}

void dk_job_progress(dk_job *job, int64_t sent, int64_t total)
{
    job->sent = sent;
    job->total = total;
    if (job->options && job->options->on_progress)
        job->options->on_progress(job->options->user, job, sent, total);
    gint64 now = g_get_monotonic_time();
    if (now - job->last_save < G_USEC_PER_SEC || g_atomic_int_get(&job->lost))
        return;
    job->last_save = now;
    /* best effort: a lost progress figure only makes the bar lag (the
     * lease is the heartbeat's business, not the progress's) */
    dk_error err = {0};
    int rc = job->queue->backend->save_progress(job->queue->db, job->record->id,
                                                job->record->fence, sent, &err);
    note_lost(job, rc, &err);
}

void dk_job_note(dk_job *job, const char *fmt, ...)
{
    if (!job->options || !job->options->on_note)
        return;
    va_list args;
    va_start(args, fmt);
    g_autofree char *text = g_strdup_vprintf(dk_i18n_format(fmt), args);
    va_end(args);
    job->options->on_note(job->options->user, job, text);
}

int dk_job_defer_until(dk_job *job, int64_t unix_time, const char *reason,
                       dk_error *err)
{
    (void)err; /* recorded when the run ends, with the job's state */
    job->deferred = true;
    job->defer_until = unix_time;
    g_free(job->defer_reason);
    job->defer_reason = g_strdup(reason ? reason : "deferred");
    return 0;
}

int dk_job_step_plan(dk_job *job, const char *step, dk_error *err)
{
    if (g_hash_table_contains(job->steps, step))
        return 0;
    int rc = refuse_when_lost(job, err);
    if (rc == 0)
        rc = job->queue->backend->step_plan(job->queue->db, job->record->id,
                                            job->record->fence, step, err);
    if (note_lost(job, rc, err) < 0)
        return rc;
    queue_step *s = g_new0(queue_step, 1);
    s->name = g_strdup(step);
    g_hash_table_replace(job->steps, s->name, s);
    return 0;
}

dk_step_state dk_job_step_state(const dk_job *job, const char *step)
{
    const queue_step *s = g_hash_table_lookup(job->steps, step);
    return s ? s->state : DK_STEP_PENDING;
}

int dk_job_step_finish(dk_job *job, const char *step, bool ok,
                       const char *detail, dk_error *err)
{
    dk_step_state state = ok ? DK_STEP_DONE : DK_STEP_FAILED;
    int rc = refuse_when_lost(job, err);
    if (rc == 0)
        rc = job->queue->backend->step_finish(job->queue->db, job->record->id,
                                              job->record->fence, step, state,
                                              detail, err);
    if (note_lost(job, rc, err) < 0)
        return rc;
    queue_step *s = g_hash_table_lookup(job->steps, step);
    if (!s) {
        s = g_new0(queue_step, 1);
        s->name = g_strdup(step);
        g_hash_table_replace(job->steps, s->name, s);
    }
    s->state = state;
    g_free(s->detail);
    s->detail = g_strdup(detail);
    s->attempts++;
    return 0;
}

int dk_job_quota_charge(dk_job *job, const char *bucket, const char *day,
                        int64_t cost, int64_t allowance, dk_error *err)
{
    return job->queue->backend->quota_charge(job->queue->db, bucket, day, cost,
                                             allowance, err);
}

int dk_job_quota_exhaust(dk_job *job, const char *bucket, const char *day,
                         int64_t allowance, dk_error *err)
{
    return job->queue->backend->quota_exhaust(job->queue->db, bucket, day,
                                              allowance, err);
}

int dk_job_quota_refund(dk_job *job, const char *bucket, const char *day,
                        int64_t cost, dk_error *err)
{
    return job->queue->backend->quota_refund(job->queue->db, bucket, day, cost,
                                             err);
}
