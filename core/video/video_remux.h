/* dokpim video — copying a clip's packets into a new MP4/MOV without
 * decoding them, so only the container (tags, index) changes: stamp.video
 * writes the event's tags this way, transcode.video remuxes a clip that is
 * already YouTube-ready. */
#ifndef VIDEO_REMUX_H
#define VIDEO_REMUX_H

#include <glib.h>
#include <libavformat/avformat.h>
#include <stdbool.h>
#include <stdint.h>

#include <dokpim/error.h>
#include <dokpim/item.h>

typedef struct video_remux_job {
    const char *input;        /* read only, never written */
    const char *output;       /* the temp file the muxer writes */
    const char *output_name;  /* its final name, for errors; NULL: output */
    const char *format;       /* "mp4" or "mov" */
    const AVDictionary *tags; /* set on the container, over the source's */
    /* creation_time to write only when the source has none; or NULL */
    const char *fallback_creation_time;
    double open_timeout; /* seconds for opening and probing the input */
    const dk_item *item; /* whose progress is reported; NULL: none */
    /* Only this stretch, in seconds of the input (to <= 0: to the end).
     * Packets are still copied unchanged, so the copy starts at the key
     * frame at or before `from`, and the output's time 0 is that frame. */
    double from, to;
} video_remux_job;

typedef struct video_remux_report {
    GString *dropped; /* "stream 2 (data, bin_data); ..." or empty */
    bool truncated;   /* the input was a cut recording; copied to the cut */
    int64_t packets;  /* packets written */
    double started;   /* input time of the first packet written, seconds */
} video_remux_report;

/* Copies every packet of job->input into job->output unchanged, with the
 * new tags and the moov box at the front. Streams the muxer cannot carry
 * (data, some subtitles) are dropped and named in report->dropped; a video
 * or audio stream it cannot carry is an error. report->dropped must be a
 * GString the caller owns. */
int video_remux(const video_remux_job *job, video_remux_report *report,
                dk_error *err);

/* "mov" for a .mov output name, "mp4" for .mp4/.m4v; otherwise "mov" when
 * the source is a .mov and "mp4" for everything else. */
const char *video_remux_muxer_for(const char *output, const char *input);

/* *chosen = the muxer input needs instead of wanted: "mov" when wanted is
 * "mp4" and one of its video or audio streams only QuickTime carries (a
 * camera's pcm_s16le / pcm_s24le / twos sound), else wanted. Opens input
 * (bounded by open_timeout seconds) to look. */
int video_remux_fit_muxer(const char *input, const char *wanted,
                          double open_timeout, const char **chosen,
                          dk_error *err);

#endif
