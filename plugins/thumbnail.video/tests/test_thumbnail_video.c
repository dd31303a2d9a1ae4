/* thumbnail.video through the real `dokpim run` on generated clips, judged
 * with ImageMagick and ffmpeg: 1280x720 JPEG under 2 MB, bars or a crop
 * for a portrait clip, the sharpest candidate chosen, a chosen time
 * honoured, the overlay where the shared renderer puts it, broken input
 * refused cleanly. Plus the sharpness score on synthetic pictures. */
#include <check.h>
#include <dokpim/overlay.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test.h"
#include "thumbnail_video.h"
#include "video_clips.h"

#define OVERLAY_TEXT "DOKPIM UJI 2025"

static char *root;
static char *clips;
static char *logo;
static video_clips_run run_pad;  /* overlay, fit=pad, auto pick */
static video_clips_run run_crop; /* no overlay, fit=crop, auto pick */
static video_clips_run run_at;   /* no overlay, at=1 */

static void run(video_clips_run *result, const char *name, const char *extra,
                const char *const *inputs)
{
    video_clips_dokpim_stage(result, root, name, "thumb", "thumbnail.video",
                             "{original.stem}.jpg", extra, clips, inputs);
}

static char *thumb(const video_clips_run *result, const char *clip)
{
    return video_clips_output(result, "thumb", clip, ".jpg");
}

static uint8_t *picture(const char *path, int *w, int *h)
{
    return video_clips_rgb_frame(path, 0, 0, 0, w, h);
}

static double region_mean(const uint8_t *rgb, int width, int x, int y, int w,
                          int h)
{
    double sum = 0;
    for (int row = y; row < y + h; row++)
        for (int col = x; col < x + w; col++)
            for (int c = 0; c < 3; c++)
                sum += rgb[((size_t)row * width + col) * 3 + c];
    return sum / ((double)w * h * 3);
}

/* ImageMagick's spread of the Laplacian over the bottom half (the overlay
 * of run_pad sits top-left): an independent sharpness measure. */
static double laplacian_spread(const char *path)
{
    char *cmd = g_strdup_printf(
        "convert '%s' -resize 1280x720! -crop 1280x360+0+360 -colorspace gray "
        "-morphology Convolve Laplacian:0 -format '%%[fx:standard_deviation]' "
        "info:",
        path);
    char *out = dk_test_sh_ok("%s", cmd);
    double spread = g_ascii_strtod(out, NULL);
    g_free(out);
    g_free(cmd);
    return spread;
}

/* ---- every thumbnail ---- */

typedef struct made {
    video_clips_run *run;
    const char *clip;
} made;

static const made all_made[] = {
    {&run_pad, "land.mp4"},      {&run_pad, "portrait.mp4"},
    {&run_pad, "blurry.mp4"},    {&run_crop, "land.mp4"},
    {&run_crop, "portrait.mp4"}, {&run_at, "land.mp4"},
};

START_TEST(test_youtube_limits)
{
    char *path = thumb(all_made[_i].run, all_made[_i].clip);
    ck_assert_msg(g_file_test(path, G_FILE_TEST_EXISTS), "%s missing: %s", path,
                  all_made[_i].run->err);
    char *cmd =
        g_strdup_printf("identify -format '%%m %%w %%h %%B' '%s'", path);
    char *out = dk_test_sh_ok("%s", cmd);
    char format[16] = "";
    int w = 0, h = 0;
    long bytes = 0;
    ck_assert_int_eq(sscanf(out, "%15s %d %d %ld", format, &w, &h, &bytes), 4);
    ck_assert_str_eq(format, "JPEG");
    ck_assert_int_eq(w, 1280);
    ck_assert_int_eq(h, 720);
    ck_assert_int_lt(bytes, 2000000);
    g_free(out);
    g_free(cmd);
    g_free(path);
}
END_TEST

/* A portrait clip: black bars left and right with fit=pad, none with
 * fit=crop (the grey picture fills the frame). */
