/* transcode.video through the real `dokpim run`, on clips generated with
 * ffmpeg (landscape, 1081 px tall, rotated portrait, no audio, VFR,
 * already compliant, broken), every output judged by ffprobe and by
 * decoding frames with ffmpeg: H.264 High yuv420p, keyframes <= 2 s, moov
 * first, AAC-LC 48 kHz stereo, durations, rotation, overlay pixels, remux
 * byte-identity, timeouts, no temp file left behind. */
#include <check.h>
#include <dokpim/overlay.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dk_test.h"
#include "dk_test_tools.h"
#include "video_clips.h"

#define OVERLAY_TEXT "DOKPIM UJI 2025"

static char *root;  /* test folder */
static char *clips; /* generated inputs */
static char *logo;  /* the project logo */

static video_clips_run run_overlay;  /* logo, text, lower third */
static video_clips_run run_plain;    /* no overlay: remux allowed */
static video_clips_run run_timeout;  /* 1 s timeout on a slow encode */
static video_clips_run run_progress; /* an 8 s clip, progress lines */

static const char *const overlay_inputs[] = {
    "land.mp4", "odd.mp4",        "portrait.mp4", "silent.mp4",    "vfr.mp4",
    "hevc.mov", "interlaced.mp4", "garbage.mp4",  "truncated.mp4", NULL};

/* ingest.video + transcode.video; extra are `key=value` lines for the
 * transcode group. */
static void run(video_clips_run *result, const char *name, const char *extra,
                const char *const *inputs)
{
    video_clips_dokpim_stage(result, root, name, "transcode", "transcode.video",
                             "{original.stem}.mp4", extra, clips, inputs);
}

static char *output_of(const video_clips_run *result, const char *clip)
{
    return video_clips_output(result, "transcode", clip, ".mp4");
}

static char *clip_path(const char *clip)
{
    return g_build_filename(clips, clip, NULL);
}

/* ---- what YouTube asks for, clip by clip ---- */

static const char *const good_clips[] = {
    "land.mp4", "odd.mp4",  "portrait.mp4",  "silent.mp4",
    "vfr.mp4",  "hevc.mov", "interlaced.mp4"};

