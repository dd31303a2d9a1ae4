/* stamp.exif — EXIF through libexif: keep what the camera wrote, set the
 * event fields, never touch the capture time. */
#include "stamp_exif_exif.h"

#include <glib.h>
#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>
#include <stdlib.h>
#include <string.h>

#include "exif_load.h"
#include "stamp_exif_jpeg.h"

/* A damaged camera block is salvaged, not refused: dk_exif_load() keeps
 * the tags that can be read and names what it dropped; a block with
 * nothing readable in it is replaced by a fresh one. Either way the item
 * is stamped and the warnings say what was lost. */
static void load_source(ExifData *ed, const uint8_t *source, size_t size,
                        GPtrArray *warnings)
{
    dk_error err = {0};
    if (dk_exif_load(ed, source + STAMP_EXIF_EXIF_ID_LEN,
                     size - STAMP_EXIF_EXIF_ID_LEN, "APP1 segment", warnings,
                     &err) < 0) {
        stamp_exif_warn(warnings,
                        "%s; the block was dropped and a fresh one "
                        "written",
                        err.message);
        exif_data_set_data_type(ed, EXIF_DATA_TYPE_COMPRESSED);
    }
}

/* Replaces tag in ifd with a fresh entry holding bytes. */
static int set_raw(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat format,
                   const void *bytes, size_t size, dk_error *err)
{
    ExifContent *content = ed->ifd[ifd];
    ExifEntry *old = exif_content_get_entry(content, tag);
    if (old)
        exif_content_remove_entry(content, old);
    ExifMem *mem = exif_mem_new_default();
    ExifEntry *entry = mem ? exif_entry_new_mem(mem) : NULL;
    void *data = entry ? exif_mem_alloc(mem, (ExifLong)size) : NULL;
    if (!data) {
        if (entry)
            exif_entry_unref(entry);
        if (mem)
            exif_mem_unref(mem);
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    }
    memcpy(data, bytes, size);
    entry->tag = tag;
    entry->format = format;
    entry->data = data;
    entry->size = (unsigned int)size;
    entry->components = size / exif_format_get_size(format);
    exif_content_add_entry(content, entry);
    exif_entry_unref(entry);
    exif_mem_unref(mem);
    return 0;
}

/* EXIF ASCII fields carry UTF-8 here: that is what exiftool, exiv2 and
 * digiKam read by default, so the event text round-trips unchanged. */
static int set_text(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *text,
                    size_t length, dk_error *err)
{
    char *copy = g_strndup(text, length);
    int rc = set_raw(ed, ifd, tag, EXIF_FORMAT_ASCII, copy, length + 1, err);
    g_free(copy);
    return rc;
}

/* Readers guess the byte order of a UNICODE comment from byte statistics
 * (the standard leaves it open). exiftool's rule: the byte with more
 * distinct values is the low one, ties go to the byte that is zero more
 * often. When that guess would go wrong for this text, a byte order mark
 * settles it. */
static bool order_guess_fails(const gunichar2 *units, glong count)
{
    bool hi_seen[256] = {0}, lo_seen[256] = {0};
    int hi = 0, lo = 0, hi_zero = 0, lo_zero = 0;
    for (glong i = 0; i < count; i++) {
        unsigned h = units[i] >> 8, l = units[i] & 0xFF;
        hi += !hi_seen[h];
        lo += !lo_seen[l];
        hi_seen[h] = lo_seen[l] = true;
        hi_zero += h == 0;
        lo_zero += l == 0;
    }
    return hi > lo || (hi == lo && lo_zero > hi_zero);
}

static bool is_ascii(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if ((unsigned char)text[i] >= 0x80)
            return false;
    return true;
}

