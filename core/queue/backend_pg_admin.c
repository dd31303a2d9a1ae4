/* The PostgreSQL back end's quota days and the user's actions on jobs
 * (retry, cancel, purge), and what the queue answers about itself. The
 * worker's side (claims, leases, fenced writes, waits) is backend_pg.c. */
#include "pg_conn.h"

static pg_params quota_params(const char *bucket, const char *day)
{
    pg_params p = {0};
    pg_param_text(&p, bucket);
    pg_param_text(&p, day);
    return p;
}

int pg_quota_charge(void *db, const char *bucket, const char *day, int64_t cost,
                    int64_t allowance, dk_error *err)
{
    pg_queue *q = db;
    pg_params p = quota_params(bucket, day);
    int rc = pg_begin(q, err);
    if (rc == 0)
        rc = pg_run(q,
                    "INSERT INTO quota (bucket, day) VALUES ($1, $2)"
                    " ON CONFLICT DO NOTHING",
                    &p, err);
    int64_t used = 0, exhausted = 0;
    if (rc == 0) {
        PGresult *r = pg_query(q,
                               "SELECT used, exhausted FROM quota WHERE"
                               " bucket = $1 AND day = $2 FOR UPDATE",
                               &p, err);
        rc = r ? 0 : err->code;
        used = r ? pg_int(r, 0, 0) : 0;
        exhausted = r ? pg_int(r, 0, 1) : 0;
        PQclear(r);
    }
    bool over = exhausted || (allowance > 0 && used + cost > allowance);
    if (rc == 0 && !over) {
        pg_param_int(&p, cost);
        rc = pg_run(q,
                    "UPDATE quota SET used = used + $3 WHERE bucket = $1"
                    " AND day = $2",
                    &p, err);
    }
    rc = pg_end(q, rc, err);
    return rc < 0 ? rc : over ? 1 : 0;
}

int pg_quota_refund(void *db, const char *bucket, const char *day, int64_t cost,
                    dk_error *err)
{
    pg_params p = quota_params(bucket, day);
    pg_param_int(&p, cost);
    return pg_run(db,
                  "UPDATE quota SET used = greatest(0, used - $3) WHERE"
                  " bucket = $1 AND day = $2",
                  &p, err);
}

int pg_quota_exhaust(void *db, const char *bucket, const char *day,
                     int64_t allowance, dk_error *err)
{
    pg_params p = quota_params(bucket, day);
    pg_param_int(&p, allowance);
    return pg_run(db,
                  "INSERT INTO quota (bucket, day, used, exhausted)"
                  " VALUES ($1, $2, $3, 1) ON CONFLICT (bucket, day) DO"
                  " UPDATE SET exhausted = 1,"
                  " used = greatest(quota.used, excluded.used)",
                  &p, err);
}

/* The job's state, its row locked for the rest of the transaction. */
static int lock_state(pg_queue *q, int64_t id, int64_t *state, dk_error *err)
{
    pg_params p = {0};
    pg_param_int(&p, id);
    PGresult *r =
        pg_query(q, "SELECT state FROM jobs WHERE id = $1 FOR UPDATE", &p, err);
    if (!r)
        return err ? err->code : DK_ERR_IO;
    bool found = PQntuples(r) > 0;
    *state = pg_int(r, 0, 0);
    PQclear(r);
    return found ? 0
                 : dk_error_set(err, DK_ERR_NOT_FOUND,
                                "no job %" G_GINT64_FORMAT, id);
}

int pg_retry(void *db, int64_t id, bool force, dk_error *err)
{
    pg_queue *q = db;
    int64_t state = 0;
    pg_params p = {0};
    pg_param_int(&p, id);
    int rc = pg_begin(q, err);
    if (rc == 0)
        rc = lock_state(q, id, &state, err);
    if (rc == 0 && state == DK_JOB_RUNNING)
        rc = dk_error_set(err, DK_ERR_EXISTS,
                          "job %" G_GINT64_FORMAT " is running", id);
    if (rc == 0 && state == DK_JOB_DONE && !force)
        rc = dk_error_set(err, DK_ERR_EXISTS,
                          "job %" G_GINT64_FORMAT
                          " is done; --force sends the file again",
                          id);
    if (rc == 0 && force) {
        rc = pg_run(q,
                    "UPDATE jobs SET session = NULL, confirmed = 0,"
                    " remote_id = NULL, remote_status = NULL, progress = 0,"
                    " force = true WHERE id = $1",
                    &p, err);
        if (rc == 0)
            rc = pg_run(q, "DELETE FROM steps WHERE job_id = $1", &p, err);
    }
    if (rc == 0)
        rc = pg_run(q,
                    "UPDATE jobs SET state = 0, not_before = 0, failures = 0,"
                    " last_error = NULL, updated = " PG_NOW " WHERE id = $1",
                    &p, err);
    if (rc == 0)
        rc = pg_run(q,
                    "UPDATE steps SET state = 0 WHERE job_id = $1 AND"
                    " state = 2",
                    &p, err);
    if (rc == 0)
        rc = pg_run(q, PG_NOTIFY, NULL, err);
    return pg_end(q, rc, err);
}

int pg_cancel(void *db, int64_t id, dk_error *err)
{
    pg_queue *q = db;
    int64_t state = 0;
    pg_params p = {0};
    pg_param_int(&p, id);
    int rc = pg_begin(q, err);
    if (rc == 0)
        rc = lock_state(q, id, &state, err);
    if (rc == 0 && state == DK_JOB_DONE)
        rc = dk_error_set(err, DK_ERR_EXISTS,
                          "job %" G_GINT64_FORMAT " is already done", id);
    /* a running worker keeps going to the end of its run, but its result
     * no longer moves the job out of cancelled (see finish) */
    if (rc == 0)
        rc = pg_run(
            q, "UPDATE jobs SET state = 5, updated = " PG_NOW " WHERE id = $1",
            &p, err);
    return pg_end(q, rc, err);
}

int pg_purge_done(void *db, const char *library, int *count, dk_error *err)
{
    *count = 0;
    pg_params p = {0};
    pg_param_text(&p, library);
    PGresult *r = pg_query(db,
                           "DELETE FROM jobs WHERE state = 2 AND"
                           " ($1::text IS NULL OR library = $1)",
                           &p, err);
    if (!r)
        return err ? err->code : DK_ERR_IO;
    *count = (int)pg_changed(r);
    PQclear(r);
    return 0;
}

int pg_targets(void *db, const char *sha256, GPtrArray *out, dk_error *err)
{
    pg_params p = {0};
    pg_param_text(&p, sha256);
    PGresult *r = pg_query(db,
                           "SELECT target FROM jobs WHERE sha256 = $1 UNION"
                           " SELECT target FROM ledger WHERE sha256 = $1",
                           &p, err);
    if (!r)
        return err ? err->code : DK_ERR_IO;
    for (int row = 0; row < PQntuples(r); row++)
        g_ptr_array_add(out, pg_text(r, row, 0));
    PQclear(r);
    return 0;
}

int pg_rows(void *db, int64_t *count, dk_error *err)
{
    return pg_query_int(db,
                        "SELECT (SELECT count(*) FROM jobs) +"
                        " (SELECT count(*) FROM ledger)",
                        NULL, count, err);
}

int pg_next_wakeup(void *db, int64_t *when, dk_error *err)
{
    return pg_query_int(db, QUEUE_NEXT_WAKEUP_SQL, NULL, when, err);
}

int pg_now(void *db, int64_t *now, dk_error *err)
{
    return pg_query_int(db, "SELECT " PG_NOW, NULL, now, err);
}
