/* stamp.exif engine: generated photos stamped through
 * stamp_exif_stamp_file(), judged by exiftool and by the test's own look at
 * the bytes. */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "dk_test.h"
#include "dk_test_tools.h"
#include "stamp_exif_fields.h"
#include "stamp_exif_samples.h"
#include "stamp_exif_write.h"
#include "stamp_exif_xmp.h"

static char *sample_dir;
static char *sources[SAMPLE_KINDS]; /* by stamp_exif_sample_kind */

/* ---- helpers ---- */

typedef struct texts {
    const char *label;
    const char *full;   /* for fields with room: caption, headline, event */
    const char *short_; /* fits every IIM limit (By-line: 32 bytes) */
} texts;

static const texts text_rows[] = {
    {"indonesian", "Rapat Koordinasi — Kabupaten Badung",
     "Ni Komang Ayu Pradnyani"},
    {"balinese", "ᬧᬸᬲ᭄ᬧᬾᬫ᭄ ᬩᬤᬸᬂ ᬫᬗᬸᬧᬸᬭ", "ᬩᬤᬸᬂ"},
    {"chinese", "巴东县废物处理协调会议", "巴东县"},
    {"emoji", "Rapat 📷🎉 Badung 👩🏽‍💻", "📷🎉"},
    {"mixed", "Rapat Koordinasi — Badung ᬩᬤᬸᬂ 巴东 🎉", "ᬩᬤᬸᬂ 巴东 🎉"},
};

static void fill(stamp_exif_fields *f, const texts *t)
{
    memset(f, 0, sizeof(*f));
    f->artist = g_strdup(t->short_);
    f->copyright = g_strdup_printf("© %s", t->full);
    f->caption = g_strdup(t->full);
    f->headline = g_strdup(t->full);
    f->credit = g_strdup(t->short_);
    f->city = g_strdup(t->short_);
    f->location = g_strdup(t->short_);
    f->event = g_strdup(t->full);
    f->software = g_strdup("dokpim test");
    char *list = g_strdup_printf("%s;%s;rapat", t->full, t->short_);
    f->keywords = stamp_exif_split_keywords(list);
    g_free(list);
    f->capture_time = g_strdup("2025-03-14T10:11:22+08:00");
    f->capture_source = g_strdup("exif");
    f->keep_gps = true;
}

static void fill_default(stamp_exif_fields *f)
{
    fill(f, &text_rows[0]);
}

/* The warnings of the last stamp(); one run per forked test. */
static GPtrArray *warnings;

/* True when exactly one of the last stamp()'s warnings contains text. */
static bool warned_once(const char *text)
{
    int n = 0;
    for (guint i = 0; warnings && i < warnings->len; i++)
        n += strstr(warnings->pdata[i], text) != NULL;
    return n == 1;
}

static char *all_warnings(void)
{
    GString *all = g_string_new(NULL);
    for (guint i = 0; warnings && i < warnings->len; i++)
        g_string_append_printf(all, "[%s] ", (char *)warnings->pdata[i]);
    return g_string_free(all, FALSE);
}

static void assert_warned(const char *text)
{
    char *all = all_warnings();
    ck_assert_msg(warned_once(text), "no single warning with \"%s\": %s", text,
                  all);
    g_free(all);
}

/* Stamps source into a fresh folder; returns the output path (g_free). */
static char *stamp(const char *source, const stamp_exif_fields *f)
{
    char *dir = dk_test_tmpdir("stamp-out");
    char *out = g_build_filename(dir, "stamped.jpg", NULL);
    dk_error err = {0};
    if (warnings)
        g_ptr_array_unref(warnings);
    warnings = g_ptr_array_new_with_free_func(g_free);
    int rc = stamp_exif_stamp_file(source, out, f, warnings, &err);
    ck_assert_msg(rc == 0, "stamping %s failed: %s", source, err.message);
    g_free(dir);
    return out;
}

static void assert_member(JsonObject *o, const char *name, const char *want)
{
    char *got = stamp_exif_member(o, name);
    ck_assert_msg(strcmp(got, want) == 0, "%s: got '%s', want '%s'", name, got,
                  want);
    g_free(got);
}

static void assert_validates(const char *path)
{
    char *verdict = stamp_exif_validate(path);
    ck_assert_msg(strcmp(verdict, "OK") == 0, "exiftool -validate on %s: %s",
                  path, verdict);
    g_free(verdict);
}

/* ---- every field, every block, every script ---- */

