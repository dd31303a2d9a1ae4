/* Tests of the overlay renderer: placement in all 8 EXIF orientations
 * (checked by rotating the blended frame back to what a viewer sees, with
 * transforms written here independently of the library), blending that
 * touches nothing outside the overlay, scripts that need shaping, I420
 * against RGB, the metadata round trip and every error class. */
#include "dk_test.h"

#include <check.h>
#include <dokpim/overlay.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

/* pango 1.50 loses a few fontconfig patterns it builds on its own loader
 * thread (a bare pango_layout_get_size() shows the same report), so
 * LeakSanitizer is told to ignore allocations made inside fontconfig. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}

static char *tmp;
static char *logo_png; /* 200x50: red left half, blue right half, alpha */

/* The logo is asymmetric on both axes (colour left/right, transparent
 * stripe at the bottom) so a mirrored or rotated mark is caught. */
static void make_logo(void)
{
    tmp = dk_test_tmpdir("overlay");
    logo_png = g_build_filename(tmp, "logo.png", NULL);
    cairo_surface_t *s =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 200, 50);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgba(cr, 1, 0, 0, 1);
    cairo_rectangle(cr, 0, 0, 100, 40);
    cairo_fill(cr);
    cairo_set_source_rgba(cr, 0, 0, 1, 1);
    cairo_rectangle(cr, 100, 0, 100, 40);
    cairo_fill(cr);
    cairo_set_source_rgba(cr, 0, 1, 0, 0.5);
    cairo_rectangle(cr, 0, 40, 200, 10);
    cairo_fill(cr);
    cairo_destroy(cr);
    ck_assert_int_eq(cairo_surface_write_to_png(s, logo_png),
                     CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
}

static void teardown(void)
{
    g_clear_pointer(&logo_png, g_free);
    g_clear_pointer(&tmp, g_free);
    dk_test_cleanup_dirs();
}

static dk_overlay_spec base_spec(const char *text)
{
    dk_overlay_spec spec = {0};
    spec.logo_path = logo_png;
    spec.text = (char *)text;
    spec.anchor = DK_ANCHOR_BOTTOM_RIGHT;
    spec.width_fraction = 0.25;
    spec.margin_fraction = 0.02;
    spec.opacity = 1;
    return spec;
}

/* ---- images ---- */
typedef struct image {
    int w, h;
    uint8_t *rgb;
} image;

static image image_new(int w, int h)
{
    image im = {w, h, g_malloc((gsize)w * h * 3)};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                im.rgb[((gsize)y * w + x) * 3 + c] =
                    (uint8_t)(60 + (x * 7 + y * 13 + c * 5) % 40);
    return im;
}

static uint8_t *pixel(const image *im, int x, int y)
{
    return im->rgb + ((gsize)y * im->w + x) * 3;
}

static image mirror(const image *in)
{
    image out = {in->w, in->h, g_malloc((gsize)in->w * in->h * 3)};
    for (int y = 0; y < in->h; y++)
        for (int x = 0; x < in->w; x++)
            memcpy(pixel(&out, x, y), pixel(in, in->w - 1 - x, y), 3);
    return out;
}

/* Turned 90 degrees clockwise: the left column becomes the top row. */
static image rotate_cw(const image *in)
{
    image out = {in->h, in->w, g_malloc((gsize)in->w * in->h * 3)};
    for (int y = 0; y < out.h; y++)
        for (int x = 0; x < out.w; x++)
            memcpy(pixel(&out, x, y), pixel(in, y, in->h - 1 - x), 3);
    return out;
}

/* What a viewer shows for EXIF orientation o, as the standard words it:
 * mirror left-right first when asked, then turn clockwise. */
static image to_visual(const image *stored, int o)
{
    static const struct {
        int mirror, quarter_turns;
    } steps[9] = {{0, 0}, {0, 0}, {1, 0}, {0, 2}, {1, 2},
                  {1, 3}, {0, 1}, {1, 1}, {0, 3}};
    image cur = {stored->w, stored->h,
                 g_memdup2(stored->rgb, (gsize)stored->w * stored->h * 3)};
    if (steps[o].mirror) {
        image next = mirror(&cur);
        g_free(cur.rgb);
        cur = next;
    }
    for (int i = 0; i < steps[o].quarter_turns; i++) {
        image next = rotate_cw(&cur);
        g_free(cur.rgb);
        cur = next;
    }
    return cur;
}

