/* The capture-time policy every ingest plugin shares (dk_capture_resolve):
 * which source wins, what is recorded for a name that only gives the day,
 * the file time to the microsecond, and ingest.file following it end to
 * end through `dokpim probe`. */
#include <check.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include <dokpim/dokpim.h>

#include "dk_test.h"

#define MAKASSAR "Asia/Makassar" /* +08:00, the sample event's zone */

static char *dir;
static GTimeZone *tz;

static void setup(void)
{
    dir = dk_test_tmpdir("capture");
    tz = g_time_zone_new_identifier(MAKASSAR);
    ck_assert_ptr_nonnull(tz);
}

static void teardown(void)
{
    g_time_zone_unref(tz);
    g_free(dir);
    dk_test_cleanup_dirs();
}

/* A file at dir/name whose mtime is 2023-05-06T09:38:09.25Z. */
static char *file_with_mtime(const char *name)
{
    char *path = g_build_filename(dir, name, NULL);
    dk_test_write(path, "abc", 3);
    const struct timespec times[2] = {{1683365889, 250000000},
                                      {1683365889, 250000000}};
    ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
    return path;
}

static const char *meta(const dk_meta *m, const char *key)
{
    return dk_meta_get(m, key);
}

typedef struct resolve_case {
    const char *name;      /* file name */
    const char *intrinsic; /* ISO 8601, or NULL */
    const char *intrinsic_source;
    const char *time, *source, *inferred;
    const char *date_only; /* "true" or NULL: the key is absent */
} resolve_case;

static const resolve_case resolve_cases[] = {
    /* the file's own record beats a time in its name */
    {"IMG_20240902_141122.jpg", "2024-09-01T10:00:00+08:00", "exif",
     "2024-09-01T10:00:00+08:00", "exif", "false", NULL},
    {"VID-20240902-WA0003.mp4", "2024-09-01T02:00:00Z", "container",
     "2024-09-01T02:00:00+00:00", "container", "false", NULL},
    /* a full time in the name */
    {"IMG_20240902_141122.bin", NULL, NULL, "2024-09-02T14:11:22+08:00",
     "filename", "true", NULL},
    /* the day only: midnight, and said so */
    {"IMG-20240902-WA0012.jpg", NULL, NULL, "2024-09-02T00:00:00+08:00",
     "filename", "true", "true"},
    {"VID-20240902-WA0003.txt", NULL, NULL, "2024-09-02T00:00:00+08:00",
     "filename", "true", "true"},
    /* nothing in the name: the file time, sub-second digits kept */
    {"notes.txt", NULL, NULL, "2023-05-06T17:38:09.25+08:00", "file-time",
     "true", NULL},
};

START_TEST(test_resolve)
{
    const resolve_case *c = &resolve_cases[_i];
    g_autofree char *path = file_with_mtime(c->name);
    GDateTime *intrinsic =
        c->intrinsic ? g_date_time_new_from_iso8601(c->intrinsic, NULL) : NULL;
    dk_meta *m = dk_meta_new();
    dk_error err = {0};
    ck_assert_int_eq(
        dk_capture_resolve(path, intrinsic, c->intrinsic_source, tz, m, &err),
        0);
    ck_assert_str_eq(meta(m, "capture.time"), c->time);
    ck_assert_str_eq(meta(m, "capture.source"), c->source);
    ck_assert_str_eq(meta(m, "capture.inferred"), c->inferred);
    ck_assert_pstr_eq(meta(m, "capture.date-only"), c->date_only);
    dk_meta_free(&m);
    if (intrinsic)
        g_date_time_unref(intrinsic);
}
END_TEST

/* Only the file time needs the file; without it meta stays untouched. */
START_TEST(test_resolve_missing_file)
{
    g_autofree char *gone = g_build_filename(dir, "gone.txt", NULL);
    dk_meta *m = dk_meta_new();
    dk_error err = {0};
    ck_assert_int_eq(dk_capture_resolve(gone, NULL, NULL, tz, m, &err),
                     DK_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "gone.txt"));
    ck_assert_ptr_null(meta(m, "capture.time"));
    /* a name with a time does not need the file at all */
    g_autofree char *named =
        g_build_filename(dir, "IMG-20240902-WA0012.jpg", NULL);
    ck_assert_int_eq(dk_capture_resolve(named, NULL, NULL, tz, m, &err), 0);
    ck_assert_str_eq(meta(m, "capture.date-only"), "true");
    dk_meta_free(&m);
}
END_TEST

/* ingest.file through the real binary: a date-only name is recorded as
 * one, exactly as for photos and clips (the plugin used to store the
 * midnight as if it were the moment). */
START_TEST(test_ingest_file_date_only)
{
    g_setenv("DOKPIM_PLUGIN_PATH", dk_test_plugin_dir(), TRUE);
    g_autofree char *event = g_build_filename(dir, "event.ini", NULL);
    dk_test_write(event,
                  "[event]\ntitle=T\ndate=2024-09-02\ntimezone=" MAKASSAR "\n",
                  -1);
    g_autofree char *dated = file_with_mtime("IMG-20240902-WA0012.dat");
    g_autofree char *timed = file_with_mtime("IMG_20240902_141122.dat");
    const char *args[] = {"probe", "--json", "--event", event,
                          dated,   timed,    NULL};
    char *out = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, &out, NULL), 0);
    JsonParser *parser = json_parser_new();
    ck_assert(json_parser_load_from_data(parser, out, -1, NULL));
    JsonArray *items = json_node_get_array(json_parser_get_root(parser));
    ck_assert_int_eq(json_array_get_length(items), 2);
    for (guint i = 0; i < 2; i++) {
        JsonObject *item = json_array_get_object_element(items, i);
        ck_assert_str_eq(json_object_get_string_member(item, "plugin"),
                         "ingest.file");
        JsonObject *capture = json_object_get_object_member(item, "capture");
        ck_assert_str_eq(json_object_get_string_member(capture, "source"),
                         "filename");
        ck_assert(json_object_get_boolean_member(capture, "inferred"));
        bool date_only = json_object_has_member(capture, "date-only") &&
                         json_object_get_boolean_member(capture, "date-only");
        ck_assert_msg(date_only == (i == 0), "%s: date-only %d",
                      json_object_get_string_member(item, "path"), date_only);
        ck_assert_str_eq(json_object_get_string_member(capture, "time"),
                         i == 0 ? "2024-09-02T00:00:00+08:00"
                                : "2024-09-02T14:11:22+08:00");
    }
    g_object_unref(parser);
    g_free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("capture");
    TCase *tc = tcase_create("resolve");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_resolve, 0, G_N_ELEMENTS(resolve_cases));
    tcase_add_test(tc, test_resolve_missing_file);
    tcase_add_test(tc, test_ingest_file_date_only);
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