/* UserComment: 8-byte character code, then the text without a NUL. */
static int set_user_comment(ExifData *ed, const char *text, size_t length,
                            dk_error *err)
{
    if (is_ascii(text, length)) {
        GByteArray *buf = g_byte_array_sized_new((guint)length + 8);
        g_byte_array_append(buf, (const guint8 *)"ASCII\0\0\0", 8);
        g_byte_array_append(buf, (const guint8 *)text, (guint)length);
        int rc = set_raw(ed, EXIF_IFD_EXIF, EXIF_TAG_USER_COMMENT,
                         EXIF_FORMAT_UNDEFINED, buf->data, buf->len, err);
        g_byte_array_unref(buf);
        return rc;
    }
    glong count = 0;
    gunichar2 *units = g_utf8_to_utf16(text, (glong)length, NULL, &count, NULL);
    if (!units)
        return dk_error_set(err, DK_ERR_INVALID,
                            "caption is not valid UTF-8 text");
    bool bom = order_guess_fails(units, count);
    ExifByteOrder order = exif_data_get_byte_order(ed);
    size_t size = 8 + (size_t)(count + bom) * 2;
    uint8_t *data = g_malloc(size);
    memcpy(data, "UNICODE\0", 8);
    uint8_t *p = data + 8;
    if (bom) {
        exif_set_short(p, order, 0xFEFF);
        p += 2;
    }
    for (glong i = 0; i < count; i++, p += 2)
        exif_set_short(p, order, units[i]);
    int rc = set_raw(ed, EXIF_IFD_EXIF, EXIF_TAG_USER_COMMENT,
                     EXIF_FORMAT_UNDEFINED, data, size, err);
    g_free(data);
    g_free(units);
    return rc;
}

static void add_default(ExifData *ed, ExifIfd ifd, ExifTag tag)
{
    if (exif_content_get_entry(ed->ifd[ifd], tag))
        return;
    ExifEntry *entry = exif_entry_new();
    if (!entry)
        return;
    exif_content_add_entry(ed->ifd[ifd], entry);
    exif_entry_initialize(entry, tag);
    exif_entry_unref(entry);
}

static int set_long(ExifData *ed, ExifIfd ifd, ExifTag tag, uint32_t value,
                    dk_error *err)
{
    uint8_t bytes[4];
    exif_set_long(bytes, exif_data_get_byte_order(ed), value);
    return set_raw(ed, ifd, tag, EXIF_FORMAT_LONG, bytes, 4, err);
}

/* The tags EXIF 2.3 requires of a JPEG, added where missing: all of them
 * for photos that arrive without EXIF (messaging apps strip it), the odd
 * one for blocks that lost some. Values are the honest defaults: 72 dpi,
 * centred chroma, colour space uncalibrated, the real pixel size. Tags
 * already there are never changed. */
static int add_required(ExifData *ed, int width, int height, dk_error *err)
{
    static const ExifTag ifd0_tags[] = {
        EXIF_TAG_X_RESOLUTION, EXIF_TAG_Y_RESOLUTION, EXIF_TAG_RESOLUTION_UNIT,
        EXIF_TAG_YCBCR_POSITIONING};
    static const ExifTag exif_tags[] = {EXIF_TAG_COMPONENTS_CONFIGURATION,
                                        EXIF_TAG_FLASH_PIX_VERSION,
                                        EXIF_TAG_COLOR_SPACE};
    for (size_t i = 0; i < G_N_ELEMENTS(ifd0_tags); i++)
        add_default(ed, EXIF_IFD_0, ifd0_tags[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(exif_tags); i++)
        add_default(ed, EXIF_IFD_EXIF, exif_tags[i]);
    int rc = 0;
    /* libexif's default is 0210, too old for the OffsetTime tags */
    if (!exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_EXIF_VERSION))
        rc = set_raw(ed, EXIF_IFD_EXIF, EXIF_TAG_EXIF_VERSION,
                     EXIF_FORMAT_UNDEFINED, "0232", 4, err);
    if (rc == 0 && !exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF],
                                           EXIF_TAG_PIXEL_X_DIMENSION))
        rc = set_long(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION,
                      (uint32_t)width, err);
    if (rc == 0 && !exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF],
                                           EXIF_TAG_PIXEL_Y_DIMENSION))
        rc = set_long(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION,
                      (uint32_t)height, err);
    return rc;
}