static guint64 checksum_outside(const image *im, const dk_overlay *ov)
{
    guint64 sum = 1469598103934665603ull;
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++) {
            if (x >= ov->x && x < ov->x + ov->width && y >= ov->y &&
                y < ov->y + ov->height)
                continue;
            for (int c = 0; c < 3; c++)
                sum = (sum ^ pixel(im, x, y)[c]) * 1099511628211ull;
        }
    return sum;
}

/* ---- placement in every orientation ---- */
START_TEST(test_orientation_bottom_right)
{
    int o = _i;
    const int W = 320, H = 200;
    dk_overlay_spec spec = base_spec("Badung");
    dk_overlay *ov = NULL;
    dk_error err = {0};
    ck_assert_msg(dk_overlay_render(&spec, W, H, o, &ov, &err) == 0, "%s",
                  err.message);

    image before = image_new(W, H), frame = image_new(W, H);
    guint64 outside = checksum_outside(&frame, ov);
    dk_overlay_blend_rgb24(ov, frame.rgb, W, H, W * 3);
    ck_assert_msg(checksum_outside(&frame, ov) == outside,
                  "orientation %d: pixels outside the overlay changed", o);

    image vis = to_visual(&frame, o), vis0 = to_visual(&before, o);
    int vw = vis.w, vh = vis.h;
    ck_assert_int_eq(vw, o >= 5 ? H : W);
    int box_w = (int)lround(0.25 * vw), margin = (int)lround(0.02 * vw);
    int box_h = o >= 5 ? ov->width : ov->height;
    ck_assert_int_eq(o >= 5 ? ov->height : ov->width, box_w);
    ck_assert_int_lt(box_h, vh / 2);

    int changed = 0, min_x = vw, min_y = vh, max_x = -1, max_y = -1;
    for (int y = 0; y < vh; y++)
        for (int x = 0; x < vw; x++) {
            if (!memcmp(pixel(&vis, x, y), pixel(&vis0, x, y), 3))
                continue;
            changed++;
            min_x = MIN(min_x, x), max_x = MAX(max_x, x);
            min_y = MIN(min_y, y), max_y = MAX(max_y, y);
        }
    ck_assert_int_gt(changed, box_w * box_h / 4);
    /* everything changed lies in the box against the bottom-right margin */
    ck_assert_int_ge(min_x, vw - margin - box_w);
    ck_assert_int_ge(min_y, vh - margin - box_h);
    ck_assert_int_lt(max_x, vw - margin);
    ck_assert_int_lt(max_y, vh - margin);
    ck_assert_int_ge(max_x, vw - margin - 2); /* the logo reaches the edge */

    /* and the logo reads upright: red on the left, blue on the right, at
     * the top of the box */
    int top = vh - margin - box_h, logo_mid = top + box_w * 40 / 200 / 2;
    const uint8_t *left = pixel(&vis, vw - margin - box_w * 3 / 4, logo_mid);
    const uint8_t *right = pixel(&vis, vw - margin - box_w / 4, logo_mid);
    ck_assert_msg(left[0] > 200 && left[2] < 50,
                  "orientation %d: left %d,%d,%d", o, left[0], left[1],
                  left[2]);
    ck_assert_msg(right[2] > 200 && right[0] < 50,
                  "orientation %d: right %d,%d,%d", o, right[0], right[1],
                  right[2]);

    g_free(vis.rgb), g_free(vis0.rgb), g_free(frame.rgb), g_free(before.rgb);
    dk_overlay_free(&ov);
    ck_assert_ptr_null(ov);
}
END_TEST

/* ---- every anchor lands where it says, orientation 1 ---- */
static const struct {
    dk_anchor anchor;
    double x, y;   /* custom position */
    double cx, cy; /* expected centre of the box, 0..1 of the frame */
} anchor_cases[] = {
    {DK_ANCHOR_TOP_LEFT, 0, 0, 0.15, 0.1},
    {DK_ANCHOR_TOP_RIGHT, 0, 0, 0.85, 0.1},
    {DK_ANCHOR_BOTTOM_LEFT, 0, 0, 0.15, 0.9},
    {DK_ANCHOR_CENTER, 0, 0, 0.5, 0.5},
    {DK_ANCHOR_CUSTOM, 0.5, 0.5, 0.5, 0.5},
    {DK_ANCHOR_CUSTOM, 1, 0, 0.875, 0.1},
};

