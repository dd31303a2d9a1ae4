/* The queue's storage and rules, without any network: dedupe and ledger,
 * claims and leases of dead workers, quota days, user actions, and stages
 * rebuilt from saved options. Every storage case runs twice, against
 * SQLite and against a real PostgreSQL server this binary starts
 * (tests/servers/postgres.sh) with a fresh schema per case; then the
 * cases only PostgreSQL has: claims racing across connections, the
 * server's clock against a worker's skewed one, LISTEN/NOTIFY. */
#include "dk_queue.h"
#include "dk_test.h"

#include <check.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *library;
static dk_queue *queue;

/* ---- the two back ends ----
 * pg_base: "postgresql://dokpim@127.0.0.1:PORT/" of the server started in
 * main(); case_url: the current case's database, NULL for SQLite. */
static char *pg_dir;
static char *pg_base;
static char *case_url;

static void quiet(void *arg, const char *message)
{
    (void)arg, (void)message; /* "drop cascades to ..." */
}

static PGconn *pg_admin(const char *url)
{
    PGconn *c = PQconnectdb(url);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s: %s", url,
                  PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

static void pg_admin_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK ||
                      PQresultStatus(r) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

/* A queue of its own for a case: a schema first in the search path (a
 * new database would cost a checkpoint, half a second; forked cases are
 * told apart by their pid). */
static char *fresh_queue_url(void)
{
    static int serial;
    g_autofree char *admin_url = g_strconcat(pg_base, "postgres", NULL);
    PGconn *c = pg_admin(admin_url);
    g_autofree char *name =
        g_strdup_printf("case_%d_%d", (int)getpid(), serial++);
    g_autofree char *sql = g_strdup_printf("CREATE SCHEMA %s", name);
    pg_admin_exec(c, sql);
    PQfinish(c);
    return g_strdup_printf("%spostgres?options=-csearch_path%%3D%s", pg_base,
                           name);
}

/* The queue of lib on the case's back end. */
static int open_queue(const char *lib, dk_queue **out, dk_error *err)
{
    return dk_queue_open_url(case_url, lib, true, out, err);
}

/* SQL on the case's queue behind the back end's back (what another
 * machine or a crash would leave); the same text suits both. */
static int64_t sql_int(const char *sql)
{
    int64_t value = 0;
    if (case_url) {
        PGconn *c = pg_admin(case_url);
        PGresult *r = PQexec(c, sql);
        ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK ||
                          PQresultStatus(r) == PGRES_TUPLES_OK,
                      "%s: %s", sql, PQerrorMessage(c));
        if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
            value = g_ascii_strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        PQfinish(c);
        return value;
    }
    g_autofree char *path = g_build_filename(library, "queue.db", NULL);
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000); /* a worker may be writing */
    sqlite3_stmt *stmt = NULL;
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK,
                  "%s: %s", sql, sqlite3_errmsg(db));
    int step = sqlite3_step(stmt);
    ck_assert_msg(step == SQLITE_ROW || step == SQLITE_DONE, "%s: %s", sql,
                  sqlite3_errmsg(db));
    if (step == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}

static void setup(void)
{
    library = dk_test_tmpdir("queue");
    dk_error err = {0};
    ck_assert_msg(open_queue(library, &queue, &err) == 0, "%s", err.message);
}

static void setup_sqlite(void)
{
    case_url = NULL;
    setup();
}

static void setup_pg(void)
{
    case_url = fresh_queue_url();
    setup();
}

static void teardown(void)
{
    dk_queue_close(&queue);
    g_free(library);
    dk_test_cleanup_dirs();
    if (case_url) {
        g_autofree char *admin_url = g_strconcat(pg_base, "postgres", NULL);
        PGconn *c = pg_admin(admin_url);
        const char *name = strstr(case_url, "%3D") + 3;
        g_autofree char *sql = g_strdup_printf("DROP SCHEMA %s CASCADE", name);
        pg_admin_exec(c, sql);
        PQfinish(c);
        g_free(case_url);
        case_url = NULL;
    }
}

static queue_record *record_for(const char *sha, const char *target)
{
    queue_record *r = g_new0(queue_record, 1);
    r->plugin = g_strdup("upload.test");
    r->stage = g_strdup("up");
    r->target = g_strdup(target);
    r->path = g_strdup("/nonexistent");
    r->sha256 = g_strdup(sha);
    r->size = 10;
    r->options = g_strdup("{}");
    r->meta = g_strdup("{}");
    r->library = g_strdup(library);
    return r;
}

static int64_t add_to(dk_queue *q, const char *sha, const char *target,
                      bool *added)
{
    queue_record *r = record_for(sha, target);
    dk_error err = {0};
    ck_assert_msg(q->backend->insert(q->db, r, added, &err) == 0, "%s",
                  err.message);
    int64_t id = r->id;
    queue_record_free(r);
    return id;
}

static int64_t add(const char *sha, const char *target, bool *added)
{
    return add_to(queue, sha, target, added);
}

static queue_record *claim_from(dk_queue *q, const char *owner, int lease)
{
    queue_record *r = NULL;
    dk_error err = {0};
    ck_assert_msg(q->backend->claim(q->db, owner, dk_queue_owner_alive, lease,
                                    &r, &err) == 0,
                  "%s", err.message);
    return r;
}

static queue_record *claim(const char *owner)
{
    return claim_from(queue, owner, 60);
}

/* The queue's clock now (the server's, for PostgreSQL). */
static int64_t queue_now(void)
{
    int64_t now = 0;
    dk_error err = {0};
    ck_assert_int_eq(queue->backend->now(queue->db, &now, &err), 0);
    return now;
}

START_TEST(test_wal_and_private_mode)
{
    g_autofree char *path = g_build_filename(library, "queue.db", NULL);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 077, 0);
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL);
    ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(stmt, 0), "wal");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}
END_TEST

/* The first run of a -j N pipeline with an upload stage: every worker
 * opens (and so creates) queue.db at once. Making the database WAL and
 * writing the schema take locks whose busy answer SQLite gives at once,
 * without waiting: each opener must wait its turn, not fail. */
typedef struct {
    const char *library;
    const char *url;
    gint ready;
    gint go;
    gint failures;
    char message[DK_ERROR_MESSAGE_MAX];
    GMutex lock;
} open_race;

static gpointer open_at_once(gpointer data)
{
    open_race *race = data;
    g_atomic_int_inc(&race->ready);
    while (!g_atomic_int_get(&race->go))
        g_thread_yield();
    dk_queue *q = NULL;
    dk_error err = {0};
    if (dk_queue_open_url(race->url, race->library, true, &q, &err) < 0) {
        g_atomic_int_inc(&race->failures);
        g_mutex_lock(&race->lock);
        g_strlcpy(race->message, err.message, sizeof race->message);
        g_mutex_unlock(&race->lock);
    }
    dk_queue_close(&q);
    return NULL;
}

START_TEST(test_many_workers_create_the_queue_at_once)
{
    /* PostgreSQL: the tables are made under an advisory lock; a round
     * there is a new schema and eight connections */
    enum { WORKERS = 8 };
    int rounds = case_url ? 10 : 25;
    for (int round = 0; round < rounds; round++) {
        g_autofree char *fresh = g_strdup_printf("%s/fresh-%d", library, round);
        g_mkdir_with_parents(fresh, 0700);
        g_autofree char *url = case_url ? fresh_queue_url() : NULL;
        open_race race = {.library = fresh, .url = url};
        g_mutex_init(&race.lock);
        GThread *threads[WORKERS];
        for (int i = 0; i < WORKERS; i++)
            threads[i] = g_thread_new("opener", open_at_once, &race);
        while (g_atomic_int_get(&race.ready) < WORKERS)
            g_thread_yield();
        g_atomic_int_set(&race.go, 1);
        for (int i = 0; i < WORKERS; i++)
            g_thread_join(threads[i]);
        g_mutex_clear(&race.lock);
        ck_assert_msg(race.failures == 0, "round %d: %d of %d failed: %s",
                      round, race.failures, WORKERS, race.message);
    }
}
END_TEST

START_TEST(test_same_content_same_target_is_one_job)
{
    bool added = false;
    int64_t a = add("aa", "t1", &added);
    ck_assert(added);
    int64_t b = add("aa", "t1", &added);
    ck_assert(!added);
    ck_assert_int_eq(a, b);
    int64_t c = add("aa", "t2", &added);
    ck_assert(added);
    ck_assert_int_ne(a, c);
    /* a cancelled job does not hold the content back */
    dk_error err = {0};
    ck_assert_int_eq(dk_queue_cancel(queue, a, &err), 0);
    int64_t d = add("aa", "t1", &added);
    ck_assert(added);
    ck_assert_int_ne(a, d);
}
END_TEST

