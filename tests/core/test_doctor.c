/* dokpim doctor through the real binary: a healthy machine passes, and
 * each problem it exists to catch (a secret others may read, a plugin the
 * loader refuses, GStreamer elements gone, a full or nearly full disk, a
 * damaged or too new queue.db) is a finding naming the file and what to
 * do, with the exit status scripts rely on. */
#include <check.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dk_queue.h"
#include "dk_test.h"

static char *dir, *config, *keys, *lib;

/* A machine set up as the README says: a signing identity at the default
 * place, a library with a queue. */
static void setup(void)
{
    dir = dk_test_tmpdir("doctor");
    config = g_build_filename(dir, "config", NULL);
    keys = g_build_filename(config, "dokpim", "keys", NULL);
    lib = g_build_filename(dir, "library", NULL);
    g_setenv("XDG_CONFIG_HOME", config, TRUE);
    g_unsetenv("DOKPIM_DOCTOR_SPACE");
    const char *init[] = {"keys",   "init",
                          "--org",  "Pemerintah Kabupaten Badung",
                          "--unit", "Bagian Prokompim",
                          "-o",     keys,
                          NULL};
    g_autofree char *err = NULL;
    ck_assert_msg(dk_test_dokpim(init, NULL, &err) == 0, "keys init: %s", err);
    g_mkdir_with_parents(lib, 0755);
    dk_queue *queue = NULL;
    dk_error qerr = {0};
    ck_assert_msg(dk_queue_open(lib, true, &queue, &qerr) == 0, "%s",
                  qerr.message);
    dk_queue_close(&queue);
}

static void teardown(void)
{
    g_free(dir);
    g_free(config);
    g_free(keys);
    g_free(lib);
    dk_test_cleanup_dirs();
}

/* Runs dokpim doctor -o LIBRARY [extra]: its exit status, stdout in *out. */
static int doctor(const char *extra, char **out)
{
    const char *args[] = {"doctor", "-o", lib, extra, NULL};
    g_autofree char *err = NULL;
    int status = dk_test_dokpim(args, out, &err);
    ck_assert_msg(status == 0 || status == 1, "status %d: %s%s", status, *out,
                  err);
    return status;
}

/* The line of out that starts with prefix and holds every one of the
 * NULL-terminated words, or NULL. g_free(). */
static char *line_with(const char *out, const char *prefix, ...)
{
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (!g_str_has_prefix(lines[i], prefix))
            continue;
        bool all = true;
        va_list args;
        va_start(args, prefix);
        for (const char *w; all && (w = va_arg(args, const char *));)
            all = strstr(lines[i], w) != NULL;
        va_end(args);
        if (all)
            return g_strdup(lines[i]);
    }
    return NULL;
}

/* Every line is a finding: "ok    TOPIC: ...", "warn  ...", "FAIL  ...";
 * returns how many FAILed outside the clock (which a test cannot set). */
static int count_fails_but_clock(const char *out)
{
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    int fails = 0;
    for (int i = 0; lines[i] && *lines[i]; i++) {
        ck_assert_msg(g_regex_match_simple("^(ok  |warn|FAIL)  [a-z]+: .",
                                           lines[i], 0, 0),
                      "not a finding: %s", lines[i]);
        if (g_str_has_prefix(lines[i], "FAIL") &&
            !g_str_has_prefix(lines[i], "FAIL  clock: "))
            fails++;
    }
    return fails;
}

