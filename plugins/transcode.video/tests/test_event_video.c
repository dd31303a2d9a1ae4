/* The shipped pipelines/event-video.conf (ingest, stamp, thumbnail,
 * transcode) through the real `dokpim run --json` on what cameras hand a
 * crew: a fast-start clip cut off by a power loss (kept, shortened, with
 * a warning; or refused when almost nothing plays) and MOVs with PCM
 * sound (stamped as .mov, every video and audio byte the source's). And a
 * full output disk, whose error must name the file and the reason.
 * Outputs are judged with ffprobe and ffmpeg. */
#include <check.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dk_test.h"
#include "dk_test_tools.h"
#include "video_clips.h"

static char *root;  /* test folder */
static char *clips; /* generated inputs */
static video_clips_run run_event;
static video_clips_run run_direct; /* transcode straight from the cut file */
static JsonParser *summary;

static const char *const event_inputs[] = {"cut-fast.mp4",  "cut-early.mp4",
                                           "pcm-s16le.mov", "pcm-s24le.mov",
                                           "pcm-twos.mov",  NULL};

/* ---- reading the summary ---- */

static const char *text_or_null(JsonObject *object, const char *name)
{
    JsonNode *node = json_object_get_member(object, name);
    return node && !json_node_is_null(node) ? json_node_get_string(node) : NULL;
}

static JsonObject *item_for(const char *file)
{
    JsonObject *top = json_node_get_object(json_parser_get_root(summary));
    JsonArray *items = json_object_get_array_member(top, "items");
    for (guint i = 0; i < json_array_get_length(items); i++) {
        JsonObject *item = json_array_get_object_element(items, i);
        char *base = g_path_get_basename(text_or_null(item, "input"));
        bool match = strcmp(base, file) == 0;
        g_free(base);
        if (match)
            return item;
    }
    ck_abort_msg("%s not in the summary:\n%s", file, run_event.out);
    return NULL;
}

static const char *derivative(JsonObject *item, const char *role)
{
    JsonArray *derived = json_object_get_array_member(item, "derivatives");
    for (guint i = 0; i < json_array_get_length(derived); i++) {
        JsonObject *d = json_array_get_object_element(derived, i);
        if (g_strcmp0(text_or_null(d, "role"), role) == 0)
            return text_or_null(d, "path");
    }
    return NULL;
}

static char *manifest_text(JsonObject *item)
{
    char *path = g_strdup_printf("%s/items/%s.ini", run_event.library,
                                 text_or_null(item, "sha256"));
    char *text = dk_test_read(path, NULL);
    ck_assert_msg(text != NULL, "no manifest %s", path);
    g_free(path);
    return text;
}

/* ---- independent judges ---- */

/* Fails unless ffprobe reads every packet and ffmpeg decodes every frame
 * of path without a single complaint. */
static void assert_clean_file(const char *path)
{
    char *quoted = g_shell_quote(path);
    char *cmd =
        g_strdup_printf("ffprobe -v error -show_packets %s >/dev/null && "
                        "ffmpeg -nostdin -v error -xerror -i %s -f null - 2>&1",
                        quoted, quoted);
    char *out = NULL, *err = NULL;
    int status = dk_test_sh(cmd, &out, &err);
    ck_assert_msg(status == 0 && !*g_strstrip(out) && !*g_strstrip(err),
                  "%s is not clean (%d): %s %s", path, status, out, err);
    g_free(out);
    g_free(err);
    g_free(cmd);
    g_free(quoted);
}

/* md5 of the bytes of every packet of one kind of stream ("v", "a"). */
static char *packets_md5(const char *path, const char *kind)
{
    char *quoted = g_shell_quote(path);
    char *cmd = g_strdup_printf("ffmpeg -nostdin -v error -i %s -map 0:%s "
                                "-c copy -f md5 -",
                                quoted, kind);
    char *out = dk_test_sh_ok("%s", cmd);
    g_free(cmd);
    g_free(quoted);
    return g_strstrip(out);
}

static double stream_duration(const char *path, const char *type)
{
    JsonObject *probe = dk_test_ffprobe_json(path, VIDEO_CLIPS_PROBE);
    JsonObject *stream = video_clips_stream(probe, type);
    ck_assert_msg(stream != NULL, "%s: no %s stream", path, type);
    double seconds = video_clips_number(stream, "duration");
    json_object_unref(probe);
    return seconds;
}

