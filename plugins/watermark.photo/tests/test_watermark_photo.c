/* watermark.photo through the real dokpim binary: ingest.photo then
 * watermark.photo on JPEGs generated at test time with every EXIF
 * orientation (set by exiftool), judged by ImageMagick (which applies the
 * orientation itself) and exiftool (which reads the metadata back). */
#include "dk_test.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORED_W 480
#define STORED_H 320
#define HEADLINE "Rapat Koordinasi \xc2\xb7 Badung"
#define ARTIST   "Ni Komang Ayu Pradnyani"

static char *dir;

/* pango 1.50 loses a few fontconfig patterns on its loader thread; tell
 * LeakSanitizer (in this suite and in the dokpim it runs) to ignore them. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

static char *path_in(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

static void setup(void)
{
    ck_assert_msg(dk_test_have("exiftool") && dk_test_have("identify"),
                  "exiftool and ImageMagick are needed (install-deps.sh)");
    dir = dk_test_tmpdir("watermark");
    dk_test_lsan_suppress(dir, "leak:libfontconfig.so\n");

    char *event = path_in("event.ini");
    dk_test_write(event,
                  "[event]\ntitle=Rapat Koordinasi\nagency=Prokompim "
                  "Badung\ncity=Mangupura\ndate=2025-03-14\n"
                  "timezone=Asia/Makassar\n",
                  -1);
    g_free(event);
    /* asymmetric on both axes: red left, blue right, clear stripe below */
    char *cmd = g_strdup_printf(
        "cd '%s' && /usr/bin/convert -size 200x50 xc:none -fill red -draw "
        "'rectangle 0,0 99,39' -fill blue -draw 'rectangle 100,0 199,39' "
        "PNG32:logo.png && printf 'not a png' > bad.png",
        dir);
    g_free(dk_test_sh_ok("%s", cmd));
    g_free(cmd);
}

static void teardown(void)
{
    g_clear_pointer(&dir, g_free);
    dk_test_cleanup_dirs();
}

static char *write_pipeline(const char *name, const char *watermark_lines)
{
    char *path = path_in(name);
    char *text = g_strdup_printf("[pipeline]\nstages=ingest;watermark\n\n"
                                 "[ingest]\nplugin=ingest.photo\n\n"
                                 "[watermark]\nplugin=watermark.photo\n%s",
                                 watermark_lines);
    dk_test_write(path, text, -1);
    g_free(text);
    return path;
}

/* Runs dokpim; returns the exit status, stderr in *err. */
static int run(const char *pipeline, const char *library, const char *input,
               char **err)
{
    char *event = path_in("event.ini");
    const char *args[] = {"run", "-q", "--event", event, "-o", library,
                          "-j",  "2",  pipeline,  input, NULL};
    int status = dk_test_dokpim(args, NULL, err);
    g_free(event);
    return status;
}

/* The one file under root whose name ends with suffix, or NULL. */
static char *find_output(const char *root, const char *suffix)
{
    char *cmd = g_strdup_printf("find '%s' -type f -name '*%s'", root, suffix);
    char *out = NULL;
    dk_test_sh(cmd, &out, NULL);
    g_free(cmd);
    char *found = NULL;
    if (out && *out) {
        ck_assert_msg(!strchr(out, '\n') || !strchr(out, '\n')[1],
                      "more than one %s: %s", suffix, out);
        found = g_strdup(g_strstrip(out));
    }
    g_free(out);
    return found;
}

/* The picture as a viewer shows it (ImageMagick applies the orientation),
 * as packed RGB. */
typedef struct visual {
    int w, h;
    guint8 *rgb;
} visual;

static visual load_visual(const char *jpeg)
{
    /* beside the test's files, never inside the library */
    static int count;
    char *name = g_strdup_printf("visual-%d.rgb", count++);
    char *raw = path_in(name);
    g_free(name);
    char *size = dk_test_sh_ok("/usr/bin/convert '%s' -auto-orient -format "
                               "'%%w %%h' -write info:- -depth 8 rgb:'%s'",
                               jpeg, raw);
    visual v = {0};
    ck_assert_int_eq(sscanf(size, "%d %d", &v.w, &v.h), 2);
    gsize len = 0;
    v.rgb = (guint8 *)dk_test_read(raw, &len);
    ck_assert_uint_eq(len, (gsize)v.w * v.h * 3);
    g_free(raw);
    g_free(size);
    return v;
}