START_TEST(healthy_machine_passes)
{
    g_autofree char *out = NULL;
    int status = doctor(NULL, &out);
    ck_assert_msg(count_fails_but_clock(out) == 0, "%s", out);
    /* exit 1 only when the host's clock is not synchronised */
    ck_assert_msg(status == 0 || line_with(out, "FAIL  clock: ", "", NULL),
                  "%s", out);
    g_autofree char *signing = g_build_filename(keys, "signing-key.pem", NULL);
    g_autofree char *queue = g_build_filename(lib, "queue.db", NULL);
    const char *const expected[][3] = {
        {"ok    plugins: ", "plugins load at plugin ABI", NULL},
        {"ok    pipelines: ",
         "event-photos-signed.conf: passes dokpim check (5 stages)", NULL},
        {"ok    media: ", "present", "GStreamer"},
        {"ok    fonts: ", "covers Latin, Balinese, Arabic", NULL},
        {"ok    secrets: ", signing, "is private"},
        {"ok    secrets: ", queue, "is private"},
        {"warn  secrets: ", "ca-key.pem", "keep it offline"},
        {"ok    space: ", lib, "GiB free"},
        {"ok    space: ", "temporary folder", "GiB free"},
        {"ok    queue: ", queue, "opens (sqlite), 0 jobs"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
        g_autofree char *line = line_with(out, expected[i][0], expected[i][1],
                                          expected[i][2], NULL);
        ck_assert_msg(line, "no %s%s in:\n%s", expected[i][0], expected[i][1],
                      out);
    }
}
END_TEST

START_TEST(json_is_an_array_of_findings)
{
    g_autofree char *text = NULL, *json = NULL;
    int text_status = doctor(NULL, &text);
    int json_status = doctor("--json", &json);
    ck_assert_int_eq(text_status, json_status);
    JsonParser *parser = json_parser_new();
    GError *error = NULL;
    ck_assert_msg(json_parser_load_from_data(parser, json, -1, &error), "%s",
                  error ? error->message : json);
    JsonArray *array = json_node_get_array(json_parser_get_root(parser));
    g_auto(GStrv) lines = g_strsplit(g_strstrip(text), "\n", -1);
    ck_assert_uint_eq(json_array_get_length(array), g_strv_length(lines));
    for (guint i = 0; i < json_array_get_length(array); i++) {
        JsonObject *o = json_array_get_object_element(array, i);
        const char *status = json_object_get_string_member(o, "status");
        const char *check = json_object_get_string_member(o, "check");
        const char *message = json_object_get_string_member(o, "message");
        ck_assert(json_object_has_member(o, "advice"));
        ck_assert_msg(strcmp(status, "ok") == 0 ||
                          strcmp(status, "warn") == 0 ||
                          strcmp(status, "FAIL") == 0,
                      "%s", status);
        /* the same finding as the text line, in the same order (free
         * space moves between the two runs: other tests write) */
        g_autofree char *head = g_strdup_printf("%-4s  %s: ", status, check);
        ck_assert_msg(
            g_str_has_prefix(lines[i], head) &&
                (strcmp(check, "space") == 0 || strstr(lines[i], message)),
            "%s vs %s", lines[i], message);
    }
    g_object_unref(parser);
}
END_TEST

/* Secret files at the places the README gives, made readable by others. */
static const struct {
    const char *name; /* under XDG_CONFIG_HOME/dokpim */
    mode_t mode;
} exposed[] = {
    {"keys/signing-key.pem", 0644},
    {"keys/ca-key.pem", 0640},
    {"youtube.json", 0604},
    {"youtube.key", 0644},
};

START_TEST(secret_others_may_read_fails_with_chmod)
{
    g_autofree char *path =
        g_build_filename(config, "dokpim", exposed[_i].name, NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        dk_test_write(path, "{\"client_id\": \"x\"}\n", -1);
    ck_assert_int_eq(chmod(path, exposed[_i].mode), 0);
    g_autofree char *out = NULL;
    ck_assert_int_eq(doctor(NULL, &out), 1);
    g_autofree char *advice = g_strdup_printf("— chmod 600 %s", path);
    g_autofree char *mode = g_strdup_printf("(mode %04o)", exposed[_i].mode);
    g_autofree char *line =
        line_with(out, "FAIL  secrets: ", path, mode, advice, NULL);
    ck_assert_msg(line, "no FAIL for %s in:\n%s", path, out);
    ck_assert_int_eq(count_fails_but_clock(out), 1);
}
END_TEST

/* The crew's own pipeline: its problems FAIL (the shipped ones only warn),
 * in the loader's words, here a signing key others may read. */
START_TEST(own_pipeline_fails_in_the_check_words)
{
    g_autofree char *signing = g_build_filename(keys, "signing-key.pem", NULL);
    ck_assert_int_eq(chmod(signing, 0644), 0);
    g_autofree char *conf = g_build_filename(dir, "own.conf", NULL);
    g_autofree char *text = g_strdup_printf(
        "[pipeline]\nstages=in;sign\n[in]\nplugin=ingest.photo\n"
        "[sign]\nplugin=sign.c2pa\nkey-dir=%s\n",
        keys);
    dk_test_write(conf, text, -1);
    const char *args[] = {"doctor", "--pipeline", conf, NULL};
    g_autofree char *out = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, &out, NULL), 1);
    g_autofree char *chmod_line = g_strdup_printf("chmod 600 %s", signing);
    g_autofree char *line =
        line_with(out, "FAIL  pipelines: ", conf, "may be read by others",
                  chmod_line, NULL);
    ck_assert_msg(line, "%s", out);
    /* the shipped signed pipelines use the same key: a warning each */
    g_autofree char *shipped =
        line_with(out, "warn  pipelines: ", "event-photos-signed.conf",
                  "may be read by others", NULL);
    ck_assert_msg(shipped, "%s", out);
}
END_TEST

