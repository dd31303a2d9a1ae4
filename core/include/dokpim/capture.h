/* dokpim — where a capture time comes from, and recovering it from the
 * file names phones and messaging apps use when they strip EXIF. Shared by
 * the ingest plugins, so a photo, a clip and a plain file answer alike. */
#ifndef DOKPIM_CAPTURE_H
#define DOKPIM_CAPTURE_H

#include <glib.h>

#include "export.h"
#include "item.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parses "WhatsApp Image 2024-09-02 at 14.11.22.jpeg",
 * "IMG-20240902-WA0012.jpg" (date only), "IMG_20240902_141122.jpg",
 * "PXL_20240902_061122123.jpg" (UTC), "VID-20240902-WA0003.mp4",
 * "VID_20240902_141122.mp4" and similar. Wall-clock names are read in tz;
 * names known to be UTC are converted into tz. Returns a new GDateTime
 * (g_date_time_unref) or NULL. *date_only is set when the name has no time. */
DK_API GDateTime *dk_capture_time_from_filename(const char *path, GTimeZone *tz,
                                                gboolean *date_only);

/* Stores capture.time (ISO 8601 with offset), capture.source ("exif",
 * "container", "filename", "file-time") and capture.inferred (true unless
 * the time came from the camera or the container) in meta. */
DK_API void dk_meta_set_capture(dk_meta *meta, GDateTime *time,
                                const char *source);

/* The one capture-time policy of every ingest plugin, first that answers
 * wins:
 *  1. intrinsic, the file's own record of the moment (EXIF, a container's
 *     creation time), already checked for plausibility and corrected by
 *     the plugin, stored with the offset it carries; NULL when the file has
 *     none. intrinsic_source names it: "exif" or "container" (NULL:
 *     "exif");
 *  2. a time in the file name (dk_capture_time_from_filename), read in tz;
 *  3. the file's modification time, to the microsecond, in tz.
 * Stores it with dk_meta_set_capture(), and capture.date-only = true when
 * the name gives the day but not the time (the time stored is then
 * midnight, which nothing downstream may take for a moment).
 * Returns 0, or DK_ERR_IO when it came to the file time and path cannot
 * be stat()ed; meta is then left as it was. tz NULL: the local zone. */
DK_API int dk_capture_resolve(const char *path, GDateTime *intrinsic,
                              const char *intrinsic_source, GTimeZone *tz,
                              dk_meta *meta, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
