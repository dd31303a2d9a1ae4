/* Structural JPEG check without decoding. Ingest must cost little more
 * than hashing and copying, so this reads the file once, front to back,
 * with the shared marker walk (core/jpeg): segments are stepped over by
 * their lengths, the entropy-coded data is crossed with memchr, and only
 * the frame header, the scan headers and a few APPn segments are read.
 * What is ingest's own: which codings and sizes are accepted, and that a
 * scan and an EOI must be there. */
#include "ingest_photo.h"

#include <string.h>

#include "jpeg_segments.h"

static unsigned read_be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Frame header markers: which coding each one means. */
typedef enum {
    SOF_SUPPORTED,
    SOF_LOSSLESS,
    SOF_HIERARCHICAL,
    SOF_ARITHMETIC
} sof_coding;

static sof_coding sof_coding_of(unsigned m)
{
    if (m >= 0xC9)
        return SOF_ARITHMETIC;
    if (m >= 0xC5)
        return SOF_HIERARCHICAL;
    if (m == 0xC3)
        return SOF_LOSSLESS;
    return SOF_SUPPORTED;
}

/* Checks a frame header (SOFn payload of len bytes). */
static int parse_sof(unsigned marker, const uint8_t *p, unsigned len,
                     ingest_photo_jpeg *info, dk_error *err)
{
    static const char *const coding_names[] = {
        [SOF_LOSSLESS] = "lossless",
        [SOF_HIERARCHICAL] = "hierarchical",
        [SOF_ARITHMETIC] = "arithmetic-coded",
    };
    sof_coding coding = sof_coding_of(marker);
    if (coding != SOF_SUPPORTED)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "%s JPEG (SOF%u) is not supported",
                            coding_names[coding], marker - 0xC0);
    if (len < 6)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG: frame header too short");
    unsigned precision = p[0];
    unsigned height = read_be16(p + 1), width = read_be16(p + 3);
    unsigned components = p[5];
    if (len != 6 + 3 * components)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG: frame header length %u does not "
                            "fit %u components",
                            len + 2, components);
    if (precision != 8)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "%u-bit JPEG is not supported", precision);
    if (width == 0 || height == 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "invalid JPEG dimensions %ux%u", width, height);
    if (width > INGEST_PHOTO_MAX_SIDE || height > INGEST_PHOTO_MAX_SIDE)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "JPEG dimensions %ux%u exceed the %d-pixel limit",
                            width, height, INGEST_PHOTO_MAX_SIDE);
    if ((long long)width * height > INGEST_PHOTO_MAX_PIXELS)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "JPEG of %ux%u (%lld MP) exceeds the %lld MP limit",
                            width, height, (long long)width * height / 1000000,
                            INGEST_PHOTO_MAX_PIXELS / 1000000);
    if (components != 1 && components != 3 && components != 4)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "JPEG with %u colour components is not supported",
                            components);
    for (unsigned c = 0; c < components; c++) {
        unsigned h = p[6 + 3 * c + 1] >> 4, v = p[6 + 3 * c + 1] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4 || p[6 + 3 * c + 2] > 3)
            return dk_error_set(err, DK_ERR_INVALID,
                                "corrupt JPEG: bad sampling or table in the "
                                "frame header (component %u)",
                                c + 1);
    }
    info->width = (int)width;
    info->height = (int)height;
    info->components = (int)components;
    info->progressive = marker == 0xC2;
    return 0;
}

/* Application segments we learn from: EXIF, JFIF, Adobe's colour
 * transform (which tells YCCK from CMYK). */