/* A library's keys/ may hold only the trust anchor `dokpim verify`
 * reads: nothing secret, nothing to fail. */
START_TEST(library_trust_anchor_alone_is_fine)
{
    g_autofree char *lib_keys = g_build_filename(lib, "keys", NULL);
    g_autofree char *anchor = g_build_filename(lib_keys, "ca-cert.pem", NULL);
    g_autofree char *ours = g_build_filename(keys, "ca-cert.pem", NULL);
    gsize len = 0;
    g_autofree char *pem = dk_test_read(ours, &len);
    dk_test_write(anchor, pem, (gssize)len);
    chmod(anchor, 0644);
    g_autofree char *out = NULL;
    doctor(NULL, &out);
    ck_assert_msg(count_fails_but_clock(out) == 0, "%s", out);
    ck_assert_ptr_null(line_with(out, "", lib_keys, NULL));
}
END_TEST

START_TEST(refused_plugin_fails)
{
    const char *root = g_getenv("DOKPIM_TEST_PLUGINS");
    g_autofree char *folder = g_build_filename(root, "badabi", NULL);
    g_setenv("DOKPIM_PLUGIN_PATH", folder, TRUE);
    g_autofree char *out = NULL;
    ck_assert_int_eq(doctor(NULL, &out), 1);
    g_autofree char *line =
        line_with(out, "FAIL  plugins: ", folder,
                  "refused: built for plugin ABI", "— remove the module", NULL);
    ck_assert_msg(line, "%s", out);
}
END_TEST

START_TEST(missing_gstreamer_elements_fail_with_the_package)
{
    /* a GStreamer that finds no plugins at all */
    g_autofree char *empty = g_build_filename(dir, "no-gst-plugins", NULL);
    g_autofree char *registry = g_build_filename(dir, "registry.bin", NULL);
    g_mkdir_with_parents(empty, 0755);
    g_setenv("GST_PLUGIN_SYSTEM_PATH_1_0", empty, TRUE);
    g_setenv("GST_PLUGIN_PATH_1_0", empty, TRUE);
    g_setenv("GST_REGISTRY_1_0", registry, TRUE);
    g_autofree char *out = NULL;
    ck_assert_int_eq(doctor(NULL, &out), 1);
    const char *const rows[][2] = {
        {"GStreamer element x264enc is missing",
         "— apt-get install gstreamer1.0-plugins-ugly"},
        {"GStreamer element rtmp2sink is missing",
         "— apt-get install gstreamer1.0-plugins-bad"},
        {"GStreamer element avenc_aac is missing",
         "— apt-get install gstreamer1.0-libav"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autofree char *line =
            line_with(out, "FAIL  media: ", rows[i][0], rows[i][1], NULL);
        ck_assert_msg(line, "no %s in:\n%s", rows[i][0], out);
    }
    /* an element only one live source needs is a warning */
    g_autofree char *optional =
        line_with(out, "warn  media: ", "v4l2src is missing", NULL);
    ck_assert_msg(optional, "%s", out);
    /* FFmpeg is asked directly and is still there */
    ck_assert_ptr_null(line_with(out, "FAIL  media: ", "FFmpeg", NULL));
}
END_TEST

/* The limits moved above what any test filesystem has free (the hidden
 * DOKPIM_DOCTOR_SPACE: WARN_BYTES:WARN_PERCENT:FAIL_BYTES). */
static const struct {
    const char *limits;
    const char *prefix;
    const char *words;
    int status;
} space_cases[] = {
    {"1125899906842624:0:0", "warn  space: ", "warn under 1048576.0 GiB", -1},
    {"0:101:0", "warn  space: ", "or 101%", -1},
    {"0:0:1125899906842624", "FAIL  space: ", "FAIL under 1048576.0 GiB", 1},
};

START_TEST(nearly_full_library_warns_full_fails)
{
    g_setenv("DOKPIM_DOCTOR_SPACE", space_cases[_i].limits, TRUE);
    g_autofree char *out = NULL;
    int status = doctor(NULL, &out);
    g_autofree char *line =
        line_with(out, space_cases[_i].prefix, lib, space_cases[_i].words,
                  "— free space there", NULL);
    ck_assert_msg(line, "%s", out);
    if (space_cases[_i].status >= 0)
        ck_assert_int_eq(status, space_cases[_i].status);
    else
        ck_assert_ptr_null(line_with(out, "FAIL  space: ", NULL));
}
END_TEST

/* A real full filesystem (a 200 KiB tmpfs) with the default limits. */
START_TEST(full_tmpfs_library_fails)
{
    const char *full = dk_test_full_disk();
    if (!full)
        return;
    const char *args[] = {"doctor", "-o", full, NULL};
    g_autofree char *out = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, &out, NULL), 1);
    g_autofree char *line = line_with(
        out, "FAIL  space: ", full, "0.0 GiB free", "FAIL under 1.0 GiB", NULL);
    ck_assert_msg(line, "%s", out);
}
END_TEST

