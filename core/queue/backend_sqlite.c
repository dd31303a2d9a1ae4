/* The queue in SQLite: WAL so that `dokpim run` can enqueue while a worker
 * uploads, synchronous=FULL so that a saved session URI survives a power
 * cut, BEGIN IMMEDIATE around every read-then-write so that two workers
 * never take the same job. */
#include "dk_internal.h"
#include "queue_backend.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The schema, one step per version: a queue made by an older dokpim gets
 * the steps after its PRAGMA user_version, in one transaction. */
static const char *const migrations[] = {
    /* 1 */
    "CREATE TABLE IF NOT EXISTS jobs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " plugin TEXT NOT NULL, stage TEXT NOT NULL, target TEXT NOT NULL,"
    " path TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
    " options TEXT NOT NULL, meta TEXT NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " failures INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    " session TEXT, confirmed INTEGER NOT NULL DEFAULT 0,"
    " remote_id TEXT, remote_status TEXT,"
    " progress INTEGER NOT NULL DEFAULT 0,"
    " not_before INTEGER NOT NULL DEFAULT 0,"
    " force INTEGER NOT NULL DEFAULT 0,"
    " lease_owner TEXT, lease_until INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS jobs_content ON jobs(sha256, target);"
    "CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, not_before);"
    "CREATE TABLE IF NOT EXISTS steps ("
    " job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, state INTEGER NOT NULL DEFAULT 0,"
    " detail TEXT, attempts INTEGER NOT NULL DEFAULT 0,"
    " updated INTEGER NOT NULL, PRIMARY KEY (job_id, name));"
    "CREATE TABLE IF NOT EXISTS ledger ("
    " sha256 TEXT NOT NULL, target TEXT NOT NULL, remote_id TEXT NOT NULL,"
    " job_id INTEGER, created INTEGER NOT NULL,"
    " PRIMARY KEY (sha256, target));"
    "CREATE TABLE IF NOT EXISTS quota ("
    " bucket TEXT NOT NULL, day TEXT NOT NULL,"
    " used INTEGER NOT NULL DEFAULT 0, exhausted INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (bucket, day));",
    /* 2: fencing tokens, and the library a job belongs to */
    "ALTER TABLE jobs ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN library TEXT;",
};

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

static int db_error(sqlite3 *db, dk_error *err, const char *what)
{
    int code = sqlite3_errcode(db);
    return dk_error_set(err,
                        code == SQLITE_BUSY || code == SQLITE_LOCKED
                            ? DK_ERR_TIMEOUT
                            : DK_ERR_IO,
                        "queue database: %s: %s", what, sqlite3_errmsg(db));
}

static int exec(sqlite3 *db, const char *sql, dk_error *err)
{
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
        int rc = dk_error_set(err, DK_ERR_IO, "queue database: %s",
                              message ? message : sqlite3_errmsg(db));
        sqlite3_free(message);
        return rc;
    }
    return 0;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, dk_error *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        db_error(db, err, "prepare");
        return NULL;
    }
    return stmt;
}

static void bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
    if (text)
        sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, index);
}

/* Runs a statement that returns no rows; binds parameters from first on
 * with a printf-like spec: 'i' int64, 's' text (NULL allowed). */
static int run_args(sqlite3 *db, sqlite3_stmt *stmt, int first,
                    const char *spec, va_list args, dk_error *err)
{
    for (int i = 0; spec && spec[i]; i++) {
        if (spec[i] == 'i')
            sqlite3_bind_int64(stmt, first + i, va_arg(args, int64_t));
        else
            bind_text(stmt, first + i, va_arg(args, const char *));
    }
    int step = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        return db_error(db, err, "write");
    return 0;
}

static int run(sqlite3 *db, const char *sql, dk_error *err, const char *spec,
               ...)
{
    sqlite3_stmt *stmt = prepare(db, sql, err);
    if (!stmt)
        return DK_ERR_IO;
    va_list args;
    va_start(args, spec);
    int rc = run_args(db, stmt, 1, spec, args, err);
    va_end(args);
    return rc;
}

