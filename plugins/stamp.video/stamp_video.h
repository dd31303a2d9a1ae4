/* stamp.video — what the plugin's files share. */
#ifndef STAMP_VIDEO_H
#define STAMP_VIDEO_H

#include <glib.h>
#include <libavformat/avformat.h>
#include <stdbool.h>

#include <dokpim/item.h>
#include <dokpim/plugin.h>

/* The stage's options (stamp_video.c has the rows). */
typedef struct stamp_video_config {
    const dk_template *output;
    /* the tags */
    const dk_template *title, *artist, *comment, *date, *copyright, *event_id,
        *keywords;
    bool date_set; /* the config gave `date` (no event-date fallback) */
    bool location;
    bool fill_creation_time;
    int timeout; /* seconds for opening and probing the input */
} stamp_video_config;

/* ---- stamp_video_tags.c ---- */
/* The container tags for one item: the expanded templates (title, artist,
 * comment + description, date, copyright, grouping = event id, keywords),
 * location from gps.* in ISO 6709, creation_time when the source lacks one.
 * Empty expansions are left out. *tags is the caller's to av_dict_free(). */
int stamp_video_build_tags(const dk_stage *stage, const dk_item *item,
                           AVDictionary **tags, dk_error *err);
/* "-08.5800+115.1800/" (altitude appended when has_altitude). Caller
 * g_free()s. */
char *stamp_video_iso6709(double latitude, double longitude, double altitude,
                          bool has_altitude);

#endif