START_TEST(test_youtube_ready)
{
    const char *name = good_clips[_i];
    const video_clip *clip = video_clips_find(name);
    char *out = output_of(&run_overlay, name);
    ck_assert_msg(g_file_test(out, G_FILE_TEST_EXISTS), "%s missing: %s", out,
                  run_overlay.err);
    JsonObject *probe = dk_test_ffprobe_json(out, VIDEO_CLIPS_PROBE);
    ck_assert_int_eq(video_clips_count_streams(probe, "video"), 1);
    ck_assert_int_eq(video_clips_count_streams(probe, "audio"), 1);
    JsonObject *v = video_clips_stream(probe, "video");
    ck_assert_str_eq(json_object_get_string_member(v, "codec_name"), "h264");
    ck_assert_str_eq(json_object_get_string_member(v, "profile"), "High");
    ck_assert_str_eq(json_object_get_string_member(v, "pix_fmt"), "yuv420p");
    /* the size a player showed, made even, never scaled up */
    ck_assert_int_eq(json_object_get_int_member(v, "width"),
                     clip->display_width / 2 * 2);
    ck_assert_int_eq(json_object_get_int_member(v, "height"),
                     clip->display_height / 2 * 2);
    /* progressive frames, whatever came in */
    if (json_object_has_member(v, "field_order"))
        ck_assert_str_eq(json_object_get_string_member(v, "field_order"),
                         "progressive");
    if (strcmp(name, "interlaced.mp4") == 0) {
        /* ffmpeg's field detector sees frames, not woven fields */
        char *cmd = g_strdup_printf("ffmpeg -nostdin -i '%s' -vf idet -f null "
                                    "- 2>&1 | grep 'Multi frame'",
                                    out);
        char *line = dk_test_sh_ok("%s", cmd);
        int tff = 0, bff = 0, progressive = 0;
        const char *at = strstr(line, "TFF:");
        ck_assert_msg(at && sscanf(at, "TFF: %d BFF: %d Progressive: %d", &tff,
                                   &bff, &progressive) == 3,
                      "no idet line: %s", line);
        ck_assert_msg(progressive > 4 * (tff + bff), "still interlaced: %s",
                      line);
        g_free(line);
        g_free(cmd);
    }
    /* turned pixels, so no display matrix may turn them again */
    ck_assert(!json_object_has_member(v, "side_data_list"));
    JsonObject *a = video_clips_stream(probe, "audio");
    ck_assert_str_eq(json_object_get_string_member(a, "codec_name"), "aac");
    ck_assert_str_eq(json_object_get_string_member(a, "profile"), "LC");
    ck_assert_int_eq((int)video_clips_number(a, "sample_rate"), 48000);
    ck_assert_int_eq(json_object_get_int_member(a, "channels"), 2);
    ck_assert_int_lt(video_clips_box_index(out, "moov"),
                     video_clips_box_index(out, "mdat"));
    double gap = video_clips_max_keyframe_gap(out);
    ck_assert_msg(gap <= 2.0 + 1e-3, "%s: keyframes %.3f s apart", name, gap);

    /* duration within one output frame of the source's video */
    char *source = clip_path(name);
    JsonObject *source_probe = dk_test_ffprobe_json(source, VIDEO_CLIPS_PROBE);
    double want = video_clips_number(video_clips_stream(source_probe, "video"),
                                     "duration");
    double got = video_clips_number(v, "duration");
    double frame = 1.0 / video_clips_number(v, "nb_frames") * got;
    ck_assert_msg(fabs(got - want) <= frame + 1e-3,
                  "%s: video lasts %.3f s, source %.3f s", name, got, want);
    /* a silent track as long as the picture (whole AAC frames) */
    if (!clip->has_audio) {
        double audio = video_clips_number(a, "duration");
        ck_assert_msg(fabs(audio - got) <= 1024.0 / 48000 + frame,
                      "silence lasts %.3f s, video %.3f s", audio, got);
        char *cmd = g_strdup_printf(
            "ffmpeg -nostdin -v info -i '%s' -map 0:a -af volumedetect "
            "-f null - 2>&1 | grep max_volume",
            out);
        char *volume = dk_test_sh_ok("%s", cmd);
        ck_assert_msg(strstr(volume, "-91") || strstr(volume, "-inf"),
                      "not silent: %s", volume);
        g_free(volume);
        g_free(cmd);
    }
    json_object_unref(source_probe);
    json_object_unref(probe);
    g_free(source);
    g_free(out);
}
END_TEST

/* The red block sits in the stored top-left corner; wherever ffmpeg's
 * own auto-rotation puts it, ours must put it too. */
static void red_centre(const uint8_t *rgb, int w, int h, double *cx, double *cy)
{
    double sx = 0, sy = 0, n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = rgb + ((size_t)y * w + x) * 3;
            if (p[0] > 180 && p[1] < 80 && p[2] < 80)
                sx += x, sy += y, n++;
        }
    ck_assert_msg(n > 1000, "no red block");
    *cx = sx / n / w;
    *cy = sy / n / h;
}

START_TEST(test_rotation_direction)
{
    char *source = clip_path("portrait.mp4");
    char *out = output_of(&run_overlay, "portrait.mp4");
    int sw, sh, ow, oh;
    uint8_t *a = video_clips_rgb_frame(source, 0, 0, 0, &sw, &sh);
    uint8_t *b = video_clips_rgb_frame(out, 0, 0, 0, &ow, &oh);
    ck_assert_int_eq(sw, 360);
    ck_assert_int_eq(sh, 640);
    ck_assert_int_eq(ow, sw);
    ck_assert_int_eq(oh, sh);
    double ax, ay, bx, by;
    red_centre(a, sw, sh, &ax, &ay);
    red_centre(b, ow, oh, &bx, &by);
    ck_assert_msg(fabs(ax - bx) < 0.05 && fabs(ay - by) < 0.05,
                  "red block at (%.2f, %.2f), players show it at (%.2f, "
                  "%.2f)",
                  bx, by, ax, ay);
    g_free(a);
    g_free(b);
    g_free(out);
    g_free(source);
}
END_TEST

/* Frame 45 (1.5 s, after the lower third) of source and output: they
 * differ inside the mark's rectangle and hardly anywhere else. */
