/* Private: the storage interface behind the queue. SQLite (WAL) is the
 * embedded default; a PostgreSQL back end implements the same table of
 * functions (claim with FOR UPDATE SKIP LOCKED, leases for workers on other
 * machines) without the rest of the queue changing. */
#ifndef DK_QUEUE_BACKEND_H
#define DK_QUEUE_BACKEND_H

#include <glib.h>

#include <dokpim/queue.h>

#include "dk_private_api.h"

/* One row of the jobs table. Strings are owned by the record. */
typedef struct queue_record {
    int64_t id;
    char *plugin; /* plugin name, e.g. "upload.youtube" */
    char *stage;  /* stage name in the pipeline that queued it */
    char *target;
    char *path;
    char *sha256;
    int64_t size;
    int64_t mtime;
    char *options; /* JSON object: option name -> text as configured */
    char *meta;    /* JSON object: frozen metadata */
    dk_job_state state;
    int attempts; /* times a worker took the job */
    int failures; /* network failures in a row */
    char *last_error;
    char *session;
    int64_t confirmed;
    char *remote_id;
    char *remote_status;
    int64_t progress; /* bytes sent, as last reported by the worker */
    int64_t not_before;
    bool force;
    char *lease_owner;   /* "host:pid" of the worker running it */
    int64_t lease_until; /* by the back end's clock, never the worker's */
    /* The claim counter: each claim adds one, and every write of the
     * claimer names the value it got, so a worker that lost its lease
     * (presumed dead, job taken again) can no longer change the job. */
    int64_t fence;
    char *library; /* absolute root of the library the job belongs to */
    int64_t created;
    int64_t updated;
} queue_record;

DK_PRIVATE_API void queue_record_free(queue_record *record);

/* The jobs table's columns in the order queue_record_read() takes them;
 * both back ends select exactly this list. */
#define QUEUE_JOB_COLUMNS                                                      \
    "id, plugin, stage, target, path, sha256, size, mtime, options, meta,"     \
    " state, attempts, failures, last_error, session, confirmed, remote_id,"   \
    " remote_status, progress, not_before, force, lease_owner, lease_until,"   \
    " created, updated, fence, library"

/* One row of a result, as a back end reads its columns by index: text
 * (NULL for SQL NULL, caller frees) and numbers. */
typedef struct queue_row {
    char *(*text)(const void *source, int column);
    int64_t (*number)(const void *source, int column);
    const void *source;
} queue_row;

/* A record from a row of QUEUE_JOB_COLUMNS. */
queue_record *queue_record_read(const queue_row *row);

typedef struct queue_step {
    char *name;
    dk_step_state state;
    char *detail;
    int attempts;
    int64_t updated;
} queue_step;

DK_PRIVATE_API void queue_step_free(queue_step *step);

/* next_wakeup's query, the same on both back ends: a deferred job coming
 * due, or a running job's lease running out (its worker may be gone: an
 * idle worker then takes the job over at once instead of at its next
 * look). */
#define QUEUE_NEXT_WAKEUP_SQL                                                  \
    "SELECT min(t) FROM (SELECT not_before AS t FROM jobs WHERE state = 4"     \
    " UNION ALL SELECT lease_until + 1 FROM jobs WHERE state = 1) AS due"

/* How the claim decides that a running job's worker is gone. */
typedef bool (*queue_owner_alive_fn)(const char *owner);

/* What a fenced write returns when the job is no longer the caller's (its
 * lease ran out and another worker claimed it, or the job was removed).
 * The worker then stops working on the job and records nothing more; it is
 * DK_ERR_CANCELLED so that a plugin passing it up stops at once and no
 * retry policy tries again. */
#define DK_QUEUE_LEASE_LOST DK_ERR_CANCELLED

/* The lease-lost error for job id: owner is who holds it now (NULL: the
 * job is gone or free). Returns DK_QUEUE_LEASE_LOST. */
DK_PRIVATE_API int queue_lease_lost(dk_error *err, int64_t id,
                                    const char *owner, bool exists);

