/* The capture-time policy every ingest plugin follows, and how its answer
 * is written into an item's metadata. The chain is here once so that a
 * photo, a clip and a plain file with the same name get the same time,
 * source and precision. */
#include "dk_internal.h"

#include <dokpim/capture.h>

#include <string.h>
#include <sys/stat.h>

void dk_meta_set_capture(dk_meta *meta, GDateTime *time, const char *source)
{
    if (!meta || !time || !source)
        return;
    /* Sub-second digits only when there are any, trailing zeros dropped:
     * "14:11:22.25+08:00" rather than "14:11:22.250000+08:00". */
    char *base = g_date_time_format(time, "%Y-%m-%dT%H:%M:%S");
    char *zone = g_date_time_format(time, "%:z");
    int micro = g_date_time_get_microsecond(time);
    char fraction[8] = "";
    if (micro > 0) {
        g_snprintf(fraction, sizeof fraction, ".%06d", micro);
        size_t end = strlen(fraction);
        while (end > 1 && fraction[end - 1] == '0')
            fraction[--end] = '\0';
    }
    char *text = g_strconcat(base, fraction, zone, NULL);
    dk_meta_set_string(meta, "capture.time", text);
    dk_meta_set_string(meta, "capture.source", source);
    /* Stages that write metadata back (stamp.exif) must never let a guessed
     * time overwrite a camera's own record, so say which one this is. */
    gboolean inferred = g_strcmp0(source, "filename") == 0 ||
                        g_strcmp0(source, "file-time") == 0;
    dk_meta_set_bool(meta, "capture.inferred", inferred);
    g_free(text);
    g_free(zone);
    g_free(base);
}

/* The modification time to the microsecond: a burst copied off a card
 * keeps its order even when several files share a second. */
static int file_time(const char *path, GTimeZone *tz, GDateTime **out,
                     dk_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot read the file time of",
                              path);
    GDateTime *utc = g_date_time_new_from_unix_utc(st.st_mtim.tv_sec);
    if (!utc)
        return dk_error_set(err, DK_ERR_IO, "%s: file time out of range", path);
    GDateTime *precise = g_date_time_add(utc, st.st_mtim.tv_nsec / 1000);
    *out = g_date_time_to_timezone(precise, tz);
    g_date_time_unref(precise);
    g_date_time_unref(utc);
    return 0;
}

int dk_capture_resolve(const char *path, GDateTime *intrinsic,
                       const char *intrinsic_source, GTimeZone *tz,
                       dk_meta *meta, dk_error *err)
{
    GTimeZone *zone = tz ? g_time_zone_ref(tz) : g_time_zone_new_local();
    GDateTime *when = NULL;
    const char *source = "file-time";
    gboolean date_only = FALSE;
    int rc = 0;
    if (intrinsic) {
        when = g_date_time_ref(intrinsic);
        source = intrinsic_source ? intrinsic_source : "exif";
    } else if ((when = dk_capture_time_from_filename(path, zone, &date_only))) {
        source = "filename";
    } else {
        rc = file_time(path, zone, &when, err);
    }
    g_time_zone_unref(zone);
    if (rc < 0)
        return rc;
    dk_meta_set_capture(meta, when, source);
    if (date_only)
        dk_meta_set_bool(meta, "capture.date-only", true);
    g_date_time_unref(when);
    return 0;
}