START_TEST(test_anchors)
{
    dk_overlay_spec spec = base_spec(NULL);
    spec.anchor = anchor_cases[_i].anchor;
    spec.custom_x = anchor_cases[_i].x;
    spec.custom_y = anchor_cases[_i].y;
    dk_overlay *ov = NULL;
    ck_assert_int_eq(dk_overlay_render(&spec, 800, 800, 1, &ov, NULL), 0);
    double cx = (ov->x + ov->width / 2.0) / 800;
    double cy = (ov->y + ov->height / 2.0) / 800;
    ck_assert_msg(fabs(cx - anchor_cases[_i].cx) < 0.05 &&
                      fabs(cy - anchor_cases[_i].cy) < 0.1,
                  "%s: centre %.3f,%.3f", dk_anchor_name(spec.anchor), cx, cy);
    dk_overlay_free(&ov);
}
END_TEST

/* ---- text in scripts that need shaping ---- */
static const struct {
    const char *name, *text;
} scripts[] = {
    {"latin", "Badung"},
    {"balinese",
     "\xe1\xac\xa9\xe1\xac\xa4\xe1\xac\xb8\xe1\xac\x82"},   /* badung */
    {"arabic", "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"}, /* marhaba */
};

/* The machine must have a font for the script, else pango draws boxes and
 * nothing below would mean anything. */
static void assert_font_covers(const char *text)
{
    PangoContext *ctx =
        pango_font_map_create_context(pango_cairo_font_map_get_default());
    PangoLayout *layout = pango_layout_new(ctx);
    PangoFontDescription *font =
        pango_font_description_from_string("Sans Bold 20");
    pango_layout_set_font_description(layout, font);
    pango_layout_set_text(layout, text, -1);
    ck_assert_msg(pango_layout_get_unknown_glyphs_count(layout) == 0,
                  "no font for %s (install fonts-noto-core)", text);
    pango_font_description_free(font);
    g_object_unref(layout);
    g_object_unref(ctx);
}

/* Columns of the overlay that hold bright text ink. */
static void ink_columns(const dk_overlay *ov, int *first, int *last)
{
    *first = ov->width, *last = -1;
    for (int y = 0; y < ov->height; y++) {
        const uint32_t *row =
            (const uint32_t *)(ov->pixels + (gsize)y * ov->stride);
        for (int x = 0; x < ov->width; x++)
            if ((row[x] >> 24) > 200 && ((row[x] >> 16) & 0xff) > 200) {
                *first = MIN(*first, x);
                *last = MAX(*last, x);
            }
    }
}

START_TEST(test_scripts)
{
    int script = _i / 2;
    bool right = _i % 2 == 0;
    assert_font_covers(scripts[script].text);
    dk_overlay_spec spec = base_spec(scripts[script].text);
    spec.logo_path = NULL;
    spec.anchor = right ? DK_ANCHOR_BOTTOM_RIGHT : DK_ANCHOR_BOTTOM_LEFT;
    spec.width_fraction = 0.5;
    dk_overlay *ov = NULL;
    dk_error err = {0};
    ck_assert_msg(dk_overlay_render(&spec, 800, 600, 1, &ov, &err) == 0, "%s",
                  err.message);
    ck_assert_int_eq(ov->width, 400);
    ck_assert_int_lt(ov->height, 200);
    int first, last;
    ink_columns(ov, &first, &last);
    ck_assert_msg(last - first > 40, "%s: no text drawn", scripts[script].name);
    /* short text hugs the side of its anchor, right-to-left scripts too */
    int gap_left = first, gap_right = ov->width - 1 - last;
    ck_assert_msg(right ? gap_right < gap_left : gap_left < gap_right,
                  "%s %s: ink %d..%d of %d", scripts[script].name,
                  right ? "right" : "left", first, last, ov->width);
    dk_overlay_free(&ov);
}
END_TEST

