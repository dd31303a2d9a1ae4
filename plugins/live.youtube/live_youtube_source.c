/* The live source: a bin with "video" and "audio" pads of raw media.
 *
 *   test   75 % colour bars (drawn once, repeated live) + a 1 kHz tone
 *   v4l2   v4l2src ! decodebin (raw or MJPEG cameras, HDMI capture cards)
 *   uri    rtsp://, srt://... decoded in a pipeline of its own (feed.c)
 *   file   the same, looped
 * Sound comes from the source (audio=auto), a PulseAudio or ALSA device,
 * or is silence; a uri or file without sound gets silence mixed in, so the
 * encoder and the muxers never wait for audio that will not come. */
#include "live_youtube.h"
#include "live_youtube_feed.h"

#include <stdarg.h>

static bool add_and_link(GstBin *bin, dk_error *err, GstElement *first, ...)
{
    va_list args;
    va_start(args, first);
    GstElement *prev = NULL;
    bool ok = true;
    for (GstElement *e = first; e; e = va_arg(args, GstElement *)) {
        gst_bin_add(bin, e);
        if (prev && !gst_element_link(prev, e)) {
            dk_error_set(err, DK_ERR_INTERNAL, "cannot link %s to %s",
                         GST_ELEMENT_NAME(prev), GST_ELEMENT_NAME(e));
            ok = false;
        }
        prev = e;
    }
    va_end(args);
    return ok;
}

static void ghost(GstElement *bin, GstElement *element, const char *name)
{
    GstPad *pad = gst_element_get_static_pad(element, "src");
    gst_element_add_pad(bin, gst_ghost_pad_new(name, pad));
    gst_object_unref(pad);
}

/* decodebin's pads appear once it knows the stream: link the video one. */
static void on_decoded_pad(GstElement *decodebin, GstPad *pad, gpointer data)
{
    (void)decodebin;
    GstElement *target = data;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    const char *media = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    GstPad *sink = gst_element_get_static_pad(target, "sink");
    if (g_str_has_prefix(media, "video/x-raw") && !gst_pad_is_linked(sink))
        gst_pad_link(pad, sink);
    gst_object_unref(sink);
    gst_caps_unref(caps);
}

static GstElement *silence(bool live, dk_error *err)
{
    GstElement *src = live_youtube_make("audiotestsrc", "silence", err);
    if (src)
        g_object_set(src, "wave", 4 /* silence */, "is-live", live, NULL);
    return src;
}

static GstElement *audio_device(const live_youtube_config *c, dk_error *err)
{
    GstElement *src = NULL;
    switch (c->opt->audio) {
    case LIVE_YOUTUBE_AUDIO_PULSE:
        src = live_youtube_make("pulsesrc", "audio-device", err);
        break;
    case LIVE_YOUTUBE_AUDIO_ALSA:
        src = live_youtube_make("alsasrc", "audio-device", err);
        break;
    default:
        return silence(true, err);
    }
    if (src && *c->opt->audio_device)
        g_object_set(src, "device", c->opt->audio_device, NULL);
    return src;
}

/* imagefreeze ignores an end of stream from upstream (repeating its frame
 * is its job), so the end is injected on its way out, from its own
 * streaming thread. */
static GstPadProbeReturn end_frozen(GstPad *pad, GstPadProbeInfo *info,
                                    gpointer data)
{
    (void)info;
    if (!g_atomic_int_get((gint *)data))
        return GST_PAD_PROBE_OK;
    gst_pad_push_event(pad, gst_event_new_eos());
    return GST_PAD_PROBE_REMOVE;
}

static bool build_test(GstBin *bin, const live_youtube_config *c, dk_error *err)
{
    /* the bars are drawn once and repeated: redrawing them each frame
     * would cost more than blending the overlays */
    GstElement *video = live_youtube_make("videotestsrc", "camera", err);
    GstElement *caps = live_youtube_make("capsfilter", "camera-caps", err);
    GstElement *freeze = live_youtube_make("imagefreeze", "camera-freeze", err);
    if (!video || !caps || !freeze)
        return false;
    /* 75 % colour bars: the broadcast standard, and free of the noise
     * patch of the default pattern, which costs the encoder twice the CPU
     * a camera would */
    g_object_set(video, "num-buffers", 1, NULL);
    gst_util_set_object_arg(G_OBJECT(video), "pattern", "smpte75");
    g_object_set(freeze, "is-live", TRUE, NULL);
    GstCaps *want = gst_caps_new_simple(
        "video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
        c->width, "height", G_TYPE_INT, c->height, "framerate",
        GST_TYPE_FRACTION, c->fps, 1, NULL);
    g_object_set(caps, "caps", want, NULL);
    gst_caps_unref(want);
    if (!add_and_link(bin, err, video, caps, freeze, NULL))
        return false;
    ghost(GST_ELEMENT(bin), freeze, "video");
    gint *ending = g_new0(gint, 1);
    g_object_set_data_full(G_OBJECT(bin), "live-youtube-ending", ending,
                           g_free);
    GstPad *out = gst_element_get_static_pad(freeze, "src");
    gst_pad_add_probe(out, GST_PAD_PROBE_TYPE_BUFFER, end_frozen, ending, NULL);
    gst_object_unref(out);

    GstElement *audio;
    if (c->opt->audio == LIVE_YOUTUBE_AUDIO_AUTO) {
        audio = live_youtube_make("audiotestsrc", "tone", err);
        if (audio)
            g_object_set(audio, "is-live", TRUE, "freq", 1000.0, "volume", 0.1,
                         NULL);
    } else {
        audio = audio_device(c, err);
    }
    if (!audio || !add_and_link(bin, err, audio, NULL))
        return false;
    ghost(GST_ELEMENT(bin), audio, "audio");
    return true;
}

