/* `dokpim live` pushing to a real nginx-rtmp on 127.0.0.1 (and nginx's
 * TLS stream proxy in front of it for rtmps://), started by each test.
 * What the server recorded and what dokpim recorded are judged with
 * ffprobe; the stream key must never show up in anything dokpim prints. */
#include <check.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dk_test.h"
#include "live_test.h"

/* ---- a plain push: what the server got is what YouTube asks for ---- */

/* ABI 3.3's figures in a status line from the middle of the live: the
 * test source is 30 fps bars and a tone at -20 dBFS. */
static void assert_figures(const live_output *o, int64_t outage_ms)
{
    JsonObject *s = o->last_status;
    ck_assert(s);
    int64_t fps = json_object_get_int_member(s, "encoder_fps");
    ck_assert_msg(fps >= 20 && fps <= 40, "encoder_fps %" G_GINT64_FORMAT, fps);
    ck_assert_int_gt(json_object_get_int_member(s, "cpu_percent"), 0);
    JsonArray *db = json_object_get_array_member(s, "audio_level_db");
    ck_assert_int_eq(json_array_get_length(db), 2);
    for (guint i = 0; i < 2; i++) {
        int64_t level = json_array_get_int_element(db, i);
        ck_assert_msg(level > -30 && level < -10,
                      "audio level %" G_GINT64_FORMAT " dBFS", level);
    }
    ck_assert_int_gt(json_object_get_int_member(s, "free_disk_bytes"), 0);
    int64_t outage = json_object_get_int_member(s, "outage_ms");
    ck_assert_msg(outage >= outage_ms && outage <= outage_ms + 4000,
                  "outage_ms %" G_GINT64_FORMAT, outage);
}

START_TEST(test_push_and_record)
{
    g_autofree char *dir = live_test_dir("push");
    g_autofree char *key = live_random_key();
    g_autofree char *key_file = live_write_key(dir, key, 0600);
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    live_server server;
    live_server_start(&server, live_test_root, key, false);

    GPtrArray *args = live_args(library, 10);
    live_set(args, "url", server.rtmp_url);
    live_set(args, "key-file", key_file);
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    int status = live_proc_wait(&proc, 40, NULL);
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, all);

    GPtrArray *streams = live_server_streams(&server);
    ck_assert_int_eq(streams->len, 1);
    const char *flv = streams->pdata[0];
    g_autofree char *codecs = probe_codecs(flv);
    ck_assert_str_eq(codecs, "h264,aac");
    double duration = probe_duration(flv);
    ck_assert_msg(duration > 8.5 && duration < 11.5, "server got %.2f s",
                  duration);
    /* every 2 s; the first one was asked for when the push connected, so
     * the interval after it may be shorter */
    GArray *keys = probe_keyframes(flv);
    ck_assert_int_ge(keys->len, 4);
    for (guint i = 1; i < keys->len; i++) {
        double interval =
            g_array_index(keys, double, i) - g_array_index(keys, double, i - 1);
        ck_assert_msg(interval > (i == 1 ? 0.0 : 1.9) && interval < 2.1,
                      "keyframe interval %u is %.3f s", i, interval);
    }
    g_array_unref(keys);
    live_assert_recording(library, 10.0, 1.0);

    g_autofree char *out = live_proc_stdout(&proc);
    live_output o;
    live_parse_output(out, &o);
    ck_assert_ptr_nonnull(live_find_event(&o, "primary", "info", "live on"));
    ck_assert_int_ge(o.statuses, 8);
    JsonArray *outputs = json_object_get_array_member(o.last_status, "outputs");
    JsonObject *primary = json_array_get_object_element(outputs, 0);
    ck_assert_str_eq(json_object_get_string_member(primary, "state"), "live");
    ck_assert_int_gt(json_object_get_int_member(primary, "bytes_sent"),
                     3000000); /* 10 s at 4 Mb/s is 5 MB */
    ck_assert_int_eq(
        json_object_get_int_member(o.last_status, "dropped_frames"), 0);
    assert_figures(&o, 0);
    ck_assert_int_eq(json_object_get_int_member(primary, "outage_ms"), 0);
    ck_assert(json_object_get_null_member(primary, "last_outage_at_ms"));
    live_assert_no_key(&proc, key);
    live_clear_output(&o);
    g_ptr_array_unref(streams);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
    live_server_stop(&server);
    live_server_clear(&server);
}
END_TEST

