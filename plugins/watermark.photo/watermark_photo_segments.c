/* watermark.photo — carrying the source's metadata (EXIF, XMP, IPTC, ICC)
 * into the re-encoded full-size copy, so what stamp.exif wrote survives the
 * watermark untouched. The segment walk is the shared one (core/jpeg);
 * what is kept and what is replaced is decided here. */
#include "watermark_photo.h"

#include <string.h>

#include "jpeg_segments.h"

static bool carried(uint8_t marker, bool keep_icc)
{
    return marker == DK_JPEG_APP0 || marker == DK_JPEG_APP1 ||
           marker == DK_JPEG_APP13 || (keep_icc && marker == DK_JPEG_APP2);
}

/* Writes the source's carried segments before its first scan, in order,
 * each from its marker on (fill bytes before it are padding, not data). */
static int copy_metadata(const uint8_t *source, size_t size, bool keep_icc,
                         FILE *out, dk_error *err)
{
    dk_jpeg_walk walk;
    dk_jpeg_segment seg;
    int rc;
    dk_jpeg_walk_memory(&walk, source, size);
    while ((rc = dk_jpeg_walk_next(&walk, &seg, err)) == 0 &&
           seg.marker != DK_JPEG_SOS && seg.marker != DK_JPEG_EOI)
        if (carried(seg.marker, keep_icc))
            fwrite(source + seg.offset, 1, seg.end - seg.offset, out);
    dk_jpeg_walk_clear(&walk);
    return rc;
}

/* The encoder's own APPn (its JFIF header) gives way to the source's;
 * everything from its first table on is the new image. */
static int image_start(const uint8_t *encoded, size_t size, size_t *start,
                       dk_error *err)
{
    dk_jpeg_walk walk;
    dk_jpeg_segment seg;
    int rc;
    *start = 2;
    dk_jpeg_walk_memory(&walk, encoded, size);
    while ((rc = dk_jpeg_walk_next(&walk, &seg, err)) == 0 &&
           dk_jpeg_marker_is_app(seg.marker))
        *start = seg.end;
    dk_jpeg_walk_clear(&walk);
    return rc < 0 ? dk_error_prefix(err, "encoder output: ") : 0;
}

int watermark_photo_splice(const uint8_t *source, size_t source_size,
                           const uint8_t *encoded, size_t encoded_size,
                           bool keep_icc, FILE *out, dk_error *err)
{
    if (!dk_jpeg_starts_with_soi(source, source_size) ||
        !dk_jpeg_starts_with_soi(encoded, encoded_size))
        return dk_error_set(err, DK_ERR_INVALID, "not a JPEG (no SOI)");
    static const uint8_t soi[2] = {0xFF, DK_JPEG_SOI};
    fwrite(soi, 1, sizeof soi, out);
    int rc = copy_metadata(source, source_size, keep_icc, out, err);
    if (rc < 0)
        return rc;
    size_t start = 0;
    rc = image_start(encoded, encoded_size, &start, err);
    if (rc < 0)
        return rc;
    fwrite(encoded + start, 1, encoded_size - start, out);
    if (ferror(out))
        return dk_error_set(err, DK_ERR_IO, "writing the JPEG failed");
    return 0;
}
