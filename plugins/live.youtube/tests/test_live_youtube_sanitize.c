/* The sanitizer build's live test: one whole live (push refused and
 * retried, so push bins are built and torn down; clock; slate and lower
 * third by command; the recording finalised) leaks nothing of ours and
 * trips neither ASan nor UBSan. No timing is asserted: x264 under ASan
 * cannot keep real time, which is why the timed suites run in the normal
 * build only.
 *
 * GLib's constructor makes a 16 KB quark table that it deliberately drops
 * once GStreamer's quarks outgrow it (a bare gst_init() program reports it
 * too). Only the slow unwinder sees through GLib (no frame pointers) to
 * the constructor frame a suppression can name; it is far too slow for the
 * timed suites but fine for one short live. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dk_test.h"
#include "live_test.h"

static char *leak_options; /* ASAN_OPTIONS for this test's dokpim */

START_TEST(test_no_leaks)
{
    g_autofree char *dir = live_test_dir("leaks");
    g_autofree char *key = live_random_key();
    g_autofree char *key_file = live_write_key(dir, key, 0600);
    g_autofree char *library = g_build_filename(dir, "library", NULL);
    g_autofree char *url =
        g_strdup_printf("rtmp://127.0.0.1:%d/live", live_free_port());
    g_autofree char *fifo = g_build_filename(dir, "control", NULL);
    GPtrArray *args = live_args(library, 6);
    live_set(args, "url", url); /* refused: builds and tears down push bins */
    live_set(args, "key-file", key_file);
    live_set(args, "clock", "true");
    g_ptr_array_add(args, g_strdup("--control"));
    g_ptr_array_add(args, g_strdup(fifo));
    /* set after this process started: only dokpim sees it */
    if (leak_options)
        g_setenv("ASAN_OPTIONS", leak_options, TRUE);
    live_proc proc;
    live_proc_start(&proc, dir, live_argv(args));
    for (int i = 0; i < 500 && !g_file_test(fifo, G_FILE_TEST_EXISTS); i++)
        g_usleep(20000);
    live_send_command(fifo, "slate on");
    live_send_command(fifo, "lower-third off");
    int status = live_proc_wait(&proc, 120, NULL);
    g_autofree char *all = live_proc_output(&proc);
    ck_assert_msg(status == 0 && !strstr(all, "Sanitizer"), "exit %d:\n%s",
                  status, all);
    g_ptr_array_unref(args);
    live_proc_clear(&proc);
}
END_TEST

static char *sanitizer_setup(void)
{
    if (!g_getenv("LSAN_OPTIONS"))
        return NULL;
    char *dir = g_dir_make_tmp("live-lsan-XXXXXX", NULL);
    g_autofree char *core = dk_test_source_path("tests/lsan.supp");
    g_autofree char *text = dk_test_read(core, NULL);
    g_autofree char *path = g_build_filename(dir, "lsan.supp", NULL);
    g_autofree char *all =
        g_strconcat(text ? text : "", "\nleak:_dl_init\n", NULL);
    dk_test_write(path, all, -1);
    g_autofree char *options =
        g_strdup_printf("suppressions=%s:print_suppressions=0", path);
    g_setenv("LSAN_OPTIONS", options, TRUE);
    const char *asan = g_getenv("ASAN_OPTIONS");
    leak_options = g_strdup_printf("%s%sdetect_leaks=1:fast_unwind_on_malloc=0",
                                   asan ? asan : "", asan ? ":" : "");
    return dir;
}

int main(void)
{
    char *lsan_dir = sanitizer_setup();
    Suite *s = suite_create("live.youtube sanitizer");
    TCase *tc = tcase_create("leaks");
    tcase_add_unchecked_fixture(tc, live_suite_setup, live_suite_teardown);
    tcase_set_timeout(tc, 150);
    tcase_add_test(tc, test_no_leaks);
    suite_add_tcase(s, tc);
    int rc = live_test_main(s);
    if (lsan_dir) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", lsan_dir);
        dk_test_sh(cmd, NULL, NULL);
        g_free(lsan_dir);
        g_free(leak_options);
    }
    return rc;
}