START_TEST(test_overlay_pixels)
{
    char *source = clip_path("land.mp4");
    char *out = output_of(&run_overlay, "land.mp4");
    int w, h, ow, oh;
    uint8_t *a = video_clips_rgb_frame(source, 45, 0, 0, &w, &h);
    uint8_t *b = video_clips_rgb_frame(out, 45, 0, 0, &ow, &oh);
    ck_assert_int_eq(ow, w);
    ck_assert_int_eq(oh, h);
    dk_overlay *mark = video_clips_expected_mark(
        logo, OVERLAY_TEXT, DK_ANCHOR_BOTTOM_RIGHT, 640, 360);
    /* the top half never has the mark */
    video_clips_assert_mark(
        a, b, w, (int[4]){mark->x, mark->y, mark->width, mark->height}, 0, 0, w,
        h / 2);
    dk_overlay_free(&mark);
    g_free(a);
    g_free(b);
    g_free(out);
    g_free(source);
}
END_TEST

/* The lower third (lower-third-seconds=1) is there at 0.33 s, gone at
 * 2 s: the bottom-left region differs from the source only early. */
START_TEST(test_lower_third_timing)
{
    char *source = clip_path("land.mp4");
    char *out = output_of(&run_overlay, "land.mp4");
    double diff[2];
    const int frames[2] = {10, 60};
    for (int i = 0; i < 2; i++) {
        int w, h;
        uint8_t *a = video_clips_rgb_frame(source, frames[i], 0, 0, &w, &h);
        uint8_t *b = video_clips_rgb_frame(out, frames[i], 0, 0, &w, &h);
        diff[i] =
            video_clips_mean_diff(a, b, w, 0, h * 6 / 10, w / 2, h * 35 / 100);
        g_free(a);
        g_free(b);
    }
    ck_assert_msg(diff[0] > 6 && diff[0] > 3 * diff[1],
                  "lower third region differs by %.1f early, %.1f late",
                  diff[0], diff[1]);
    g_free(out);
    g_free(source);
}
END_TEST

static char *packet_hashes(const char *path, const char *stream)
{
    g_autofree char *options = g_strdup_printf(
        "-select_streams %s -show_packets -show_data_hash sha256 "
        "-show_entries packet=data_hash -of csv=p=0",
        stream);
    char *out = dk_test_ffprobe(path, options);
    ck_assert_msg(out != NULL, "ffprobe could not read %s", path);
    return out;
}

/* Compliant and nothing visual to change: copied packet for packet, moov
 * moved to the front. */
START_TEST(test_remux_compliant)
{
    ck_assert_msg(run_plain.status == 0, "%s", run_plain.err);
    char *source = clip_path("ready.mp4");
    char *out = output_of(&run_plain, "ready.mp4");
    const char *streams[] = {"v:0", "a:0"};
    for (size_t i = 0; i < G_N_ELEMENTS(streams); i++) {
        char *a = packet_hashes(source, streams[i]);
        char *b = packet_hashes(out, streams[i]);
        ck_assert_msg(strlen(a) > 100, "no packets in %s", source);
        ck_assert_msg(strcmp(a, b) == 0, "%s packets differ", streams[i]);
        g_free(a);
        g_free(b);
    }
    ck_assert_int_lt(video_clips_box_index(out, "moov"),
                     video_clips_box_index(out, "mdat"));
    g_free(out);
    g_free(source);
}
END_TEST

/* The same clip with an overlay is encoded, not copied. */
START_TEST(test_overlay_forces_encode)
{
    char *source = clip_path("ready.mp4");
    char *out = output_of(&run_overlay, "ready.mp4");
    char *a = packet_hashes(source, "v:0");
    char *b = packet_hashes(out, "v:0");
    ck_assert_str_ne(a, b);
    g_free(a);
    g_free(b);
    g_free(out);
    g_free(source);
}
END_TEST

/* ---- broken input ---- */

static const char *const broken_clips[] = {"garbage.mp4", "truncated.mp4"};

START_TEST(test_broken_input)
{
    const char *name = broken_clips[_i];
    ck_assert_int_eq(run_overlay.status, 1);
    /* one line naming the file */
    int naming = video_clips_error_lines(&run_overlay, name);
    ck_assert_msg(naming == 1, "%d error lines for %s in:\n%s", naming, name,
                  run_overlay.err);
    char *out = output_of(&run_overlay, name);
    ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(video_clips_count_temp_files(run_overlay.library), 0);
    g_free(out);
}
END_TEST

