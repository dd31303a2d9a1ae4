/* watermark.photo — internal interfaces between the plugin's files. */
#ifndef WATERMARK_PHOTO_H
#define WATERMARK_PHOTO_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/dokpim.h>
#include <dokpim/overlay.h>

/* ---- JPEG metadata carried over (watermark_photo_segments.c) ---- */
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
