/* The dokpim command end to end, through the real binary: exit statuses,
 * messages, JSON, bad items set aside, -j independence, re-runs, and
 * interruption at any moment. */
#include <check.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dk_test.h"
#include <dokpim/plugin.h>

static char *dir, *event_path, *pipeline_path, *input_dir;

#define PIPELINE                                                               \
    "[pipeline]\nname=CLI test\nstages=in;t\n\n[in]\nplugin=ingest.file\n\n"   \
    "[t]\nplugin=test.options\ntarget=archive\n"                               \
    "caption={event.title} {date:%d %B %Y} #{seq:03}\n"                        \
    "output=out/{original.stem}_{seq:02}.txt\n"

static void setup(void)
{
    dir = dk_test_tmpdir("cli");
    const char *root = g_getenv("DOKPIM_TEST_PLUGINS");
    g_autofree char *env =
        g_strdup_printf("%s/good:%s", root, dk_test_plugin_dir());
    g_setenv("DOKPIM_PLUGIN_PATH", env, TRUE);
    g_setenv("DOKPIM_NO_BAR", "1", TRUE);
    event_path = g_build_filename(dir, "event.ini", NULL);
    dk_test_write(event_path,
                  "[event]\ntitle=Rapat Paripurna\ndate=2024-09-02\n"
                  "timezone=Asia/Makassar\nlanguage=id\n",
                  -1);
    pipeline_path = g_build_filename(dir, "p.conf", NULL);
    dk_test_write(pipeline_path, PIPELINE, -1);
    input_dir = g_build_filename(dir, "in", NULL);
    for (int i = 1; i <= 8; i++) {
        g_autofree char *name =
            g_strdup_printf("%s/sub%d/file%d.txt", input_dir, i % 2, i);
        g_autofree char *text = g_strdup_printf("content %d\n", i);
        dk_test_write(name, text, -1);
    }
}

static void teardown(void)
{
    g_free(dir);
    g_free(event_path);
    g_free(pipeline_path);
    g_free(input_dir);
    dk_test_cleanup_dirs();
}

static char *library(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

static int run(const char *lib, const char *jobs, const char *extra, char **out,
               char **err)
{
    const char *args[] = {"run",
                          pipeline_path,
                          "--event",
                          event_path,
                          "-o",
                          lib,
                          "-j",
                          jobs,
                          "--json",
                          extra ? extra : input_dir,
                          extra ? input_dir : NULL,
                          NULL};
    char *captured = NULL;
    int status = dk_test_dokpim(args, out, &captured);
    /* a failing run's stderr is the first thing to read when a test fails */
    if (status != 0 && (status != 1 || !err))
        fprintf(stderr, "dokpim run exited %d:\n%s\n", status, captured);
    if (err)
        *err = captured;
    else
        g_free(captured);
    return status;
}

static JsonObject *parse(const char *text, JsonParser **parser)
{
    *parser = json_parser_new();
    GError *error = NULL;
    ck_assert_msg(json_parser_load_from_data(*parser, text, -1, &error),
                  "bad JSON: %s", error ? error->message : "");
    return json_node_get_object(json_parser_get_root(*parser));
}

/* "path sha256" for every file under root, sorted, root stripped. */
static char *listing(const char *root)
{
    g_autofree char *cmd = g_strdup_printf(
        "cd '%s' && find . -type f ! -name .lock ! -path './items/*' "
        "! -path './sources/*' | sort | "
        "xargs sha256sum",
        root);
    char *out = NULL;
    ck_assert_int_eq(dk_test_sh(cmd, &out, NULL), 0);
    return out;
}

START_TEST(version_help_and_plugins)
{
    char *out = NULL, *err = NULL;
    const char *version[] = {"--version", NULL};
    ck_assert_int_eq(dk_test_dokpim(version, &out, NULL), 0);
    g_autofree char *abi = g_strdup_printf("plugin ABI %d", DK_ABI_VERSION);
    ck_assert_ptr_nonnull(strstr(out, abi));
    g_free(out);
    const char *list[] = {"plugins", NULL};
    ck_assert_int_eq(dk_test_dokpim(list, &out, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "ingest.file"));
    ck_assert_ptr_nonnull(strstr(out, "test.options"));
    g_free(out);
    const char *show[] = {"plugins", "test.options", NULL};
    ck_assert_int_eq(dk_test_dokpim(show, &out, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "integer, 1 to 10, default \"3\""));
    ck_assert_ptr_nonnull(strstr(out, "choice: fast|slow"));
    ck_assert_ptr_nonnull(strstr(out, "required"));
    g_free(out);
    const char *missing[] = {"plugins", "no.such", NULL};
    ck_assert_int_eq(dk_test_dokpim(missing, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "no plugin named 'no.such'"));
    g_free(err);
    const char *bogus[] = {"frobnicate", NULL};
    ck_assert_int_eq(dk_test_dokpim(bogus, NULL, NULL), 2);
    const char *run_help[] = {"run", "--help", NULL};
    ck_assert_int_eq(dk_test_dokpim(run_help, &out, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "--set"));
    g_free(out);
}
END_TEST

START_TEST(check_names_the_typo)
{
    g_autofree char *bad = g_build_filename(dir, "typo.conf", NULL);
    dk_test_write(bad,
                  "[pipeline]\nstages=in;t\n[in]\nplugin=ingest.file\n"
                  "[t]\nplugin=test.options\ntarget=x\ncuont=2\n",
                  -1);
    char *out = NULL, *err = NULL;
    const char *args[] = {"check", bad, "--event", event_path, NULL};
    ck_assert_int_eq(dk_test_dokpim(args, &out, &err), 2);
    ck_assert_msg(strstr(err, "typo.conf:8: [t] cuont: unknown option"),
                  "stderr: %s", err);
    g_free(out);
    g_free(err);
    const char *good[] = {"check", pipeline_path, "--event", event_path, NULL};
    ck_assert_int_eq(dk_test_dokpim(good, &out, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "OK"));
    g_free(out);
    const char *set_bad[] = {"check", pipeline_path, "--set", "t.count=0",
                             NULL};
    ck_assert_int_eq(dk_test_dokpim(set_bad, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "'0' is out of range"));
    g_free(err);
}
END_TEST

/* Every pipeline shipped in pipelines/ passes `dokpim check` with the
 * bundled sample event, with nothing said on stderr: a renamed option or
 * a typo there fails here, not on a crew's first run. The signed ones need
 * an office key, as a crew's do: a test key is given to their [sign]
 * stage (without one, check refuses them: see tests of sign.c2pa). */
START_TEST(shipped_pipelines_pass_check)
{
    g_autofree char *folder = dk_test_source_path("pipelines");
    g_autofree char *event =
        dk_test_source_path("assets/sample-event/event.ini");
    GDir *listing = g_dir_open(folder, 0, NULL);
    ck_assert_msg(listing != NULL, "cannot list %s", folder);
    int checked = 0;
    for (const char *name; (name = g_dir_read_name(listing)) != NULL;) {
        if (!g_str_has_suffix(name, ".conf"))
            continue;
        g_autofree char *conf = g_build_filename(folder, name, NULL);
        g_autofree char *ok = g_strdup_printf("%s: OK", conf);
        g_autofree char *text = dk_test_read(conf, NULL);
        g_autofree char *keys = NULL;
        if (text && strstr(text, "plugin=sign.c2pa")) {
            g_autofree char *ca =
                dk_test_source_path("tests/c2pa/make-test-ca.sh");
            g_autofree char *keydir = dk_test_tmpdir("cli-keys");
            g_free(dk_test_sh_ok("sh '%s' '%s' 2>&1", ca, keydir));
            keys = g_strdup_printf("sign.key-dir=%s", keydir);
        }
        const char *args[] = {
            "check", conf, "--event", event, keys ? "--set" : NULL, keys, NULL};
        g_autofree char *out = NULL, *err = NULL;
        int status = dk_test_dokpim(args, &out, &err);
        ck_assert_msg(status == 0 && out && g_str_has_prefix(out, ok) && err &&
                          !*err,
                      "%s: exit %d\nstdout: %s\nstderr: %s", name, status,
                      out ? out : "", err ? err : "");
        checked++;
    }
    g_dir_close(listing);
    ck_assert_msg(checked > 0, "no pipelines/*.conf in %s", folder);
}
END_TEST

/* What test.options' finish() writes once the batch is done. */
static char *finished_marker(const char *lib)
{
    return g_build_filename(lib, "derived", "t", "finished.txt", NULL);
}

START_TEST(bad_items_are_set_aside_and_the_batch_goes_on)
{
    g_autofree char *failing = g_build_filename(input_dir, "fail-me.txt", NULL);
    dk_test_write(failing, "x", 1);
    g_autofree char *missing = g_build_filename(dir, "not-there.jpg", NULL);
    g_autofree char *lib = library("lib");
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run(lib, "2", missing, &out, &err), 1);
    /* one line per bad file, naming it */
    g_autofree char *line1 = g_strdup_printf(
        "error: %s: t: refusing fail-me.txt on purpose", failing);
    g_autofree char *line2 =
        g_strdup_printf("error: %s: no such file or folder", missing);
    ck_assert_msg(strstr(err, line1), "stderr: %s", err);
    ck_assert_msg(strstr(err, line2), "stderr: %s", err);
    JsonParser *parser;
    JsonObject *root = parse(out, &parser);
    JsonObject *counts = json_object_get_object_member(root, "counts");
    ck_assert_int_eq(json_object_get_int_member(counts, "done"), 8);
    ck_assert_int_eq(json_object_get_int_member(counts, "failed"), 2);
    JsonArray *items = json_object_get_array_member(root, "items");
    ck_assert_int_eq(json_array_get_length(items), 10);
    for (guint i = 0; i < json_array_get_length(items); i++) {
        JsonObject *item = json_array_get_object_element(items, i);
        const char *status = json_object_get_string_member(item, "status");
        if (strcmp(status, "done") == 0) {
            JsonArray *d = json_object_get_array_member(item, "derivatives");
            ck_assert_int_eq(json_array_get_length(d), 1);
            const char *path = json_object_get_string_member(
                json_array_get_object_element(d, 0), "path");
            ck_assert(g_file_test(path, G_FILE_TEST_IS_REGULAR));
            const char *original =
                json_object_get_string_member(item, "original");
            struct stat st;
            ck_assert_int_eq(stat(original, &st), 0);
            ck_assert_int_eq(st.st_mode & 0222, 0); /* read-only */
        } else {
            ck_assert_str_eq(status, "failed");
            ck_assert(!json_object_get_null_member(item, "error"));
        }
    }
    ck_assert_int_eq(json_array_get_length(
                         json_object_get_array_member(root, "stage_errors")),
                     0);
    g_object_unref(parser);
    g_free(out);
    g_free(err);
    /* failed items do not keep the stages from finishing the batch */
    g_autofree char *finished = finished_marker(lib);
    ck_assert(g_file_test(finished, G_FILE_TEST_IS_REGULAR));
}
END_TEST

