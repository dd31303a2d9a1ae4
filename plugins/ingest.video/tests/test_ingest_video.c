/* ingest.video through `dokpim probe --json` on the generated corpus: every
 * broken clip fails with its one line, every odd but valid one comes out
 * as ffprobe (and, for the picture's size on screen, ffmpeg's own
 * autorotating decoder) says it is. */
#include <check.h>
#include <dlfcn.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dokpim/plugin.h>

#include "dk_internal.h" /* dk_plugin_accepts */
#include "dk_test.h"
#include "dk_test_tools.h"
#include "video_corpus.h"

static char *corpus_dir;
static JsonParser *probe_parser; /* dokpim's answer for the whole corpus */

/* ---- reading JSON ---- */

/* The node at a dotted path ("video.codec") under object, or NULL. */
static JsonNode *json_at(JsonObject *object, const char *path)
{
    char **parts = g_strsplit(path, ".", -1);
    JsonNode *node = NULL;
    for (int i = 0; parts[i]; i++) {
        node = object ? json_object_get_member(object, parts[i]) : NULL;
        object = node && JSON_NODE_HOLDS_OBJECT(node)
                     ? json_node_get_object(node)
                     : NULL;
    }
    g_strfreev(parts);
    return node;
}

static const char *json_text(JsonObject *object, const char *path)
{
    JsonNode *node = json_at(object, path);
    return node && JSON_NODE_HOLDS_VALUE(node) &&
                   json_node_get_value_type(node) == G_TYPE_STRING
               ? json_node_get_string(node)
               : NULL;
}

static bool json_number(JsonObject *object, const char *path, double *value)
{
    JsonNode *node = json_at(object, path);
    if (!node || !JSON_NODE_HOLDS_VALUE(node))
        return false;
    GType type = json_node_get_value_type(node);
    if (type == G_TYPE_STRING) { /* ffprobe writes many numbers as text */
        char *end = NULL;
        *value = g_ascii_strtod(json_node_get_string(node), &end);
        return end && *end == '\0';
    }
    if (type == G_TYPE_BOOLEAN)
        *value = json_node_get_boolean(node);
    else
        *value = json_node_get_double(node);
    return true;
}

static double json_number_or(JsonObject *object, const char *path,
                             double fallback)
{
    double value;
    return json_number(object, path, &value) ? value : fallback;
}

static bool json_flag(JsonObject *object, const char *path)
{
    JsonNode *node = json_at(object, path);
    return node && JSON_NODE_HOLDS_VALUE(node) &&
           json_node_get_value_type(node) == G_TYPE_BOOLEAN &&
           json_node_get_boolean(node);
}

/* "30000/1001" -> 29.97; 0 for "0/0" */
static double rational(const char *text)
{
    int num = 0, den = 0;
    if (!text || sscanf(text, "%d/%d", &num, &den) != 2 || den == 0)
        return 0.0;
    return (double)num / den;
}

/* ---- the corpus, probed once ---- */

static JsonObject *probe_result(const char *file)
{
    JsonArray *all = json_node_get_array(json_parser_get_root(probe_parser));
    for (guint i = 0; i < json_array_get_length(all); i++) {
        JsonObject *entry = json_array_get_object_element(all, i);
        const char *path = json_object_get_string_member(entry, "path");
        char *base = g_path_get_basename(path);
        bool match = strcmp(base, file) == 0;
        g_free(base);
        if (match)
            return entry;
    }
    return NULL;
}

static void corpus_setup(void)
{
    corpus_dir = dk_test_tmpdir("ingest-video");
    video_corpus_build(corpus_dir);
    char *event = g_build_filename(corpus_dir, "event.ini", NULL);
    GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(args, g_strdup("probe"));
    g_ptr_array_add(args, g_strdup("--json"));
    g_ptr_array_add(args, g_strdup("-e"));
    g_ptr_array_add(args, event);
    for (size_t i = 0; i < video_case_count; i++)
        g_ptr_array_add(args, video_corpus_path(corpus_dir, &video_cases[i]));
    for (int i = 0; i < VIDEO_CORPUS_FLIPS; i++)
        g_ptr_array_add(args, video_corpus_flip_path(corpus_dir, i));
    g_ptr_array_add(args, NULL);
    char *out = NULL, *err = NULL;
    int status = dk_test_dokpim((const char *const *)args->pdata, &out, &err);
    /* 1: some files were broken, as they should be; never a crash (-1) */
    if (status != 1) {
        fprintf(stderr, "dokpim probe exited %d:\n%s\n", status, err);
        abort();
    }
    probe_parser = json_parser_new();
    if (!json_parser_load_from_data(probe_parser, out, -1, NULL)) {
        fprintf(stderr, "dokpim probe --json is not JSON:\n%s\n", out);
        abort();
    }
    g_free(out);
    g_free(err);
    g_ptr_array_free(args, TRUE);
}

