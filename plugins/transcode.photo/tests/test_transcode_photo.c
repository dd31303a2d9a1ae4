/* transcode.photo's pieces on photos generated at test time: sizes and
 * DCT scale, all 8 orientations, metadata modes in both byte orders,
 * greyscale/CMYK/progressive sources, broken inputs, hostile EXIF, the
 * resampler against ImageMagick, the watermark (the contact sheet has
 * test_transcode_photo_sheet.c).
 * Results are judged by identify, convert and exiftool. */
#include "dk_test.h"
#include "transcode_photo.h"
#include "transcode_photo_corpus.h"

#include <check.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

/* pango keeps a few fontconfig patterns alive on its loader thread. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

static void setup(void)
{
    ck_assert_msg(dk_test_have("exiftool") && dk_test_have("identify"),
                  "exiftool and ImageMagick are needed (install-deps.sh)");
    dir = dk_test_tmpdir("transcode-photo");
}

static void teardown(void)
{
    g_clear_pointer(&dir, g_free);
    dk_test_cleanup_dirs();
}

static char *path_in(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static char *path_in(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *name = g_strdup_vprintf(fmt, args);
    va_end(args);
    char *path = g_build_filename(dir, name, NULL);
    g_free(name);
    return path;
}

/* A job with the plugin's defaults, writing web.jpg / thumb.jpg in dir. */
static transcode_photo_job default_job(const char *input)
{
    transcode_photo_job job = {
        .input = input,
        .orientation = 1,
        .filter = TRANSCODE_PHOTO_FILTER_TRIANGLE,
        .metadata = TRANSCODE_PHOTO_METADATA_KEEP,
        .web_path = path_in("web.jpg"),
        .web_size = 2048,
        .web_quality = 85,
        .thumb_path = path_in("thumb.jpg"),
        .thumb_size = 320,
        .thumb_quality = 80,
    };
    return job;
}

static void free_job(transcode_photo_job *job)
{
    g_free((char *)job->web_path);
    g_free((char *)job->thumb_path);
}

static void render_ok(const transcode_photo_job *job,
                      transcode_photo_result *res)
{
    dk_error err = {0};
    int rc = transcode_photo_render(job, res, &err);
    ck_assert_msg(rc == 0, "%s: %s", job->input, err.message);
}

/* ---- sizes and the DCT scale ---- */
static const struct size_case {
    int w, h, web, thumb;
} size_cases[] = {
    {6000, 4000, 2048, 320}, /* the 24 MP camera case */
    {4000, 6000, 2048, 320}, /* portrait */
    {1000, 700, 2048, 320},  /* smaller than web: never enlarged */
    {3000, 2000, 1500, 320}, /* exactly 1/2: no resample after decode */
    {4001, 2999, 1000, 100}, /* odd sizes, MCU padding */
    {8000, 500, 2048, 320},  /* panorama: short side stays >= 1 */
    {64, 64, 64, 64},        /* thumbnail as big as the web image */
    {17, 9, 2048, 320},      /* tiny */
};

/* TurboJPEG rounds scaled sizes up: ceil(size * m / 8). */
static int scaled(int size, int m)
{
    return (size * m + 7) / 8;
}

START_TEST(test_sizes)
{
    const struct size_case *c = &size_cases[_i];
    char *src = path_in("src.jpg");
    g_free(
        dk_test_sh_ok("/usr/bin/convert -size %dx%d gradient:'#203040-#e0c0a0' "
                      "-quality 92 '%s'",
                      c->w, c->h, src));
    transcode_photo_job job = default_job(src);
    job.web_size = c->web;
    job.thumb_size = c->thumb;
    transcode_photo_result res;
    render_ok(&job, &res);

    int longest = c->w > c->h ? c->w : c->h;
    int want_long = longest < c->web ? longest : c->web;
    double ratio = (double)want_long / longest;
    int ww, wh;
    tp_identify(job.web_path, &ww, &wh);
    ck_assert_int_eq(ww > wh ? ww : wh, want_long);
    ck_assert_int_le(abs(ww - (int)lround(c->w * ratio)), 1);
    ck_assert_int_le(abs(wh - (int)lround(c->h * ratio)), 1);

    int tw, th;
    tp_identify(job.thumb_path, &tw, &th);
    int thumb_long = want_long < c->thumb ? want_long : c->thumb;
    ck_assert_int_eq(tw > th ? tw : th, thumb_long);
    ck_assert_int_le(
        abs(tw - (int)lround(ww * (double)thumb_long / (ww > wh ? ww : wh))),
        1);

    /* The decode covered the web size, and the next smaller DCT scale
     * would not have: the cheapest decode that is still sharp. */
    ck_assert_int_ge(res.decoded_width, ww);
    ck_assert_int_ge(res.decoded_height, wh);
    int m = 1;
    while (m < 8 && scaled(c->w, m) != res.decoded_width)
        m++;
    ck_assert_int_eq(scaled(c->h, m), res.decoded_height);
    if (m > 1)
        ck_assert(scaled(c->w, m - 1) < ww || scaled(c->h, m - 1) < wh);
    free_job(&job);
    g_free(src);
}
END_TEST

