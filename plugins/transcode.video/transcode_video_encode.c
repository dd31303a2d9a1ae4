/* The encoding pipeline of transcode.video:
 *
 *   filesrc ! decodebin ─video─ queue ! [deinterlace] ! [videoflip]
 *       ! videoconvertscale ! video/x-raw,format=I420,WxH
 *       (blend probe here) ! [videorate]
 *       ! queue ! x264enc ! video/x-h264,profile=high ! mp4mux ! filesink
 *                       ─audio─ audioconvert ! audioresample
 *       ! audio/x-raw,rate=48000,channels=2 ! avenc_aac ! queue ! mp4mux
 *   (audiotestsrc wave=silence feeds the audio chain when there is none)
 *
 * Every queue is bounded, so a three-hour file streams through in the
 * memory of a few frames plus the encoder's lookahead. */
#include "transcode_video.h"

#include <gst/tag/tag.h>
#include <math.h>

#include "video_gst.h"

/* Raw frames waiting between threads; each is one 1080p frame = 3 MB. */
#define ENCODE_VIDEO_QUEUE_FRAMES 3
/* Audio may wait for x264's lookahead before mp4mux interleaves it. */
#define ENCODE_AUDIO_QUEUE_SECONDS 5
/* AAC frames are 1024 samples; silence comes in the same steps. */
#define ENCODE_SILENCE_SAMPLES 1024
#define ENCODE_AUDIO_RATE      48000

typedef struct encode_context {
    const transcode_video_job *job;
    GstElement *pipeline;
    GstElement *mux;
    GstElement *video_head; /* where decodebin's video pad goes */
    GMutex lock;            /* pad-added may come from several threads */
    bool video_linked, audio_linked;
    transcode_video_blend blend;
    video_gst_progress progress; /* frames entering x264 */
} encode_context;

/* mp4mux turns an image-orientation tag into a rotation matrix; once
 * videoflip has turned the pixels, the tag must not reach it, or players
 * would turn the picture a second time. */
static GstPadProbeReturn
drop_orientation_tag(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    (void)pad, (void)user;
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) != GST_EVENT_TAG)
        return GST_PAD_PROBE_OK;
    GstTagList *tags = NULL;
    gst_event_parse_tag(event, &tags);
    if (gst_tag_list_get_tag_size(tags, GST_TAG_IMAGE_ORIENTATION) == 0)
        return GST_PAD_PROBE_OK;
    GstTagList *kept = gst_tag_list_copy(tags);
    gst_tag_list_remove_tag(kept, GST_TAG_IMAGE_ORIENTATION);
    gst_event_unref(event);
    GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_tag(kept);
    return GST_PAD_PROBE_OK;
}

static void configure_x264(GstElement *x264, const transcode_video_job *job)
{
    gst_util_set_object_arg(G_OBJECT(x264), "speed-preset", job->preset);
    /* pass=qual is x264's CRF. It also makes `bitrate` a VBV cap (2 Mbit/s
     * by default!) that silently flattens quality; a zero VBV buffer turns
     * the cap off, as with ffmpeg's -crf, unless the user asked for one. */
    gst_util_set_object_arg(G_OBJECT(x264), "pass", "qual");
    g_object_set(x264, "quantizer", (guint)job->crf, NULL);
    if (job->max_bitrate > 0)
        g_object_set(x264, "bitrate", (guint)job->max_bitrate,
                     "vbv-buf-capacity", 1000u, NULL);
    else
        g_object_set(x264, "vbv-buf-capacity", 0u, NULL);
    /* Closed GOPs with an IDR at least every 2 s, as YouTube asks; the 8x8
     * transform keeps even "ultrafast" in High profile (other presets
     * already use it). */
    g_object_set(x264, "key-int-max", (guint)job->keyframe_interval, "dct8x8",
                 TRUE, "option-string", "open-gop=0", NULL);
}