static void drop_gps(ExifData *ed)
{
    ExifContent *gps = ed->ifd[EXIF_IFD_GPS];
    while (gps->count)
        exif_content_remove_entry(gps, gps->entries[0]);
}

static int set_fields(ExifData *ed, const stamp_exif_fields *f,
                      size_t caption_length, dk_error *err)
{
    struct {
        ExifTag tag;
        const char *text;
    } const texts[] = {
        {EXIF_TAG_ARTIST, f->artist},
        {EXIF_TAG_COPYRIGHT, f->copyright},
        {EXIF_TAG_SOFTWARE, f->software},
    };
    int rc = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(texts) && rc == 0; i++)
        if (stamp_exif_has(texts[i].text))
            rc = set_text(ed, EXIF_IFD_0, texts[i].tag, texts[i].text,
                          strlen(texts[i].text), err);
    if (rc == 0 && stamp_exif_has(f->caption)) {
        rc = set_text(ed, EXIF_IFD_0, EXIF_TAG_IMAGE_DESCRIPTION, f->caption,
                      caption_length, err);
        if (rc == 0)
            rc = set_user_comment(ed, f->caption, caption_length, err);
    }
    return rc;
}

typedef struct exif_attempt {
    ExifData *ed;
    const stamp_exif_fields *fields;
    uint8_t *out;
    size_t out_size;
    unsigned int last_size;
    dk_error *err;
} exif_attempt;

/* stamp_exif_try_fn: the block with the caption cut to length. */
static int try_caption(void *context, size_t length)
{
    exif_attempt *a = context;
    int rc = set_fields(a->ed, a->fields, length, a->err);
    if (rc)
        return rc;
    unsigned char *data = NULL;
    unsigned int size = 0;
    exif_data_save_data(a->ed, &data, &size);
    if (!data || size == 0) {
        free(data);
        return dk_error_set(a->err, DK_ERR_INVALID,
                            "libexif could not write the EXIF block");
    }
    a->last_size = size;
    bool fits = size <= STAMP_EXIF_SEGMENT_MAX;
    if (fits) {
        g_free(a->out);
        a->out = g_memdup2(data, size);
        a->out_size = size;
    }
    free(data);
    return fits;
}

int stamp_exif_build_exif(const uint8_t *source, size_t source_size,
                          const stamp_exif_fields *fields, int width,
                          int height, uint8_t **out, size_t *out_size,
                          GPtrArray *warnings, dk_error *err)
{
    *out = NULL;
    *out_size = 0;
    ExifData *ed = exif_data_new();
    if (!ed)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    /* keep every camera tag as it is: libexif would otherwise drop tags it
     * does not know and "fix" the rest to its idea of the standard */
    exif_data_unset_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    if (source)
        load_source(ed, source, source_size, warnings);
    else
        exif_data_set_data_type(ed, EXIF_DATA_TYPE_COMPRESSED);
    int rc = add_required(ed, width, height, err);
    if (rc == 0 && !fields->keep_gps)
        drop_gps(ed);
    /* The caption is written twice, once as UTF-16: a long one may not fit
     * one segment, and is then shortened at a character boundary. */
    exif_attempt attempt = {.ed = ed, .fields = fields, .err = err};
    size_t kept = 0;
    if (rc == 0)
        rc = stamp_exif_fit_caption(fields->caption, try_caption, &attempt,
                                    &kept);
    if (rc == 0)
        stamp_exif_warn_cut(warnings, "caption", "EXIF",
                            fields->caption ? strlen(fields->caption) : 0, kept,
                            "ImageDescription and UserComment share one "
                            "65533-byte APP1 segment; the full text is in XMP");
    if (rc == DK_ERR_UNSUPPORTED)
        dk_error_set(err, rc,
                     "EXIF block is %u bytes, more than one JPEG segment "
                     "holds (%d), even without the caption",
                     attempt.last_size, STAMP_EXIF_SEGMENT_MAX);
    if (rc == 0) {
        *out = attempt.out;
        *out_size = attempt.out_size;
    } else {
        g_free(attempt.out);
    }
    exif_data_unref(ed);
    return rc;
}