START_TEST(damaged_or_newer_queue_fails_naming_it)
{
    g_autofree char *queue = g_build_filename(lib, "queue.db", NULL);
    g_autofree char *out = NULL;
    /* a queue.db a newer dokpim wrote */
    g_autofree char *q = g_shell_quote(queue);
    g_autofree char *ignored =
        dk_test_sh_ok("/usr/bin/python3 -c 'import sqlite3,sys; "
                      "c=sqlite3.connect(sys.argv[1]);"
                      " c.execute(\"PRAGMA user_version=9\"); c.commit()' %s",
                      q);
    ck_assert_int_eq(doctor(NULL, &out), 1);
    g_autofree char *newer = line_with(
        out, "FAIL  queue: ", queue, "schema version 9", "newer dokpim", NULL);
    ck_assert_msg(newer, "%s", out);
    g_clear_pointer(&out, g_free);
    /* one that is not a database at all */
    unlink(queue);
    g_autofree char *wal = g_strconcat(queue, "-wal", NULL);
    g_autofree char *shm = g_strconcat(queue, "-shm", NULL);
    unlink(wal);
    unlink(shm);
    dk_test_write(queue,
                  "this is not an SQLite database, it only looks "
                  "like a file someone copied over it\n",
                  -1);
    ck_assert_int_eq(doctor(NULL, &out), 1);
    g_autofree char *damaged = line_with(
        out, "FAIL  queue: ", queue, "not a database", "— move it aside", NULL);
    ck_assert_msg(damaged, "%s", out);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
    const char *const cases[][3] = {
        {"doctor", "stray-argument", NULL},
        {"doctor", "--no-such-option", NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *err = NULL;
        ck_assert_int_eq(dk_test_dokpim(cases[i], NULL, &err), 2);
        ck_assert_ptr_nonnull(strstr(err, "dokpim: error: "));
    }
    g_autofree char *help = NULL;
    const char *args[] = {"doctor", "--help", NULL};
    ck_assert_int_eq(dk_test_dokpim(args, &help, NULL), 0);
    ck_assert_ptr_nonnull(strstr(help, "warnings alone still give 0"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("doctor");
    TCase *tc = tcase_create("doctor");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, healthy_machine_passes);
    tcase_add_test(tc, json_is_an_array_of_findings);
    tcase_add_loop_test(tc, secret_others_may_read_fails_with_chmod, 0,
                        G_N_ELEMENTS(exposed));
    tcase_add_test(tc, own_pipeline_fails_in_the_check_words);
    tcase_add_test(tc, library_trust_anchor_alone_is_fine);
    tcase_add_test(tc, refused_plugin_fails);
    tcase_add_test(tc, missing_gstreamer_elements_fail_with_the_package);
    tcase_add_loop_test(tc, nearly_full_library_warns_full_fails, 0,
                        G_N_ELEMENTS(space_cases));
    tcase_add_test(tc, damaged_or_newer_queue_fails_naming_it);
    tcase_add_test(tc, usage_errors_exit_2);
    suite_add_tcase(s, tc);
    TCase *full = dk_test_full_disk_tcase();
    tcase_set_timeout(full, 120);
    tcase_add_test(full, full_tmpfs_library_fails);
    suite_add_tcase(s, full);
    return dk_test_run_suite(s);
}