/* ---- orientation: all 8, with and without a resample after decode ---- */
static void check_upright(const char *path, int orientation)
{
    tp_pixels p = tp_load(path);
    ck_assert_msg(p.w > p.h, "%s is %dx%d, not landscape", path, p.w, p.h);
    static const double spots[4][2] = {
        {0.1, 0.1}, {0.9, 0.1}, {0.1, 0.9}, {0.9, 0.9}};
    static const tp_colour want[4] = {TP_RED, TP_GREEN, TP_BLUE, TP_YELLOW};
    for (int s = 0; s < 4; s++) {
        int rgb[3];
        tp_sample(&p, spots[s][0], spots[s][1], rgb);
        ck_assert_msg(tp_classify(rgb) == want[s],
                      "orientation %d, %s, corner %d: %d,%d,%d is %s, not %s",
                      orientation, path, s, rgb[0], rgb[1], rgb[2],
                      tp_colour_name(tp_classify(rgb)),
                      tp_colour_name(want[s]));
    }
    tp_pixels_free(&p);
}

START_TEST(test_orientation)
{
    int orientation = _i + 1;
    char *src = path_in("o%d.jpg", orientation);
    tp_make_corners(src, 640, 400, orientation, NULL);
    /* the generator is right by an independent reader first */
    g_free(dk_test_sh_ok(
        "test \"$(/usr/bin/convert '%s' -auto-orient -format '%%w %%h' "
        "info:)\" = '640 400'",
        src));
    /* 1024: the decode is already the right size, only turned; 320: the
     * resample writes the turned pixels (and the thumbnail both times) */
    static const int sizes[2] = {1024, 320};
    for (int k = 0; k < 2; k++) {
        transcode_photo_job job = default_job(src);
        job.orientation = orientation;
        job.web_size = sizes[k];
        job.thumb_size = 80;
        render_ok(&job, NULL);
        check_upright(job.web_path, orientation);
        check_upright(job.thumb_path, orientation);
        /* pixels are upright, so the copied EXIF must say so */
        char *tag =
            dk_test_sh_ok("exiftool -s3 -n -Orientation '%s'", job.web_path);
        ck_assert_str_eq(tag, "1");
        g_free(tag);
        free_job(&job);
    }
    g_free(src);
}
END_TEST

/* ---- metadata modes, both EXIF byte orders ---- */
#define ARTIST    "Ni Komang Ayu Pradnyani"
#define COPYRIGHT "\xc2\xa9 2025 Pemerintah Kabupaten Badung"

static const struct meta_case {
    transcode_photo_metadata mode;
    const char *byte_order;
} meta_cases[] = {
    {TRANSCODE_PHOTO_METADATA_KEEP, "II"},
    {TRANSCODE_PHOTO_METADATA_KEEP, "MM"},
    {TRANSCODE_PHOTO_METADATA_STRIP, "II"},
    {TRANSCODE_PHOTO_METADATA_COPYRIGHT_ONLY, "II"},
    {TRANSCODE_PHOTO_METADATA_COPYRIGHT_ONLY, "MM"},
};

