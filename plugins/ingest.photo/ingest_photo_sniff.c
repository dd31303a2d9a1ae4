/* What a file's first bytes say it is, so a PNG or a text file renamed
 * .jpg gets a message that names the real content. */
#include "ingest_photo.h"

#include <string.h>

static const struct sniff_magic {
    size_t offset;
    const char *bytes;
    size_t len;
    ingest_photo_format format;
    const char *name;
} sniff_magics[] = {
    /* FF D8 is SOI; the marker walk explains whatever follows it */
    {0, "\xFF\xD8", 2, INGEST_PHOTO_JPEG, "JPEG"},
    {0, "\x89PNG\r\n\x1A\n", 8, INGEST_PHOTO_OTHER, "PNG"},
    {0, "GIF87a", 6, INGEST_PHOTO_OTHER, "GIF"},
    {0, "GIF89a", 6, INGEST_PHOTO_OTHER, "GIF"},
    {8, "WEBP", 4, INGEST_PHOTO_OTHER, "WebP"},
    {0, "II*\0", 4, INGEST_PHOTO_OTHER, "TIFF or camera raw"},
    {0, "MM\0*", 4, INGEST_PHOTO_OTHER, "TIFF or camera raw"},
    {0, "\0\0\0\x0CjP  ", 8, INGEST_PHOTO_OTHER, "JPEG 2000"},
    {0, "\0\0\0\x0CJXL ", 8, INGEST_PHOTO_OTHER, "JPEG XL"},
    {0, "\xFF\x0A", 2, INGEST_PHOTO_OTHER, "JPEG XL"},
    {0, "%PDF", 4, INGEST_PHOTO_OTHER, "PDF"},
    {0, "PK\x03\x04", 4, INGEST_PHOTO_OTHER, "ZIP"},
    {0, "8BPS", 4, INGEST_PHOTO_OTHER, "Photoshop PSD"},
};

/* ISO BMFF major brands of HEIF still images (Apple, Canon .HIF, Samsung);
 * other ftyp files are videos or AVIF. */
static const char *const sniff_heif_brands[] = {
    "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1",
};

static ingest_photo_format sniff_ftyp(const uint8_t *head,
                                      const char **looks_like)
{
    const char *brand = (const char *)head + 8;
    for (size_t i = 0; i < G_N_ELEMENTS(sniff_heif_brands); i++) {
        if (memcmp(brand, sniff_heif_brands[i], 4) == 0) {
            *looks_like = "HEIF";
            return INGEST_PHOTO_HEIF;
        }
    }
    *looks_like = memcmp(brand, "avif", 4) == 0 ? "AVIF" : "MP4/QuickTime";
    return INGEST_PHOTO_OTHER;
}

/* Text: every byte printable, white space, or part of valid UTF-8. A cut
 * in the middle of a multi-byte character at the end is allowed. */
static bool sniff_is_text(const uint8_t *head, size_t len)
{
    const char *end = NULL;
    if (!g_utf8_validate((const char *)head, (gssize)len, &end) &&
        (size_t)((const uint8_t *)end - head) + 4 < len)
        return false;
    size_t valid = (size_t)((const uint8_t *)end - head);
    for (size_t i = 0; i < valid; i++) {
        uint8_t c = head[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
            return false;
        if (c == 0x7F)
            return false;
    }
    return valid > 0;
}

ingest_photo_format ingest_photo_sniff(const uint8_t *head, size_t len,
                                       const char **looks_like)
{
    const char *unused;
    if (!looks_like)
        looks_like = &unused;
    for (size_t i = 0; i < G_N_ELEMENTS(sniff_magics); i++) {
        const struct sniff_magic *m = &sniff_magics[i];
        if (len >= m->offset + m->len &&
            memcmp(head + m->offset, m->bytes, m->len) == 0) {
            *looks_like = m->name;
            return m->format;
        }
    }
    if (len >= 12 && memcmp(head + 4, "ftyp", 4) == 0)
        return sniff_ftyp(head, looks_like);
    if (sniff_is_text(head, len)) {
        *looks_like = "text";
        return INGEST_PHOTO_OTHER;
    }
    /* two letters only: checked after text so "BMW.txt" stays text */
    if (len >= 2 && head[0] == 'B' && head[1] == 'M') {
        *looks_like = "BMP";
        return INGEST_PHOTO_OTHER;
    }
    *looks_like = "unknown content";
    return INGEST_PHOTO_UNKNOWN;
}
