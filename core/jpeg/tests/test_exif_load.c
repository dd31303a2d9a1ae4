/* The shared EXIF loader on hand-built TIFF blocks: what it keeps of each
 * IFD, and the one warning per repair that ingest.photo and stamp.exif put
 * on the item. */
#include "dk_test.h"
#include "exif_load.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* Little-endian TIFF: IFD0 at 8 with two entries, Make ("dokpim", value
 * at 0x26) and Model ("Cam", inline); the link to IFD1 after them. */
#define HEADER   "49492A00 08000000 "
#define MAKE     "0F01 0200 07000000 26000000 "
#define MODEL    "1001 0200 04000000 43616D00 "
#define NO_LINK  "00000000 "
#define MAKE_VAL "646F6B70696D00"

static const struct row {
    const char *name;
    const char *hex;
    int rc;               /* 0, or DK_ERR_INVALID: nothing readable */
    const char *warnings; /* expected lines, '|' between; "" for none */
    int ifd0, ifd1, exif; /* entries libexif kept there */
} rows[] = {
    {"sound", HEADER "0200" MAKE MODEL NO_LINK MAKE_VAL, 0, "", 2, 0, 0},
    {"IFD1 loops back to IFD0", HEADER "0200" MAKE MODEL "08000000 " MAKE_VAL,
     0, "EXIF: IFD1 loops back to IFD0; the loop was cut", 2, 0, 0},
    {"ExifIFD pointer loops back to IFD0",
     HEADER "0300" MAKE MODEL "6987 0400 01000000 08000000 " NO_LINK
            "646F6B70696D00",
     0, "EXIF: ExifIFD loops back to IFD0; the loop was cut", 2, 0, 0},
    {"Make points past the end",
     HEADER "0200 0F01 0200 07000000 00FFFFFF " MODEL NO_LINK MAKE_VAL, 0,
     "EXIF: IFD0 entry 0x010f (Make) points past the end of the APP1 "
     "segment; dropped",
     1, 0, 0},
    {"Model count overflows",
     HEADER "0200" MAKE "1001 0200 00000080 43616D00 " NO_LINK MAKE_VAL, 0,
     "EXIF: IFD0 entry 0x0110 (Model) points past the end of the APP1 "
     "segment; dropped",
     1, 0, 0},
    {"unknown value type",
     HEADER "0200" MAKE "1001 0F00 04000000 43616D00 " NO_LINK MAKE_VAL, 0,
     "EXIF: IFD0 entry 0x0110 (Model) has an unknown value type 15; dropped", 1,
     0, 0},
    {"IFD0 count past the end", HEADER "FF7F" MAKE MODEL NO_LINK MAKE_VAL, 0,
     "EXIF: IFD0 claims 32767 entries, only 2 fit in the APP1 segment; the "
     "rest were dropped",
     2, 0, 0},
    {"IFD1 past the end", HEADER "0200" MAKE MODEL "00100000 " MAKE_VAL, 0,
     "EXIF: IFD1 at offset 4096 lies past the end of the APP1 segment; "
     "dropped",
     2, 0, 0},
    {"no TIFF header", "58582A00 08000000 0000 00000000", DK_ERR_INVALID,
     "EXIF: no TIFF header (II*/MM*)", 0, 0, 0},
    {"IFD0 outside the block", "49492A00 F0FFFF7F 0000 00000000",
     DK_ERR_INVALID,
     "EXIF: IFD0 offset 2147483632 lies outside the 14-byte "
     "block",
     0, 0, 0},
    {"too short", "4949", DK_ERR_INVALID, "EXIF: the block is only 2 bytes", 0,
     0, 0},
};

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

START_TEST(test_load)
{
    const struct row *row = &rows[_i];
    GByteArray *tiff = from_hex(row->hex);
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    ExifData *ed = exif_data_new();
    dk_error err = {0};
    int rc =
        dk_exif_load(ed, tiff->data, tiff->len, "APP1 segment", warnings, &err);
    ck_assert_msg(rc == row->rc, "%s: rc %d (%s)", row->name, rc, err.message);
    GString *got = g_string_new(NULL);
    if (rc < 0)
        g_string_append(got, err.message);
    for (guint i = 0; i < warnings->len; i++)
        g_string_append_printf(got, "%s%s", got->len ? "|" : "",
                               (char *)warnings->pdata[i]);
    ck_assert_msg(strcmp(got->str, row->warnings) == 0,
                  "%s:\n got  \"%s\"\n want \"%s\"", row->name, got->str,
                  row->warnings);
    ck_assert_int_eq(ed->ifd[EXIF_IFD_0]->count, row->ifd0);
    ck_assert_int_eq(ed->ifd[EXIF_IFD_1]->count, row->ifd1);
    ck_assert_int_eq(ed->ifd[EXIF_IFD_EXIF]->count, row->exif);
    g_string_free(got, TRUE);
    exif_data_unref(ed);
    g_ptr_array_unref(warnings);
    g_byte_array_unref(tiff);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("exif load");
    TCase *tc = tcase_create("load");
    tcase_add_loop_test(tc, test_load, 0, G_N_ELEMENTS(rows));
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