static const char *stream_codec(JsonObject *probe, const char *type)
{
    JsonObject *stream = video_clips_stream(probe, type);
    ck_assert_ptr_nonnull(stream);
    return json_object_get_string_member(stream, "codec_name");
}

/* Mean loudness of the first audio stream in dB (ffmpeg volumedetect);
 * -91 is digital silence. */
static double mean_volume(const char *path)
{
    char *quoted = g_shell_quote(path);
    char *cmd = g_strdup_printf("ffmpeg -nostdin -i %s -map 0:a:0 "
                                "-af volumedetect -f null - 2>&1 | "
                                "sed -n 's/.*mean_volume: \\(.*\\) dB/\\1/p'",
                                quoted);
    char *out = dk_test_sh_ok("%s", cmd);
    double db = g_ascii_strtod(out, NULL);
    ck_assert_msg(*g_strstrip(out), "no volume for %s", path);
    g_free(out);
    g_free(cmd);
    g_free(quoted);
    return db;
}

/* ---- a cut-off recording ---- */

/* Kept, with one warning in --json, on stderr and in the manifest; the
 * stamped copy and the YouTube version hold exactly the playable part and
 * are clean files. */
START_TEST(test_cut_kept)
{
    JsonObject *item = item_for("cut-fast.mp4");
    ck_assert_msg(g_strcmp0(text_or_null(item, "status"), "done") == 0,
                  "cut-fast.mp4: %s", text_or_null(item, "error"));
    JsonArray *warnings = json_object_get_array_member(item, "warnings");
    ck_assert_uint_eq(json_array_get_length(warnings), 1);
    JsonObject *warning = json_array_get_object_element(warnings, 0);
    ck_assert_str_eq(text_or_null(warning, "stage"), "ingest");
    const char *message = text_or_null(warning, "message");
    ck_assert_msg(g_str_has_prefix(message, "truncated: the index describes "
                                            "3.0 s, the file holds "),
                  "%s", message);
    char *line = g_strdup_printf("dokpim: warning: %s/cut-fast.mp4: ingest: %s",
                                 clips, message);
    ck_assert_msg(strstr(run_event.err, line), "no '%s' in:\n%s", line,
                  run_event.err);
    char *manifest = manifest_text(item);
    ck_assert_msg(strstr(manifest, message), "%s", manifest);

    char *source = g_build_filename(clips, "cut-fast.mp4", NULL);
    double playable = dk_test_complete_video_frames(source) / 30.0;
    ck_assert_msg(playable > 1.0 && playable < 2.5, "%g s", playable);
    double held = 0;
    ck_assert(sscanf(message + strlen("truncated: the index describes 3.0 s, "
                                      "the file holds "),
                     "%lf", &held) == 1);
    ck_assert_msg(fabs(held - playable) <= 0.1, "says %g s, %g s play", held,
                  playable);
    const char *outputs[] = {derivative(item, "stamped"),
                             derivative(item, "youtube")};
    for (size_t i = 0; i < G_N_ELEMENTS(outputs); i++) {
        ck_assert_ptr_nonnull(outputs[i]);
        assert_clean_file(outputs[i]);
        double video = stream_duration(outputs[i], "video");
        double audio = stream_duration(outputs[i], "audio");
        /* the complete frames, give or take the one the cut went through */
        ck_assert_msg(fabs(video - playable) <= 2.0 / 30 + 1e-3,
                      "%s: video %g s, %g s playable", outputs[i], video,
                      playable);
        ck_assert_msg(fabs(audio - video) <= 0.1, "%s: audio %g s, video %g s",
                      outputs[i], audio, video);
    }
    g_free(source);
    g_free(manifest);
    g_free(line);
}
END_TEST

/* Without a stamp in between, GStreamer reads the cut original itself:
 * the same playable part, a clean file. */
START_TEST(test_cut_transcoded_directly)
{
    ck_assert_msg(run_direct.status == 0, "exit %d: %s", run_direct.status,
                  run_direct.err);
    ck_assert_msg(strstr(run_direct.err, "cut-fast.mp4: ingest: truncated: "),
                  "%s", run_direct.err);
    char *out =
        video_clips_output(&run_direct, "transcode", "cut-fast.mp4", ".mp4");
    assert_clean_file(out);
    char *source = g_build_filename(clips, "cut-fast.mp4", NULL);
    double playable = dk_test_complete_video_frames(source) / 30.0;
    double video = stream_duration(out, "video");
    ck_assert_msg(fabs(video - playable) <= 2.0 / 30 + 1e-3,
                  "video %g s, %g s playable", video, playable);
    g_free(source);
    g_free(out);
}
END_TEST

