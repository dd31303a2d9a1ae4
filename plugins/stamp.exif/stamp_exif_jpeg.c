/* stamp.exif — walking the marker segments before the image data. */
#include "stamp_exif_jpeg.h"

#include "stamp_exif_mpf.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

enum {
    MARKER_SOI = 0xD8,
    MARKER_EOI = 0xD9,
    MARKER_SOS = 0xDA,
    MARKER_TEM = 0x01,
    MARKER_APP0 = 0xE0,
    MARKER_APP1 = 0xE1,
    MARKER_APP2 = 0xE2,
    MARKER_APP13 = 0xED,
};

static const char *marker_name(uint8_t marker, char buf[8])
{
    if (marker >= 0xE0 && marker <= 0xEF)
        g_snprintf(buf, 8, "APP%d", marker - 0xE0);
    else
        g_snprintf(buf, 8, "0xFF%02X", marker);
    return buf;
}

/* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the
 * range but are not frame headers. */
static bool is_frame_header(uint8_t marker)
{
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 &&
           marker != 0xC8 && marker != 0xCC;
}

static bool has_prefix(const uint8_t *p, size_t n, const char *id, size_t len)
{
    return n >= len && memcmp(p, id, len) == 0;
}

static bool has_end_marker(const uint8_t *data, size_t from, size_t size)
{
    for (size_t i = size; i >= from + 2; i--)
        if (data[i - 2] == 0xFF && data[i - 1] == MARKER_EOI)
            return true;
    return false;
}

static void classify(stamp_exif_segment *seg)
{
    const uint8_t *p = seg->payload;
    size_t n = seg->payload_size;
    size_t id = 0;
    if (seg->marker == MARKER_APP0 &&
        (has_prefix(p, n, "JFIF", 5) || has_prefix(p, n, "JFXX", 5))) {
        seg->kind = STAMP_EXIF_SEG_JFIF;
    } else if (seg->marker == MARKER_APP1 &&
               has_prefix(p, n, STAMP_EXIF_EXIF_ID, STAMP_EXIF_EXIF_ID_LEN)) {
        seg->kind = STAMP_EXIF_SEG_EXIF;
        id = STAMP_EXIF_EXIF_ID_LEN;
    } else if (seg->marker == MARKER_APP1 &&
               has_prefix(p, n, STAMP_EXIF_XMP_ID, STAMP_EXIF_XMP_ID_LEN)) {
        seg->kind = STAMP_EXIF_SEG_XMP;
        id = STAMP_EXIF_XMP_ID_LEN;
    } else if (seg->marker == MARKER_APP2 &&
               has_prefix(p, n, STAMP_EXIF_MPF_ID, STAMP_EXIF_MPF_ID_LEN)) {
        seg->kind = STAMP_EXIF_SEG_MPF;
        id = STAMP_EXIF_MPF_ID_LEN;
    } else if (seg->marker == MARKER_APP13 &&
               has_prefix(p, n, STAMP_EXIF_PS_ID, STAMP_EXIF_PS_ID_LEN)) {
        seg->kind = STAMP_EXIF_SEG_PHOTOSHOP;
        id = STAMP_EXIF_PS_ID_LEN;
    }
    seg->header_size = id;
    seg->payload += id;
    seg->payload_size -= id;
}

int stamp_exif_jpeg_scan(const uint8_t *data, size_t size,
                         stamp_exif_layout *layout, dk_error *err)
{
    char name[8];
    memset(layout, 0, sizeof(*layout));
    if (size < 4 || data[0] != 0xFF || data[1] != MARKER_SOI)
        return dk_error_set(err, DK_ERR_INVALID, "not a JPEG (no SOI marker)");

    GArray *segments = g_array_new(FALSE, TRUE, sizeof(stamp_exif_segment));
    size_t pos = 2;
    bool have_frame = false;
    int rc = 0;
    for (;;) {
        if (pos >= size || data[pos] != 0xFF) {
            rc = dk_error_set(err, DK_ERR_INVALID,
                              pos >= size
                                  ? "truncated JPEG: no image data (SOS) "
                                    "before the end of the file"
                                  : "corrupt JPEG: no marker at offset %zu",
                              pos);
            break;
        }
        size_t start = pos;
        /* any number of 0xFF fill bytes may precede a marker */
        while (pos < size && data[pos] == 0xFF)
            pos++;
        if (pos >= size) {
            rc = dk_error_set(err, DK_ERR_INVALID,
                              "truncated JPEG: ends inside a marker");
            break;
        }
        uint8_t marker = data[pos++];
        if (marker == MARKER_SOS) {
            layout->scan_offset = start;
            break;
        }
        if (marker == MARKER_EOI || marker == MARKER_SOI) {
            rc = dk_error_set(err, DK_ERR_INVALID,
                              "corrupt JPEG: %s marker at offset %zu before "
                              "any image data",
                              marker == MARKER_EOI ? "EOI" : "second SOI",
                              start);
            break;
        }
        stamp_exif_segment seg = {.marker = marker, .offset = start};
        if (marker == MARKER_TEM || (marker >= 0xD0 && marker <= 0xD7)) {
            /* stand-alone markers carry no length */
            seg.size = pos - start;
            seg.payload = data + pos;
            g_array_append_val(segments, seg);
            continue;
        }
        if (size - pos < 2) {
            rc = dk_error_set(err, DK_ERR_INVALID,
                              "truncated JPEG: %s segment at offset %zu has no "
                              "length",
                              marker_name(marker, name), start);
            break;
        }
        size_t length = ((size_t)data[pos] << 8) | data[pos + 1];
        if (length < 2) {
            rc = dk_error_set(err, DK_ERR_INVALID,
                              "corrupt JPEG: %s segment at offset %zu has an "
                              "impossible length %zu",
                              marker_name(marker, name), start, length);
            break;
        }
        if (length > size - pos) {
            rc = dk_error_set(err, DK_ERR_INVALID,
                              "corrupt JPEG: %s segment at offset %zu claims "
                              "%zu bytes, past the end of the file (%zu bytes)",
                              marker_name(marker, name), start, length, size);
            break;
        }
        seg.payload = data + pos + 2;
        seg.payload_size = length - 2;
        seg.size = pos + length - start;
        if (is_frame_header(marker)) {
            if (seg.payload_size < 6) {
                rc = dk_error_set(err, DK_ERR_INVALID,
                                  "corrupt JPEG: frame header at offset %zu "
                                  "is too short",
                                  start);
                break;
            }
            layout->height = (seg.payload[1] << 8) | seg.payload[2];
            layout->width = (seg.payload[3] << 8) | seg.payload[4];
            have_frame = true;
        }
        classify(&seg);
        g_array_append_val(segments, seg);
        pos += length;
    }
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