/* A clip that takes longer than `timeout` is abandoned with a clear line,
 * and neither the output nor its temp or scratch file stays behind. */
START_TEST(test_timeout)
{
    ck_assert_int_eq(run_timeout.status, 1);
    ck_assert_msg(strstr(run_timeout.err, "long.mp4") &&
                      strstr(run_timeout.err, "timeout"),
                  "%s", run_timeout.err);
    ck_assert_msg(run_timeout.seconds < 30, "took %.1f s", run_timeout.seconds);
    char *out = output_of(&run_timeout, "long.mp4");
    ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(video_clips_count_temp_files(run_timeout.library), 0);
    g_free(out);
}
END_TEST

/* Without a terminal, `dokpim run` prints a line per tenth of the clip's
 * duration encoded: several, rising, all before the clip is done. */
START_TEST(test_progress_lines)
{
    ck_assert_msg(run_progress.status == 0, "%s", run_progress.err);
    int last = -1;
    int lines =
        dk_test_progress_lines(run_progress.err, "long.mp4", "encoding", &last);
    ck_assert_msg(lines >= 3 && last >= 50, "%d lines, last %d%%: %s", lines,
                  last, run_progress.err);
}
END_TEST

START_TEST(test_options_listed)
{
    const char *args[] = {"plugins", "transcode.video", NULL};
    char *out = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, &out, NULL), 0);
    const char *names[] = {"remux-if-compliant",
                           "lower-third-seconds",
                           "add-silence",
                           "preset",
                           "crf",
                           "timeout"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        ck_assert_msg(strstr(out, names[i]), "%s not listed", names[i]);
    g_free(out);
}
END_TEST

static void build_everything(void)
{
    root = dk_test_tmpdir("transcode-video");
    const char *all[] = {"land.mp4",    "odd.mp4",        "portrait.mp4",
                         "silent.mp4",  "vfr.mp4",        "hevc.mov",
                         "ready.mp4",   "interlaced.mp4", "long.mp4",
                         "garbage.mp4", "truncated.mp4",  NULL};
    clips = video_clips_folder(root, all);
    logo = dk_test_source_path("assets/logo/dokpim-logo.png");

    char *overlay = g_strdup_printf("logo=%s\ntext=" OVERLAY_TEXT "\n"
                                    "lower-third=true\n"
                                    "lower-third-seconds=1\n",
                                    logo);
    const char *with_ready[G_N_ELEMENTS(overlay_inputs) + 1];
    size_t n = 0;
    for (; overlay_inputs[n]; n++)
        with_ready[n] = overlay_inputs[n];
    with_ready[n++] = "ready.mp4";
    with_ready[n] = NULL;
    run(&run_overlay, "overlay", overlay, with_ready);
    g_free(overlay);
    const char *plain[] = {"ready.mp4", NULL};
    run(&run_plain, "plain", "text=", plain);
    const char *slow[] = {"long.mp4", NULL};
    run(&run_timeout, "timeout", "timeout=1\npreset=veryslow\ntext=", slow);
    run(&run_progress, "progress", "preset=ultrafast\ntext=", slow);
}

int main(void)
{
    Suite *suite = suite_create("transcode.video");
    TCase *tc = tcase_create("outputs");
    /* once, in the runner's process: every test reads the same runs */
    tcase_add_unchecked_fixture(tc, build_everything, NULL);
    tcase_set_timeout(tc, 240);
    tcase_add_loop_test(tc, test_youtube_ready, 0, G_N_ELEMENTS(good_clips));
    tcase_add_test(tc, test_rotation_direction);
    tcase_add_test(tc, test_overlay_pixels);
    tcase_add_test(tc, test_lower_third_timing);
    tcase_add_test(tc, test_remux_compliant);
    tcase_add_test(tc, test_overlay_forces_encode);
    tcase_add_loop_test(tc, test_broken_input, 0, G_N_ELEMENTS(broken_clips));
    tcase_add_test(tc, test_timeout);
    tcase_add_test(tc, test_progress_lines);
    tcase_add_test(tc, test_options_listed);
    suite_add_tcase(suite, tc);
    return dk_test_run_suite(suite);
}