START_TEST(test_metadata)
{
    const struct meta_case *c = &meta_cases[_i];
    char *src = path_in("meta.jpg");
    tp_make_corners(src, 1200, 800, 6, NULL);
    /* camera-like EXIF in the wanted byte order, IPTC and XMP as
     * stamp.exif writes them, tiff:Orientation repeated in XMP, and an
     * EXIF thumbnail (IFD1) in the stored orientation */
    g_free(dk_test_sh_ok(
        "cd '%s' && /usr/bin/convert meta.jpg -resize 160x160 tn.jpg && "
        "exiftool -q -overwrite_original -EXIF:all= meta.jpg && "
        "exiftool -q -overwrite_original -ExifByteOrder=%s -Orientation#=6 "
        "-Make=Canon -Model='EOS R6' -DateTimeOriginal='2025:03:14 "
        "09:30:00' -Artist='%s' -Copyright='%s' -ExifImageWidth=800 "
        "-ExifImageHeight=1200 '-ThumbnailImage<=tn.jpg' "
        "-XMP-tiff:Orientation#=6 -XMP-dc:Creator='%s' "
        "-IPTC:By-line='%s' -IPTC:CodedCharacterSet=UTF8 meta.jpg",
        dir, c->byte_order, ARTIST, COPYRIGHT, ARTIST, ARTIST));
    GHashTable *before = tp_tags(src);
    ck_assert_str_eq(tp_tag(before, "File:ExifByteOrder"), c->byte_order);
    ck_assert_str_eq(tp_tag(before, "IFD0:Orientation"), "6");
    g_hash_table_unref(before);

    transcode_photo_job job = default_job(src);
    job.orientation = 6;
    job.web_size = 600;
    job.metadata = c->mode;
    render_ok(&job, NULL);
    int w, h;
    tp_identify(job.web_path, &w, &h);
    ck_assert_int_eq(w, 600); /* 1200x800 visual, long edge 600 */
    ck_assert_int_eq(h, 400);

    GHashTable *tags = tp_tags(job.web_path);
    if (c->mode == TRANSCODE_PHOTO_METADATA_KEEP) {
        ck_assert_str_eq(tp_tag(tags, "IFD0:Make"), "Canon");
        ck_assert_str_eq(tp_tag(tags, "IFD0:Artist"), ARTIST);
        ck_assert_str_eq(tp_tag(tags, "XMP-dc:Creator"), ARTIST);
        ck_assert_str_eq(tp_tag(tags, "IPTC:By-line"), ARTIST);
        ck_assert_str_eq(tp_tag(tags, "ExifIFD:DateTimeOriginal"),
                         "2025:03:14 09:30:00");
        /* pixels are upright now, and sized for the web */
        ck_assert_str_eq(tp_tag(tags, "IFD0:Orientation"), "1");
        ck_assert_str_eq(tp_tag(tags, "XMP-tiff:Orientation"), "1");
        ck_assert_str_eq(tp_tag(tags, "ExifIFD:ExifImageWidth"), "600");
        ck_assert_str_eq(tp_tag(tags, "ExifIFD:ExifImageHeight"), "400");
        /* the sideways camera thumbnail is gone */
        ck_assert_str_eq(tp_tag(tags, "IFD1:ThumbnailLength"), "");
        ck_assert_str_eq(tp_tag(tags, "File:ExifByteOrder"), c->byte_order);
    } else if (c->mode == TRANSCODE_PHOTO_METADATA_STRIP) {
        GHashTableIter it;
        gpointer key;
        g_hash_table_iter_init(&it, tags);
        while (g_hash_table_iter_next(&it, &key, NULL))
            ck_assert_msg(!g_str_has_prefix(key, "IFD") &&
                              !g_str_has_prefix(key, "ExifIFD") &&
                              !g_str_has_prefix(key, "XMP") &&
                              !g_str_has_prefix(key, "IPTC"),
                          "stripped file has %s", (char *)key);
    } else {
        ck_assert_str_eq(tp_tag(tags, "IFD0:Make"), "");
        ck_assert_str_eq(tp_tag(tags, "IPTC:By-line"), "");
        ck_assert_str_eq(tp_tag(tags, "IFD0:Artist"), ARTIST);
        ck_assert_str_eq(tp_tag(tags, "IFD0:Copyright"), COPYRIGHT);
        ck_assert_str_eq(tp_tag(tags, "XMP-dc:Creator"), ARTIST);
        ck_assert_str_eq(tp_tag(tags, "XMP-dc:Rights"), COPYRIGHT);
    }
    /* whatever was written, a validator finds nothing wrong with it */
    /* -n: "errors warnings minor-warnings" */
    ck_assert_msg(strcmp(tp_tag(tags, "ExifTool:Validate"), "0 0 0") == 0,
                  "exiftool -validate: %s (%s)",
                  tp_tag(tags, "ExifTool:Validate"),
                  tp_tag(tags, "ExifTool:Warning"));
    g_hash_table_unref(tags);
    free_job(&job);
    g_free(src);
}
END_TEST

/* ---- greyscale, CMYK (Adobe inverted), progressive ---- */
static const struct model_case {
    const char *name;
    const char *convert_options;
    bool grey;
} model_cases[] = {
    {"baseline", "", false},
    {"progressive", "-interlace JPEG", false},
    {"grey", "-colorspace Gray", true},
    {"grey-progressive", "-colorspace Gray -interlace JPEG", true},
    {"cmyk", "-colorspace CMYK", false},
    {"cmyk-progressive", "-colorspace CMYK -interlace JPEG", false},
    {"444", "-sampling-factor 1x1", false},
    {"422", "-sampling-factor 2x1", false},
};

