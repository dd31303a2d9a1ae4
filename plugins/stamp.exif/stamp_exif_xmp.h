/* stamp.exif — the XMP packet, through exempi. */
#ifndef STAMP_EXIF_XMP_H
#define STAMP_EXIF_XMP_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/error.h>

#include "stamp_exif_fields.h"

/* dokpim's own properties: where an inferred capture time came from. */
#define STAMP_EXIF_XMP_NS     "http://dokpim.org/ns/xmp/1.0/"
#define STAMP_EXIF_XMP_PREFIX "dokpim"

/* Starts / stops the XMP toolkit (reference counted) and registers the
 * IPTC Extension and dokpim namespaces. Call from one thread. */
int stamp_exif_xmp_init(dk_error *err);
void stamp_exif_xmp_terminate(void);

/* What the event's values may take of one APP1 XMP packet, all fields
 * together: the segment (65 504 bytes after the identifier) less the
 * wrapper, the namespaces and the camera's own properties. stamp.exif's
 * check() refuses values that could never fit. */
#define STAMP_EXIF_XMP_VALUES_MAX 65000

/* Builds the new packet (UTF-8, with its xpacket wrapper, without the APP1
 * identifier) into *out (g_free), merged into the existing packet when
 * source is not NULL. An existing packet that does not parse (or declares
 * a DOCTYPE) is dropped for a fresh one, and a caption too long for one
 * APP1 segment is shortened: each is a line appended to warnings (may be
 * NULL). Errors when the result does not fit one segment even without a
 * caption (extended XMP is not written). */
int stamp_exif_build_xmp(const uint8_t *source, size_t source_size,
                         const stamp_exif_fields *fields, uint8_t **out,
                         size_t *out_size, GPtrArray *warnings, dk_error *err);

#endif
