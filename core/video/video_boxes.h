/* dokpim video — a walk over the top-level boxes of an MP4/MOV file.
 *
 * libavformat only says "invalid data" for an MP4 whose recording stopped
 * before the index (moov) was written, and reads a cut fragmented recording
 * without a word. Looking at the box headers (8 or 16 bytes each, never the
 * contents) tells those cases apart from garbage, cheaply, for any size. */
#ifndef VIDEO_BOXES_H
#define VIDEO_BOXES_H

#include <stdbool.h>
#include <stdint.h>

#include <dokpim/error.h>

typedef struct video_boxes {
    bool iso_bmff;    /* the first box is one an MP4/MOV file starts with */
    bool has_moov;    /* a complete or cut moov box was seen */
    bool truncated;   /* a box runs past the end of the file */
    bool malformed;   /* a header made no sense; the walk stopped there */
    char cut_type[5]; /* the box the file ends inside, when truncated */
    int64_t file_size;
    int64_t boxes; /* top-level boxes seen */
} video_boxes;

/* Walks path's top-level boxes into *out. Returns 0, or DK_ERR_IO when the
 * file cannot be read; a file that is not MP4/MOV is not an error
 * (out->iso_bmff is false). */
int video_boxes_scan(const char *path, video_boxes *out, dk_error *err);

/* For a walk that shows a recording that was never finalised — no moov
 * box at all, or the moov itself cut off — records the one-line reason
 * ("truncated: no index (moov) — ...") and returns DK_ERR_INVALID;
 * otherwise returns 0 and leaves err alone. */
int video_boxes_cut_error(const video_boxes *boxes, dk_error *err);

#endif
