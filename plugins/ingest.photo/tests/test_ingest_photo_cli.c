/* ingest.photo through the real `dokpim` binary: `probe --json` shows what
 * ingest learned, and `run` on the whole mixed corpus brings every valid
 * photo into the library (and the backup folder) while each broken file
 * gets exactly one stderr line naming it, and the exit status is 1. */
#include <check.h>
#include <dokpim/error.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "dk_test.h"
#include "photo_corpus.h"

static char *test_root; /* removed at the end; holds corpus and scratch */
static char *corpus;
static char *event_path;

static char *corpus_path(const char *file)
{
    return g_build_filename(corpus, file, NULL);
}

static JsonNode *parse_json(const char *text)
{
    JsonParser *parser = json_parser_new();
    GError *error = NULL;
    ck_assert_msg(json_parser_load_from_data(parser, text, -1, &error),
                  "not JSON: %s", text);
    JsonNode *root = json_node_copy(json_parser_get_root(parser));
    g_object_unref(parser);
    return root;
}

/* ---- probe ---- */

START_TEST(test_probe_json)
{
    char *path = corpus_path("exif-full.jpg");
    const char *args[] = {"probe", "--json", "--event", event_path, path, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, &out, &err), 0);
    JsonNode *root = parse_json(out);
    JsonObject *o = json_node_get_object(root);
    ck_assert_str_eq(json_object_get_string_member(o, "plugin"),
                     "ingest.photo");
    JsonObject *capture = json_object_get_object_member(o, "capture");
    /* exiftool wrote 14:11:22.25 at +07:00 into this file */
    ck_assert_str_eq(json_object_get_string_member(capture, "time"),
                     "2024-09-02T14:11:22.25+07:00");
    ck_assert_str_eq(json_object_get_string_member(capture, "source"), "exif");
    JsonObject *image = json_object_get_object_member(o, "image");
    JsonObject *display = json_object_get_object_member(o, "display");
    ck_assert_int_eq(json_object_get_int_member(image, "orientation"), 6);
    ck_assert_int_eq(json_object_get_int_member(image, "width"), 320);
    ck_assert_int_eq(json_object_get_int_member(display, "width"), 240);
    JsonObject *camera = json_object_get_object_member(o, "camera");
    ck_assert_str_eq(json_object_get_string_member(camera, "model"),
                     "Canon EOS R6");
    JsonObject *gps = json_object_get_object_member(o, "gps");
    ck_assert(json_object_get_double_member(gps, "latitude") < -8.58);
    json_node_unref(root);
    g_free(out);
    g_free(err);
    g_free(path);
}
END_TEST

/* Without EXIF, the file name gives the time and says so. */
START_TEST(test_probe_filename_source)
{
    char *path = corpus_path("PXL_20240902_061122123.jpg");
    const char *args[] = {"probe", "--json", "--event", event_path, path, NULL};
    char *out = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, &out, NULL), 0);
    JsonNode *root = parse_json(out);
    JsonObject *capture =
        json_object_get_object_member(json_node_get_object(root), "capture");
    /* Pixel names are UTC; the event is in WITA (+08:00) */
    ck_assert_str_eq(json_object_get_string_member(capture, "time"),
                     "2024-09-02T14:11:22.123+08:00");
    ck_assert_str_eq(json_object_get_string_member(capture, "source"),
                     "filename");
    ck_assert(json_object_get_boolean_member(capture, "inferred"));
    json_node_unref(root);
    g_free(out);
    g_free(path);
}
END_TEST

START_TEST(test_probe_broken)
{
    char *path = corpus_path("png-renamed.jpg");
    const char *args[] = {"probe", path, NULL};
    char *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, NULL, &err), 1);
    ck_assert_msg(strstr(err, "png-renamed.jpg") &&
                      strstr(err, "not a JPEG (looks like PNG)"),
                  "stderr: %s", err);
    g_free(err);
    g_free(path);
}
END_TEST

/* ---- run on the mixed batch ---- */

static GHashTable *hashes_under(const char *dir)
{
    GHashTable *set =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    char *q = g_shell_quote(dir);
    char *cmd = g_strdup_printf("find %s -type f -exec sha256sum {} +", q);
    char *out = NULL;
    dk_test_sh(cmd, &out, NULL);
    char **lines = g_strsplit(out ? out : "", "\n", -1);
    for (char **l = lines; *l; l++)
        if (strlen(*l) > 64)
            g_hash_table_add(set, g_strndup(*l, 64));
    g_strfreev(lines);
    g_free(out);
    g_free(cmd);
    g_free(q);
    return set;
}

/* Error lines naming file as a whole path component ("x.jpg", not
 * "xx.jpg"). */
static int count_error_lines(const char *text, const char *file)
{
    int n = 0;
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (!g_str_has_prefix(*l, "dokpim: error: "))
            continue;
        const char *hit = strstr(*l, file);
        if (hit && hit[-1] == '/')
            n++;
    }
    g_strfreev(lines);
    return n;
}

