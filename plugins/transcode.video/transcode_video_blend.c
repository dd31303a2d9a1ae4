/* The overlay blend of transcode.video.
 *
 * Why a buffer probe on the raw I420 pad, and not gdkpixbufoverlay,
 * textoverlay or an appsink/appsrc pair:
 *  - the overlay (logo + text, and the lower third) is rendered once per
 *    output frame size by the shared renderer, before the pipeline starts,
 *    so a frame costs only the blend of the rectangle the overlay covers;
 *  - the probe sits after the scaler, on the I420 frames x264enc takes, so
 *    no frame is converted to RGB and back, and nothing is copied through
 *    an application queue;
 *  - it runs in the streaming thread that already holds the frame, and
 *    needs no element of its own.
 * The frame is made writable first: a decoder may still reference the
 * buffer for prediction, and GStreamer then hands us a copy. */
#include "transcode_video.h"

void transcode_video_blend_init(transcode_video_blend *blend,
                                const transcode_video_job *job)
{
    blend->watermark = job->watermark;
    blend->lower_third = job->lower_third;
    blend->lower_third_duration =
        (GstClockTime)(job->lower_third_seconds * GST_SECOND);
    blend->first_pts = GST_CLOCK_TIME_NONE;
    gst_video_info_set_format(&blend->info, GST_VIDEO_FORMAT_I420,
                              (guint)job->width, (guint)job->height);
}

static bool covers(const dk_overlay *overlay)
{
    return overlay && overlay->width > 0 && overlay->height > 0;
}

GstPadProbeReturn
transcode_video_blend_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    (void)pad;
    transcode_video_blend *blend = user;
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (!buffer)
        return GST_PAD_PROBE_OK;

    /* The lower third shows for the first seconds of the clip, counted
     * from its first frame whatever the container's start time. */
    GstClockTime pts = GST_BUFFER_PTS(buffer);
    if (GST_CLOCK_TIME_IS_VALID(pts) &&
        !GST_CLOCK_TIME_IS_VALID(blend->first_pts))
        blend->first_pts = pts;
    bool lower_third = covers(blend->lower_third) &&
                       GST_CLOCK_TIME_IS_VALID(pts) &&
                       pts - blend->first_pts < blend->lower_third_duration;
    bool watermark = covers(blend->watermark);
    if (!lower_third && !watermark)
        return GST_PAD_PROBE_OK;

    buffer = gst_buffer_make_writable(buffer);
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, &blend->info, buffer, GST_MAP_READWRITE))
        return GST_PAD_PROBE_OK; /* a frame we cannot map goes out as is */
    uint8_t *planes[3];
    int strides[3];
    for (int i = 0; i < 3; i++) {
        planes[i] = GST_VIDEO_FRAME_PLANE_DATA(&frame, i);
        strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, i);
    }
    int width = GST_VIDEO_FRAME_WIDTH(&frame);
    int height = GST_VIDEO_FRAME_HEIGHT(&frame);
    if (watermark)
        dk_overlay_blend_i420(blend->watermark, planes, strides, width, height);
    if (lower_third)
        dk_overlay_blend_i420(blend->lower_third, planes, strides, width,
                              height);
    gst_video_frame_unmap(&frame);
    return GST_PAD_PROBE_OK;
}
