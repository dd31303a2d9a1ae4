/* The queue in PostgreSQL, for several machines sharing one queue. A claim
 * is one UPDATE of the row its subquery locked with FOR UPDATE SKIP LOCKED,
 * so two workers never take the same job and never wait for each other.
 * A running job is held by a lease on the server's clock and renewed by
 * the worker's heartbeat; its fence (a per-claim counter) guards every
 * write, so a worker presumed dead that comes back changes nothing. Idle
 * workers wait on LISTEN dokpim_jobs, which insert, retry and finish
 * (back to queued or deferred) NOTIFY. Quota and the user's actions:
 * backend_pg_admin.c; the connection and the schema: pg_conn.c. */
#include "dk_internal.h"
#include "pg_conn.h"

#include <poll.h>
#include <string.h>

static int pg_open(const char *location, bool create, void **out, dk_error *err)
{
    /* a shared server has its database already; the tables are made by
     * whoever comes first, listing or enqueueing alike */
    (void)create;
    *out = NULL;
    pg_queue *q = NULL;
    int rc = pg_connect(location, &q, err);
    if (rc == 0)
        rc = pg_migrate(q, err);
    if (rc < 0) {
        pg_disconnect(q);
        return rc;
    }
    *out = q;
    return 0;
}

static void pg_close(void *db)
{
    pg_disconnect(db);
}

/* A result and the row being read, for queue_row. */
typedef struct pg_cell_source {
    PGresult *result;
    int row;
} pg_cell_source;

static char *cell_text(const void *source, int column)
{
    const pg_cell_source *c = source;
    return pg_text(c->result, c->row, column);
}

static int64_t cell_number(const void *source, int column)
{
    const pg_cell_source *c = source;
    return pg_int(c->result, c->row, column);
}

static queue_record *read_record(PGresult *r, int row)
{
    pg_cell_source cells = {r, row};
    queue_row reader = {cell_text, cell_number, &cells};
    return queue_record_read(&reader);
}

/* The jobs sql selects (QUEUE_JOB_COLUMNS), into out. */
static int select_jobs(pg_queue *q, const char *sql, const pg_params *p,
                       GPtrArray *out, dk_error *err)
{
    PGresult *r = pg_query(q, sql, p, err);
    if (!r)
        return err ? err->code : DK_ERR_IO;
    for (int row = 0; row < PQntuples(r); row++)
        g_ptr_array_add(out, read_record(r, row));
    PQclear(r);
    return 0;
}

static int pg_insert(void *db, queue_record *rec, bool *added, dk_error *err)
{
    pg_queue *q = db;
    *added = false;
    pg_params key = {0};
    pg_param_text(&key, rec->sha256);
    pg_param_text(&key, rec->target);
    int rc = pg_begin(q, err);
    /* one content and target at a time, as SQLite's BEGIN IMMEDIATE does:
     * two runs queueing the same file make one job */
    if (rc == 0)
        rc = pg_run(q,
                    "SELECT pg_advisory_xact_lock(hashtextextended("
                    "$1 || ' ' || $2, 0))",
                    &key, err);
    int64_t existing = 0;
    if (rc == 0)
        rc = pg_query_int(q,
                          "SELECT id FROM jobs WHERE state != 5 AND sha256 = $1"
                          " AND target = $2 ORDER BY id LIMIT 1",
                          &key, &existing, err);
    if (rc == 0 && existing) {
        rec->id = existing;
        return pg_end(q, rc, err);
    }
    PGresult *ledger = NULL;
    if (rc == 0) {
        ledger = pg_query(q,
                          "SELECT remote_id FROM ledger WHERE sha256 = $1"
                          " AND target = $2",
                          &key, err);
        rc = ledger ? 0 : err->code;
    }
    if (rc == 0 && PQntuples(ledger) > 0) {
        /* sent before, by a job since purged: record, do not send */
        rec->state = DK_JOB_DONE;
        g_free(rec->remote_id);
        rec->remote_id = pg_text(ledger, 0, 0);
        g_free(rec->remote_status);
        rec->remote_status = g_strdup("already sent (ledger)");
    }
    PQclear(ledger);
    if (rc == 0) {
        pg_params p = {0};
        pg_param_text(&p, rec->plugin);
        pg_param_text(&p, rec->stage);
        pg_param_text(&p, rec->target);
        pg_param_text(&p, rec->path);
        pg_param_text(&p, rec->sha256);
        pg_param_int(&p, rec->size);
        pg_param_int(&p, rec->mtime);
        pg_param_text(&p, rec->options);
        pg_param_text(&p, rec->meta);
        pg_param_int(&p, rec->state);
        pg_param_text(&p, rec->remote_id);
        pg_param_text(&p, rec->remote_status);
        pg_param_text(&p, rec->library);
        rc = pg_query_int(
            q,
            "INSERT INTO jobs (plugin, stage, target, path, sha256,"
            " size, mtime, options, meta, state, remote_id,"
            " remote_status, library, created, updated) VALUES"
            " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
            " $13, " PG_NOW ", " PG_NOW ") RETURNING id",
            &p, &rec->id, err);
    }
    /* delivered at COMMIT, to every idle worker */
    if (rc == 0 && rec->state == DK_JOB_QUEUED)
        rc = pg_run(q, PG_NOTIFY, NULL, err);
    *added = rc == 0;
    rc = pg_end(q, rc, err);
    if (rc < 0)
        *added = false;
    return rc;
}