START_TEST(test_roundtrip)
{
    const texts *t = &text_rows[_i];
    stamp_exif_sample_kind kinds[] = {SAMPLE_CAMERA, SAMPLE_INTEL, SAMPLE_BARE};
    stamp_exif_fields f;
    fill(&f, t);
    char *copyright = g_strdup_printf("© %s", t->full);
    char *keywords = g_strdup_printf("%s;%s;rapat", t->full, t->short_);
    for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
        char *out = stamp(sources[kinds[k]], &f);
        JsonObject *o = dk_test_exiftool(out, stamp_exif_tags);
        ck_assert_msg(o != NULL, "exiftool could not read %s", out);
        const struct {
            const char *member, *want;
        } expect[] = {
            {"IFD0:Artist", t->short_},
            {"IPTC:By-line", t->short_},
            {"XMP-dc:Creator", t->short_},
            {"IFD0:Copyright", copyright},
            {"IPTC:CopyrightNotice", copyright},
            {"XMP-dc:Rights", copyright},
            {"IFD0:ImageDescription", t->full},
            {"ExifIFD:UserComment", t->full},
            {"IPTC:Caption-Abstract", t->full},
            {"XMP-dc:Description", t->full},
            {"IPTC:Headline", t->full},
            {"XMP-photoshop:Headline", t->full},
            {"IPTC:Credit", t->short_},
            {"XMP-photoshop:Credit", t->short_},
            {"IPTC:City", t->short_},
            {"XMP-photoshop:City", t->short_},
            {"IPTC:Sub-location", t->short_},
            {"XMP-iptcCore:Location", t->short_},
            {"IPTC:ObjectName", t->full},
            {"XMP-dc:Title", t->full},
            {"XMP-iptcExt:Event", t->full},
            {"IFD0:Software", "dokpim test"},
            {"IPTC:CodedCharacterSet", "UTF8"},
            {"XMP-xmpRights:Marked", "True"},
            {"IPTC:DateCreated", "2025:03:14"},
            {"IPTC:TimeCreated", "10:11:22+08:00"},
            {"XMP-photoshop:DateCreated", "2025:03:14 10:11:22+08:00"},
        };
        for (size_t e = 0; e < G_N_ELEMENTS(expect); e++)
            assert_member(o, expect[e].member, expect[e].want);
        /* keywords are merged into what the photo had */
        bool had = kinds[k] != SAMPLE_BARE;
        char *iptc = g_strdup_printf("%s%s", had ? "oldkw;" : "", keywords);
        char *xmp = g_strdup_printf("%s%s", had ? "xmpold;" : "", keywords);
        assert_member(o, "IPTC:Keywords", iptc);
        assert_member(o, "XMP-dc:Subject", xmp);
        g_free(iptc);
        g_free(xmp);
        json_object_unref(o);
        assert_validates(out);
        g_free(out);
    }
    g_free(copyright);
    g_free(keywords);
    stamp_exif_fields_clear(&f);
}
END_TEST

/* ---- pixels and the original ---- */

START_TEST(test_scan_data_identical)
{
    stamp_exif_fields f;
    fill_default(&f);
    for (int kind = 0; kind < SAMPLE_KINDS; kind++) {
        char *before = stamp_exif_scan_sha256(sources[kind]);
        char *out = stamp(sources[kind], &f);
        char *after = stamp_exif_scan_sha256(out);
        ck_assert_ptr_nonnull(before);
        ck_assert_msg(after && strcmp(before, after) == 0,
                      "scan data of kind %d changed", kind);
        /* and a decoder agrees the result is the same picture */
        char *cmd = g_strdup_printf("/usr/bin/compare -metric AE '%s' '%s' "
                                    "null: 2>&1",
                                    sources[kind], out);
        char *diff = NULL;
        dk_test_sh(cmd, &diff, NULL);
        ck_assert_msg(diff && g_str_has_prefix(g_strstrip(diff), "0"),
                      "pixels differ: %s", diff);
        assert_validates(out);
        g_free(diff);
        g_free(cmd);
        g_free(before);
        g_free(after);
        g_free(out);
    }
    stamp_exif_fields_clear(&f);
}
END_TEST

START_TEST(test_original_untouched)
{
    stamp_exif_fields f;
    fill_default(&f);
    char *before = dk_test_sha256(sources[SAMPLE_CAMERA]);
    GStatBuf st_before, st_after;
    ck_assert_int_eq(g_stat(sources[SAMPLE_CAMERA], &st_before), 0);
    char *out = stamp(sources[SAMPLE_CAMERA], &f);
    char *after = dk_test_sha256(sources[SAMPLE_CAMERA]);
    ck_assert_int_eq(g_stat(sources[SAMPLE_CAMERA], &st_after), 0);
    ck_assert_str_eq(before, after);
    ck_assert_int_eq(st_before.st_mtime, st_after.st_mtime);
    char *stamped = dk_test_sha256(out);
    ck_assert_str_ne(before, stamped);
    g_free(stamped);
    g_free(before);
    g_free(after);
    g_free(out);
    stamp_exif_fields_clear(&f);
}
END_TEST

/* ---- what the camera and earlier tools wrote survives ---- */

START_TEST(test_camera_tags_kept)
{
    stamp_exif_fields f;
    fill_default(&f);
    JsonObject *src = dk_test_exiftool(sources[SAMPLE_CAMERA], stamp_exif_tags);
    char *out = stamp(sources[SAMPLE_CAMERA], &f);
    JsonObject *o = dk_test_exiftool(out, stamp_exif_tags);
    static const char *const kept[] = {
        "ExifIFD:DateTimeOriginal",
        "ExifIFD:OffsetTimeOriginal",
        "ExifIFD:CreateDate",
        "IFD0:Make",
        "IFD0:Model",
        "ExifIFD:ExposureTime",
        "ExifIFD:ISO",
        "GPS:GPSLatitude",
        "GPS:GPSLongitude",
        "IFD1:ThumbnailLength",
        "ICC-header:ProfileCMMType",
        "File:ExifByteOrder",
        "IPTC:Country-PrimaryLocationName",
        "IPTC:OriginalTransmissionReference",
        "Photoshop:URL",
        "XMP-photoshop:Instructions",
        "XMP-xmp:Rating",
        "XMP-exif:GPSLatitude",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(kept); i++) {
        char *want = stamp_exif_member(src, kept[i]);
        ck_assert_msg(*want, "sample lacks %s", kept[i]);
        assert_member(o, kept[i], want);
        g_free(want);
    }
    /* the thumbnail bytes themselves */
    char *cmd = g_strdup_printf("exiftool -b -ThumbnailImage '%s' | sha256sum;"
                                "exiftool -b -ThumbnailImage '%s' | sha256sum",
                                sources[SAMPLE_CAMERA], out);
    char *sums = NULL;
    dk_test_sh(cmd, &sums, NULL);
    char **lines = g_strsplit(sums, "\n", -1);
    ck_assert_str_eq(lines[0], lines[1]);
    g_strfreev(lines);
    g_free(sums);
    g_free(cmd);
    /* segments: one of each, JFIF first, ICC kept */
    stamp_exif_facts facts = stamp_exif_inspect(out);
    ck_assert(facts.ok);
    ck_assert_int_eq(facts.exif, 1);
    ck_assert_int_eq(facts.xmp, 1);
    ck_assert_int_eq(facts.photoshop, 1);
    ck_assert_int_eq(facts.iim_resources, 1);
    ck_assert_int_eq(facts.icc, stamp_exif_inspect(sources[SAMPLE_CAMERA]).icc);
    ck_assert_int_le(facts.jfif_index, 0);
    /* the IPTC digest matches the IIM written beside it (MWG) */
    char *digest = stamp_exif_member(o, "Photoshop:IPTCDigest");
    assert_member(o, "File:CurrentIPTCDigest", digest);
    g_free(digest);
    json_object_unref(src);
    json_object_unref(o);
    g_free(out);
    stamp_exif_fields_clear(&f);
}
END_TEST

