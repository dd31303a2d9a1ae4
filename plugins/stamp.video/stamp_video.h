/* stamp.video — what the plugin's files share. */
#ifndef STAMP_VIDEO_H
#define STAMP_VIDEO_H

#include <glib.h>
#include <libavformat/avformat.h>
#include <stdbool.h>

#include <dokpim/item.h>
#include <dokpim/plugin.h>

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

/* ---- stamp_video_remux.c ---- */
typedef struct stamp_video_job {
    const char *input;        /* read only, never written */
    const char *output;       /* the temp file the muxer writes */
    const char *output_name;  /* its final name, for errors; NULL: output */
    const char *format;       /* "mp4" or "mov" */
    const AVDictionary *tags; /* set on the container, over the source's */
    /* creation_time to write only when the source has none; or NULL */
    const char *fallback_creation_time;
    double open_timeout; /* seconds for opening and probing the input */
    const dk_item *item; /* whose progress is reported; NULL: none */
} stamp_video_job;

typedef struct stamp_video_report {
    GString *dropped; /* "stream 2 (data, bin_data); ..." or empty */
    bool truncated;   /* the input was a cut recording; copied to the cut */
    int64_t packets;  /* packets written */
} stamp_video_report;

/* Copies every packet of job->input into job->output unchanged, with the
 * new tags and the moov box at the front. Streams the muxer cannot carry
 * (data, some subtitles) are dropped and named in report->dropped; a video
 * or audio stream it cannot carry is an error. report->dropped must be a
 * GString the caller owns. */
int stamp_video_remux(const stamp_video_job *job, stamp_video_report *report,
                      dk_error *err);

/* "mov" for a .mov output name, "mp4" for .mp4/.m4v; otherwise "mov" when
 * the source is a .mov and "mp4" for everything else. */
const char *stamp_video_muxer_for(const char *output, const char *input);

/* *chosen = the muxer input needs instead of wanted: "mov" when wanted is
 * "mp4" and one of its video or audio streams only QuickTime carries (a
 * camera's pcm_s16le / pcm_s24le / twos sound), else wanted. Opens input
 * (bounded by open_timeout seconds) to look. */
int stamp_video_fit_muxer(const char *input, const char *wanted,
                          double open_timeout, const char **chosen,
                          dk_error *err);

#endif
