/* Fixity, end to end through the real binary: derivative hashes recorded
 * in the item manifests, a changed original refused before a stage turns
 * it into derivatives, and `dokpim audit` naming every damaged file. The
 * library is made by the shipped archive pipeline (ingest.file copies the
 * original in, stamp.sidecar copies it to derived/ with a JSON sidecar
 * claiming its sha256): the case the user reported. */
#include <check.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dk_test.h"

static char *dir, *lib, *input_dir, *pipeline, *event;

static void setup(void)
{
    dir = dk_test_tmpdir("fixity");
    g_setenv("DOKPIM_PLUGIN_PATH", dk_test_plugin_dir(), TRUE);
    g_setenv("DOKPIM_NO_BAR", "1", TRUE);
    lib = g_build_filename(dir, "lib", NULL);
    input_dir = g_build_filename(dir, "in", NULL);
    pipeline = dk_test_source_path("pipelines/archive-batch.conf");
    event = dk_test_source_path("assets/sample-event/event.ini");
    for (int i = 1; i <= 3; i++) {
        g_autofree char *name =
            g_strdup_printf("%s/rekaman%d.bin", input_dir, i);
        g_autofree char *text = g_strnfill(20000 + i * 1000, (char)('a' + i));
        dk_test_write(name, text, -1);
    }
}

static void teardown(void)
{
    g_free(dir);
    g_free(lib);
    g_free(input_dir);
    g_free(pipeline);
    g_free(event);
    dk_test_cleanup_dirs();
}

/* `dokpim run` of the archive pipeline over the inputs; the event given,
 * or the sample one. */
static int run_archive(const char *event_path, char **err)
{
    const char *args[] = {
        "run",     pipeline, "--event", event_path ? event_path : event,
        "-o",      lib,      "-j",      "2",
        input_dir, NULL};
    return dk_test_dokpim(args, NULL, err);
}

static int audit(const char *extra, char **out)
{
    const char *args[] = {"audit", lib, extra, NULL};
    return dk_test_dokpim(args, out, NULL);
}

/* The sample event with another title: every stage after ingest redoes. */
static char *changed_event(void)
{
    char *path = g_build_filename(dir, "event2.ini", NULL);
    g_autofree char *text = dk_test_read(event, NULL);
    GString *s = g_string_new(text);
    g_string_replace(s, "title=Rapat Koordinasi", "title=Rapat Evaluasi", 1);
    dk_test_write(path, s->str, -1);
    g_string_free(s, TRUE);
    return path;
}

/* The library original of input n (1-based), by its content hash. */
static char *original_of(int n)
{
    g_autofree char *input = g_strdup_printf("%s/rekaman%d.bin", input_dir, n);
    g_autofree char *sha = dk_test_sha256(input);
    g_autofree char *prefix = g_strndup(sha, 2);
    g_autofree char *name = g_strdup_printf("%s.bin", sha);
    return g_build_filename(lib, "originals", prefix, name, NULL);
}

/* The sidecar stage's copy of input n. */
static char *copy_of(int n)
{
    return dk_test_sh_ok("find '%s/derived' -name '0000%d_rekaman%d.bin'", lib,
                         n, n);
}

/* Changes a file in place, as a disk error or a careless edit would. */
static void flip_byte(const char *path)
{
    g_free(
        dk_test_sh_ok("chmod u+w '%s' && /usr/bin/python3 -c 'import sys\n"
                      "f = open(sys.argv[1], \"r+b\"); n = len(f.read()) // 2\n"
                      "f.seek(n); b = f.read(1); f.seek(n)\n"
                      "f.write(bytes([b[0] ^ 1]))' '%s'",
                      path, path));
}

/* "sha256 path" of every file under derived/, sorted. */
static char *derived_listing(void)
{
    return dk_test_sh_ok("cd '%s' && find derived -type f | sort | "
                         "xargs sha256sum",
                         lib);
}