START_TEST(test_gps_removed)
{
    stamp_exif_fields f;
    fill_default(&f);
    f.keep_gps = false;
    char *out = stamp(sources[SAMPLE_CAMERA], &f);
    JsonObject *o = dk_test_exiftool(out, stamp_exif_tags);
    GList *names = json_object_get_members(o);
    for (GList *l = names; l; l = l->next)
        ck_assert_msg(!strstr(l->data, "GPS"), "%s survived keep-gps=false",
                      (char *)l->data);
    g_list_free(names);
    assert_member(o, "ExifIFD:DateTimeOriginal", "2025:03:14 10:11:22");
    json_object_unref(o);
    assert_validates(out);
    g_free(out);
    stamp_exif_fields_clear(&f);
}
END_TEST

START_TEST(test_bare_gets_minimal_exif)
{
    stamp_exif_fields f;
    fill_default(&f);
    char *out = stamp(sources[SAMPLE_BARE], &f);
    assert_validates(out);
    JsonObject *o = dk_test_exiftool(out, stamp_exif_tags);
    assert_member(o, "ExifIFD:ExifImageWidth", "320");
    assert_member(o, "ExifIFD:ExifImageHeight", "240");
    /* no camera time was there, so none is invented */
    assert_member(o, "ExifIFD:DateTimeOriginal", "");
    stamp_exif_facts facts = stamp_exif_inspect(out);
    ck_assert_int_eq(facts.jfif_index, 0);
    ck_assert_int_eq(facts.exif, 1);
    json_object_unref(o);
    g_free(out);
    stamp_exif_fields_clear(&f);
}
END_TEST

/* A time read from a file name never becomes EXIF DateTimeOriginal; XMP
 * carries it, marked as inferred. */
START_TEST(test_inferred_time)
{
    stamp_exif_fields f;
    fill_default(&f);
    g_free(f.capture_source);
    f.capture_source = g_strdup("filename");
    f.capture_inferred = true;
    char *out = stamp(sources[SAMPLE_PHONE], &f);
    JsonObject *o = dk_test_exiftool(out, stamp_exif_tags);
    assert_member(o, "ExifIFD:DateTimeOriginal", "");
    assert_member(o, "XMP-photoshop:DateCreated", "2025:03:14 10:11:22+08:00");
    assert_member(o, "XMP-dokpim:CaptureTimeInferred", "True");
    assert_member(o, "XMP-dokpim:CaptureTimeSource", "filename");
    assert_member(o, "IFD0:Make", "samsung");
    json_object_unref(o);
    assert_validates(out);
    g_free(out);
    /* a camera time stays what the camera wrote whatever we are told,
     * also when ingest corrected the camera's clock */
    f.capture_inferred = false;
    g_free(f.capture_source);
    f.capture_source = g_strdup("exif");
    g_free(f.capture_time);
    f.capture_time = g_strdup("2025-03-14T11:11:22+08:00");
    f.capture_clock_offset = 3600;
    out = stamp(sources[SAMPLE_CAMERA], &f);
    o = dk_test_exiftool(out, stamp_exif_tags);
    assert_member(o, "ExifIFD:DateTimeOriginal", "2025:03:14 10:11:22");
    assert_member(o, "XMP-photoshop:DateCreated", "2025:03:14 11:11:22+08:00");
    assert_member(o, "XMP-dokpim:CaptureClockOffset", "+3600");
    assert_member(o, "XMP-dokpim:CaptureTimeInferred", "");
    json_object_unref(o);
    g_free(out);
    stamp_exif_fields_clear(&f);
}
END_TEST

/* Stamping a stamped file again leaves one block of each kind and no
 * doubled keywords. */
START_TEST(test_restamp_merges)
{
    stamp_exif_fields f;
    fill_default(&f);
    char *once = stamp(sources[SAMPLE_CAMERA], &f);
    char *twice = stamp(once, &f);
    stamp_exif_facts facts = stamp_exif_inspect(twice);
    ck_assert_int_eq(facts.exif, 1);
    ck_assert_int_eq(facts.xmp, 1);
    ck_assert_int_eq(facts.photoshop, 1);
    ck_assert_int_eq(facts.iim_resources, 1);
    JsonObject *a = dk_test_exiftool(once, stamp_exif_tags),
               *b = dk_test_exiftool(twice, stamp_exif_tags);
    char *ka = stamp_exif_member(a, "IPTC:Keywords");
    assert_member(b, "IPTC:Keywords", ka);
    char *sa = stamp_exif_member(a, "XMP-dc:Subject");
    assert_member(b, "XMP-dc:Subject", sa);
    g_free(ka);
    g_free(sa);
    json_object_unref(a);
    json_object_unref(b);
    assert_validates(twice);
    g_free(once);
    g_free(twice);
    stamp_exif_fields_clear(&f);
}
END_TEST

