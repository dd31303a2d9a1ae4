/* `dokpim live` on a machine with no CPU to spare, as on a crew's cheap
 * laptop: busy loops on every core beside it, then Stop. The stop still
 * comes within 3 s, and the recording is finalised (its index written, so
 * ffprobe knows the duration without scanning) and holds what was on air.
 *
 * A ctest entry of its own, run alone (RUN_SERIAL): the pressure is for
 * this live, not for the timed suites that would otherwise run beside
 * it. */
#include <check.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "dk_test.h"
#include "live_test.h"

/* Enough that x264 falls behind real time on any machine, as it does when
 * a laptop also runs a browser or a build. */
#define HOGS_PER_CORE 6
#define HOG_SECONDS   60 /* more than one row takes; they end by themselves */

static const char *const load_formats[] = {"mkv", "mp4"};

START_TEST(test_stop_under_load)
{
    g_autofree char *dir = live_test_dir("load");
    g_autofree char *key = live_random_key();
    g_autofree char *key_file = live_write_key(dir, key, 0600);
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    g_autofree char *url =
        g_strdup_printf("rtmp://127.0.0.1:%d/live", live_free_port());
    GPtrArray *args = live_args(library, 0);
    live_set(args, "url", url); /* refused: push bins come and go too */
    live_set(args, "key-file", key_file);
    live_set(args, "record-format", load_formats[_i]);
    GArray *hogs = live_hog_start(HOGS_PER_CORE, HOG_SECONDS);
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    ck_assert_msg(live_proc_wait_output(&proc, "started", 30),
                  "not started within 30 s");
    g_usleep(4 * G_USEC_PER_SEC);
    gint64 sent = g_get_monotonic_time();
    live_proc_signal(&proc, SIGINT);
    int status = live_proc_wait(&proc, 15, NULL);
    double took = (g_get_monotonic_time() - sent) / 1e6;
    live_hog_stop(&hogs); /* the judging below needs no pressure */
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, all);
    ck_assert_msg(took < 3.0, "took %.2f s to stop", took);
    const char *unfinished = strstr(all, "was closed before it was finalised");
    ck_assert_msg(!unfinished, "%.200s", unfinished);

    g_autofree char *out = live_proc_stdout(&proc);
    live_output o;
    live_parse_output(out, &o);
    JsonObject *ending = live_find_event(&o, NULL, "info", "ending the live");
    ck_assert_ptr_nonnull(ending);
    double on_air = json_object_get_int_member(ending, "uptime_ms") / 1000.0;
    g_autofree char *rec = live_only_recording(library);
    g_autofree char *codecs = probe_codecs(rec);
    ck_assert_str_eq(codecs, "h264,aac");
    /* what the starved encoder had not reached at the stop (at most the
     * capture queue's second) may be missing, nothing more */
    double duration = probe_duration(rec);
    ck_assert_msg(duration > on_air - 1.5 && duration < on_air + 0.5,
                  "%s: recording is %.2f s after %.2f s on air",
                  load_formats[_i], duration, on_air);
    /* every frame the encoder made is in the file (a starved encoder
     * makes fewer: the picture may end early, it is never lost) */
    GArray *packets = probe_video_packets(rec);
    gint64 frames = json_object_get_int_member(o.last_status, "frames");
    ck_assert_msg(frames > 0 && packets->len == (guint)frames,
                  "%s: %u video packets, %" G_GINT64_FORMAT " encoded",
                  load_formats[_i], packets->len, frames);
    g_array_unref(packets);
    /* and it decodes */
    GArray *keys = probe_keyframes(rec);
    ck_assert_uint_gt(keys->len, 0);
    double last_key = g_array_index(keys, double, keys->len - 1);
    g_array_unref(keys);
    ck_assert_double_gt(probe_mean_luma(rec, last_key), 0);
    live_clear_output(&o);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("live.youtube under load");
    TCase *tc = tcase_create("load");
    tcase_add_unchecked_fixture(tc, live_suite_setup, live_suite_teardown);
    tcase_set_timeout(tc, 90);
    tcase_add_loop_test(tc, test_stop_under_load, 0,
                        G_N_ELEMENTS(load_formats));
    suite_add_tcase(s, tc);
    return live_test_main(s);
}
