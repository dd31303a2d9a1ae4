/* The pieces of ingest.video a clip cannot easily reach: ISO 6709 parsing,
 * the top-level box walk on hand-made box sequences, the opener's deadline
 * and its refusal of files that are not regular files. */
#include <check.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dk_test.h"
#include "ingest_video.h"
#include "video_boxes.h"
#include "video_open.h"

/* Made by main() before Check forks, so the parent removes it. */
static char *units_dir;

/* ---- ISO 6709 ---- */

static const struct {
    const char *text;
    gboolean ok;
    double latitude, longitude, altitude;
    gboolean has_altitude;
} iso_rows[] = {
    {"-08.5800+115.1800/", TRUE, -8.58, 115.18, 0, FALSE},
    {"+37.7858-122.4064+012.345/", TRUE, 37.7858, -122.4064, 12.345, TRUE},
    {"+37.7858-122.4064", TRUE, 37.7858, -122.4064, 0, FALSE},
    /* degrees and minutes, then degrees minutes seconds */
    {"+3730.00-12215.00/", TRUE, 37.5, -122.25, 0, FALSE},
    {"+373000-1221500/", TRUE, 37.5, -122.25, 0, FALSE},
    {"+40.20361-075.00417CRSWGS_84/", TRUE, 40.20361, -75.00417, 0, FALSE},
    {"", FALSE},
    {"37.7858-122.4064/", FALSE},   /* no sign */
    {"+97.0000+010.0000/", FALSE},  /* latitude beyond the pole */
    {"+10.0000+190.0000/", FALSE},  /* longitude beyond 180 */
    {"+1.5+010.0000/", FALSE},      /* one degree digit */
    {"+10.0000+010.0000x", FALSE},  /* junk after */
    {"+1e5+010.0000/", FALSE},      /* not a number ISO 6709 knows */
    {"+10.0000+010.0000+/", FALSE}, /* sign without altitude */
};

START_TEST(test_iso6709_row)
{
    double latitude = 0, longitude = 0, altitude = 0;
    gboolean has_altitude = TRUE;
    gboolean ok = ingest_video_parse_iso6709(
        iso_rows[_i].text, &latitude, &longitude, &altitude, &has_altitude);
    ck_assert_msg(ok == iso_rows[_i].ok, "'%s'", iso_rows[_i].text);
    if (!ok)
        return;
    ck_assert_double_eq_tol(latitude, iso_rows[_i].latitude, 1e-9);
    ck_assert_double_eq_tol(longitude, iso_rows[_i].longitude, 1e-9);
    ck_assert_int_eq(has_altitude, iso_rows[_i].has_altitude);
    if (has_altitude)
        ck_assert_double_eq_tol(altitude, iso_rows[_i].altitude, 1e-9);
}
END_TEST

/* ---- the box walk ---- */

/* A box header: size, type, then `present` bytes of body (zeros), which
 * may be fewer than the size declares (a cut file). size 1 writes a
 * 64-bit size of large_size. */
static void put_box(GByteArray *file, uint32_t size, const char *type,
                    uint64_t large_size, size_t present)
{
    guint8 header[16];
    for (int i = 0; i < 4; i++)
        header[i] = (guint8)(size >> (24 - 8 * i));
    memcpy(header + 4, type, 4);
    g_byte_array_append(file, header, 8);
    if (size == 1) {
        for (int i = 0; i < 8; i++)
            header[i] = (guint8)(large_size >> (56 - 8 * i));
        g_byte_array_append(file, header, 8);
    }
    guint8 zero = 0;
    for (size_t i = 0; i < present; i++)
        g_byte_array_append(file, &zero, 1);
}

typedef struct {
    const char *name;
    void (*build)(GByteArray *file);
    bool iso_bmff, has_moov, truncated, malformed;
    const char *cut_type;
} box_row;

static void complete_file(GByteArray *f)
{
    put_box(f, 16, "ftyp", 0, 8);
    put_box(f, 8, "free", 0, 0);
    put_box(f, 40, "mdat", 0, 32);
    put_box(f, 16, "moov", 0, 8);
}

static void cut_in_mdat(GByteArray *f)
{
    put_box(f, 16, "ftyp", 0, 8);
    put_box(f, 1000, "mdat", 0, 40);
}

static void cut_in_large_mdat(GByteArray *f)
{
    put_box(f, 16, "ftyp", 0, 8);
    put_box(f, 1, "mdat", 5000000000ull, 100);
}

static void moov_cut(GByteArray *f)
{
    put_box(f, 16, "ftyp", 0, 8);
    put_box(f, 40, "mdat", 0, 32);
    put_box(f, 400, "moov", 0, 20);
}

static void to_end(GByteArray *f)
{
    put_box(f, 16, "ftyp", 0, 8);
    put_box(f, 0, "mdat", 0, 64);
}

static void not_mp4(GByteArray *f)
{
    put_box(f, 16, "abcd", 0, 8);
}

static void tiny_size(GByteArray *f)
{
    put_box(f, 16, "ftyp", 0, 8);
    put_box(f, 3, "free", 0, 8);
}

static void binary_type(GByteArray *f)
{
    put_box(f, 16, "ftyp", 0, 8);
    put_box(f, 16, "\x01\x02\x03\x04", 0, 8);
}