/* 0 while fence is still the job's claim, else the lease-lost error. */
static int check_fence(sqlite3 *db, int64_t id, int64_t fence, dk_error *err)
{
    sqlite3_stmt *stmt =
        prepare(db, "SELECT fence, lease_owner FROM jobs WHERE id = ?", err);
    if (!stmt)
        return DK_ERR_IO;
    sqlite3_bind_int64(stmt, 1, id);
    int step = sqlite3_step(stmt);
    int rc = 0;
    if (step == SQLITE_DONE)
        rc = queue_lease_lost(err, id, NULL, false);
    else if (step != SQLITE_ROW)
        rc = db_error(db, err, "read");
    else if (sqlite3_column_int64(stmt, 0) != fence)
        rc = queue_lease_lost(err, id,
                              (const char *)sqlite3_column_text(stmt, 1), true);
    sqlite3_finalize(stmt);
    return rc;
}

/* A write of the job's claimer: sql names the job as ?1 and the fence as
 * ?2 (spec binds ?3 on); a statement that matched no row means the claim
 * is no longer ours, unless check_fence finds it still is (a condition
 * other than the fence did not hold). */
static int run_fenced(sqlite3 *db, int64_t id, int64_t fence, const char *sql,
                      dk_error *err, const char *spec, ...)
{
    sqlite3_stmt *stmt = prepare(db, sql, err);
    if (!stmt)
        return DK_ERR_IO;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, fence);
    va_list args;
    va_start(args, spec);
    int rc = run_args(db, stmt, 3, spec, args, err);
    va_end(args);
    if (rc == 0 && sqlite3_changes(db) == 0)
        rc = check_fence(db, id, fence, err);
    return rc;
}

static int begin(sqlite3 *db, dk_error *err)
{
    return exec(db, "BEGIN IMMEDIATE", err);
}

static int end(sqlite3 *db, int rc, dk_error *err)
{
    if (rc < 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec(db, "COMMIT", err);
}

#define BUSY_TIMEOUT_MS 30000

/* Turning a new database to WAL, and the first write of its schema, take
 * locks that SQLite refuses at once, without calling the busy handler,
 * when another connection is doing the same: the first enqueue of a -j N
 * run opens queue.db on every worker together. So such a refusal is
 * retried, for as long as the busy timeout would have waited. */
static int exec_waiting(sqlite3 *db, const char *sql, dk_error *err)
{
    gint64 deadline = g_get_monotonic_time() + BUSY_TIMEOUT_MS * 1000LL;
    for (;;) {
        int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        int code = db_error(db, err, "set up");
        if (!sqlite3_get_autocommit(db))
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
            g_get_monotonic_time() > deadline)
            return code;
        g_usleep(g_random_int_range(2000, 20000));
    }
}

static int user_version(sqlite3 *db, int64_t *version, dk_error *err);

/* Creates or brings the schema up to date, in one write transaction. */
static int migrate(sqlite3 *db, dk_error *err)
{
    int rc = exec_waiting(db, "BEGIN IMMEDIATE", err);
    int64_t version = 0;
    if (rc == 0)
        rc = user_version(db, &version, err);
    for (int64_t v = version; rc == 0 && v < (int64_t)G_N_ELEMENTS(migrations);
         v++)
        rc = exec(db, migrations[v], err);
    if (rc == 0 && version < (int64_t)G_N_ELEMENTS(migrations)) {
        g_autofree char *set = g_strdup_printf("PRAGMA user_version=%d",
                                               (int)G_N_ELEMENTS(migrations));
        rc = exec(db, set, err);
    }
    return end(db, rc, err);
}

