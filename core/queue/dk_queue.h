/* Private to libdokpim-queue and the dokpim command: the queue handle, the
 * job behind the opaque dk_job, rebuilding stages, and the worker loop. */
#ifndef DK_QUEUE_PRIVATE_H
#define DK_QUEUE_PRIVATE_H

#include "dk_internal.h"
#include "queue_backend.h"

typedef struct dk_queue {
    const queue_backend *backend;
    void *db;
    char *location; /* LIBRARY/queue.db */
    char *owner;    /* "host:pid", the lease owner name of this process */
} dk_queue;

/* Opens the queue of a library folder; create makes queue.db when it is
 * missing (enqueueing does, listing does not). */
DK_PRIVATE_API int dk_queue_open(const char *library_root, bool create,
                                 dk_queue **out, dk_error *err);
DK_PRIVATE_API void dk_queue_close(dk_queue **queue);
/* dk_queue_open without creating, for `dokpim queue`: a missing or empty
 * queue.db while item manifests say uploads were queued is an error (the
 * jobs were lost), not an empty queue. */
DK_PRIVATE_API int dk_queue_open_existing(const char *library_root,
                                          dk_queue **out, dk_error *err);

/* The schema version of the SQLite queue at path (LIBRARY/queue.db) as
 * found, read without writing it (dk_queue_open would), and checked page
 * by page (PRAGMA quick_check); *expected: the version this dokpim
 * writes. A file that is not a database or is damaged: DK_ERR_IO naming
 * it. For `dokpim doctor`. */
DK_PRIVATE_API int dk_queue_sqlite_schema(const char *path, int *found,
                                          int *expected, dk_error *err);

/* What an item manifest keeps of a queued upload to find it again: the
 * content hash and a hash of the target (a target may be a URL with a
 * login in it; manifests are not private). Caller g_free()s. */
char *dk_queue_upload_key(const char *sha256, const char *target);
/* Whether the library's queue has a job or a ledger entry for the key:
 * 1 yes, 0 no (also when there is no queue.db), or an error. Fits
 * dk_run_options.upload_queued. */
DK_PRIVATE_API int dk_queue_upload_known(const char *library_root,
                                         const char *key, dk_error *err);

DK_PRIVATE_API int dk_queue_list(dk_queue *queue, GPtrArray *records,
                                 dk_error *err);
DK_PRIVATE_API int dk_queue_get(dk_queue *queue, int64_t id, queue_record **out,
                                dk_error *err);
DK_PRIVATE_API int dk_queue_steps(dk_queue *queue, int64_t id, GPtrArray *steps,
                                  dk_error *err);
DK_PRIVATE_API int dk_queue_retry(dk_queue *queue, int64_t id, bool force,
                                  dk_error *err);
DK_PRIVATE_API int dk_queue_cancel(dk_queue *queue, int64_t id, dk_error *err);
DK_PRIVATE_API int dk_queue_purge_done(dk_queue *queue, int *count,
                                       dk_error *err);
/* Whether the process named by a lease owner still runs on this host. */
DK_PRIVATE_API bool dk_queue_owner_alive(const char *owner);

/* ---- saved options ----
 * The stage's options as configured (PATH options resolved to absolute
 * paths, since the config's folder is not known later), as a JSON object.
 * Caller g_free()s. */
DK_PRIVATE_API char *dk_queue_options_save(const dk_stage *stage);
/* A stage for plugin rebuilt from saved options, validated again by the
 * core as a config would be. Free with dk_stage_free(). */
DK_PRIVATE_API int dk_queue_stage_rebuild(const dk_plugin *plugin,
                                          const char *stage_name,
                                          const char *options_json,
                                          dk_stage **out, dk_error *err);
/* JSON object of strings <-> hash table of strings. */
DK_PRIVATE_API GHashTable *dk_queue_json_to_table(const char *json);
char *dk_queue_table_to_json(GHashTable *table);

/* ---- the job perform() gets ---- */
typedef struct dk_work_options dk_work_options;

struct dk_job {
    dk_queue *queue;
    queue_record *record;
    GHashTable *meta;  /* frozen metadata */
    GHashTable *steps; /* name -> queue_step */
    const dk_work_options *options;
    bool deferred;
    int64_t defer_until;
    char *defer_reason;
    int64_t sent, total;
    gint64 last_save; /* monotonic µs of the last progress write */
};

/* Loads the job's metadata and steps for a claimed record (taken). */
int dk_job_load(dk_queue *queue, queue_record *record,
                const dk_work_options *options, dk_job **out, dk_error *err);
void dk_job_free(dk_job **job);
/* The lease a running job holds is renewed to now + this. */
#define DK_QUEUE_LEASE_SECONDS 120

/* ---- the worker ---- */
struct dk_work_options {
    bool until_empty;    /* return once nothing is ready now */
    double idle_poll;    /* seconds between looks at an empty queue */
    int max_failures;    /* network failures in a row before failing */
    double failure_wait; /* first wait after a network failure, s */
    void (*on_start)(void *user, const dk_job *job);
    void (*on_progress)(void *user, const dk_job *job, int64_t sent,
                        int64_t total);
    void (*on_note)(void *user, const dk_job *job, const char *text);
    void (*on_end)(void *user, const dk_job *job, dk_job_state state,
                   const char *message);
    void *user;
};

DK_PRIVATE_API void dk_work_options_default(dk_work_options *options);

typedef struct dk_work_stats {
    int done, failed, deferred, requeued;
} dk_work_stats;

/* Takes ready jobs one at a time and performs them until the queue is
 * empty (until_empty) or the user stops the worker. Returns 0, or an error
 * when the queue itself fails (a job failing is not an error here). */
DK_PRIVATE_API int dk_queue_work(dk_queue *queue, const dk_registry *registry,
                                 const dk_work_options *options,
                                 dk_work_stats *stats, dk_error *err);

#endif
