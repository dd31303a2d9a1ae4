/* watermark.photo — internal interfaces between the plugin's files. */
#ifndef WATERMARK_PHOTO_H
#define WATERMARK_PHOTO_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/dokpim.h>
#include <dokpim/overlay.h>

/* ---- JPEG segments (watermark_photo_segments.c) ---- */
typedef struct watermark_photo_segment {
    uint8_t marker; /* the byte after 0xFF */
    size_t start;   /* offset of the 0xFF */
    size_t size;    /* marker, length and payload */
} watermark_photo_segment;

/* Steps over the segment at *pos. Returns 1 with *segment filled and *pos
 * moved past it, 0 when *pos is at the first scan (SOS) or EOI, or
 * DK_ERR_INVALID when the structure is broken or runs past the end. */
int watermark_photo_segment_next(const uint8_t *data, size_t size, size_t *pos,
                                 watermark_photo_segment *segment,
                                 dk_error *err);

/* Writes a JPEG that is the encoder's output with its own APPn segments
 * replaced by the source's APP0 (JFIF), APP1 (EXIF, XMP), APP2 (ICC,
 * unless keep_icc is false) and APP13 (IPTC) segments, byte for byte and
 * in the source's order. */
int watermark_photo_splice(const uint8_t *source, size_t source_size,
                           const uint8_t *encoded, size_t encoded_size,
                           bool keep_icc, FILE *out, dk_error *err);

/* ---- the full-resolution copy (watermark_photo_full.c) ---- */
/* Decodes the JPEG at source, blends spec for the stored size and EXIF
 * orientation, encodes at quality and writes it to dest (through
 * dk_atomic_*) with the source's metadata segments. */
int watermark_photo_full_size(const dk_overlay_spec *spec, const char *source,
                              int orientation, int quality, const char *dest,
                              dk_error *err);

#endif
