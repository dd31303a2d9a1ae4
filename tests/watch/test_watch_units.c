/* The watcher's rules on their own: which names are never inputs, and when
 * a file counts as complete. The settle tracker takes the time as an
 * argument, so every case here runs in microseconds of simulated time and
 * cannot be flaky. */
#include <check.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dk_test.h"
#include "watch.h"

static const struct {
    const char *name;
    bool ignored;
} name_cases[] = {
    {"IMG_0412.JPG", false},
    {"IMG.2025.03.14.jpg", false}, /* dots are not temp markers */
    {"a.part.jpg", false},         /* only the suffix counts */
    {"rapat~$.jpg", false},        /* ~$ only in front */
    {"video.mp4.part", true},      /* Firefox, wget2 */
    {"video.mp4.PART", true},      /* a FAT card keeps a tool's case */
    {"foto.jpg.crdownload", true}, /* Chrome */
    {"foto.jpg.filepart", true},   /* WinSCP */
    {"foto.jpg.partial", true},
    {".IMG_0412.JPG.a1B2c3", true}, /* rsync's temporary */
    {".hidden.jpg", true},          /* hidden, as `dokpim run` skips */
    {"~$laporan.docx", true},       /* Office's owner file */
    {"x.jpg.dk-tmp-Ab12Cd", true},  /* dokpim's own */
    {"", true},
};

START_TEST(names_are_judged)
{
    ck_assert_msg(watch_name_ignored(name_cases[_i].name) ==
                      name_cases[_i].ignored,
                  "%s: expected %s", name_cases[_i].name,
                  name_cases[_i].ignored ? "ignored" : "taken");
}
END_TEST

#define S G_USEC_PER_SEC

static char *dir;

static void setup(void)
{
    dir = dk_test_tmpdir("settle");
}

static void teardown(void)
{
    g_free(dir);
    dk_test_cleanup_dirs();
}

static char *file_with(const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);
    dk_test_write(path, text, -1);
    return path;
}

/* Polls at now; returns how many became ready (their paths in *ready). */
static guint poll_at(watch_settle *s, gint64 now, GPtrArray **ready,
                     GPtrArray **changing)
{
    GArray *stats = g_array_new(FALSE, FALSE, sizeof(struct stat));
    *ready = g_ptr_array_new_with_free_func(g_free);
    *changing = g_ptr_array_new_with_free_func(g_free);
    watch_settle_poll(s, now, *ready, stats, *changing);
    ck_assert_uint_eq(stats->len, (*ready)->len);
    g_array_unref(stats);
    return (*ready)->len;
}

static guint ready_count(watch_settle *s, gint64 now)
{
    GPtrArray *ready, *changing;
    guint n = poll_at(s, now, &ready, &changing);
    g_ptr_array_unref(ready);
    g_ptr_array_unref(changing);
    return n;
}

START_TEST(ready_after_settle_time)
{
    g_autofree char *path = file_with("a.jpg", "abc");
    watch_settle *s = watch_settle_new(2, 20);
    watch_settle_note(s, path, false, false, 10 * S);
    ck_assert_uint_eq(ready_count(s, 11 * S), 0);
    ck_assert_uint_eq(ready_count(s, 12 * S - 1), 0);
    GPtrArray *ready, *changing;
    ck_assert_uint_eq(poll_at(s, 12 * S, &ready, &changing), 1);
    ck_assert_str_eq(ready->pdata[0], path);
    ck_assert_uint_eq(watch_settle_pending(s), 0);
    g_ptr_array_unref(ready);
    g_ptr_array_unref(changing);
    watch_settle_free(&s);
}
END_TEST

START_TEST(a_change_restarts_the_clock)
{
    g_autofree char *path = file_with("a.jpg", "abc");
    watch_settle *s = watch_settle_new(2, 20);
    watch_settle_note(s, path, false, false, 10 * S);
    dk_test_write(path, "abcdef", -1); /* grew before the settle time */
    ck_assert_uint_eq(ready_count(s, 11 * S), 0);
    ck_assert_uint_eq(ready_count(s, 12 * S), 0); /* stable since 11 s */
    ck_assert_uint_eq(ready_count(s, 13 * S), 1);
    watch_settle_free(&s);
}
END_TEST