static int sqlite_open(const char *path, bool create, void **out, dk_error *err)
{
    *out = NULL;
    bool existed = g_file_test(path, G_FILE_TEST_EXISTS);
    if (!existed && !create)
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "%s: no queue here (nothing was queued in this "
                            "library yet)",
                            path);
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX |
                (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        int rc = dk_error_set(err, DK_ERR_IO, "%s: cannot open: %s", path,
                              db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    /* The queue holds remote session URIs, which grant upload access. */
    if (!existed)
        chmod(path, 0600);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    int rc = exec_waiting(db,
                          "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          " PRAGMA foreign_keys=ON;",
                          err);
    if (rc == 0)
        rc = migrate(db, err);
    if (rc < 0) {
        dk_error_prefix(err, "%s: ", path);
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

static void sqlite_close(void *db)
{
    sqlite3_close(db);
}

static char *column_text(sqlite3_stmt *stmt, int i)
{
    const unsigned char *text = sqlite3_column_text(stmt, i);
    return text ? g_strdup((const char *)text) : NULL;
}

static char *row_text(const void *source, int column)
{
    return column_text((sqlite3_stmt *)source, column);
}

static int64_t row_number(const void *source, int column)
{
    return sqlite3_column_int64((sqlite3_stmt *)source, column);
}

static queue_record *read_record(sqlite3_stmt *s)
{
    queue_row row = {row_text, row_number, s};
    return queue_record_read(&row);
}

/* Reads the jobs a "WHERE ..." clause selects (bound with one optional
 * int64 and one optional text) into out. */
static int select_jobs(sqlite3 *db, const char *where, const int64_t *number,
                       const char *text, const char *text2, GPtrArray *out,
                       dk_error *err)
{
    g_autofree char *sql =
        g_strdup_printf("SELECT " QUEUE_JOB_COLUMNS " FROM jobs %s", where);
    sqlite3_stmt *stmt = prepare(db, sql, err);
    if (!stmt)
        return DK_ERR_IO;
    int index = 1;
    if (number)
        sqlite3_bind_int64(stmt, index++, *number);
    if (text)
        bind_text(stmt, index++, text);
    if (text2)
        bind_text(stmt, index++, text2);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
        g_ptr_array_add(out, read_record(stmt));
    sqlite3_finalize(stmt);
    if (step != SQLITE_DONE)
        return db_error(db, err, "read");
    return 0;
}

static int ledger_lookup(sqlite3 *db, const char *sha256, const char *target,
                         char **remote_id, dk_error *err)
{
    *remote_id = NULL;
    sqlite3_stmt *stmt = prepare(
        db, "SELECT remote_id FROM ledger WHERE sha256=? AND target=?", err);
    if (!stmt)
        return DK_ERR_IO;
    bind_text(stmt, 1, sha256);
    bind_text(stmt, 2, target);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        *remote_id = column_text(stmt, 0);
    sqlite3_finalize(stmt);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return db_error(db, err, "read ledger");
    return 0;
}

static int insert_row(sqlite3 *db, queue_record *r, dk_error *err)
{
    int64_t now = now_s();
    int rc = run(db,
                 "INSERT INTO jobs (plugin, stage, target, path, sha256, size,"
                 " mtime, options, meta, state, remote_id, remote_status,"
                 " created, updated, library) VALUES"
                 " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 err, "sssssiississiis", r->plugin, r->stage, r->target,
                 r->path, r->sha256, r->size, r->mtime, r->options, r->meta,
                 (int64_t)r->state, r->remote_id, r->remote_status, now, now,
                 r->library);
    if (rc == 0)
        r->id = sqlite3_last_insert_rowid(db);
    return rc;
}

static int sqlite_insert(void *handle, queue_record *r, bool *added,
                         dk_error *err)
{
    sqlite3 *db = handle;
    *added = false;
    int rc = begin(db, err);
    if (rc < 0)
        return rc;
    GPtrArray *found =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    int64_t cancelled = DK_JOB_CANCELLED;
    rc = select_jobs(db,
                     "WHERE state != ? AND sha256 = ? AND target = ?"
                     " ORDER BY id LIMIT 1",
                     &cancelled, r->sha256, r->target, found, err);
    if (rc == 0 && found->len) {
        r->id = ((queue_record *)found->pdata[0])->id;
    } else if (rc == 0) {
        g_autofree char *remote = NULL;
        rc = ledger_lookup(db, r->sha256, r->target, &remote, err);
        if (rc == 0 && remote) {
            /* sent before, by a job since purged: record, do not send */
            r->state = DK_JOB_DONE;
            g_free(r->remote_id);
            r->remote_id = g_strdup(remote);
            g_free(r->remote_status);
            r->remote_status = g_strdup("already sent (ledger)");
        }
        if (rc == 0)
            rc = insert_row(db, r, err);
        *added = rc == 0;
    }
    g_ptr_array_free(found, TRUE);
    return end(db, rc, err);
}

static int sqlite_claim(void *handle, const char *owner,
                        queue_owner_alive_fn alive, int lease_seconds,
                        queue_record **out, dk_error *err)
{
    sqlite3 *db = handle;
    *out = NULL;
    int rc = begin(db, err);
    if (rc < 0)
        return rc;
    int64_t now = now_s();
    GPtrArray *ready =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    /* Crashed workers' jobs first, so a resumed upload finishes first;
     * then deferred jobs now due, then the oldest queued one. The running
     * jobs are as few as the workers; the others are read one row at a
     * time through jobs_state, so a claim costs the same with 100 000
     * jobs waiting as with ten. */
    static const char *const ready_in_turn[] = {
        "WHERE state = 1 AND ? >= 0 ORDER BY id",
        "WHERE state = 4 AND not_before <= ? ORDER BY not_before, id LIMIT 1",
        "WHERE state = 0 AND ? >= 0 ORDER BY not_before, id LIMIT 1",
    };
    queue_record *chosen = NULL;
    for (size_t turn = 0;
         rc == 0 && !chosen && turn < G_N_ELEMENTS(ready_in_turn); turn++) {
        rc = select_jobs(db, ready_in_turn[turn], &now, NULL, NULL, ready, err);
        for (guint i = 0; rc == 0 && i < ready->len && !chosen; i++) {
            queue_record *r = ready->pdata[i];
            if (r->state == DK_JOB_RUNNING && r->lease_until >= now &&
                r->lease_owner && alive(r->lease_owner) &&
                strcmp(r->lease_owner, owner) != 0)
                continue; /* another live worker has it */
            chosen = g_ptr_array_steal_index(ready, i);
        }
        g_ptr_array_set_size(ready, 0);
    }
    if (chosen) {
        int64_t until = now + lease_seconds;
        rc = run(db,
                 "UPDATE jobs SET state = 1, attempts = attempts + 1,"
                 " fence = fence + 1, lease_owner = ?, lease_until = ?,"
                 " updated = ? WHERE id = ?",
                 err, "siii", owner, until, now, chosen->id);
        chosen->state = DK_JOB_RUNNING;
        chosen->attempts++;
        chosen->fence++;
        g_free(chosen->lease_owner);
        chosen->lease_owner = g_strdup(owner);
        chosen->lease_until = until;
    }
    g_ptr_array_free(ready, TRUE);
    rc = end(db, rc, err);
    if (rc < 0)
        queue_record_free(chosen);
    else
        *out = chosen;
    return rc;
}

static int sqlite_renew(void *handle, int64_t id, int64_t fence,
                        int lease_seconds, dk_error *err)
{
    return run_fenced(handle, id, fence,
                      "UPDATE jobs SET lease_until = ?3 WHERE id = ?1 AND"
                      " fence = ?2",
                      err, "i", now_s() + lease_seconds);
}

static int sqlite_get(void *handle, int64_t id, queue_record **out,
                      dk_error *err)
{
    *out = NULL;
    GPtrArray *found =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    int rc = select_jobs(handle, "WHERE id = ?", &id, NULL, NULL, found, err);
    if (rc == 0 && !found->len)
        rc =
            dk_error_set(err, DK_ERR_NOT_FOUND, "no job %" G_GINT64_FORMAT, id);
    if (rc == 0)
        *out = g_ptr_array_steal_index(found, 0);
    g_ptr_array_free(found, TRUE);
    return rc;
}

static int sqlite_list(void *handle, const char *library, GPtrArray *out,
                       dk_error *err)
{
    if (!library)
        return select_jobs(handle, "ORDER BY id", NULL, NULL, NULL, out, err);
    /* jobs from before the library column belong to the file's library */
    return select_jobs(handle,
                       "WHERE library IS NULL OR library = ? ORDER BY id", NULL,
                       library, NULL, out, err);
}

static int sqlite_save_session(void *handle, int64_t id, int64_t fence,
                               const char *session, int64_t confirmed,
                               dk_error *err)
{
    return run_fenced(handle, id, fence,
                      "UPDATE jobs SET session = ?3, confirmed = ?4,"
                      " updated = ?5 WHERE id = ?1 AND fence = ?2",
                      err, "sii", session, confirmed, now_s());
}

static int sqlite_save_progress(void *handle, int64_t id, int64_t fence,
                                int64_t progress, dk_error *err)
{
    return run_fenced(handle, id, fence,
                      "UPDATE jobs SET progress = ?3 WHERE id = ?1 AND"
                      " fence = ?2",
                      err, "i", progress);
}

/* The first statement of a claimer's transaction: the job is still ours
 * (and its row is locked for the rest of it). */
static int touch_fenced(sqlite3 *db, int64_t id, int64_t fence, dk_error *err)
{
    return run_fenced(db, id, fence,
                      "UPDATE jobs SET updated = ?3 WHERE id = ?1 AND"
                      " fence = ?2",
                      err, "i", now_s());
}

static int sqlite_set_remote(void *handle, const queue_record *r,
                             const char *remote_id, dk_error *err)
{
    sqlite3 *db = handle;
    int rc = begin(db, err);
    if (rc < 0)
        return rc;
    int64_t now = now_s();
    rc = run_fenced(db, r->id, r->fence,
                    "UPDATE jobs SET remote_id = ?3, updated = ?4 WHERE"
                    " id = ?1 AND fence = ?2",
                    err, "si", remote_id, now);
    if (rc == 0)
        rc = run(db,
                 "INSERT OR REPLACE INTO ledger (sha256, target, remote_id,"
                 " job_id, created) VALUES (?, ?, ?, ?, ?)",
                 err, "sssii", r->sha256, r->target, remote_id, r->id, now);
    return end(db, rc, err);
}

static int sqlite_set_remote_status(void *handle, int64_t id, int64_t fence,
                                    const char *status, dk_error *err)
{
    return run_fenced(handle, id, fence,
                      "UPDATE jobs SET remote_status = ?3, updated = ?4"
                      " WHERE id = ?1 AND fence = ?2",
                      err, "si", status, now_s());
}

static int sqlite_finish(void *handle, const queue_record *r, dk_error *err)
{
    /* state = 1: a job cancelled meanwhile stays cancelled */
    return run_fenced(handle, r->id, r->fence,
                      "UPDATE jobs SET state = ?3, last_error = ?4,"
                      " not_before = ?5, failures = ?6, lease_owner = NULL,"
                      " lease_until = 0, updated = ?7 WHERE id = ?1 AND"
                      " fence = ?2 AND state = 1",
                      err, "isiii", (int64_t)r->state, r->last_error,
                      r->not_before, (int64_t)r->failures, now_s());
}

static int sqlite_steps(void *handle, int64_t id, GPtrArray *out, dk_error *err)
{
    sqlite3 *db = handle;
    sqlite3_stmt *stmt = prepare(db,
                                 "SELECT name, state, detail, attempts, updated"
                                 " FROM steps WHERE job_id = ? ORDER BY rowid",
                                 err);
    if (!stmt)
        return DK_ERR_IO;
    sqlite3_bind_int64(stmt, 1, id);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        queue_step *s = g_new0(queue_step, 1);
        s->name = column_text(stmt, 0);
        s->state = (dk_step_state)sqlite3_column_int(stmt, 1);
        s->detail = column_text(stmt, 2);
        s->attempts = sqlite3_column_int(stmt, 3);
        s->updated = sqlite3_column_int64(stmt, 4);
        g_ptr_array_add(out, s);
    }
    sqlite3_finalize(stmt);
    return step == SQLITE_DONE ? 0 : db_error(db, err, "read steps");
}

static int plan(sqlite3 *db, int64_t id, const char *name, dk_error *err)
{
    return run(db,
               "INSERT OR IGNORE INTO steps (job_id, name, state, updated)"
               " VALUES (?, ?, 0, ?)",
               err, "isi", id, name, now_s());
}

static int sqlite_step_plan(void *handle, int64_t id, int64_t fence,
                            const char *name, dk_error *err)
{
    sqlite3 *db = handle;
    int rc = begin(db, err);
    if (rc == 0)
        rc = touch_fenced(db, id, fence, err);
    if (rc == 0)
        rc = plan(db, id, name, err);
    return end(db, rc, err);
}

static int sqlite_step_finish(void *handle, int64_t id, int64_t fence,
                              const char *name, dk_step_state state,
                              const char *detail, dk_error *err)
{
    sqlite3 *db = handle;
    int rc = begin(db, err);
    if (rc == 0)
        rc = touch_fenced(db, id, fence, err);
    if (rc == 0)
        rc = plan(db, id, name, err);
    if (rc == 0)
        rc = run(db,
                 "UPDATE steps SET state = ?, detail = ?, attempts = attempts"
                 " + 1, updated = ? WHERE job_id = ? AND name = ?",
                 err, "isiis", (int64_t)state, detail, now_s(), id, name);
    return end(db, rc, err);
}

static int sqlite_quota_charge(void *handle, const char *bucket,
                               const char *day, int64_t cost, int64_t allowance,
                               dk_error *err)
{
    sqlite3 *db = handle;
    int rc = begin(db, err);
    if (rc < 0)
        return rc;
    rc = run(db, "INSERT OR IGNORE INTO quota (bucket, day) VALUES (?, ?)", err,
             "ss", bucket, day);
    int64_t used = 0;
    bool exhausted = false;
    if (rc == 0) {
        sqlite3_stmt *stmt = prepare(
            db, "SELECT used, exhausted FROM quota WHERE bucket=? AND day=?",
            err);
        if (!stmt) {
            rc = DK_ERR_IO;
        } else {
            bind_text(stmt, 1, bucket);
            bind_text(stmt, 2, day);
            if (sqlite3_step(stmt) == SQLITE_ROW) {
                used = sqlite3_column_int64(stmt, 0);
                exhausted = sqlite3_column_int(stmt, 1) != 0;
            }
            sqlite3_finalize(stmt);
        }
    }
    bool over = exhausted || (allowance > 0 && used + cost > allowance);
    if (rc == 0 && !over)
        rc =
            run(db, "UPDATE quota SET used = used + ? WHERE bucket=? AND day=?",
                err, "iss", cost, bucket, day);
    rc = end(db, rc, err);
    return rc < 0 ? rc : over ? 1 : 0;
}

static int sqlite_quota_refund(void *handle, const char *bucket,
                               const char *day, int64_t cost, dk_error *err)
{
    return run(handle,
               "UPDATE quota SET used = max(0, used - ?) WHERE bucket = ? AND"
               " day = ?",
               err, "iss", cost, bucket, day);
}

static int sqlite_quota_exhaust(void *handle, const char *bucket,
                                const char *day, int64_t allowance,
                                dk_error *err)
{
    return run(handle,
               "INSERT INTO quota (bucket, day, used, exhausted)"
               " VALUES (?, ?, ?, 1) ON CONFLICT(bucket, day) DO UPDATE SET"
               " exhausted = 1, used = max(used, excluded.used)",
               err, "ssi", bucket, day, allowance);
}

static int sqlite_retry(void *handle, int64_t id, bool force, dk_error *err)
{
    sqlite3 *db = handle;
    queue_record *r = NULL;
    int rc = begin(db, err);
    if (rc == 0)
        rc = sqlite_get(db, id, &r, err);
    if (rc == 0 && r->state == DK_JOB_RUNNING)
        rc = dk_error_set(err, DK_ERR_EXISTS,
                          "job %" G_GINT64_FORMAT " is running", id);
    if (rc == 0 && r->state == DK_JOB_DONE && !force)
        rc = dk_error_set(err, DK_ERR_EXISTS,
                          "job %" G_GINT64_FORMAT
                          " is done; --force sends the file again",
                          id);
    if (rc == 0 && force) {
        rc = run(db,
                 "UPDATE jobs SET session = NULL, confirmed = 0, remote_id"
                 " = NULL, remote_status = NULL, progress = 0, force = 1"
                 " WHERE id = ?",
                 err, "i", id);
        if (rc == 0)
            rc = run(db, "DELETE FROM steps WHERE job_id = ?", err, "i", id);
    }
    if (rc == 0)
        rc = run(db,
                 "UPDATE jobs SET state = 0, not_before = 0, failures = 0,"
                 " last_error = NULL, updated = ? WHERE id = ?",
                 err, "ii", now_s(), id);
    if (rc == 0)
        rc =
            run(db, "UPDATE steps SET state = 0 WHERE job_id = ? AND state = 2",
                err, "i", id);
    queue_record_free(r);
    return end(db, rc, err);
}

static int sqlite_cancel(void *handle, int64_t id, dk_error *err)
{
    sqlite3 *db = handle;
    queue_record *r = NULL;
    int rc = begin(db, err);
    if (rc == 0)
        rc = sqlite_get(db, id, &r, err);
    if (rc == 0 && r->state == DK_JOB_DONE)
        rc = dk_error_set(err, DK_ERR_EXISTS,
                          "job %" G_GINT64_FORMAT " is already done", id);
    /* a running worker keeps going to the end of its run, but its result
     * no longer moves the job out of cancelled (see finish) */
    if (rc == 0)
        rc = run(db, "UPDATE jobs SET state = 5, updated = ? WHERE id = ?", err,
                 "ii", now_s(), id);
    queue_record_free(r);
    return end(db, rc, err);
}

static int sqlite_purge_done(void *handle, const char *library, int *count,
                             dk_error *err)
{
    sqlite3 *db = handle;
    /* rows from before the library column belong to queue.db's library */
    int rc = run(db,
                 "DELETE FROM jobs WHERE state = 2 AND (?1 IS NULL OR"
                 " library IS NULL OR library = ?1)",
                 err, "s", library);
    *count = rc == 0 ? sqlite3_changes(db) : 0;
    return rc;
}

static int sqlite_targets(void *handle, const char *sha256, GPtrArray *out,
                          dk_error *err)
{
    sqlite3 *db = handle;
    sqlite3_stmt *stmt = prepare(db,
                                 "SELECT target FROM jobs WHERE sha256 = ?1"
                                 " UNION SELECT target FROM ledger"
                                 " WHERE sha256 = ?1",
                                 err);
    if (!stmt)
        return DK_ERR_IO;
    bind_text(stmt, 1, sha256);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
        g_ptr_array_add(out, column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return step == SQLITE_DONE ? 0 : db_error(db, err, "read");
}

/* The one number a query answers (NULL reads as 0). */
static int query_int(sqlite3 *db, const char *sql, int64_t *value,
                     dk_error *err)
{
    *value = 0;
    sqlite3_stmt *stmt = prepare(db, sql, err);
    if (!stmt)
        return DK_ERR_IO;
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        *value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return step == SQLITE_ROW ? 0 : db_error(db, err, "read");
}

static int sqlite_rows(void *handle, int64_t *count, dk_error *err)
{
    return query_int(handle,
                     "SELECT (SELECT count(*) FROM jobs) +"
                     " (SELECT count(*) FROM ledger)",
                     count, err);
}

static int sqlite_next_wakeup(void *handle, int64_t *when, dk_error *err)
{
    return query_int(handle, QUEUE_NEXT_WAKEUP_SQL, when, err);
}

static int user_version(sqlite3 *db, int64_t *version, dk_error *err)
{
    return query_int(db, "PRAGMA user_version", version, err);
}

static int sqlite_now(void *handle, int64_t *now, dk_error *err)
{
    (void)handle;
    (void)err;
    *now = now_s();
    return 0;
}

/* One machine: nothing to listen to, the worker looks again after the
 * wait (enqueueing is rare next to an upload's length). */
static void sqlite_wait(void *handle, double seconds)
{
    (void)handle;
    dk_cancel_sleep(seconds);
}

const queue_backend queue_sqlite_backend = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .insert = sqlite_insert,
    .claim = sqlite_claim,
    .renew = sqlite_renew,
    .get = sqlite_get,
    .list = sqlite_list,
    .save_session = sqlite_save_session,
    .save_progress = sqlite_save_progress,
    .set_remote = sqlite_set_remote,
    .set_remote_status = sqlite_set_remote_status,
    .finish = sqlite_finish,
    .steps = sqlite_steps,
    .step_plan = sqlite_step_plan,
    .step_finish = sqlite_step_finish,
    .quota_charge = sqlite_quota_charge,
    .quota_refund = sqlite_quota_refund,
    .quota_exhaust = sqlite_quota_exhaust,
    .retry = sqlite_retry,
    .cancel = sqlite_cancel,
    .purge_done = sqlite_purge_done,
    .targets = sqlite_targets,
    .rows = sqlite_rows,
    .next_wakeup = sqlite_next_wakeup,
    .now = sqlite_now,
    .wait = sqlite_wait,
};

const int queue_sqlite_schema_version = (int)G_N_ELEMENTS(migrations);
