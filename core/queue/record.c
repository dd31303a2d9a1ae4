/* What both back ends share: freeing their records, and the one message a
 * worker gets when the job it was working on is no longer its own. */
#include "queue_backend.h"

void queue_record_free(queue_record *r)
{
    if (!r)
        return;
    g_free(r->plugin);
    g_free(r->stage);
    g_free(r->target);
    g_free(r->path);
    g_free(r->sha256);
    g_free(r->options);
    g_free(r->meta);
    g_free(r->last_error);
    g_free(r->session);
    g_free(r->remote_id);
    g_free(r->remote_status);
    g_free(r->lease_owner);
    g_free(r->library);
    g_free(r);
}

queue_record *queue_record_read(const queue_row *row)
{
    queue_record *r = g_new0(queue_record, 1);
    int i = 0;
#define TEXT()   row->text(row->source, i++)
#define NUMBER() row->number(row->source, i++)
    r->id = NUMBER();
    r->plugin = TEXT();
    r->stage = TEXT();
    r->target = TEXT();
    r->path = TEXT();
    r->sha256 = TEXT();
    r->size = NUMBER();
    r->mtime = NUMBER();
    r->options = TEXT();
    r->meta = TEXT();
    r->state = (dk_job_state)NUMBER();
    r->attempts = (int)NUMBER();
    r->failures = (int)NUMBER();
    r->last_error = TEXT();
    r->session = TEXT();
    r->confirmed = NUMBER();
    r->remote_id = TEXT();
    r->remote_status = TEXT();
    r->progress = NUMBER();
    r->not_before = NUMBER();
    r->force = NUMBER() != 0;
    r->lease_owner = TEXT();
    r->lease_until = NUMBER();
    r->created = NUMBER();
    r->updated = NUMBER();
    r->fence = NUMBER();
    r->library = TEXT();
#undef TEXT
#undef NUMBER
    return r;
}

void queue_step_free(queue_step *step)
{
    if (!step)
        return;
    g_free(step->name);
    g_free(step->detail);
    g_free(step);
}

int queue_lease_lost(dk_error *err, int64_t id, const char *owner, bool exists)
{
    if (!exists)
        return dk_error_set(err, DK_QUEUE_LEASE_LOST,
                            "job %" G_GINT64_FORMAT
                            " is no longer ours: it was removed from the queue",
                            id);
    if (owner)
        return dk_error_set(err, DK_QUEUE_LEASE_LOST,
                            "job %" G_GINT64_FORMAT
                            " is no longer ours: taken again by %s after our "
                            "lease ran out",
                            id, owner);
    return dk_error_set(err, DK_QUEUE_LEASE_LOST,
                        "job %" G_GINT64_FORMAT
                        " is no longer ours: claimed again after our lease "
                        "ran out",
                        id);
}