START_TEST(test_ledger_outlives_purge)
{
    bool added = false;
    int64_t id = add("bb", "t", &added);
    queue_record *r = claim("host:1");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->id, id);
    dk_error err = {0};
    ck_assert_int_eq(queue->backend->set_remote(queue->db, r, "VID1", &err), 0);
    r->state = DK_JOB_DONE;
    ck_assert_int_eq(queue->backend->finish(queue->db, r, &err), 0);
    queue_record_free(r);
    int purged = 0;
    ck_assert_int_eq(dk_queue_purge_done(queue, &purged, &err), 0);
    ck_assert_int_eq(purged, 1);
    int64_t again = add("bb", "t", &added);
    ck_assert(added);
    queue_record *back = NULL;
    ck_assert_int_eq(dk_queue_get(queue, again, &back, &err), 0);
    ck_assert_int_eq(back->state, DK_JOB_DONE);
    ck_assert_str_eq(back->remote_id, "VID1");
    queue_record_free(back);
    /* nothing to do for a worker */
    ck_assert_ptr_null(claim("host:1"));
    /* forced: sent again */
    ck_assert_int_eq(dk_queue_retry(queue, again, true, &err), 0);
    r = claim("host:1");
    ck_assert_ptr_nonnull(r);
    ck_assert(r->force);
    ck_assert_ptr_null(r->remote_id);
    queue_record_free(r);
}
END_TEST

START_TEST(test_dead_worker_job_is_taken_first)
{
    bool added;
    add("c1", "t", &added);
    int64_t second = add("c2", "t", &added);
    /* a worker that no longer exists (pid 0x7ffffff0) holds job 1 */
    g_autofree char *dead =
        g_strdup_printf("%s:%d", g_get_host_name(), 0x7ffffff0);
    queue_record *r = claim(dead);
    ck_assert_ptr_nonnull(r);
    int64_t held = r->id;
    queue_record_free(r);
    /* a live worker's job is left alone */
    g_autofree char *live =
        g_strdup_printf("%s:%d", g_get_host_name(), (int)getpid());
    r = claim(live);
    ck_assert_int_eq(r->id, held); /* the dead one's, taken back */
    ck_assert_int_eq(r->attempts, 2);
    ck_assert_int_eq(r->fence, 2);
    queue_record_free(r);
    /* another machine's worker: only its lease can tell, and it runs */
    r = claim("other:1");
    ck_assert_int_eq(r->id, second);
    queue_record_free(r);
    ck_assert_ptr_null(claim("other:2"));
}
END_TEST

/* Two jobs deferred: one to a time past by the queue's clock, one to a
 * time ahead; only the first is ready. */
START_TEST(test_deferred_waits_for_its_time)
{
    bool added;
    add("d1", "t", &added);
    add("d2", "t", &added);
    int64_t now = queue_now();
    dk_error err = {0};
    for (int i = 0; i < 2; i++) {
        queue_record *r = claim("h:1");
        r->state = DK_JOB_DEFERRED;
        r->not_before = i == 0 ? now + 100 : now - 1;
        ck_assert_int_eq(queue->backend->finish(queue->db, r, &err), 0);
        queue_record_free(r);
    }
    int64_t wake = 0;
    queue->backend->next_wakeup(queue->db, &wake, &err);
    ck_assert_int_eq(wake, now - 1);
    queue_record *r = claim("h:1");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->sha256, "d2");
    r->state = DK_JOB_DONE;
    ck_assert_int_eq(queue->backend->finish(queue->db, r, &err), 0);
    queue_record_free(r);
    ck_assert_ptr_null(claim("h:1"));
    queue->backend->next_wakeup(queue->db, &wake, &err);
    ck_assert_int_eq(wake, now + 100);
}
END_TEST

/* A running job's lease running out is a wake-up too: an idle worker takes
 * a silent machine's job over when its lease ends, not at its next look. */
START_TEST(test_idle_wakes_when_a_lease_runs_out)
{
    bool added;
    add("l1", "t", &added);
    add("l2", "t", &added);
    int64_t now = queue_now();
    dk_error err = {0};
    queue_record *deferred = claim("h:1");
    deferred->state = DK_JOB_DEFERRED;
    deferred->not_before = now + 500;
    ck_assert_int_eq(queue->backend->finish(queue->db, deferred, &err), 0);
    queue_record *running = claim_from(queue, "other-host:1", 30);
    ck_assert_ptr_nonnull(running);
    int64_t wake = 0;
    ck_assert_int_eq(queue->backend->next_wakeup(queue->db, &wake, &err), 0);
    ck_assert_int_eq(wake, running->lease_until + 1);
    ck_assert(wake >= now + 30 && wake <= now + 32);
    /* done: only the deferred job is left to wake for */
    running->state = DK_JOB_DONE;
    ck_assert_int_eq(queue->backend->finish(queue->db, running, &err), 0);
    ck_assert_int_eq(queue->backend->next_wakeup(queue->db, &wake, &err), 0);
    ck_assert_int_eq(wake, now + 500);
    queue_record_free(deferred);
    queue_record_free(running);
}
END_TEST

static const struct {
    int64_t cost, allowance;
    int expect;
} quota_rows[] = {
    {1600, 10000, 0}, {1600, 10000, 0}, {1600, 10000, 0}, {1600, 10000, 0},
    {1600, 10000, 0}, {1600, 10000, 0}, {1600, 10000, 1}, {50, 10000, 0},
};

START_TEST(test_quota_day)
{
    dk_error err = {0};
    for (size_t i = 0; i < G_N_ELEMENTS(quota_rows); i++)
        ck_assert_int_eq(queue->backend->quota_charge(
                             queue->db, "yt", "2024-09-02", quota_rows[i].cost,
                             quota_rows[i].allowance, &err),
                         quota_rows[i].expect);
    /* another day is another allowance; exhausted ends a day early */
    ck_assert_int_eq(queue->backend->quota_charge(queue->db, "yt", "2024-09-03",
                                                  1600, 10000, &err),
                     0);
    ck_assert_int_eq(queue->backend->quota_exhaust(queue->db, "yt",
                                                   "2024-09-03", 10000, &err),
                     0);
    ck_assert_int_eq(
        queue->backend->quota_charge(queue->db, "yt", "2024-09-03", 0, 0, &err),
        1);
}
END_TEST

START_TEST(test_retry_resets_failed_steps_only)
{
    bool added;
    int64_t id = add("e", "t", &added);
    queue_record *r = claim("h:1");
    dk_error err = {0};
    ck_assert_int_eq(queue->backend->step_finish(queue->db, id, r->fence,
                                                 "upload-extra", DK_STEP_DONE,
                                                 "ok", &err),
                     0);
    ck_assert_int_eq(queue->backend->step_finish(queue->db, id, r->fence,
                                                 "playlist", DK_STEP_FAILED,
                                                 "HTTP 500", &err),
                     0);
    r->state = DK_JOB_FAILED;
    queue->backend->finish(queue->db, r, &err);
    queue_record_free(r);
    ck_assert_int_eq(dk_queue_retry(queue, id, false, &err), 0);
    GPtrArray *steps =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_step_free);
    dk_queue_steps(queue, id, steps, &err);
    ck_assert_int_eq(steps->len, 2);
    ck_assert_int_eq(((queue_step *)steps->pdata[0])->state, DK_STEP_DONE);
    ck_assert_int_eq(((queue_step *)steps->pdata[1])->state, DK_STEP_PENDING);
    g_ptr_array_free(steps, TRUE);
    /* done jobs need --force */
    r = claim("h:1");
    r->state = DK_JOB_DONE;
    queue->backend->finish(queue->db, r, &err);
    queue_record_free(r);
    ck_assert_int_eq(dk_queue_retry(queue, id, false, &err), DK_ERR_EXISTS);
}
END_TEST

typedef struct rebuild_config {
    const char *url;
    int chunk;
    const dk_template *title;
} rebuild_config;

static const dk_option rebuild_options[] = {
    {"url", DK_OPT_STRING, NULL, "where", .flags = DK_OPTION_REQUIRED,
     DK_FIELD(rebuild_config, url)},
    {"chunk", DK_OPT_INT, "4", "n", 1, 10, DK_FIELD(rebuild_config, chunk)},
    {"title", DK_OPT_TEMPLATE, "{event.title}", "t",
     DK_FIELD(rebuild_config, title)},
    {NULL},
};