START_TEST(every_derivative_hash_is_recorded)
{
    ck_assert_int_eq(run_archive(NULL, NULL), 0);
    g_autofree char *input = g_strdup_printf("%s/rekaman1.bin", input_dir);
    g_autofree char *sha = dk_test_sha256(input);
    g_autofree char *ini = g_strdup_printf("%s/items/%s.ini", lib, sha);
    GKeyFile *kf = g_key_file_new();
    ck_assert(g_key_file_load_from_file(kf, ini, G_KEY_FILE_NONE, NULL));
    int count =
        g_key_file_get_integer(kf, "stage:sidecar", "derivatives", NULL);
    ck_assert_int_eq(count, 2);
    for (int i = 0; i < count; i++) {
        g_autofree char *pk = g_strdup_printf("path.%d", i);
        g_autofree char *hk = g_strdup_printf("sha256.%d", i);
        g_autofree char *sk = g_strdup_printf("size.%d", i);
        g_autofree char *rel =
            g_key_file_get_string(kf, "stage:sidecar", pk, NULL);
        g_autofree char *hash =
            g_key_file_get_string(kf, "stage:sidecar", hk, NULL);
        g_autofree char *path = g_build_filename(lib, rel, NULL);
        g_autofree char *actual = dk_test_sha256(path);
        ck_assert_msg(hash && strcmp(hash, actual) == 0,
                      "%s: recorded %s, is %s", rel, hash ? hash : "(none)",
                      actual);
        struct stat st;
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_int_eq(g_key_file_get_int64(kf, "stage:sidecar", sk, NULL),
                         st.st_size);
    }
    g_key_file_free(kf);
    /* a re-run restores them with the stages it skips, and says them */
    const char *args[] = {"run", pipeline, "--event", event, "-o",
                          lib,   "--json", input_dir, NULL};
    g_autofree char *out = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, &out, NULL), 0);
    JsonParser *parser = json_parser_new();
    ck_assert(json_parser_load_from_data(parser, out, -1, NULL));
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    JsonArray *items = json_object_get_array_member(root, "items");
    int said = 0;
    for (guint i = 0; i < json_array_get_length(items); i++) {
        JsonArray *derivatives = json_object_get_array_member(
            json_array_get_object_element(items, i), "derivatives");
        for (guint j = 0; j < json_array_get_length(derivatives); j++) {
            JsonObject *d = json_array_get_object_element(derivatives, j);
            g_autofree char *actual =
                dk_test_sha256(json_object_get_string_member(d, "path"));
            ck_assert_str_eq(json_object_get_string_member(d, "sha256"),
                             actual);
            said++;
        }
    }
    ck_assert_int_eq(said, 6);
    g_object_unref(parser);
}
END_TEST

START_TEST(clean_library_audits_clean)
{
    ck_assert_int_eq(run_archive(NULL, NULL), 0);
    g_autofree char *out = NULL;
    ck_assert_int_eq(audit(NULL, &out), 0);
    ck_assert_msg(strstr(out, "3 originals and 6 derivatives") &&
                      strstr(out, "all intact"),
                  "%s", out);
    g_autofree char *json = NULL;
    ck_assert_int_eq(audit("--json", &json), 0);
    JsonParser *parser = json_parser_new();
    ck_assert(json_parser_load_from_data(parser, json, -1, NULL));
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    ck_assert(json_object_get_boolean_member(root, "intact"));
    ck_assert_int_eq(
        json_array_get_length(json_object_get_array_member(root, "problems")),
        0);
    g_object_unref(parser);
}
END_TEST

/* One kind of damage per row: what audit must say about it. */
static const struct damage {
    const char *name;
    const char *kind;    /* JSON "kind" */
    const char *problem; /* JSON "problem" */
    const char *line;    /* start of the line that names the file */
} damages[] = {
    {"flipped byte in an original", "original", "changed",
     "original changed: "},
    {"truncated derivative", "derivative", "changed", "derivative changed: "},
    {"deleted original", "original", "missing", "original missing: "},
};

