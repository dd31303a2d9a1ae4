/* Grabbing candidate frames for thumbnail.video:
 *
 *   filesrc ! decodebin ─video─ [videoflip] ! [videocrop]
 *       ! videoconvertscale ! video/x-raw,format=RGB,1280x720,par=1/1
 *       ! appsink
 *
 * The pipeline stays PAUSED: each candidate is an accurate flushing seek,
 * and the frame that prerolls the appsink is the one at that time. Only
 * the frames asked for are decoded (from their keyframe), so a three-hour
 * file costs a handful of seeks, not a pass over the whole file. */
#include "thumbnail_video.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <string.h>

#include "video_gst.h"

typedef struct grab_context {
    const thumbnail_video_request *request;
    GstElement *pipeline;
    GstElement *head; /* where decodebin's video pad goes */
    GstElement *sink; /* the appsink */
    GMutex lock;
    bool video_linked;
} grab_context;

/* Pixels to cut from the (already turned) picture so what is left shows
 * as 16:9; sample aspect ratio included. */
static void crop_margins(const video_probe *probe, int *left, int *right,
                         int *top, int *bottom)
{
    bool quarter = probe->rotation == 90 || probe->rotation == 270;
    int width = quarter ? probe->height : probe->width;
    int height = quarter ? probe->width : probe->height;
    double par = quarter ? (double)probe->sar_den / probe->sar_num
                         : (double)probe->sar_num / probe->sar_den;
    double target = (double)THUMBNAIL_WIDTH / THUMBNAIL_HEIGHT;
    *left = *right = *top = *bottom = 0;
    if (width * par / height > target) {
        int keep = (int)(height * target / par + 0.5);
        int cut = width > keep ? width - keep : 0;
        *left = cut / 2;
        *right = cut - *left;
    } else {
        int keep = (int)(width * par / target + 0.5);
        int cut = height > keep ? height - keep : 0;
        *top = cut / 2;
        *bottom = cut - *top;
    }
}

static int build_video(grab_context *ctx, dk_error *err)
{
    const thumbnail_video_request *request = ctx->request;
    GstElement *p = ctx->pipeline;
    GstElement *chain[6];
    int n = 0;
    const char *method = video_gst_flip_method(request->probe->rotation);
    if (method) {
        chain[n] =
            video_gst_add_new(p, "videoflip", "gstreamer1.0-plugins-good", err);
        if (!chain[n])
            return DK_ERR_UNSUPPORTED;
        gst_util_set_object_arg(G_OBJECT(chain[n++]), "method", method);
    }
    if (request->crop) {
        int left, right, top, bottom;
        crop_margins(request->probe, &left, &right, &top, &bottom);
        chain[n] =
            video_gst_add_new(p, "videocrop", "gstreamer1.0-plugins-good", err);
        if (!chain[n])
            return DK_ERR_UNSUPPORTED;
        g_object_set(chain[n++], "left", left, "right", right, "top", top,
                     "bottom", bottom, NULL);
    }
    GstElement *scale = video_gst_add_new(p, "videoconvertscale",
                                          "gstreamer1.0-plugins-base", err);
    if (!scale)
        return DK_ERR_UNSUPPORTED;
    /* pad: black bars keep the picture's shape; crop: it is 16:9 already */
    g_object_set(scale, "add-borders", !request->crop, NULL);
    gst_util_set_object_arg(G_OBJECT(scale), "method", "4-tap");
    chain[n++] = scale;
    chain[n++] = video_gst_add_capsfilter(
        p,
        gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGB",
                            "width", G_TYPE_INT, THUMBNAIL_WIDTH, "height",
                            G_TYPE_INT, THUMBNAIL_HEIGHT, "pixel-aspect-ratio",
                            GST_TYPE_FRACTION, 1, 1, NULL));
    ctx->sink =
        video_gst_add_new(p, "appsink", "gstreamer1.0-plugins-base", err);
    if (!chain[n - 1] || !ctx->sink)
        return DK_ERR_UNSUPPORTED;
    g_object_set(ctx->sink, "sync", FALSE, "max-buffers", 1u, NULL);
    chain[n++] = ctx->sink;
    for (int i = 0; i + 1 < n; i++) {
        int rc = video_gst_link(err, chain[i], chain[i + 1], NULL);
        if (rc)
            return rc;
    }
    ctx->head = chain[0];
    return 0;
}

static void on_pad_added(GstElement *decodebin, GstPad *pad, gpointer user)
{
    (void)decodebin;
    grab_context *ctx = user;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    bool video = g_str_has_prefix(
        gst_structure_get_name(gst_caps_get_structure(caps, 0)), "video/x-raw");
    gst_caps_unref(caps);
    g_mutex_lock(&ctx->lock);
    if (video && !ctx->video_linked) {
        ctx->video_linked = true;
        GstPad *sink = gst_element_get_static_pad(ctx->head, "sink");
        if (gst_pad_link(pad, sink) != GST_PAD_LINK_OK)
            video_gst_post_error(ctx->pipeline, DK_ERR_INTERNAL,
                                 "cannot link the decoded video");
        gst_object_unref(sink);
    } else {
        video_gst_discard_pad(ctx->pipeline, pad);
    }
    g_mutex_unlock(&ctx->lock);
}

