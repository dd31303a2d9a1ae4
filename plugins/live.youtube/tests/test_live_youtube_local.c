/* `dokpim live` without a server, or with its pushes beside the point:
 * ending on a signal while the push is down, the recording after a kill,
 * the slate by command and when the camera is lost, looped files, the
 * archive step, and the mistakes caught before anything goes live. */
#include <check.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dk_test.h"
#include "live_test.h"

/* ---- Ctrl-C / SIGTERM end the live within 3 s, network down or not ---- */

static const int stop_signals[] = {SIGINT, SIGTERM};

START_TEST(test_stop_while_down)
{
    g_autofree char *dir = live_test_dir("stop");
    g_autofree char *key = live_random_key();
    g_autofree char *key_file = live_write_key(dir, key, 0600);
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    g_autofree char *url =
        g_strdup_printf("rtmp://127.0.0.1:%d/live", live_free_port());
    GPtrArray *args = live_args(library, 0);
    live_set(args, "url", url);
    live_set(args, "key-file", key_file);
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    /* a loaded machine takes a while to start the pipeline: the live
     * begins at "started", not at the command */
    ck_assert_msg(live_proc_wait_output(&proc, "started", 30),
                  "not started within 30 s");
    g_usleep(4 * G_USEC_PER_SEC);
    gint64 sent = g_get_monotonic_time();
    live_proc_signal(&proc, stop_signals[_i]);
    int status = live_proc_wait(&proc, 10, NULL);
    double took = (g_get_monotonic_time() - sent) / 1e6;
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, all);
    ck_assert_msg(took < 3.0, "took %.2f s to stop", took);
    /* finalised: a Matroska index was written, so ffprobe knows the
     * duration without scanning */
    g_autofree char *out = live_proc_stdout(&proc);
    live_output o;
    live_parse_output(out, &o);
    JsonObject *ending = live_find_event(&o, NULL, "info", "ending the live");
    ck_assert_ptr_nonnull(ending);
    double on_air = json_object_get_int_member(ending, "uptime_ms") / 1000.0;
    live_clear_output(&o);
    g_autofree char *rec = live_only_recording(library);
    double duration = probe_duration(rec);
    ck_assert_msg(on_air > 3.9 && duration > on_air - 1.5 &&
                      duration < on_air + 0.5,
                  "recording is %.2f s after %.2f s on air", duration, on_air);
    ck_assert_ptr_nonnull(strstr(all, "recorded"));
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
}
END_TEST

/* ---- killed outright: what was recorded still plays ---- */

static const char *const crash_formats[] = {"mkv", "mp4"};

START_TEST(test_recording_survives_kill)
{
    g_autofree char *dir = live_test_dir("crash");
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    GPtrArray *args = live_args(library, 0);
    live_set(args, "url", ""); /* recording only */
    live_set(args, "record-format", crash_formats[_i]);
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    ck_assert_msg(live_proc_wait_output(&proc, "started", 30),
                  "not started within 30 s");
    g_usleep(6 * G_USEC_PER_SEC);
    live_proc_signal(&proc, SIGKILL);
    live_proc_wait(&proc, 5, NULL);
    g_autofree char *rec = live_only_recording(library);
    GArray *keys = probe_keyframes(rec);
    ck_assert_msg(keys->len >= 2, "%s: %u keyframes readable", rec, keys->len);
    double last = g_array_index(keys, double, keys->len - 1);
    ck_assert_msg(last >= 3.9, "%s: readable up to %.2f s only", rec, last);
    g_array_unref(keys);
    /* and it decodes: a frame from the middle comes out */
    ck_assert_double_gt(probe_mean_luma(rec, 2.0), 0);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
}
END_TEST

/* ---- the operator switches the slate from a control FIFO ---- */