static const dk_plugin rebuild_plugin = {
    .name = "upload.rebuild",
    .role = DK_ROLE_UPLOAD,
    .options = rebuild_options,
    .config_size = sizeof(rebuild_config),
};

static const struct {
    const char *json;
    int rc;
    int64_t chunk;
} rebuild_rows[] = {
    {"{\"url\":\"https://x/\",\"chunk\":\"7\"}", 0, 7},
    {"{\"url\":\"https://x/\"}", 0, 4},
    {"{\"chunk\":\"7\"}", DK_ERR_CONFIG, 0},                    /* required */
    {"{\"url\":\"u\",\"chunk\":\"70\"}", DK_ERR_CONFIG, 0},     /* range */
    {"{\"url\":\"u\",\"gone\":\"1\"}", DK_ERR_CONFIG, 0},       /* unknown */
    {"{\"url\":\"u\",\"title\":\"{nope}\"}", DK_ERR_CONFIG, 0}, /* template */
    {"not json", DK_ERR_CONFIG, 0},
};

START_TEST(test_stage_rebuild)
{
    dk_stage *stage = NULL;
    dk_error err = {0};
    int rc = dk_queue_stage_rebuild(&rebuild_plugin, "up",
                                    rebuild_rows[_i].json, &stage, &err);
    ck_assert_msg(rc == rebuild_rows[_i].rc, "%s: %d %s", rebuild_rows[_i].json,
                  rc, err.message);
    if (rc == 0) {
        ck_assert_int_eq(dk_stage_int(stage, "chunk"), rebuild_rows[_i].chunk);
        /* the job's saved values reach the plugin's config, not only the
         * table the core reads */
        const rebuild_config *config = dk_stage_config(stage);
        ck_assert_int_eq(config->chunk, rebuild_rows[_i].chunk);
        ck_assert_str_eq(dk_template_text(config->title), "{event.title}");
        ck_assert_str_eq(dk_stage_name(stage), "up");
        /* saving and rebuilding again gives the same options */
        g_autofree char *saved = dk_queue_options_save(stage);
        dk_stage *again = NULL;
        ck_assert_int_eq(
            dk_queue_stage_rebuild(&rebuild_plugin, "up", saved, &again, &err),
            0);
        ck_assert_str_eq(dk_stage_string(again, "url"),
                         dk_stage_string(stage, "url"));
        dk_stage_free(again);
        dk_stage_free(stage);
    }
}
END_TEST

/* ---- the item manifests and the queue agree ----
 * Two files queued for WebDAV by `dokpim run` (nothing is sent: queueing
 * needs no server), then the queue loses jobs in one of these ways. */
typedef enum { LOSE_NOTHING, LOSE_FILE, LOSE_CONTENT, LOSE_ONE_JOB } loss;

static const struct {
    const char *name;
    loss how;
    bool list_fails; /* queue list / work refuse, naming the library */
    const char *says;
    int requeued; /* items the next run warns about */
} loss_rows[] = {
    {"intact", LOSE_NOTHING, false, NULL, 0},
    {"queue.db deleted", LOSE_FILE, true, "missing", 2},
    {"queue.db emptied", LOSE_CONTENT, true, "empty", 2},
    {"one job deleted", LOSE_ONE_JOB, false, NULL, 1},
};

static void lose(const char *lib, loss how)
{
    g_autofree char *db = g_build_filename(lib, "queue.db", NULL);
    g_autofree char *wal = g_strconcat(db, "-wal", NULL);
    g_autofree char *shm = g_strconcat(db, "-shm", NULL);
    if (how == LOSE_ONE_JOB) {
        sqlite3 *handle = NULL;
        ck_assert_int_eq(sqlite3_open(db, &handle), SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(handle, "DELETE FROM jobs WHERE id = 1",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(handle);
        return;
    }
    if (how == LOSE_NOTHING)
        return;
    unlink(wal);
    unlink(shm);
    unlink(db);
    if (how == LOSE_CONTENT)
        dk_test_write(db, "", 0);
}

static int count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; p && (p = strstr(p, needle)); p++)
        n++;
    return n;
}

START_TEST(test_lost_jobs_queued_again)
{
    char *dir = dk_test_tmpdir("lost");
    g_autofree char *lib = g_build_filename(dir, "library", NULL);
    g_autofree char *event = g_build_filename(dir, "event.ini", NULL);
    dk_test_write(event, "[event]\ntitle=Rapat\ndate=2024-09-02\n", -1);
    g_autofree char *pipeline = g_build_filename(dir, "p.conf", NULL);
    dk_test_write(pipeline,
                  "[pipeline]\nstages=ingest;archive\n"
                  "[ingest]\nplugin=ingest.file\n"
                  "[archive]\nplugin=upload.webdav\n"
                  "url=http://127.0.0.1:9/dav/\n",
                  -1);
    g_autofree char *inputs = g_build_filename(dir, "in", NULL);
    g_mkdir_with_parents(inputs, 0755);
    g_autofree char *a = g_build_filename(inputs, "a.txt", NULL);
    g_autofree char *b = g_build_filename(inputs, "b.txt", NULL);
    dk_test_write(a, "first", -1);
    dk_test_write(b, "second", -1);
    const char *run[] = {"run", pipeline, "--event", event,
                         "-o",  lib,      inputs,    NULL};
    char *err = NULL;
    ck_assert_msg(dk_test_dokpim(run, NULL, &err) == 0, "%s", err);
    g_free(err);

    lose(lib, loss_rows[_i].how);
    const char *list[] = {"queue", "list", "-o", lib, NULL};
    const char *work[] = {"queue", "work", "--until-empty", "-o", lib, NULL};
    for (int w = 0; w < 2; w++) {
        if (!loss_rows[_i].list_fails && w == 1)
            break; /* working would try the (closed) server */
        err = NULL;
        int status = dk_test_dokpim(w ? work : list, NULL, &err);
        if (loss_rows[_i].list_fails) {
            ck_assert_msg(status != 0, "%s: %s exit 0: %s", loss_rows[_i].name,
                          w ? "work" : "list", err);
            ck_assert_msg(strstr(err, lib) && strstr(err, loss_rows[_i].says) &&
                              count_lines_with(err, "\n") == 1,
                          "%s: %s", loss_rows[_i].name, err);
        } else {
            ck_assert_msg(status == 0, "%s: %s", loss_rows[_i].name, err);
        }
        g_free(err);
    }

    err = NULL;
    ck_assert_msg(dk_test_dokpim(run, NULL, &err) == 0, "%s", err);
    ck_assert_msg(count_lines_with(err, "re-queued: the queue had no job") ==
                      loss_rows[_i].requeued,
                  "%s: %s", loss_rows[_i].name, err);
    g_free(err);
    /* every upload has its job again, once */
    dk_error e = {0};
    dk_queue *q = NULL;
    ck_assert_int_eq(dk_queue_open_existing(lib, &q, &e), 0);
    GPtrArray *records =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    ck_assert_int_eq(dk_queue_list(q, records, &e), 0);
    ck_assert_uint_eq(records->len, 2);
    g_ptr_array_free(records, TRUE);
    dk_queue_close(&q);
    /* and a third run has nothing to say */
    err = NULL;
    ck_assert_msg(dk_test_dokpim(run, NULL, &err) == 0, "%s", err);
    ck_assert_msg(!strstr(err, "re-queued"), "%s", err);
    g_free(err);
    g_free(dir);
    dk_test_cleanup_dirs();
}
END_TEST

/* ---- credential files others may read: refused before any file ----
 * by `check` and `run`, with one line naming the file and the fix. */
static const struct {
    const char *plugin;
    const char *lines; /* %s: the secret file */
} secret_rows[] = {
    {"upload.youtube", "credentials=%s\n"},
    {"upload.webdav", "url=http://127.0.0.1:9/dav/\nnetrc=%s\n"},
    {"upload.sftp", "url=sftp://127.0.0.1:9/srv/\nkey=%s\n"},
};