static void on_no_more_pads(GstElement *decodebin, gpointer user)
{
    (void)decodebin;
    grab_context *ctx = user;
    g_mutex_lock(&ctx->lock);
    if (!ctx->video_linked)
        video_gst_post_error(ctx->pipeline, DK_ERR_UNSUPPORTED,
                             "no video stream could be decoded");
    g_mutex_unlock(&ctx->lock);
}

static int build(grab_context *ctx, dk_error *err)
{
    GstElement *p = ctx->pipeline;
    GstElement *source =
        video_gst_add_new(p, "filesrc", "libgstreamer1.0-0", err);
    GstElement *decode =
        video_gst_add_new(p, "decodebin", "gstreamer1.0-plugins-base", err);
    if (!source || !decode)
        return DK_ERR_UNSUPPORTED;
    g_object_set(source, "location", ctx->request->input, NULL);
    int rc = video_gst_link(err, source, decode, NULL);
    if (!rc)
        rc = build_video(ctx, err);
    if (rc)
        return rc;
    g_signal_connect(decode, "pad-added", G_CALLBACK(on_pad_added), ctx);
    g_signal_connect(decode, "no-more-pads", G_CALLBACK(on_no_more_pads), ctx);
    return 0;
}

/* Scores the prerolled frame and keeps it when it is the sharpest yet. */
static void consider(grab_context *ctx, double time,
                     thumbnail_video_frame *best)
{
    GstSample *sample =
        gst_app_sink_try_pull_preroll(GST_APP_SINK(ctx->sink), 0);
    if (!sample)
        return; /* past the end: nothing prerolled */
    GstVideoInfo info;
    GstVideoFrame frame;
    if (gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) &&
        gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample),
                            GST_MAP_READ)) {
        const uint8_t *pixels = GST_VIDEO_FRAME_PLANE_DATA(&frame, 0);
        int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
        double score = thumbnail_video_sharpness(pixels, THUMBNAIL_WIDTH,
                                                 THUMBNAIL_HEIGHT, stride);
        if (!best->rgb || score > best->sharpness) {
            best->stride = 3 * THUMBNAIL_WIDTH;
            if (!best->rgb)
                best->rgb = g_malloc((gsize)best->stride * THUMBNAIL_HEIGHT);
            for (int y = 0; y < THUMBNAIL_HEIGHT; y++)
                memcpy(best->rgb + (gsize)y * best->stride,
                       pixels + (gsize)y * stride, (gsize)best->stride);
            best->sharpness = score;
            best->time = time;
        }
        gst_video_frame_unmap(&frame);
    }
    gst_sample_unref(sample);
}

static int grab_all(grab_context *ctx, thumbnail_video_frame *best,
                    dk_error *err)
{
    const thumbnail_video_request *request = ctx->request;
    GstElement *p = ctx->pipeline;
    int rc = 0;
    if (gst_element_set_state(p, GST_STATE_PAUSED) ==
        GST_STATE_CHANGE_FAILURE) {
        rc = video_gst_wait(p, 0, video_gst_deadline(1.0), NULL, err);
        return rc == 0 || rc == DK_ERR_TIMEOUT
                   ? dk_error_set(err, DK_ERR_INVALID,
                                  "the video would not start decoding")
                   : rc;
    }
    rc =
        video_gst_wait(p, GST_MESSAGE_ASYNC_DONE, request->deadline, NULL, err);
    for (int i = 0; !rc && i < request->count; i++) {
        double t = request->times[i] > 0 ? request->times[i] : 0;
        if (!gst_element_seek_simple(p, GST_FORMAT_TIME,
                                     GST_SEEK_FLAG_FLUSH |
                                         GST_SEEK_FLAG_ACCURATE,
                                     (gint64)(t * GST_SECOND))) {
            /* not seekable: the first frame is all we can offer */
            consider(ctx, 0, best);
            break;
        }
        rc = video_gst_wait(p, GST_MESSAGE_ASYNC_DONE, request->deadline, NULL,
                            err);
        if (!rc)
            consider(ctx, t, best);
    }
    if (!rc && !best->rgb)
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "no frame could be decoded at the chosen times");
    return rc;
}

int thumbnail_video_grab(const thumbnail_video_request *request,
                         thumbnail_video_frame *best, dk_error *err)
{
    memset(best, 0, sizeof *best);
    grab_context ctx = {.request = request};
    g_mutex_init(&ctx.lock);
    ctx.pipeline = gst_pipeline_new("thumbnail");
    int rc = build(&ctx, err);
    if (!rc)
        rc = grab_all(&ctx, best, err);
    gst_element_set_state(ctx.pipeline, GST_STATE_NULL);
    gst_object_unref(ctx.pipeline);
    g_mutex_clear(&ctx.lock);
    if (rc)
        g_clear_pointer(&best->rgb, g_free);
    return rc;
}
