/* Private to libdokpim-queue and the dokpim command: the queue handle, the
 * job behind the opaque dk_job, rebuilding stages, and the worker loop. */
#ifndef DK_QUEUE_PRIVATE_H
#define DK_QUEUE_PRIVATE_H

#include "dk_internal.h"
#include "queue_backend.h"

typedef struct dk_queue {
    const queue_backend *backend;
    void *db;
    /* What backend->open was given: a file path (SQLite) or a libpq
     * connection string, which may hold a password: never print it, print
     * url (dk_queue_url_redact) instead. */
    char *location;
    char *url;         /* the queue's URL without a password, for messages */
    char *library;     /* the library it was opened for (may be NULL) */
    char *owner;       /* "host:pid", the lease owner name of this process */
    int lease_seconds; /* DK_QUEUE_LEASE_SECONDS or DOKPIM_LEASE_SECONDS */
    /* opened without create for a library that does not remember this
     * PostgreSQL queue yet: the first enqueue through it writes queue.url */
    bool remember;
} dk_queue;

/* Opens the queue for a library (library_root may be NULL when url or
 * DOKPIM_QUEUE names the queue). Which queue, in this order: url (the
 * commands' --queue), else the environment variable DOKPIM_QUEUE, else
 * the URL the library remembers in LIBRARY/queue.url, else SQLite in
 * LIBRARY/queue.db. "postgresql://...", "postgres://..." or a libpq
 * "key=value ..." string is PostgreSQL; "sqlite:PATH" is SQLite. A URL
 * that is not the one the library remembers is refused (a library's jobs
 * split over two queues would be lost). create makes the queue when it is
 * missing (enqueueing does, listing does not), and makes the library
 * remember a PostgreSQL queue (queue.url, without any password). */
DK_PRIVATE_API int dk_queue_open_url(const char *url, const char *library_root,
                                     bool create, dk_queue **out,
                                     dk_error *err);
/* The checks of dk_queue_open_url on url for the library, without opening
 * anything: 0 or the error it would give. */
DK_PRIVATE_API int dk_queue_check_url(const char *url, const char *library_root,
                                      dk_error *err);
/* dk_queue_open_url(NULL, ...): the library's own queue. */
DK_PRIVATE_API int dk_queue_open(const char *library_root, bool create,
                                 dk_queue **out, dk_error *err);
/* A second handle on the same queue (the heartbeat's: a connection is not
 * for two threads at once). */
DK_PRIVATE_API int dk_queue_open_again(const dk_queue *queue, dk_queue **out,
                                       dk_error *err);
DK_PRIVATE_API void dk_queue_close(dk_queue **queue);
/* url without its password (URI user:password@, password=... in a query
 * or a key=value string), safe to print. g_free(). */
DK_PRIVATE_API char *dk_queue_url_redact(const char *url);
/* dk_queue_open without creating, for `dokpim queue`: a missing or empty
 * queue.db while item manifests say uploads were queued is an error (the
 * jobs were lost), not an empty queue. */
DK_PRIVATE_API int dk_queue_open_existing(const char *library_root,
                                          dk_queue **out, dk_error *err);
/* dk_queue_open_existing for a queue chosen by url (may be NULL). */
DK_PRIVATE_API int dk_queue_open_existing_url(const char *url,
                                              const char *library_root,
                                              dk_queue **out, dk_error *err);

/* What an item manifest keeps of a queued upload to find it again: the
 * content hash and a hash of the target (a target may be a URL with a
 * login in it; manifests are not private). Caller g_free()s. */
char *dk_queue_upload_key(const char *sha256, const char *target);
/* Whether the library's queue (the one the run enqueues to: library->
 * queue_url, else the rule of dk_queue_open_url) has a job or a ledger
 * entry for the key: 1 yes, 0 no (also when there is no queue yet), or an
 * error. Fits dk_run_options.upload_queued. */
DK_PRIVATE_API int dk_queue_upload_known(dk_library *library, const char *key,
                                         dk_error *err);
/* The run's queue of library (library->queue, opened the first time; with
 * create, made when missing, as enqueueing needs), for a caller that holds
 * library->queue_lock. Not to be closed: dk_library_free does. */
int dk_queue_of_run(dk_library *library, bool create, dk_queue **out,
                    dk_error *err);

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
    /* Set (once) by the heartbeat when the lease was lost: the run is
     * cancelled (dk_job_cancelled) and nothing more is recorded. */
    gint lost;
    char lost_message[DK_ERROR_MESSAGE_MAX];
};

/* The lease of the job was lost (the first message is kept), and what
 * it said, as a DK_QUEUE_LEASE_LOST error; safe from any thread. */
void dk_job_mark_lost(dk_job *job, const char *message);
void dk_job_lost_message(const dk_job *job, dk_error *err);

/* Loads the job's metadata and steps for a claimed record (taken). */
int dk_job_load(dk_queue *queue, queue_record *record,
                const dk_work_options *options, dk_job **out, dk_error *err);
void dk_job_free(dk_job **job);
/* The lease a running job holds is renewed to now + this (the back end's
 * now), every third of it, by the worker's heartbeat; the environment
 * variable DOKPIM_LEASE_SECONDS overrides it (tests). A worker that cannot
 * renew for this long may find its job taken by another. */
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
    /* Jobs whose plugin is one of dokpim's own ("dokpim.process",
     * "dokpim.finish": see docs/distributed.md), after the job's file was
     * found unchanged: performed by this, as an upload plugin's perform()
     * would be (same return codes, dk_job_defer_until). NULL: such a job
     * fails as a plugin not installed. */
    int (*perform_other)(void *perform_user, dk_job *job, dk_error *err);
    void *perform_user;
};

DK_PRIVATE_API void dk_work_options_default(dk_work_options *options);

typedef struct dk_work_stats {
    int done, failed, deferred, requeued;
    int lost; /* runs given up: the lease was lost, another worker has it */
} dk_work_stats;

/* Takes ready jobs one at a time and performs them until the queue is
 * empty (until_empty) or the user stops the worker. Returns 0, or an error
 * when the queue itself fails (a job failing is not an error here). */
DK_PRIVATE_API int dk_queue_work(dk_queue *queue, const dk_registry *registry,
                                 const dk_work_options *options,
                                 dk_work_stats *stats, dk_error *err);

#endif
