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
#include <dokpim/overlay.h>

#include "thumbnail_video.h"
#include "video_gst.h"

/* Opening and a handful of seeks; each decodes at most one GOP. */
#define THUMBNAIL_BASE_TIMEOUT 60.0
#define THUMBNAIL_SEEK_TIMEOUT 10.0

/* The choices of `fit`, in order. */
enum thumbnail_video_fit { THUMBNAIL_FIT_CROP, THUMBNAIL_FIT_PAD };

typedef struct thumbnail_video_config {
    const dk_template *output;
    double at; /* seconds; < 0: the sharpest candidate */
    int candidates;
    int fit;     /* enum thumbnail_video_fit */
    int timeout; /* seconds; 0: from the candidates */
    dk_overlay_options overlay;
} thumbnail_video_config;

#define FIELD(member) DK_FIELD(thumbnail_video_config, member)
static const dk_option thumbnail_video_options[] = {
    {"output", DK_OPT_PATH_TEMPLATE,
     "youtube/{date:%Y%m%d}_{event.slug}_{seq:04}_thumb.jpg",
     "where the JPEG goes, under the library's derived/ folder", FIELD(output)},
    {"at", DK_OPT_DOUBLE, "-1",
     "seconds into the clip to take the picture from; -1 = the sharpest of "
     "`candidates` frames spread over the clip",
     -1, 1e7, FIELD(at)},
    {"candidates", DK_OPT_INT, "5",
     "frames compared when `at` is -1 (sharpness: variance of the "
     "Laplacian of the luma)",
     1, 50, FIELD(candidates)},
    {"fit", DK_OPT_ENUM, "pad",
     "16:9 from another shape: crop the middle, or pad with black bars", 0, 0,
     "crop|pad", 0, FIELD(fit)},
    {"timeout", DK_OPT_INT, "0",
     "seconds one clip may take; 0 = 60 s + 10 s per candidate", 0, 86400,
     FIELD(timeout)},
    DK_OVERLAY_OPTIONS(thumbnail_video_config, overlay,
                       "{event.agency} \xc2\xb7 {event.title}", "bottom-right",
                       "0.25", "0.02", "0.85"),
    {NULL},
};
#undef FIELD

/* Either the one time asked for (kept inside the clip), or candidates
 * evenly inside it, away from fades at both ends. Returns the count. */
static int pick_times(const thumbnail_video_config *config,
                      const video_probe *probe, double *times, int max)
{
    double at = config->at;
    double duration = probe->duration;
    if (at >= 0) {
        double frame = probe->fps > 0 ? 1.0 / probe->fps : 0.04;
        if (duration > 0 && at > duration - 1.5 * frame)
            at = duration > 1.5 * frame ? duration - 1.5 * frame : 0;
        times[0] = at;
        return 1;
    }
    int count = config->candidates;
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
    const thumbnail_video_config *config = dk_stage_config(stage);
    dk_overlay_spec spec;
    int rc =
        dk_overlay_spec_from_options(stage, &config->overlay, item, &spec, err);
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
    const thumbnail_video_config *config = dk_stage_config(stage);
    uint8_t *jpeg = NULL;
    size_t size = 0;
    char *path = NULL;
    int rc = thumbnail_video_jpeg(frame->rgb, THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT,
                                  frame->stride, THUMBNAIL_MAX_BYTES, &jpeg,
                                  &size, err);
    if (!rc)
        rc = dk_stage_output_path(stage, config->output, item, &path, err);
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
    const thumbnail_video_config *config = dk_stage_config(stage);
    video_probe probe;
    double times[50];
    int timeout = config->timeout;
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
        .crop = config->fit == THUMBNAIL_FIT_CROP,
        .times = times,
        .count = pick_times(config, &probe, times, G_N_ELEMENTS(times)),
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
    .role = DK_ROLE_TRANSCODE,
    .item_kinds = DK_KIND_VIDEO,
    .options = thumbnail_video_options,
    .config_size = sizeof(thumbnail_video_config),
    .process = thumbnail_video_process,
};