/* Running jobs held by a process of this host that is gone (kill -9):
 * their ids as a PostgreSQL array, "{}" for none. */
static int dead_here(pg_queue *q, queue_owner_alive_fn alive, char **ids,
                     dk_error *err)
{
    g_autofree char *prefix = g_strconcat(g_get_host_name(), ":", NULL);
    pg_params p = {0};
    pg_param_text(&p, prefix);
    PGresult *r = pg_query(q,
                           "SELECT id, lease_owner FROM jobs WHERE state = 1"
                           " AND starts_with(lease_owner, $1)",
                           &p, err);
    if (!r)
        return err ? err->code : DK_ERR_IO;
    GString *list = g_string_new("{");
    for (int row = 0; row < PQntuples(r); row++) {
        if (alive(PQgetvalue(r, row, 1)))
            continue;
        g_string_append_printf(list, "%s%s", list->len > 1 ? "," : "",
                               PQgetvalue(r, row, 0));
    }
    g_string_append_c(list, '}');
    PQclear(r);
    *ids = g_string_free(list, FALSE);
    return 0;
}

/* One statement, so one round trip: each kind of ready job is looked for
 * by its own index scan on jobs_claim (a crashed or silent worker's job
 * first, so that it resumes from what it recorded, then deferred jobs now
 * due, then the oldest queued one), each with SKIP LOCKED so that claimers
 * pass each other, and the first in that order is taken. The rows found
 * for the other kinds stay locked only until the statement ends. $3 names
 * the jobs of this host's dead processes. */
static const char claim_sql[] =
    "WITH lost AS (SELECT id, 1 AS turn FROM jobs WHERE state = 1"
    " AND (lease_until < " PG_NOW " OR id = ANY($3::bigint[])"
    " OR lease_owner = $1) ORDER BY not_before, id LIMIT 1"
    " FOR UPDATE SKIP LOCKED),"
    " due AS (SELECT id, 2 AS turn FROM jobs WHERE state = 4"
    " AND not_before <= " PG_NOW " ORDER BY not_before, id LIMIT 1"
    " FOR UPDATE SKIP LOCKED),"
    " waiting AS (SELECT id, 3 AS turn FROM jobs WHERE state = 0"
    " ORDER BY not_before, id LIMIT 1 FOR UPDATE SKIP LOCKED),"
    " pick AS (SELECT id FROM (SELECT * FROM lost UNION ALL SELECT * FROM due"
    " UNION ALL SELECT * FROM waiting) AS ready ORDER BY turn LIMIT 1)"
    " UPDATE jobs SET state = 1, attempts = attempts + 1, fence = fence + 1,"
    " lease_owner = $1, lease_until = " PG_NOW " + $2, updated = " PG_NOW
    " WHERE id = (SELECT id FROM pick) RETURNING " QUEUE_JOB_COLUMNS;