static void parse_app(unsigned marker, uint64_t payload_offset,
                      const uint8_t *p, unsigned len, ingest_photo_jpeg *info)
{
    if (marker == 0xE1 && info->exif_size == 0 && len > 6 &&
        memcmp(p, "Exif\0", 5) == 0) {
        /* "Exif\0\0" then the TIFF structure */
        info->exif_offset = payload_offset + 6;
        info->exif_size = len - 6;
    } else if (marker == 0xE0 && len >= 5 && memcmp(p, "JFIF\0", 5) == 0) {
        info->jfif = true;
    } else if (marker == 0xEE && len >= 12 && memcmp(p, "Adobe", 5) == 0) {
        info->adobe_transform = p[11];
    }
}

static int check_sos(const uint8_t *p, unsigned len,
                     const ingest_photo_jpeg *info, dk_error *err)
{
    if (info->components == 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG: image data (SOS) before the frame "
                            "header (SOF)");
    if (len < 1 || p[0] < 1 || p[0] > 4 || len != 4 + 2u * p[0])
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG: bad scan header (SOS)");
    return 0;
}

/* Only these segments are read; the rest are stepped over unread. */
static bool wanted(uint8_t marker)
{
    return dk_jpeg_marker_is_sof(marker) || marker == DK_JPEG_SOS ||
           marker == DK_JPEG_APP0 || marker == DK_JPEG_APP1 ||
           marker == DK_JPEG_APP14;
}

static int check_segment(const dk_jpeg_segment *seg, const uint8_t *p,
                         ingest_photo_jpeg *info, dk_error *err)
{
    if (dk_jpeg_marker_is_sof(seg->marker)) {
        if (info->components)
            return dk_error_set(err, DK_ERR_UNSUPPORTED,
                                "JPEG with more than one frame header "
                                "is not supported");
        return parse_sof(seg->marker, p, seg->length, info, err);
    }
    if (seg->marker == DK_JPEG_SOS)
        return check_sos(p, seg->length, info, err);
    parse_app(seg->marker, seg->payload_offset, p, seg->length, info);
    return 0;
}

/* Every segment up to the EOI after the last scan; the walk crosses each
 * scan's entropy-coded data on its own. */
static int walk_markers(dk_jpeg_walk *walk, ingest_photo_jpeg *info,
                        dk_error *err)
{
    bool seen_scan = false;
    dk_jpeg_segment seg;
    int rc;
    while ((rc = dk_jpeg_walk_next(walk, &seg, err)) == 0) {
        if (seg.marker == DK_JPEG_EOI) {
            if (!seen_scan)
                return dk_error_set(err, DK_ERR_INVALID,
                                    "corrupt JPEG: no image data (end "
                                    "marker before any scan)");
            info->end = seg.end;
            return 0;
        }
        if (!wanted(seg.marker))
            continue;
        const uint8_t *p = NULL;
        rc = dk_jpeg_walk_payload(walk, &seg, &p, err);
        if (rc == 0)
            rc = check_segment(&seg, p, info, err);
        if (rc < 0)
            return rc;
        seen_scan = seen_scan || seg.marker == DK_JPEG_SOS;
    }
    return rc;
}

int ingest_photo_jpeg_scan(int fd, uint64_t size, ingest_photo_jpeg *info,
                           dk_error *err)
{
    memset(info, 0, sizeof *info);
    info->adobe_transform = -1;
    if (size < 4)
        return dk_error_set(err, DK_ERR_INVALID,
                            "truncated JPEG: only %llu bytes",
                            (unsigned long long)size);
    dk_jpeg_walk walk;
    dk_jpeg_walk_file(&walk, fd, size);
    int rc = walk_markers(&walk, info, err);
    dk_jpeg_walk_clear(&walk);
    return rc;
}

const char *ingest_photo_jpeg_colorspace(const ingest_photo_jpeg *info)
{
    switch (info->components) {
    case 1:
        return "grey";
    case 3:
        /* Adobe transform 0 on three components means plain RGB */
        return info->adobe_transform == 0 ? "rgb" : "ycbcr";
    case 4:
        return info->adobe_transform == 2 ? "ycck" : "cmyk";
    default:
        return "unknown";
    }
}
