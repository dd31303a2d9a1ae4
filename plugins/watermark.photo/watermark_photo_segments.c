/* watermark.photo — the JPEG segment walk that carries the source's
 * metadata (EXIF, XMP, IPTC, ICC) into the re-encoded full-size copy, so
 * what stamp.exif wrote survives the watermark untouched. */
#include "watermark_photo.h"

#include <string.h>

#define MARKER_SOI   0xD8
#define MARKER_EOI   0xD9
#define MARKER_SOS   0xDA
#define MARKER_APP0  0xE0
#define MARKER_APP1  0xE1
#define MARKER_APP2  0xE2
#define MARKER_APP13 0xED

int watermark_photo_segment_next(const uint8_t *data, size_t size, size_t *pos,
                                 watermark_photo_segment *segment,
                                 dk_error *err)
{
    size_t p = *pos;
    /* a marker may be preceded by any number of 0xFF fill bytes */
    while (p + 1 < size && data[p] == 0xFF && data[p + 1] == 0xFF)
        p++;
    if (p + 1 >= size || data[p] != 0xFF)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG structure at byte %zu", p);
    segment->marker = data[p + 1];
    segment->start = p;
    if (segment->marker == MARKER_SOS || segment->marker == MARKER_EOI) {
        segment->size = 0;
        *pos = p;
        return 0;
    }
    if (p + 4 > size)
        return dk_error_set(err, DK_ERR_INVALID,
                            "JPEG segment at byte %zu runs past the end", p);
    size_t length = (size_t)data[p + 2] << 8 | data[p + 3];
    if (length < 2 || p + 2 + length > size)
        return dk_error_set(err, DK_ERR_INVALID,
                            "JPEG segment at byte %zu runs past the end", p);
    segment->size = 2 + length;
    *pos = p + segment->size;
    return 1;
}

static bool carried(uint8_t marker, bool keep_icc)
{
    return marker == MARKER_APP0 || marker == MARKER_APP1 ||
           marker == MARKER_APP13 || (keep_icc && marker == MARKER_APP2);
}

static bool is_app(uint8_t marker)
{
    return marker >= 0xE0 && marker <= 0xEF;
}

static bool starts_with_soi(const uint8_t *data, size_t size)
{
    return size >= 2 && data[0] == 0xFF && data[1] == MARKER_SOI;
}

int watermark_photo_splice(const uint8_t *source, size_t source_size,
                           const uint8_t *encoded, size_t encoded_size,
                           bool keep_icc, FILE *out, dk_error *err)
{
    if (!starts_with_soi(source, source_size) ||
        !starts_with_soi(encoded, encoded_size))
        return dk_error_set(err, DK_ERR_INVALID, "not a JPEG (no SOI)");
    static const uint8_t soi[2] = {0xFF, MARKER_SOI};
    fwrite(soi, 1, sizeof soi, out);

    watermark_photo_segment segment;
    size_t pos = 2;
    int rc;
    while ((rc = watermark_photo_segment_next(source, source_size, &pos,
                                              &segment, err)) == 1)
        if (carried(segment.marker, keep_icc))
            fwrite(source + segment.start, 1, segment.size, out);
    if (rc < 0)
        return rc;

    /* The encoder's own APPn (its JFIF header) gives way to the source's;
     * everything from its first table on is the new image. */
    pos = 2;
    size_t image_start = pos;
    while ((rc = watermark_photo_segment_next(encoded, encoded_size, &pos,
                                              &segment, err)) == 1 &&
           is_app(segment.marker))
        image_start = pos;
    if (rc < 0)
        return dk_error_prefix(err, "encoder output: ");
    fwrite(encoded + image_start, 1, encoded_size - image_start, out);
    if (ferror(out))
        return dk_error_set(err, DK_ERR_IO, "writing the JPEG failed");
    return 0;
}