/* ---- limits ---- */

static bool is_prefix_on_boundary(const char *whole, const char *part)
{
    size_t n = strlen(part);
    return strncmp(whole, part, n) == 0 && g_utf8_validate(part, -1, NULL);
}

START_TEST(test_long_caption)
{
    stamp_exif_fields f;
    fill_default(&f);
    GString *caption = g_string_new(NULL);
    while (caption->len < 100000)
        g_string_append(caption, "Rapat ᬩᬤᬸᬂ 巴东 🎉 — ");
    g_free(f.caption);
    f.caption = g_string_free(caption, FALSE);
    char *out = stamp(sources[SAMPLE_CAMERA], &f);
    assert_validates(out);
    JsonObject *o = dk_test_exiftool(out, stamp_exif_tags);
    char *exif = stamp_exif_member(o, "IFD0:ImageDescription");
    char *comment = stamp_exif_member(o, "ExifIFD:UserComment");
    char *iim = stamp_exif_member(o, "IPTC:Caption-Abstract");
    char *xmp = stamp_exif_member(o, "XMP-dc:Description");
    ck_assert_msg(strlen(exif) > 10000 &&
                      is_prefix_on_boundary(f.caption, exif),
                  "EXIF caption not a clean prefix (%zu bytes)", strlen(exif));
    ck_assert_str_eq(exif, comment);
    ck_assert_int_le(strlen(iim), 2000);
    ck_assert_int_gt(strlen(iim), 1990);
    ck_assert(is_prefix_on_boundary(f.caption, iim));
    /* XMP has no such limit until the segment is full */
    ck_assert(is_prefix_on_boundary(f.caption, xmp));
    /* each cut is said, with the field, the format and the sizes */
    char *cut = g_strdup_printf("EXIF: caption cut from %zu to %zu bytes",
                                strlen(f.caption), strlen(exif));
    assert_warned(cut);
    g_free(cut);
    cut = g_strdup_printf("IPTC Caption-Abstract: caption cut from %zu to %zu "
                          "bytes (the IIM limit of Caption-Abstract is 2000 "
                          "bytes; the full text is in XMP)",
                          strlen(f.caption), strlen(iim));
    assert_warned(cut);
    g_free(cut);
    cut = g_strdup_printf("XMP: caption cut from %zu to %zu bytes",
                          strlen(f.caption), strlen(xmp));
    assert_warned(cut);
    g_free(cut);
    g_free(exif);
    g_free(comment);
    g_free(iim);
    g_free(xmp);
    json_object_unref(o);
    g_free(out);
    stamp_exif_fields_clear(&f);
}
END_TEST

/* IIM limits (By-line: 32 bytes) cut at a word where there is one, else
 * at a character, never between a letter and its vowel sign or an emoji
 * and its modifier. The other blocks keep the whole text. */
static const struct {
    const char *artist, *byline;
} limit_rows[] = {
    /* byte 32 falls inside the Balinese word: end at the space */
    {"Ni Komang Ayu Pradnyani ᬩᬤᬸᬂ", "Ni Komang Ayu Pradnyani"},
    /* exactly 32 bytes before a space */
    {"Bagian Prokompim Setda Kabupaten Badung",
     "Bagian Prokompim Setda Kabupaten"},
    {"Ruang Kriya Gosana, Puspem Badung", "Ruang Kriya Gosana, Puspem"},
    /* no spaces, 3 bytes a letter: the 11th (a vowel sign, ᬸ) does not
     * fit, so its base ᬤ goes too */
    {"ᬧᬸᬲ᭄ᬧᬾᬫ᭄ᬩᬤᬸᬂᬫᬗᬸᬧᬸᬭ", "ᬧᬸᬲ᭄ᬧᬾᬫ᭄ᬩ"},
    {"巴东县废物处理协调会议", "巴东县废物处理协调会"},
    /* byte 32 falls inside the 4th skin-tone modifier */
    {"a👩🏽👩🏽👩🏽👩🏽", "a👩🏽👩🏽👩🏽"},
};

START_TEST(test_iim_limits)
{
    stamp_exif_fields f;
    fill_default(&f);
    g_free(f.artist);
    f.artist = g_strdup(limit_rows[_i].artist);
    char *out = stamp(sources[SAMPLE_BARE], &f);
    JsonObject *o = dk_test_exiftool(out, stamp_exif_tags);
    assert_member(o, "IPTC:By-line", limit_rows[_i].byline);
    assert_member(o, "XMP-dc:Creator", f.artist);
    assert_member(o, "IFD0:Artist", f.artist);
    char *cut =
        g_strdup_printf("IPTC By-line: artist cut from %zu to %zu "
                        "bytes (the IIM limit of By-line is 32 bytes",
                        strlen(f.artist), strlen(limit_rows[_i].byline));
    assert_warned(cut);
    g_free(cut);
    ck_assert_int_eq(warnings->len, 1);
    json_object_unref(o);
    g_free(out);
    stamp_exif_fields_clear(&f);
}
END_TEST

/* IIM written before the UTF-8 mark was Latin-1: it is converted so the
 * mark we add is true for the old text too. */
