/* The programme picture for a control page, a few times a second:
 *
 *   programme tee ─ queue(leaky, 1 frame) ─ videorate(drop only)
 *                 ─ videoscale ─ 640 wide, PREVIEW_FPS ─ jpegenc ─ appsink
 *
 * It must never hold the encoder back: the queue keeps one frame and drops
 * the older one, the appsink keeps one JPEG and drops the older one, and
 * neither prerolls nor syncs. Frames are thinned before they are scaled,
 * so the branch costs a scale and a JPEG per preview frame only. */
#include "live_youtube.h"

#include <gst/app/gstappsink.h>

#define PREVIEW_WIDTH   640
#define PREVIEW_FPS     3
#define PREVIEW_QUALITY 70

static GstFlowReturn on_sample(GstAppSink *sink, gpointer data)
{
    dk_live *live = data;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    if (!sample)
        return GST_FLOW_OK; /* flushing or at the end: nothing to hand on */
    GstBuffer *buffer = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        dk_live_preview(live, map.data, map.size);
        gst_buffer_unmap(buffer, &map);
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

int live_youtube_preview_build(GstElement *pipeline,
                               const live_youtube_config *c, GstElement *tee,
                               dk_live *live, dk_error *err)
{
    GstElement *queue = live_youtube_make("queue", "preview-queue", err);
    GstElement *rate = live_youtube_make("videorate", "preview-rate", err);
    GstElement *scale = live_youtube_make("videoscale", "preview-scale", err);
    GstElement *caps = live_youtube_make("capsfilter", "preview-caps", err);
    GstElement *jpeg = live_youtube_make("jpegenc", "preview-jpeg", err);
    GstElement *sink = live_youtube_make("appsink", "preview-sink", err);
    if (!queue || !rate || !scale || !caps || !jpeg || !sink) {
        GstElement *made[] = {queue, rate, scale, caps, jpeg, sink};
        for (size_t i = 0; i < G_N_ELEMENTS(made); i++)
            if (made[i])
                gst_object_unref(made[i]);
        return err->code;
    }
    g_object_set(queue, "max-size-buffers", 1u, "max-size-bytes", 0u,
                 "max-size-time", (guint64)0, NULL);
    gst_util_set_object_arg(G_OBJECT(queue), "leaky", "downstream");
    g_object_set(rate, "drop-only", TRUE, NULL);
    int height = (PREVIEW_WIDTH * c->height / c->width) & ~1;
    GstCaps *want = gst_caps_new_simple(
        "video/x-raw", "width", G_TYPE_INT, PREVIEW_WIDTH, "height", G_TYPE_INT,
        height, "framerate", GST_TYPE_FRACTION, PREVIEW_FPS, 1, NULL);
    g_object_set(caps, "caps", want, NULL);
    gst_caps_unref(want);
    g_object_set(jpeg, "quality", PREVIEW_QUALITY, NULL);
    g_object_set(sink, "drop", TRUE, "max-buffers", 1u, "sync", FALSE, "async",
                 FALSE, "qos", FALSE, NULL);
    GstAppSinkCallbacks callbacks = {.new_sample = on_sample};
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, live, NULL);
    gst_bin_add_many(GST_BIN(pipeline), queue, rate, scale, caps, jpeg, sink,
                     NULL);
    if (!gst_element_link_many(tee, queue, rate, scale, caps, jpeg, sink, NULL))
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "cannot build the preview branch");
    return 0;
}