START_TEST(test_colour_models)
{
    const struct model_case *c = &model_cases[_i];
    char *src = path_in("%s.jpg", c->name);
    tp_make_corners(src, 1600, 1000, 1, c->convert_options);
    char *space = dk_test_sh_ok("/usr/bin/identify -format '%%[colorspace] "
                                "%%[interlace]' '%s'",
                                src);
    if (strstr(c->name, "cmyk"))
        ck_assert_msg(g_str_has_prefix(space, "CMYK"), "%s", space);
    if (c->grey)
        ck_assert_msg(g_str_has_prefix(space, "Gray"), "%s", space);
    if (strstr(c->name, "progressive"))
        ck_assert_msg(strstr(space, "JPEG"), "not progressive: %s", space);
    g_free(space);

    transcode_photo_job job = default_job(src);
    job.web_size = 800;
    render_ok(&job, NULL);
    tp_pixels p = tp_load(job.web_path);
    ck_assert_int_eq(p.w, 800);
    ck_assert_int_eq(p.h, 500);
    int tl[3], mid[3];
    tp_sample(&p, 0.1, 0.1, tl);
    tp_sample(&p, 0.5, 0.5, mid);
    if (c->grey) {
        /* red in grey is dark grey: equal channels, darker than the
         * middle */
        ck_assert_int_le(abs(tl[0] - tl[2]), 6);
        ck_assert_int_lt(tl[0], mid[0]);
    } else {
        ck_assert_msg(tp_classify(tl) == TP_RED, "%s: corner %d,%d,%d", c->name,
                      tl[0], tl[1], tl[2]);
        ck_assert_msg(tp_classify(mid) == TP_GREY, "%s: middle %d,%d,%d",
                      c->name, mid[0], mid[1], mid[2]);
    }
    tp_pixels_free(&p);
    char *out_space =
        dk_test_sh_ok("/usr/bin/identify -format '%%[colorspace]' "
                      "'%s'",
                      job.web_path);
    ck_assert_str_eq(out_space, "sRGB");
    g_free(out_space);
    free_job(&job);
    g_free(src);
}
END_TEST

/* ---- broken inputs: one clear line, no output left behind ---- */
static const struct broken_case {
    const char *name;
    const char *make; /* shell, in dir, from good.jpg / prog.jpg */
    const char *message;
} broken_cases[] = {
    {"zero bytes", ": > bad.jpg", "empty file"},
    {"truncated baseline", "head -c 60000 good.jpg > bad.jpg",
     "truncated JPEG data"},
    {"truncated progressive", "head -c 60000 prog.jpg > bad.jpg",
     "truncated JPEG data"},
    {"cut in the headers", "head -c 300 good.jpg > bad.jpg",
     "truncated JPEG data"},

    {"PNG named .jpg", "/usr/bin/convert good.jpg png:bad.jpg",
     "not a JPEG file"},
    {"text", "echo hello > bad.jpg", "not a JPEG file"},
    {"HEIC named .jpg",
     "printf '\\000\\000\\000\\030ftypheic\\000\\000\\000\\000mif1heic' "
     "> bad.jpg",
     "HEIF/HEIC"},
    {"SOI then garbage",
     /* fixed bytes: random ones begin a marker segment one time in 256,
      * which is then (rightly) reported as truncated instead */
     "printf '\\377\\330' > bad.jpg && "
     "yes 'not a marker' | head -c 5000 >> bad.jpg",
     "corrupt JPEG"},
    {"scan data overwritten",
     "cp good.jpg bad.jpg && size=$(stat -c %s bad.jpg) && "
     "dd if=/dev/zero of=bad.jpg bs=1 seek=$((size / 2)) count=4000 "
     "conv=notrunc 2>/dev/null && printf '\\377\\377\\377\\377' | "
     "dd of=bad.jpg bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null",
     "corrupt JPEG data"},
    {"absurd dimensions",
     /* a valid 16x16 JPEG whose SOF0 claims 65000 x 65000 */
     "/usr/bin/convert -size 16x16 xc:gray -quality 90 small.jpg && "
     "/usr/bin/python3 -c \"import sys; d=bytearray(open('small.jpg','rb')"
     ".read()); i=d.index(b'\\xff\\xc0'); d[i+5:i+9]=bytes([0xfd,0xe8,"
     "0xfd,0xe8]); open('bad.jpg','wb').write(d)\"",
     "JPEG"},
};

START_TEST(test_broken_inputs)
{
    const struct broken_case *c = &broken_cases[_i];
    g_free(dk_test_sh_ok(
        "cd '%s' && /usr/bin/convert -size 800x600 plasma:fractal "
        "-quality 92 good.jpg && /usr/bin/convert good.jpg -interlace "
        "JPEG prog.jpg && %s",
        dir, c->make));
    char *src = path_in("bad.jpg");
    transcode_photo_job job = default_job(src);
    dk_error err = {0};
    int rc = transcode_photo_render(&job, NULL, &err);
    ck_assert_msg(rc < 0, "%s: accepted", c->name);
    ck_assert_msg(strstr(err.message, c->message), "%s: '%s' lacks '%s'",
                  c->name, err.message, c->message);
    ck_assert_msg(!strchr(err.message, '\n'), "%s: not one line", c->name);
    ck_assert(!g_file_test(job.web_path, G_FILE_TEST_EXISTS));
    ck_assert(!g_file_test(job.thumb_path, G_FILE_TEST_EXISTS));
    char *left = dk_test_sh_ok("ls -a '%s' | grep -c dk-tmp || true", dir);
    ck_assert_str_eq(left, "0");
    g_free(left);
    free_job(&job);
    g_free(src);
}
END_TEST