START_TEST(test_legacy_latin1_iim)
{
    char *dir = dk_test_tmpdir("stamp-latin");
    char *src = g_build_filename(dir, "latin.jpg", NULL);
    char *cmd = g_strdup_printf(
        "cp '%s' '%s' && exiftool -q -overwrite_original -charset iptc=Latin "
        "'-IPTC:Province-State=Zürich' '%s'",
        sources[SAMPLE_BARE], src, src);
    ck_assert_int_eq(dk_test_sh(cmd, NULL, NULL), 0);
    stamp_exif_fields f;
    fill_default(&f);
    char *out = stamp(src, &f);
    JsonObject *o = dk_test_exiftool(out, stamp_exif_tags);
    assert_member(o, "IPTC:Province-State", "Zürich");
    assert_member(o, "IPTC:CodedCharacterSet", "UTF8");
    json_object_unref(o);
    g_free(out);
    g_free(cmd);
    g_free(src);
    g_free(dir);
    stamp_exif_fields_clear(&f);
}
END_TEST

/* ---- hostile inputs ---- */

static GByteArray *bare_bytes(void)
{
    gsize n = 0;
    char *d = dk_test_read(sources[SAMPLE_BARE], &n);
    GByteArray *b = g_byte_array_new_take((guint8 *)d, n);
    return b;
}

/* SOI + one extra segment + the rest of the bare sample. */
static GByteArray *with_segment(guint8 marker, const void *payload, gsize size)
{
    GByteArray *bare = bare_bytes();
    GByteArray *b = stamp_exif_insert_segment(bare, marker, payload, size);
    g_byte_array_unref(bare);
    return b;
}

static GByteArray *h_empty(void)
{
    return g_byte_array_new();
}

static GByteArray *h_png(void)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, (const guint8 *)"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    return b;
}

static GByteArray *h_app1_past_eof(void)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b,
                        (const guint8 *)"\xFF\xD8\xFF\xE1\xFF\xF0"
                                        "Exif\0\0MM",
                        14);
    return b;
}

static GByteArray *h_length_one(void)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, (const guint8 *)"\xFF\xD8\xFF\xE0\x00\x01JFIF", 10);
    return b;
}

static GByteArray *h_garbage_exif(void)
{
    guint8 junk[256];
    guint32 x = 12345;
    memcpy(junk, "Exif\0\0", 6);
    for (gsize i = 6; i < sizeof(junk); i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (guint8)(x >> 16);
    }
    junk[6] = 'X'; /* never a TIFF byte order by chance */
    return with_segment(0xE1, junk, sizeof(junk));
}

static GByteArray *h_exif_ifd_outside(void)
{
    static const guint8 exif[] = "Exif\0\0MM\0*\x7f\xff\xff\xf0\0\0\0\0";
    return with_segment(0xE1, exif, sizeof(exif) - 1);
}

static GByteArray *h_exif_count_past_end(void)
{
    static const guint8 exif[] = "Exif\0\0II*\0\x08\0\0\0\xff\x7f\0\0";
    return with_segment(0xE1, exif, sizeof(exif) - 1);
}

static GByteArray *h_garbage_xmp(void)
{
    static const char xmp[] =
        "http://ns.adobe.com/xap/1.0/\0"
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><oops";
    return with_segment(0xE1, xmp, sizeof(xmp) - 1);
}

static GByteArray *h_iim_wrapping_length(void)
{
    /* extended length 0xFFFFFFF0: wraps a naive bounds check */
    static const guint8 ps[] = "Photoshop 3.0\0"
                               "8BIM\x04\x04\0\0\0\0\0\x10"
                               "\x1c\x02\x78\x80\x04\xff\xff\xff\xf0"
                               "\0\0\0\0\0\0\0";
    return with_segment(0xED, ps, sizeof(ps) - 1);
}

static GByteArray *h_irb_huge_resource(void)
{
    static const guint8 ps[] = "Photoshop 3.0\0"
                               "8BIM\x04\x04\0\0\x7f\xff\xff\xff\0\0\0\0";
    return with_segment(0xED, ps, sizeof(ps) - 1);
}

static GByteArray *h_irb_bad_signature(void)
{
    static const guint8 ps[] = "Photoshop 3.0\0"
                               "ABCD\x04\x04\0\0\0\0\0\x02\0\0";
    return with_segment(0xED, ps, sizeof(ps) - 1);
}

static GByteArray *h_truncated_scan(void)
{
    GByteArray *b = bare_bytes();
    g_byte_array_set_size(b, b->len - b->len / 3);
    return b;
}

static GByteArray *h_no_frame(void)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, (const guint8 *)"\xFF\xD8", 2);
    stamp_exif_put_segment(b, 0xE0, "JFIF\0\1\1\0\0\1\0\1\0\0", 14);
    g_byte_array_append(
        b, (const guint8 *)"\xFF\xDA\0\x08\1\1\0\0\x3f\0\1\2\xFF\xD9", 14);
    return b;
}

static GByteArray *h_eoi_first(void)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, (const guint8 *)"\xFF\xD8\xFF\xD9\0\0\0\0", 8);
    return b;
}

static const struct hostile {
    const char *name;
    GByteArray *(*make)(void);
    const char *message;
} hostile_rows[] = {
    {"zero bytes", h_empty, "empty file"},
    {"PNG named .jpg", h_png, "not a JPEG"},
    {"APP1 length past EOF", h_app1_past_eof, "past the end of the file"},
    {"segment length 1", h_length_one, "impossible length"},
    {"IIM length wraps", h_iim_wrapping_length, "corrupt IPTC"},
    {"8BIM resource too big", h_irb_huge_resource, "corrupt Photoshop"},
    {"8BIM bad signature", h_irb_bad_signature, "corrupt Photoshop"},
    {"truncated scan data", h_truncated_scan, "truncated JPEG"},
    {"no frame header", h_no_frame, "no frame header"},
    {"EOI before image", h_eoi_first, "EOI marker"},
};

/* Little-endian TIFF: IFD0 at 8 with Make ("dokpim", its value at 38)
 * and Model ("Cam", inline), then next_ifd as IFD0's link to IFD1. */