static JsonObject *item_of(JsonObject *root, const char *input)
{
    JsonArray *items = json_object_get_array_member(root, "items");
    for (guint i = 0; i < json_array_get_length(items); i++) {
        JsonObject *item = json_array_get_object_element(items, i);
        if (strcmp(json_object_get_string_member(item, "input"), input) == 0)
            return item;
    }
    ck_abort_msg("no item for %s", input);
    return NULL;
}

/* A stage that salvaged something leaves the item done, but says so on
 * stderr (one line per warning, naming file and stage), in --json and in
 * the manifest, so a re-run that skips the stage says it again. */
START_TEST(warnings_are_reported_kept_and_repeated)
{
    g_autofree char *warned = g_build_filename(input_dir, "warn-me.txt", NULL);
    dk_test_write(warned, "w", 1);
    g_autofree char *lib = library("lib");
    for (int pass = 0; pass < 2; pass++) {
        char *out = NULL, *err = NULL;
        ck_assert_int_eq(run(lib, "2", NULL, &out, &err), 0);
        g_autofree char *line = g_strdup_printf(
            "dokpim: warning: %s: t: salvaged warn-me.txt on purpose\n",
            warned);
        ck_assert_msg(strstr(err, line), "pass %d stderr: %s", pass, err);
        g_autofree char *line2 =
            g_strdup_printf("dokpim: warning: %s: t: second note\n", warned);
        ck_assert_msg(strstr(err, line2), "pass %d stderr: %s", pass, err);
        ck_assert_msg(strstr(err, "0 failed, 1 with warnings\n"), "%s", err);
        /* only the warned item warns */
        ck_assert_msg(!strstr(strstr(err, line2) + strlen(line2), "warning:"),
                      "%s", err);
        JsonParser *parser;
        JsonObject *root = parse(out, &parser);
        JsonObject *item = item_of(root, warned);
        ck_assert_str_eq(json_object_get_string_member(item, "status"),
                         pass ? "skipped" : "done");
        JsonArray *warnings = json_object_get_array_member(item, "warnings");
        ck_assert_int_eq(json_array_get_length(warnings), 2);
        JsonObject *first = json_array_get_object_element(warnings, 0);
        ck_assert_str_eq(json_object_get_string_member(first, "stage"), "t");
        ck_assert_str_eq(json_object_get_string_member(first, "message"),
                         "salvaged warn-me.txt on purpose");
        JsonObject *other = json_array_get_object_element(
            json_object_get_array_member(root, "items"), 0);
        if (other != item)
            ck_assert_int_eq(json_array_get_length(json_object_get_array_member(
                                 other, "warnings")),
                             0);
        g_object_unref(parser);
        g_free(out);
        g_free(err);
    }
}
END_TEST