/* Every cut inside the headers (SOI up to the first scan) is reported as
 * truncated, whichever byte of a marker or length it falls on. */
START_TEST(test_header_cuts)
{
    char *src = path_in("good.jpg");
    g_free(dk_test_sh_ok(
        "/usr/bin/convert -size 320x200 plasma:fractal -quality 90 '%s' && "
        "exiftool -q -overwrite_original -Artist=X -XMP-dc:Creator=X '%s'",
        src, src));
    gsize size = 0;
    guint8 *good = (guint8 *)dk_test_read(src, &size);
    gsize sos = 0;
    for (gsize i = 2; i + 1 < size && !sos; i++)
        if (good[i] == 0xFF && good[i + 1] == 0xDA)
            sos = i;
    ck_assert_uint_gt(sos, 200);
    char *cut = path_in("cut.jpg");
    for (gsize n = 2; n <= sos + 1; n++) {
        dk_test_write(cut, good, (gssize)n);
        transcode_photo_job job = default_job(cut);
        dk_error err = {0};
        int rc = transcode_photo_render(&job, NULL, &err);
        ck_assert_msg(rc < 0 && strstr(err.message, "truncated JPEG data"),
                      "cut at %zu of %zu: %d '%s'", (size_t)n, (size_t)sos, rc,
                      err.message);
        free_job(&job);
    }
    g_free(cut);
    g_free(good);
    g_free(src);
}
END_TEST

/* ---- hostile EXIF blocks: the patch never reads outside the block ---- */
typedef struct exif_case {
    const char *name;
    const guint8 *bytes;
    size_t size;
    bool patchable;
} exif_case;

#define EXIF_HEAD 'E', 'x', 'i', 'f', 0, 0
static const guint8 exif_short[] = {EXIF_HEAD, 'I', 'I', 42};
static const guint8 exif_bad_magic[] = {EXIF_HEAD, 'I', 'I', 43, 0, 8, 0, 0, 0};
static const guint8 exif_ifd_past_end[] = {EXIF_HEAD, 'M',  'M',  0,   42,
                                           0x7f,      0xff, 0xff, 0xff};
static const guint8 exif_count_past_end[] = {EXIF_HEAD, 'I', 'I', 42,   0,   8,
                                             0,         0,   0,   0xff, 0xff};
/* one entry: Orientation SHORT 6; an Exif IFD pointer far away */
static const guint8 exif_good_ii[] = {
    EXIF_HEAD, 'I', 'I', 42, 0, 8,    0,    0,    0,    2, 0,    0x12, 0x01,
    3,         0,   1,   0,  0, 0,    6,    0,    0,    0, 0x69, 0x87, 4,
    0,         1,   0,   0,  0, 0xf0, 0xff, 0xff, 0x7f, 0, 0,    0,    0};
static const guint8 exif_good_mm_no_next[] = {
    EXIF_HEAD, 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01,
    0x12,      0,   3,   0, 0,  0, 1, 0, 6, 0, 0};

static const exif_case exif_cases[] = {
    {"too short", exif_short, sizeof exif_short, false},
    {"bad magic", exif_bad_magic, sizeof exif_bad_magic, false},
    {"IFD0 past the end", exif_ifd_past_end, sizeof exif_ifd_past_end, false},
    {"entry count past the end", exif_count_past_end,
     sizeof exif_count_past_end, false},
    {"II, Exif IFD pointer past the end", exif_good_ii, sizeof exif_good_ii,
     true},
    {"MM, no next-IFD pointer", exif_good_mm_no_next,
     sizeof exif_good_mm_no_next, true},
};

START_TEST(test_exif_hostile)
{
    const exif_case *c = &exif_cases[_i];
    /* an exact-size heap copy, so ASan sees any read past the end */
    guint8 *copy = g_memdup2(c->bytes, c->size);
    bool ok = transcode_photo_exif_patch(copy, c->size, 100, 50);
    ck_assert_msg(ok == c->patchable, "%s: patch said %d", c->name, ok);
    if (ok) {
        /* the orientation value (entry 0, value field) is now 1 */
        bool mm = copy[6] == 'M';
        size_t value = 6 + 8 + 2 + 8;
        ck_assert_int_eq(copy[value + (mm ? 1 : 0)], 1);
        ck_assert_int_eq(copy[value + (mm ? 0 : 1)], 0);
    }
    GBytes *artist = transcode_photo_exif_ascii(copy, c->size, 0x013B);
    ck_assert_ptr_null(artist);
    g_free(copy);
}
END_TEST