START_TEST(test_slate_by_command)
{
    g_autofree char *dir = live_test_dir("slate");
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    g_autofree char *fifo = g_build_filename(dir, "control", NULL);
    GPtrArray *args = live_args(library, 8);
    live_set(args, "url", "");
    live_set(args, "lower-third-every",
             "0"); /* nothing else over the picture */
    g_ptr_array_add(args, g_strdup("--control"));
    g_ptr_array_add(args, g_strdup(fifo));
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    for (int i = 0; i < 100 && !g_file_test(fifo, G_FILE_TEST_EXISTS); i++)
        g_usleep(20000);
    g_usleep(3 * G_USEC_PER_SEC);
    live_send_command(fifo, "slate on");
    g_usleep(2 * G_USEC_PER_SEC);
    live_send_command(fifo, "bogus");
    live_send_command(fifo, "slate off");
    int status = live_proc_wait(&proc, 30, NULL);
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, all);
    ck_assert_ptr_nonnull(strstr(all, "unknown command 'bogus'"));
    g_autofree char *out = live_proc_stdout(&proc);
    live_output o;
    live_parse_output(out, &o);
    JsonObject *on = live_find_event(&o, NULL, "info", "slate on");
    JsonObject *off = live_find_event(&o, NULL, "info", "slate off");
    ck_assert_ptr_nonnull(on);
    ck_assert_ptr_nonnull(off);
    double t_on = json_object_get_int_member(on, "uptime_ms") / 1000.0;
    double t_off = json_object_get_int_member(off, "uptime_ms") / 1000.0;
    g_autofree char *rec = live_only_recording(library);
    /* SMPTE bars are bright; the slate is black with one line of text */
    double before = probe_mean_luma(rec, t_on - 1.0);
    double during = probe_mean_luma(rec, (t_on + t_off) / 2);
    double after = probe_mean_luma(rec, t_off + 1.0);
    ck_assert_msg(before > 80 && after > 80 && during < 40,
                  "luma before %.0f, during %.0f, after %.0f", before, during,
                  after);
    live_clear_output(&o);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
}
END_TEST

/* ---- the logo goes where the shared overlay options put it ---- */

/* A recording of 3 s of bars with the logo (and nothing else) drawn at
 * position; NULL: no logo. Its middle frame's luma (g_free). */
static unsigned char *logo_frame(const char *position, const char *x,
                                 const char *y)
{
    g_autofree char *dir = live_test_dir("position");
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    GPtrArray *args = live_args(library, 3);
    live_set(args, "url", "");
    live_set(args, "lower-third-every", "0");
    live_set(args, "width", "0.3");
    if (!position)
        live_set(args, "logo", "");
    else if (*position)
        live_set(args, "position", position);
    if (x) {
        live_set(args, "x", x);
        live_set(args, "y", y);
    }
    g_autofree char *out = NULL, *err = NULL;
    int status = dk_test_dokpim(live_argv(args), &out, &err);
    ck_assert_msg(status == 0, "position %s: exit %d: %s", position, status,
                  err);
    g_autofree char *rec = live_only_recording(library);
    unsigned char *luma = probe_luma(rec, 1.5);
    ck_assert_ptr_nonnull(luma);
    g_ptr_array_unref(args);
    return luma;
}

/* Mean difference in each quarter of the frame: top-left, top-right,
 * bottom-left, bottom-right. */
static void quarter_difference(const unsigned char *a, const unsigned char *b,
                               double quarter[4])
{
    const int w = PROBE_LUMA_WIDTH, h = PROBE_LUMA_HEIGHT;
    memset(quarter, 0, 4 * sizeof *quarter);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            quarter[(y >= h / 2) * 2 + (x >= w / 2)] +=
                abs(a[y * w + x] - b[y * w + x]) / (w * h / 4.0);
}

static const struct {
    const char *position, *x, *y; /* position "": the default */
    int quarter;                  /* where the logo must be alone */
} positions[] = {
    {"", NULL, NULL, 1},            /* top-right */
    {"bottom-left", NULL, NULL, 2}, /* a named position */
    {"custom", "0", "0", 0},        /* x, y: against the top-left corner */
};

