/* ingest.video — when a clip was recorded.
 *
 * The chain, first that answers wins:
 *  1. Apple's com.apple.quicktime.creationdate: local time with the
 *     phone's own offset ("2024-09-02T14:11:22+0800");
 *  2. creation_time of the container (then of the video stream). MP4 and
 *     Matroska store it in UTC, so it is converted into the event's time
 *     zone, never read as local time;
 *  3. a phone's or WhatsApp's file name (VID_20240902_141122.mp4);
 *  4. the file's modification time.
 * 1 and 2 are capture.source "container"; 3 and 4, the same for every
 * ingest plugin, are the core's (dk_capture_resolve) and inferred. */
#include <dokpim/capture.h>

#include "ingest_video.h"

/* MP4's zero (1904), Unix's zero (1970) and anything before digital video
 * cameras mean "clock never set", not a date. */
#define CAPTURE_EARLIEST_YEAR 1980

static const char *capture_tag(const AVDictionary *tags, const char *key)
{
    const AVDictionaryEntry *entry = av_dict_get(tags, key, NULL, 0);
    return entry && entry->value && *entry->value ? entry->value : NULL;
}

/* text read as ISO 8601, in UTC when it names no zone of its own. */
static GDateTime *capture_parse(const char *text, GTimeZone *tz)
{
    if (!text)
        return NULL;
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *parsed = g_date_time_new_from_iso8601(text, utc);
    g_time_zone_unref(utc);
    if (!parsed)
        return NULL;
    GDateTime *now = g_date_time_new_now_utc();
    GDateTime *latest = g_date_time_add_days(now, 2);
    gboolean plausible =
        g_date_time_get_year(parsed) >= CAPTURE_EARLIEST_YEAR &&
        g_date_time_compare(parsed, latest) <= 0;
    g_date_time_unref(latest);
    g_date_time_unref(now);
    GDateTime *local = plausible ? g_date_time_to_timezone(parsed, tz) : NULL;
    g_date_time_unref(parsed);
    return local;
}

static GDateTime *capture_from_container(const AVFormatContext *ctx,
                                         GTimeZone *tz)
{
    GDateTime *when = capture_parse(
        capture_tag(ctx->metadata, "com.apple.quicktime.creationdate"), tz);
    if (!when)
        when = capture_parse(capture_tag(ctx->metadata, "creation_time"), tz);
    int video = ingest_video_main_stream(ctx);
    if (!when && video >= 0)
        when = capture_parse(
            capture_tag(ctx->streams[video]->metadata, "creation_time"), tz);
    return when;
}

void ingest_video_read_capture(const AVFormatContext *ctx,
                               const char *source_path, GTimeZone *tz,
                               dk_meta *meta)
{
    GDateTime *container = capture_from_container(ctx, tz);
    /* The only failure is a file gone since libavformat opened it; the
     * import that follows reports that, so the clip is left without a
     * capture time rather than refused twice. */
    (void)dk_capture_resolve(source_path, container, "container", tz, meta,
                             NULL);
    if (container)
        g_date_time_unref(container);
}