/* ---- mutated metadata: the segment walk and the EXIF/XMP patches on
 * thousands of damaged headers, never a crash (run under ASan in CI) ---- */
START_TEST(test_mutated_headers)
{
    char *src = path_in("meta.jpg");
    tp_make_corners(src, 320, 200, 6, NULL);
    g_free(dk_test_sh_ok(
        "cd '%s' && exiftool -q -overwrite_original -Make=Canon "
        "-Artist=Fotografer -Copyright=Badung -ExifImageWidth=200 "
        "-ExifImageHeight=320 -XMP-tiff:Orientation#=6 -XMP-dc:Creator=X "
        "-IPTC:By-line=X meta.jpg",
        dir));
    gsize size = 0;
    guint8 *good = (guint8 *)dk_test_read(src, &size);
    ck_assert_ptr_nonnull(good);
    /* mutate only the metadata part: the decoder itself is libjpeg's */
    gsize header = 0;
    for (gsize i = 2; i + 1 < size; i++)
        if (good[i] == 0xFF && good[i + 1] == 0xDB) { /* first DQT */
            header = i;
            break;
        }
    ck_assert_uint_gt(header, 100);
    char *bad = path_in("mutant.jpg");
    GRand *rand = g_rand_new_with_seed(20250314);
    int accepted = 0;
    for (int round = 0; round < 600; round++) {
        guint8 *copy = g_memdup2(good, size);
        int flips = g_rand_int_range(rand, 1, 9);
        for (int f = 0; f < flips; f++) {
            gsize at = (gsize)g_rand_int_range(rand, 2, (gint32)header);
            copy[at] = (guint8)g_rand_int_range(rand, 0, 256);
        }
        dk_test_write(bad, copy, (gssize)size);
        g_free(copy);
        transcode_photo_job job = default_job(bad);
        job.orientation = 6;
        job.metadata = round % 2 ? TRANSCODE_PHOTO_METADATA_KEEP
                                 : TRANSCODE_PHOTO_METADATA_COPYRIGHT_ONLY;
        dk_error err = {0};
        int rc = transcode_photo_render(&job, NULL, &err);
        if (rc == 0) {
            accepted++;
            ck_assert(g_file_test(job.web_path, G_FILE_TEST_EXISTS));
        } else {
            ck_assert_msg(rc < 0 && err.message[0], "round %d: rc %d", round,
                          rc);
        }
        g_unlink(job.web_path);
        g_unlink(job.thumb_path);
        free_job(&job);
    }
    /* most damage in APP segments is survivable: the photo still comes
     * out (a broken EXIF block is dropped, not fatal) */
    ck_assert_int_gt(accepted, 100);
    g_rand_free(rand);
    g_free(bad);
    g_free(good);
    g_free(src);
}
END_TEST

/* ---- the resampler ---- */
START_TEST(test_resample_flat)
{
    /* A flat picture stays exactly flat whatever the filter and ratio:
     * the integer weights of every output pixel sum to exactly one. */
    static const int sizes[][4] = {{2250, 1500, 2048, 1365},
                                   {3000, 2000, 2048, 1365},
                                   {2048, 1365, 320, 213},
                                   {1001, 7, 1000, 3},
                                   {5, 5, 1, 1}};
    for (int f = 0; f < 3; f++)
        for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
            transcode_photo_image src, dst;
            dk_error err = {0};
            ck_assert_int_eq(transcode_photo_image_alloc(&src, sizes[s][0],
                                                         sizes[s][1], &err),
                             0);
            for (size_t i = 0; i < src.stride * src.height; i += 3) {
                src.pixels[i] = 201;
                src.pixels[i + 1] = 3;
                src.pixels[i + 2] = 255;
            }
            int orientation = (int)(s % 8) + 1;
            ck_assert_int_eq(transcode_photo_resample(&src, sizes[s][2],
                                                      sizes[s][3], f,
                                                      orientation, &dst, &err),
                             0);
            size_t bad = 0; /* 1 + index of the first wrong pixel */
            for (size_t i = 0; i < dst.stride * dst.height && !bad; i += 3)
                if (dst.pixels[i] != 201 || dst.pixels[i + 1] != 3 ||
                    dst.pixels[i + 2] != 255)
                    bad = i + 1;
            ck_assert_msg(!bad, "filter %d size %zu pixel %zu: %d %d %d", f, s,
                          (bad - 1) / 3, dst.pixels[bad - 1], dst.pixels[bad],
                          dst.pixels[bad + 1]);
            transcode_photo_image_clear(&src);
            transcode_photo_image_clear(&dst);
        }
}
END_TEST