static bool build_v4l2(GstBin *bin, const live_youtube_config *c, dk_error *err)
{
    GstElement *camera = live_youtube_make("v4l2src", "camera", err);
    GstElement *decode = live_youtube_make("decodebin", "camera-decode", err);
    GstElement *out = live_youtube_make("identity", "camera-out", err);
    if (!camera || !decode || !out)
        return false;
    g_object_set(camera, "device", c->opt->device, "do-timestamp", TRUE, NULL);
    if (!add_and_link(bin, err, camera, decode, NULL))
        return false;
    gst_bin_add(bin, out);
    g_signal_connect(decode, "pad-added", G_CALLBACK(on_decoded_pad), out);
    ghost(GST_ELEMENT(bin), out, "video");
    GstElement *audio = audio_device(c, err);
    if (!audio)
        return false;
    gst_bin_add(bin, audio);
    ghost(GST_ELEMENT(bin), audio, "audio");
    return true;
}

/* uri and file: the feed pushes decoded frames into two appsrcs. */
static bool build_feed(GstBin *bin, const live_youtube_config *c,
                       live_youtube_feed **feed, dk_error *err)
{
    GstElement *video = live_youtube_make("appsrc", "feed-video", err);
    if (!video)
        return false;
    gst_bin_add(bin, video);
    ghost(GST_ELEMENT(bin), video, "video");
    GstElement *audio = NULL;
    if (c->opt->audio == LIVE_YOUTUBE_AUDIO_AUTO) {
        /* the source's sound over live silence: a feed without sound, or
         * one that stalls, still gives the encoder audio on time */
        audio = live_youtube_make("appsrc", "feed-audio", err);
        GstElement *bed = silence(true, err);
        GstElement *mixer = live_youtube_make("audiomixer", "feed-mix", err);
        if (!audio || !bed || !mixer)
            return false;
        g_object_set(mixer, "latency", (guint64)(200 * GST_MSECOND), NULL);
        gst_bin_add_many(bin, audio, bed, mixer, NULL);
        if (!gst_element_link(bed, mixer) || !gst_element_link(audio, mixer))
            return !dk_error_set(err, DK_ERR_INTERNAL, "cannot link the mixer");
        ghost(GST_ELEMENT(bin), mixer, "audio");
    } else {
        GstElement *device = audio_device(c, err);
        if (!device)
            return false;
        gst_bin_add(bin, device);
        ghost(GST_ELEMENT(bin), device, "audio");
    }
    *feed = live_youtube_feed_new(c, video, audio, err);
    return *feed != NULL;
}

GstElement *live_youtube_source_new(const live_youtube_config *config,
                                    live_youtube_feed **feed, dk_error *err)
{
    *feed = NULL;
    GstElement *bin = gst_bin_new("source");
    bool ok;
    switch (config->opt->source) {
    case LIVE_YOUTUBE_SOURCE_TEST:
        ok = build_test(GST_BIN(bin), config, err);
        break;
    case LIVE_YOUTUBE_SOURCE_V4L2:
        ok = build_v4l2(GST_BIN(bin), config, err);
        break;
    default:
        ok = build_feed(GST_BIN(bin), config, feed, err);
    }
    if (!ok) {
        gst_object_unref(bin);
        return NULL;
    }
    return bin;
}

static gpointer send_end(gpointer data)
{
    GstElement *source = data;
    /* the real sources (tone, camera, microphone, appsrcs) take it here */
    gst_element_send_event(source, gst_event_new_eos());
    gst_object_unref(source);
    return NULL;
}

void live_youtube_source_end(GstElement *source)
{
    gint *ending = g_object_get_data(G_OBJECT(source), "live-youtube-ending");
    if (ending)
        g_atomic_int_set(ending, 1);
    /* A live source takes its live lock to accept the event; one stuck in
     * a device or a query would stall the main loop, and with it the stop
     * deadline. So the event goes from a thread of its own. */
    g_thread_unref(g_thread_new("live-end", send_end, gst_object_ref(source)));
}