START_TEST(test_portrait_fit)
{
    char *padded = thumb(&run_pad, "portrait.mp4");
    char *cropped = thumb(&run_crop, "portrait.mp4");
    int w, h;
    uint8_t *a = picture(padded, &w, &h);
    ck_assert_double_lt(region_mean(a, w, 0, 0, 200, h), 12);
    ck_assert_double_lt(region_mean(a, w, w - 200, 0, 200, 300), 12);
    ck_assert_double_gt(region_mean(a, w, 540, 200, 200, 300), 60);
    uint8_t *b = picture(cropped, &w, &h);
    ck_assert_double_gt(region_mean(b, w, 0, 200, 200, 300), 60);
    ck_assert_double_gt(region_mean(b, w, w - 200, 200, 200, 300), 60);
    g_free(a);
    g_free(b);
    g_free(padded);
    g_free(cropped);
}
END_TEST

/* blurry.mp4 is sharp only between 2.0 and 2.8 s; of the five candidates
 * (0.83, 1.67, 2.5, 3.33, 4.17 s) the one at 2.5 s must win. */
START_TEST(test_sharpest_candidate)
{
    char *path = thumb(&run_pad, "blurry.mp4");
    char *sharp = g_strdup_printf("%s/sharp.png", root);
    char *blurred = g_strdup_printf("%s/blurred.png", root);
    char *source = g_build_filename(clips, "blurry.mp4", NULL);
    char *cmd = g_strdup_printf(
        "ffmpeg -nostdin -v error -y -ss 2.5 -i '%s' -frames:v 1 '%s' && "
        "ffmpeg -nostdin -v error -y -ss 1.67 -i '%s' -frames:v 1 '%s'",
        source, sharp, source, blurred);
    g_free(dk_test_sh_ok("%s", cmd));
    double got = laplacian_spread(path);
    double want = laplacian_spread(sharp);
    double blur = laplacian_spread(blurred);
    ck_assert_msg(want > 2 * blur, "clip not blurred enough: %g vs %g", want,
                  blur);
    ck_assert_msg(fabs(got - want) < fabs(got - blur),
                  "thumbnail sharpness %g; sharp frame %g, blurred %g", got,
                  want, blur);
    g_free(cmd);
    g_free(source);
    g_free(blurred);
    g_free(sharp);
    g_free(path);
}
END_TEST

/* at=1: closer to ffmpeg's frame at 1 s than to the one at 2 s. */
START_TEST(test_chosen_time)
{
    char *path = thumb(&run_at, "land.mp4");
    char *source = g_build_filename(clips, "land.mp4", NULL);
    int w, h, fw, fh;
    uint8_t *got = picture(path, &w, &h);
    uint8_t *one = video_clips_rgb_frame(source, 30, w, h, &fw, &fh);
    uint8_t *two = video_clips_rgb_frame(source, 60, w, h, &fw, &fh);
    double d1 = video_clips_mean_diff(got, one, w, 0, 0, w, h);
    double d2 = video_clips_mean_diff(got, two, w, 0, 0, w, h);
    ck_assert_msg(d1 < 8 && d1 * 2 < d2, "diff to 1 s %.1f, to 2 s %.1f", d1,
                  d2);
    g_free(got);
    g_free(one);
    g_free(two);
    g_free(source);
    g_free(path);
}
END_TEST

/* The same frame with and without the overlay (land.mp4 is 16:9, so pad
 * and crop agree): they differ where the renderer puts the mark. */
START_TEST(test_overlay_region)
{
    char *marked = thumb(&run_pad, "land.mp4");
    char *plain = thumb(&run_crop, "land.mp4");
    int w, h;
    uint8_t *a = picture(marked, &w, &h);
    uint8_t *b = picture(plain, &w, &h);
    dk_overlay *mark = video_clips_expected_mark(logo, OVERLAY_TEXT,
                                                 DK_ANCHOR_TOP_LEFT, 1280, 720);
    video_clips_assert_mark(
        a, b, w, (int[4]){mark->x, mark->y, mark->width, mark->height}, 0,
        h / 2, w, h / 2);
    dk_overlay_free(&mark);
    g_free(a);
    g_free(b);
    g_free(marked);
    g_free(plain);
}
END_TEST

