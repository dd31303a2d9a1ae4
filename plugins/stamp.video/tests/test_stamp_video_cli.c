/* ingest.video + stamp.video through the real `dokpim run` on a mixed
 * batch: broken clips are set aside with one line each, good ones come
 * out with the event's tags (checked with ffprobe), capture times from the
 * container or the file name in the event's zone, the originals in the
 * library untouched, and a second run redoes nothing. */
#include <check.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test.h"
#include "dk_test_tools.h"
#include "video_corpus.h"

static char *corpus_dir;
static char *library;
static int run_status;
static char *run_stdout, *run_stderr;
static JsonParser *summary;

static const char *const batch[] = {
    "clip.mp4",      "phone-portrait.mp4", "VID-20240902-WA0003.mp4",
    "subtitles.mkv", "garbage.mp4",        "truncated.mp4",
    "empty.mp4",     "pcm-audio.avi",      "audio-only.mp4",
};

/* What each clip of the batch must become. */
static const struct {
    const char *file;
    const char *failed_stage; /* NULL: done */
    const char *error;
    const char *date;          /* the date tag */
    const char *creation_time; /* UTC, as the container stores it */
    const char *location;      /* NULL: none */
    const char *extension;     /* of the stamped copy; NULL: .mp4 */
} expect_rows[] = {
    {"clip.mp4", NULL, NULL, "2024-09-02", "2024-09-02T06:11:22.000000Z",
     "-08.5800+115.1800/"},
    {"phone-portrait.mp4", NULL, NULL, "2024-09-02",
     "2024-09-02T06:12:00.000000Z"},
    /* midnight in Makassar (+08:00) is 16:00 the day before in UTC */
    {"VID-20240902-WA0003.mp4", NULL, NULL, "2024-09-02",
     "2024-09-01T16:00:00.000000Z"},
    /* file-time capture (2023): the event's date, no creation time made */
    {"subtitles.mkv", NULL, NULL, VIDEO_CORPUS_DATE, NULL},
    {"garbage.mp4", "ingest", "not a recognised media container"},
    {"truncated.mp4", "ingest", "truncated: no index (moov)"},
    {"empty.mp4", "ingest", "empty file"},
    /* MP4 cannot carry its PCM sound: QuickTime, named .mov */
    {"pcm-audio.avi", NULL, NULL, VIDEO_CORPUS_DATE, NULL, NULL, ".mov"},
    {"audio-only.mp4", "ingest", "no video stream"},
};

static char *write_pipeline(void)
{
    char *path = g_build_filename(corpus_dir, "video.conf", NULL);
    const char *text = "[pipeline]\n"
                       "name=stamp clips\n"
                       "stages=ingest;stamp\n"
                       "\n[ingest]\nplugin=ingest.video\n"
                       "\n[stamp]\nplugin=stamp.video\n";
    dk_test_write(path, text, -1);
    return path;
}

static int run_batch(char **out, char **err)
{
    char *pipeline = write_pipeline();
    char *event = g_build_filename(corpus_dir, "event.ini", NULL);
    GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
    const char *fixed[] = {"run",   pipeline, "-e", event,   "-o",
                           library, "-j",     "2",  "--json"};
    for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
        g_ptr_array_add(args, g_strdup(fixed[i]));
    for (size_t i = 0; i < G_N_ELEMENTS(batch); i++)
        g_ptr_array_add(args, g_build_filename(corpus_dir, batch[i], NULL));
    g_ptr_array_add(args, NULL);
    int status = dk_test_dokpim((const char *const *)args->pdata, out, err);
    g_ptr_array_free(args, TRUE);
    g_free(event);
    g_free(pipeline);
    return status;
}

static JsonObject *item_for(JsonParser *parser, const char *file)
{
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    JsonArray *items = json_object_get_array_member(root, "items");
    for (guint i = 0; i < json_array_get_length(items); i++) {
        JsonObject *item = json_array_get_object_element(items, i);
        char *base =
            g_path_get_basename(json_object_get_string_member(item, "input"));
        bool match = strcmp(base, file) == 0;
        g_free(base);
        if (match)
            return item;
    }
    return NULL;
}

static const char *text_or_null(JsonObject *object, const char *name)
{
    JsonNode *node = json_object_get_member(object, name);
    return node && !json_node_is_null(node) ? json_node_get_string(node) : NULL;
}

static const char *stamped_path(JsonObject *item)
{
    JsonArray *derived = json_object_get_array_member(item, "derivatives");
    for (guint i = 0; i < json_array_get_length(derived); i++) {
        JsonObject *d = json_array_get_object_element(derived, i);
        if (g_strcmp0(text_or_null(d, "role"), "stamped") == 0)
            return text_or_null(d, "path");
    }
    return NULL;
}

