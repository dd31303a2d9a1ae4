/* What `dokpim work` does with a processing job: the pipeline's stages on
 * the job's one input through the runner (as `dokpim run` would, under the
 * item's number in the batch), in the library opened as a worker; or, for
 * the batch's finish job, the stages' finish() once every item settled. */
#include "process_job.h"
#include "runner.h"

#include <string.h>
#include <time.h>

/* How long a finish job waits before it looks at its batch again. */
#define FINISH_RECHECK_SECONDS 1
/* How long an item waits for a `dokpim run` holding its library. */
#define LIBRARY_BUSY_SECONDS 10

struct process_worker {
    const dk_registry *registry;
    char *queue_url;
    char *key; /* the loaded batch's pipeline, event, overrides, hashes */
    dk_event *event;
    dk_pipeline *pipeline;
};

process_worker *process_worker_new(const dk_registry *registry,
                                   const char *queue_url)
{
    process_worker *worker = g_new0(process_worker, 1);
    worker->registry = registry;
    worker->queue_url = g_strdup(queue_url);
    return worker;
}

static void forget_pipeline(process_worker *worker)
{
    if (worker->pipeline)
        dk_pipeline_close_stages(worker->pipeline);
    dk_pipeline_free(&worker->pipeline);
    dk_event_free(&worker->event);
    g_clear_pointer(&worker->key, g_free);
}

void process_worker_free(process_worker **worker)
{
    if (!worker || !*worker)
        return;
    forget_pipeline(*worker);
    g_free((*worker)->queue_url);
    g_free(*worker);
    *worker = NULL;
}

/* The file must be the one the batch was submitted with: a pipeline edited
 * since would make one batch's items differ. */
static int check_unchanged(const char *what, const char *path,
                           const char *sha256, dk_error *err)
{
    char hex[65];
    int rc = dk_hash_file(path, hex, err);
    if (rc < 0)
        return dk_error_prefix(err, "%s: ", what);
    if (strcmp(hex, sha256) != 0)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "%s %s changed since the batch was submitted; "
                            "submit the batch again",
                            what, path);
    return 0;
}

static int load_pipeline(process_worker *worker, const process_spec *spec,
                         dk_error *err)
{
    g_autofree char *overrides =
        spec->overrides ? g_strjoinv("\n", spec->overrides) : g_strdup("");
    g_autofree char *key =
        g_strjoin("\n", spec->pipeline, spec->pipeline_sha256, spec->event,
                  spec->event_sha256, overrides, NULL);
    if (worker->key && strcmp(worker->key, key) == 0)
        return 0;
    forget_pipeline(worker);
    int rc =
        check_unchanged("pipeline", spec->pipeline, spec->pipeline_sha256, err);
    if (rc == 0)
        rc = check_unchanged("event", spec->event, spec->event_sha256, err);
    if (rc == 0)
        rc = dk_event_load(spec->event, &worker->event, err);
    if (rc < 0)
        return rc;
    GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
    rc = dk_pipeline_load(spec->pipeline, worker->registry, worker->event,
                          (const char *const *)spec->overrides,
                          &worker->pipeline, problems);
    if (rc < 0)
        dk_error_set(err, rc, "%s",
                     problems->len ? (const char *)problems->pdata[0]
                                   : "the pipeline does not load");
    g_ptr_array_free(problems, TRUE);
    if (rc < 0) {
        forget_pipeline(worker);
        return rc;
    }
    worker->key = g_steal_pointer(&key);
    return 0;
}

typedef struct item_run {
    dk_job *job;
    const char *sha256; /* the content submitted; NULL: any */
} item_run;

/* The stage an item is in, as the job's progress (`queue list`). */
static int on_stage(void *user, const dk_item *item, const dk_stage *stage,
                    int index, int total, dk_error *err)
{
    item_run *run = user;
    /* the lease was lost: another worker does the item now; this one
     * stops at the next stage (the one running ends whole, under the
     * item's own names, so nothing half is ever renamed into place) */
    if (dk_job_cancelled(run->job))
        return dk_error_set(err, DK_ERR_CANCELLED,
                            "stopped: the job's lease was lost");
    /* after ingest the content is known: it must be what was submitted */
    if (run->sha256 && item->sha256 && strcmp(item->sha256, run->sha256) != 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "%s changed since it was submitted (its content "
                            "is no longer sha256 %.12s...); submit it again",
                            item->source_path, run->sha256);
    g_autofree char *note =
        g_strdup_printf("%s (%d/%d)", stage->name, index, total);
    /* best effort: a lost note only leaves `queue list` a stage behind */
    dk_job_set_remote_status(run->job, note, NULL);
    dk_job_note(run->job, "%s", note);
    return 0;
}