/* A stage whose end-of-run work fails gets one error line naming it, a
 * mention in the summary and the JSON, and exit status 1, while every item
 * is still done. */
START_TEST(failed_finish_fails_the_run_and_names_the_stage)
{
    g_autofree char *lib = library("lib");
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run(lib, "2", "--set=t.fail-finish=true", &out, &err), 1);
    static const char line[] =
        "dokpim: error: stage [t] (test.options): refusing to finish on "
        "purpose\n";
    ck_assert_msg(strstr(err, line), "stderr: %s", err);
    ck_assert_msg(strstr(err, "0 failed, 1 stage failed"), "stderr: %s", err);
    JsonParser *parser;
    JsonObject *root = parse(out, &parser);
    JsonObject *counts = json_object_get_object_member(root, "counts");
    ck_assert_int_eq(json_object_get_int_member(counts, "done"), 8);
    JsonArray *errors = json_object_get_array_member(root, "stage_errors");
    ck_assert_int_eq(json_array_get_length(errors), 1);
    ck_assert_str_eq(json_array_get_string_element(errors, 0),
                     "stage [t] (test.options): refusing to finish on purpose");
    g_object_unref(parser);
    g_free(out);
    g_free(err);
    g_autofree char *finished = finished_marker(lib);
    ck_assert(!g_file_test(finished, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST(jobs_do_not_change_outputs)
{
    g_autofree char *one = library("j1");
    g_autofree char *four = library("j4");
    /* a duplicate pair: the first in input order must win every time */
    g_autofree char *dup = g_build_filename(input_dir, "zz-copy.txt", NULL);
    dk_test_write(dup, "content 1\n", -1);
    ck_assert_int_eq(run(one, "1", NULL, NULL, NULL), 0);
    ck_assert_int_eq(run(four, "4", NULL, NULL, NULL), 0);
    g_autofree char *a = listing(one);
    g_autofree char *b = listing(four);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "file1_05.txt"));
    ck_assert_ptr_null(strstr(a, "zz-copy"));
}
END_TEST

START_TEST(rerun_skips_done_work_and_redoes_changed_stages)
{
    g_autofree char *lib = library("lib");
    ck_assert_int_eq(run(lib, "2", NULL, NULL, NULL), 0);
    g_autofree char *before = listing(lib);
    char *out = NULL;
    ck_assert_int_eq(run(lib, "2", NULL, &out, NULL), 0);
    JsonParser *parser;
    JsonObject *counts =
        json_object_get_object_member(parse(out, &parser), "counts");
    ck_assert_int_eq(json_object_get_int_member(counts, "skipped"), 8);
    ck_assert_int_eq(json_object_get_int_member(counts, "done"), 0);
    g_object_unref(parser);
    g_free(out);
    g_autofree char *after = listing(lib);
    ck_assert_str_eq(before, after);
    /* a changed option redoes that stage, in place, under the same names */
    ck_assert_int_eq(run(lib, "2", "--set=t.label=changed", &out, NULL), 0);
    counts = json_object_get_object_member(parse(out, &parser), "counts");
    ck_assert_int_eq(json_object_get_int_member(counts, "done"), 8);
    g_object_unref(parser);
    g_free(out);
    g_autofree char *changed = listing(lib);
    ck_assert_str_ne(changed, after);
    g_autofree char *out_file =
        g_build_filename(lib, "derived", "t", "out", "file1_05.txt", NULL);
    gsize len;
    g_autofree char *text = dk_test_read(out_file, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "|changed|"));
    ck_assert_ptr_nonnull(strstr(text, "Rapat Paripurna 02 September 2024"));
    g_autofree char *second =
        g_build_filename(lib, "derived", "t", "out", "file1_05_2.txt", NULL);
    ck_assert(!g_file_test(second, G_FILE_TEST_EXISTS));
}
END_TEST

/* Items whose stage t the library records as done. */
static int items_done(const char *lib)
{
    g_autofree char *cmd = g_strdup_printf(
        "grep -l '^\\[stage:t\\]' '%s'/items/*.ini 2>/dev/null | wc -l", lib);
    char *out = NULL;
    dk_test_sh(cmd, &out, NULL);
    int n = out ? atoi(out) : 0;
    g_free(out);
    return n;
}

/* Starts a slow run and interrupts it with sig: after delay_ms, or, with
 * done_items > 0, once that many items are done (a fixed delay misses
 * them on a loaded machine), then delay_ms more. Returns the exit status
 * (or -signal). */
static int interrupted_run(const char *lib, int sig, int delay_ms,
                           int done_items)
{
    const char *argv[] = {dk_test_bin(),
                          "run",
                          pipeline_path,
                          "--event",
                          event_path,
                          "-o",
                          lib,
                          "-j",
                          "2",
                          "--set",
                          "t.delay-ms=400",
                          input_dir,
                          NULL};
    GPid pid = dk_test_spawn(argv);
    for (int i = 0; i < 600 && items_done(lib) < done_items; i++)
        g_usleep(50000);
    g_usleep(delay_ms * 1000);
    return dk_test_reap(pid, sig);
}

static void assert_no_temp_files(const char *lib)
{
    g_autofree char *cmd =
        g_strdup_printf("find '%s' -name '*.dk-tmp-*' | wc -l", lib);
    char *out = NULL;
    ck_assert_int_eq(dk_test_sh(cmd, &out, NULL), 0);
    ck_assert_int_eq(atoi(out), 0);
    g_free(out);
}

START_TEST(killed_run_leaves_whole_files_and_rerun_finishes)
{
    g_autofree char *lib = library("lib");
    g_autofree char *reference = library("reference");
    ck_assert_int_eq(run(reference, "2", "--set=t.delay-ms=400", NULL, NULL),
                     0);
    ck_assert_int_eq(interrupted_run(lib, SIGKILL, 100, 1), -SIGKILL);
    /* every output present is complete: compare with the reference run */
    g_autofree char *cmd = g_strdup_printf(
        "cd '%s/derived' && find . -type f ! -name '.*' | while read f; do "
        "cmp -s \"$f\" '%s/derived/'\"$f\" || echo \"$f\"; done",
        lib, reference);
    char *out = NULL;
    ck_assert_int_eq(dk_test_sh(cmd, &out, NULL), 0);
    ck_assert_msg(*out == '\0', "half-written or wrong outputs: %s", out);
    g_free(out);
    char *json = NULL;
    /* same settings as the killed run, so its finished items count */
    ck_assert_int_eq(run(lib, "2", "--set=t.delay-ms=400", &json, NULL), 0);
    assert_no_temp_files(lib);
    JsonParser *parser;
    JsonObject *counts =
        json_object_get_object_member(parse(json, &parser), "counts");
    ck_assert_int_eq(json_object_get_int_member(counts, "failed"), 0);
    ck_assert_int_gt(json_object_get_int_member(counts, "skipped"), 0);
    ck_assert_int_gt(json_object_get_int_member(counts, "done"), 0);
    g_object_unref(parser);
    g_free(json);
    g_autofree char *a = listing(lib);
    g_autofree char *b = listing(reference);
    ck_assert_str_eq(a, b);
}
END_TEST

