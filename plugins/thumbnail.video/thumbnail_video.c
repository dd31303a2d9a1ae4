/* thumbnail.video — a YouTube custom thumbnail for each clip: 1280x720,
 * JPEG under 2 MB, from a chosen time or the sharpest of a few frames
 * spread over the clip, cropped or letterboxed to 16:9, with the same
 * overlay options as transcode.video. Put it before transcode.video in a
 * pipeline, so it reads the clip rather than the watermarked encode.
 *
 *   [thumbnail]
 *   plugin=thumbnail.video
 *   candidates=5
 *   fit=crop
 */
#include <gst/gst.h>

#include <dokpim/dokpim.h>

#include "thumbnail_video.h"
#include "video_gst.h"
#include "video_overlay.h"

/* Opening and a handful of seeks; each decodes at most one GOP. */
#define THUMBNAIL_BASE_TIMEOUT 60.0
#define THUMBNAIL_SEEK_TIMEOUT 10.0

static const dk_option thumbnail_video_options[] = {
    {"output", DK_OPT_PATH_TEMPLATE,
     "youtube/{date:%Y%m%d}_{event.slug}_{seq:04}_thumb.jpg",
     "where the JPEG goes, under the library's derived/ folder"},
    {"at", DK_OPT_DOUBLE, "-1",
     "seconds into the clip to take the picture from; -1 = the sharpest of "
     "`candidates` frames spread over the clip",
     -1, 1e7},
    {"candidates", DK_OPT_INT, "5",
     "frames compared when `at` is -1 (sharpness: variance of the "
     "Laplacian of the luma)",
     1, 50},
    {"fit", DK_OPT_ENUM, "pad",
     "16:9 from another shape: crop the middle, or pad with black bars", 0, 0,
     "crop|pad"},
    {"timeout", DK_OPT_INT, "0",
     "seconds one clip may take; 0 = 60 s + 10 s per candidate", 0, 86400},
    VIDEO_OVERLAY_OPTIONS,
    {NULL},
};

/* Either the one time asked for (kept inside the clip), or candidates
 * evenly inside it, away from fades at both ends. Returns the count. */
static int pick_times(const dk_stage *stage, const video_probe *probe,
                      double *times, int max)
{
    double at = dk_stage_double(stage, "at");
    double duration = probe->duration;
    if (at >= 0) {
        double frame = probe->fps > 0 ? 1.0 / probe->fps : 0.04;
        if (duration > 0 && at > duration - 1.5 * frame)
            at = duration > 1.5 * frame ? duration - 1.5 * frame : 0;
        times[0] = at;
        return 1;
    }
    int count = (int)dk_stage_int(stage, "candidates");
    if (count > max)
        count = max;
    if (duration <= 0) {
        times[0] = 0;
        return 1;
    }
    for (int i = 0; i < count; i++)
        times[i] = duration * (i + 1) / (count + 1);
    return count;
}

static int blend_overlay(const dk_stage *stage, const dk_item *item,
                         thumbnail_video_frame *frame, dk_error *err)
{
    dk_overlay_spec spec;
    int rc = video_overlay_spec(stage, item, &spec, err);
    if (rc > 0) {
        dk_overlay *overlay = NULL;
        rc = dk_overlay_render(&spec, THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT, 1,
                               &overlay, err);
        if (!rc)
            dk_overlay_blend_rgb24(overlay, frame->rgb, THUMBNAIL_WIDTH,
                                   THUMBNAIL_HEIGHT, frame->stride);
        dk_overlay_free(&overlay);
    }
    dk_overlay_spec_clear(&spec);
    return rc;
}

static int write_jpeg(const dk_stage *stage, dk_item *item,
                      const thumbnail_video_frame *frame, dk_error *err)
{
    uint8_t *jpeg = NULL;
    size_t size = 0;
    char *path = NULL;
    int rc = thumbnail_video_jpeg(frame->rgb, THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT,
                                  frame->stride, THUMBNAIL_MAX_BYTES, &jpeg,
                                  &size, err);
    if (!rc)
        rc = dk_stage_output_path(stage, "output", item, &path, err);
    if (!rc)
        rc = dk_atomic_write_file(path, jpeg, size, err);
    if (!rc)
        rc = dk_item_add_derivative(item, "thumbnail", path, false, err);
    g_free(path);
    g_free(jpeg);
    return rc;
}

static int thumbnail_video_process(const dk_stage *stage, void *state,
                                   dk_item *item, dk_error *err)
{
    (void)state;
    video_probe probe;
    double times[50];
    int64_t timeout = dk_stage_int(stage, "timeout");
    int rc = video_probe_file(
        dk_item_current_path(item),
        timeout > 0 ? (double)timeout : THUMBNAIL_BASE_TIMEOUT, &probe, err);
    if (!rc)
        rc = video_gst_init(err);
    if (rc)
        return rc;
    thumbnail_video_request request = {
        .input = dk_item_current_path(item),
        .probe = &probe,
        .crop = g_str_equal(dk_stage_string(stage, "fit"), "crop"),
        .times = times,
        .count = pick_times(stage, &probe, times, G_N_ELEMENTS(times)),
    };
    request.deadline = video_gst_deadline(
        timeout > 0
            ? (double)timeout
            : THUMBNAIL_BASE_TIMEOUT + THUMBNAIL_SEEK_TIMEOUT * request.count);
    thumbnail_video_frame frame;
    rc = thumbnail_video_grab(&request, &frame, err);
    if (!rc)
        rc = blend_overlay(stage, item, &frame, err);
    if (!rc)
        rc = write_jpeg(stage, item, &frame, err);
    g_free(frame.rgb);
    return rc;
}

DK_PLUGIN_DEFINE(thumbnail_video) = {
    .name = "thumbnail.video",
    .summary = "YouTube thumbnail: 1280x720 JPEG under 2 MB from the "
               "sharpest frame (or a chosen time), with the overlay",
    .stage = DK_STAGE_TRANSCODE,
    .kinds = DK_KIND_VIDEO,
    .options = thumbnail_video_options,
    .process = thumbnail_video_process,
};