/* A long text line wraps or shrinks, but never grows past the box. */
START_TEST(test_long_text_stays_in_box)
{
    GString *text = g_string_new(NULL);
    for (int i = 0; i < 40; i++)
        g_string_append(text, "Rapat Koordinasi Penanganan Sampah ");
    dk_overlay_spec spec = base_spec(text->str);
    dk_overlay *ov = NULL;
    ck_assert_int_eq(dk_overlay_render(&spec, 2048, 1365, 1, &ov, NULL), 0);
    ck_assert_int_eq(ov->width, 512);
    ck_assert_int_lt(ov->height, 1365 / 3);
    dk_overlay_free(&ov);
    g_string_free(text, TRUE);
}
END_TEST

/* ---- blending ---- */
START_TEST(test_opacity_zero_changes_nothing)
{
    dk_overlay_spec spec = base_spec("Badung");
    spec.opacity = 0;
    dk_overlay *ov = NULL;
    ck_assert_int_eq(dk_overlay_render(&spec, 301, 203, 6, &ov, NULL), 0);
    image frame = image_new(301, 203), before = image_new(301, 203);
    dk_overlay_blend_rgb24(ov, frame.rgb, 301, 203, 301 * 3);
    ck_assert_int_eq(memcmp(frame.rgb, before.rgb, 301 * 203 * 3), 0);
    g_free(frame.rgb), g_free(before.rgb);
    dk_overlay_free(&ov);
}
END_TEST

START_TEST(test_half_opacity_is_weaker)
{
    dk_overlay *full = NULL, *half = NULL;
    dk_overlay_spec spec = base_spec(NULL);
    ck_assert_int_eq(dk_overlay_render(&spec, 400, 300, 1, &full, NULL), 0);
    spec.opacity = 0.5;
    ck_assert_int_eq(dk_overlay_render(&spec, 400, 300, 1, &half, NULL), 0);
    uint32_t a = ((const uint32_t *)full->pixels)[full->width / 4];
    uint32_t b = ((const uint32_t *)half->pixels)[half->width / 4];
    ck_assert_uint_eq(a >> 24, 255);
    ck_assert_uint_ge(b >> 24, 126);
    ck_assert_uint_le(b >> 24, 129);
    dk_overlay_free(&full), dk_overlay_free(&half);
}
END_TEST

/* An overlay wider than a tiny frame is clipped, never written past it. */
START_TEST(test_clipped_to_frame)
{
    dk_overlay_spec spec = base_spec("Badung Bali Indonesia");
    spec.width_fraction = 1;
    spec.anchor = DK_ANCHOR_CENTER;
    for (int o = 1; o <= 8; o++) {
        dk_overlay *ov = NULL;
        ck_assert_int_eq(dk_overlay_render(&spec, 37, 9, o, &ov, NULL), 0);
        ck_assert_int_ge(ov->x, 0);
        ck_assert_int_ge(ov->y, 0);
        ck_assert_int_le(ov->x + ov->width, 37);
        ck_assert_int_le(ov->y + ov->height, 9);
        image frame = image_new(37, 9);
        dk_overlay_blend_rgb24(ov, frame.rgb, 37, 9, 37 * 3);
        uint8_t y[37 * 9], u[19 * 5], v[19 * 5];
        uint8_t *planes[3] = {y, u, v};
        int strides[3] = {37, 19, 19};
        dk_overlay_blend_i420(ov, planes, strides, 37, 9);
        g_free(frame.rgb);
        dk_overlay_free(&ov);
    }
}
END_TEST

/* BT.709 limited range, in floating point, as a reference. */
static void rgb_to_yuv(const uint8_t *p, double *y, double *cb, double *cr)
{
    double r = p[0], g = p[1], b = p[2];
    *y = 16 + (0.2126 * r + 0.7152 * g + 0.0722 * b) * 219 / 255;
    *cb =
        128 + (b - (0.2126 * r + 0.7152 * g + 0.0722 * b)) / 1.8556 * 224 / 255;
    *cr =
        128 + (r - (0.2126 * r + 0.7152 * g + 0.0722 * b)) / 1.5748 * 224 / 255;
}