/* Warning lines of the ingest stage naming file (a whole path component)
 * and containing text (NULL: any). */
static int count_warning_lines(const char *stderr_text, const char *file,
                               const char *text)
{
    int n = 0;
    char *needle = g_strdup_printf("/%s: ingest: ", file);
    char **lines = g_strsplit(stderr_text, "\n", -1);
    for (char **l = lines; *l; l++)
        if (g_str_has_prefix(*l, "dokpim: warning: ") && strstr(*l, needle) &&
            (!text || strstr(*l, text)))
            n++;
    g_strfreev(lines);
    g_free(needle);
    return n;
}

/* Warnings of one summary entry containing text (NULL: any). */
static int count_json_warnings(JsonObject *item, const char *text)
{
    JsonArray *warnings = json_object_get_array_member(item, "warnings");
    int n = 0;
    for (guint i = 0; warnings && i < json_array_get_length(warnings); i++) {
        JsonObject *w = json_array_get_object_element(warnings, i);
        if (!strcmp(json_object_get_string_member(w, "stage"), "ingest") &&
            (!text ||
             strstr(json_object_get_string_member(w, "message"), text)))
            n++;
    }
    return n;
}

/* The summary's entry for one input. */
static JsonObject *summary_item(JsonObject *summary, const char *input)
{
    JsonArray *items = json_object_get_array_member(summary, "items");
    for (guint i = 0; i < json_array_get_length(items); i++) {
        JsonObject *item = json_array_get_object_element(items, i);
        if (g_strcmp0(json_object_get_string_member(item, "input"), input) == 0)
            return item;
    }
    ck_abort_msg("%s is not in the summary", input);
    return NULL;
}

static char *write_pipeline(const char *dir, const char *backup)
{
    char *conf = g_build_filename(dir, "photos.conf", NULL);
    /* a second stage that uses the capture time, so every accepted photo
     * produces an output and the manifest records ingest's metadata */
    char *text = g_strdup_printf(
        "[pipeline]\nstages=ingest;caption\n\n"
        "[ingest]\nplugin=ingest.photo\n"
        "clock-offsets=Canon EOS R6=+00:05:30\nbackup-dir=%s\n\n"
        "[caption]\nplugin=example.caption\n"
        "caption={capture.time:%%Y-%%m-%%d %%H:%%M:%%S}\n",
        backup);
    dk_test_write(conf, text, -1);
    g_free(text);
    return conf;
}

static char *run_batch(const char *conf, const char *library, int *status,
                       char **err)
{
    GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
    const char *fixed[] = {"run",   conf, "--event", event_path, "-o",
                           library, "-j", "2",       "--json",   "--quiet"};
    for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
        g_ptr_array_add(args, g_strdup(fixed[i]));
    for (size_t i = 0; i < photo_case_count; i++)
        g_ptr_array_add(args, corpus_path(photo_cases[i].file));
    g_ptr_array_add(args, NULL);
    char *out = NULL;
    *status = dk_test_dokpim((const char *const *)args->pdata, &out, err);
    g_ptr_array_free(args, TRUE);
    return out;
}

