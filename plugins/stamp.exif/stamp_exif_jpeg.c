/* stamp.exif — the marker segments before the image data, as the shared
 * walk (core/jpeg) finds them, sorted into the kinds this plugin rewrites. */
#include "stamp_exif_jpeg.h"

#include "stamp_exif_mpf.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "jpeg_segments.h"

static bool has_prefix(const uint8_t *p, size_t n, const char *id, size_t len)
{
    return n >= len && memcmp(p, id, len) == 0;
}

static bool has_end_marker(const uint8_t *data, size_t from, size_t size)
{
    for (size_t i = size; i >= from + 2; i--)
        if (data[i - 2] == 0xFF && data[i - 1] == DK_JPEG_EOI)
            return true;
    return false;
}

static void classify(stamp_exif_segment *seg)
{
    const uint8_t *p = seg->payload;
    size_t n = seg->payload_size;
    size_t id = 0;
    if (seg->marker == DK_JPEG_APP0 &&
        (has_prefix(p, n, "JFIF", 5) || has_prefix(p, n, "JFXX", 5))) {
        seg->kind = STAMP_EXIF_SEG_JFIF;
    } else if (seg->marker == DK_JPEG_APP1 &&
               has_prefix(p, n, STAMP_EXIF_EXIF_ID, STAMP_EXIF_EXIF_ID_LEN)) {
        seg->kind = STAMP_EXIF_SEG_EXIF;
        id = STAMP_EXIF_EXIF_ID_LEN;
    } else if (seg->marker == DK_JPEG_APP1 &&
               has_prefix(p, n, STAMP_EXIF_XMP_ID, STAMP_EXIF_XMP_ID_LEN)) {
        seg->kind = STAMP_EXIF_SEG_XMP;
        id = STAMP_EXIF_XMP_ID_LEN;
    } else if (seg->marker == DK_JPEG_APP2 &&
               has_prefix(p, n, STAMP_EXIF_MPF_ID, STAMP_EXIF_MPF_ID_LEN)) {
        seg->kind = STAMP_EXIF_SEG_MPF;
        id = STAMP_EXIF_MPF_ID_LEN;
    } else if (seg->marker == DK_JPEG_APP13 &&
               has_prefix(p, n, STAMP_EXIF_PS_ID, STAMP_EXIF_PS_ID_LEN)) {
        seg->kind = STAMP_EXIF_SEG_PHOTOSHOP;
        id = STAMP_EXIF_PS_ID_LEN;
    }
    seg->header_size = id;
    seg->payload += id;
    seg->payload_size -= id;
}

/* A frame header gives the image size; too short to hold it is an
 * error. */
static int read_frame_header(const stamp_exif_segment *seg,
                             stamp_exif_layout *layout, dk_error *err)
{
    if (seg->payload_size < 6)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG: frame header at offset %zu is too "
                            "short",
                            seg->offset);
    layout->height = (seg->payload[1] << 8) | seg->payload[2];
    layout->width = (seg->payload[3] << 8) | seg->payload[4];
    return 0;
}

int stamp_exif_jpeg_scan(const uint8_t *data, size_t size,
                         stamp_exif_layout *layout, dk_error *err)
{
    memset(layout, 0, sizeof(*layout));
    GArray *segments = g_array_new(FALSE, TRUE, sizeof(stamp_exif_segment));
    dk_jpeg_walk walk;
    dk_jpeg_walk_memory(&walk, data, size);
    dk_jpeg_segment found;
    bool have_frame = false;
    int rc;
    while ((rc = dk_jpeg_walk_next(&walk, &found, err)) == 0) {
        if (found.marker == DK_JPEG_SOS) {
            /* from its fill bytes on, everything is copied verbatim */
            layout->scan_offset = found.start;
            break;
        }
        if (found.marker == DK_JPEG_EOI) {
            rc = dk_error_set(err, DK_ERR_INVALID,
                              "corrupt JPEG: EOI marker at offset %zu before "
                              "any image data",
                              (size_t)found.start);
            break;
        }
        /* a segment keeps the fill bytes before it, so what is copied
         * through is byte for byte what was there */
        stamp_exif_segment seg = {
            .marker = found.marker,
            .offset = found.start,
            .size = found.end - found.start,
            .payload = found.payload,
            .payload_size = found.length,
        };
        if (dk_jpeg_marker_is_sof(found.marker)) {
            rc = read_frame_header(&seg, layout, err);
            if (rc < 0)
                break;
            have_frame = true;
        }
        classify(&seg);
        g_array_append_val(segments, seg);
    }
    dk_jpeg_walk_clear(&walk);
    if (rc == 0 && !have_frame)
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "corrupt JPEG: no frame header (SOF) before the "
                          "image data");
    if (rc == 0 && layout->width == 0)
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "corrupt JPEG: frame header gives width 0");
    /* Entropy-coded data never contains FF D9 (a data FF is stuffed as
     * FF 00), so a file without it after SOS was cut short. Searching from
     * the end finds it at once in a whole file, and also behind trailers
     * (MPF images, maker data), which end in EOI or follow one. */
    if (rc == 0 && !has_end_marker(data, layout->scan_offset, size))
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "truncated JPEG: the image data has no end (EOI) "
                          "marker");
    layout->count = segments->len;
    layout->segments = (stamp_exif_segment *)g_array_free(segments, FALSE);
    if (rc != 0)
        stamp_exif_layout_clear(layout);
    return rc;
}

void stamp_exif_layout_clear(stamp_exif_layout *layout)
{
    g_free(layout->segments);
    memset(layout, 0, sizeof(*layout));
}
