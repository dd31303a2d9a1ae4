/* dokpim — the upload queue, as upload plugins see it.
 *
 * An upload stage does not upload in process(): it freezes what is to be
 * sent (the file, where to, the stage's options and its templates expanded
 * for the item) into a job in LIBRARY/queue.db with dk_queue_enqueue().
 * `dokpim queue work` later rebuilds the stage from the saved options and
 * calls the plugin's perform() with the job. perform() reads the job,
 * records every fact it must not forget (session URI, confirmed bytes,
 * the remote id, steps done) through the dk_job_* calls below — each one is
 * committed to the queue before it returns, so a worker killed at any
 * moment resumes from the last fact recorded — and returns 0 when the job
 * is finished or a negative DK_ERR_* with a message.
 *
 * Return codes of perform() decide what happens next:
 *   0                      done
 *   DK_ERR_NETWORK/TIMEOUT the network failed after the retry policy gave
 *                          up: tried again later, up to a job limit
 *   DK_ERR_CANCELLED       the worker is stopping: queued again as it is
 *   anything else          failed, with the message, until
 *                          `dokpim queue retry`
 * and a job for which dk_job_defer_until() was called is deferred whatever
 * perform() returns. */
#ifndef DOKPIM_QUEUE_H
#define DOKPIM_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "item.h"
#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_job dk_job;

typedef enum dk_job_state {
    DK_JOB_QUEUED = 0,
    DK_JOB_RUNNING,
    DK_JOB_DONE,
    DK_JOB_FAILED,
    DK_JOB_DEFERRED, /* waits for a time: quota day, network back-off */
    DK_JOB_CANCELLED,
} dk_job_state;

/* "queued", "running", ...; never NULL. */
DK_API const char *dk_job_state_name(dk_job_state state);

/* ---- enqueueing, from an upload stage's process() ---- */
typedef struct dk_enqueue_request {
    /* Derivative role to send ("web", "youtube"); NULL or "": the item's
     * dk_item_current_path(). */
    const char *role;
    /* Where the bytes go, e.g. "youtube:CLIENT_ID" or the remote URL of a
     * storage target. One content hash and one target make one upload:
     * the ledger refuses a second (see dk_job_remote_id()). */
    const char *target;
    /* Extra text to freeze with the job (may be NULL). */
    const dk_meta *meta;
    /* Roles of other derivatives the job needs (a thumbnail image), NULL-
     * terminated, may be NULL: each one's path is frozen as metadata
     * "path.ROLE"; a missing one fails the enqueue. */
    const char *const *attach_roles;
} dk_enqueue_request;

/* Adds a job for item to the queue of the stage's library. Every
 * DK_OPT_TEMPLATE and DK_OPT_PATH_TEMPLATE option of the stage is expanded
 * for the item now and saved as job metadata under the option's name, so
 * titles and remote paths do not change after queueing. When a job for the
 * same content and target exists already (and was not cancelled), or the
 * ledger says the content reached that target before, no second job is
 * made: *id gets the existing job and *added is false. id and added may be
 * NULL. The job is recorded on the item too (its manifest keeps it), so a
 * re-run that finds the job gone from the queue queues it again. */
DK_API int dk_queue_enqueue(const dk_stage *stage, dk_item *item,
                            const dk_enqueue_request *request, int64_t *id,
                            bool *added, dk_error *err);

/* ---- what perform() reads ---- */
DK_API int64_t dk_job_id(const dk_job *job);
/* Absolute path of the file to send, its size and sha256 when queued. */
DK_API const char *dk_job_path(const dk_job *job);
DK_API int64_t dk_job_size(const dk_job *job);
DK_API const char *dk_job_sha256(const dk_job *job);
DK_API const char *dk_job_target(const dk_job *job);
/* Frozen metadata (expanded templates by option name, plus the request's
 * extra meta); NULL when absent. Owned by the job. */
