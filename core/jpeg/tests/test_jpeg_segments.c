/* The shared JPEG marker walk on hand-built byte strings. Every row is
 * walked twice, from memory and from a file, and both walks must give the
 * same segments and the same error: the plugins use both. */
#include "dk_test.h"
#include "jpeg_segments.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static GByteArray *from_hex(const char *hex)
{
    GByteArray *b = g_byte_array_new();
    for (size_t i = 0; hex[i]; i++) {
        if (hex[i] == ' ')
            continue;
        char pair[3] = {hex[i], hex[i + 1], 0};
        uint8_t v = (uint8_t)strtoul(pair, NULL, 16);
        g_byte_array_append(b, &v, 1);
        i++;
    }
    return b;
}

typedef struct walk_result {
    int rc;
    char message[DK_ERROR_MESSAGE_MAX];
    GString *markers; /* "E1 DA " */
    GString *detail;  /* every field and payload byte of every segment */
} walk_result;

static void walk_result_clear(walk_result *r)
{
    g_string_free(r->markers, TRUE);
    g_string_free(r->detail, TRUE);
}

/* Walks through every scan to EOI or an error, recording what the walk
 * gave. */
static walk_result run_walk(dk_jpeg_walk *walk)
{
    walk_result r = {.markers = g_string_new(NULL),
                     .detail = g_string_new(NULL)};
    dk_error err = {0};
    dk_jpeg_segment seg;
    while ((r.rc = dk_jpeg_walk_next(walk, &seg, &err)) == 0) {
        g_string_append_printf(r.markers, "%02X ", seg.marker);
        g_string_append_printf(
            r.detail, "%02X %llu %llu %llu %u %llu:", seg.marker,
            (unsigned long long)seg.start, (unsigned long long)seg.offset,
            (unsigned long long)seg.payload_offset, seg.length,
            (unsigned long long)seg.end);
        const uint8_t *p = NULL;
        r.rc = dk_jpeg_walk_payload(walk, &seg, &p, &err);
        if (r.rc < 0)
            break;
        for (uint32_t i = 0; i < seg.length; i++)
            g_string_append_printf(r.detail, "%02X", p[i]);
        g_string_append_c(r.detail, '\n');
        if (seg.marker == DK_JPEG_EOI)
            break;
    }
    g_strlcpy(r.message, err.message, sizeof r.message);
    return r;
}

static walk_result walk_memory(const GByteArray *b)
{
    /* an exact-size heap copy, so ASan sees any overread */
    uint8_t *exact = g_memdup2(b->data, b->len);
    dk_jpeg_walk walk;
    dk_jpeg_walk_memory(&walk, exact, b->len);
    walk_result r = run_walk(&walk);
    dk_jpeg_walk_clear(&walk);
    g_free(exact);
    return r;
}

/* size lets a test claim more bytes than the file holds (one that shrank
 * between fstat and the walk). */
static walk_result walk_file(const GByteArray *b, uint64_t size)
{
    char *dir = dk_test_tmpdir("jpeg-walk");
    char *path = g_build_filename(dir, "walk.jpg", NULL);
    dk_test_write(path, b->data, (gssize)b->len);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    dk_jpeg_walk walk;
    dk_jpeg_walk_file(&walk, fd, size);
    walk_result r = run_walk(&walk);
    dk_jpeg_walk_clear(&walk);
    close(fd);
    g_free(path);
    g_free(dir);
    return r;
}

/* The cases, from walks.ini beside this file; loaded before the tests
 * start, so every forked test sees them. */
static GKeyFile *cases;
static gchar **case_names;

/* Both walks of a case, which must agree to the byte. */
static walk_result walk_both(const char *name, const GByteArray *b)
{
    walk_result mem = walk_memory(b);
    walk_result file = walk_file(b, b->len);
    ck_assert_msg(file.rc == mem.rc, "%s: file rc %d, memory rc %d", name,
                  file.rc, mem.rc);
    ck_assert_str_eq(file.detail->str, mem.detail->str);
    ck_assert_str_eq(file.message, mem.message);
    walk_result_clear(&file);
    return mem;
}