static int pg_claim(void *db, const char *owner, queue_owner_alive_fn alive,
                    int lease_seconds, queue_record **out, dk_error *err)
{
    pg_queue *q = db;
    *out = NULL;
    /* listening before looking: a job added between an empty claim and
     * the wait still wakes the wait */
    if (!q->listening) {
        int rc = pg_run(q, "LISTEN dokpim_jobs", NULL, err);
        if (rc < 0)
            return rc;
        q->listening = true;
    }
    g_autofree char *dead = NULL;
    int rc = dead_here(q, alive, &dead, err);
    if (rc < 0)
        return rc;
    pg_params p = {0};
    pg_param_text(&p, owner);
    pg_param_int(&p, lease_seconds);
    pg_param_text(&p, dead);
    PGresult *r = pg_query(q, claim_sql, &p, err);
    if (!r)
        return err ? err->code : DK_ERR_IO;
    if (PQntuples(r) > 0)
        *out = read_record(r, 0);
    PQclear(r);
    return 0;
}

/* 0 while fence is still the job's claim, else the lease-lost error. */
static int check_fence(pg_queue *q, int64_t id, int64_t fence, dk_error *err)
{
    pg_params p = {0};
    pg_param_int(&p, id);
    PGresult *r = pg_query(
        q, "SELECT fence, lease_owner FROM jobs WHERE id = $1", &p, err);
    if (!r)
        return err ? err->code : DK_ERR_IO;
    int rc = 0;
    if (PQntuples(r) == 0)
        rc = queue_lease_lost(err, id, NULL, false);
    else if (pg_int(r, 0, 0) != fence)
        rc = queue_lease_lost(
            err, id, PQgetisnull(r, 0, 1) ? NULL : PQgetvalue(r, 0, 1), true);
    PQclear(r);
    return rc;
}

/* A write of the job's claimer: sql names the job $1 and the fence $2
 * (p holds them first); no row changed means the claim is not ours any
 * more, unless check_fence finds it is (another condition did not hold). */
static int run_fenced(pg_queue *q, const char *sql, const pg_params *p,
                      dk_error *err)
{
    PGresult *r = pg_query(q, sql, p, err);
    if (!r)
        return err ? err->code : DK_ERR_IO;
    int64_t changed = pg_changed(r);
    PQclear(r);
    if (changed > 0)
        return 0;
    return check_fence(q, g_ascii_strtoll(pg_param_value(p, 0), NULL, 10),
                       g_ascii_strtoll(pg_param_value(p, 1), NULL, 10), err);
}

static pg_params fenced_params(int64_t id, int64_t fence)
{
    pg_params p = {0};
    pg_param_int(&p, id);
    pg_param_int(&p, fence);
    return p;
}

static int pg_renew(void *db, int64_t id, int64_t fence, int lease_seconds,
                    dk_error *err)
{
    pg_params p = fenced_params(id, fence);
    pg_param_int(&p, lease_seconds);
    return run_fenced(db,
                      "UPDATE jobs SET lease_until = " PG_NOW " + $3"
                      " WHERE id = $1 AND fence = $2",
                      &p, err);
}

static int pg_get(void *db, int64_t id, queue_record **out, dk_error *err)
{
    *out = NULL;
    pg_params p = {0};
    pg_param_int(&p, id);
    GPtrArray *found =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    int rc =
        select_jobs(db, "SELECT " QUEUE_JOB_COLUMNS " FROM jobs WHERE id = $1",
                    &p, found, err);
    if (rc == 0 && !found->len)
        rc =
            dk_error_set(err, DK_ERR_NOT_FOUND, "no job %" G_GINT64_FORMAT, id);
    if (rc == 0)
        *out = g_ptr_array_steal_index(found, 0);
    g_ptr_array_free(found, TRUE);
    return rc;
}

static int pg_list(void *db, const char *library, GPtrArray *out, dk_error *err)
{
    pg_params p = {0};
    pg_param_text(&p, library);
    return select_jobs(db,
                       "SELECT " QUEUE_JOB_COLUMNS
                       " FROM jobs WHERE $1::text IS NULL"
                       " OR library = $1 ORDER BY id",
                       &p, out, err);
}