START_TEST(test_readable_secret_refused_by_check_and_run)
{
    char *dir = dk_test_tmpdir("secret");
    g_autofree char *secret = g_build_filename(dir, "secret", NULL);
    dk_test_write(secret, "{}", -1);
    chmod(secret, 0644);
    g_autofree char *event = g_build_filename(dir, "event.ini", NULL);
    dk_test_write(event, "[event]\ntitle=Rapat\ndate=2024-09-02\n", -1);
    g_autofree char *lines = g_strdup_printf(secret_rows[_i].lines, secret);
    g_autofree char *conf = g_strdup_printf(
        "[pipeline]\nstages=ingest;up\n[ingest]\nplugin=ingest.file\n"
        "[up]\nplugin=%s\n%s",
        secret_rows[_i].plugin, lines);
    g_autofree char *pipeline = g_build_filename(dir, "p.conf", NULL);
    dk_test_write(pipeline, conf, -1);
    g_autofree char *input = g_build_filename(dir, "a.txt", NULL);
    dk_test_write(input, "dokpim", -1);
    g_autofree char *lib = g_build_filename(dir, "library", NULL);
    const char *check[] = {"check", pipeline, NULL};
    const char *run[] = {"run", pipeline, "--event", event,
                         "-o",  lib,      input,     NULL};
    for (int w = 0; w < 2; w++) {
        char *err = NULL;
        int status = dk_test_dokpim(w ? run : check, NULL, &err);
        ck_assert_msg(status == 2, "%s %s: exit %d: %s", secret_rows[_i].plugin,
                      w ? "run" : "check", status, err);
        ck_assert_msg(strstr(err, secret) && strstr(err, "chmod 600") &&
                          count_lines_with(err, "\n") == 1,
                      "%s: %s", secret_rows[_i].plugin, err);
        g_free(err);
    }
    g_autofree char *queue_db = g_build_filename(lib, "queue.db", NULL);
    ck_assert(!g_file_test(queue_db, G_FILE_TEST_EXISTS));
    chmod(secret, 0600);
    char *err = NULL;
    ck_assert_msg(dk_test_dokpim(check, NULL, &err) == 0, "%s", err);
    g_free(err);
    g_free(dir);
    dk_test_cleanup_dirs();
}
END_TEST

/* ---- leases, fences, waits: what several workers need ---- */

/* Two claimers, each on a connection of its own, released together at one
 * ready job: exactly one gets it, round after round. */
typedef struct claimer {
    dk_queue *queue;
    const char *owner;
    gint *ready, *go;
    queue_record *got;
    int rc;
} claimer;

static gpointer claim_at_once(gpointer data)
{
    claimer *c = data;
    g_atomic_int_inc(c->ready);
    while (!g_atomic_int_get(c->go))
        g_thread_yield();
    dk_error err = {0};
    c->rc = c->queue->backend->claim(c->queue->db, c->owner,
                                     dk_queue_owner_alive, 60, &c->got, &err);
    return NULL;
}

START_TEST(test_two_claimers_one_job)
{
    enum { ROUNDS = 40 };
    dk_queue *handles[2] = {NULL, NULL};
    dk_error err = {0};
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(dk_queue_open_again(queue, &handles[i], &err), 0);
    for (int round = 0; round < ROUNDS; round++) {
        g_autofree char *sha = g_strdup_printf("race-%d", round);
        bool added;
        int64_t id = add(sha, "t", &added);
        gint ready = 0, go = 0;
        claimer c[2] = {{handles[0], "a:1", &ready, &go, NULL, 0},
                        {handles[1], "b:2", &ready, &go, NULL, 0}};
        GThread *t[2];
        for (int i = 0; i < 2; i++)
            t[i] = g_thread_new("claimer", claim_at_once, &c[i]);
        while (g_atomic_int_get(&ready) < 2)
            g_thread_yield();
        g_atomic_int_set(&go, 1);
        for (int i = 0; i < 2; i++)
            g_thread_join(t[i]);
        ck_assert_int_eq(c[0].rc, 0);
        ck_assert_int_eq(c[1].rc, 0);
        ck_assert_msg((c[0].got != NULL) + (c[1].got != NULL) == 1,
                      "round %d: %d winners", round,
                      (c[0].got != NULL) + (c[1].got != NULL));
        queue_record *won = c[0].got ? c[0].got : c[1].got;
        ck_assert_int_eq(won->id, id);
        won->state = DK_JOB_DONE;
        ck_assert_int_eq(queue->backend->finish(queue->db, won, &err), 0);
        queue_record_free(won);
    }
    for (int i = 0; i < 2; i++)
        dk_queue_close(&handles[i]);
}
END_TEST

/* A lease that ran out (the worker was stopped, its network cut) and the
 * job taken again: every write of the first worker is refused as "lease
 * lost" naming the new owner, and changes nothing; the new owner's go. */
START_TEST(test_fence_refuses_the_old_owner)
{
    bool added;
    int64_t id = add("f", "t", &added);
    queue_record *old = claim("first:1");
    ck_assert_int_eq(old->fence, 1);
    /* its lease ran out an hour ago, by the queue's clock */
    g_autofree char *expire =
        g_strdup_printf("UPDATE jobs SET lease_until = lease_until - 3600 "
                        "WHERE id = %" G_GINT64_FORMAT,
                        id);
    sql_int(expire);
    queue_record *now_owner = claim("second:2");
    ck_assert_ptr_nonnull(now_owner);
    ck_assert_int_eq(now_owner->id, id);
    ck_assert_int_eq(now_owner->fence, 2);
    dk_error err = {0};
    const queue_backend *b = queue->backend;
    struct {
        const char *what;
        int rc;
    } writes[] = {
        {"renew", b->renew(queue->db, id, old->fence, 60, &err)},
        {"save_progress", b->save_progress(queue->db, id, old->fence, 9, &err)},
        {"save_session",
         b->save_session(queue->db, id, old->fence, "https://s", 5, &err)},
        {"set_remote", b->set_remote(queue->db, old, "OLD", &err)},
        {"set_remote_status",
         b->set_remote_status(queue->db, id, old->fence, "x", &err)},
        {"step_plan", b->step_plan(queue->db, id, old->fence, "thumb", &err)},
        {"step_finish", b->step_finish(queue->db, id, old->fence, "thumb",
                                       DK_STEP_DONE, "x", &err)},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(writes); i++)
        ck_assert_msg(writes[i].rc == DK_QUEUE_LEASE_LOST, "%s: %d",
                      writes[i].what, writes[i].rc);
    old->state = DK_JOB_DONE;
    ck_assert_int_eq(b->finish(queue->db, old, &err), DK_QUEUE_LEASE_LOST);
    ck_assert_msg(strstr(err.message, "no longer ours") &&
                      strstr(err.message, "second:2"),
                  "%s", err.message);
    /* nothing of the old owner's landed */
    queue_record *row = NULL;
    ck_assert_int_eq(dk_queue_get(queue, id, &row, &err), 0);
    ck_assert_int_eq(row->state, DK_JOB_RUNNING);
    ck_assert_str_eq(row->lease_owner, "second:2");
    ck_assert_int_eq(row->progress, 0);
    ck_assert_ptr_null(row->session);
    ck_assert_ptr_null(row->remote_id);
    ck_assert_ptr_null(row->remote_status);
    queue_record_free(row);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM steps"), 0);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM ledger"), 0);
    /* the new owner's writes land, once */
    ck_assert_int_eq(b->save_progress(queue->db, id, now_owner->fence, 7, &err),
                     0);
    ck_assert_int_eq(b->set_remote(queue->db, now_owner, "NEW", &err), 0);
    now_owner->state = DK_JOB_DONE;
    ck_assert_int_eq(b->finish(queue->db, now_owner, &err), 0);
    ck_assert_int_eq(dk_queue_get(queue, id, &row, &err), 0);
    ck_assert_int_eq(row->state, DK_JOB_DONE);
    ck_assert_int_eq(row->progress, 7);
    ck_assert_str_eq(row->remote_id, "NEW");
    queue_record_free(row);
    /* done is done: the old owner cannot finish it a second time */
    ck_assert_int_eq(b->finish(queue->db, old, &err), DK_QUEUE_LEASE_LOST);
    queue_record_free(old);
    queue_record_free(now_owner);
}
END_TEST

/* A job cancelled while it runs stays cancelled: its owner's finish is
 * not refused (the claim is still its own), it changes nothing. */
START_TEST(test_cancelled_while_running_stays_cancelled)
{
    bool added;
    int64_t id = add("c", "t", &added);
    queue_record *r = claim("w:1");
    dk_error err = {0};
    ck_assert_int_eq(dk_queue_cancel(queue, id, &err), 0);
    ck_assert_int_eq(queue->backend->renew(queue->db, id, r->fence, 60, &err),
                     0);
    r->state = DK_JOB_DONE;
    ck_assert_int_eq(queue->backend->finish(queue->db, r, &err), 0);
    queue_record_free(r);
    ck_assert_int_eq(dk_queue_get(queue, id, &r, &err), 0);
    ck_assert_int_eq(r->state, DK_JOB_CANCELLED);
    queue_record_free(r);
}
END_TEST