START_TEST(test_i420_matches_rgb24)
{
    const int W = 321, H = 203, CW = (W + 1) / 2, CH = (H + 1) / 2;
    /* colours constant over each 2x2 block, so subsampling loses nothing
     * and the two paths must agree up to rounding */
    image frame = image_new(W, H);
    GRand *rand = g_rand_new_with_seed(7);
    for (int by = 0; by < CH; by++)
        for (int bx = 0; bx < CW; bx++) {
            uint8_t c[3];
            for (int k = 0; k < 3; k++)
                c[k] = (uint8_t)g_rand_int_range(rand, 0, 256);
            for (int y = 2 * by; y < MIN(2 * by + 2, H); y++)
                for (int x = 2 * bx; x < MIN(2 * bx + 2, W); x++)
                    memcpy(pixel(&frame, x, y), c, 3);
        }
    g_rand_free(rand);
    uint8_t *yp = g_malloc(W * H), *up = g_malloc(CW * CH),
            *vp = g_malloc(CW * CH);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double Y, U, V;
            rgb_to_yuv(pixel(&frame, x, y), &Y, &U, &V);
            yp[y * W + x] = (uint8_t)lround(Y);
            up[(y / 2) * CW + x / 2] = (uint8_t)lround(U);
            vp[(y / 2) * CW + x / 2] = (uint8_t)lround(V);
        }

    dk_overlay_spec spec =
        base_spec("Badung \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7");
    spec.opacity = 0.8;
    spec.margin_fraction = 0.013; /* odd offsets: blocks half covered */
    dk_overlay *ov = NULL;
    ck_assert_int_eq(dk_overlay_render(&spec, W, H, 1, &ov, NULL), 0);
    ck_assert_int_eq(ov->x % 2, 1);
    dk_overlay_blend_rgb24(ov, frame.rgb, W, H, W * 3);
    uint8_t *planes[3] = {yp, up, vp};
    int strides[3] = {W, CW, CW};
    dk_overlay_blend_i420(ov, planes, strides, W, H);

    double worst_y = 0, worst_c = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double Y, U, V;
            rgb_to_yuv(pixel(&frame, x, y), &Y, &U, &V);
            worst_y = fmax(worst_y, fabs(Y - yp[y * W + x]));
        }
    for (int by = 0; by < CH; by++)
        for (int bx = 0; bx < CW; bx++) {
            double su = 0, sv = 0;
            int n = 0;
            for (int y = 2 * by; y < MIN(2 * by + 2, H); y++)
                for (int x = 2 * bx; x < MIN(2 * bx + 2, W); x++, n++) {
                    double Y, U, V;
                    rgb_to_yuv(pixel(&frame, x, y), &Y, &U, &V);
                    su += U, sv += V;
                }
            worst_c = fmax(worst_c, fabs(su / n - up[by * CW + bx]));
            worst_c = fmax(worst_c, fabs(sv / n - vp[by * CW + bx]));
        }
    ck_assert_msg(worst_y <= 2.5 && worst_c <= 3.5,
                  "i420 differs from rgb24: luma %.1f chroma %.1f", worst_y,
                  worst_c);
    g_free(yp), g_free(up), g_free(vp), g_free(frame.rgb);
    dk_overlay_free(&ov);
}
END_TEST

/* Two threads blending one overlay: the I420 cache is built once. */
typedef struct blend_job {
    const dk_overlay *ov;
    uint8_t *y, *u, *v;
} blend_job;

static gpointer blend_thread(gpointer data)
{
    blend_job *job = data;
    uint8_t *planes[3] = {job->y, job->u, job->v};
    int strides[3] = {640, 320, 320};
    for (int i = 0; i < 20; i++)
        dk_overlay_blend_i420(job->ov, planes, strides, 640, 360);
    return NULL;
}

START_TEST(test_i420_threads)
{
    dk_overlay_spec spec = base_spec("Live");
    dk_overlay *ov = NULL;
    ck_assert_int_eq(dk_overlay_render(&spec, 640, 360, 1, &ov, NULL), 0);
    blend_job jobs[2];
    GThread *threads[2];
    for (int i = 0; i < 2; i++) {
        jobs[i] = (blend_job){ov, g_malloc0(640 * 360), g_malloc0(320 * 180),
                              g_malloc0(320 * 180)};
        threads[i] = g_thread_new("blend", blend_thread, &jobs[i]);
    }
    for (int i = 0; i < 2; i++)
        g_thread_join(threads[i]);
    ck_assert_int_eq(memcmp(jobs[0].y, jobs[1].y, 640 * 360), 0);
    ck_assert_int_eq(memcmp(jobs[0].u, jobs[1].u, 320 * 180), 0);
    for (int i = 0; i < 2; i++)
        g_free(jobs[i].y), g_free(jobs[i].u), g_free(jobs[i].v);
    dk_overlay_free(&ov);
}
END_TEST

