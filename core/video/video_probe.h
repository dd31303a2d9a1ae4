/* What the video plugins need to know about a file before they build a
 * GStreamer pipeline: size, rotation, frame rate, keyframe spacing and the
 * codecs, read with libavformat from the container headers and sample
 * index (no decoding of the picture data beyond what stream detection
 * needs). Shared by transcode.video and thumbnail.video. */
#ifndef VIDEO_PROBE_H
#define VIDEO_PROBE_H

#include <stdbool.h>

#include <dokpim/error.h>

typedef struct video_probe {
    bool is_mp4;     /* ISO-BMFF / QuickTime: what qtdemux remuxes */
    double duration; /* seconds of the video stream (container if unknown) */

    /* first video stream */
    int width, height;       /* stored (coded, cropped) size */
    int sar_num, sar_den;    /* sample aspect ratio, 1:1 when unset */
    int rotation;            /* 0, 90, 180, 270: clockwise turn to show */
    double fps;              /* average frame rate; 0 when unknown */
    double nominal_fps;      /* the demuxer's base rate (a VFR phone clip's
                                top rate); 0 when unknown */
    bool vfr;                /* frame durations vary noticeably */
    double max_keyframe_gap; /* seconds; < 0 when the index is unknown */
    bool h264_high_or_main;  /* H.264 High or Main profile */
    bool yuv420p;            /* 8-bit 4:2:0, limited range */
    bool interlaced;         /* fields (a camcorder's 1080i), not frames */

    /* first audio stream */
    bool has_audio;
    bool aac_lc;
    int sample_rate, channels;
} video_probe;

/* Fills out from path, giving up after timeout_s seconds; returns 0, or
 * the opener's one-line reason when libavformat cannot read the container,
 * or DK_ERR_UNSUPPORTED when it holds no video. */
int video_probe_file(const char *path, double timeout_s, video_probe *out,
                     dk_error *err);

/* The size the picture is shown at: sample aspect applied, rotation
 * applied. */
void video_probe_display_size(const video_probe *probe, int *width,
                              int *height);

/* Why the file is not already what YouTube recommends (H.264 High/Main
 * yuv420p, constant frame rate, a keyframe at least every 2 s, MP4, AAC-LC
 * 48 kHz stereo or, when audio_required is false, no audio), or NULL when
 * it is. Rotation and size are the caller's business. */
const char *video_probe_not_compliant(const video_probe *probe,
                                      bool audio_required);

#endif