/* The item's outcome becomes the job's. */
static int settle_item(dk_job *job, const dk_result *r, dk_error *err)
{
    g_autofree char *status = NULL;
    unsigned warnings = r->item->warnings->len;
    /* who did it: the lease owner is gone once the job settles */
    GString *tail = g_string_new(NULL);
    if (warnings)
        g_string_append_printf(tail, ", %u warning%s", warnings,
                               warnings == 1 ? "" : "s");
    g_string_append_printf(tail, ", by %s", job->queue->owner);
    g_autofree char *warned = g_string_free(tail, FALSE);
    switch (r->status) {
    case DK_STATUS_DONE:
        status = g_strdup_printf("done: %d stage%s run%s", r->stages_run,
                                 r->stages_run == 1 ? "" : "s", warned);
        break;
    case DK_STATUS_SKIPPED:
    case DK_STATUS_DUPLICATE:
        status = g_strdup_printf("%s: %s%s", dk_status_name(r->status),
                                 r->message ? r->message : "", warned);
        break;
    case DK_STATUS_CANCELLED:
        return dk_error_set(err, DK_ERR_CANCELLED, "%s",
                            r->message ? r->message : "stopped");
    default:
        /* one line naming the file and the problem, as `dokpim run` says */
        return dk_error_set(err, DK_ERR_INVALID, "%s: %s%s%s",
                            r->item->source_path, r->stage ? r->stage : "",
                            r->stage ? ": " : "",
                            r->message ? r->message : "failed");
    }
    return dk_job_set_remote_status(job, status, err);
}

static int open_library(const process_worker *worker, dk_job *job,
                        const process_spec *spec, dk_library **library,
                        dk_error *err)
{
    /* the job's library column (the shared queue's), else its options */
    const char *root =
        job->record->library ? job->record->library : spec->library;
    int rc = dk_library_open_worker(root, library, err);
    if (rc == 0)
        (*library)->queue_url = g_strdup(worker->queue_url);
    if (rc == DK_ERR_EXISTS) {
        /* a local run has it: later, not failed */
        dk_job_defer_until(job, (int64_t)time(NULL) + LIBRARY_BUSY_SECONDS,
                           err->message, NULL);
        dk_error_clear(err);
        return 1;
    }
    return rc;
}

