/* stamp.exif — the Photoshop image resource block of APP13, which carries
 * the IPTC IIM as resource 0x0404 beside resources of other tools (print
 * settings, clipping paths, thumbnails) that must survive untouched. */
#ifndef STAMP_EXIF_IRB_H
#define STAMP_EXIF_IRB_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/error.h>

#define STAMP_EXIF_IRB_IPTC   0x0404
#define STAMP_EXIF_IRB_DIGEST 0x0425 /* MD5 of the IIM, per MWG */

/* Checks the resource list irb[0..size) (after "Photoshop 3.0\0") and finds
 * the first IIM resource; *iim is NULL when there is none. */
int stamp_exif_irb_find_iim(const uint8_t *irb, size_t size,
                            const uint8_t **iim, size_t *iim_size,
                            dk_error *err);

/* Appends to out the resource list with the IIM resource replaced by iim
 * (in place of the first one, or at the end), other IIM copies dropped and
 * the IPTC digest set to match, every other resource kept in order. irb
 * may be NULL. The list must have passed stamp_exif_irb_find_iim(). */
void stamp_exif_irb_replace_iim(const uint8_t *irb, size_t size,
                                const uint8_t *iim, size_t iim_size,
                                GByteArray *out);

#endif