static GByteArray *small_exif(guint32 make_at, guint32 next_ifd)
{
    guint8 tiff[45] = "II*\0\x08\0\0\0"
                      "\x02\0"
                      "\x0f\x01\x02\0\x07\0\0\0\0\0\0\0"
                      "\x10\x01\x02\0\x04\0\0\0Cam\0"
                      "\0\0\0\0"
                      "dokpim";
    for (int i = 0; i < 4; i++) {
        tiff[18 + i] = (guint8)(make_at >> (8 * i));
        tiff[34 + i] = (guint8)(next_ifd >> (8 * i));
    }
    GByteArray *payload = g_byte_array_new();
    g_byte_array_append(payload, (const guint8 *)"Exif\0\0", 6);
    g_byte_array_append(payload, tiff, sizeof(tiff));
    GByteArray *b = with_segment(0xE1, payload->data, payload->len);
    g_byte_array_unref(payload);
    return b;
}

static GByteArray *h_exif_ifd1_loop(void)
{
    return small_exif(38, 8);
}

static GByteArray *h_exif_make_past_end(void)
{
    return small_exif(0xFFFFFF00u, 0);
}

static GByteArray *h_doctype_xmp(void)
{
    static const char xmp[] =
        "http://ns.adobe.com/xap/1.0/\0"
        "<?xml version='1.0'?><!DOCTYPE lol [<!ENTITY lol 'lol'>]>"
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
        "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>"
        "</x:xmpmeta>";
    return with_segment(0xE1, xmp, sizeof(xmp) - 1);
}

/* Damaged blocks are salvaged: the photo is stamped, what could be read
 * is kept, and a warning names what was dropped. */
static const struct salvaged {
    const char *name;
    GByteArray *(*make)(void);
    const char *warning;
    const char *kept_tag, *kept_value; /* NULL: nothing to check */
} salvaged_rows[] = {
    {"garbage EXIF", h_garbage_exif,
     "EXIF: no TIFF header (II*/MM*); the block was dropped and a fresh one "
     "written",
     NULL, NULL},
    {"EXIF IFD outside block", h_exif_ifd_outside,
     "EXIF: IFD0 offset 2147483632 lies outside the 12-byte block", NULL, NULL},
    {"EXIF entry count past end", h_exif_count_past_end,
     "EXIF: IFD0 claims 32767 entries, only 0 fit in the APP1 segment", NULL,
     NULL},
    {"EXIF IFD1 loops to IFD0", h_exif_ifd1_loop,
     "EXIF: IFD1 loops back to IFD0; the loop was cut", "IFD0:Make", "dokpim"},
    {"EXIF Make past the end", h_exif_make_past_end,
     "EXIF: IFD0 entry 0x010f (Make) points past the end of the APP1 "
     "segment; dropped",
     "IFD0:Model", "Cam"},
    {"garbage XMP", h_garbage_xmp,
     "XMP: the photo's packet was dropped and a fresh one written: it is not "
     "well-formed XML",
     NULL, NULL},
    {"DOCTYPE XMP", h_doctype_xmp,
     "XMP: the photo's packet was dropped and a fresh one written: it "
     "declares a DOCTYPE",
     NULL, NULL},
};

START_TEST(test_salvaged)
{
    const struct salvaged *row = &salvaged_rows[_i];
    char *dir = dk_test_tmpdir("stamp-salvage");
    char *in = g_build_filename(dir, "input.jpg", NULL);
    GByteArray *bytes = row->make();
    dk_test_write(in, bytes->data, bytes->len);
    g_byte_array_unref(bytes);
    stamp_exif_fields f;
    fill_default(&f);
    char *out = stamp(in, &f);
    assert_warned(row->warning);
    assert_validates(out);
    JsonObject *o = dk_test_exiftool(out, stamp_exif_tags);
    assert_member(o, "XMP-dc:Description", f.caption);
    assert_member(o, "IFD0:Artist", f.artist);
    if (row->kept_tag)
        assert_member(o, row->kept_tag, row->kept_value);
    /* a loop is cut, not copied into an invented IFD1 */
    assert_member(o, "IFD1:Make", "");
    json_object_unref(o);
    stamp_exif_fields_clear(&f);
    g_free(out);
    g_free(in);
    g_free(dir);
}
END_TEST

START_TEST(test_hostile)
{
    const struct hostile *row = &hostile_rows[_i];
    char *dir = dk_test_tmpdir("stamp-hostile");
    char *in = g_build_filename(dir, "input.jpg", NULL);
    char *outdir = g_build_filename(dir, "out", NULL);
    char *out = g_build_filename(outdir, "stamped.jpg", NULL);
    GByteArray *bytes = row->make();
    dk_test_write(in, bytes->data, bytes->len);
    g_byte_array_unref(bytes);
    char *sum = dk_test_sha256(in);

    stamp_exif_fields f;
    fill_default(&f);
    dk_error err = {0};
    int rc = stamp_exif_stamp_file(in, out, &f, NULL, &err);
    ck_assert_msg(rc < 0, "%s: accepted", row->name);
    ck_assert_int_eq(rc, err.code);
    ck_assert_msg(strstr(err.message, row->message), "%s: message '%s'",
                  row->name, err.message);
    ck_assert_msg(!strchr(err.message, '\n'), "%s: message not one line",
                  row->name);
    /* nothing written, not even a temp file; the input untouched */
    ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
    GDir *listing = g_dir_open(outdir, 0, NULL);
    ck_assert(!listing || g_dir_read_name(listing) == NULL);
    if (listing)
        g_dir_close(listing);
    char *after = dk_test_sha256(in);
    ck_assert_str_eq(sum, after);
    g_free(after);
    g_free(sum);
    stamp_exif_fields_clear(&f);
    g_free(in);
    g_free(out);
    g_free(outdir);
    g_free(dir);
}
END_TEST