static char *damage(int row)
{
    char *path = row == 1 ? copy_of(2) : original_of(row == 0 ? 1 : 3);
    if (row == 0)
        flip_byte(path);
    else if (row == 1)
        ck_assert_int_eq(truncate(path, 1000), 0);
    else
        ck_assert_int_eq(remove(path), 0);
    return path;
}

START_TEST(each_damage_is_named_with_exit_1)
{
    ck_assert_int_eq(run_archive(NULL, NULL), 0);
    g_autofree char *path = damage(_i);
    g_autofree char *out = NULL;
    ck_assert_int_eq(audit(NULL, &out), 1);
    g_autofree char *line = g_strconcat(damages[_i].line, path, NULL);
    ck_assert_msg(strstr(out, line), "%s: no \"%s\" in:\n%s", damages[_i].name,
                  line, out);
    ck_assert_msg(strstr(out, "1 problem"), "%s", out);
    if (_i == 0) {
        g_autofree char *found = dk_test_sha256(path);
        g_autofree char *input = g_strdup_printf("%s/rekaman1.bin", input_dir);
        g_autofree char *expected = dk_test_sha256(input);
        g_autofree char *tail = g_strdup_printf(
            ": expected sha256 %s, found %s\n", expected, found);
        ck_assert_msg(strstr(out, tail), "%s", out);
    }
    if (_i == 1)
        ck_assert_msg(strstr(out, "found ") && strstr(out, "(1000 bytes)"),
                      "%s", out);
}
END_TEST

START_TEST(json_lists_every_problem)
{
    ck_assert_int_eq(run_archive(NULL, NULL), 0);
    char *paths[G_N_ELEMENTS(damages)];
    for (guint i = 0; i < G_N_ELEMENTS(damages); i++)
        paths[i] = damage((int)i);
    g_autofree char *json = NULL;
    ck_assert_int_eq(audit("--json", &json), 1);
    JsonParser *parser = json_parser_new();
    GError *error = NULL;
    ck_assert_msg(json_parser_load_from_data(parser, json, -1, &error),
                  "bad JSON: %s", error ? error->message : "");
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    ck_assert(!json_object_get_boolean_member(root, "intact"));
    JsonArray *problems = json_object_get_array_member(root, "problems");
    ck_assert_int_eq(json_array_get_length(problems), G_N_ELEMENTS(damages));
    for (guint i = 0; i < G_N_ELEMENTS(damages); i++) {
        bool seen = false;
        for (guint j = 0; j < json_array_get_length(problems); j++) {
            JsonObject *p = json_array_get_object_element(problems, j);
            seen |= strcmp(json_object_get_string_member(p, "path"),
                           paths[i]) == 0 &&
                    strcmp(json_object_get_string_member(p, "kind"),
                           damages[i].kind) == 0 &&
                    strcmp(json_object_get_string_member(p, "problem"),
                           damages[i].problem) == 0;
        }
        ck_assert_msg(seen, "%s not listed: %s", damages[i].name, json);
        g_free(paths[i]);
    }
    g_object_unref(parser);
}
END_TEST

/* An original's name ends in its source's extension, which may hold any
 * byte: the report still has one line per file, escaped. */
START_TEST(control_characters_in_names_are_escaped)
{
    g_autofree char *odd = g_build_filename(input_dir, "klip.a\nb\033", NULL);
    dk_test_write(odd, "odd name, odd extension\n", -1);
    ck_assert_int_eq(run_archive(NULL, NULL), 0);
    g_autofree char *sha = dk_test_sha256(odd);
    g_autofree char *prefix = g_strndup(sha, 2);
    g_autofree char *name = g_strdup_printf("%s.a\nb\033", sha);
    g_autofree char *original =
        g_build_filename(lib, "originals", prefix, name, NULL);
    ck_assert(g_file_test(original, G_FILE_TEST_IS_REGULAR));
    flip_byte(original);
    g_autofree char *out = NULL;
    ck_assert_int_eq(audit(NULL, &out), 1);
    g_autofree char *escaped = g_strdup_printf("%s.a\\nb\\x1b: expected", sha);
    ck_assert_msg(strstr(out, escaped), "no %s in:\n%s", escaped, out);
    ck_assert_ptr_null(strchr(out, '\033'));
    /* the problem line and the summary, nothing else */
    int lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 2);
}
END_TEST