/* The container's tags; json_object_unref(*probe) when done with them. */
static JsonObject *ffprobe_tags(JsonObject **probe, const char *path)
{
    *probe = dk_test_ffprobe_json(path, "-show_format");
    return json_object_get_object_member(
        json_object_get_object_member(*probe, "format"), "tags");
}

START_TEST(test_batch_row)
{
    ck_assert_int_eq(run_status, 1); /* some failed, none crashed */
    const char *file = expect_rows[_i].file;
    JsonObject *item = item_for(summary, file);
    ck_assert_msg(item != NULL, "%s not in the summary", file);
    if (expect_rows[_i].failed_stage) {
        ck_assert_str_eq(text_or_null(item, "status"), "failed");
        ck_assert_str_eq(text_or_null(item, "failed_stage"),
                         expect_rows[_i].failed_stage);
        ck_assert_msg(
            strstr(text_or_null(item, "error"), expect_rows[_i].error),
            "%s: %s", file, text_or_null(item, "error"));
        /* one line on stderr names the file and the reason */
        char *line =
            g_strdup_printf("%s: %s: ", file, expect_rows[_i].failed_stage);
        ck_assert_msg(strstr(run_stderr, line), "%s not in:\n%s", line,
                      run_stderr);
        g_free(line);
        return;
    }
    ck_assert_str_eq(text_or_null(item, "status"), "done");
    ck_assert_str_eq(text_or_null(item, "kind"), "video");
    const char *stamped = stamped_path(item);
    ck_assert_ptr_nonnull(stamped);
    ck_assert(g_str_has_prefix(stamped, library));
    char *name = g_path_get_basename(stamped);
    ck_assert(g_str_has_prefix(name, "20240902_rapat-paripurna-dprd_"));
    const char *extension = expect_rows[_i].extension;
    ck_assert_msg(g_str_has_suffix(name, extension ? extension : ".mp4"),
                  "%s: %s", file, name);
    g_free(name);

    /* the library's original is the source, byte for byte */
    char *source = g_build_filename(corpus_dir, file, NULL);
    char *source_hash = dk_test_sha256(source);
    char *original_hash = dk_test_sha256(text_or_null(item, "original"));
    ck_assert_str_eq(source_hash, original_hash);
    ck_assert_str_eq(source_hash, text_or_null(item, "sha256"));

    JsonObject *probe = NULL;
    JsonObject *tags = ffprobe_tags(&probe, stamped);
    ck_assert_str_eq(json_object_get_string_member(tags, "title"),
                     "Rapat Paripurna DPRD");
    ck_assert_str_eq(json_object_get_string_member(tags, "artist"),
                     "Tim Dokumentasi Prokopim");
    ck_assert_str_eq(json_object_get_string_member(tags, "comment"),
                     "Rapat Paripurna DPRD — Gedung DPRD, Tabanan, "
                     "02 September 2024");
    ck_assert_str_eq(json_object_get_string_member(tags, "copyright"),
                     "Pemerintah Kabupaten Tabanan");
    ck_assert_str_eq(json_object_get_string_member(tags, "grouping"),
                     "rapat-paripurna-dprd-20240902");
    ck_assert_str_eq(json_object_get_string_member(tags, "keywords"),
                     "dprd;paripurna");
    ck_assert_str_eq(json_object_get_string_member(tags, "date"),
                     expect_rows[_i].date);
    const char *created =
        json_object_has_member(tags, "creation_time")
            ? json_object_get_string_member(tags, "creation_time")
            : NULL;
    ck_assert_pstr_eq(created, expect_rows[_i].creation_time);
    const char *location = json_object_has_member(tags, "location")
                               ? json_object_get_string_member(tags, "location")
                               : NULL;
    ck_assert_pstr_eq(location, expect_rows[_i].location);
    json_object_unref(probe);
    g_free(original_hash);
    g_free(source_hash);
    g_free(source);
}
END_TEST

/* The SubRip track (MP4 cannot carry it) is dropped and the manifest
 * says so. */