/* A third of a second of three: refused with what the index describes
 * and what the file holds, nothing derived. */
START_TEST(test_cut_refused)
{
    ck_assert_int_eq(run_event.status, 1);
    JsonObject *item = item_for("cut-early.mp4");
    ck_assert_str_eq(text_or_null(item, "status"), "failed");
    ck_assert_str_eq(text_or_null(item, "failed_stage"), "ingest");
    const char *error = text_or_null(item, "error");
    ck_assert_msg(g_str_has_prefix(error, "truncated: the index describes "
                                          "3.0 s, the file holds 0."),
                  "%s", error);
    ck_assert_uint_eq(json_array_get_length(
                          json_object_get_array_member(item, "derivatives")),
                      0);
}
END_TEST

/* ---- camera MOVs with PCM sound ---- */

static const struct {
    const char *file;
    const char *codec;
} pcm_rows[] = {
    {"pcm-s16le.mov", "pcm_s16le"},
    {"pcm-s24le.mov", "pcm_s24le"},
    {"pcm-twos.mov", "pcm_s16be"},
};

/* The .mp4-named stamp of the default pipeline keeps QuickTime and says
 * .mov; its video and audio packets are the source's byte for byte; the
 * YouTube version is a clean MP4 whose AAC sound is the tone, not the
 * silence added to a clip without sound. */
START_TEST(test_pcm_row)
{
    const char *file = pcm_rows[_i].file;
    JsonObject *item = item_for(file);
    ck_assert_msg(g_strcmp0(text_or_null(item, "status"), "done") == 0,
                  "%s: %s", file, text_or_null(item, "error"));
    ck_assert_uint_eq(
        json_array_get_length(json_object_get_array_member(item, "warnings")),
        0);
    const char *stamped = derivative(item, "stamped");
    ck_assert_msg(stamped && g_str_has_suffix(stamped, ".mov"), "%s: %s", file,
                  stamped);
    char *manifest = manifest_text(item);
    char *relative = g_path_get_basename(stamped);
    ck_assert_msg(strstr(manifest, relative), "%s not in:\n%s", relative,
                  manifest);

    char *source = g_build_filename(clips, file, NULL);
    JsonObject *probe = dk_test_ffprobe_json(stamped, VIDEO_CLIPS_PROBE);
    ck_assert_str_eq(stream_codec(probe, "audio"), pcm_rows[_i].codec);
    JsonObject *format = json_object_get_object_member(probe, "format");
    ck_assert_str_eq(json_object_get_string_member(format, "format_name"),
                     "mov,mp4,m4a,3gp,3g2,mj2");
    json_object_unref(probe);
    assert_clean_file(stamped);
    const char *kinds[] = {"v", "a"};
    for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
        char *before = packets_md5(source, kinds[k]);
        char *after = packets_md5(stamped, kinds[k]);
        ck_assert_msg(strcmp(before, after) == 0, "%s %s: %s != %s", file,
                      kinds[k], before, after);
        g_free(before);
        g_free(after);
    }

    const char *youtube = derivative(item, "youtube");
    ck_assert_ptr_nonnull(youtube);
    ck_assert(g_str_has_suffix(youtube, ".mp4"));
    assert_clean_file(youtube);
    probe = dk_test_ffprobe_json(youtube, VIDEO_CLIPS_PROBE);
    ck_assert_str_eq(stream_codec(probe, "video"), "h264");
    ck_assert_str_eq(stream_codec(probe, "audio"), "aac");
    json_object_unref(probe);
    ck_assert_msg(fabs(stream_duration(youtube, "video") -
                       stream_duration(source, "video")) <= 1.0 / 25 + 1e-3,
                  "%s: duration", file);
    double loud = mean_volume(source), heard = mean_volume(youtube);
    ck_assert_msg(fabs(loud - heard) <= 3.0, "%s: %g dB, source %g dB", file,
                  heard, loud);
    g_free(source);
    g_free(relative);
    g_free(manifest);
}
END_TEST

/* ---- a full output disk ---- */

static const struct {
    const char *stage, *plugin, *extra;
} full_rows[] = {
    /* mp4mux's scratch file fills the disk */
    {"transcode", "transcode.video", "preset=ultrafast\ncrf=5\n"},
    /* the libavformat remux */
    {"stamp", "stamp.video", ""},
};