/* The user's report: one byte appended to a library original, and a re-run
 * with a changed event (so the sidecar stage redoes) copied the altered
 * bytes into derived/ under a sidecar claiming the old sha256. */
START_TEST(changed_original_fails_its_item_and_nothing_is_rewritten)
{
    ck_assert_int_eq(run_archive(NULL, NULL), 0);
    g_autofree char *before = derived_listing();
    g_autofree char *original = original_of(1);
    g_autofree char *expected = g_strndup(strrchr(original, '/') + 1, 64);
    g_free(dk_test_sh_ok("chmod u+w '%s' && printf x >> '%s'", original,
                         original));
    g_autofree char *found = dk_test_sha256(original);
    g_autofree char *event2 = changed_event();
    g_autofree char *err = NULL;
    ck_assert_int_eq(run_archive(event2, &err), 1);
    g_autofree char *line = g_strdup_printf(
        "rekaman1.bin: sidecar: original changed since import: %s: expected "
        "sha256 %s, found %s\n",
        original, expected, found);
    ck_assert_msg(strstr(err, line), "no \"%s\" in:\n%s", line, err);
    ck_assert_msg(strstr(err, "2 done, 0 skipped, 0 duplicate, 1 failed"), "%s",
                  err);
    /* what was there is untouched, and nothing new holds the altered bytes:
     * the other two items did redo their stages under the new title */
    g_autofree char *after = derived_listing();
    GStrv old_lines = g_strsplit(before, "\n", -1);
    for (int i = 0; old_lines[i]; i++)
        ck_assert_msg(strstr(after, old_lines[i]), "%s was rewritten",
                      old_lines[i]);
    g_strfreev(old_lines);
    ck_assert_ptr_null(strstr(after, found));
    ck_assert_ptr_nonnull(strstr(after, "rapat-evaluasi"));
    g_autofree char *redone = dk_test_sh_ok(
        "cd '%s' && find derived -path '*rapat-evaluasi*' -name '*rekaman1*' | "
        "wc -l",
        lib);
    ck_assert_str_eq(redone, "0");
}
END_TEST

/* A stat that changed without the bytes (chmod, a hard link into a bag, a
 * library restored from a backup) costs one hash, not a failure; after it
 * the new stat is recorded and trusted. */
START_TEST(touched_but_intact_original_is_checked_and_used)
{
    ck_assert_int_eq(run_archive(NULL, NULL), 0);
    g_autofree char *original = original_of(1);
    g_autofree char *input = g_strdup_printf("%s/rekaman1.bin", input_dir);
    g_autofree char *sha = dk_test_sha256(input);
    g_autofree char *ini = g_strdup_printf("%s/items/%s.ini", lib, sha);
    g_autofree char *stat_before =
        dk_test_sh_ok("grep '^original-stat=' '%s'", ini);
    g_free(
        dk_test_sh_ok("chmod u+w '%s' && chmod a-w '%s'", original, original));
    g_autofree char *event2 = changed_event();
    g_autofree char *err = NULL;
    ck_assert_msg(run_archive(event2, &err) == 0, "%s", err);
    g_autofree char *stat_after =
        dk_test_sh_ok("grep '^original-stat=' '%s'", ini);
    ck_assert_str_ne(stat_before, stat_after);
    g_autofree char *copy = copy_of(1);
    ck_assert_ptr_nonnull(strstr(copy, "rapat-evaluasi"));
}
END_TEST