static void write_ppm(const char *path, const transcode_photo_image *img)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "P6\n%d %d\n255\n", img->width, img->height);
    for (int y = 0; y < img->height; y++)
        fwrite(img->pixels + (size_t)y * img->stride, 1, (size_t)img->width * 3,
               f);
    fclose(f);
}

/* Our triangle and Lanczos filters against ImageMagick's on the same
 * full-size decode: the same filter must give (nearly) the same picture. */
static const struct im_case {
    transcode_photo_filter filter;
    const char *im_filter;
} im_cases[] = {
    {TRANSCODE_PHOTO_FILTER_TRIANGLE, "Triangle"},
    {TRANSCODE_PHOTO_FILTER_LANCZOS3, "Lanczos"},
    {TRANSCODE_PHOTO_FILTER_AREA, "Box"},
};

START_TEST(test_resample_matches_imagemagick)
{
    const struct im_case *c = &im_cases[_i];
    char *src = path_in("detail.jpg");
    g_free(dk_test_sh_ok(
        "/usr/bin/convert -size 1500x1000 plasma:fractal -blur 0x0.5 "
        "-quality 95 '%s'",
        src));
    gchar *data = NULL;
    gsize size = 0;
    ck_assert(g_file_get_contents(src, &data, &size, NULL));
    transcode_photo_jpeg jpeg;
    transcode_photo_image full = {0}, small = {0};
    dk_error err = {0};
    ck_assert_int_eq(
        transcode_photo_jpeg_open(&jpeg, (guint8 *)data, size, &err), 0);
    ck_assert_int_eq(
        transcode_photo_jpeg_decode(&jpeg, 1500, 1000, false, &full, &err), 0);
    ck_assert_int_eq(
        transcode_photo_resample(&full, 1024, 683, c->filter, 1, &small, &err),
        0);
    char *ours = path_in("ours.ppm");
    write_ppm(ours, &small);
    char *psnr =
        dk_test_sh_ok("/usr/bin/convert '%s' -filter %s -resize 1024x683! "
                      "-depth 8 ppm:- | /usr/bin/compare -metric PSNR '%s' "
                      "- null: 2>&1 || true",
                      src, c->im_filter, ours);
    /* Box in ImageMagick samples the box at pixel centres, ours averages
     * exact areas: close, not identical. */
    double want = c->filter == TRANSCODE_PHOTO_FILTER_AREA ? 35.0 : 45.0;
    ck_assert_msg(g_ascii_strtod(psnr, NULL) > want || strstr(psnr, "inf"),
                  "%s: PSNR %s dB", c->im_filter, psnr);
    g_free(psnr);
    g_free(ours);
    transcode_photo_image_clear(&small);
    transcode_photo_image_clear(&full);
    transcode_photo_jpeg_close(&jpeg);
    g_free(data);
    g_free(src);
}
END_TEST

/* ---- watermark: at the visual bottom-right, per size ---- */
START_TEST(test_watermark)
{
    int orientation = _i == 0 ? 1 : 6;
    char *src = path_in("wm.jpg");
    tp_make_corners(src, 1200, 800, orientation, NULL);
    char *logo = dk_test_source_path("assets/logo/dokpim-logo.png");
    dk_overlay_spec spec = {.logo_path = logo,
                            .anchor = DK_ANCHOR_BOTTOM_RIGHT,
                            .width_fraction = 0.3,
                            .margin_fraction = 0.02,
                            .opacity = 1.0};
    transcode_photo_job job = default_job(src);
    job.orientation = orientation;
    job.web_size = 600;
    job.thumb_size = 200;
    render_ok(&job, NULL);
    char *plain_web = path_in("plain-web.jpg");
    char *plain_thumb = path_in("plain-thumb.jpg");
    g_rename(job.web_path, plain_web);
    g_rename(job.thumb_path, plain_thumb);
    /* row 1 goes through the run's overlay cache twice: the second photo
     * gets the same pixels from the cached overlays */
    transcode_photo_overlays *cache =
        _i == 1 ? transcode_photo_overlays_new() : NULL;
    job.overlay = &spec;
    job.overlays = cache;
    render_ok(&job, NULL);
    if (cache) {
        char *first = dk_test_sha256(job.web_path);
        render_ok(&job, NULL);
        char *second = dk_test_sha256(job.web_path);
        ck_assert_str_eq(first, second);
        g_free(first);
        g_free(second);
    }
    transcode_photo_overlays_free(&cache);

    const char *marked[2] = {job.web_path, job.thumb_path};
    const char *plain[2] = {plain_web, plain_thumb};
    for (int k = 0; k < 2; k++) {
        tp_pixels a = tp_load(marked[k]), b = tp_load(plain[k]);
        ck_assert_int_eq(a.w, b.w);
        ck_assert(a.w > a.h); /* upright */
        /* count changed pixels per quadrant */
        long changed[4] = {0};
        for (int y = 0; y < a.h; y++)
            for (int x = 0; x < a.w; x++) {
                const guint8 *pa = a.rgb + ((size_t)y * a.w + x) * 3;
                const guint8 *pb = b.rgb + ((size_t)y * b.w + x) * 3;
                int d = abs(pa[0] - pb[0]) + abs(pa[1] - pb[1]) +
                        abs(pa[2] - pb[2]);
                if (d > 40)
                    changed[(y >= a.h / 2) * 2 + (x >= a.w / 2)]++;
            }
        ck_assert_msg(changed[3] > (long)a.w * a.h / 200,
                      "%s: no mark at the bottom right (%ld)", marked[k],
                      changed[3]);
        ck_assert_msg(changed[0] == 0 && changed[1] == 0 && changed[2] == 0,
                      "%s: mark elsewhere: %ld %ld %ld", marked[k], changed[0],
                      changed[1], changed[2]);
        tp_pixels_free(&a);
        tp_pixels_free(&b);
    }
    g_free(plain_web);
    g_free(plain_thumb);
    g_free(logo);
    free_job(&job);
    g_free(src);
}
END_TEST