/* The lease is set and renewed by the queue's clock: lease_until is the
 * queue's now + lease, and an expired one is taken by another worker. */
START_TEST(test_lease_by_the_queue_clock)
{
    bool added;
    int64_t id = add("l", "t", &added);
    int64_t before = queue_now();
    queue_record *r = claim_from(queue, "far:1", 30);
    int64_t after = queue_now();
    ck_assert_int_ge(r->lease_until, before + 30);
    ck_assert_int_le(r->lease_until, after + 30);
    dk_error err = {0};
    ck_assert_int_eq(queue->backend->renew(queue->db, id, r->fence, 300, &err),
                     0);
    queue_record *row = NULL;
    ck_assert_int_eq(dk_queue_get(queue, id, &row, &err), 0);
    ck_assert_int_ge(row->lease_until, before + 300);
    ck_assert_int_le(row->lease_until, queue_now() + 300);
    queue_record_free(row);
    ck_assert_ptr_null(claim("near:2")); /* live, on another host */
    queue_record_free(r);
}
END_TEST

/* The schema is versioned: a new queue gets the latest version once,
 * however often it is opened; SQLite's older queue.db is migrated. */
START_TEST(test_schema_version)
{
    dk_error err = {0};
    dk_queue *again = NULL;
    ck_assert_int_eq(open_queue(library, &again, &err), 0);
    dk_queue_close(&again);
    if (case_url) {
        ck_assert_int_eq(sql_int("SELECT count(*) FROM dokpim_schema"), 1);
        ck_assert_int_eq(sql_int("SELECT version FROM dokpim_schema"), 1);
        /* a queue a newer dokpim made is refused, by name */
        sql_int("UPDATE dokpim_schema SET version = 99");
        ck_assert_int_eq(open_queue(library, &again, &err), DK_ERR_UNSUPPORTED);
        ck_assert_msg(strstr(err.message, "newer dokpim") &&
                          strstr(err.message, "127.0.0.1"),
                      "%s", err.message);
        return;
    }
    ck_assert_int_eq(sql_int("PRAGMA user_version"), 2);
    /* a queue.db of schema 1 (before fences and libraries) with a job */
    dk_queue_close(&queue);
    g_autofree char *path = g_build_filename(library, "queue.db", NULL);
    unlink(path);
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(
        sqlite3_exec(db,
                     "CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                     " plugin TEXT NOT NULL, stage TEXT NOT NULL, target TEXT"
                     " NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,"
                     " size INTEGER NOT NULL, mtime INTEGER NOT NULL, options"
                     " TEXT NOT NULL, meta TEXT NOT NULL, state INTEGER NOT"
                     " NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
                     " failures INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
                     " session TEXT, confirmed INTEGER NOT NULL DEFAULT 0,"
                     " remote_id TEXT, remote_status TEXT, progress INTEGER"
                     " NOT NULL DEFAULT 0, not_before INTEGER NOT NULL"
                     " DEFAULT 0, force INTEGER NOT NULL DEFAULT 0,"
                     " lease_owner TEXT, lease_until INTEGER NOT NULL DEFAULT"
                     " 0, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
                     "INSERT INTO jobs (plugin, stage, target, path, sha256,"
                     " size, mtime, options, meta, created, updated) VALUES"
                     " ('upload.test', 'up', 't', '/x', 'old', 1, 1, '{}',"
                     " '{}', 1, 1); PRAGMA user_version=1;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    ck_assert_int_eq(open_queue(library, &queue, &err), 0);
    ck_assert_int_eq(sql_int("PRAGMA user_version"), 2);
    GPtrArray *records =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    ck_assert_int_eq(dk_queue_list(queue, records, &err), 0);
    ck_assert_uint_eq(records->len, 1); /* the old job is the library's */
    g_ptr_array_free(records, TRUE);
    queue_record *r = claim("h:1");
    ck_assert_str_eq(r->sha256, "old");
    ck_assert_int_eq(r->fence, 1);
    queue_record_free(r);
}
END_TEST

/* One library's jobs, or every library's; purging one library's done
 * jobs leaves the others'. */
START_TEST(test_list_by_library)
{
    bool added;
    add("mine", "t", &added);
    queue_record *other = record_for("theirs", "t");
    g_free(other->library);
    other->library = g_strdup("/elsewhere/library");
    dk_error err = {0};
    ck_assert_int_eq(queue->backend->insert(queue->db, other, &added, &err), 0);
    queue_record_free(other);
    GPtrArray *records =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    ck_assert_int_eq(dk_queue_list(queue, records, &err), 0);
    ck_assert_uint_eq(records->len, 1);
    ck_assert_str_eq(((queue_record *)records->pdata[0])->library, library);
    g_ptr_array_set_size(records, 0);
    ck_assert_int_eq(queue->backend->list(queue->db, NULL, records, &err), 0);
    ck_assert_uint_eq(records->len, 2);
    /* both done: purge-done on this library leaves the other's job */
    for (guint i = 0; i < records->len; i++) {
        queue_record *r = claim("h:1");
        r->state = DK_JOB_DONE;
        ck_assert_int_eq(queue->backend->finish(queue->db, r, &err), 0);
        queue_record_free(r);
    }
    int purged = 0;
    ck_assert_int_eq(dk_queue_purge_done(queue, &purged, &err), 0);
    ck_assert_int_eq(purged, 1);
    g_ptr_array_set_size(records, 0);
    ck_assert_int_eq(queue->backend->list(queue->db, NULL, records, &err), 0);
    ck_assert_uint_eq(records->len, 1);
    ck_assert_str_eq(((queue_record *)records->pdata[0])->library,
                     "/elsewhere/library");
    g_ptr_array_free(records, TRUE);
}
END_TEST

/* An idle worker's wait ends when the user asks to stop, within half a
 * second, whatever the back end. */
typedef struct waiter {
    dk_queue *queue;
    double seconds;
    gint64 started, ended; /* monotonic µs */
} waiter;

static gpointer wait_idle(gpointer data)
{
    waiter *w = data;
    queue_record *none = NULL;
    dk_error err = {0};
    /* the worker's order: an empty claim, then the wait */
    w->queue->backend->claim(w->queue->db, "idle:1", dk_queue_owner_alive, 60,
                             &none, &err);
    queue_record_free(none);
    w->started = g_get_monotonic_time();
    w->queue->backend->wait(w->queue->db, w->seconds);
    w->ended = g_get_monotonic_time();
    return NULL;
}

START_TEST(test_wait_ends_on_ctrl_c)
{
    waiter w = {.queue = queue, .seconds = 20};
    GThread *t = g_thread_new("waiter", wait_idle, &w);
    g_usleep(300000);
    gint64 asked = g_get_monotonic_time();
    dk_cancel_request();
    g_thread_join(t);
    dk_cancel_reset();
    ck_assert_msg(w.ended - asked < 500000, "the wait went on %.2f s",
                  (double)(w.ended - asked) / 1e6);
}
END_TEST

/* PostgreSQL: an idle worker on another connection is woken by the NOTIFY
 * of an insert within a fraction of a second, not at the end of its poll. */
START_TEST(test_notify_wakes_idle_worker)
{
    dk_queue *idle_handle = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_queue_open_again(queue, &idle_handle, &err), 0);
    for (int round = 0; round < 3; round++) {
        waiter w = {.queue = idle_handle, .seconds = 20};
        GThread *t = g_thread_new("waiter", wait_idle, &w);
        while (!g_atomic_pointer_get(&w.started))
            g_usleep(10000);
        g_usleep(200000);
        gint64 inserted = g_get_monotonic_time();
        bool added;
        g_autofree char *sha = g_strdup_printf("wake-%d", round);
        add(sha, "t", &added);
        g_thread_join(t);
        double late = (double)(w.ended - inserted) / 1e6;
        ck_assert_msg(late < 0.5, "round %d: woken %.3f s after the insert",
                      round, late);
        ck_assert_msg(w.ended - w.started > 150000, "round %d: did not wait",
                      round);
        /* the woken worker finds the job */
        queue_record *r = claim_from(idle_handle, "idle:1", 60);
        ck_assert_ptr_nonnull(r);
        r->state = DK_JOB_DONE;
        ck_assert_int_eq(queue->backend->finish(queue->db, r, &err), 0);
        queue_record_free(r);
    }
    dk_queue_close(&idle_handle);
}
END_TEST

/* PostgreSQL: a connection the server dropped (restart, idle timeout,
 * an administrator) is made again once, and the claim goes through; an
 * idle wait on it returns rather than hang. */
START_TEST(test_reconnect_after_the_server_dropped_us)
{
    bool added;
    add("r1", "t", &added);
    add("r2", "t", &added);
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            queue->backend->wait(queue->db, 0.3); /* listening, then cut */
        ck_assert_int_ge(sql_int("SELECT count(pg_terminate_backend(pid))"
                                 " FROM pg_stat_activity WHERE"
                                 " application_name = 'dokpim'"),
                         1);
        queue_record *r = claim("back:1");
        ck_assert_msg(r, "round %d: nothing claimed after reconnecting", round);
        queue_record_free(r);
    }
}
END_TEST