START_TEST(test_case)
{
    const char *name = case_names[_i];
    char *bytes = g_key_file_get_string(cases, name, "bytes", NULL);
    char *markers = g_key_file_get_string(cases, name, "markers", NULL);
    char *error = g_key_file_get_string(cases, name, "error", NULL);
    ck_assert_msg(bytes && (!markers != !error),
                  "%s: needs bytes and one of markers, error", name);
    GByteArray *b = from_hex(bytes);
    walk_result r = walk_both(name, b);
    g_byte_array_unref(b);
    if (markers) {
        ck_assert_msg(r.rc == 0, "%s: %s", name, r.message);
        g_strchomp(r.markers->str);
        ck_assert_msg(strcmp(r.markers->str, markers) == 0, "%s: markers '%s'",
                      name, r.markers->str);
    } else {
        ck_assert_msg(r.rc == DK_ERR_INVALID, "%s: rc %d", name, r.rc);
        ck_assert_msg(strstr(r.message, error), "%s: '%s' lacks '%s'", name,
                      r.message, error);
    }
    walk_result_clear(&r);
    g_free(bytes);
    g_free(markers);
    g_free(error);
}
END_TEST

/* The next segment of walk, which must be marker. */
static dk_jpeg_segment next_is(dk_jpeg_walk *walk, uint8_t marker)
{
    dk_jpeg_segment seg;
    dk_error err = {0};
    int rc = dk_jpeg_walk_next(walk, &seg, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_int_eq(seg.marker, marker);
    return seg;
}

/* Where a segment starts, where its marker is, where its payload is. */
START_TEST(test_offsets)
{
    GByteArray *b = from_hex("FFD8 FFFFFFE1000400FF FFFFDA0002 12 FFD9");
    dk_jpeg_walk walk;
    dk_jpeg_walk_memory(&walk, b->data, b->len);
    dk_jpeg_segment app1 = next_is(&walk, DK_JPEG_APP1);
    ck_assert_uint_eq(app1.start, 2);  /* the first fill byte */
    ck_assert_uint_eq(app1.offset, 4); /* the marker's own 0xFF */
    ck_assert_uint_eq(app1.payload_offset, 8);
    ck_assert_uint_eq(app1.length, 2);
    ck_assert_uint_eq(app1.end, 10);
    ck_assert_ptr_eq(app1.payload, b->data + 8);
    dk_jpeg_segment sos = next_is(&walk, DK_JPEG_SOS);
    ck_assert_uint_eq(sos.start, 10);
    ck_assert_uint_eq(sos.offset, 11);
    ck_assert_uint_eq(sos.end, 15); /* the entropy-coded data */
    dk_jpeg_segment eoi = next_is(&walk, DK_JPEG_EOI);
    ck_assert_uint_eq(eoi.offset, 16);
    ck_assert_uint_eq(eoi.length, 0);
    ck_assert_uint_eq(eoi.end, 18);
    dk_jpeg_walk_clear(&walk);
    g_byte_array_unref(b);
}
END_TEST

static void put_segment(GByteArray *b, uint8_t marker, const void *payload,
                        size_t size)
{
    uint8_t head[4] = {0xFF, marker, (uint8_t)((size + 2) >> 8),
                       (uint8_t)(size + 2)};
    g_byte_array_append(b, head, 4);
    g_byte_array_append(b, payload, (guint)size);
}

/* A camera's APP1 Exif and an editor's APP1 XMP: both come back whole, in
 * order, with their payloads where the bytes are. */
START_TEST(test_exif_and_xmp)
{
    static const char exif[] = "Exif\0\0II*\0\x08\0\0\0\0\0";
    static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>";
    const char *const payloads[2] = {exif, xmp};
    const size_t sizes[2] = {sizeof exif - 1, sizeof xmp - 1};
    GByteArray *b = from_hex("FFD8");
    for (int i = 0; i < 2; i++)
        put_segment(b, DK_JPEG_APP1, payloads[i], sizes[i]);
    g_byte_array_append(b, (const uint8_t *)"\xFF\xDA\0\2\1\xFF\xD9", 7);

    dk_jpeg_walk walk;
    dk_jpeg_walk_memory(&walk, b->data, b->len);
    for (int i = 0; i < 2; i++) {
        dk_jpeg_segment seg = next_is(&walk, DK_JPEG_APP1);
        ck_assert_uint_eq(seg.length, sizes[i]);
        ck_assert_int_eq(memcmp(seg.payload, payloads[i], sizes[i]), 0);
    }
    ck_assert_uint_eq(next_is(&walk, DK_JPEG_SOS).offset, b->len - 7);
    dk_jpeg_walk_clear(&walk);

    walk_result r = walk_both("Exif and XMP", b);
    ck_assert_str_eq(r.markers->str, "E1 E1 DA D9 ");
    walk_result_clear(&r);
    g_byte_array_unref(b);
}
END_TEST

/* Larger than the file walk's read window: segments and stuffed scan data
 * cross its edges, and the file walk still agrees with the memory one. */
START_TEST(test_larger_than_window)
{
    GByteArray *b = from_hex("FFD8");
    uint8_t *filler = g_malloc(65533);
    for (size_t i = 0; i < 65533; i++)
        filler[i] = (uint8_t)(i * 7);
    for (int i = 0; i < 6; i++)
        put_segment(b, DK_JPEG_COM, filler, 65533 - (size_t)i * 1001);
    g_byte_array_append(b, (const uint8_t *)"\xFF\xDA\0\2", 4);
    for (size_t i = 0; i < 700 * 1024; i++) {
        uint8_t v = (uint8_t)(i * 13);
        g_byte_array_append(b, &v, 1);
        if (v == 0xFF) /* stuffed, as an encoder writes it */
            g_byte_array_append(b, (const uint8_t *)"\0", 1);
    }
    g_byte_array_append(b, (const uint8_t *)"\xFF\xD9", 2);
    walk_result r = walk_both("larger than the window", b);
    ck_assert_msg(r.rc == 0, "%s", r.message);
    ck_assert_str_eq(r.markers->str, "FE FE FE FE FE FE DA D9 ");
    walk_result_clear(&r);
    g_free(filler);
    g_byte_array_unref(b);
}
END_TEST

/* A file that shrank after its size was taken: the payload that is no
 * longer there is an error, not a read of stale bytes. */
START_TEST(test_file_shrank)
{
    GByteArray *b = from_hex("FFD8 FFE10010 0102");
    walk_result r = walk_file(b, 64);
    ck_assert_int_eq(r.rc, DK_ERR_INVALID);
    ck_assert_msg(strstr(r.message, "the APP1 segment at byte 2 runs past "
                                    "the end of the file"),
                  "%s", r.message);
    walk_result_clear(&r);
    g_byte_array_unref(b);
}
END_TEST

/* A read that fails is DK_ERR_IO with the system's reason, not a
 * truncated JPEG (a directory stands in for a failing card reader). */
START_TEST(test_read_error)
{
    int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    dk_jpeg_walk walk;
    dk_jpeg_segment seg;
    dk_error err = {0};
    dk_jpeg_walk_file(&walk, fd, 1000);
    ck_assert_int_eq(dk_jpeg_walk_next(&walk, &seg, &err), DK_ERR_IO);
    ck_assert_msg(strstr(err.message, "cannot read"), "%s", err.message);
    dk_jpeg_walk_clear(&walk);
    close(fd);
}
END_TEST

START_TEST(test_marker_names)
{
    char buf[8];
    ck_assert_str_eq(dk_jpeg_marker_name(0xE1, buf), "APP1");
    ck_assert_str_eq(dk_jpeg_marker_name(0xC2, buf), "SOF2");
    ck_assert_str_eq(dk_jpeg_marker_name(0xDB, buf), "DQT");
    ck_assert_str_eq(dk_jpeg_marker_name(0xC8, buf), "0xFFC8");
    ck_assert(dk_jpeg_marker_is_sof(0xC0) && dk_jpeg_marker_is_sof(0xCF));
    ck_assert(!dk_jpeg_marker_is_sof(0xC4) && !dk_jpeg_marker_is_sof(0xCC));
}
END_TEST

int main(void)
{
    char *path = dk_test_source_path("core/jpeg/tests/walks.ini");
    GError *error = NULL;
    cases = g_key_file_new();
    if (!g_key_file_load_from_file(cases, path, G_KEY_FILE_NONE, &error)) {
        fprintf(stderr, "%s: %s\n", path, error->message);
        return EXIT_FAILURE;
    }
    gsize count = 0;
    case_names = g_key_file_get_groups(cases, &count);

    Suite *s = suite_create("jpeg segments");
    TCase *tc = tcase_create("walk");
    tcase_add_loop_test(tc, test_case, 0, (int)count);
    tcase_add_test(tc, test_offsets);
    tcase_add_test(tc, test_exif_and_xmp);
    tcase_add_test(tc, test_larger_than_window);
    tcase_add_test(tc, test_file_shrank);
    tcase_add_test(tc, test_read_error);
    tcase_add_test(tc, test_marker_names);
    suite_add_tcase(s, tc);
    int status = dk_test_run_suite(s);
    g_strfreev(case_names);
    g_key_file_free(cases);
    g_free(path);
    return status;
}