static int pg_save_session(void *db, int64_t id, int64_t fence,
                           const char *session, int64_t confirmed,
                           dk_error *err)
{
    pg_params p = fenced_params(id, fence);
    pg_param_text(&p, session);
    pg_param_int(&p, confirmed);
    return run_fenced(db,
                      "UPDATE jobs SET session = $3, confirmed = $4,"
                      " updated = " PG_NOW " WHERE id = $1 AND fence = $2",
                      &p, err);
}

static int pg_save_progress(void *db, int64_t id, int64_t fence,
                            int64_t progress, dk_error *err)
{
    pg_params p = fenced_params(id, fence);
    pg_param_int(&p, progress);
    return run_fenced(db,
                      "UPDATE jobs SET progress = $3 WHERE id = $1 AND"
                      " fence = $2",
                      &p, err);
}

/* The first statement of a claimer's transaction: the job is still ours,
 * and its row stays locked until the end of it. */
static int touch_fenced(pg_queue *q, int64_t id, int64_t fence, dk_error *err)
{
    pg_params p = fenced_params(id, fence);
    return run_fenced(
        q, "UPDATE jobs SET updated = " PG_NOW " WHERE id = $1 AND fence = $2",
        &p, err);
}

static int pg_set_remote(void *db, const queue_record *rec,
                         const char *remote_id, dk_error *err)
{
    pg_queue *q = db;
    int rc = pg_begin(q, err);
    if (rc == 0) {
        pg_params p = fenced_params(rec->id, rec->fence);
        pg_param_text(&p, remote_id);
        rc = run_fenced(q,
                        "UPDATE jobs SET remote_id = $3, updated = " PG_NOW
                        " WHERE id = $1 AND fence = $2",
                        &p, err);
    }
    if (rc == 0) {
        pg_params p = {0};
        pg_param_text(&p, rec->sha256);
        pg_param_text(&p, rec->target);
        pg_param_text(&p, remote_id);
        pg_param_int(&p, rec->id);
        rc = pg_run(q,
                    "INSERT INTO ledger (sha256, target, remote_id, job_id,"
                    " created) VALUES ($1, $2, $3, $4, " PG_NOW ")"
                    " ON CONFLICT (sha256, target) DO UPDATE SET"
                    " remote_id = excluded.remote_id,"
                    " job_id = excluded.job_id, created = excluded.created",
                    &p, err);
    }
    return pg_end(q, rc, err);
}

static int pg_set_remote_status(void *db, int64_t id, int64_t fence,
                                const char *status, dk_error *err)
{
    pg_params p = fenced_params(id, fence);
    pg_param_text(&p, status);
    return run_fenced(db,
                      "UPDATE jobs SET remote_status = $3, updated = " PG_NOW
                      " WHERE id = $1 AND fence = $2",
                      &p, err);
}

static int pg_finish(void *db, const queue_record *rec, dk_error *err)
{
    pg_queue *q = db;
    pg_params p = fenced_params(rec->id, rec->fence);
    pg_param_int(&p, rec->state);
    pg_param_text(&p, rec->last_error);
    pg_param_int(&p, rec->not_before);
    pg_param_int(&p, rec->failures);
    /* state = 1: a job cancelled meanwhile stays cancelled */
    int rc = run_fenced(q,
                        "UPDATE jobs SET state = $3, last_error = $4,"
                        " not_before = $5, failures = $6, lease_owner = NULL,"
                        " lease_until = 0, updated = " PG_NOW
                        " WHERE id = $1 AND fence = $2 AND state = 1",
                        &p, err);
    /* back for a worker now or at its time: wake the idle ones */
    if (rc == 0 &&
        (rec->state == DK_JOB_QUEUED || rec->state == DK_JOB_DEFERRED))
        rc = pg_run(q, PG_NOTIFY, NULL, err);
    return rc;
}

static int pg_steps(void *db, int64_t id, GPtrArray *out, dk_error *err)
{
    pg_params p = {0};
    pg_param_int(&p, id);
    PGresult *r = pg_query(db,
                           "SELECT name, state, detail, attempts, updated"
                           " FROM steps WHERE job_id = $1 ORDER BY seq",
                           &p, err);
    if (!r)
        return err ? err->code : DK_ERR_IO;
    for (int row = 0; row < PQntuples(r); row++) {
        queue_step *s = g_new0(queue_step, 1);
        s->name = pg_text(r, row, 0);
        s->state = (dk_step_state)pg_int(r, row, 1);
        s->detail = pg_text(r, row, 2);
        s->attempts = (int)pg_int(r, row, 3);
        s->updated = pg_int(r, row, 4);
        g_ptr_array_add(out, s);
    }
    PQclear(r);
    return 0;
}