/* The library is a tmpfs with room for the original and little more: the
 * item's error names the output file and the OS's reason, and no temp
 * file is left behind. */
START_TEST(test_full_disk_row)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_full_disk_row: skipped, needs root to mount\n");
        return;
    }
    char *name = g_strdup_printf("full-%s", full_rows[_i].stage);
    char *library = g_strdup_printf("%s/lib-%s", root, name);
    g_mkdir_with_parents(library, 0755);
    char *quoted = g_shell_quote(library);
    /* room for the original and half as much again: its copy or its
     * encode at crf 5 does not fit beside it */
    char *source = g_build_filename(clips, "tiny-hd.mp4", NULL);
    GStatBuf st;
    ck_assert_int_eq(g_stat(source, &st), 0);
    g_free(source);
    char *mount =
        g_strdup_printf("mount -t tmpfs -o size=%lldk tmpfs %s",
                        (long long)st.st_size * 3 / 2 / 1024 + 16, quoted);
    char *err = NULL;
    if (dk_test_sh(mount, NULL, &err) != 0) {
        fprintf(stderr, "test_full_disk_row: skipped, cannot mount: %s\n", err);
        g_free(err);
        g_free(mount);
        g_free(quoted);
        g_free(library);
        g_free(name);
        return;
    }
    g_free(err);
    const char *inputs[] = {"tiny-hd.mp4", NULL};
    video_clips_run run = {0};
    video_clips_dokpim_stage(&run, root, name, full_rows[_i].stage,
                             full_rows[_i].plugin, "{original.stem}.mp4",
                             full_rows[_i].extra, clips, inputs);
    int temp_files = video_clips_count_temp_files(library);
    /* unmounted before any assertion can end the test */
    char *umount = g_strdup_printf("umount %s", quoted);
    int unmounted = dk_test_sh(umount, NULL, NULL);

    ck_assert_int_eq(unmounted, 0);
    ck_assert_msg(run.status == 1, "exit %d: %s", run.status, run.err);
    char *want = g_strdup_printf(
        "tiny-hd.mp4: %s: cannot write %s/derived/%s/tiny-hd.mp4: ",
        full_rows[_i].stage, library, full_rows[_i].stage);
    const char *line = strstr(run.err, want);
    ck_assert_msg(line, "no '%s' in:\n%s", want, run.err);
    char *end = strchr(line, '\n');
    char *reason = g_strndup(line, end ? (size_t)(end - line) : strlen(line));
    ck_assert_msg(strstr(reason, "No space left on device"), "%s", reason);
    ck_assert_int_eq(temp_files, 0);
    g_free(reason);
    g_free(want);
    g_free(umount);
    g_free(mount);
    g_free(quoted);
    g_free(run.out);
    g_free(run.err);
    g_free(run.library);
    g_free(library);
    g_free(name);
}
END_TEST

static void build_everything(void)
{
    root = dk_test_tmpdir("event-video");
    const char *all[] = {"cut-fast.mp4",
                         "cut-early.mp4",
                         "pcm-s16le.mov",
                         "pcm-s24le.mov",
                         "pcm-twos.mov",
                         "tiny-hd.mp4",
                         NULL};
    clips = video_clips_folder(root, all);
    char *conf = dk_test_source_path("pipelines/event-video.conf");
    video_clips_dokpim_file(&run_event, root, "event", conf, clips,
                            event_inputs);
    g_free(conf);
    const char *cut[] = {"cut-fast.mp4", NULL};
    video_clips_dokpim_stage(&run_direct, root, "direct", "transcode",
                             "transcode.video", "{original.stem}.mp4",
                             "preset=ultrafast\ntext=", clips, cut);
    summary = json_parser_new();
    ck_assert_msg(json_parser_load_from_data(summary, run_event.out, -1, NULL),
                  "no JSON summary (exit %d): %s", run_event.status,
                  run_event.err);
}

int main(void)
{
    Suite *s = suite_create("event-video pipeline");
    TCase *tc = tcase_create("event-video");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, build_everything, NULL);
    tcase_add_test(tc, test_cut_kept);
    tcase_add_test(tc, test_cut_transcoded_directly);
    tcase_add_test(tc, test_cut_refused);
    tcase_add_loop_test(tc, test_pcm_row, 0, G_N_ELEMENTS(pcm_rows));
    tcase_add_loop_test(tc, test_full_disk_row, 0, G_N_ELEMENTS(full_rows));
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