/* ---- a worker whose clock is far off (PostgreSQL) ----
 * This binary run as "test_queue claim URL OWNER LEASE" or "test_queue
 * renew URL ID FENCE LEASE" is such a worker under faketime: it prints
 * "ID FENCE LEASE_UNTIL" (or "none") for a claim, the rc for a renew. */
static int skewed_worker(int argc, char **argv)
{
    dk_queue *q = NULL;
    dk_error err = {0};
    if (argc < 5 || dk_queue_open_url(argv[2], NULL, false, &q, &err) < 0) {
        fprintf(stderr, "skewed worker: %s\n", err.message);
        return 2;
    }
    int rc = 0;
    if (strcmp(argv[1], "claim") == 0) {
        queue_record *r = NULL;
        rc = q->backend->claim(q->db, argv[3], dk_queue_owner_alive,
                               atoi(argv[4]), &r, &err);
        if (rc == 0 && r)
            printf("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                   " %" G_GINT64_FORMAT "\n",
                   r->id, r->fence, r->lease_until, (int64_t)time(NULL));
        else if (rc == 0)
            printf("none %" G_GINT64_FORMAT "\n", (int64_t)time(NULL));
        queue_record_free(r);
    } else if (argc >= 6) {
        rc = q->backend->renew(q->db, g_ascii_strtoll(argv[3], NULL, 10),
                               g_ascii_strtoll(argv[4], NULL, 10),
                               atoi(argv[5]), &err);
        printf("%d\n", rc);
        rc = 0;
    }
    dk_queue_close(&q);
    if (rc < 0)
        fprintf(stderr, "skewed worker: %s\n", err.message);
    return rc < 0 ? 1 : 0;
}

/* Runs this binary as a worker whose clock is offset ("+2d", "-2d"). */
static char *run_skewed(const char *offset, const char *const *args)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, "faketime");
    g_ptr_array_add(argv, "-f");
    g_ptr_array_add(argv, (gpointer)offset);
    g_ptr_array_add(argv, self);
    for (int i = 0; args[i]; i++)
        g_ptr_array_add(argv, (gpointer)args[i]);
    g_ptr_array_add(argv, NULL);
    /* under ASan, libfaketime is preloaded ahead of its runtime */
    const char *asan = g_getenv("ASAN_OPTIONS");
    if (asan) {
        g_autofree char *options =
            g_strconcat(asan, ":verify_asan_link_order=0", NULL);
        g_setenv("ASAN_OPTIONS", options, TRUE);
    }
    char *out = NULL, *err = NULL;
    int status = dk_test_run((const char *const *)argv->pdata, &out, &err, 30);
    g_ptr_array_free(argv, TRUE);
    ck_assert_msg(status == 0, "skewed worker %s: %d: %s", offset, status, err);
    g_free(err);
    return out;
}

START_TEST(test_clock_skew_does_not_matter)
{
    ck_assert_msg(dk_test_have("faketime"), "faketime is not installed");
    bool added;
    int64_t held = add("skew-1", "t", &added);
    int64_t free_id = add("skew-2", "t", &added);
    /* a worker with a true clock holds the first job for 60 s */
    queue_record *mine = claim("true:1");
    ck_assert_int_eq(mine->id, held);
    /* a worker two days ahead would think that lease long expired: it
     * gets the free job instead, and a lease by the server's clock */
    const char *ahead[] = {"claim", case_url, "ahead:2", "60", NULL};
    g_autofree char *out = run_skewed("+2d", ahead);
    int64_t id = 0, fence = 0, until = 0, its_clock = 0;
    ck_assert_msg(sscanf(out, "%" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64,
                         &id, &fence, &until, &its_clock) == 4,
                  "%s", out);
    int64_t now = queue_now();
    ck_assert_msg(its_clock - now > 86400, "faketime did not move its clock");
    ck_assert_int_eq(id, free_id);
    ck_assert_msg(until >= now + 55 && until <= now + 60,
                  "lease until %" G_GINT64_FORMAT
                  ", server now %" G_GINT64_FORMAT,
                  until, now);
    /* nothing is free for another such worker */
    const char *ahead_too[] = {"claim", case_url, "ahead:3", "60", NULL};
    g_autofree char *none = run_skewed("+2d", ahead_too);
    ck_assert_msg(g_str_has_prefix(none, "none"), "%s", none);
    /* a worker two days behind renews the lease: still the server's now */
    g_autofree char *id_text = g_strdup_printf("%" G_GINT64_FORMAT, id);
    g_autofree char *fence_text = g_strdup_printf("%" G_GINT64_FORMAT, fence);
    const char *renew[] = {"renew", case_url, id_text, fence_text, "600", NULL};
    g_autofree char *renewed = run_skewed("-2d", renew);
    ck_assert_str_eq(renewed, "0\n");
    queue_record *row = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_queue_get(queue, id, &row, &err), 0);
    ck_assert_int_ge(row->lease_until, now + 595);
    ck_assert_int_le(row->lease_until, queue_now() + 600);
    queue_record_free(row);
    queue_record_free(mine);
}
END_TEST

/* ---- the worker's heartbeat ----
 * upload.slow performs for slow_seconds, or until dk_job_cancelled(). */
static double slow_seconds;
static gint slow_running;
static int slow_write_after; /* rc of a write made after it was cancelled */

static int slow_perform(const dk_stage *stage, void *state, dk_job *job,
                        dk_error *err)
{
    (void)stage, (void)state;
    g_atomic_int_set(&slow_running, 1);
    gint64 end = g_get_monotonic_time() + (gint64)(slow_seconds * 1e6);
    while (g_get_monotonic_time() < end && !dk_job_cancelled(job)) {
        dk_job_progress(job, 1, 2);
        g_usleep(20000);
    }
    if (!dk_job_cancelled(job))
        return 0;
    slow_write_after = dk_job_set_remote_status(job, "too late", err);
    return dk_error_set(err, DK_ERR_CANCELLED, "stopped");
}

static const dk_option slow_options[] = {{NULL}};
static const dk_plugin slow_plugin = {
    .name = "upload.slow",
    .role = DK_ROLE_UPLOAD,
    .options = slow_options,
    .config_size = sizeof(int),
    .perform = slow_perform,
};

static dk_registry *slow_registry(void)
{
    dk_registry *registry = dk_registry_new();
    dk_loaded_plugin *loaded = g_new0(dk_loaded_plugin, 1);
    loaded->descriptor = slow_plugin;
    loaded->plugin = &loaded->descriptor;
    g_ptr_array_add(registry->plugins, loaded);
    g_hash_table_insert(registry->by_name, (gpointer)slow_plugin.name, loaded);
    return registry;
}

/* A job for upload.slow on a real file. */
static int64_t add_slow(void)
{
    g_autofree char *file = g_build_filename(library, "slow.bin", NULL);
    dk_test_write(file, "slow", 4);
    struct stat st;
    ck_assert_int_eq(stat(file, &st), 0);
    queue_record *r = record_for("slow", "t");
    g_free(r->plugin);
    r->plugin = g_strdup("upload.slow");
    g_free(r->path);
    r->path = g_strdup(file);
    r->size = st.st_size;
    r->mtime = st.st_mtime;
    bool added;
    dk_error err = {0};
    ck_assert_int_eq(queue->backend->insert(queue->db, r, &added, &err), 0);
    int64_t id = r->id;
    queue_record_free(r);
    return id;
}

typedef struct work_run {
    dk_queue *queue;
    dk_registry *registry;
    dk_work_stats stats;
    int rc;
} work_run;

static gpointer work_until_empty(gpointer data)
{
    work_run *w = data;
    dk_work_options options;
    dk_work_options_default(&options);
    options.until_empty = true;
    dk_error err = {0};
    w->rc = dk_queue_work(w->queue, w->registry, &options, &w->stats, &err);
    return NULL;
}

