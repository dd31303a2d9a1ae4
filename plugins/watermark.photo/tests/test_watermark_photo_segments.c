/* The metadata carrier of watermark.photo on hand-made byte strings: which
 * segments come across, in what order, and what a broken structure gives. */
#include "dk_test.h"
#include "jpeg_segments.h"
#include "watermark_photo.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* Segments, each "FF xx" + 2-byte length + payload of (length - 2) bytes
 * filled with the marker's value so they are easy to recognise. */
static GByteArray *jpeg(const uint8_t *markers, const int *payloads, int n,
                        bool scan)
{
    GByteArray *b = g_byte_array_new();
    static const uint8_t soi[] = {0xFF, 0xD8};
    g_byte_array_append(b, soi, 2);
    for (int i = 0; i < n; i++) {
        uint8_t head[4] = {0xFF, markers[i], (uint8_t)((payloads[i] + 2) >> 8),
                           (uint8_t)(payloads[i] + 2)};
        g_byte_array_append(b, head, 4);
        for (int k = 0; k < payloads[i]; k++)
            g_byte_array_append(b, &markers[i], 1);
    }
    if (scan) {
        static const uint8_t sos[] = {0xFF, 0xDA, 0x00, 0x02,
                                      0x12, 0x34, 0xFF, 0xD9};
        g_byte_array_append(b, sos, sizeof sos);
    }
    return b;
}

static GByteArray *splice(const GByteArray *src, const GByteArray *enc,
                          bool keep_icc, int *rc, dk_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    *rc = watermark_photo_splice(src->data, src->len, enc->data, enc->len,
                                 keep_icc, out, err);
    fclose(out);
    GByteArray *b = g_byte_array_new_take((guint8 *)buf, len);
    return b;
}

/* The marker bytes of every segment of a spliced file, in order. */
static GString *marker_list(const GByteArray *b)
{
    GString *s = g_string_new(NULL);
    dk_jpeg_walk walk;
    dk_jpeg_segment seg;
    dk_jpeg_walk_memory(&walk, b->data, b->len);
    while (dk_jpeg_walk_next(&walk, &seg, NULL) == 0 &&
           seg.marker != DK_JPEG_SOS && seg.marker != DK_JPEG_EOI)
        g_string_append_printf(s, "%02X ", seg.marker);
    dk_jpeg_walk_clear(&walk);
    return s;
}

/* source: APP0 APP1(exif) APP1(xmp) APP2 APP13 APP14 COM DQT */
static const uint8_t src_markers[] = {0xE0, 0xE1, 0xE1, 0xE2,
                                      0xED, 0xEE, 0xFE, 0xDB};
static const int src_sizes[] = {14, 300, 40, 20, 50, 12, 5, 65};
/* encoder: APP0 (JFIF) DQT SOF0 */
static const uint8_t enc_markers[] = {0xE0, 0xDB, 0xC0};
static const int enc_sizes[] = {14, 130, 15};

START_TEST(test_carries_metadata_in_order)
{
    GByteArray *src = jpeg(src_markers, src_sizes, 8, true);
    GByteArray *enc = jpeg(enc_markers, enc_sizes, 3, true);
    int rc;
    dk_error err = {0};
    GByteArray *out = splice(src, enc, _i == 0, &rc, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    GString *list = marker_list(out);
    ck_assert_str_eq(list->str,
                     _i == 0 ? "E0 E1 E1 E2 ED DB C0 " : "E0 E1 E1 ED DB C0 ");
    /* the carried segments are the source's bytes (APP0 of 14 filled with
     * E0), and the image part is the encoder's to the last byte */
    ck_assert_int_eq(out->data[2 + 4], 0xE0);
    ck_assert_int_eq(memcmp(out->data + out->len - (enc->len - 20),
                            enc->data + 20, enc->len - 20),
                     0);
    g_string_free(list, TRUE);
    g_byte_array_unref(out), g_byte_array_unref(src), g_byte_array_unref(enc);
}
END_TEST

/* Hostile sources: every one fails with DK_ERR_INVALID, none reads past
 * its end (ASan watches). */
static const struct {
    const char *name;
    const char *bytes; /* hex */
} hostile[] = {
    {"empty", ""},
    {"no SOI", "FFE00004AAAA"},
    {"SOI only", "FFD8"},
    {"length past the end", "FFD8FFE1FFFF0000"},
    {"length below 2", "FFD8FFE10001FFDA"},
    {"cut inside length", "FFD8FFE1"},
    {"garbage instead of marker", "FFD8414243"},
    {"fill bytes then end", "FFD8FFFFFFFF"},
};

static GByteArray *from_hex(const char *hex)
{
    GByteArray *b = g_byte_array_new();
    for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
        char pair[3] = {hex[i], hex[i + 1], 0};
        uint8_t v = (uint8_t)strtoul(pair, NULL, 16);
        g_byte_array_append(b, &v, 1);
    }
    /* an exact-size heap copy, so ASan sees any overread */
    return b;
}

START_TEST(test_hostile_sources)
{
    GByteArray *src = from_hex(hostile[_i].bytes);
    guint8 *exact = g_memdup2(src->data, src->len);
    GByteArray *enc = jpeg(enc_markers, enc_sizes, 3, true);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    dk_error err = {0};
    int rc = watermark_photo_splice(exact, src->len, enc->data, enc->len, true,
                                    out, &err);
    fclose(out);
    ck_assert_msg(rc == DK_ERR_INVALID, "%s: rc %d", hostile[_i].name, rc);
    ck_assert_msg(err.message[0], "%s: no message", hostile[_i].name);
    free(buf);
    g_free(exact);
    g_byte_array_unref(src), g_byte_array_unref(enc);
}
END_TEST

START_TEST(test_fill_bytes_allowed)
{
    GByteArray *src = from_hex("FFD8FFFFFFE1000400FFFFDA0002FFD9");
    GByteArray *enc = jpeg(enc_markers, enc_sizes, 3, true);
    int rc;
    dk_error err = {0};
    GByteArray *out = splice(src, enc, true, &rc, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    GString *list = marker_list(out);
    ck_assert_str_eq(list->str, "E1 DB C0 ");
    g_string_free(list, TRUE);
    g_byte_array_unref(out), g_byte_array_unref(src), g_byte_array_unref(enc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("watermark.photo segments");
    TCase *tc = tcase_create("splice");
    tcase_add_loop_test(tc, test_carries_metadata_in_order, 0, 2);
    tcase_add_loop_test(tc, test_hostile_sources, 0, G_N_ELEMENTS(hostile));
    tcase_add_test(tc, test_fill_bytes_allowed);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
