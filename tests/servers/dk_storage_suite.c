#include "dk_storage_suite.h"
#include "dk_test.h"
#include "dk_upload_rig.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <utime.h>

static const dk_storage_protocol *protocol;

typedef struct rig {
    dk_server server;
    char *dir, *library, *pipeline, *event, *input, *remote, *final;
    char *sha256;
} rig;

/* The name has a space, an em dash and a non-Latin word: the URL must be
 * escaped and the server must store the exact name. */
#define INPUT_NAME "Foto Rapat — ᬩᬸᬧᬢᬶ.bin"

static void rig_up(rig *r, gint64 size, const char *extra)
{
    memset(r, 0, sizeof *r);
    dk_server_start(&r->server, protocol->script, NULL);
    r->dir = dk_test_tmpdir("storage");
    r->library = g_build_filename(r->dir, "library", NULL);
    r->input = g_build_filename(r->dir, INPUT_NAME, NULL);
    g_autofree char *cmd = g_strdup_printf(
        "head -c %" G_GINT64_FORMAT " /dev/urandom > '%s'", size, r->input);
    ck_assert_int_eq(dk_test_sh(cmd, NULL, NULL), 0);
    r->sha256 = dk_test_sha256(r->input);
    r->event = g_build_filename(r->dir, "event.ini", NULL);
    dk_test_write(r->event,
                  "[event]\ntitle=Rapat Paripurna DPRD\ndate=2024-09-02\n", -1);
    g_autofree char *lines = protocol->config(&r->server);
    r->pipeline = g_build_filename(r->dir, "archive.conf", NULL);
    g_autofree char *conf = g_strdup_printf(
        "[pipeline]\nstages=ingest;archive\n[ingest]\nplugin=ingest.file\n"
        "[archive]\nplugin=%s\n%s\nremote-path={date:%%Y}/{event.slug}/"
        "{original.name}\nretry-wait=0.05\nretries=3\nstall-timeout=5\n%s\n",
        protocol->plugin, lines, extra ? extra : "");
    dk_test_write(r->pipeline, conf, -1);
    r->remote = protocol->remote_root(&r->server);
    r->final = g_build_filename(r->remote, "2024", "rapat-paripurna-dprd",
                                INPUT_NAME, NULL);
}

static void rig_down(rig *r)
{
    dk_server_stop(&r->server);
    g_free(r->dir);
    g_free(r->library);
    g_free(r->pipeline);
    g_free(r->event);
    g_free(r->input);
    g_free(r->remote);
    g_free(r->final);
    g_free(r->sha256);
    dk_test_cleanup_dirs();
}

static void queue_input(rig *r)
{
    dk_rig_queue(r->pipeline, r->event, r->library, r->input);
}

static int work(rig *r, char **err)
{
    return dk_rig_work(r->library, err);
}

static char *part_path(const rig *r)
{
    return g_strconcat(r->final, ".dk-part", NULL);
}

/* The file is there whole, under its name, and nothing else is left. */
static void assert_delivered(rig *r)
{
    g_autofree char *remote_sha = dk_test_sha256(r->final);
    ck_assert_msg(remote_sha, "%s was not delivered", r->final);
    ck_assert_str_eq(remote_sha, r->sha256);
    g_autofree char *part = part_path(r);
    ck_assert_msg(!g_file_test(part, G_FILE_TEST_EXISTS), "%s left", part);
    JsonNode *keep = NULL;
    JsonObject *job = dk_rig_job(r->library, 0, &keep);
    ck_assert_str_eq(dk_rig_text(job, "state"), "done");
    const char *remote_id = dk_rig_text(job, "remote_id");
    ck_assert_msg(remote_id && g_str_has_suffix(remote_id, ".bin") &&
                      !strchr(remote_id, ' '),
                  "remote id %s", remote_id);
    json_node_unref(keep);
}

/* Puts the first bytes of the input (or other bytes) where a file is. */
static void plant(const rig *r, const char *path, gint64 bytes, bool garbage)
{
    gsize length = 0;
    g_autofree char *data = dk_test_read(r->input, &length);
    if (bytes > (gint64)length)
        bytes = (gint64)length;
    if (garbage)
        for (gint64 i = 0; i < bytes; i += 4096)
            data[i] ^= 0x5a;
    dk_test_write(path, data, bytes);
}

START_TEST(test_clean_upload)
{
    rig r;
    rig_up(&r, 3 * 1000 * 1000 + 17, NULL);
    queue_input(&r);
    char *err = NULL;
    ck_assert_msg(work(&r, &err) == 0, "%s", err);
    g_free(err);
    assert_delivered(&r);
    /* queued again (same content, same rule): no second job */
    queue_input(&r);
    ck_assert_uint_eq(dk_rig_job_count(r.library), 1);
    rig_down(&r);
}
END_TEST