/* ---- the primary's server goes away and comes back; the backup (over
 * rtmps) and the recording never notice ---- */

static double wait_for_stream(const live_server *server, guint count,
                              double timeout)
{
    gint64 start = g_get_monotonic_time();
    for (;;) {
        double waited = (g_get_monotonic_time() - start) / 1e6;
        GPtrArray *streams = live_server_streams(server);
        bool flowing = false;
        if (streams->len >= count) {
            GStatBuf st;
            /* past the FLV header and the stream's first tags */
            flowing = g_stat(streams->pdata[count - 1], &st) == 0 &&
                      st.st_size > 20000;
        }
        g_ptr_array_unref(streams);
        if (flowing || waited > timeout)
            return waited;
        g_usleep(20000);
    }
}

START_TEST(test_server_restart)
{
    g_autofree char *dir = live_test_dir("restart");
    g_autofree char *key = live_random_key();
    g_autofree char *key_file = live_write_key(dir, key, 0600);
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    live_server primary, backup;
    live_server_start(&primary, live_test_root, key, false);
    live_server_start(&backup, live_test_root, key, true);

    const double duration = 16;
    GPtrArray *args = live_args(library, duration);
    live_set(args, "url", primary.rtmp_url);
    live_set(args, "backup-url", backup.rtmps_url);
    live_set(args, "tls-ca-file", backup.ca_file);
    live_set(args, "key-file", key_file);
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    ck_assert_double_lt(wait_for_stream(&primary, 1, 10), 10);
    g_usleep(3 * G_USEC_PER_SEC);
    live_server_stop(&primary);
    g_usleep(3 * G_USEC_PER_SEC);
    live_server_restart(&primary);
    double resumed = wait_for_stream(&primary, 2, 8);
    ck_assert_msg(resumed < 3.0, "the push resumed %.2f s after the restart",
                  resumed);
    double ran = 0;
    int status = live_proc_wait(&proc, 40, &ran);
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, all);

    /* the backup saw one uninterrupted publish for the whole live */
    GPtrArray *streams = live_server_streams(&backup);
    ck_assert_msg(streams->len == 1, "backup got %u publishes:\n%s",
                  streams->len, all);
    double backup_duration = probe_duration(streams->pdata[0]);
    ck_assert_msg(backup_duration > duration - 1.5, "backup got %.2f s",
                  backup_duration);
    g_ptr_array_unref(streams);
    streams = live_server_streams(&primary);
    ck_assert_int_eq(streams->len, 2);
    for (guint i = 0; i < streams->len; i++) {
        g_autofree char *codecs = probe_codecs(streams->pdata[i]);
        ck_assert_str_eq(codecs, "h264,aac");
    }
    g_ptr_array_unref(streams);

    /* no gap: as long as the live, within a second, and never longer than
     * the process ran */
    live_assert_recording(library, duration, 1.0);
    g_autofree char *rec = live_only_recording(library);
    ck_assert_double_le(probe_duration(rec), ran);

    g_autofree char *out = live_proc_stdout(&proc);
    live_output o;
    live_parse_output(out, &o);
    ck_assert_ptr_nonnull(live_find_event(&o, "primary", "error", NULL));
    ck_assert_ptr_nonnull(live_find_event(&o, "primary", "info", "live again"));
    ck_assert_ptr_nonnull(live_find_event(&o, "backup", "info", "live on"));
    ck_assert_ptr_null(live_find_event(&o, "backup", "error", NULL));
    JsonArray *outputs = json_object_get_array_member(o.last_status, "outputs");
    JsonObject *first = json_array_get_object_element(outputs, 0);
    ck_assert_int_eq(json_object_get_int_member(first, "reconnects"), 1);
    /* the primary was down the 3 s the server was, plus the time to
     * resume and to count as live again (0.5 s; a loaded machine notices
     * the server going away late); the backup never was, so the live was
     * never off air */
    int64_t down = json_object_get_int_member(first, "outage_ms");
    ck_assert_msg(down > 2500 && down < (3.0 + resumed + 3.0) * 1000,
                  "primary down %" G_GINT64_FORMAT " ms, resumed %.2f s after "
                  "the restart",
                  down, resumed);
    ck_assert_int_gt(json_object_get_int_member(first, "last_outage_at_ms"),
                     3000);
    ck_assert_int_eq(
        json_object_get_int_member(json_array_get_object_element(outputs, 1),
                                   "outage_ms"),
        0);
    assert_figures(&o, 0);
    live_assert_no_key(&proc, key);
    live_clear_output(&o);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
    live_server_stop(&primary);
    live_server_stop(&backup);
    live_server_clear(&primary);
    live_server_clear(&backup);
}
END_TEST