static int plan(pg_queue *q, int64_t id, const char *name, dk_error *err)
{
    pg_params p = {0};
    pg_param_int(&p, id);
    pg_param_text(&p, name);
    return pg_run(q,
                  "INSERT INTO steps (job_id, name, state, updated) VALUES"
                  " ($1, $2, 0, " PG_NOW ") ON CONFLICT DO NOTHING",
                  &p, err);
}

static int pg_step_plan(void *db, int64_t id, int64_t fence, const char *name,
                        dk_error *err)
{
    pg_queue *q = db;
    int rc = pg_begin(q, err);
    if (rc == 0)
        rc = touch_fenced(q, id, fence, err);
    if (rc == 0)
        rc = plan(q, id, name, err);
    return pg_end(q, rc, err);
}

static int pg_step_finish(void *db, int64_t id, int64_t fence, const char *name,
                          dk_step_state state, const char *detail,
                          dk_error *err)
{
    pg_queue *q = db;
    int rc = pg_begin(q, err);
    if (rc == 0)
        rc = touch_fenced(q, id, fence, err);
    if (rc == 0)
        rc = plan(q, id, name, err);
    if (rc == 0) {
        pg_params p = {0};
        pg_param_int(&p, state);
        pg_param_text(&p, detail);
        pg_param_int(&p, id);
        pg_param_text(&p, name);
        rc = pg_run(q,
                    "UPDATE steps SET state = $1, detail = $2,"
                    " attempts = attempts + 1, updated = " PG_NOW
                    " WHERE job_id = $3 AND name = $4",
                    &p, err);
    }
    return pg_end(q, rc, err);
}

/* Whether a NOTIFY came (they are only counted: any one means "look"). */
static bool notified(pg_queue *q)
{
    bool any = false;
    PGnotify *n;
    while ((n = PQnotifies(q->conn))) {
        any = true;
        PQfreemem(n);
    }
    return any;
}

static void pg_wait(void *db, double seconds)
{
    pg_queue *q = db;
    if (!q->listening) {
        if (pg_run(q, "LISTEN dokpim_jobs", NULL, NULL) < 0) {
            dk_cancel_sleep(seconds); /* the next claim says what failed */
            return;
        }
        q->listening = true;
    }
    gint64 deadline = g_get_monotonic_time() + (gint64)(seconds * 1e6);
    PQconsumeInput(q->conn);
    if (notified(q))
        return;
    while (!dk_cancelled()) {
        gint64 left = deadline - g_get_monotonic_time();
        if (left <= 0)
            return;
        /* in slices, so that Ctrl-C ends the wait within a quarter second */
        struct pollfd fd = {.fd = PQsocket(q->conn), .events = POLLIN};
        if (fd.fd < 0) {
            dk_cancel_sleep((double)left / 1e6);
            return;
        }
        int ms = (int)MIN(left / 1000, 250);
        if (poll(&fd, 1, ms) > 0) {
            if (!PQconsumeInput(q->conn))
                return; /* the connection broke: the claim reconnects */
            if (notified(q))
                return;
        }
    }
}

const queue_backend queue_pg_backend = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .insert = pg_insert,
    .claim = pg_claim,
    .renew = pg_renew,
    .get = pg_get,
    .list = pg_list,
    .save_session = pg_save_session,
    .save_progress = pg_save_progress,
    .set_remote = pg_set_remote,
    .set_remote_status = pg_set_remote_status,
    .finish = pg_finish,
    .steps = pg_steps,
    .step_plan = pg_step_plan,
    .step_finish = pg_step_finish,
    .quota_charge = pg_quota_charge,
    .quota_refund = pg_quota_refund,
    .quota_exhaust = pg_quota_exhaust,
    .retry = pg_retry,
    .cancel = pg_cancel,
    .purge_done = pg_purge_done,
    .targets = pg_targets,
    .rows = pg_rows,
    .next_wakeup = pg_next_wakeup,
    .now = pg_now,
    .wait = pg_wait,
};