START_TEST(test_logo_position)
{
    g_autofree unsigned char *bare = logo_frame(NULL, NULL, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(positions); i++) {
        g_autofree unsigned char *marked =
            logo_frame(positions[i].position, positions[i].x, positions[i].y);
        double quarter[4];
        quarter_difference(bare, marked, quarter);
        /* the bars are one still frame: only the logo changes pixels */
        for (int q = 0; q < 4; q++)
            ck_assert_msg(q == positions[i].quarter ? quarter[q] > 0.5
                                                    : quarter[q] < 0.2,
                          "position '%s': quarter %d differs by %.2f",
                          positions[i].position, q, quarter[q]);
    }
}
END_TEST

/* ---- file and network sources: looped, and covered by the slate when
 * the picture goes away ---- */

static char *make_clip(const char *dir, double seconds)
{
    char *clip = g_build_filename(dir, "clip.mp4", NULL);
    g_autofree char *cmd = g_strdup_printf(
        "ffmpeg -v error -y -f lavfi -i testsrc2=size=640x360:rate=25 "
        "-f lavfi -i sine=frequency=440:sample_rate=44100 -t %g "
        "-c:v libx264 -preset ultrafast -g 25 -c:a aac -shortest '%s'",
        seconds, clip);
    ck_assert_int_eq(dk_test_sh(cmd, NULL, NULL), 0);
    return clip;
}

START_TEST(test_file_source_loops)
{
    g_autofree char *dir = live_test_dir("file");
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    g_autofree char *clip = make_clip(dir, 2);
    GPtrArray *args = live_args(library, 7);
    live_set(args, "url", "");
    live_set(args, "source", "file");
    live_set(args, "file", clip);
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    int status = live_proc_wait(&proc, 30, NULL);
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, all);
    /* a 2 s clip made a 7 s recording without a gap: it looped */
    live_assert_recording(library, 7.0, 1.0);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
}
END_TEST

static void start_srt_camera(live_proc *camera, const char *dir,
                             const char *clip, int port)
{
    g_autofree char *url =
        g_strdup_printf("srt://127.0.0.1:%d?mode=listener", port);
    const char *argv[] = {"ffmpeg",       "-nostdin", "-v",     "error", "-re",
                          "-stream_loop", "-1",       "-i",     clip,    "-c",
                          "copy",         "-f",       "mpegts", url,     NULL};
    live_proc_spawn(camera, dir, "camera", argv);
}

START_TEST(test_lost_source_shows_slate)
{
    g_autofree char *dir = live_test_dir("srt");
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    g_autofree char *clip = make_clip(dir, 3);
    int port = live_free_port();
    live_proc camera;
    start_srt_camera(&camera, dir, clip, port);
    g_usleep(G_USEC_PER_SEC); /* until ffmpeg listens */
    g_autofree char *uri = g_strdup_printf("srt://127.0.0.1:%d", port);
    GPtrArray *args = live_args(library, 13);
    live_set(args, "url", "");
    live_set(args, "source", "uri");
    live_set(args, "uri", uri);
    live_set(args, "lower-third-every", "0");
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    g_usleep(5 * G_USEC_PER_SEC);
    live_proc_signal(&camera, SIGKILL); /* the camera dies */
    live_proc_wait(&camera, 5, NULL);
    live_proc_clear(&camera);
    g_usleep(4 * G_USEC_PER_SEC);
    start_srt_camera(&camera, dir, clip, port);
    int status = live_proc_wait(&proc, 40, NULL);
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, all);
    live_proc_clear(&camera);

    g_autofree char *out = live_proc_stdout(&proc);
    live_output o;
    live_parse_output(out, &o);
    JsonObject *first = live_find_event(&o, "source", "info", "picture from");
    JsonObject *lost = live_find_event(&o, "source", "warning", "slate");
    JsonObject *back = live_find_event(&o, "source", "info", "back");
    ck_assert_msg(first && lost && back,
                  "no picture / slate / back events:\n%s", all);
    double t_first = json_object_get_int_member(first, "uptime_ms") / 1000.0;
    double t_lost = json_object_get_int_member(lost, "uptime_ms") / 1000.0;
    double t_back = json_object_get_int_member(back, "uptime_ms") / 1000.0;
    ck_assert_msg(t_lost > t_first + 1 && t_back > t_lost + 1,
                  "picture at %.1f s, lost at %.1f s, back at %.1f s", t_first,
                  t_lost, t_back);
    /* the recording went on through the outage, on the slate */
    live_assert_recording(library, 13.0, 1.0);
    g_autofree char *rec = live_only_recording(library);
    double before = probe_mean_luma(rec, (t_first + t_lost) / 2);
    double during = probe_mean_luma(rec, (t_lost + t_back) / 2);
    double after = probe_mean_luma(rec, t_back + 1.5);
    ck_assert_msg(before > 80 && during < 40 && after > 80,
                  "luma before %.0f, during %.0f, after %.0f", before, during,
                  after);
    live_clear_output(&o);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
}
END_TEST