/* ---- thumbnail switched off ---- */
START_TEST(test_no_thumbnail)
{
    char *src = path_in("src.jpg");
    tp_make_corners(src, 900, 600, 1, NULL);
    transcode_photo_job job = default_job(src);
    char *thumb = g_strdup(job.thumb_path);
    job.thumb_size = 0;
    render_ok(&job, NULL);
    ck_assert(g_file_test(job.web_path, G_FILE_TEST_EXISTS));
    ck_assert(!g_file_test(thumb, G_FILE_TEST_EXISTS));
    g_free(thumb);
    free_job(&job);
    g_free(src);
}
END_TEST

/* A full disk: the error names the derivative and the reason. */
START_TEST(test_disk_full)
{
    const char *full = dk_test_full_disk();
    if (!full)
        return;
    transcode_photo_image image = {0};
    dk_error err = {0};
    ck_assert_int_eq(transcode_photo_image_alloc(&image, 400, 300, &err), 0);
    /* noise: far larger encoded than stdio's buffer, so the write fails */
    guint32 x = 1;
    for (int y = 0; y < image.height; y++)
        for (size_t i = 0; i < (size_t)image.width * 3; i++) {
            x = x * 1103515245u + 12345u;
            image.pixels[(size_t)y * image.stride + i] = (uint8_t)(x >> 16);
        }
    char *out = g_build_filename(full, "web.jpg", NULL);
    int rc = transcode_photo_write_jpeg(out, &image, 90, NULL, &err);
    ck_assert_int_eq(rc, DK_ERR_IO);
    ck_assert_msg(strstr(err.message, out) &&
                      strstr(err.message, g_strerror(ENOSPC)),
                  "message: %s", err.message);
    ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
    g_free(out);
    transcode_photo_image_clear(&image);
}
END_TEST

static Suite *transcode_photo_suite(void)
{
    Suite *s = suite_create("transcode.photo");
    struct {
        const char *name;
        const TTest *test;
        int rows;
    } cases[] = {
        {"sizes", test_sizes, G_N_ELEMENTS(size_cases)},
        {"orientation", test_orientation, 8},
        {"metadata", test_metadata, G_N_ELEMENTS(meta_cases)},
        {"colour models", test_colour_models, G_N_ELEMENTS(model_cases)},
        {"broken inputs", test_broken_inputs, G_N_ELEMENTS(broken_cases)},
        {"header cuts", test_header_cuts, 1},
        {"hostile EXIF", test_exif_hostile, G_N_ELEMENTS(exif_cases)},
        {"mutated headers", test_mutated_headers, 1},
        {"resample flat", test_resample_flat, 1},
        {"resample vs ImageMagick", test_resample_matches_imagemagick,
         G_N_ELEMENTS(im_cases)},
        {"watermark", test_watermark, 2},
        {"no thumbnail", test_no_thumbnail, 1},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_loop_test(tc, cases[i].test, 0, cases[i].rows);
        suite_add_tcase(s, tc);
    }
    TCase *full = dk_test_full_disk_tcase();
    tcase_add_checked_fixture(full, setup, teardown);
    tcase_add_test(full, test_disk_full);
    suite_add_tcase(s, full);
    return s;
}

int main(void)
{
    return dk_test_run_suite(transcode_photo_suite());
}