/* ---- a server that hangs (no reset, no data taken) is noticed within
 * stall-timeout and left for a fresh connection ---- */

/* Waits until dokpim's JSON output has the event; seconds waited, or a
 * large number. */
static double wait_for_event(const live_proc *proc, const char *subject,
                             const char *level, const char *text,
                             double timeout)
{
    gint64 start = g_get_monotonic_time();
    for (;;) {
        double waited = (g_get_monotonic_time() - start) / 1e6;
        g_autofree char *out = live_proc_stdout(proc);
        live_output o;
        live_parse_output(out, &o);
        bool found = live_find_event(&o, subject, level, text) != NULL;
        live_clear_output(&o);
        if (found || waited > timeout)
            return found ? waited : 1e9;
        g_usleep(50000);
    }
}

START_TEST(test_hung_server)
{
    g_autofree char *dir = live_test_dir("hung");
    g_autofree char *key = live_random_key();
    g_autofree char *key_file = live_write_key(dir, key, 0600);
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    live_server server;
    live_server_start(&server, live_test_root, key, false);
    /* the proxy plays the hung server on command */
    const char *server_port = strrchr(server.rtmp_url, ':') + 1;
    g_autofree char *port = g_strdup_printf("%d", live_free_port());
    g_autofree char *target = g_strndup(server_port, strcspn(server_port, "/"));
    g_autofree char *script =
        dk_test_source_path("plugins/live.youtube/tests/freeze_proxy.py");
    const char *proxy_argv[] = {"/usr/bin/python3", script, port, target, NULL};
    live_proc proxy;
    live_proc_spawn(&proxy, dir, "proxy", proxy_argv);
    for (int i = 0; i < 100; i++) {
        g_autofree char *said = live_proc_stdout(&proxy);
        if (strstr(said, "listening"))
            break;
        g_usleep(50000);
    }
    g_autofree char *url = g_strdup_printf("rtmp://127.0.0.1:%s/live", port);
    GPtrArray *args = live_args(library, 18);
    live_set(args, "url", url);
    live_set(args, "key-file", key_file);
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    ck_assert_double_lt(wait_for_event(&proc, "primary", "info", "live on", 10),
                        10);
    g_usleep(2 * G_USEC_PER_SEC);
    live_proc_signal(&proxy, SIGUSR1);
    double noticed =
        wait_for_event(&proc, "primary", "error", "server has", 15);
    /* stall-timeout is 5 s; the status tick adds up to 1 s */
    ck_assert_msg(noticed < 6.5, "the hang was noticed after %.2f s", noticed);
    double back = wait_for_event(&proc, "primary", "info", "live again", 12);
    ck_assert_msg(back < 12, "no reconnect after the hang");
    int status = live_proc_wait(&proc, 30, NULL);
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, all);
    live_assert_recording(library, 18.0, 1.0);
    live_assert_no_key(&proc, key);
    live_proc_signal(&proxy, SIGKILL);
    live_proc_wait(&proxy, 5, NULL);
    live_proc_clear(&proxy);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
    live_server_stop(&server);
    live_server_clear(&server);
}
END_TEST

/* ---- pushes that cannot work: a clear error, the recording goes on ---- */

typedef enum { WRONG_KEY, REFUSED, UNTRUSTED_TLS } failure_kind;

static const struct {
    const char *name;
    failure_kind kind;
    const char *says; /* in the error event */
} failures[] = {
    {"wrong stream key", WRONG_KEY, "refused the stream"},
    {"connection refused", REFUSED, "Connection refused"},
    {"untrusted certificate", UNTRUSTED_TLS, "TLS"},
};