/* ---- errors ---- */
typedef enum { LOGO_GOOD, LOGO_MISSING, LOGO_TEXT, LOGO_TRUNCATED } logo_kind;

static const struct {
    const char *name;
    logo_kind logo;
    const char *text;
    int width, height;
    double width_fraction;
    int code;
    const char *message; /* part of the message */
} error_cases[] = {
    {"missing logo", LOGO_MISSING, NULL, 640, 480, 0.25, DK_ERR_NOT_FOUND,
     "no such file"},
    {"logo not a PNG", LOGO_TEXT, NULL, 640, 480, 0.25, DK_ERR_INVALID,
     "not a readable PNG"},
    {"truncated PNG", LOGO_TRUNCATED, NULL, 640, 480, 0.25, DK_ERR_INVALID,
     "not a readable PNG"},
    {"nothing to draw", -1, NULL, 640, 480, 0.25, DK_ERR_INVALID,
     "neither a logo nor text"},
    {"zero frame", LOGO_GOOD, NULL, 0, 480, 0.25, DK_ERR_INVALID, "frame size"},
    {"negative frame", LOGO_GOOD, NULL, 640, -2, 0.25, DK_ERR_INVALID,
     "frame size"},
    {"absurd frame", LOGO_GOOD, NULL, 1 << 20, 480, 0.25, DK_ERR_INVALID,
     "frame size"},
    {"zero width", LOGO_GOOD, NULL, 640, 480, 0, DK_ERR_INVALID, "width"},
    {"overlay wider than cairo draws", LOGO_GOOD, NULL, 65535, 480, 1,
     DK_ERR_UNSUPPORTED, "larger than cairo"},
    {"bad utf-8", -1, "ab\xff\xfe", 640, 480, 0.25, DK_ERR_INVALID, "UTF-8"},
};

START_TEST(test_errors)
{
    char *path = NULL;
    switch ((int)error_cases[_i].logo) {
    case LOGO_GOOD:
        path = g_strdup(logo_png);
        break;
    case LOGO_MISSING:
        path = g_build_filename(tmp, "absent.png", NULL);
        break;
    case LOGO_TEXT:
        path = g_build_filename(tmp, "text.png", NULL);
        dk_test_write(path, "hello, not a png\n", -1);
        break;
    case LOGO_TRUNCATED: {
        gsize len;
        char *data = dk_test_read(logo_png, &len);
        path = g_build_filename(tmp, "cut.png", NULL);
        dk_test_write(path, data, (gssize)len / 2);
        g_free(data);
        break;
    }
    }
    dk_overlay_spec spec = base_spec(error_cases[_i].text);
    spec.logo_path = path;
    spec.width_fraction = error_cases[_i].width_fraction;
    dk_overlay sentinel = {0};
    dk_overlay *ov = &sentinel; /* must come back NULL */
    dk_error err = {0};
    int rc = dk_overlay_render(&spec, error_cases[_i].width,
                               error_cases[_i].height, 1, &ov, &err);
    ck_assert_msg(rc == error_cases[_i].code, "%s: rc %d (%s)",
                  error_cases[_i].name, rc, err.message);
    ck_assert_ptr_null(ov);
    ck_assert_msg(strstr(err.message, error_cases[_i].message), "%s: '%s'",
                  error_cases[_i].name, err.message);
    if (path && error_cases[_i].logo != LOGO_GOOD)
        ck_assert_msg(strstr(err.message, path), "message names the file");
    g_free(path);
}
END_TEST