typedef struct queue_backend {
    const char *name;
    /* Opens (creating and migrating the schema when asked) the queue at
     * location: a file path for SQLite, a libpq connection string for
     * PostgreSQL. Also used for the heartbeat's second connection. */
    int (*open)(const char *location, bool create, void **db, dk_error *err);
    void (*close)(void *db);

    /* In one transaction: an existing live job for sha256 + target, else
     * a ledger entry (added as a done job), else a new queued job.
     * record->id is set; *added says whether a new job was made. */
    int (*insert)(void *db, queue_record *record, bool *added, dk_error *err);
    /* Takes the next ready job (a crashed worker's first, then by id),
     * marks it running under owner for lease_seconds, counts an attempt and
     * adds one to its fence. Times come from the back end's own clock, so
     * a worker whose clock is off cannot take a live lease. A running job
     * is taken when its owner is on this host and alive() says it is gone,
     * or when its lease ran out. *out is NULL when nothing is ready. */
    int (*claim)(void *db, const char *owner, queue_owner_alive_fn alive,
                 int lease_seconds, queue_record **out, dk_error *err);
    /* Extends the lease of the claim that got fence to now + lease_seconds
     * (the back end's now). */
    int (*renew)(void *db, int64_t id, int64_t fence, int lease_seconds,
                 dk_error *err);
    int (*get)(void *db, int64_t id, queue_record **out, dk_error *err);
    /* The jobs of one library (NULL: every job), by id, into out
     * (queue_record, caller frees). */
    int (*list)(void *db, const char *library, GPtrArray *out, dk_error *err);

    /* The writes of a running job. Each changes the row only when fence is
     * still the job's; otherwise it returns DK_QUEUE_LEASE_LOST with a
     * message saying who has the job now. */
    int (*save_session)(void *db, int64_t id, int64_t fence,
                        const char *session, int64_t confirmed, dk_error *err);
    int (*save_progress)(void *db, int64_t id, int64_t fence, int64_t progress,
                         dk_error *err);
    /* Sets the remote id and the ledger entry in one transaction
     * (record->fence). */
    int (*set_remote)(void *db, const queue_record *record,
                      const char *remote_id, dk_error *err);
    int (*set_remote_status)(void *db, int64_t id, int64_t fence,
                             const char *status, dk_error *err);
    /* Ends a run of the job (record->fence): new state, error text,
     * not_before, failure count; releases the lease. A job cancelled
     * meanwhile stays cancelled (0, nothing changed). */
    int (*finish)(void *db, const queue_record *record, dk_error *err);

    int (*steps)(void *db, int64_t id, GPtrArray *out, dk_error *err);
    int (*step_plan)(void *db, int64_t id, int64_t fence, const char *name,
                     dk_error *err);
    int (*step_finish)(void *db, int64_t id, int64_t fence, const char *name,
                       dk_step_state state, const char *detail, dk_error *err);

    /* 0 charged, 1 over the allowance. */
    int (*quota_charge)(void *db, const char *bucket, const char *day,
                        int64_t cost, int64_t allowance, dk_error *err);
    /* Takes back cost charged before (never below zero). */
    int (*quota_refund)(void *db, const char *bucket, const char *day,
                        int64_t cost, dk_error *err);
    int (*quota_exhaust)(void *db, const char *bucket, const char *day,
                         int64_t allowance, dk_error *err);

    /* User actions. retry: failed, deferred, cancelled (or, with force,
     * done) jobs back to queued, failed steps back to pending; force also
     * forgets the session and remote id so the file is sent again. */
    int (*retry)(void *db, int64_t id, bool force, dk_error *err);
    int (*cancel)(void *db, int64_t id, dk_error *err);
    /* Done jobs of one library (NULL: of every library) are removed; the
     * ledger keeps what was sent. */
    int (*purge_done)(void *db, const char *library, int *count, dk_error *err);
    /* The targets of every job (any state) and ledger entry for this
     * content, into out (char *, caller frees). */
    int (*targets)(void *db, const char *sha256, GPtrArray *out, dk_error *err);
    /* Rows of the jobs and ledger tables together: 0 for a new queue. */
    int (*rows)(void *db, int64_t *count, dk_error *err);
    /* Earliest not_before among deferred jobs, 0 when none (the back
     * end's clock, unix seconds). */
    int (*next_wakeup)(void *db, int64_t *when, dk_error *err);
    /* The back end's clock now, unix seconds (next_wakeup is read
     * against it). */
    int (*now)(void *db, int64_t *now, dk_error *err);
    /* The idle worker's wait: up to seconds, less when a job may have
     * become ready (PostgreSQL: NOTIFY from insert, retry, finish) or the
     * user asked to stop (dk_cancelled(), within half a second). */
    void (*wait)(void *db, double seconds);
} queue_backend;

extern const queue_backend queue_sqlite_backend;
extern const queue_backend queue_pg_backend;
/* The schema version this build's SQLite back end writes. */
extern const int queue_sqlite_schema_version;

#endif