static int build_video(encode_context *ctx, dk_error *err)
{
    const transcode_video_job *job = ctx->job;
    GstElement *p = ctx->pipeline;
    GstElement *head = video_gst_add_queue(p, ENCODE_VIDEO_QUEUE_FRAMES, 0);
    /* YouTube wants progressive frames; a camcorder's 1080i gets one
     * frame per field pair */
    GstElement *deinterlace = NULL;
    if (job->probe->interlaced) {
        deinterlace = video_gst_add_new(p, "deinterlace",
                                        "gstreamer1.0-plugins-good", err);
        if (!deinterlace)
            return DK_ERR_UNSUPPORTED;
        gst_util_set_object_arg(G_OBJECT(deinterlace), "fields", "top");
    }
    GstElement *flip = NULL;
    const char *method = video_gst_flip_method(job->probe->rotation);
    if (method) {
        flip =
            video_gst_add_new(p, "videoflip", "gstreamer1.0-plugins-good", err);
        if (!flip)
            return DK_ERR_UNSUPPORTED;
        gst_util_set_object_arg(G_OBJECT(flip), "method", method);
    }
    GstElement *convert = video_gst_add_new(p, "videoconvertscale",
                                            "gstreamer1.0-plugins-base", err);
    if (!head || !convert)
        return DK_ERR_UNSUPPORTED;
    /* Exact even sizes may differ from the source's shape by a pixel: a
     * stretch nobody sees beats a black line. Bicubic-like 4-tap keeps
     * downscaled text crisp; several threads help a 4K source. */
    gst_util_set_object_arg(G_OBJECT(convert), "method", "4-tap");
    g_object_set(convert, "add-borders", FALSE, "n-threads", 0u, NULL);
    GstElement *raw = video_gst_add_capsfilter(
        p, gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420",
                               "width", G_TYPE_INT, job->width, "height",
                               G_TYPE_INT, job->height, "pixel-aspect-ratio",
                               GST_TYPE_FRACTION, 1, 1, NULL));
    GstElement *rate = NULL, *rate_caps = NULL;
    if (job->rate_num > 0) {
        rate =
            video_gst_add_new(p, "videorate", "gstreamer1.0-plugins-base", err);
        rate_caps = video_gst_add_capsfilter(
            p,
            gst_caps_new_simple("video/x-raw", "framerate", GST_TYPE_FRACTION,
                                job->rate_num, job->rate_den, NULL));
        if (!rate || !rate_caps)
            return DK_ERR_UNSUPPORTED;
    }
    GstElement *encode_queue =
        video_gst_add_queue(p, ENCODE_VIDEO_QUEUE_FRAMES, 0);
    GstElement *x264 =
        video_gst_add_new(p, "x264enc", "gstreamer1.0-plugins-ugly", err);
    if (!raw || !encode_queue || !x264)
        return DK_ERR_UNSUPPORTED;
    configure_x264(x264, job);
    video_gst_progress_watch(&ctx->progress, x264, "sink");
    GstElement *h264 = video_gst_add_capsfilter(
        p, gst_caps_new_simple("video/x-h264", "profile", G_TYPE_STRING, "high",
                               "stream-format", G_TYPE_STRING, "avc",
                               "alignment", G_TYPE_STRING, "au", NULL));
    if (!h264)
        return DK_ERR_UNSUPPORTED;

    /* head [! deinterlace] [! videoflip] ! convert ! raw */
    GstElement *chain[5] = {head};
    int n = 1;
    if (deinterlace)
        chain[n++] = deinterlace;
    if (flip)
        chain[n++] = flip;
    chain[n++] = convert;
    chain[n++] = raw;
    int rc = 0;
    for (int i = 0; !rc && i + 1 < n; i++)
        rc = video_gst_link(err, chain[i], chain[i + 1], NULL);
    if (!rc && rate)
        rc = video_gst_link(err, raw, rate, rate_caps, encode_queue, NULL);
    else if (!rc)
        rc = video_gst_link(err, raw, encode_queue, NULL);
    if (!rc)
        rc = video_gst_link(err, encode_queue, x264, h264, ctx->mux, NULL);
    if (rc)
        return rc;

    GstPad *sink = gst_element_get_static_pad(head, "sink");
    gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                      drop_orientation_tag, NULL, NULL);
    gst_object_unref(sink);
    if (job->watermark || job->lower_third) {
        transcode_video_blend_init(&ctx->blend, job);
        GstPad *src = gst_element_get_static_pad(raw, "src");
        gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER,
                          transcode_video_blend_probe, &ctx->blend, NULL);
        gst_object_unref(src);
    }
    ctx->video_head = head;
    return 0;
}