/* A kill between an output's rename and the manifest save leaves a whole
 * file that no manifest names yet; the re-run must write it again under
 * the same name, not beside it as NAME_2 (found by tests/crash). Each row
 * is one way the record of finished work can be missing. */
static const struct lost_record {
    const char *what;
    const char *shell; /* run in the library folder */
} lost_records[] = {
    {"manifest never written", "rm items/*.ini"},
    {"stage not recorded yet",
     "for m in items/*.ini; do sed -i '/^\\[stage:t\\]/,$d' \"$m\"; done"},
};

START_TEST(output_left_unrecorded_keeps_its_name)
{
    const struct lost_record *row = &lost_records[_i];
    g_autofree char *lib = library("lib");
    ck_assert_int_eq(run(lib, "2", NULL, NULL, NULL), 0);
    g_autofree char *before = listing(lib);
    g_autofree char *cmd = g_strdup_printf("cd '%s' && %s", lib, row->shell);
    ck_assert_int_eq(dk_test_sh(cmd, NULL, NULL), 0);
    ck_assert_int_eq(run(lib, "2", NULL, NULL, NULL), 0);
    g_autofree char *after = listing(lib);
    if (strcmp(before, after) != 0)
        fprintf(stderr, "%s: before\n%s\nafter\n%s", row->what, before, after);
    ck_assert_msg(
        strcmp(before, after) == 0, "%s: outputs changed (%s)", row->what,
        strstr(after, "_2.txt") ? "NAME_2 beside them" : "see stderr");
}
END_TEST