static void stray_tail(GByteArray *f)
{
    complete_file(f);
    guint8 tail[5] = {0, 0, 1, 0, 'm'};
    g_byte_array_append(f, tail, sizeof tail);
}

static const box_row box_rows[] = {
    {"complete", complete_file, true, true, false, false, ""},
    {"cut in mdat", cut_in_mdat, true, false, true, false, "mdat"},
    {"cut in 64-bit mdat", cut_in_large_mdat, true, false, true, false, "mdat"},
    {"moov cut", moov_cut, true, true, true, false, "moov"},
    {"box to the end", to_end, true, false, false, false, ""},
    {"not mp4", not_mp4, false, false, false, false, ""},
    {"size below header", tiny_size, true, false, false, true, ""},
    {"binary type", binary_type, true, false, false, true, ""},
    {"stray tail", stray_tail, true, true, true, false, ""},
};

START_TEST(test_boxes_row)
{
    const box_row *row = &box_rows[_i];
    GByteArray *bytes = g_byte_array_new();
    row->build(bytes);
    char *path = g_strdup_printf("%s/box-%d.mp4", units_dir, _i);
    dk_test_write(path, bytes->data, bytes->len);
    video_boxes boxes;
    ck_assert_int_eq(video_boxes_scan(path, &boxes, NULL), 0);
    ck_assert_msg(boxes.iso_bmff == row->iso_bmff, "%s: iso", row->name);
    ck_assert_msg(boxes.has_moov == row->has_moov, "%s: moov", row->name);
    ck_assert_msg(boxes.truncated == row->truncated, "%s: cut", row->name);
    ck_assert_msg(boxes.malformed == row->malformed, "%s: bad", row->name);
    ck_assert_str_eq(boxes.cut_type, row->cut_type);
    ck_assert_int_eq(boxes.file_size, bytes->len);
    g_byte_array_free(bytes, TRUE);
    g_free(path);
}
END_TEST

/* ---- the opener ---- */

static char *make_clip(void)
{
    char *path = g_build_filename(units_dir, "clip.mp4", NULL);
    char *quoted = g_shell_quote(path);
    char *cmd = g_strdup_printf(
        "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=s=64x48:r=10:d=1 "
        "-c:v libx264 -preset ultrafast %s",
        quoted);
    ck_assert_int_eq(dk_test_sh(cmd, NULL, NULL), 0);
    g_free(cmd);
    g_free(quoted);
    return path;
}

START_TEST(test_open_deadline)
{
    char *path = make_clip();
    AVFormatContext *ctx = NULL;
    dk_error err = {0};
    /* the same file opens with time to spare ... */
    ck_assert_int_eq(video_open(path, 30, &ctx, &err), 0);
    ck_assert_ptr_nonnull(ctx);
    video_close(&ctx);
    ck_assert_ptr_null(ctx);
    /* ... and is interrupted, not read to the end, when the time is up */
    ck_assert_int_eq(video_open(path, 1e-9, &ctx, &err), DK_ERR_TIMEOUT);
    ck_assert_ptr_null(ctx);
    ck_assert_msg(strstr(err.message, "took longer than"), "%s", err.message);
    g_free(path);
}
END_TEST

START_TEST(test_open_not_regular)
{
    char *dir = g_build_filename(units_dir, "fifo", NULL);
    ck_assert_int_eq(g_mkdir(dir, 0700), 0);
    char *fifo = g_build_filename(dir, "pipe.mp4", NULL);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    AVFormatContext *ctx = NULL;
    dk_error err = {0};
    /* a FIFO without a writer would block open() for ever */
    ck_assert_int_eq(video_open(fifo, 5, &ctx, &err), DK_ERR_INVALID);
    ck_assert_str_eq(err.message, "not a regular file");
    ck_assert_int_eq(video_open(dir, 5, &ctx, &err), DK_ERR_INVALID);
    char *missing = g_build_filename(dir, "missing.mp4", NULL);
    ck_assert_int_eq(video_open(missing, 5, &ctx, &err), DK_ERR_IO);
    ck_assert_ptr_null(ctx);
    g_free(missing);
    g_free(fifo);
    g_free(dir);
}
END_TEST

START_TEST(test_file_url)
{
    /* a colon in a name must not select a libav protocol */
    char *url = video_file_url("concat:a.mp4|b.mp4");
    ck_assert_str_eq(url, "file:concat:a.mp4|b.mp4");
    g_free(url);
}
END_TEST

static Suite *units_suite(void)
{
    Suite *s = suite_create("ingest.video units");
    TCase *iso = tcase_create("iso6709");
    tcase_add_loop_test(iso, test_iso6709_row, 0, G_N_ELEMENTS(iso_rows));
    suite_add_tcase(s, iso);
    TCase *boxes = tcase_create("boxes");
    tcase_add_loop_test(boxes, test_boxes_row, 0, G_N_ELEMENTS(box_rows));
    suite_add_tcase(s, boxes);
    TCase *open = tcase_create("open");
    tcase_add_test(open, test_open_deadline);
    tcase_add_test(open, test_open_not_regular);
    tcase_add_test(open, test_file_url);
    suite_add_tcase(s, open);
    return s;
}

int main(void)
{
    units_dir = dk_test_tmpdir("ingest-video-units");
    SRunner *runner = srunner_create(units_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    dk_test_cleanup_dirs();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