/* Builds audioconvert ! audioresample ! caps ! avenc_aac ! queue into the
 * running pipeline, linked to the muxer; returns the sink pad to feed (a
 * new reference) or NULL with err set. Runs in a streaming thread. */
static GstPad *add_audio_chain(encode_context *ctx, dk_error *err)
{
    GstElement *p = ctx->pipeline;
    GstElement *elements[5] = {
        video_gst_make("audioconvert", "gstreamer1.0-plugins-base", err),
        video_gst_make("audioresample", "gstreamer1.0-plugins-base", err),
        gst_element_factory_make("capsfilter", NULL),
        video_gst_make("avenc_aac", "gstreamer1.0-libav", err),
        gst_element_factory_make("queue", NULL),
    };
    for (size_t i = 0; i < G_N_ELEMENTS(elements); i++) {
        if (elements[i])
            continue;
        for (size_t j = 0; j < G_N_ELEMENTS(elements); j++)
            if (elements[j])
                gst_object_unref(gst_object_ref_sink(elements[j]));
        return NULL;
    }
    GstCaps *caps =
        gst_caps_new_simple("audio/x-raw", "rate", G_TYPE_INT,
                            ENCODE_AUDIO_RATE, "channels", G_TYPE_INT, 2, NULL);
    g_object_set(elements[2], "caps", caps, NULL);
    gst_caps_unref(caps);
    g_object_set(elements[3], "bitrate", ctx->job->audio_bitrate * 1000, NULL);
    g_object_set(elements[4], "max-size-buffers", 0u, "max-size-bytes", 0u,
                 "max-size-time",
                 (guint64)ENCODE_AUDIO_QUEUE_SECONDS * GST_SECOND, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(elements); i++)
        gst_bin_add(GST_BIN(p), elements[i]);
    if (video_gst_link(err, elements[0], elements[1], elements[2], elements[3],
                       elements[4], ctx->mux, NULL))
        return NULL;
    for (size_t i = G_N_ELEMENTS(elements); i-- > 0;)
        gst_element_sync_state_with_parent(elements[i]);
    return gst_element_get_static_pad(elements[0], "sink");
}

static void link_or_fail(encode_context *ctx, GstPad *pad, GstPad *sink,
                         dk_error *err)
{
    if (!sink) {
        video_gst_post_error(ctx->pipeline, err->code, "%s", err->message);
        return;
    }
    if (gst_pad_link(pad, sink) != GST_PAD_LINK_OK)
        video_gst_post_error(ctx->pipeline, DK_ERR_INTERNAL,
                             "cannot link the decoded %s stream",
                             GST_PAD_NAME(pad));
    gst_object_unref(sink);
}

static void on_pad_added(GstElement *decodebin, GstPad *pad, gpointer user)
{
    (void)decodebin;
    encode_context *ctx = user;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    const char *type = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    dk_error err = {0};
    g_mutex_lock(&ctx->lock);
    if (g_str_has_prefix(type, "video/x-raw") && !ctx->video_linked) {
        ctx->video_linked = true;
        link_or_fail(ctx, pad,
                     gst_element_get_static_pad(ctx->video_head, "sink"), &err);
    } else if (g_str_has_prefix(type, "audio/x-raw") && !ctx->audio_linked) {
        ctx->audio_linked = true;
        link_or_fail(ctx, pad, add_audio_chain(ctx, &err), &err);
    } else {
        video_gst_discard_pad(ctx->pipeline, pad);
    }
    g_mutex_unlock(&ctx->lock);
    gst_caps_unref(caps);
}

/* Silence as long as the video, in whole AAC frames: the track ends less
 * than one AAC frame (21 ms) after the picture. */