/* A perform longer than the lease keeps its job: the heartbeat renews
 * it, and a worker on another machine never gets it meanwhile. */
START_TEST(test_heartbeat_keeps_a_long_job)
{
    /* renewed every 0.67 s: a starved thread (a loaded machine) has
     * over a second before the lease runs out */
    g_setenv("DOKPIM_LEASE_SECONDS", "2", TRUE);
    dk_queue *worker_queue = NULL;
    dk_error err = {0};
    ck_assert_int_eq(open_queue(library, &worker_queue, &err), 0);
    ck_assert_int_eq(worker_queue->lease_seconds, 2);
    int64_t id = add_slow();
    slow_seconds = 3.2;
    work_run w = {.queue = worker_queue, .registry = slow_registry()};
    GThread *t = g_thread_new("worker", work_until_empty, &w);
    while (!g_atomic_int_get(&slow_running))
        g_usleep(10000);
    int tries = 0;
    while (g_atomic_int_get(&slow_running) && tries < 35) {
        queue_record *stolen = claim("elsewhere:1");
        ck_assert_msg(!stolen, "try %d: another worker took a live job", tries);
        tries++;
        g_usleep(100000);
    }
    g_thread_join(t);
    ck_assert_int_eq(w.rc, 0);
    ck_assert_int_eq(w.stats.done, 1);
    ck_assert_int_eq(w.stats.lost, 0);
    queue_record *row = NULL;
    ck_assert_int_eq(dk_queue_get(queue, id, &row, &err), 0);
    ck_assert_int_eq(row->state, DK_JOB_DONE);
    queue_record_free(row);
    dk_registry_free(&w.registry);
    dk_queue_close(&worker_queue);
}
END_TEST

/* A worker whose job was taken from it (presumed dead): the heartbeat
 * finds out, the run is cancelled at once, nothing more is recorded. */
START_TEST(test_heartbeat_gives_up_a_lost_job)
{
    g_setenv("DOKPIM_LEASE_SECONDS", "1", TRUE);
    dk_queue *worker_queue = NULL;
    dk_error err = {0};
    ck_assert_int_eq(open_queue(library, &worker_queue, &err), 0);
    int64_t id = add_slow();
    slow_seconds = 30.0;
    slow_write_after = 1;
    work_run w = {.queue = worker_queue, .registry = slow_registry()};
    GThread *t = g_thread_new("worker", work_until_empty, &w);
    while (!g_atomic_int_get(&slow_running))
        g_usleep(10000);
    /* what a claim by another worker after an expired lease does */
    g_autofree char *take = g_strdup_printf(
        "UPDATE jobs SET fence = fence + 1, lease_owner = 'thief:9',"
        " attempts = attempts + 1 WHERE id = %" G_GINT64_FORMAT,
        id);
    sql_int(take);
    gint64 taken = g_get_monotonic_time();
    g_thread_join(t);
    double stopped = (double)(g_get_monotonic_time() - taken) / 1e6;
    ck_assert_msg(stopped < 1.5, "the run went on %.2f s", stopped);
    ck_assert_int_eq(w.rc, 0);
    ck_assert_int_eq(w.stats.lost, 1);
    ck_assert_int_eq(w.stats.done + w.stats.requeued + w.stats.failed, 0);
    ck_assert_int_eq(slow_write_after, DK_QUEUE_LEASE_LOST);
    queue_record *row = NULL;
    ck_assert_int_eq(dk_queue_get(queue, id, &row, &err), 0);
    ck_assert_int_eq(row->state, DK_JOB_RUNNING);
    ck_assert_str_eq(row->lease_owner, "thief:9");
    ck_assert_ptr_null(row->remote_status);
    queue_record_free(row);
    dk_registry_free(&w.registry);
    dk_queue_close(&worker_queue);
}
END_TEST

/* ---- choosing the queue ---- */
static const struct {
    const char *url;
    const char *keeps[3]; /* each must stay */
} redact_rows[] = {
    {"postgresql://u:secret@h:5432/db", {"postgresql://u@h:5432/db"}},
    {"postgres://u:secret@h/db?sslmode=require&password=secret",
     {"postgres://u@h/db?sslmode=require"}},
    {"postgresql://h/db?password=secret&application_name=x",
     {"postgresql://h/db?application_name=x"}},
    {"postgresql://u:p%40secret@h/db", {"postgresql://u@h/db"}},
    {"postgresql://h1:5432,h2:5433/db", {"postgresql://h1:5432,h2:5433/db"}},
    {"host=h password=secret dbname=q", {"host=h", "dbname=q"}},
    {"host=h password='se cret secret' user=u", {"host=h", "user=u"}},
    {"host=h password=secret\\'x port=5", {"host=h", "port=5"}},
    {"sqlite:/srv/queue.db", {"sqlite:/srv/queue.db"}},
};

START_TEST(test_url_redact)
{
    g_autofree char *safe = dk_queue_url_redact(redact_rows[_i].url);
    ck_assert_msg(!strstr(safe, "secret") && !strstr(safe, "password"),
                  "%s -> %s", redact_rows[_i].url, safe);
    for (int k = 0; k < 3 && redact_rows[_i].keeps[k]; k++)
        ck_assert_msg(strstr(safe, redact_rows[_i].keeps[k]), "%s -> %s",
                      redact_rows[_i].url, safe);
}
END_TEST

/* The rule: --queue, else DOKPIM_QUEUE, else the library's queue.url,
 * else queue.db; the first PostgreSQL queue a library uses is remembered
 * without its password, and another URL is then refused, naming both. */