DK_API const char *dk_job_meta(const dk_job *job, const char *key);
/* Times perform() was called for this job before, 0 the first time. */
DK_API int dk_job_attempts(const dk_job *job);
/* A re-upload the user asked for despite the ledger (`retry --force`). */
DK_API bool dk_job_forced(const dk_job *job);

/* ---- what perform() records (each call commits before returning) ----
 * The upload session (e.g. YouTube's resumable session URI; NULL clears
 * it) and the bytes the server confirmed. Save the session before the
 * first byte is sent, and the confirmed count as the server confirms. */
DK_API const char *dk_job_session(const dk_job *job);
DK_API int64_t dk_job_confirmed(const dk_job *job);
DK_API int dk_job_save_session(dk_job *job, const char *session,
                               int64_t confirmed, dk_error *err);

/* The id the target gave the upload (a video id, a remote path). Also
 * writes the ledger entry content sha256 + target -> remote id, in the
 * same transaction. */
DK_API const char *dk_job_remote_id(const dk_job *job);
DK_API int dk_job_set_remote_id(dk_job *job, const char *remote_id,
                                dk_error *err);
/* A short state reported by the target after the upload ("processed",
 * "rejected: duplicate", "private (forced)"); shown by `queue list`. */
DK_API int dk_job_set_remote_status(dk_job *job, const char *status,
                                    dk_error *err);

/* Bytes sent so far out of total, for the progress bar; cheap to call
 * often (written to the queue at most once a second). */
DK_API void dk_job_progress(dk_job *job, int64_t sent, int64_t total);
/* True when perform() should stop now and return DK_ERR_CANCELLED: the
 * user asked to stop (dk_cancelled()), or the worker lost the job's lease
 * (another worker took it after this one was presumed dead; every record
 * call then fails with DK_ERR_CANCELLED). Long loops and progress
 * callbacks check it instead of dk_cancelled(). */
DK_API bool dk_job_cancelled(const dk_job *job);

/* A line for the worker's output ("HTTP 503, retrying in 2.1 s"). Never
 * pass tokens or session URIs. */
DK_API void dk_job_note(dk_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Not now: run the job again at unix_time (quota day, server asked to
 * wait). The job becomes deferred, not failed, whatever perform() then
 * returns; reason is shown in `queue list`. */
DK_API int dk_job_defer_until(dk_job *job, int64_t unix_time,
                              const char *reason, dk_error *err);

/* ---- steps after the upload (thumbnail, playlist, processing) ----
 * Each is a row of its own, so a failed step is retried alone and never
 * by uploading again. */
typedef enum dk_step_state {
    DK_STEP_PENDING = 0,
    DK_STEP_DONE,
    DK_STEP_FAILED,
} dk_step_state;

/* Adds the step as pending unless it exists. */
DK_API int dk_job_step_plan(dk_job *job, const char *step, dk_error *err);
DK_API dk_step_state dk_job_step_state(const dk_job *job, const char *step);
/* Marks the step done (detail: what came of it) or failed (detail: why). */
DK_API int dk_job_step_finish(dk_job *job, const char *step, bool ok,
                              const char *detail, dk_error *err);

/* ---- quota: daily allowances shared by every job of the queue ----
 * Charges cost units to bucket for day (any key naming the quota day,
 * e.g. "2024-09-02" in the provider's time zone). Returns 0 when charged,
 * 1 when the charge would pass allowance (nothing charged), or an error. */
DK_API int dk_job_quota_charge(dk_job *job, const char *bucket, const char *day,
                               int64_t cost, int64_t allowance, dk_error *err);
/* Gives back units charged for a request that never reached the provider
 * (no connection, say): only what the provider received counts. */
DK_API int dk_job_quota_refund(dk_job *job, const char *bucket, const char *day,
                               int64_t cost, dk_error *err);
/* The provider said the quota is spent: no more charges today. */
DK_API int dk_job_quota_exhaust(dk_job *job, const char *bucket,
                                const char *day, int64_t allowance,
                                dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