static void add_silence(encode_context *ctx)
{
    dk_error err = {0};
    GstElement *source =
        video_gst_make("audiotestsrc", "gstreamer1.0-plugins-base", &err);
    if (!source) {
        video_gst_post_error(ctx->pipeline, err.code, "%s", err.message);
        return;
    }
    double samples = ctx->job->probe->duration * ENCODE_AUDIO_RATE;
    gint buffers = (gint)ceil(samples / ENCODE_SILENCE_SAMPLES);
    gst_util_set_object_arg(G_OBJECT(source), "wave", "silence");
    g_object_set(source, "samplesperbuffer", ENCODE_SILENCE_SAMPLES,
                 "num-buffers", buffers > 0 ? buffers : 1, NULL);
    gst_bin_add(GST_BIN(ctx->pipeline), source);
    GstPad *sink = add_audio_chain(ctx, &err);
    GstPad *src = gst_element_get_static_pad(source, "src");
    link_or_fail(ctx, src, sink, &err);
    gst_object_unref(src);
    gst_element_sync_state_with_parent(source);
}

static void on_no_more_pads(GstElement *decodebin, gpointer user)
{
    (void)decodebin;
    encode_context *ctx = user;
    g_mutex_lock(&ctx->lock);
    if (!ctx->video_linked)
        video_gst_post_error(ctx->pipeline, DK_ERR_UNSUPPORTED,
                             "no video stream could be decoded");
    else if (!ctx->audio_linked && ctx->job->add_silence) {
        ctx->audio_linked = true;
        add_silence(ctx);
    }
    g_mutex_unlock(&ctx->lock);
}

/* Both ends: filesrc ! decodebin, and mp4mux ! filesink writing a
 * fast-start file. */
static int add_ends(GstElement *pipeline, const transcode_video_job *job,
                    GstElement **reader, GstElement **mux, dk_error *err)
{
    GstElement *source =
        video_gst_add_new(pipeline, "filesrc", "libgstreamer1.0-0", err);
    *reader = video_gst_add_new(pipeline, "decodebin",
                                "gstreamer1.0-plugins-base", err);
    *mux =
        video_gst_add_new(pipeline, "mp4mux", "gstreamer1.0-plugins-good", err);
    GstElement *sink =
        video_gst_add_new(pipeline, "filesink", "libgstreamer1.0-0", err);
    if (!source || !*reader || !*mux || !sink)
        return DK_ERR_UNSUPPORTED;
    g_object_set(source, "location", job->input, NULL);
    /* moov before mdat, so YouTube and browsers can start at once; the
     * media data waits in a scratch file beside the output, not in /tmp,
     * which may be a small RAM disk. */
    g_object_set(*mux, "faststart", TRUE, "faststart-file", job->scratch, NULL);
    g_object_set(sink, "location", job->output, NULL);
    int rc = video_gst_link(err, source, *reader, NULL);
    if (!rc)
        rc = video_gst_link(err, *mux, sink, NULL);
    return rc;
}

static int build(encode_context *ctx, dk_error *err)
{
    GstElement *decode = NULL;
    int rc = add_ends(ctx->pipeline, ctx->job, &decode, &ctx->mux, err);
    if (!rc)
        rc = build_video(ctx, err);
    if (rc)
        return rc;
    g_signal_connect(decode, "pad-added", G_CALLBACK(on_pad_added), ctx);
    g_signal_connect(decode, "no-more-pads", G_CALLBACK(on_no_more_pads), ctx);
    return 0;
}

int transcode_video_encode(const transcode_video_job *job, dk_error *err)
{
    encode_context ctx = {.job = job};
    video_gst_progress_init(&ctx.progress, job->item, "encoding",
                            job->probe->duration);
    g_mutex_init(&ctx.lock);
    ctx.pipeline = gst_pipeline_new("transcode");
    video_gst_name_output(ctx.pipeline, job->output_name);
    int rc = build(&ctx, err);
    if (!rc)
        rc = video_gst_play_to_end(ctx.pipeline, job->deadline, &ctx.progress,
                                   err);
    gst_element_set_state(ctx.pipeline, GST_STATE_NULL);
    gst_object_unref(ctx.pipeline);
    g_mutex_clear(&ctx.lock);
    return rc;
}