/* Manifests written before hashes were recorded: runs and audits go on. */
START_TEST(manifests_without_hashes_keep_working)
{
    ck_assert_int_eq(run_archive(NULL, NULL), 0);
    g_free(dk_test_sh_ok("sed -i '/^sha256\\.[0-9]*=/d; /^size\\.[0-9]*=/d; "
                         "/^original-stat=/d' '%s'/items/*.ini",
                         lib));
    g_autofree char *out = NULL;
    ck_assert_int_eq(audit(NULL, &out), 0);
    ck_assert_msg(strstr(out, "6 derivatives recorded without a sha256"), "%s",
                  out);
    g_autofree char *err = NULL;
    ck_assert_msg(run_archive(NULL, &err) == 0 &&
                      strstr(err, "0 done, 3 skipped"),
                  "%s", err);
    g_free(err);
    err = NULL;
    /* a redo hashes the original once (no stat to trust) and goes on */
    g_autofree char *event2 = changed_event();
    ck_assert_msg(run_archive(event2, &err) == 0, "%s", err);
    g_free(out);
    out = NULL;
    ck_assert_int_eq(audit(NULL, &out), 0);
    ck_assert_ptr_null(strstr(out, "without a sha256"));
}
END_TEST

/* A run changes the library while it works: audit refuses to read it
 * half-written rather than report what the run is in the middle of. */
START_TEST(library_in_use_is_not_audited)
{
    ck_assert_int_eq(run_archive(NULL, NULL), 0);
    g_autofree char *lock = g_build_filename(lib, ".lock", NULL);
    g_autofree char *held = g_build_filename(dir, "held", NULL);
    /* the shell holds the lock itself and becomes the sleep, so the
     * process the test ends is the one holding it */
    g_autofree char *script = g_strdup_printf(
        "exec 9<'%s' && flock -x 9 && touch '%s' && exec sleep 30", lock, held);
    const char *argv[] = {"sh", "-c", script, NULL};
    GPid pid = dk_test_spawn(argv);
    for (int i = 0; i < 500 && !g_file_test(held, G_FILE_TEST_EXISTS); i++)
        g_usleep(10000);
    ck_assert(g_file_test(held, G_FILE_TEST_EXISTS));
    g_autofree char *err = NULL;
    const char *args[] = {"audit", lib, NULL};
    int status = dk_test_dokpim(args, NULL, &err);
    dk_test_reap(pid, SIGTERM);
    ck_assert_int_eq(status, 2);
    ck_assert_msg(strstr(err, "is in use by another dokpim process"), "%s",
                  err);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
    const char *none[] = {"audit", NULL};
    ck_assert_int_eq(dk_test_dokpim(none, NULL, NULL), 2);
    const char *two[] = {"audit", dir, dir, NULL};
    ck_assert_int_eq(dk_test_dokpim(two, NULL, NULL), 2);
    const char *jobs[] = {"audit", "-j", "0", dir, NULL};
    ck_assert_int_eq(dk_test_dokpim(jobs, NULL, NULL), 2);
    const char *bogus[] = {"audit", "--frobnicate", dir, NULL};
    ck_assert_int_eq(dk_test_dokpim(bogus, NULL, NULL), 2);
    /* a folder that is not a library is not "all intact" */
    g_autofree char *err = NULL;
    const char *not_lib[] = {"audit", input_dir, NULL};
    ck_assert_int_eq(dk_test_dokpim(not_lib, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "is not a dokpim library"));
    g_autofree char *items = g_build_filename(input_dir, "items", NULL);
    ck_assert(!g_file_test(items, G_FILE_TEST_EXISTS));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fixity");
    TCase *tc = tcase_create("audit");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_derivative_hash_is_recorded);
    tcase_add_test(tc, clean_library_audits_clean);
    tcase_add_loop_test(tc, each_damage_is_named_with_exit_1, 0,
                        G_N_ELEMENTS(damages));
    tcase_add_test(tc, json_lists_every_problem);
    tcase_add_test(tc, control_characters_in_names_are_escaped);
    tcase_add_test(tc,
                   changed_original_fails_its_item_and_nothing_is_rewritten);
    tcase_add_test(tc, touched_but_intact_original_is_checked_and_used);
    tcase_add_test(tc, manifests_without_hashes_keep_working);
    tcase_add_test(tc, library_in_use_is_not_audited);
    tcase_add_test(tc, usage_errors_exit_2);
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