START_TEST(an_open_writer_holds_it)
{
    g_autofree char *path = file_with("a.jpg", "abc");
    watch_settle *s = watch_settle_new(2, 1000);
    /* written, then a long pause: size and mtime stand still */
    watch_settle_note(s, path, true, false, 10 * S);
    ck_assert_uint_eq(ready_count(s, 100 * S), 0);
    watch_settle_note(s, path, false, true, 101 * S); /* IN_CLOSE_WRITE */
    ck_assert_uint_eq(ready_count(s, 101 * S), 1);
    watch_settle_free(&s);
}
END_TEST

START_TEST(lost_events_free_the_writers)
{
    g_autofree char *path = file_with("a.jpg", "abc");
    watch_settle *s = watch_settle_new(2, 1000);
    watch_settle_note(s, path, true, false, 10 * S);
    ck_assert_uint_eq(ready_count(s, 50 * S), 0);
    watch_settle_forget_writers(s); /* the close may be among the lost */
    ck_assert_uint_eq(ready_count(s, 50 * S), 1);
    watch_settle_free(&s);
}
END_TEST

START_TEST(one_warning_for_a_file_that_keeps_changing)
{
    g_autofree char *path = file_with("grow.jpg", "a");
    watch_settle *s = watch_settle_new(1, 5);
    watch_settle_note(s, path, false, false, 0);
    GString *text = g_string_new("a");
    int warnings = 0;
    for (gint64 t = S / 2; t <= 20 * S; t += S / 2) {
        g_string_append_c(text, 'x');
        dk_test_write(path, text->str, -1);
        GPtrArray *ready, *changing;
        ck_assert_uint_eq(poll_at(s, t, &ready, &changing), 0);
        warnings += (int)changing->len;
        if (changing->len)
            ck_assert_int_ge(t, 5 * S);
        g_ptr_array_unref(ready);
        g_ptr_array_unref(changing);
    }
    ck_assert_int_eq(warnings, 1);
    ck_assert_uint_eq(ready_count(s, 22 * S), 1); /* stopped: taken */
    g_string_free(text, TRUE);
    watch_settle_free(&s);
}
END_TEST

START_TEST(a_file_gone_is_forgotten)
{
    g_autofree char *path = file_with("a.jpg", "abc");
    watch_settle *s = watch_settle_new(1, 10);
    watch_settle_note(s, path, false, false, 0);
    ck_assert_int_eq(g_unlink(path), 0);
    ck_assert_uint_eq(ready_count(s, 5 * S), 0);
    ck_assert_uint_eq(watch_settle_pending(s), 0);
    /* and a folder or a missing path is never pending */
    watch_settle_note(s, dir, false, false, 0);
    watch_settle_note(s, path, false, false, 0);
    ck_assert_uint_eq(watch_settle_pending(s), 0);
    watch_settle_free(&s);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("watch");
    TCase *names = tcase_create("names");
    tcase_add_loop_test(names, names_are_judged, 0, G_N_ELEMENTS(name_cases));
    suite_add_tcase(suite, names);
    TCase *settle = tcase_create("settle");
    tcase_add_checked_fixture(settle, setup, teardown);
    tcase_add_test(settle, ready_after_settle_time);
    tcase_add_test(settle, a_change_restarts_the_clock);
    tcase_add_test(settle, an_open_writer_holds_it);
    tcase_add_test(settle, lost_events_free_the_writers);
    tcase_add_test(settle, one_warning_for_a_file_that_keeps_changing);
    tcase_add_test(settle, a_file_gone_is_forgotten);
    suite_add_tcase(suite, settle);
    return dk_test_run_suite(suite);
}