START_TEST(ctrl_c_stops_cleanly_with_status_130)
{
    g_autofree char *lib = library("lib");
    ck_assert_int_eq(interrupted_run(lib, SIGINT, 600, 0), 130);
    assert_no_temp_files(lib);
    /* a stopped batch is not finished */
    g_autofree char *finished = finished_marker(lib);
    ck_assert(!g_file_test(finished, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(run(lib, "2", "--set=t.delay-ms=400", NULL, NULL), 0);
    ck_assert(g_file_test(finished, G_FILE_TEST_IS_REGULAR));
}
END_TEST

START_TEST(inputs_stay_untouched_and_library_is_not_reingested)
{
    g_autofree char *before = listing(input_dir);
    g_autofree char *lib = g_build_filename(input_dir, "library", NULL);
    char *out = NULL;
    ck_assert_int_eq(run(lib, "2", NULL, &out, NULL), 0);
    JsonParser *parser;
    JsonObject *root = parse(out, &parser);
    ck_assert_int_eq(
        json_array_get_length(json_object_get_array_member(root, "items")), 8);
    g_object_unref(parser);
    g_free(out);
    g_autofree char *cmd =
        g_strdup_printf("cd '%s' && find . -path ./library -prune -o -type f "
                        "-print | sort | xargs sha256sum",
                        input_dir);
    char *after = NULL;
    ck_assert_int_eq(dk_test_sh(cmd, &after, NULL), 0);
    ck_assert_str_eq(before, after);
    g_free(after);
}
END_TEST

START_TEST(ingest_only_pipeline_counts_and_records_ingest)
{
    g_autofree char *conf = g_build_filename(dir, "ingest.conf", NULL);
    dk_test_write(conf, "[pipeline]\nstages=in\n[in]\nplugin=ingest.file\n",
                  -1);
    g_autofree char *lib = library("lib");
    for (int pass = 0; pass < 2; pass++) {
        const char *args[] = {"run", conf,     "--event", event_path, "-o",
                              lib,   "--json", input_dir, NULL};
        char *out = NULL;
        ck_assert_int_eq(dk_test_dokpim(args, &out, NULL), 0);
        JsonParser *parser;
        JsonObject *counts =
            json_object_get_object_member(parse(out, &parser), "counts");
        ck_assert_int_eq(json_object_get_int_member(counts, "done"),
                         pass == 0 ? 8 : 0);
        ck_assert_int_eq(json_object_get_int_member(counts, "skipped"),
                         pass == 0 ? 0 : 8);
        g_object_unref(parser);
        g_free(out);
    }
    /* what ingest learned is in the manifest, not lost */
    g_autofree char *cmd = g_strdup_printf(
        "grep -l 'meta.capture.source=s:file-time' '%s'/items/*.ini | wc -l",
        lib);
    char *out = NULL;
    ck_assert_int_eq(dk_test_sh(cmd, &out, NULL), 0);
    ck_assert_int_eq(atoi(out), 8);
    g_free(out);
}
END_TEST

/* An Indonesian title of 240 bytes, with multi-byte characters */
#define LONG_TITLE                                                             \
    "Rapat Paripurna DPRD Kabupaten Badung \xE2\x80\x94 Penyampaian "          \
    "Pemandangan Umum Fraksi-fraksi terhadap Ranperda Perubahan APBD Tahun "   \
    "Anggaran 2025 serta Penetapan Keputusan Dewan tentang Panitia Khusus "    \
    "Pengawasan \xE2\x80\x94 Mangupura, S\xC3\xA9nin"

/* root holds this many files, and every name in it leaves room in
 * NAME_MAX for a temporary name (15 bytes) and a number ("_9999"). */
static void assert_names_fit(const char *root, int files)
{
    g_autofree char *cmd = g_strdup_printf(
        "cd '%s' && find . -type f | wc -l && find . | "
        "LC_ALL=C awk -F/ '{ if (length($NF) + 15 + 5 > 255) print }'",
        root);
    char *out = NULL;
    ck_assert_int_eq(dk_test_sh(cmd, &out, NULL), 0);
    g_autofree char *expect = g_strdup_printf("%d\n", files);
    ck_assert_msg(strcmp(out, expect) == 0, "files and names too long: %s",
                  out);
    g_free(out);
}

START_TEST(long_titles_and_names_run_like_short_ones)
{
    dk_test_write(event_path,
                  "[event]\ntitle=" LONG_TITLE "\ndate=2024-09-02\n"
                  "place=Gedung DPRD\ncity=Mangupura\nlanguage=id\n",
                  -1);
    /* the title leaves no room for {seq}: the names collide and are
     * numbered, and "_8" must still fit with the temporary name */
    dk_test_write(pipeline_path,
                  "[pipeline]\nstages=in;t\n[in]\nplugin=ingest.file\n"
                  "[t]\nplugin=test.options\ntarget=x\n"
                  "output=out/{event.slug}/{event.title}_{seq:02}.txt\n",
                  -1);
    const char *check[] = {"check", pipeline_path, "--event", event_path, NULL};
    ck_assert_int_eq(dk_test_dokpim(check, NULL, NULL), 0);
    g_autofree char *lib = library("lib");
    char *out = NULL;
    ck_assert_int_eq(run(lib, "2", NULL, &out, NULL), 0);
    JsonParser *parser;
    JsonObject *counts =
        json_object_get_object_member(parse(out, &parser), "counts");
    ck_assert_int_eq(json_object_get_int_member(counts, "done"), 8);
    g_object_unref(parser);
    g_free(out);
    g_autofree char *outputs = g_build_filename(lib, "derived", "t", NULL);
    assert_names_fit(outputs, 8 + 1); /* + finish()'s finished.txt */

    /* pipelines/archive-batch.conf with a 240-byte input name */
    GString *name = g_string_new(NULL);
    while (name->len + 14 <= 236)
        g_string_append(name, "Pelantikan \xC3\xA9 ");
    while (name->len < 236)
        g_string_append_c(name, 'x');
    g_string_append(name, ".jpg");
    g_autofree char *long_input = g_build_filename(dir, name->str, NULL);
    g_string_free(name, TRUE);
    dk_test_write(long_input, "photo", -1);
    g_autofree char *archive =
        dk_test_source_path("pipelines/archive-batch.conf");
    const char *archive_check[] = {"check", archive, "--event", event_path,
                                   NULL};
    ck_assert_int_eq(dk_test_dokpim(archive_check, NULL, NULL), 0);
    g_autofree char *archive_lib = library("archive");
    const char *args[] = {"run",       archive,  "--event",  event_path, "-o",
                          archive_lib, "--json", long_input, NULL};
    char *err = NULL;
    int status = dk_test_dokpim(args, &out, &err);
    ck_assert_msg(status == 0, "exit %d: %s", status, err);
    g_free(out);
    g_free(err);
    g_autofree char *copies = g_build_filename(archive_lib, "derived", NULL);
    assert_names_fit(copies, 2); /* the copy and its .json */
}
END_TEST

/* The default library folder is named after the event: DATE_SLUG */
START_TEST(default_library_name_fits_a_long_title)
{
    dk_test_write(
        event_path,
        "[event]\ntitle=" LONG_TITLE " " LONG_TITLE "\ndate=2024-09-02\n", -1);
    g_autofree char *conf = g_build_filename(dir, "ingest.conf", NULL);
    dk_test_write(conf, "[pipeline]\nstages=in\n[in]\nplugin=ingest.file\n",
                  -1);
    g_autofree char *cmd = g_strdup_printf(
        "cd '%s' && '%s' run ingest.conf --event event.ini in >/dev/null && "
        "ls dokpim-library | LC_ALL=C awk '{ print length($0) }'",
        dir, dk_test_bin());
    char *out = NULL, *err = NULL;
    int status = dk_test_sh(cmd, &out, &err);
    ck_assert_msg(status == 0, "exit %d: %s", status, err);
    ck_assert_int_le(atoi(out), 255 - 15 - 5 - 8);
    ck_assert_int_ge(atoi(out), 200);
    g_free(out);
    g_free(err);
}
END_TEST

START_TEST(own_temp_files_are_skipped_with_a_note)
{
    g_autofree char *hidden =
        g_build_filename(input_dir, "sub0", ".file2.dk-tmp-Ab12Cd.txt", NULL);
    g_autofree char *plain =
        g_build_filename(input_dir, "sub1", "odd.dk-tmp-x.txt", NULL);
    dk_test_write(hidden, "half", -1);
    dk_test_write(plain, "half", -1);
    g_autofree char *lib = library("lib");
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run(lib, "2", NULL, &out, &err), 0);
    const char *skipped[] = {hidden, plain};
    for (int i = 0; i < 2; i++) {
        g_autofree char *line =
            g_strdup_printf("dokpim: skipped: %s: a temporary file of "
                            "dokpim's (an unfinished write), not an input\n",
                            skipped[i]);
        ck_assert_msg(strstr(err, line), "no '%s' in: %s", line, err);
    }
    JsonParser *parser;
    JsonObject *counts =
        json_object_get_object_member(parse(out, &parser), "counts");
    ck_assert_int_eq(json_object_get_int_member(counts, "done"), 8);
    g_object_unref(parser);
    g_free(out);
    g_free(err);
}
END_TEST

/* One line per problem: an option set to a wrong value is not judged again
 * by its default. */
START_TEST(check_reports_each_problem_once)
{
    g_autofree char *conf = g_build_filename(dir, "exif.conf", NULL);
    dk_test_write(conf,
                  "[pipeline]\nstages=in;st\n[in]\nplugin=ingest.photo\n"
                  "[st]\nplugin=stamp.exif\ncaption={event.leader}\n"
                  "artist={event.leader}\ncopyright=x\ncredit=x\ncity=x\n"
                  "location=x\nkeywords=x\noutput={date:}.jpg\n",
                  -1);
    const char *args[] = {"check", conf, "--event", event_path, NULL};
    char *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, NULL, &err), 2);
    const char *keys[] = {"[st] caption:", "[st] artist:", "[st] output:"};
    for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
        int seen = 0;
        for (const char *p = err; (p = strstr(p, keys[i])); p++)
            seen++;
        ck_assert_msg(seen == 1, "'%s' %d times in: %s", keys[i], seen, err);
    }
    gchar **lines = g_strsplit(err, "\n", -1);
    ck_assert_uint_eq(g_strv_length(lines), 3 + 1);
    g_strfreev(lines);
    g_free(err);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
    char *err = NULL;
    const char *no_event[] = {"run", pipeline_path, input_dir, NULL};
    ck_assert_int_eq(dk_test_dokpim(no_event, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "--event"));
    g_free(err);
    const char *bad_event[] = {"run",         pipeline_path, "--event",
                               pipeline_path, input_dir,     NULL};
    ck_assert_int_eq(dk_test_dokpim(bad_event, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "unknown group [pipeline]"));
    g_free(err);
    const char *bad_jobs[] = {"run", pipeline_path, "--event", event_path,
                              "-j",  "many",        input_dir, NULL};
    ck_assert_int_eq(dk_test_dokpim(bad_jobs, NULL, NULL), 2);
}
END_TEST