/* ---- --archive: right after the live, the recording is ingested and
 * queued for the channel with the event's metadata (pipelines/
 * live-archive.conf); the queue is read back with `dokpim queue list` ---- */

START_TEST(test_archive_after_live)
{
    g_autofree char *dir = live_test_dir("archive");
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    g_autofree char *archive =
        dk_test_source_path("pipelines/live-archive.conf");
    /* never used: queueing needs no network */
    g_autofree char *credentials = g_build_filename(dir, "youtube.json", NULL);
    dk_test_write(credentials,
                  "{\"client_id\":\"a\",\"client_secret\":\"b\","
                  "\"refresh_token\":\"c\"}\n",
                  -1);
    chmod(credentials, 0600);
    g_autofree char *set_credentials =
        g_strdup_printf("youtube.credentials=%s", credentials);
    GPtrArray *args = live_args(library, 3);
    live_set(args, "url", "");
    g_ptr_array_add(args, g_strdup("--archive"));
    g_ptr_array_add(args, g_strdup(archive));
    g_ptr_array_add(args, g_strdup("--archive-set"));
    g_ptr_array_add(args, g_strdup(set_credentials));
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    int status = live_proc_wait(&proc, 30, NULL);
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, all);

    g_autofree char *rec = live_only_recording(library);
    g_autofree char *sha = dk_test_sha256(rec);
    const char *list[] = {"queue", "list", "-o", library, "--json", NULL};
    g_autofree char *out = NULL, *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(list, &out, &err), 0);
    g_autoptr(JsonParser) parser = json_parser_new();
    ck_assert_msg(json_parser_load_from_data(parser, out, -1, NULL), "%s", out);
    JsonArray *jobs = json_node_get_array(json_parser_get_root(parser));
    ck_assert_int_eq(json_array_get_length(jobs), 1);
    JsonObject *job = json_array_get_object_element(jobs, 0);
    ck_assert_str_eq(json_object_get_string_member(job, "plugin"),
                     "upload.youtube");
    ck_assert_str_eq(json_object_get_string_member(job, "state"), "queued");
    ck_assert_str_eq(json_object_get_string_member(job, "sha256"), sha);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
}
END_TEST

/* ---- mistakes caught before going live (exit 2, nothing streamed) ---- */

