/* stamp.exif — the EXIF block, through libexif. */
#ifndef STAMP_EXIF_EXIF_H
#define STAMP_EXIF_EXIF_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/error.h>

#include "stamp_exif_fields.h"

/* Builds a new APP1 Exif payload ("Exif\0\0" + TIFF) into *out (g_free).
 * source/source_size is the existing payload with its identifier, or NULL
 * when the photo has none: then a minimal valid block is made for a
 * width x height image. Camera tags, DateTimeOriginal and the thumbnail
 * are kept; GPS is dropped unless fields->keep_gps. A damaged source is
 * salvaged (unreadable entries and IFD loops dropped, a block with nothing
 * readable replaced). A caption too long to fit one segment is shortened
 * at a character boundary; a block that does not fit even without it is an
 * error. Every salvage and cut is a line appended to warnings (may be
 * NULL). */
int stamp_exif_build_exif(const uint8_t *source, size_t source_size,
                          const stamp_exif_fields *fields, int width,
                          int height, uint8_t **out, size_t *out_size,
                          GPtrArray *warnings, dk_error *err);

#endif