START_TEST(probe_reports_hash_and_capture)
{
    g_autofree char *file =
        g_build_filename(dir, "IMG_20240902_141122.bin", NULL);
    dk_test_write(file, "abc", 3);
    char *out = NULL;
    const char *args[] = {"probe", "--json", "--event", event_path, file, NULL};
    ck_assert_int_eq(dk_test_dokpim(args, &out, NULL), 0);
    JsonParser *parser;
    JsonObject *root = parse(out, &parser);
    JsonObject *f = json_object_get_object_member(root, "file");
    ck_assert_str_eq(json_object_get_string_member(f, "sha256"),
                     "ba7816bf8f01cfea414140de5dae2223"
                     "b00361a396177a9cb410ff61f20015ad");
    ck_assert_int_eq(json_object_get_int_member(f, "size"), 3);
    JsonObject *capture = json_object_get_object_member(root, "capture");
    ck_assert_str_eq(json_object_get_string_member(capture, "source"),
                     "filename");
    ck_assert(g_str_has_prefix(json_object_get_string_member(capture, "time"),
                               "2024-09-02T14:11:22+08"));
    g_object_unref(parser);
    g_free(out);
    const char *missing[] = {"probe", "/no/such/file", NULL};
    char *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(missing, NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "/no/such/file: no such file"));
    g_free(err);
}
END_TEST

/* Lines split on '\n'; the last (empty) piece dropped. */
static gchar **lines_of(const char *text)
{
    gchar **lines = g_strsplit(text, "\n", -1);
    guint n = g_strv_length(lines);
    if (n && !*lines[n - 1]) {
        g_free(lines[n - 1]);
        lines[n - 1] = NULL;
    }
    return lines;
}

static int count_lines(gchar **lines, const char *line)
{
    int count = 0;
    for (int i = 0; lines[i]; i++)
        count += strcmp(lines[i], line) == 0;
    return count;
}

/* Nothing a terminal acts on: valid UTF-8, no control character but the
 * newlines ending the lines. */
static void assert_terminal_safe(const char *text)
{
    ck_assert_msg(g_utf8_validate(text, -1, NULL), "not UTF-8: %s", text);
    for (const char *p = text; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        ck_assert_msg(c == '\n' || !(c < 0x20 || (c >= 0x7f && c <= 0x9f)),
                      "control U+%04X in: %s", c, text);
    }
}

/* Names from cards, phones and unzipped archives, and how a message shows
 * them: escaped C-style, so one problem is one line and nothing reaches
 * the terminal as a command. */
static const struct {
    const char *name, *shown;
} odd_names[] = {
    {"fail-new\nline.txt", "fail-new\\nline.txt"},
    {"fail-esc\x1b[31mred.txt", "fail-esc\\x1b[31mred.txt"},
    {"fail-cr\rret.txt", "fail-cr\\rret.txt"},
    {"fail-tab\tname.txt", "fail-tab\\tname.txt"},
    {"fail-caf\xe9.txt", "fail-caf\\xe9.txt"},
    {"fail-c1\xc2\x9b"
     "2J.txt",
     "fail-c1\\xc2\\x9b2J.txt"},
    {"fail-del\x7f.txt", "fail-del\\x7f.txt"},
    {"fail-back\\slash.txt", "fail-back\\\\slash.txt"},
    {"fail-caf\xc3\xa9.txt", "fail-caf\xc3\xa9.txt"}, /* valid UTF-8 stays */
};

START_TEST(odd_names_get_one_escaped_line_each)
{
    g_autofree char *in = g_build_filename(dir, "odd", NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(odd_names); i++) {
        g_autofree char *path = g_build_filename(in, odd_names[i].name, NULL);
        dk_test_write(path, odd_names[i].name, -1);
    }
    /* a warning, a progress line and a duplicate about odd names too */
    g_autofree char *warned = g_build_filename(in, "warn\n\x1b[2J.txt", NULL);
    dk_test_write(warned, "w", -1);
    g_autofree char *moving =
        g_build_filename(in, "progress\x1b]0;x\x07.txt", NULL);
    dk_test_write(moving, "p", -1);
    g_autofree char *first = g_build_filename(in, "a-first.txt", NULL);
    dk_test_write(first, "same", -1);
    g_autofree char *copy = g_build_filename(in, "dup\r\n.txt", NULL);
    dk_test_write(copy, "same", -1);
    g_autofree char *lib = library("lib");
    const char *args[] = {"run", pipeline_path, "--event", event_path,
                          "-o",  lib,           in,        NULL};
    char *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, NULL, &err), 1);
    assert_terminal_safe(err);
    g_auto(GStrv) lines = lines_of(err);
    for (size_t i = 0; i < G_N_ELEMENTS(odd_names); i++) {
        const char *shown = odd_names[i].shown;
        g_autofree char *error =
            g_strdup_printf("dokpim: error: %s/%s: t: refusing %s on purpose",
                            in, shown, shown);
        ck_assert_msg(count_lines(lines, error) == 1, "no line %s in:\n%s",
                      error, err);
        g_autofree char *done = g_strdup_printf(" failed %s", shown);
        int found = 0;
        for (int l = 0; lines[l]; l++)
            found += g_str_has_prefix(lines[l], "dokpim: [") &&
                     g_str_has_suffix(lines[l], done);
        ck_assert_msg(found == 1, "no [n/N] line for %s in:\n%s", shown, err);
    }
    g_autofree char *warning =
        g_strdup_printf("dokpim: warning: %s/warn\\n\\x1b[2J.txt: t: salvaged "
                        "warn\\n\\x1b[2J.txt on purpose",
                        in);
    ck_assert_msg(count_lines(lines, warning) == 1, "%s", err);
    ck_assert_msg(count_lines(lines, "dokpim: progress\\x1b]0;x\\x07.txt  50% "
                                     "halfway") == 1,
                  "%s", err);
    g_autofree char *duplicate =
        g_strdup_printf("dokpim: duplicate: %s/dup\\r\\n.txt: same content "
                        "as %s",
                        in, first);
    ck_assert_msg(count_lines(lines, duplicate) == 1, "%s", err);
    g_free(err);
    /* probe's text output and its errors alike */
    g_autofree char *missing = g_build_filename(in, "gone\n\x1b[31m", NULL);
    const char *probe[] = {"probe", moving, missing, NULL};
    char *out = NULL;
    ck_assert_int_eq(dk_test_dokpim(probe, &out, &err), 1);
    assert_terminal_safe(out);
    assert_terminal_safe(err);
    g_autofree char *heading =
        g_strdup_printf("%s/progress\\x1b]0;x\\x07.txt\n", in);
    ck_assert_msg(g_str_has_prefix(out, heading), "%s", out);
    g_autofree char *gone = g_strdup_printf(
        "dokpim: error: %s/gone\\n\\x1b[31m: no such file or folder\n", in);
    ck_assert_msg(strstr(err, gone), "%s", err);
    g_free(out);
    g_free(err);
}
END_TEST

/* Parses text strictly with Python's json (bytes decoded as strict UTF-8,
 * no control characters in strings) and prints, one hex line each, the
 * exact bytes of every item's `input` (run) or `path` (probe, queue). */
