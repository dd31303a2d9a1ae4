/* The queue's storage and rules, without any network: dedupe and ledger,
 * claims and leases of dead workers, quota days, user actions, and stages
 * rebuilt from saved options. */
#include "dk_queue.h"
#include "dk_test.h"

#include <check.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *library;
static dk_queue *queue;

static void setup(void)
{
    library = dk_test_tmpdir("queue");
    dk_error err = {0};
    ck_assert_int_eq(dk_queue_open(library, true, &queue, &err), 0);
}

static void teardown(void)
{
    dk_queue_close(&queue);
    g_free(library);
    dk_test_cleanup_dirs();
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
    return r;
}

static int64_t add(const char *sha, const char *target, bool *added)
{
    queue_record *r = record_for(sha, target);
    dk_error err = {0};
    ck_assert_int_eq(queue->backend->insert(queue->db, r, added, &err), 0);
    int64_t id = r->id;
    queue_record_free(r);
    return id;
}

static queue_record *claim(const char *owner, int64_t now)
{
    queue_record *r = NULL;
    dk_error err = {0};
    ck_assert_int_eq(queue->backend->claim(queue->db, owner,
                                           dk_queue_owner_alive, now, now + 60,
                                           &r, &err),
                     0);
    return r;
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
    if (dk_queue_open(race->library, true, &q, &err) < 0) {
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
    enum { WORKERS = 8, ROUNDS = 25 };
    for (int round = 0; round < ROUNDS; round++) {
        g_autofree char *fresh = g_strdup_printf("%s/fresh-%d", library, round);
        g_mkdir_with_parents(fresh, 0700);
        open_race race = {.library = fresh};
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
    queue_record *r = claim("host:1", time(NULL));
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
    ck_assert_ptr_null(claim("host:1", time(NULL)));
    /* forced: sent again */
    ck_assert_int_eq(dk_queue_retry(queue, again, true, &err), 0);
    r = claim("host:1", time(NULL));
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
    int64_t now = time(NULL);
    /* a worker that no longer exists (pid 0x7ffffff0) holds job 1 */
    g_autofree char *dead =
        g_strdup_printf("%s:%d", g_get_host_name(), 0x7ffffff0);
    queue_record *r = claim(dead, now);
    ck_assert_ptr_nonnull(r);
    int64_t held = r->id;
    queue_record_free(r);
    /* a live worker's job is left alone */
    g_autofree char *live =
        g_strdup_printf("%s:%d", g_get_host_name(), (int)getpid());
    r = claim(live, now);
    ck_assert_int_eq(r->id, held); /* the dead one's, taken back */
    ck_assert_int_eq(r->attempts, 2);
    queue_record_free(r);
    r = claim("other:1", now);
    ck_assert_int_eq(r->id, second);
    queue_record_free(r);
    ck_assert_ptr_null(claim("other:2", now));
}
END_TEST

START_TEST(test_deferred_waits_for_its_time)
{
    bool added;
    add("d", "t", &added);
    int64_t now = time(NULL);
    queue_record *r = claim("h:1", now);
    r->state = DK_JOB_DEFERRED;
    r->not_before = now + 100;
    dk_error err = {0};
    ck_assert_int_eq(queue->backend->finish(queue->db, r, &err), 0);
    queue_record_free(r);
    ck_assert_ptr_null(claim("h:1", now));
    int64_t wake = 0;
    queue->backend->next_wakeup(queue->db, &wake, &err);
    ck_assert_int_eq(wake, now + 100);
    r = claim("h:1", now + 100);
    ck_assert_ptr_nonnull(r);
    queue_record_free(r);
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
    queue_record *r = claim("h:1", time(NULL));
    dk_error err = {0};
    queue->backend->step_finish(queue->db, id, "upload-extra", DK_STEP_DONE,
                                "ok", &err);
    queue->backend->step_finish(queue->db, id, "playlist", DK_STEP_FAILED,
                                "HTTP 500", &err);
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
    r = claim("h:1", time(NULL));
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

int main(void)
{
    Suite *suite = suite_create("queue");
    TCase *tc = tcase_create("queue");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_wal_and_private_mode);
    tcase_add_test(tc, test_many_workers_create_the_queue_at_once);
    tcase_add_test(tc, test_same_content_same_target_is_one_job);
    tcase_add_test(tc, test_ledger_outlives_purge);
    tcase_add_test(tc, test_dead_worker_job_is_taken_first);
    tcase_add_test(tc, test_deferred_waits_for_its_time);
    tcase_add_test(tc, test_quota_day);
    tcase_add_test(tc, test_retry_resets_failed_steps_only);
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
    return failed ? 1 : 0;
}