/* ---- independent facts ---- */

/* The first video stream of ffprobe's answer that is not cover art. */
static JsonObject *ffprobe_video(JsonObject *probe)
{
    JsonArray *streams = json_object_get_array_member(probe, "streams");
    for (guint i = 0; i < json_array_get_length(streams); i++) {
        JsonObject *st = json_array_get_object_element(streams, i);
        if (g_strcmp0(json_text(st, "codec_type"), "video") == 0 &&
            !json_number_or(st, "disposition.attached_pic", 0))
            return st;
    }
    return NULL;
}

static JsonObject *ffprobe_audio(JsonObject *probe)
{
    JsonArray *streams = json_object_get_array_member(probe, "streams");
    for (guint i = 0; i < json_array_get_length(streams); i++) {
        JsonObject *st = json_array_get_object_element(streams, i);
        if (g_strcmp0(json_text(st, "codec_type"), "audio") == 0)
            return st;
    }
    return NULL;
}

/* ffprobe's display-matrix rotation (counter-clockwise), or 0. */
static int ffprobe_rotation(JsonObject *video)
{
    JsonNode *list = json_object_get_member(video, "side_data_list");
    if (!list)
        return 0;
    JsonArray *items = json_node_get_array(list);
    for (guint i = 0; i < json_array_get_length(items); i++) {
        double rotation;
        if (json_number(json_array_get_object_element(items, i), "rotation",
                        &rotation))
            return (int)lround(rotation);
    }
    return 0;
}

/* Size of the first frame as ffmpeg shows it (autorotate on), read from
 * the header of a PPM it writes. */
static void decoded_size(const char *path, int *width, int *height)
{
    char *quoted = g_shell_quote(path);
    char *cmd = g_strdup_printf("ffmpeg -nostdin -v error -i %s -frames:v 1 "
                                "-f image2pipe -c:v ppm - | head -c 32",
                                quoted);
    char *out = dk_test_sh_ok("%s", cmd);
    ck_assert_msg(sscanf(out, "P6 %d %d", width, height) == 2, "no PPM from %s",
                  path);
    g_free(out);
    g_free(cmd);
    g_free(quoted);
}

/* ---- checks ---- */

static void check_broken(const video_case *c, JsonObject *ours)
{
    const char *error = json_text(ours, "error");
    ck_assert_msg(error && strstr(error, c->error), "%s: error '%s', want '%s'",
                  c->file, error ? error : "(none)", c->error);
    ck_assert_msg(!strchr(error, '\n'), "%s: error is not one line", c->file);
    ck_assert_msg(!json_at(ours, "video"), "%s: video facts for a broken file",
                  c->file);
}

static void check_stream(const video_case *c, JsonObject *ours,
                         JsonObject *video, const char *path)
{
    ck_assert_str_eq(json_text(ours, "video.codec"),
                     json_text(video, "codec_name"));
    if (json_text(video, "profile"))
        ck_assert_str_eq(json_text(ours, "video.profile"),
                         json_text(video, "profile"));
    ck_assert_str_eq(json_text(ours, "video.pix_fmt"),
                     json_text(video, "pix_fmt"));
    ck_assert_int_eq(json_number_or(ours, "video.width", -1),
                     json_number_or(video, "width", -2));
    ck_assert_int_eq(json_number_or(ours, "video.height", -1),
                     json_number_or(video, "height", -2));

    int rotation = ((-ffprobe_rotation(video)) % 360 + 360) % 360;
    ck_assert_int_eq(json_number_or(ours, "video.rotation", -1), rotation);
    ck_assert_msg(!c->rotated || rotation != 0, "%s: not rotated", c->file);
    int width = 0, height = 0;
    decoded_size(path, &width, &height);
    ck_assert_int_eq(json_number_or(ours, "display.width", -1), width);
    ck_assert_int_eq(json_number_or(ours, "display.height", -1), height);
}