static char *python_recovered_paths(const char *json_text)
{
    static const char script[] =
        "import base64, json, sys\n"
        "doc = json.loads(sys.stdin.buffer.read().decode('utf-8'))\n"
        "items = doc['items'] if isinstance(doc, dict) else doc\n"
        "if isinstance(items, dict): items = [items]\n"
        "for it in items:\n"
        "    key = 'input' if 'input' in it else 'path'\n"
        "    raw = base64.b64decode(it[key + '_bytes'], validate=True) \\\n"
        "        if key + '_bytes' in it else it[key].encode('utf-8')\n"
        "    print(raw.hex())\n";
    g_autofree char *doc = g_build_filename(dir, "doc.json", NULL);
    g_autofree char *py = g_build_filename(dir, "recover.py", NULL);
    dk_test_write(doc, json_text, -1);
    dk_test_write(py, script, -1);
    g_autofree char *cmd =
        g_strdup_printf("/usr/bin/python3 '%s' < '%s'", py, doc);
    char *out = NULL, *err = NULL;
    int status = dk_test_sh(cmd, &out, &err);
    ck_assert_msg(status == 0, "python rejects the JSON: %s\n%s", err,
                  json_text);
    g_free(err);
    return out;
}

static char *hex_of(const char *bytes)
{
    GString *hex = g_string_new(NULL);
    for (const unsigned char *p = (const unsigned char *)bytes; *p; p++)
        g_string_append_printf(hex, "%02x", *p);
    return g_string_free(hex, FALSE);
}

/* The bytes of a NAME_bytes member, as a string (g_free()). */
static char *member_bytes(JsonObject *o, const char *name)
{
    gsize len = 0;
    g_autofree guchar *raw =
        g_base64_decode(json_object_get_string_member(o, name), &len);
    return g_strndup((const char *)raw, len);
}

/* A member that may carry outside bytes: valid UTF-8 (U+FFFD for what is
 * not), and NAME_bytes (base64) with the exact bytes when it differs. */
static void assert_text_member(JsonObject *o, const char *name, const char *raw)
{
    const char *text = json_object_get_string_member(o, name);
    ck_assert_msg(text && g_utf8_validate(text, -1, NULL), "%s", name);
    g_autofree char *bytes_name = g_strconcat(name, "_bytes", NULL);
    bool valid = g_utf8_validate(raw, -1, NULL);
    ck_assert_msg(json_object_has_member(o, bytes_name) == !valid, "%s",
                  bytes_name);
    if (valid) {
        ck_assert_str_eq(text, raw);
        return;
    }
    g_autofree char *shown = g_utf8_make_valid(raw, -1);
    ck_assert_str_eq(text, shown);
    gsize len = 0;
    g_autofree guchar *decoded =
        g_base64_decode(json_object_get_string_member(o, bytes_name), &len);
    ck_assert_int_eq(len, strlen(raw));
    ck_assert(memcmp(decoded, raw, len) == 0);
}

/* Parses strictly twice (json-glib and Python), checks that every item's
 * path comes back byte for byte, returns the root. */
static JsonNode *parse_strict(const char *text, const char *const *paths,
                              size_t n)
{
    ck_assert_msg(g_utf8_validate(text, -1, NULL), "not UTF-8: %s", text);
    JsonParser *parser = json_parser_new_immutable();
    GError *error = NULL;
    ck_assert_msg(json_parser_load_from_data(parser, text, -1, &error),
                  "bad JSON: %s", error ? error->message : "");
    JsonNode *root = json_node_copy(json_parser_get_root(parser));
    g_object_unref(parser);
    g_autofree char *recovered = python_recovered_paths(text);
    GString *expected = g_string_new(NULL);
    for (size_t i = 0; i < n; i++) {
        g_autofree char *hex = hex_of(paths[i]);
        g_string_append_printf(expected, "%s\n", hex);
    }
    ck_assert_str_eq(recovered, expected->str);
    g_string_free(expected, TRUE);
    return root;
}

START_TEST(json_is_strict_utf8_and_keeps_the_raw_bytes)
{
    g_autofree char *in = g_build_filename(dir, "odd", NULL);
    /* in input order (sorted bytes) */
    static const char *const names[] = {
        "a-plain.txt",
        "caf\xe9.txt", /* Latin-1, from an old camera's card */
        "fail-caf\xe9.txt",
        "warn-caf\xe9.txt",
        "\xff\xfe\x80 random.txt", /* no encoding at all */
    };
    const char *paths[G_N_ELEMENTS(names)];
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *path = g_build_filename(in, names[i], NULL);
        dk_test_write(path, names[i], -1);
        paths[i] = path;
    }
    /* the library's own path carries the bytes into original and outputs */
    g_autofree char *lib = library("lib\xe9");
    const char *args[] = {
        "run",      pipeline_path, "--event",
        event_path, "-o",          lib,
        "--json",   "--set",       "t.output=out/{seq:02}.txt",
        in,         NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, &out, &err), 1);
    JsonNode *node = parse_strict(out, paths, G_N_ELEMENTS(paths));
    JsonObject *root = json_node_get_object(node);
    assert_text_member(root, "library", lib);
    JsonArray *items = json_object_get_array_member(root, "items");
    ck_assert_int_eq(json_array_get_length(items), G_N_ELEMENTS(names));
    for (guint i = 0; i < json_array_get_length(items); i++) {
        JsonObject *item = json_array_get_object_element(items, i);
        assert_text_member(item, "input", paths[i]);
        if (g_str_has_prefix(names[i], "fail")) {
            g_autofree char *message =
                g_strdup_printf("refusing %s on purpose", names[i]);
            assert_text_member(item, "error", message);
            continue;
        }
        ck_assert_str_eq(json_object_get_string_member(item, "status"), "done");
        const char *shown = json_object_get_string_member(item, "original");
        g_autofree char *raw = member_bytes(item, "original_bytes");
        ck_assert_msg(g_str_has_prefix(raw, lib), "%s", raw);
        ck_assert(g_file_test(raw, G_FILE_TEST_IS_REGULAR));
        ck_assert(g_utf8_validate(shown, -1, NULL));
        JsonObject *d = json_array_get_object_element(
            json_object_get_array_member(item, "derivatives"), 0);
        g_autofree char *derived =
            g_strdup_printf("%s/derived/t/out/%02u.txt", lib, i + 1);
        assert_text_member(d, "path", derived);
        if (g_str_has_prefix(names[i], "warn")) {
            JsonObject *w = json_array_get_object_element(
                json_object_get_array_member(item, "warnings"), 0);
            g_autofree char *message =
                g_strdup_printf("salvaged %s on purpose", names[i]);
            assert_text_member(w, "message", message);
        }
    }
    json_node_unref(node);
    g_free(out);
    g_free(err);
    /* probe: one object per file */
    const char *probed[] = {paths[1], paths[4]};
    const char *probe[] = {"probe", "--json", probed[0], probed[1], NULL};
    ck_assert_int_eq(dk_test_dokpim(probe, &out, NULL), 0);
    node = parse_strict(out, probed, 2);
    for (guint i = 0; i < 2; i++)
        assert_text_member(
            json_array_get_object_element(json_node_get_array(node), i), "path",
            probed[i]);
    json_node_unref(node);
    g_free(out);
    /* the upload queue names the library's files */
    g_autofree char *conf = g_build_filename(dir, "upload.conf", NULL);
    dk_test_write(conf,
                  "[pipeline]\nstages=in;dav\n[in]\nplugin=ingest.file\n"
                  "[dav]\nplugin=upload.webdav\nurl=http://127.0.0.1:9/d/\n"
                  "remote-path={seq}.txt\n",
                  -1);
    const char *queue_run[] = {"run", conf, "--event", event_path,
                               "-o",  lib,  paths[1],  NULL};
    ck_assert_int_eq(dk_test_dokpim(queue_run, NULL, NULL), 0);
    const char *list[] = {"queue", "list", "--json", "-o", lib, NULL};
    ck_assert_int_eq(dk_test_dokpim(list, &out, NULL), 0);
    ck_assert_msg(g_utf8_validate(out, -1, NULL), "not UTF-8: %s", out);
    JsonParser *parser = json_parser_new();
    ck_assert(json_parser_load_from_data(parser, out, -1, NULL));
    JsonObject *job = json_array_get_object_element(
        json_node_get_array(json_parser_get_root(parser)), 0);
    g_autofree char *job_path = member_bytes(job, "path_bytes");
    ck_assert(g_file_test(job_path, G_FILE_TEST_IS_REGULAR));
    const char *queued[] = {job_path};
    json_node_unref(parse_strict(out, queued, 1));
    g_object_unref(parser);
    g_free(out);
    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++)
        g_free((char *)paths[i]);
}
END_TEST