static int process_item(process_worker *worker, dk_job *job,
                        const process_spec *spec, dk_error *err)
{
    dk_library *library = NULL;
    int rc = open_library(worker, job, spec, &library, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    GPtrArray *inputs = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(inputs, g_strdup(dk_job_path(job)));
    item_run run = {.job = job, .sha256 = dk_job_sha256(job)};
    int seq = spec->seq > 0 ? spec->seq : 1;
    dk_run_options options = {.jobs = 1,
                              .user = &run,
                              .on_stage = on_stage,
                              .upload_queued = dk_queue_upload_known,
                              .seqs = &seq,
                              .skip_finish = true,
                              .keep_open = true};
    dk_run *result = NULL;
    rc = dk_run_pipeline(worker->pipeline, library, inputs, &options, &result,
                         err);
    if (rc == 0)
        rc = settle_item(job, result->results->pdata[0], err);
    dk_run_free(&result);
    g_ptr_array_free(inputs, TRUE);
    dk_library_free(&library);
    return rc;
}

/* The batch's done items, in batch order; false (job deferred) while some
 * item has not settled yet. */
static bool settled_batch(dk_job *job, const process_spec *spec,
                          GPtrArray *inputs, GArray *seqs, dk_error *err)
{
    int waiting = 0;
    for (guint i = 0; spec->items && i < spec->items->len; i++) {
        queue_record *r = NULL;
        int64_t id = g_array_index(spec->items, int64_t, i);
        if (dk_queue_get(job->queue, id, &r, err) < 0) {
            dk_error_clear(err); /* purged: nothing to wait for */
            continue;
        }
        if (r->state == DK_JOB_QUEUED || r->state == DK_JOB_RUNNING ||
            r->state == DK_JOB_DEFERRED) {
            waiting++;
        } else if (r->state == DK_JOB_DONE) {
            process_spec item = {0};
            if (process_spec_from_json(r->options, &item, NULL) == 0) {
                g_ptr_array_add(inputs, g_strdup(r->path));
                g_array_append_val(seqs, item.seq);
            }
            process_spec_clear(&item);
        }
        queue_record_free(r);
    }
    if (!waiting)
        return true;
    g_autofree char *why =
        g_strdup_printf("waiting for %d of the batch's %u item%s", waiting,
                        spec->items->len, spec->items->len == 1 ? "" : "s");
    dk_job_defer_until(job, (int64_t)time(NULL) + FINISH_RECHECK_SECONDS, why,
                       NULL);
    return false;
}

static int finish_batch(process_worker *worker, dk_job *job,
                        const process_spec *spec, dk_error *err)
{
    GPtrArray *inputs = g_ptr_array_new_with_free_func(g_free);
    GArray *seqs = g_array_new(FALSE, FALSE, sizeof(int));
    dk_library *library = NULL;
    int rc = 0;
    if (settled_batch(job, spec, inputs, seqs, err))
        rc = open_library(worker, job, spec, &library, err);
    else
        rc = 1;
    if (rc != 0) {
        g_ptr_array_free(inputs, TRUE);
        g_array_free(seqs, TRUE);
        return rc < 0 ? rc : 0;
    }
    g_autofree char *note = g_strdup_printf("finish (%u items)", inputs->len);
    dk_job_set_remote_status(job, note, NULL);
    dk_job_note(job, "%s", note);
    dk_run_options options = {.upload_queued = dk_queue_upload_known,
                              .seqs = (const int *)(void *)seqs->data,
                              .replay_finishing = true};
    /* fresh states: those the item jobs left open hold what this worker's
     * items added, and finish() must see each item of the batch once */
    dk_pipeline_close_stages(worker->pipeline);
    dk_run *run = NULL;
    rc =
        dk_run_pipeline(worker->pipeline, library, inputs, &options, &run, err);
    if (rc == 0 && run->stopped)
        rc = dk_error_set(err, DK_ERR_CANCELLED, "stopped before finish()");
    else if (rc == 0 && run->stage_errors->len) {
        GString *all = g_string_new(NULL);
        for (guint i = 0; i < run->stage_errors->len; i++)
            g_string_append_printf(all, "%s%s", i ? "; " : "",
                                   (char *)run->stage_errors->pdata[i]);
        rc = dk_error_set(err, DK_ERR_INVALID, "%s", all->str);
        g_string_free(all, TRUE);
    } else if (rc == 0) {
        g_autofree char *done =
            g_strdup_printf("finished over %u item%s", inputs->len,
                            inputs->len == 1 ? "" : "s");
        rc = dk_job_set_remote_status(job, done, err);
    }
    dk_run_free(&run);
    dk_library_free(&library);
    g_ptr_array_free(inputs, TRUE);
    g_array_free(seqs, TRUE);
    return rc;
}

int process_worker_perform(void *user, dk_job *job, dk_error *err)
{
    process_worker *worker = user;
    const queue_record *r = job->record;
    bool finish = strcmp(r->plugin, DK_JOB_FINISH) == 0;
    if (!finish && strcmp(r->plugin, DK_JOB_PROCESS) != 0)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "%s jobs are not known to this dokpim", r->plugin);
    process_spec spec = {0};
    int rc = process_spec_from_json(r->options, &spec, err);
    if (rc == 0)
        rc = load_pipeline(worker, &spec, err);
    if (rc == 0)
        rc = finish ? finish_batch(worker, job, &spec, err)
                    : process_item(worker, job, &spec, err);
    process_spec_clear(&spec);
    return rc;
}