static void check_rate(const video_case *c, JsonObject *ours, JsonObject *video)
{
    double avg = rational(json_text(video, "avg_frame_rate"));
    double r = rational(json_text(video, "r_frame_rate"));
    double fps = json_number_or(ours, "video.fps", -1);
    ck_assert_msg(fabs(fps - (avg > 0 ? avg : r)) < 0.01,
                  "%s: fps %g, ffprobe avg %g r %g", c->file, fps, avg, r);
    ck_assert_double_eq_tol(json_number_or(ours, "video.r_fps", -1), r, 0.01);
    ck_assert_msg(json_flag(ours, "video.vfr") == c->vfr, "%s: vfr is %d",
                  c->file, json_flag(ours, "video.vfr"));
}

static void check_duration(const video_case *c, JsonObject *ours,
                           JsonObject *probe, const char *path)
{
    double fps = json_number_or(ours, "video.fps", 0);
    ck_assert(fps > 0);
    double frame = 1.0 / fps;
    double duration = json_number_or(ours, "video.duration", -1);
    double whole = json_number_or(probe, "format.duration", -1);
    ck_assert_msg(json_flag(ours, "video.truncated") == c->truncated,
                  "%s: truncated flag", c->file);
    if (!c->truncated || c->tags_cut) {
        ck_assert_msg(fabs(duration - whole) <= frame + 1e-3,
                      "%s: duration %g, ffprobe %g", c->file, duration, whole);
        return;
    }
    /* what plays is the complete frames, less than the index promises */
    double playable = dk_test_complete_video_frames(path) * frame;
    ck_assert_msg(fabs(duration - playable) <= frame + 1e-3,
                  "%s: duration %g, complete frames last %g", c->file, duration,
                  playable);
    ck_assert_msg(duration < whole - frame / 2,
                  "%s: duration %g is not less than the index's %g", c->file,
                  duration, whole);
}

static void check_audio(JsonObject *ours, JsonObject *probe)
{
    JsonObject *audio = ffprobe_audio(probe);
    ck_assert_int_eq(json_flag(ours, "audio.present"), audio != NULL);
    if (!audio) {
        ck_assert_ptr_null(json_at(ours, "audio.codec"));
        return;
    }
    ck_assert_str_eq(json_text(ours, "audio.codec"),
                     json_text(audio, "codec_name"));
    ck_assert_int_eq(json_number_or(ours, "audio.sample_rate", -1),
                     json_number_or(audio, "sample_rate", -2));
    ck_assert_int_eq(json_number_or(ours, "audio.channels", -1),
                     json_number_or(audio, "channels", -2));
}

static void check_capture(const video_case *c, JsonObject *ours)
{
    ck_assert_str_eq(json_text(ours, "capture.source"), c->capture_source);
    ck_assert_str_eq(json_text(ours, "capture.time"), c->capture_time);
    bool inferred = strcmp(c->capture_source, "container") != 0;
    ck_assert_int_eq(json_flag(ours, "capture.inferred"), inferred);
    if (strcmp(c->capture_source, "filename") == 0)
        ck_assert(json_flag(ours, "capture.date-only"));
}

static void check_gps(const video_case *c, JsonObject *ours)
{
    if (!c->has_gps) {
        ck_assert_ptr_null(json_at(ours, "gps"));
        return;
    }
    ck_assert_double_eq_tol(json_number_or(ours, "gps.latitude", 0), -8.58,
                            1e-9);
    ck_assert_double_eq_tol(json_number_or(ours, "gps.longitude", 0), 115.18,
                            1e-9);
}

