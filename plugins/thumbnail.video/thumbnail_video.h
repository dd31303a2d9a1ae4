/* thumbnail.video internals: grab candidate frames at 1280x720, score
 * their sharpness, encode the winner as a JPEG under YouTube's limit. */
#ifndef THUMBNAIL_VIDEO_H
#define THUMBNAIL_VIDEO_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/error.h>

#include "video_probe.h"

/* YouTube's custom thumbnail: 1280x720 (16:9), at most 2 MB. */
#define THUMBNAIL_WIDTH     1280
#define THUMBNAIL_HEIGHT    720
#define THUMBNAIL_MAX_BYTES 2000000

/* A packed RGB picture of THUMBNAIL_WIDTH x THUMBNAIL_HEIGHT. */
typedef struct thumbnail_video_frame {
    uint8_t *rgb; /* g_free() */
    int stride;
    double time;      /* seconds into the clip */
    double sharpness; /* higher is sharper */
} thumbnail_video_frame;

typedef struct thumbnail_video_request {
    const char *input;
    const video_probe *probe;
    bool crop;           /* fill 16:9 by cropping, else add black bars */
    const double *times; /* candidate times in seconds */
    int count;
    gint64 deadline; /* g_get_monotonic_time() limit */
} thumbnail_video_request;

/* Decodes the frame at each candidate time (rotation applied, fitted to
 * 1280x720) and keeps the sharpest in *best. */
int thumbnail_video_grab(const thumbnail_video_request *request,
                         thumbnail_video_frame *best, dk_error *err);

/* Variance of the 4-neighbour Laplacian of the luma: blur and motion smear
 * flatten it, focus and detail raise it. */
double thumbnail_video_sharpness(const uint8_t *rgb, int width, int height,
                                 int stride);

/* JPEG of the picture, at the best quality that stays under max_bytes.
 * *jpeg is the caller's to g_free(). */
int thumbnail_video_jpeg(const uint8_t *rgb, int width, int height, int stride,
                         size_t max_bytes, uint8_t **jpeg, size_t *size,
                         dk_error *err);

#endif
