/* stamp.video — which container tags an item gets, from the stage's
 * templates and what ingest learned about the clip. */
#include "stamp_video.h"

/* Template option -> MP4/MOV tag (libavformat's generic names; the muxer
 * maps them to ©nam, ©ART, ©cmt, desc, ©day, cprt, ©grp, keyw). The event
 * identifier goes into "grouping", the tag meant to tie related items
 * together, which players and mediainfo show as "Grouping". */
typedef struct stamp_video_tag_row {
    const char *option; /* named in errors */
    const char *tag;
    const dk_template *value;
} stamp_video_tag_row;

char *stamp_video_iso6709(double latitude, double longitude, double altitude,
                          bool has_altitude)
{
    /* g_ascii_formatd: a '.' whatever the locale (id_ID writes ','), and
     * ISO 6709's fixed widths: ±DD.DDDD then ±DDD.DDDD */
    char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];
    char alt[G_ASCII_DTOSTR_BUF_SIZE] = "";
    g_ascii_formatd(lat, sizeof lat, "%+08.4f", latitude);
    g_ascii_formatd(lon, sizeof lon, "%+09.4f", longitude);
    if (has_altitude)
        g_ascii_formatd(alt, sizeof alt, "%+.1f", altitude);
    return g_strconcat(lat, lon, alt, "/", NULL);
}

/* The date tag: the template, except that an item whose capture time is
 * unknown or only the file's modification time (a copy date, as often as
 * not) gets the event's date, unless the user set this option. */
static int stamp_video_expand(const dk_stage *stage,
                              const stamp_video_tag_row *row,
                              const dk_item *item, char **out, dk_error *err)
{
    const stamp_video_config *config = dk_stage_config(stage);
    const dk_meta *meta = dk_item_meta_const(item);
    if (g_strcmp0(row->option, "date") == 0 && !config->date_set &&
        (!dk_meta_get(meta, "capture.time") ||
         g_strcmp0(dk_meta_get(meta, "capture.source"), "file-time") == 0)) {
        *out = g_strdup(dk_stage_event(stage, "date"));
        return 0;
    }
    return dk_stage_expand(stage, row->value, item, out, err);
}

static void stamp_video_add_location(const dk_stage *stage, const dk_meta *meta,
                                     AVDictionary **tags)
{
    const stamp_video_config *config = dk_stage_config(stage);
    double latitude, longitude, altitude;
    if (!config->location ||
        !dk_meta_get_double(meta, "gps.latitude", &latitude) ||
        !dk_meta_get_double(meta, "gps.longitude", &longitude))
        return;
    bool has_altitude = dk_meta_get_double(meta, "gps.altitude", &altitude);
    char *text =
        stamp_video_iso6709(latitude, longitude, altitude, has_altitude);
    av_dict_set(tags, "location", text, 0);
    g_free(text);
}

int stamp_video_build_tags(const dk_stage *stage, const dk_item *item,
                           AVDictionary **tags, dk_error *err)
{
    const stamp_video_config *config = dk_stage_config(stage);
    const stamp_video_tag_row rows[] = {
        {"title", "title", config->title},
        {"artist", "artist", config->artist},
        {"comment", "comment", config->comment},
        {"comment", "description", config->comment},
        {"date", "date", config->date},
        {"copyright", "copyright", config->copyright},
        {"event-id", "grouping", config->event_id},
        {"keywords", "keywords", config->keywords},
    };
    *tags = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        char *value = NULL;
        int ret = stamp_video_expand(stage, &rows[i], item, &value, err);
        if (ret < 0) {
            av_dict_free(tags);
            dk_error_prefix(err, "%s: ", rows[i].option);
            return ret;
        }
        if (value && *value)
            av_dict_set(tags, rows[i].tag, value, 0);
        g_free(value);
    }
    stamp_video_add_location(stage, dk_item_meta_const(item), tags);
    return 0;
}