START_TEST(test_queue_choice)
{
    /* trust authentication: the password is never checked, only kept out
     * of sight */
    g_autofree char *with_password =
        g_strdup_printf("postgresql://dokpim:hunter2@%s",
                        case_url + strlen("postgresql://dokpim@"));
    g_autofree char *lib = g_build_filename(library, "lib", NULL);
    g_mkdir_with_parents(lib, 0755);
    dk_error err = {0};
    dk_queue *q = NULL;
    g_unsetenv("DOKPIM_QUEUE");
    ck_assert_int_eq(dk_queue_open_url(NULL, lib, true, &q, &err), 0);
    ck_assert_str_eq(q->backend->name, "sqlite");
    /* a job waiting in queue.db: moving the library's jobs elsewhere
     * would leave it to no worker */
    bool added;
    int64_t waiting = add_to(q, "waits", "t", &added);
    dk_queue *refused = NULL;
    ck_assert_int_eq(
        dk_queue_open_url(with_password, lib, true, &refused, &err),
        DK_ERR_CONFIG);
    ck_assert_msg(strstr(err.message, "queue.db") &&
                      strstr(err.message, "1 job ") &&
                      !strstr(err.message, "hunter2"),
                  "%s", err.message);
    ck_assert_int_eq(dk_queue_cancel(q, waiting, &err), 0);
    dk_queue_close(&q);
    ck_assert_msg(dk_queue_open_url(with_password, lib, true, &q, &err) == 0,
                  "%s", err.message);
    ck_assert_str_eq(q->backend->name, "postgresql");
    ck_assert(!strstr(q->url, "hunter2"));
    dk_queue_close(&q);
    g_autofree char *remembered = g_build_filename(lib, "queue.url", NULL);
    g_autofree char *text = dk_test_read(remembered, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(!strstr(text, "hunter2") && strstr(text, "dokpim@127.0.0.1"),
                  "%s", text);
    struct stat st;
    ck_assert_int_eq(stat(remembered, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    /* found again without being named */
    ck_assert_int_eq(dk_queue_open_url(NULL, lib, false, &q, &err), 0);
    ck_assert_str_eq(q->backend->name, "postgresql");
    dk_queue_close(&q);
    /* and the same queue named again is fine, password or not */
    ck_assert_int_eq(dk_queue_open_url(case_url, lib, false, &q, &err), 0);
    dk_queue_close(&q);
    /* another queue, by --queue or by DOKPIM_QUEUE: refused, both named */
    const char *other = "sqlite:/tmp/another-queue.db";
    for (int by_env = 0; by_env < 2; by_env++) {
        if (by_env)
            g_setenv("DOKPIM_QUEUE", other, TRUE);
        ck_assert_int_eq(
            dk_queue_open_url(by_env ? NULL : other, lib, true, &q, &err),
            DK_ERR_CONFIG);
        ck_assert_msg(
            strstr(err.message, other) &&
                strstr(err.message, "dokpim@127.0.0.1") &&
                strstr(err.message, by_env ? "DOKPIM_QUEUE" : "--queue") &&
                !strstr(err.message, "hunter2"),
            "%s", err.message);
    }
    g_unsetenv("DOKPIM_QUEUE");
    ck_assert(!g_file_test("/tmp/another-queue.db", G_FILE_TEST_EXISTS));
    /* not a queue URL at all */
    ck_assert_int_eq(dk_queue_open_url("mysql://h/db", NULL, true, &q, &err),
                     DK_ERR_CONFIG);
    /* a server that is not there: the network, named, without password */
    ck_assert_int_eq(dk_queue_open_url("postgresql://u:hunter2@127.0.0.1:9/db",
                                       NULL, true, &q, &err),
                     DK_ERR_NETWORK);
    ck_assert_msg(strstr(err.message, "postgresql://u@127.0.0.1:9/db") &&
                      !strstr(err.message, "hunter2"),
                  "%s", err.message);
}
END_TEST

/* dokpim run --queue URL queues into PostgreSQL; the library remembers
 * it, so `queue list` finds the jobs without being told, a second run
 * finds them there (nothing queued again), another queue is refused. */
START_TEST(test_run_queues_into_postgres)
{
    char *dir = dk_test_tmpdir("pgrun");
    g_autofree char *lib = g_build_filename(dir, "library", NULL);
    g_autofree char *event = g_build_filename(dir, "event.ini", NULL);
    dk_test_write(event, "[event]\ntitle=Rapat\ndate=2024-09-02\n", -1);
    g_autofree char *pipeline = g_build_filename(dir, "p.conf", NULL);
    dk_test_write(pipeline,
                  "[pipeline]\nstages=ingest;archive\n"
                  "[ingest]\nplugin=ingest.file\n"
                  "[archive]\nplugin=upload.webdav\n"
                  "url=http://127.0.0.1:9/dav/\n",
                  -1);
    g_autofree char *input = g_build_filename(dir, "a.txt", NULL);
    dk_test_write(input, "first", -1);
    const char *run[] = {"run", pipeline, "--event", event,    "-o",
                         lib,   input,    "--queue", case_url, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_msg(dk_test_dokpim(run, NULL, &err) == 0, "%s", err);
    g_free(err);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM jobs"), 1);
    g_autofree char *sqlite_db = g_build_filename(lib, "queue.db", NULL);
    ck_assert(!g_file_test(sqlite_db, G_FILE_TEST_EXISTS));
    const char *list[] = {"queue", "list", "--json", "-o", lib, NULL};
    ck_assert_msg(dk_test_dokpim(list, &out, &err) == 0, "%s", err);
    ck_assert_msg(strstr(out, "\"upload.webdav\""), "%s", out);
    g_free(out);
    g_free(err);
    /* again, without --queue: the remembered queue has the job */
    const char *again[] = {"run", pipeline, "--event", event,
                           "-o",  lib,      input,     NULL};
    ck_assert_msg(dk_test_dokpim(again, NULL, &err) == 0, "%s", err);
    ck_assert_msg(!strstr(err, "re-queued"), "%s", err);
    g_free(err);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM jobs"), 1);
    /* another queue for this library: refused before any file, one line */
    const char *other[] = {"run", pipeline,  "--event",
                           event, "-o",      lib,
                           input, "--queue", "sqlite:/tmp/other.db",
                           NULL};
    ck_assert_int_ne(dk_test_dokpim(other, NULL, &err), 0);
    ck_assert_msg(strstr(err, "sqlite:/tmp/other.db") &&
                      strstr(err, "queue.url") &&
                      count_lines_with(err, "\n") == 1,
                  "%s", err);
    g_free(err);
    const char *list_other[] = {
        "queue", "list", "-o", lib, "--queue", "sqlite:/tmp/other.db", NULL};
    ck_assert_int_ne(dk_test_dokpim(list_other, NULL, &err), 0);
    ck_assert_msg(strstr(err, "sqlite:/tmp/other.db"), "%s", err);
    g_free(err);
    g_free(dir);
}
END_TEST

/* ---- one PostgreSQL server for the whole binary ----
 * Not in a dk_test_tmpdir: each case's teardown removes those, and the
 * server outlives the cases. watch-parent.sh stops it should this process
 * die before stop_postgres(). */
static void start_postgres(void)
{
    GError *error = NULL;
    pg_dir = g_dir_make_tmp("dokpim-pg-XXXXXX", &error);
    if (!pg_dir)
        dk_test_fail("no temp folder: %s", error->message);
    g_autofree char *script = dk_test_source_path("tests/servers/postgres.sh");
    g_autofree char *self = g_strdup_printf("%d", (int)getpid());
    g_setenv("DK_WATCH_PID", self, TRUE);
    const char *argv[] = {script, "start", pg_dir, NULL};
    char *out = NULL, *err = NULL;
    int status = dk_test_run(argv, &out, &err, 60);
    char url[256] = "";
    if (status != 0 || sscanf(out, "%*d %*d %255s", url) != 1)
        dk_test_fail("postgres.sh did not start (%d): %s%s", status, out, err);
    /* ".../postgres" without its database: a case adds its own */
    *(strrchr(url, '/') + 1) = '\0';
    pg_base = g_strdup(url);
    g_free(out);
    g_free(err);
}

static void stop_postgres(void)
{
    g_autofree char *script = dk_test_source_path("tests/servers/postgres.sh");
    const char *argv[] = {script, "stop", pg_dir, NULL};
    dk_test_run(argv, NULL, NULL, 60);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", pg_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", pg_dir);
}

/* The storage cases, on one back end. */
static TCase *storage_cases(const char *name, void (*fixture)(void))
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture, teardown);
    tcase_add_test(tc, test_many_workers_create_the_queue_at_once);
    tcase_add_test(tc, test_same_content_same_target_is_one_job);
    tcase_add_test(tc, test_ledger_outlives_purge);
    tcase_add_test(tc, test_dead_worker_job_is_taken_first);
    tcase_add_test(tc, test_deferred_waits_for_its_time);
    tcase_add_test(tc, test_idle_wakes_when_a_lease_runs_out);
    tcase_add_test(tc, test_quota_day);
    tcase_add_test(tc, test_retry_resets_failed_steps_only);
    tcase_add_test(tc, test_two_claimers_one_job);
    tcase_add_test(tc, test_fence_refuses_the_old_owner);
    tcase_add_test(tc, test_cancelled_while_running_stays_cancelled);
    tcase_add_test(tc, test_lease_by_the_queue_clock);
    tcase_add_test(tc, test_schema_version);
    tcase_add_test(tc, test_list_by_library);
    tcase_add_test(tc, test_wait_ends_on_ctrl_c);
    tcase_add_test(tc, test_heartbeat_keeps_a_long_job);
    tcase_add_test(tc, test_heartbeat_gives_up_a_lost_job);
    return tc;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return skewed_worker(argc, argv);
    start_postgres();
    Suite *suite = suite_create("queue");
    suite_add_tcase(suite, storage_cases("sqlite", setup_sqlite));
    suite_add_tcase(suite, storage_cases("postgresql", setup_pg));
    TCase *pg_only = tcase_create("postgresql only");
    tcase_set_timeout(pg_only, 60);
    tcase_add_checked_fixture(pg_only, setup_pg, teardown);
    tcase_add_test(pg_only, test_notify_wakes_idle_worker);
    tcase_add_test(pg_only, test_clock_skew_does_not_matter);
    tcase_add_test(pg_only, test_queue_choice);
    tcase_add_test(pg_only, test_reconnect_after_the_server_dropped_us);
    tcase_add_test(pg_only, test_run_queues_into_postgres);
    suite_add_tcase(suite, pg_only);
    TCase *tc = tcase_create("queue");
    tcase_add_checked_fixture(tc, setup_sqlite, teardown);
    tcase_add_test(tc, test_wal_and_private_mode);
    tcase_add_loop_test(tc, test_url_redact, 0, G_N_ELEMENTS(redact_rows));
    tcase_add_loop_test(tc, test_stage_rebuild, 0, G_N_ELEMENTS(rebuild_rows));
    suite_add_tcase(suite, tc);
    TCase *lost = tcase_create("lost");
    tcase_set_timeout(lost, 60);
    tcase_add_loop_test(lost, test_lost_jobs_queued_again, 0,
                        G_N_ELEMENTS(loss_rows));
    tcase_add_loop_test(lost, test_readable_secret_refused_by_check_and_run, 0,
                        G_N_ELEMENTS(secret_rows));
    suite_add_tcase(suite, lost);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    stop_postgres();
    dk_test_cleanup_dirs();
    return failed ? 1 : 0;
}
