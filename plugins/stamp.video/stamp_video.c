/* stamp.video — writes the event's metadata into a clip's container by
 * remuxing it with libavformat: no re-encoding, every packet byte for byte
 * the source's, rotation and timestamps kept, moov at the front.
 *
 *   [stamp]
 *   plugin = stamp.video
 *   output = {date:%Y%m%d}_{event.slug}_{seq:04}.mp4
 *   title = {event.title}
 *
 * The output's extension picks the muxer (.mov: QuickTime, .mp4/.m4v:
 * MP4); `output = ..._{seq:04}.{original.ext}` keeps each clip's own. A
 * clip MP4 cannot carry (a camera MOV's PCM sound) is written as QuickTime
 * under the same name with .mov, every sample kept as it is. */
#include <dokpim/dokpim.h>

#include "stamp_video.h"
#include "video_remux.h"

#define FIELD(member) DK_FIELD(stamp_video_config, member)
static const dk_option stamp_video_options[] = {
    {"output", DK_OPT_PATH_TEMPLATE, "{date:%Y%m%d}_{event.slug}_{seq:04}.mp4",
     "file name of the stamped clip; .mov writes QuickTime (tags as "
     "metadata keys), else MP4 — or QuickTime and .mov when MP4 cannot "
     "carry the sound (PCM)",
     FIELD(output)},
    {"title", DK_OPT_TEMPLATE, "{event.title}", "title tag (©nam)",
     FIELD(title)},
    {"artist", DK_OPT_TEMPLATE, "{event.photographer}", "artist tag (©ART)",
     FIELD(artist)},
    {"comment", DK_OPT_TEMPLATE,
     "{event.title} — {event.place}, {event.city}, {date:%d %B %Y}",
     "comment (©cmt) and description (desc) tags", FIELD(comment)},
    {"date", DK_OPT_TEMPLATE, "{capture.time:%Y-%m-%d}",
     "date tag (©day); by default the event date when the capture time is "
     "unknown or only the file's modification time",
     FIELD(date), DK_SET_FIELD(stamp_video_config, date_set)},
    {"copyright", DK_OPT_TEMPLATE, "{event.copyright}", "copyright tag (cprt)",
     FIELD(copyright)},
    {"event-id", DK_OPT_TEMPLATE, "{event.slug}-{date:%Y%m%d}",
     "event identifier, written as the grouping tag (©grp)", FIELD(event_id)},
    {"keywords", DK_OPT_TEMPLATE, "{event.tags}", "keywords tag",
     FIELD(keywords)},
    {"location", DK_OPT_BOOL, "true",
     "write gps.latitude/longitude as an ISO 6709 location (©xyz)",
     FIELD(location)},
    {"fill-creation-time", DK_OPT_BOOL, "true",
     "give a clip without a container creation time its capture time, "
     "unless that was only guessed from the file's modification time",
     FIELD(fill_creation_time)},
    {"timeout", DK_OPT_INT, "60",
     "seconds allowed for opening and probing the input (not the copy)", 1,
     3600, FIELD(timeout)},
    {NULL},
};
#undef FIELD

/* capture.time in UTC the way MP4 stores creation_time, or NULL when there
 * is none worth writing. Caller g_free()s. */
static char *stamp_video_creation_time(const dk_stage *stage,
                                       const dk_item *item)
{
    const stamp_video_config *config = dk_stage_config(stage);
    const dk_meta *meta = dk_item_meta_const(item);
    const char *iso = dk_meta_get(meta, "capture.time");
    if (!config->fill_creation_time || !iso ||
        g_strcmp0(dk_meta_get(meta, "capture.source"), "file-time") == 0)
        return NULL;
    GDateTime *when = g_date_time_new_from_iso8601(iso, NULL);
    if (!when)
        return NULL;
    GDateTime *utc = g_date_time_to_utc(when);
    char *text = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%S.000000Z");
    g_date_time_unref(utc);
    g_date_time_unref(when);
    return text;
}

static int stamp_video_write(const dk_stage *stage, dk_item *item,
                             const char *path, const char *format,
                             const AVDictionary *tags, dk_error *err)
{
    dk_atomic *file = NULL;
    int ret = dk_atomic_open(path, &file, err);
    if (ret < 0)
        return ret;
    const stamp_video_config *config = dk_stage_config(stage);
    char *creation_time = stamp_video_creation_time(stage, item);
    const char *input = dk_item_current_path(item);
    video_remux_job job = {
        .input = input,
        .output = dk_atomic_temp_path(file),
        .output_name = path,
        .format = format,
        .tags = tags,
        .fallback_creation_time = creation_time,
        .open_timeout = (double)config->timeout,
        .item = item,
    };
    video_remux_report report = {.dropped = g_string_new(NULL)};
    ret = video_remux(&job, &report, err);
    g_free(creation_time);
    if (ret < 0) {
        dk_atomic_abort(&file);
        g_string_free(report.dropped, TRUE);
        return ret;
    }
    ret = dk_atomic_commit(&file, err);
    /* a note, not a failure: these tracks (timecode data, subtitles the
     * muxer cannot store) are not part of what is published */
    if (ret == 0 && report.dropped->len)
        dk_meta_set_string(dk_item_meta(item), "stamp.dropped",
                           report.dropped->str);
    g_string_free(report.dropped, TRUE);
    return ret;
}

/* The output's name and muxer. The name's extension picks the muxer, and
 * follows it when the clip needs QuickTime: a camera's PCM sound in an
 * .mp4-named batch gives a .mov, so a mixed batch needs no per-file names.
 * (The .mp4 name stays reserved for this item for the run: harmless.) */
static int stamp_video_output(const dk_stage *stage, const dk_item *item,
                              char **path, const char **format, dk_error *err)
{
    const stamp_video_config *config = dk_stage_config(stage);
    int ret = dk_stage_output_path(stage, config->output, item, path, err);
    if (ret < 0)
        return ret;
    const char *input = dk_item_current_path(item);
    const char *wanted = video_remux_muxer_for(*path, input);
    ret = video_remux_fit_muxer(input, wanted, (double)config->timeout, format,
                                err);
    if (ret < 0 || *format == wanted)
        return ret;
    g_free(*path);
    return dk_stage_output_path_ext(stage, config->output, item, *format, path,
                                    err);
}

static int stamp_video_process(const dk_stage *stage, void *state,
                               dk_item *item, dk_error *err)
{
    (void)state;
    AVDictionary *tags = NULL;
    int ret = stamp_video_build_tags(stage, item, &tags, err);
    if (ret < 0)
        return ret;
    char *path = NULL;
    const char *format = NULL;
    ret = stamp_video_output(stage, item, &path, &format, err);
    if (ret == 0)
        ret = stamp_video_write(stage, item, path, format, tags, err);
    if (ret == 0)
        ret = dk_item_add_derivative(item, "stamped", path, true, err);
    av_dict_free(&tags);
    g_free(path);
    return ret;
}

DK_PLUGIN_DEFINE(stamp_video) = {
    .name = "stamp.video",
    .summary = "write event metadata into MP4/MOV containers by remuxing, "
               "without re-encoding",
    .role = DK_ROLE_STAMP,
    .item_kinds = DK_KIND_VIDEO,
    .options = stamp_video_options,
    .config_size = sizeof(stamp_video_config),
    .process = stamp_video_process,
};