START_TEST(test_run_mixed_batch)
{
    char *dir = photo_corpus_scratch(test_root, "run");
    char *library = g_build_filename(dir, "library", NULL);
    char *backup = g_build_filename(dir, "backup", NULL);
    char *conf = write_pipeline(dir, backup);
    int status = 0;
    char *err = NULL;
    char *out = run_batch(conf, library, &status, &err);
    ck_assert_msg(status == 1, "exit %d, stderr:\n%s", status, err);
    JsonNode *root = parse_json(out);
    JsonObject *summary = json_node_get_object(root);

    /* every valid photo is in the library and the backup, byte for byte,
     * and came out of the caption stage (or is a duplicate of one that
     * did); every broken one is named on exactly one error line */
    char *originals = g_build_filename(library, "originals", NULL);
    GHashTable *in_library = hashes_under(originals);
    GHashTable *in_backup = hashes_under(backup);
    int valid = 0, broken = 0;
    for (size_t i = 0; i < photo_case_count; i++) {
        const photo_case *c = &photo_cases[i];
        char *path = corpus_path(c->file);
        char *sha = dk_test_sha256(path);
        int lines = count_error_lines(err, c->file);
        JsonObject *entry = summary_item(summary, path);
        const char *state = json_object_get_string_member(entry, "status");
        if (c->code == 0) {
            valid++;
            ck_assert_msg(g_hash_table_contains(in_library, sha),
                          "%s is not in the library", c->file);
            ck_assert_msg(g_hash_table_contains(in_backup, sha),
                          "%s is not in the backup", c->file);
            ck_assert_msg(lines == 0, "valid %s named on stderr:\n%s", c->file,
                          err);
            ck_assert_msg(!strcmp(state, "done") || !strcmp(state, "duplicate"),
                          "%s: %s", c->file, state);
            /* what was salvaged or is implausible is said, on stderr and
             * in the summary; sound photos get no warning */
            int said = count_warning_lines(err, c->file, c->warning);
            int any = count_warning_lines(err, c->file, NULL);
            if (c->warning ? said != 1 : any != 0)
                fprintf(stderr, "stderr of the run:\n%s", err);
            ck_assert_msg(c->warning ? said == 1 : any == 0,
                          "%s: %d warning lines with \"%s\"", c->file,
                          c->warning ? said : any,
                          c->warning ? c->warning : "");
            ck_assert_int_eq(count_json_warnings(entry, c->warning),
                             c->warning ? 1 : 0);
        } else {
            broken++;
            ck_assert_msg(lines == 1, "%s named on %d error lines:\n%s",
                          c->file, lines, err);
            ck_assert_msg(!g_hash_table_contains(in_library, sha),
                          "broken %s was imported", c->file);
            ck_assert_str_eq(state, "failed");
        }
        g_free(sha);
        g_free(path);
    }
    ck_assert_int_ge(broken, 15);
    JsonObject *counts = json_object_get_object_member(summary, "counts");
    ck_assert_int_eq(json_object_get_int_member(counts, "failed"), broken);
    ck_assert_int_eq(json_object_get_int_member(counts, "done") +
                         json_object_get_int_member(counts, "duplicate"),
                     valid);

    /* the Canon's clock was 5 min 30 s slow: 14:11:22.25+07:00 in EXIF */
    char *canon = corpus_path("exif-full.jpg");
    JsonArray *outputs = json_object_get_array_member(
        summary_item(summary, canon), "derivatives");
    ck_assert_int_eq(json_array_get_length(outputs), 1);
    char *caption =
        dk_test_read(json_object_get_string_member(
                         json_array_get_object_element(outputs, 0), "path"),
                     NULL);
    /* ... 14:16:52+07:00 is 15:16:52 in the event's zone (WITA) */
    ck_assert_msg(caption && strstr(caption, "2024-09-02 15:16:52"),
                  "caption: %s", caption);
    char *sha = dk_test_sha256(canon);
    char *manifest_name = g_strdup_printf("%s.ini", sha);
    char *manifest = g_build_filename(library, "items", manifest_name, NULL);
    GKeyFile *kf = g_key_file_new();
    ck_assert_msg(g_key_file_load_from_file(kf, manifest, 0, NULL),
                  "no manifest %s", manifest);
    char *offset = g_key_file_get_string(kf, "stage:caption",
                                         "meta.capture.clock-offset", NULL);
    char *when =
        g_key_file_get_string(kf, "stage:caption", "meta.capture.time", NULL);
    ck_assert_str_eq(offset, "i:330");
    ck_assert_str_eq(when, "s:2024-09-02T14:16:52.25+07:00");

    /* the manifest keeps a salvage's warning for later runs */
    char *damaged = corpus_path("exif-offset-past-end.jpg");
    char *damaged_sha = dk_test_sha256(damaged);
    char *damaged_name = g_strdup_printf("%s.ini", damaged_sha);
    char *damaged_manifest =
        g_build_filename(library, "items", damaged_name, NULL);
    GKeyFile *dkf = g_key_file_new();
    ck_assert(g_key_file_load_from_file(dkf, damaged_manifest, 0, NULL));
    char *kept = g_key_file_get_string(dkf, "stage:ingest", "warning.0", NULL);
    ck_assert_msg(kept && strstr(kept, "(Make) points past the end"),
                  "manifest warning: %s", kept ? kept : "(none)");
    g_free(kept);
    g_key_file_free(dkf);
    g_free(damaged_manifest);
    g_free(damaged_name);
    g_free(damaged_sha);
    g_free(damaged);

    g_free(when);
    g_free(offset);
    g_key_file_free(kf);
    g_free(manifest);
    g_free(manifest_name);
    g_free(sha);
    g_free(caption);
    g_free(canon);
    g_hash_table_destroy(in_backup);
    g_hash_table_destroy(in_library);
    g_free(originals);
    json_node_unref(root);
    g_free(out);
    g_free(err);
    g_free(conf);
    g_free(backup);
    g_free(library);
    g_free(dir);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("ingest_photo_cli");
    TCase *tc = tcase_create("dokpim");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_probe_json);
    tcase_add_test(tc, test_probe_filename_source);
    tcase_add_test(tc, test_probe_broken);
    tcase_add_test(tc, test_run_mixed_batch);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    test_root = dk_test_tmpdir("photo-cli");
    corpus = g_build_filename(test_root, "corpus", NULL);
    photo_corpus_build(corpus);
    event_path = dk_test_source_path("assets/sample-event/event.ini");
    SRunner *runner = srunner_create(cli_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    dk_test_cleanup_dirs();
    return failed ? 1 : 0;
}