START_TEST(test_already_there_is_not_sent_again)
{
    rig r;
    rig_up(&r, 2 * 1000 * 1000, "verify=sha256");
    plant(&r, r.final, G_MAXINT64, false);
    struct utimbuf old = {1000000000, 1000000000};
    utime(r.final, &old);
    queue_input(&r);
    ck_assert_int_eq(work(&r, NULL), 0);
    assert_delivered(&r);
    struct stat st;
    stat(r.final, &st);
    ck_assert_int_eq(st.st_mtime, 1000000000); /* untouched */
    rig_down(&r);
}
END_TEST

START_TEST(test_different_file_at_name_is_replaced)
{
    rig r;
    rig_up(&r, 2 * 1000 * 1000, NULL);
    plant(&r, r.final, G_MAXINT64, true);
    queue_input(&r);
    ck_assert_int_eq(work(&r, NULL), 0);
    assert_delivered(&r);
    rig_down(&r);
}
END_TEST

START_TEST(test_partial_part_is_finished)
{
    rig r;
    rig_up(&r, 4 * 1000 * 1000, NULL);
    g_autofree char *part = part_path(&r);
    plant(&r, part, 1500 * 1000, false);
    queue_input(&r);
    char *err = NULL;
    ck_assert_int_eq(work(&r, &err), 0);
    if (protocol->resumes)
        ck_assert_msg(strstr(err, "resuming at byte 1500000"), "%s", err);
    else
        ck_assert_msg(!strstr(err, "resuming"), "%s", err);
    g_free(err);
    assert_delivered(&r);
    rig_down(&r);
}
END_TEST

START_TEST(test_corrupt_part_is_caught)
{
    rig r;
    rig_up(&r, 2 * 1000 * 1000, NULL);
    g_autofree char *part = part_path(&r);
    /* whole size, wrong bytes: only the sha256 check can tell */
    plant(&r, part, G_MAXINT64, true);
    queue_input(&r);
    char *err = NULL;
    ck_assert_int_eq(work(&r, &err), 0);
    if (protocol->resumes)
        ck_assert_msg(strstr(err, "differs"), "%s", err);
    g_free(err);
    assert_delivered(&r);
    rig_down(&r);
}
END_TEST

START_TEST(test_server_down_defers)
{
    rig r;
    rig_up(&r, 100 * 1000, NULL);
    queue_input(&r);
    dk_server_stop(&r.server);
    char *err = NULL;
    /* --until-empty: exit 3 and a line saying the job waits */
    ck_assert_int_eq(work(&r, &err), 3);
    ck_assert_msg(strstr(err, "1 job deferred"), "%s", err);
    g_free(err);
    JsonNode *keep = NULL;
    JsonObject *job = dk_rig_job(r.library, 0, &keep);
    ck_assert_str_eq(dk_rig_text(job, "state"), "deferred");
    ck_assert_ptr_nonnull(dk_rig_text(job, "last_error"));
    json_node_unref(keep);
    ck_assert(!g_file_test(r.final, G_FILE_TEST_EXISTS));
    rig_down(&r);
}
END_TEST

/* kill -9 while the bytes flow, then again: the last run delivers the
 * exact file (continuing the part where the protocol can). */
START_TEST(test_kill_worker_mid_upload)
{
    rig r;
    rig_up(&r, 300 * 1000 * 1000, "verify=size");
    queue_input(&r);
    const char *argv[] = {dk_test_bin(), "queue",         "work", "-o",
                          r.library,     "--until-empty", NULL};
    GPid pid = dk_test_spawn(argv);
    g_autofree char *part = part_path(&r);
    struct stat st;
    for (int i = 0; i < 500; i++) {
        if (protocol->resumes && stat(part, &st) == 0 &&
            st.st_size > 30 * 1000 * 1000)
            break;
        /* nothing to watch: nginx spools the body; 300 MB takes about
         * 0.4 s at loopback speed, so 0.1 s is mid-flow */
        if (!protocol->resumes && i == 10)
            break;
        g_usleep(10000);
    }
    dk_test_reap(pid, SIGKILL);
    ck_assert(!g_file_test(r.final, G_FILE_TEST_EXISTS));
    char *err = NULL;
    ck_assert_int_eq(work(&r, &err), 0);
    if (protocol->resumes)
        ck_assert_msg(strstr(err, "resuming at byte"), "%s", err);
    g_free(err);
    assert_delivered(&r);
    rig_down(&r);
}
END_TEST

Suite *dk_storage_suite(const dk_storage_protocol *p)
{
    protocol = p;
    Suite *suite = suite_create(p->plugin);
    TCase *tc = tcase_create("storage");
    tcase_set_timeout(tc, 120);
    dk_rig_isolate_queue(tc);
    tcase_add_test(tc, test_clean_upload);
    tcase_add_test(tc, test_already_there_is_not_sent_again);
    tcase_add_test(tc, test_different_file_at_name_is_replaced);
    tcase_add_test(tc, test_partial_part_is_finished);
    tcase_add_test(tc, test_corrupt_part_is_caught);
    tcase_add_test(tc, test_server_down_defers);
    tcase_add_test(tc, test_kill_worker_mid_upload);
    suite_add_tcase(suite, tc);
    return suite;
}