/* ---- metadata ---- */
START_TEST(test_meta_round_trip)
{
    dk_meta *meta = dk_meta_new();
    dk_overlay_spec back;
    dk_error err = {0};
    ck_assert_int_eq(dk_overlay_spec_from_meta(meta, &back, &err),
                     DK_ERR_NOT_FOUND);

    dk_overlay_spec spec = base_spec("Badung \xc2\xb7 Rapat");
    spec.font = "Serif Italic";
    spec.anchor = DK_ANCHOR_CUSTOM;
    spec.custom_x = 0.3, spec.custom_y = 0.7;
    spec.width_fraction = 0.4, spec.margin_fraction = 0.05;
    spec.opacity = 0.6;
    dk_overlay_spec_to_meta(&spec, meta);
    ck_assert_str_eq(dk_meta_get(meta, "overlay.anchor"), "custom");
    ck_assert_str_eq(dk_meta_get(meta, "overlay.logo"), logo_png);
    ck_assert_int_eq(dk_overlay_spec_from_meta(meta, &back, &err), 0);
    ck_assert_str_eq(back.logo_path, logo_png);
    ck_assert_str_eq(back.text, spec.text);
    ck_assert_str_eq(back.font, "Serif Italic");
    ck_assert_int_eq(back.anchor, DK_ANCHOR_CUSTOM);
    ck_assert_double_eq_tol(back.custom_x, 0.3, 1e-9);
    ck_assert_double_eq_tol(back.custom_y, 0.7, 1e-9);
    ck_assert_double_eq_tol(back.width_fraction, 0.4, 1e-9);
    ck_assert_double_eq_tol(back.margin_fraction, 0.05, 1e-9);
    ck_assert_double_eq_tol(back.opacity, 0.6, 1e-9);
    dk_overlay_spec_clear(&back);
    ck_assert_ptr_null(back.text);

    /* a later spec without logo does not inherit the old one */
    spec.logo_path = NULL;
    dk_overlay_spec_to_meta(&spec, meta);
    ck_assert_int_eq(dk_overlay_spec_from_meta(meta, &back, &err), 0);
    ck_assert_ptr_null(back.logo_path);
    dk_overlay_spec_clear(&back);

    dk_meta_set_string(meta, "overlay.opacity", "lots");
    ck_assert_int_eq(dk_overlay_spec_from_meta(meta, &back, &err),
                     DK_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.message, "overlay.opacity"));
    dk_meta_set_string(meta, "overlay.anchor", "middle-ish");
    ck_assert_int_eq(dk_overlay_spec_from_meta(meta, &back, &err),
                     DK_ERR_INVALID);

    dk_overlay_spec_remove_from_meta(meta);
    ck_assert_ptr_null(dk_meta_get(meta, "overlay.text"));
    ck_assert_int_eq(dk_overlay_spec_from_meta(meta, &back, &err),
                     DK_ERR_NOT_FOUND);
    dk_meta_free(&meta);
}
END_TEST

START_TEST(test_anchor_names)
{
    for (int a = DK_ANCHOR_BOTTOM_RIGHT; a <= DK_ANCHOR_CUSTOM; a++)
        ck_assert_int_eq(dk_anchor_from_name(dk_anchor_name(a)), a);
    ck_assert_int_eq(dk_anchor_from_name("Bottom-Right"), -1);
    ck_assert_int_eq(dk_anchor_from_name(""), -1);
    ck_assert_int_eq(dk_anchor_from_name(NULL), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("overlay");
    TCase *tc = tcase_create("render");
    tcase_add_checked_fixture(tc, make_logo, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_orientation_bottom_right, 1, 9);
    tcase_add_loop_test(tc, test_anchors, 0, G_N_ELEMENTS(anchor_cases));
    tcase_add_loop_test(tc, test_scripts, 0, 2 * G_N_ELEMENTS(scripts));
    tcase_add_test(tc, test_long_text_stays_in_box);
    tcase_add_test(tc, test_opacity_zero_changes_nothing);
    tcase_add_test(tc, test_half_opacity_is_weaker);
    tcase_add_test(tc, test_clipped_to_frame);
    tcase_add_test(tc, test_i420_matches_rgb24);
    tcase_add_test(tc, test_i420_threads);
    tcase_add_loop_test(tc, test_errors, 0, G_N_ELEMENTS(error_cases));
    tcase_add_test(tc, test_meta_round_trip);
    tcase_add_test(tc, test_anchor_names);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    dk_test_cleanup_dirs();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