START_TEST(test_broken_input)
{
    ck_assert_int_eq(run_pad.status, 1);
    ck_assert_int_eq(video_clips_error_lines(&run_pad, "garbage.mp4"), 1);
    char *path = thumb(&run_pad, "garbage.mp4");
    ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(video_clips_count_temp_files(run_pad.library), 0);
    g_free(path);
}
END_TEST

/* ---- the score itself ---- */

typedef enum { FLAT, CHECKER, CHECKER_BLURRED, NOISE } pattern;

static uint8_t *make_pattern(pattern kind, int w, int h)
{
    uint8_t *rgb = g_malloc((gsize)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = 128;
            if (kind == CHECKER)
                v = ((x / 8 + y / 8) % 2) ? 220 : 30;
            else if (kind == CHECKER_BLURRED) /* a ramp over each square */
                v = 30 + 190 * ((x % 16) < 8 ? (x % 8) : 7 - (x % 8)) / 7;
            else if (kind == NOISE)
                v = g_random_int_range(0, 256);
            memset(rgb + ((size_t)y * w + x) * 3, v, 3);
        }
    return rgb;
}

static double score(pattern kind)
{
    uint8_t *rgb = make_pattern(kind, 64, 48);
    double s = thumbnail_video_sharpness(rgb, 64, 48, 64 * 3);
    g_free(rgb);
    return s;
}

START_TEST(test_sharpness_ranking)
{
    ck_assert_double_eq_tol(score(FLAT), 0, 1e-9);
    ck_assert_double_gt(score(CHECKER), 10 * score(CHECKER_BLURRED));
    ck_assert_double_gt(score(CHECKER_BLURRED), 0);
    ck_assert_double_gt(score(NOISE), score(CHECKER_BLURRED));
    /* too small to have a Laplacian */
    uint8_t tiny[2 * 2 * 3] = {0, 255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255};
    ck_assert_double_eq(thumbnail_video_sharpness(tiny, 2, 2, 6), 0);
}
END_TEST

static void build_everything(void)
{
    root = dk_test_tmpdir("thumbnail-video");
    const char *files[] = {"land.mp4", "portrait.mp4", "blurry.mp4",
                           "garbage.mp4", NULL};
    clips = video_clips_folder(root, files);
    logo = dk_test_source_path("assets/logo/dokpim-logo.png");
    /* top-left, where testsrc2's busy bottom-right corner does not hide it */
    char *overlay = g_strdup_printf("logo=%s\ntext=" OVERLAY_TEXT "\n"
                                    "position=top-left\nfit=pad\n",
                                    logo);
    run(&run_pad, "pad", overlay, files);
    g_free(overlay);
    const char *two[] = {"land.mp4", "portrait.mp4", NULL};
    run(&run_crop, "crop", "text=\nfit=crop", two);
    const char *one[] = {"land.mp4", NULL};
    run(&run_at, "at", "text=\nat=1", one);
}

int main(void)
{
    Suite *suite = suite_create("thumbnail.video");
    TCase *units = tcase_create("sharpness");
    tcase_add_test(units, test_sharpness_ranking);
    suite_add_tcase(suite, units);
    TCase *tc = tcase_create("outputs");
    tcase_add_unchecked_fixture(tc, build_everything, NULL);
    tcase_set_timeout(tc, 200);
    tcase_add_loop_test(tc, test_youtube_limits, 0, G_N_ELEMENTS(all_made));
    tcase_add_test(tc, test_portrait_fit);
    tcase_add_test(tc, test_sharpest_candidate);
    tcase_add_test(tc, test_chosen_time);
    tcase_add_test(tc, test_overlay_region);
    tcase_add_test(tc, test_broken_input);
    suite_add_tcase(suite, tc);
    return dk_test_run_suite(suite);
}