START_TEST(test_dropped_note)
{
    JsonObject *item = item_for(summary, "subtitles.mkv");
    char *manifest = g_strdup_printf("%s/items/%s.ini", library,
                                     text_or_null(item, "sha256"));
    char *text = dk_test_read(manifest, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(strstr(text, "stamp.dropped") &&
                      strstr(text, "stream 1 (subtitle, subrip)"),
                  "%s", text);
    g_free(text);
    g_free(manifest);
}
END_TEST

/* A second run finds everything done: same outputs, nothing rewritten. */
START_TEST(test_rerun_is_idempotent)
{
    JsonObject *item = item_for(summary, "clip.mp4");
    const char *stamped = stamped_path(item);
    char *hash = dk_test_sha256(stamped);
    GStatBuf before;
    ck_assert_int_eq(g_stat(stamped, &before), 0);
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run_batch(&out, &err), 1);
    JsonParser *second = json_parser_new();
    ck_assert(json_parser_load_from_data(second, out, -1, NULL));
    JsonObject *again = item_for(second, "clip.mp4");
    ck_assert_str_eq(text_or_null(again, "status"), "skipped");
    ck_assert_str_eq(stamped_path(again), stamped);
    GStatBuf after;
    ck_assert_int_eq(g_stat(stamped, &after), 0);
    ck_assert_int_eq(before.st_mtime, after.st_mtime);
    char *hash_after = dk_test_sha256(stamped);
    ck_assert_str_eq(hash, hash_after);
    g_object_unref(second);
    g_free(hash_after);
    g_free(hash);
    g_free(out);
    g_free(err);
}
END_TEST

/* Without a terminal, progress comes as lines: the packet copy by the
 * share of the input read (rising), then the second pass that moves the
 * index, all before the clip is done. */
START_TEST(test_progress_lines)
{
    int last = -1;
    int copying = dk_test_progress_lines(run_stderr, "clip.mp4",
                                         "copying packets", &last);
    const char *done = strstr(run_stderr, "done clip.mp4");
    const char *moving =
        strstr(run_stderr, "dokpim: clip.mp4 moving the index to the front");
    ck_assert_msg(copying >= 1 && moving && moving < done, "%s", run_stderr);
}
END_TEST

/* `date` given in the config, even as the default's own text, is used as
 * written: a file-time capture keeps its date instead of the event's. */
START_TEST(test_date_given_is_kept)
{
    char *pipeline = g_build_filename(corpus_dir, "dated.conf", NULL);
    dk_test_write(pipeline,
                  "[pipeline]\nstages=ingest;stamp\n"
                  "\n[ingest]\nplugin=ingest.video\n"
                  "\n[stamp]\nplugin=stamp.video\n"
                  "date={capture.time:%Y-%m-%d}\n",
                  -1);
    char *event = g_build_filename(corpus_dir, "event.ini", NULL);
    char *dated = g_build_filename(corpus_dir, "dated-library", NULL);
    char *clip = g_build_filename(corpus_dir, "subtitles.mkv", NULL);
    const char *args[] = {"run", pipeline, "-e", event, "-o",
                          dated, "--json", clip, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_msg(dk_test_dokpim(args, &out, &err) == 0, "%s", err);
    JsonParser *parser = json_parser_new();
    ck_assert(json_parser_load_from_data(parser, out, -1, NULL));
    const char *stamped = stamped_path(item_for(parser, "subtitles.mkv"));
    ck_assert_ptr_nonnull(stamped);
    JsonObject *probe = NULL;
    JsonObject *tags = ffprobe_tags(&probe, stamped);
    ck_assert_str_eq(json_object_get_string_member(tags, "date"), "2023-05-06");
    json_object_unref(probe);
    g_object_unref(parser);
    g_free(out);
    g_free(err);
    g_free(clip);
    g_free(dated);
    g_free(event);
    g_free(pipeline);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("stamp.video cli");
    TCase *tc = tcase_create("batch");
    tcase_add_loop_test(tc, test_batch_row, 0, G_N_ELEMENTS(expect_rows));
    tcase_add_test(tc, test_dropped_note);
    tcase_add_test(tc, test_progress_lines);
    tcase_add_test(tc, test_rerun_is_idempotent);
    tcase_add_test(tc, test_date_given_is_kept);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    corpus_dir = dk_test_tmpdir("stamp-video-cli");
    video_corpus_build(corpus_dir);
    library = g_build_filename(corpus_dir, "library", NULL);
    run_status = run_batch(&run_stdout, &run_stderr);
    summary = json_parser_new();
    if (!json_parser_load_from_data(summary, run_stdout, -1, NULL)) {
        fprintf(stderr, "no JSON summary (exit %d):\n%s\n%s\n", run_status,
                run_stdout, run_stderr);
        return EXIT_FAILURE;
    }
    SRunner *runner = srunner_create(cli_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    g_object_unref(summary);
    dk_test_cleanup_dirs();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