static const guint8 *at(const visual *v, int x, int y)
{
    return v->rgb + ((gsize)y * v->w + x) * 3;
}

static const char *const orientation_names[] = {
    NULL,      "TopLeft",  "TopRight",    "BottomRight", "BottomLeft",
    "LeftTop", "RightTop", "RightBottom", "LeftBottom"};

/* ---- full-size copies, all 8 orientations in one run ---- */
START_TEST(test_full_size_every_orientation)
{
    char *inputs = path_in("photos");
    for (int o = 1; o <= 8; o++) {
        char *cmd = g_strdup_printf(
            "mkdir -p '%s' && cd '%s' && /usr/bin/convert -size %dx%d "
            "gradient:gray35-gray55 -quality 92 o%d.jpg && exiftool -q "
            "-overwrite_original -Orientation#=%d -Artist='%s' "
            "-IPTC:Headline='%s' -IPTC:CodedCharacterSet=UTF8 "
            "-XMP-dc:Title='%s' o%d.jpg",
            inputs, inputs, STORED_W, STORED_H, o, o, ARTIST, HEADLINE,
            HEADLINE, o);
        g_free(dk_test_sh_ok("%s", cmd));
        g_free(cmd);
    }
    char *before = dk_test_sh_ok("cd '%s' && sha256sum o*.jpg", inputs);
    char *pipeline = write_pipeline(
        "full.conf", "logo=logo.png\ntext=Badung\nfull-size=true\n"
                     "opacity=1\n");
    char *library = path_in("library");
    char *err = NULL;
    int status = run(pipeline, library, inputs, &err);
    ck_assert_msg(status == 0, "dokpim exit %d: %s", status, err);
    g_free(err);
    char *after = dk_test_sh_ok("cd '%s' && sha256sum o*.jpg", inputs);
    ck_assert_str_eq(before, after); /* the inputs are never written */

    for (int o = 1; o <= 8; o++) {
        char *src = g_strdup_printf("%s/o%d.jpg", inputs, o);
        /* inputs are sorted by name, so o<N>.jpg is item N */
        char *suffix = g_strdup_printf("_%04d_wm.jpg", o);
        char *out = find_output(library, suffix);
        ck_assert_msg(out != NULL, "orientation %d: no %s", o, suffix);

        /* ImageMagick opens it, stored size and orientation unchanged */
        char *info = dk_test_sh_ok("/usr/bin/identify -format '%%m %%w %%h "
                                   "%%[orientation]' '%s'",
                                   out);
        char *want = g_strdup_printf("JPEG %d %d %s", STORED_W, STORED_H,
                                     orientation_names[o]);
        ck_assert_str_eq(info, want);

        /* EXIF, IPTC and XMP came across */
        char *tags = dk_test_sh_ok("exiftool -s3 -Artist -IPTC:Headline "
                                   "-XMP-dc:Title '%s'",
                                   out);
        char *want_tags =
            g_strdup_printf("%s\n%s\n%s", ARTIST, HEADLINE, HEADLINE);
        ck_assert_str_eq(tags, want_tags);
        /* and exiftool finds nothing new to complain about */
        char *valid_in = dk_test_sh_ok(
            "exiftool -validate -warning -a -s3 '%s' | grep -v '^$' | sort",
            src);
        char *valid_out = dk_test_sh_ok(
            "exiftool -validate -warning -a -s3 '%s' | grep -v '^$' | sort",
            out);
        ck_assert_str_eq(valid_out, valid_in);

        /* the mark sits at the visual bottom-right, upright */
        visual a = load_visual(src), b = load_visual(out);
        ck_assert_int_eq(a.w, b.w);
        ck_assert_int_eq(a.h, b.h);
        int vw = b.w, vh = b.h;
        int box_w = (int)lround(0.25 * vw), margin = (int)lround(0.02 * vw);
        int changed = 0, min_x = vw, min_y = vh, max_x = -1, max_y = -1;
        for (int y = 0; y < vh; y++)
            for (int x = 0; x < vw; x++) {
                const guint8 *p = at(&a, x, y), *q = at(&b, x, y);
                int d = MAX(abs(p[0] - q[0]),
                            MAX(abs(p[1] - q[1]), abs(p[2] - q[2])));
                if (d < 48) /* re-encoding noise stays well below this */
                    continue;
                changed++;
                min_x = MIN(min_x, x), max_x = MAX(max_x, x);
                min_y = MIN(min_y, y), max_y = MAX(max_y, y);
            }
        ck_assert_msg(changed > box_w * box_w / 8, "orientation %d: %d px", o,
                      changed);
        ck_assert_msg(min_x >= vw - margin - box_w - 2 && min_y > vh / 2 &&
                          max_x < vw - margin + 2 && max_y < vh - margin + 2,
                      "orientation %d: mark at %d,%d..%d,%d of %dx%d", o, min_x,
                      min_y, max_x, max_y, vw, vh);
        int row = min_y + box_w * 40 / 200 / 2;
        const guint8 *left = at(&b, vw - margin - box_w * 3 / 4, row);
        const guint8 *right = at(&b, vw - margin - box_w / 4, row);
        ck_assert_msg(
            left[0] > 150 && left[2] < 100 && right[2] > 150 && right[0] < 100,
            "orientation %d: logo not upright (left %d,%d,%d "
            "right %d,%d,%d)",
            o, left[0], left[1], left[2], right[0], right[1], right[2]);
        g_free(a.rgb), g_free(b.rgb);
        g_free(valid_in), g_free(valid_out);
        g_free(tags), g_free(want_tags), g_free(info), g_free(want);
        g_free(out), g_free(suffix), g_free(src);
    }
    g_free(before), g_free(after);
    g_free(library), g_free(pipeline), g_free(inputs);
}
END_TEST

