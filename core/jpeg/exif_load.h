/* dokpim — loading a camera's EXIF block, and saying what was wrong with it.
 *
 * libexif reads damaged blocks the useful way (entries whose data lies past
 * the end are dropped, an IFD that claims more entries than fit is read as
 * far as it goes, loops stop), but it only mentions this in debug logs, and
 * an IFD1 link that loops back to IFD0 makes it load IFD0 a second time as
 * an invented IFD1. ingest.photo (reading) and stamp.exif (rewriting) both
 * load through here: the block's IFDs are walked first, every repair
 * becomes one line of text, and the copies a loop would have made are
 * removed after libexif has read the rest.
 *
 *     GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
 *     ExifData *ed = exif_data_new();
 *     if (dk_exif_load(ed, tiff, size, "APP1 segment", warnings, &err) < 0)
 *         ... nothing readable: err says why ...
 *     for each warnings->pdata[i]: dk_item_warn(item, "%s", ...)
 */
#ifndef DOKPIM_EXIF_LOAD_H
#define DOKPIM_EXIF_LOAD_H

#include <glib.h>
#include <libexif/exif-data.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/error.h>

/* Loads the TIFF-structured block tiff[0..size) (starting at the "II"/"MM"
 * byte-order mark, without the "Exif\0\0" identifier) into ed, exactly as
 * the camera wrote it: libexif neither drops tags it does not know nor
 * adds the ones the standard asks for. container names what holds the
 * block in messages ("APP1 segment", "EXIF block").
 *
 * Each repair is appended to warnings (g_strdup'd lines such as "EXIF:
 * IFD0 entry 0x010f (Make) points past the end of the APP1 segment;
 * dropped"); warnings may be NULL. Returns 0 when the block was read, even
 * in part; DK_ERR_INVALID with a message ("EXIF: no TIFF header ...") when
 * nothing in it can be read, then ed is left empty. */
int dk_exif_load(ExifData *ed, const uint8_t *tiff, size_t size,
                 const char *container, GPtrArray *warnings, dk_error *err);

#endif
