/* stamp.exif — the marker segments of a JPEG up to its first SOS.
 *
 * Stamping must leave the compressed image data byte-identical, which no
 * codec library promises (libjpeg re-encodes, jpegtran re-codes the Huffman
 * stream), so this walks the markers itself: it only reads segment lengths
 * and never looks inside the entropy-coded data. */
#ifndef STAMP_EXIF_JPEG_H
#define STAMP_EXIF_JPEG_H

#include <stddef.h>
#include <stdint.h>

#include <dokpim/error.h>

typedef enum stamp_exif_segment_kind {
    STAMP_EXIF_SEG_OTHER = 0,
    STAMP_EXIF_SEG_JFIF,      /* APP0 (JFIF/JFXX): must stay first */
    STAMP_EXIF_SEG_EXIF,      /* APP1 "Exif\0\0" */
    STAMP_EXIF_SEG_XMP,       /* APP1 main XMP packet */
    STAMP_EXIF_SEG_PHOTOSHOP, /* APP13 "Photoshop 3.0\0" resource block */
    STAMP_EXIF_SEG_MPF,       /* APP2 "MPF\0" multi-picture index */
} stamp_exif_segment_kind;

typedef struct stamp_exif_segment {
    stamp_exif_segment_kind kind;
    uint8_t marker;         /* second marker byte, e.g. 0xE1 */
    size_t offset;          /* of the 0xFF marker byte in the file */
    size_t size;            /* whole segment: marker, length, payload */
    const uint8_t *payload; /* after the length field; points into data */
    size_t payload_size;    /* without the identifier header */
    size_t header_size;     /* identifier bytes before payload ("Exif\0\0") */
} stamp_exif_segment;

typedef struct stamp_exif_layout {
    stamp_exif_segment *segments; /* everything between SOI and SOS */
    size_t count;
    size_t scan_offset; /* first SOS marker: from here on copied verbatim */
    int width, height;  /* from the frame header */
} stamp_exif_layout;

/* Lists the segments of data[0..size). Returns DK_ERR_INVALID with a
 * one-line reason for anything that is not a walkable JPEG (no SOI, a
 * length past the end, no frame header, no SOS). */
int stamp_exif_jpeg_scan(const uint8_t *data, size_t size,
                         stamp_exif_layout *layout, dk_error *err);
void stamp_exif_layout_clear(stamp_exif_layout *layout);

/* Identifiers of the segments this plugin rewrites. */
#define STAMP_EXIF_EXIF_ID     "Exif\0\0"
#define STAMP_EXIF_EXIF_ID_LEN 6
#define STAMP_EXIF_XMP_ID      "http://ns.adobe.com/xap/1.0/"
#define STAMP_EXIF_XMP_ID_LEN  29 /* with its NUL */
#define STAMP_EXIF_PS_ID       "Photoshop 3.0"
#define STAMP_EXIF_PS_ID_LEN   14 /* with its NUL */

/* Largest payload a marker segment can carry (its length field counts
 * itself). */
#define STAMP_EXIF_SEGMENT_MAX 65533

#endif
