/* stamp.exif — IPTC IIM datasets (the content of Photoshop resource
 * 0x0404), through libiptcdata. */
#ifndef STAMP_EXIF_IIM_H
#define STAMP_EXIF_IIM_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/error.h>

#include "stamp_exif_fields.h"

/* Builds the new IIM stream into *out (g_free) from the existing one
 * (source may be NULL). Datasets this plugin does not own are kept; text
 * is marked UTF-8 (1:90 = ESC % G) and older Latin-1 text converted, so the
 * mark is true; each value is cut to its IIM maximum at a character
 * boundary (a line appended to warnings, which may be NULL, says so);
 * keywords are merged with the existing ones. */
int stamp_exif_build_iim(const uint8_t *source, size_t source_size,
                         const stamp_exif_fields *fields, uint8_t **out,
                         size_t *out_size, GPtrArray *warnings, dk_error *err);

#endif