/* A resource list split over two APP13 segments (as Photoshop does when
 * it is large) is joined, merged and written back without losing any. */
START_TEST(test_split_photoshop_block)
{
    GByteArray *bare = bare_bytes();
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, bare->data, 2);
    /* resource 0x040B (URL) in the first segment, IIM in the second */
    static const guint8 first[] = "Photoshop 3.0\0"
                                  "8BIM\x04\x0b\0\0\0\0\0\x06"
                                  "abcdef";
    static const guint8 second[] = "Photoshop 3.0\0"
                                   "8BIM\x04\x04\0\0\0\0\0\x0c"
                                   "\x1c\x02\x65\0\x07Hrvatsk";
    stamp_exif_put_segment(b, 0xED, first, sizeof(first) - 1);
    stamp_exif_put_segment(b, 0xED, second, sizeof(second) - 1);
    g_byte_array_append(b, bare->data + 2, bare->len - 2);
    char *dir = dk_test_tmpdir("stamp-split");
    char *in = g_build_filename(dir, "split.jpg", NULL);
    dk_test_write(in, b->data, b->len);
    g_byte_array_unref(b);
    g_byte_array_unref(bare);

    stamp_exif_fields f;
    fill_default(&f);
    char *out = stamp(in, &f);
    stamp_exif_facts facts = stamp_exif_inspect(out);
    ck_assert_int_eq(facts.photoshop, 1);
    ck_assert_int_eq(facts.iim_resources, 1);
    JsonObject *o = dk_test_exiftool(out, stamp_exif_tags);
    assert_member(o, "Photoshop:URL", "abcdef");
    assert_member(o, "IPTC:Country-PrimaryLocationName", "Hrvatsk");
    assert_member(o, "IPTC:City", f.city);
    json_object_unref(o);
    assert_validates(out);
    g_free(out);
    g_free(in);
    g_free(dir);
    stamp_exif_fields_clear(&f);
}
END_TEST

/* A full disk: the error names the output and the reason. */
START_TEST(test_disk_full)
{
    const char *full = dk_test_full_disk();
    if (!full)
        return;
    char *out = g_build_filename(full, "stamped.jpg", NULL);
    stamp_exif_fields f;
    fill_default(&f);
    dk_error err = {0};
    int rc = stamp_exif_stamp_file(sources[SAMPLE_CAMERA], out, &f, NULL, &err);
    ck_assert_int_eq(rc, DK_ERR_IO);
    ck_assert_msg(strstr(err.message, out) &&
                      strstr(err.message, g_strerror(ENOSPC)),
                  "message: %s", err.message);
    ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
    stamp_exif_fields_clear(&f);
    g_free(out);
}
END_TEST

static void teardown(void)
{
    if (warnings)
        g_ptr_array_unref(warnings);
    warnings = NULL;
    dk_test_cleanup_dirs();
}

/* A phone photo with a second image after the first (an Ultra HDR gain
 * map, say) indexed by APP2 MPF: after stamping, the index still leads
 * exiftool to exactly that image. */
static void put_be32(guint8 *p, guint32 v)
{
    p[0] = (guint8)(v >> 24);
    p[1] = (guint8)(v >> 16);
    p[2] = (guint8)(v >> 8);
    p[3] = (guint8)v;
}

static char *mpimage2_sha256(const char *path)
{
    char *cmd = g_strdup_printf("exiftool -b -MPImage2 '%s' | sha256sum", path);
    char *out = NULL;
    dk_test_sh(cmd, &out, NULL);
    g_free(cmd);
    if (out)
        g_strdelimit(out, " ", '\0');
    return out;
}

START_TEST(test_mpf_index_follows)
{
    char *dir = dk_test_tmpdir("stamp-mpf");
    char *second = g_build_filename(dir, "second.jpg", NULL);
    char *cmd = g_strdup_printf("/usr/bin/convert -size 64x48 "
                                "gradient:red-blue -quality 80 '%s'",
                                second);
    ck_assert_int_eq(dk_test_sh(cmd, NULL, NULL), 0);
    gsize second_size = 0;
    char *second_bytes = dk_test_read(second, &second_size);

    /* MPF, big-endian: header, IFD of 3 entries, two MP entries */
    guint8 mpf[4 + 8 + 2 + 3 * 12 + 4 + 32] = "MPF";
    guint8 *t = mpf + 4;
    memcpy(t, "MM\0*\0\0\0\x08\0\x03", 10);
    memcpy(t + 10,
           "\xb0\0\0\x07\0\0\0\x04"
           "0100",
           12);
    memcpy(t + 22, "\xb0\x01\0\x04\0\0\0\x01\0\0\0\x02", 12);
    memcpy(t + 34, "\xb0\x02\0\x07\0\0\0\x20\0\0\0\x32", 12);
    /* next IFD 0 (4 bytes of zeros), then the entries at 0x32.
     * Layout as phones write it: JFIF, MPF, then an XMP packet that
     * stamping will grow, so the second image moves away from the index */
    GByteArray *bare = bare_bytes();
    ck_assert(bare->data[3] == 0xE0);
    gsize jfif_end = 4 + (((gsize)bare->data[4] << 8) | bare->data[5]);
    static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta "
                              "xmlns:x='adobe:ns:meta/'/>";
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, bare->data, (guint)jfif_end);
    gsize index_at = b->len + 4 + 4; /* marker, length, "MPF\0" */
    guint32 primary =
        (guint32)(bare->len + 4 + sizeof(mpf) + 4 + sizeof(xmp) - 1);
    put_be32(t + 50, 0x030000); /* baseline primary image */
    put_be32(t + 54, primary);
    put_be32(t + 70, (guint32)second_size);
    put_be32(t + 74, (guint32)(primary - index_at));
    stamp_exif_put_segment(b, 0xE2, mpf, sizeof(mpf));
    stamp_exif_put_segment(b, 0xE1, xmp, sizeof(xmp) - 1);
    g_byte_array_append(b, bare->data + jfif_end,
                        (guint)(bare->len - jfif_end));
    g_byte_array_append(b, (const guint8 *)second_bytes, (guint)second_size);
    char *in = g_build_filename(dir, "PXL_20250314_021122000.jpg", NULL);
    dk_test_write(in, b->data, b->len);

    char *want = dk_test_sha256(second);
    char *before = mpimage2_sha256(in);
    ck_assert_msg(strcmp(before, want) == 0, "the test's MPF is wrong");
    stamp_exif_fields f;
    fill_default(&f);
    char *out = stamp(in, &f);
    char *after = mpimage2_sha256(out);
    ck_assert_msg(strcmp(after, want) == 0, "second image lost after stamping");
    assert_validates(out);

    stamp_exif_fields_clear(&f);
    g_free(after);
    g_free(before);
    g_free(want);
    g_free(out);
    g_free(in);
    g_byte_array_unref(b);
    g_byte_array_unref(bare);
    g_free(second_bytes);
    g_free(cmd);
    g_free(second);
    g_free(dir);
}
END_TEST