/* ---- photos that are awkward but valid ---- */
static const struct {
    const char *name;
    const char *make; /* shell, run in the input folder, writes photo.jpg */
    const char *colorspace;
} awkward[] = {
    {"cmyk",
     "/usr/bin/convert -size 300x200 gradient:orange-navy "
     "-colorspace CMYK -quality 90 photo.jpg",
     "sRGB"},
    {"grey progressive",
     "/usr/bin/convert -size 301x203 gradient:gray20-gray80 "
     "-colorspace Gray -interlace JPEG photo.jpg",
     "sRGB"},
    {"no exif, 4:4:4",
     "/usr/bin/convert -size 257x130 plasma:fractal "
     "-seed 3 -sampling-factor 1x1 -strip photo.jpg",
     "sRGB"},
};

/* Mean sRGB colour of the bottom-right 60x40 pixels. */
static void corner_colour(const char *jpeg, int rgb[3])
{
    char *out = dk_test_sh_ok(
        "/usr/bin/convert '%s' -colorspace sRGB -gravity southeast -crop "
        "60x40+0+0 +repage -resize '1x1!' -format "
        "'%%[fx:int(255*r+0.5)] %%[fx:int(255*g+0.5)] %%[fx:int(255*b+0.5)]' "
        "info:",
        jpeg);
    ck_assert_int_eq(sscanf(out, "%d %d %d", &rgb[0], &rgb[1], &rgb[2]), 3);
    g_free(out);
}

START_TEST(test_awkward_photos)
{
    char *inputs = path_in("awkward");
    char *cmd = g_strdup_printf("mkdir -p '%s' && cd '%s' && %s", inputs,
                                inputs, awkward[_i].make);
    g_free(dk_test_sh_ok("%s", cmd));
    g_free(cmd);
    char *pipeline = write_pipeline(
        "awkward.conf", "logo=logo.png\nfull-size=true\nposition=top-left\n");
    char *library = path_in("library-awkward");
    char *err = NULL;
    int status = run(pipeline, library, inputs, &err);
    ck_assert_msg(status == 0, "%s: dokpim exit %d: %s", awkward[_i].name,
                  status, err);
    char *out = find_output(library, "_wm.jpg");
    ck_assert_msg(out != NULL, "%s: no output", awkward[_i].name);
    char *info = dk_test_sh_ok(
        "/usr/bin/identify -format '%%m %%[colorspace]' '%s'", out);
    char *want = g_strdup_printf("JPEG %s", awkward[_i].colorspace);
    ck_assert_str_eq(info, want);
    /* away from the mark the colours are the photo's (as ImageMagick
     * converts them), so CMYK and grey were decoded right */
    int a[3], b[3];
    corner_colour(out, a);
    char *src = g_build_filename(inputs, "photo.jpg", NULL);
    corner_colour(src, b);
    for (int c = 0; c < 3; c++)
        ck_assert_msg(abs(a[c] - b[c]) <= 6, "%s: channel %d is %d, not %d",
                      awkward[_i].name, c, a[c], b[c]);
    g_free(src);
    g_free(want), g_free(info), g_free(out), g_free(err);
    g_free(library), g_free(pipeline), g_free(inputs);
}
END_TEST