START_TEST(test_push_failures)
{
    g_autofree char *dir = live_test_dir("fail");
    g_autofree char *key = live_random_key();
    g_autofree char *key_file = live_write_key(dir, key, 0600);
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    live_server server = {0};
    g_autofree char *url = NULL;
    switch (failures[_i].kind) {
    case WRONG_KEY:
        live_server_start(&server, live_test_root, "the-right-key", false);
        url = g_strdup(server.rtmp_url);
        break;
    case REFUSED:
        url = g_strdup_printf("rtmp://127.0.0.1:%d/live", live_free_port());
        break;
    case UNTRUSTED_TLS:
        live_server_start(&server, live_test_root, key, true);
        url = g_strdup(server.rtmps_url);
        break;
    }
    GPtrArray *args = live_args(library, 5);
    live_set(args, "url", url);
    live_set(args, "key-file", key_file);
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    int status = live_proc_wait(&proc, 30, NULL);
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0, "%s: exit %d:\n%s", failures[_i].name, status,
                  all);
    g_autofree char *out = live_proc_stdout(&proc);
    live_output o;
    live_parse_output(out, &o);
    ck_assert_msg(live_find_event(&o, "primary", "error", failures[_i].says),
                  "%s: no error saying '%s':\n%s", failures[_i].name,
                  failures[_i].says, all);
    ck_assert_ptr_null(live_find_event(&o, "primary", "info", "live on"));
    ck_assert_ptr_null(live_find_event(&o, NULL, NULL, "on air"));
    live_assert_recording(library, 5.0, 1.0);
    live_assert_no_key(&proc, key);
    if (server.dir) {
        GPtrArray *streams = live_server_streams(&server);
        ck_assert_int_eq(streams->len, 0);
        g_ptr_array_unref(streams);
        live_server_stop(&server);
        live_server_clear(&server);
    }
    live_clear_output(&o);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
}
END_TEST

/* ---- "on air" only once the ingest receives: first nothing listens on
 * its port, then nginx-rtmp starts there ---- */

START_TEST(test_on_air_waits_for_ingest)
{
    g_autofree char *dir = live_test_dir("on-air");
    g_autofree char *key = live_random_key();
    g_autofree char *key_file = live_write_key(dir, key, 0600);
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    live_server server;
    live_server_start(&server, live_test_root, key, false);
    live_server_stop(&server); /* its port is known, nobody listens */

    GPtrArray *args = live_args(library, 14);
    live_set(args, "url", server.rtmp_url);
    live_set(args, "key-file", key_file);
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    ck_assert_msg(live_proc_wait_output(&proc, "started", 30),
                  "not started within 30 s");
    g_usleep(3 * G_USEC_PER_SEC);
    g_autofree char *before = live_proc_stdout(&proc);
    live_output o;
    live_parse_output(before, &o);
    ck_assert_msg(!live_find_event(&o, NULL, NULL, "on air"),
                  "on air with no server:\n%s", before);
    ck_assert(o.last_status &&
              !json_object_get_boolean_member(o.last_status, "on_air"));
    live_clear_output(&o);

    live_server_restart(&server);
    ck_assert_double_lt(wait_for_event(&proc, "primary", "info", "on air", 10),
                        10);
    /* by then nginx has the publish and media in it */
    GPtrArray *streams = live_server_streams(&server);
    ck_assert_int_eq(streams->len, 1);
    struct stat st;
    ck_assert_int_eq(stat(streams->pdata[0], &st), 0);
    ck_assert_int_gt(st.st_size, 16384);
    g_ptr_array_unref(streams);
    g_usleep(1500000); /* the next status says so too */
    g_autofree char *during = live_proc_stdout(&proc);
    live_parse_output(during, &o);
    ck_assert(json_object_get_boolean_member(o.last_status, "on_air"));
    live_clear_output(&o);

    int status = live_proc_wait(&proc, 40, NULL);
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, all);
    live_assert_no_key(&proc, key);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
    live_server_stop(&server);
    live_server_clear(&server);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("live.youtube push");
    TCase *tc = tcase_create("push");
    tcase_add_unchecked_fixture(tc, live_suite_setup, live_suite_teardown);
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, test_push_and_record);
    tcase_add_test(tc, test_server_restart);
    tcase_add_test(tc, test_hung_server);
    tcase_add_test(tc, test_on_air_waits_for_ingest);
    tcase_add_loop_test(tc, test_push_failures, 0, G_N_ELEMENTS(failures));
    suite_add_tcase(s, tc);
    return live_test_main(s);
}