/* What a path is instead of a file, said the same by probe and run,
 * found without opening it (a FIFO or a device would block). */
static const struct {
    const char *name; /* under dir/specials; NULL: path is absolute */
    const char *path;
    const char *message;
    bool in_run; /* a folder given to run is searched, not an item */
} specials[] = {
    {"fifo", NULL, "is a FIFO (named pipe), not a file", true},
    {"folder", NULL, "is a folder", false},
    {NULL, "/dev/zero", "is a character device, not a file", true},
    {"loop-a", NULL, "symlink loop (too many levels of symbolic links)", true},
    {"dangling", NULL, "dangling symlink (its target does not exist)", true},
    {"missing", NULL, "no such file or folder", true},
    {"file/inside", NULL, "no such file (a part of the path is not a folder)",
     true},
    {"unreadable", NULL, "permission denied", true}, /* not as root */
};

START_TEST(probe_and_run_say_what_a_path_is)
{
    g_autofree char *root = g_build_filename(dir, "specials", NULL);
    g_autofree char *cmd = g_strdup_printf(
        "mkdir -p '%s/folder' && cd '%s' && mkfifo fifo && "
        "ln -s loop-b loop-a && ln -s loop-a loop-b && "
        "ln -s not-there dangling && echo x > file && echo y > unreadable && "
        "chmod 000 unreadable",
        root, root);
    ck_assert_int_eq(dk_test_sh(cmd, NULL, NULL), 0);
    bool root_user = geteuid() == 0; /* reads anything: skip that row */
    GPtrArray *run_args = g_ptr_array_new();
    const char *head[] = {"run", pipeline_path, "--event", event_path, "-o"};
    for (size_t i = 0; i < G_N_ELEMENTS(head); i++)
        g_ptr_array_add(run_args, (char *)head[i]);
    g_autofree char *lib = library("lib");
    g_ptr_array_add(run_args, lib);
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < G_N_ELEMENTS(specials); i++) {
        char *path = specials[i].name
                         ? g_build_filename(root, specials[i].name, NULL)
                         : g_strdup(specials[i].path);
        g_ptr_array_add(paths, path);
        if (root_user && strcmp(specials[i].message, "permission denied") == 0)
            continue;
        const char *probe[] = {"probe", path, NULL};
        char *err = NULL;
        ck_assert_int_eq(dk_test_dokpim(probe, NULL, &err), 1);
        g_autofree char *line = g_strdup_printf("dokpim: error: %s: %s\n", path,
                                                specials[i].message);
        ck_assert_msg(strcmp(err, line) == 0, "probe %s said: %s", path, err);
        g_free(err);
        if (specials[i].in_run)
            g_ptr_array_add(run_args, path);
    }
    g_ptr_array_add(run_args, NULL);
    char *err = NULL;
    ck_assert_int_eq(
        dk_test_dokpim((const char *const *)run_args->pdata, NULL, &err), 1);
    for (size_t i = 0; i < G_N_ELEMENTS(specials); i++) {
        if (!specials[i].in_run ||
            (root_user &&
             strcmp(specials[i].message, "permission denied") == 0))
            continue;
        g_autofree char *line =
            g_strdup_printf("dokpim: error: %s: %s\n", (char *)paths->pdata[i],
                            specials[i].message);
        ck_assert_msg(strstr(err, line), "no %s in: %s", line, err);
    }
    g_free(err);
    g_ptr_array_free(run_args, TRUE);
    g_ptr_array_free(paths, TRUE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("binary");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, version_help_and_plugins);
    tcase_add_test(tc, check_names_the_typo);
    tcase_add_test(tc, shipped_pipelines_pass_check);
    tcase_add_test(tc, bad_items_are_set_aside_and_the_batch_goes_on);
    tcase_add_test(tc, warnings_are_reported_kept_and_repeated);
    tcase_add_test(tc, failed_finish_fails_the_run_and_names_the_stage);
    tcase_add_test(tc, jobs_do_not_change_outputs);
    tcase_add_test(tc, rerun_skips_done_work_and_redoes_changed_stages);
    tcase_add_test(tc, killed_run_leaves_whole_files_and_rerun_finishes);
    tcase_add_loop_test(tc, output_left_unrecorded_keeps_its_name, 0,
                        G_N_ELEMENTS(lost_records));
    tcase_add_test(tc, ctrl_c_stops_cleanly_with_status_130);
    tcase_add_test(tc, inputs_stay_untouched_and_library_is_not_reingested);
    tcase_add_test(tc, ingest_only_pipeline_counts_and_records_ingest);
    tcase_add_test(tc, long_titles_and_names_run_like_short_ones);
    tcase_add_test(tc, default_library_name_fits_a_long_title);
    tcase_add_test(tc, own_temp_files_are_skipped_with_a_note);
    tcase_add_test(tc, check_reports_each_problem_once);
    tcase_add_test(tc, usage_errors_exit_2);
    tcase_add_test(tc, probe_reports_hash_and_capture);
    tcase_add_test(tc, odd_names_get_one_escaped_line_each);
    tcase_add_test(tc, json_is_strict_utf8_and_keeps_the_raw_bytes);
    tcase_add_test(tc, probe_and_run_say_what_a_path_is);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