/* ---- default: the request goes into the item for transcode.photo ---- */
START_TEST(test_request_stored_in_manifest)
{
    char *inputs = path_in("plain");
    char *cmd = g_strdup_printf("mkdir -p '%s' && cd '%s' && /usr/bin/convert "
                                "-size 200x100 xc:gray50 one.jpg",
                                inputs, inputs);
    g_free(dk_test_sh_ok("%s", cmd));
    g_free(cmd);
    char *pipeline = write_pipeline("plain.conf",
                                    "logo=logo.png\nposition=custom\nx=0.25\n");
    char *library = path_in("library-plain");
    char *err = NULL;
    int status = run(pipeline, library, inputs, &err);
    ck_assert_msg(status == 0, "dokpim exit %d: %s", status, err);
    char *wm = find_output(library, "_wm.jpg");
    ck_assert_ptr_null(wm); /* nothing drawn without full-size */
    char *manifest = dk_test_sh_ok("cat '%s'/items/*.ini", library);
    /* the text template expanded for the item, the rest as configured */
    ck_assert_ptr_nonnull(
        strstr(manifest, "Prokompim Badung \xc2\xb7 Rapat Koordinasi"));
    ck_assert_ptr_nonnull(strstr(manifest, "custom"));
    ck_assert_ptr_nonnull(strstr(manifest, "logo.png"));
    g_free(manifest), g_free(err);
    g_free(library), g_free(pipeline), g_free(inputs);
}
END_TEST

/* ---- configuration errors are caught before any photo ---- */
static const struct {
    const char *name, *lines, *message;
} bad_configs[] = {
    {"logo not a PNG", "logo=bad.png\nfull-size=true\n", "not a readable PNG"},
    {"logo missing", "logo=absent.png\n", "absent.png"},
    {"nothing to draw", "text=\n", "nothing to draw"},
    {"width out of range", "logo=logo.png\nwidth=2\n", "width"},
    {"unknown position", "logo=logo.png\nposition=middle\n", "position"},
};

START_TEST(test_bad_config)
{
    char *inputs = path_in("bad-config");
    char *cmd = g_strdup_printf("mkdir -p '%s' && /usr/bin/convert -size "
                                "64x64 xc:gray50 '%s/one.jpg'",
                                inputs, inputs);
    g_free(dk_test_sh_ok("%s", cmd));
    g_free(cmd);
    char *pipeline = write_pipeline("bad.conf", bad_configs[_i].lines);
    char *library = path_in("library-bad");
    char *err = NULL;
    int status = run(pipeline, library, inputs, &err);
    ck_assert_msg(status != 0 && status != 1, "%s: exit %d",
                  bad_configs[_i].name, status);
    ck_assert_msg(strstr(err, bad_configs[_i].message), "%s: stderr '%s'",
                  bad_configs[_i].name, err);
    /* one clear line, not a line per photo */
    char *wm = find_output(library, "_wm.jpg");
    ck_assert_ptr_null(wm);
    g_free(err);
    /* `dokpim check` finds the same, without a run (check() holds the
     * rules, and open() does not repeat them) */
    char *event = path_in("event.ini");
    const char *check_args[] = {"check", "--event", event, pipeline, NULL};
    status = dk_test_dokpim(check_args, NULL, &err);
    ck_assert_msg(status != 0, "%s: dokpim check passed", bad_configs[_i].name);
    ck_assert_msg(strstr(err, bad_configs[_i].message), "%s: check stderr '%s'",
                  bad_configs[_i].name, err);
    g_free(event);
    g_free(err), g_free(library), g_free(pipeline), g_free(inputs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("watermark.photo");
    TCase *tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 200);
    tcase_add_test(tc, test_full_size_every_orientation);
    tcase_add_loop_test(tc, test_awkward_photos, 0, G_N_ELEMENTS(awkward));
    tcase_add_test(tc, test_request_stored_in_manifest);
    tcase_add_loop_test(tc, test_bad_config, 0, G_N_ELEMENTS(bad_configs));
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
