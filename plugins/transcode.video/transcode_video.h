/* transcode.video internals: one job describes what to make of one item;
 * transcode_video.c decides it, the encode and remux files carry it out. */
#ifndef TRANSCODE_VIDEO_H
#define TRANSCODE_VIDEO_H

#include <gst/gst.h>
#include <gst/video/video.h>
#include <stdbool.h>

#include <dokpim/error.h>
#include <dokpim/item.h>
#include <dokpim/overlay.h>

#include "video_probe.h"

typedef struct transcode_video_job {
    const char *input;        /* file to read */
    const char *output;       /* temp file the muxer writes */
    const char *output_name;  /* its final name, for errors */
    const char *scratch;      /* mp4mux's fast-start scratch file */
    const video_probe *probe; /* what the input holds */
    const dk_item *item;      /* whose progress is reported */
    gint64 deadline;          /* g_get_monotonic_time() limit */
    double open_timeout;      /* seconds the remux may take to open */

    /* encode only */
    int width, height;           /* output picture, even, square pixels */
    int rate_num, rate_den;      /* forced output rate; 0 keeps the input's */
    int keyframe_interval;       /* frames: 2 s worth */
    const char *preset;          /* x264 speed preset name */
    int crf;                     /* x264 constant-quality factor */
    int max_bitrate;             /* kbit/s; 0 = no VBV cap */
    int audio_bitrate;           /* kbit/s */
    bool add_silence;            /* give a silent track to a clip without one */
    const dk_overlay *watermark; /* whole clip, or NULL */
    const dk_overlay *lower_third; /* first lower_third_seconds, or NULL */
    double lower_third_seconds;
} transcode_video_job;

/* Decode, rotate, scale, blend, encode H.264 + AAC into fast-start MP4. */
int transcode_video_encode(const transcode_video_job *job, dk_error *err);

/* Copy every packet untouched into a fast-start MP4 (core/video's remux,
 * without tags). */
int transcode_video_remux(const transcode_video_job *job, dk_error *err);

/* The overlay blend, as a buffer probe on the raw I420 video pad. */
typedef struct transcode_video_blend {
    const dk_overlay *watermark;
    const dk_overlay *lower_third;
    GstClockTime lower_third_duration;
    GstClockTime first_pts; /* GST_CLOCK_TIME_NONE until the first frame */
    GstVideoInfo info;      /* the fixed I420 caps of the pad */
} transcode_video_blend;

void transcode_video_blend_init(transcode_video_blend *blend,
                                const transcode_video_job *job);
GstPadProbeReturn
transcode_video_blend_probe(GstPad *pad, GstPadProbeInfo *info, gpointer blend);

#endif