static const struct {
    const char *name;
    const char *option, *value; /* NULL: no extra option */
    mode_t key_mode;            /* 0: no key-file at all */
    const char *key_text;       /* NULL: a random key */
    const char *says;
} config_errors[] = {
    {"key readable by others", NULL, NULL, 0644, NULL, "chmod 600"},
    {"key readable by group", NULL, NULL, 0640, NULL, "chmod 600"},
    {"empty key file", NULL, NULL, 0600, "  \n", "is empty"},
    {"key with spaces", NULL, NULL, 0600, "two words", "one line"},
    {"no key file", NULL, NULL, 0, NULL, "key-file is not set"},
    {"http url", "url", "http://127.0.0.1/live", 0600, NULL, "not rtmp"},
    {"key in the url", "url", "rtmp://127.0.0.1/live2/abc", 0600, NULL,
     "application only"},
    {"password in the url", "url", "rtmp://me:pw@127.0.0.1/live", 0600, NULL,
     "no user or password"},
    {"unknown preset", "preset", "4k", 0600, NULL, "is not one of"},
    {"uri source without uri", "source", "uri", 0600, NULL, "needs uri"},
    {"file source without file", "source", "file", 0600, NULL,
     "needs file=PATH"},
    {"the old name of position", "anchor", "top-left", 0600, NULL,
     "unknown option"},
    {"bad CA file", "tls-ca-file", "/etc/hostname", 0600, NULL, "tls-ca-file"},
};

START_TEST(test_config_errors)
{
    g_autofree char *dir = live_test_dir("config");
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    g_autofree char *key = config_errors[_i].key_text
                               ? g_strdup(config_errors[_i].key_text)
                               : live_random_key();
    GPtrArray *args = live_args(library, 5);
    live_set(args, "url", "rtmp://127.0.0.1:1/live");
    if (config_errors[_i].key_mode) {
        g_autofree char *key_file =
            live_write_key(dir, key, config_errors[_i].key_mode);
        live_set(args, "key-file", key_file);
    }
    if (config_errors[_i].option)
        live_set(args, config_errors[_i].option, config_errors[_i].value);
    g_autofree char *out = NULL, *err = NULL;
    int status = dk_test_dokpim(live_argv(args), &out, &err);
    ck_assert_msg(status == 2, "%s: exit %d: %s", config_errors[_i].name,
                  status, err);
    ck_assert_msg(strstr(err, config_errors[_i].says), "%s: said: %s",
                  config_errors[_i].name, err);
    if (strlen(key) > 4)
        ck_assert_msg(!strstr(err, key) && !strstr(out, key),
                      "%s: the key was printed", config_errors[_i].name);
    ck_assert(!g_file_test(library, G_FILE_TEST_EXISTS));
    g_ptr_array_unref(args);
}
END_TEST

START_TEST(test_run_and_check)
{
    g_autofree char *conf = dk_test_source_path("pipelines/live-youtube.conf");
    g_autofree char *event =
        dk_test_source_path("assets/sample-event/event.ini");
    const char *check[] = {"check", conf, "--event", event, NULL};
    g_autofree char *out = NULL, *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(check, &out, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "live.youtube"));
    const char *run[] = {"run", conf, "--event", event, "/dev/null", NULL};
    g_autofree char *out2 = NULL, *err2 = NULL;
    ck_assert_int_eq(dk_test_dokpim(run, &out2, &err2), 2);
    ck_assert_ptr_nonnull(strstr(err2, "dokpim live"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("live.youtube local");
    TCase *fast = tcase_create("config");
    tcase_add_unchecked_fixture(fast, live_suite_setup, live_suite_teardown);
    tcase_add_loop_test(fast, test_config_errors, 0,
                        G_N_ELEMENTS(config_errors));
    tcase_add_test(fast, test_run_and_check);
    suite_add_tcase(s, fast);

    TCase *tc = tcase_create("local");
    tcase_add_unchecked_fixture(tc, live_suite_setup, live_suite_teardown);
    tcase_set_timeout(tc, 90);
    tcase_add_loop_test(tc, test_stop_while_down, 0,
                        G_N_ELEMENTS(stop_signals));
    tcase_add_loop_test(tc, test_recording_survives_kill, 0,
                        G_N_ELEMENTS(crash_formats));
    tcase_add_test(tc, test_slate_by_command);
    tcase_add_test(tc, test_logo_position);
    tcase_add_test(tc, test_file_source_loops);
    tcase_add_test(tc, test_lost_source_shows_slate);
    tcase_add_test(tc, test_archive_after_live);
    suite_add_tcase(s, tc);
    return live_test_main(s);
}