static Suite *stamp_exif_suite(void)
{
    Suite *s = suite_create("stamp.exif");
    TCase *fields = tcase_create("fields");
    tcase_add_checked_fixture(fields, NULL, teardown);
    tcase_add_loop_test(fields, test_roundtrip, 0, G_N_ELEMENTS(text_rows));
    tcase_add_loop_test(fields, test_iim_limits, 0, G_N_ELEMENTS(limit_rows));
    tcase_add_test(fields, test_long_caption);
    tcase_add_test(fields, test_legacy_latin1_iim);
    tcase_add_test(fields, test_inferred_time);
    suite_add_tcase(s, fields);

    TCase *bytes = tcase_create("bytes");
    tcase_add_checked_fixture(bytes, NULL, teardown);
    tcase_add_test(bytes, test_scan_data_identical);
    tcase_add_test(bytes, test_original_untouched);
    tcase_add_test(bytes, test_camera_tags_kept);
    tcase_add_test(bytes, test_gps_removed);
    tcase_add_test(bytes, test_bare_gets_minimal_exif);
    tcase_add_test(bytes, test_restamp_merges);
    tcase_add_test(bytes, test_split_photoshop_block);
    tcase_add_test(bytes, test_mpf_index_follows);

    suite_add_tcase(s, bytes);

    TCase *hostile = tcase_create("hostile");
    tcase_add_checked_fixture(hostile, NULL, teardown);
    tcase_add_loop_test(hostile, test_hostile, 0, G_N_ELEMENTS(hostile_rows));
    tcase_add_loop_test(hostile, test_salvaged, 0, G_N_ELEMENTS(salvaged_rows));
    suite_add_tcase(s, hostile);

    TCase *full = dk_test_full_disk_tcase();
    tcase_add_checked_fixture(full, NULL, teardown);
    tcase_add_test(full, test_disk_full);
    suite_add_tcase(s, full);
    return s;
}

int main(void)
{
    static const char *const tools[] = {"exiftool", "vips", "compare",
                                        "sha256sum"};
    for (size_t i = 0; i < G_N_ELEMENTS(tools); i++)
        if (!dk_test_have(tools[i])) {
            fprintf(stderr, "%s is missing: run scripts/install-deps.sh\n",
                    tools[i]);
            return 1;
        }
    dk_error err = {0};
    if (stamp_exif_xmp_init(&err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    /* made once, before Check forks for each test; kept out of
     * dk_test_tmpdir's list, which every test's teardown empties */
    sample_dir = g_dir_make_tmp("dokpim-stamp-samples-XXXXXX", NULL);
    if (!sample_dir)
        return 1;
    sources[SAMPLE_BARE] =
        stamp_exif_sample(sample_dir, "bare.jpg", SAMPLE_BARE, 320, 240);
    sources[SAMPLE_CAMERA] =
        stamp_exif_sample(sample_dir, "camera.jpg", SAMPLE_CAMERA, 640, 480);
    sources[SAMPLE_INTEL] =
        stamp_exif_sample(sample_dir, "intel.jpg", SAMPLE_INTEL, 480, 320);
    sources[SAMPLE_PHONE] = stamp_exif_sample(
        sample_dir, "IMG-20250314-WA0012.jpg", SAMPLE_PHONE, 400, 300);
    static const char *const structures[] = {
        [SAMPLE_PROGRESSIVE] = "progressive.jpg",
        [SAMPLE_CMYK] = "cmyk.jpg",
        [SAMPLE_GRAY] = "gray.jpg",
        [SAMPLE_RESTART] = "restart.jpg",
    };
    for (int kind = SAMPLE_PROGRESSIVE; kind < SAMPLE_KINDS; kind++)
        sources[kind] =
            stamp_exif_sample(sample_dir, structures[kind], kind, 240, 160);

    SRunner *runner = srunner_create(stamp_exif_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    stamp_exif_xmp_terminate();
    if (!g_getenv("DOKPIM_KEEP_TEST_DIRS")) {
        char *rm = g_strdup_printf("rm -rf '%s'", sample_dir);
        dk_test_sh(rm, NULL, NULL);
        g_free(rm);
    }
    return failed ? 1 : 0;
}