START_TEST(test_case_row)
{
    const video_case *c = &video_cases[_i];
    JsonObject *ours = probe_result(c->file);
    ck_assert_msg(ours != NULL, "%s: not in dokpim's answer", c->file);
    if (c->error) {
        check_broken(c, ours);
        return;
    }
    ck_assert_msg(json_node_is_null(json_object_get_member(ours, "error")),
                  "%s: refused: %s", c->file, json_text(ours, "error"));
    ck_assert_str_eq(json_text(ours, "kind"), "video");
    char *path = video_corpus_path(corpus_dir, c);
    JsonObject *probe =
        dk_test_ffprobe_json(path, "-show_format -show_streams");
    JsonObject *video = ffprobe_video(probe);
    ck_assert_ptr_nonnull(video);

    ck_assert_str_eq(json_text(ours, "video.container"),
                     json_text(probe, "format.format_name"));
    check_stream(c, ours, video, path);
    check_rate(c, ours, video);
    check_duration(c, ours, probe, path);
    check_audio(ours, probe);
    check_capture(c, ours);
    check_gps(c, ours);
    ck_assert_int_eq(
        json_number_or(ours, "streams.count", -1),
        json_array_get_length(json_object_get_array_member(probe, "streams")));
    json_object_unref(probe);
    g_free(path);
}
END_TEST

/* A damaged index: refused with one line, or read as the H.264 clip it
 * still is. That the probe came back at all (no crash, no hang under the
 * sanitizers) is the main point. */
START_TEST(test_flipped_row)
{
    char *path = video_corpus_flip_path(corpus_dir, _i);
    char *file = g_path_get_basename(path);
    JsonObject *ours = probe_result(file);
    ck_assert_msg(ours != NULL, "%s: not in dokpim's answer", file);
    const char *error = json_text(ours, "error");
    if (error) {
        ck_assert(*error && !strchr(error, '\n'));
        ck_assert_ptr_null(json_at(ours, "video"));
    } else {
        ck_assert_str_eq(json_text(ours, "video.codec"), "h264");
        ck_assert(json_number_or(ours, "display.width", 0) > 0);
    }
    g_free(file);
    g_free(path);
}
END_TEST

/* ---- which files the plugin claims ---- */

/* Asked of the core, which decides from .extensions as a run does.
 * "dir/.mp4" is a hidden file with no stem: the old accepts() claimed it. */
static const struct {
    const char *name;
    bool claimed;
} claim_rows[] = {
    {"a.mp4", true},           {"A.MP4", true},     {"clip.MOV", true},
    {"x.m4v", true},           {"x.mkv", true},     {"x.WebM", true},
    {"x.3gp", true},           {"00001.MTS", true}, {"x.avi", true},
    {"x.jpg", false},          {"mp4", false},      {"x.mp4.part", false},
    {"dir.mp4/readme", false}, {"x.m4a", false},    {"x.", false},
    {"dir/.mp4", false},
};

START_TEST(test_accepts_row)
{
    char *module =
        g_build_filename(dk_test_plugin_dir(), "ingest.video.so", NULL);
    void *handle = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(handle != NULL, "%s", dlerror());
    dk_plugin_entry_fn entry =
        (dk_plugin_entry_fn)dlsym(handle, DK_PLUGIN_ENTRY_SYMBOL);
    ck_assert_ptr_nonnull(entry);
    const dk_plugin *plugin = entry()->plugin;
    ck_assert_int_eq(dk_plugin_accepts(plugin, claim_rows[_i].name),
                     claim_rows[_i].claimed);
    /* never dlclose()d: libav's codec libraries keep one-time tables
     * that LeakSanitizer would report once their globals are unmapped */
    g_free(module);
}
END_TEST

static Suite *ingest_video_suite(void)
{
    Suite *s = suite_create("ingest.video");
    TCase *corpus = tcase_create("corpus");
    tcase_add_loop_test(corpus, test_case_row, 0, (int)video_case_count);
    tcase_add_loop_test(corpus, test_flipped_row, 0, VIDEO_CORPUS_FLIPS);
    suite_add_tcase(s, corpus);
    TCase *claims = tcase_create("accepts");
    tcase_add_loop_test(claims, test_accepts_row, 0,
                        (int)G_N_ELEMENTS(claim_rows));
    suite_add_tcase(s, claims);
    return s;
}

int main(void)
{
    corpus_setup();
    SRunner *runner = srunner_create(ingest_video_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    g_object_unref(probe_parser);
    dk_test_cleanup_dirs();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
