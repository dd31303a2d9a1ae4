/* The one encode every output shares, as YouTube Live recommends: H.264
 * (x264, constant bitrate, zerolatency, a keyframe every 2 s, high
 * profile) and AAC 48 kHz stereo. Both end in a tee; the recording and the
 * ingests hang off those.
 *
 *   video ─ queue(leaky 1 s) ─ videoconvertscale ─ videorate ─ I420 caps
 *         ─ [overlay probe] ─ programme-tee ─ x264enc ─ h264 caps
 *         ─ h264parse ─ video-tee           └─ preview (live_youtube_preview.c)
 *   audio ─ queue(leaky 1 s) ─ audioconvert ─ audioresample ─ 48k caps
 *         ─ volume ─ level ─ avenc_aac ─ aacparse ─ audio-tee
 *
 * The leaky queues are the only place frames may be lost before encoding:
 * when the machine cannot keep up, old frames go instead of the live
 * drifting behind; they are counted and shown as dropped.
 *
 * At the end of a live the same queues let go of what they still hold: on
 * a starved machine that is up to a second of frames the encoder would
 * need seconds for, and the end of stream behind them would reach the
 * recording's muxer only after the stop deadline, leaving the file without
 * its index (and its duration). Dropping them costs the last second of a
 * live the machine could not keep up with; everything encoded is kept. */
#include "live_youtube.h"

#include <stdarg.h>

static bool chain(GstBin *bin, dk_error *err, GstElement *first, ...)
{
    va_list args;
    va_start(args, first);
    bool ok = first != NULL;
    GstElement *prev = NULL;
    for (GstElement *e = first; ok && e; e = va_arg(args, GstElement *)) {
        gst_bin_add(bin, e);
        if (prev && !gst_element_link(prev, e))
            ok = !dk_error_set(err, DK_ERR_INTERNAL, "cannot link %s to %s",
                               GST_ELEMENT_NAME(prev), GST_ELEMENT_NAME(e));
        prev = e;
    }
    va_end(args);
    return ok;
}

static GstElement *capsfilter(const char *name, GstCaps *caps, dk_error *err)
{
    GstElement *filter = live_youtube_make("capsfilter", name, err);
    if (filter)
        g_object_set(filter, "caps", caps, NULL);
    gst_caps_unref(caps);
    return filter;
}

static GstPadProbeReturn count_frame(GstPad *pad, GstPadProbeInfo *info,
                                     gpointer data)
{
    (void)pad;
    (void)info;
    g_atomic_int_inc((gint *)data);
    return GST_PAD_PROBE_OK;
}

/* On the capture queues' way out, once the live is ending. */
static GstPadProbeReturn drop_when_ending(GstPad *pad, GstPadProbeInfo *info,
                                          gpointer data)
{
    (void)pad;
    (void)info;
    return g_atomic_int_get((gint *)data) ? GST_PAD_PROBE_DROP
                                          : GST_PAD_PROBE_OK;
}

static void drop_backlog_at_end(live_youtube_encode *encode,
                                GstElement *element, const char *pad_name)
{
    GstPad *pad = gst_element_get_static_pad(element, pad_name);
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, drop_when_ending,
                      &encode->ending, NULL);
    gst_object_unref(pad);
}

static GstElement *x264(const live_youtube_config *c, dk_error *err)
{
    GstElement *enc = live_youtube_make("x264enc", "x264", err);
    if (!enc)
        return NULL;
    gst_util_set_object_arg(G_OBJECT(enc), "tune", "zerolatency");
    g_auto(GStrv) presets = g_strsplit(LIVE_YOUTUBE_X264_PRESETS, "|", -1);
    gst_util_set_object_arg(G_OBJECT(enc), "speed-preset",
                            presets[c->opt->x264_preset]);
    /* pass=cbr sets the VBV to the bitrate; nal-hrd=cbr pads to it, so the
     * ingest sees the constant rate YouTube asks for. scenecut=0 keeps the
     * keyframes exactly keyframe-interval apart. */
    g_object_set(enc, "bitrate", (guint)c->video_kbps, "vbv-buf-capacity",
                 1000u, "key-int-max",
                 (guint)(c->fps * c->opt->keyframe_interval), "option-string",
                 "scenecut=0:nal-hrd=cbr:force-cfr=1", NULL);
    gst_util_set_object_arg(G_OBJECT(enc), "pass", "cbr");
    return enc;
}

static bool build_video(GstElement *pipeline, const live_youtube_config *c,
                        live_youtube_overlay *overlay,
                        live_youtube_encode *encode, dk_error *err)
{
    GstElement *queue = live_youtube_queue("capture-video", 1.0, true, err);
    GstElement *convert =
        live_youtube_make("videoconvertscale", "video-convert", err);
    GstElement *rate = live_youtube_make("videorate", "video-rate", err);
    GstElement *raw =
        capsfilter("video-raw",
                   gst_caps_new_simple(
                       "video/x-raw", "format", G_TYPE_STRING, "I420", "width",
                       G_TYPE_INT, c->width, "height", G_TYPE_INT, c->height,
                       "framerate", GST_TYPE_FRACTION, c->fps, 1,
                       "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL),
                   err);
    GstElement *programme = live_youtube_make("tee", "programme-tee", err);
    GstElement *enc = x264(c, err);
    GstElement *h264 =
        capsfilter("video-h264",
                   gst_caps_new_simple("video/x-h264", "profile", G_TYPE_STRING,
                                       "high", NULL),
                   err);
    GstElement *parse = live_youtube_make("h264parse", "video-parse", err);
    GstElement *tee = live_youtube_make("tee", "video-tee", err);
    if (!queue || !convert || !rate || !raw || !programme || !enc || !h264 ||
        !parse || !tee)
        return false;
    g_object_set(convert, "add-borders", TRUE, NULL);
    g_object_set(tee, "allow-not-linked", TRUE, NULL);
    g_object_set(programme, "allow-not-linked", TRUE, NULL);
    if (!chain(GST_BIN(pipeline), err, queue, convert, rate, raw, programme,
               enc, h264, parse, tee, NULL))
        return false;
    encode->programme_tee = programme;
    live_youtube_counter_attach(&encode->capture_video, queue);
    drop_backlog_at_end(encode, queue, "src");
    /* and before the overlay: videorate fills the gap to its last input
     * with copies the encoder would need as long for */
    drop_backlog_at_end(encode, raw, "sink");
    GstPad *frames = gst_element_get_static_pad(raw, "src");
    live_youtube_overlay_attach(overlay, frames);
    gst_object_unref(frames);
    GstPad *encoded = gst_element_get_static_pad(enc, "src");
    gst_pad_add_probe(encoded, GST_PAD_PROBE_TYPE_BUFFER, count_frame,
                      &encode->frames, NULL);
    gst_object_unref(encoded);
    if (!gst_element_link_pads(encode->source, "video", queue, "sink"))
        return !dk_error_set(err, DK_ERR_INTERNAL,
                             "cannot link the source's video");
    encode->video_tee = tee;
    return true;
}

static bool build_audio(GstElement *pipeline, const live_youtube_config *c,
                        live_youtube_encode *encode, dk_error *err)
{
    GstElement *queue = live_youtube_queue("capture-audio", 1.0, true, err);
    GstElement *convert =
        live_youtube_make("audioconvert", "audio-convert", err);
    GstElement *resample =
        live_youtube_make("audioresample", "audio-resample", err);
    GstElement *raw =
        capsfilter("audio-raw",
                   gst_caps_new_simple("audio/x-raw", "rate", G_TYPE_INT, 48000,
                                       "channels", G_TYPE_INT, 2, NULL),
                   err);
    GstElement *volume = live_youtube_make("volume", "audio-volume", err);
    GstElement *level = live_youtube_make("level", "audio-level", err);
    GstElement *enc = live_youtube_make("avenc_aac", "aac", err);
    GstElement *parse = live_youtube_make("aacparse", "audio-parse", err);
    GstElement *tee = live_youtube_make("tee", "audio-tee", err);
    if (!queue || !convert || !resample || !raw || !volume || !level || !enc ||
        !parse || !tee)
        return false;
    g_object_set(enc, "bitrate", c->opt->audio_bitrate * 1000, NULL);
    g_object_set(tee, "allow-not-linked", TRUE, NULL);
    /* what goes out, after the slate's mute: five peaks a second, the
     * loudest of which each status report shows */
    g_object_set(level, "post-messages", TRUE, "interval",
                 (guint64)(200 * GST_MSECOND), NULL);
    if (!chain(GST_BIN(pipeline), err, queue, convert, resample, raw, volume,
               level, enc, parse, tee, NULL))
        return false;
    drop_backlog_at_end(encode, queue, "src");
    if (!gst_element_link_pads(encode->source, "audio", queue, "sink"))
        return !dk_error_set(err, DK_ERR_INTERNAL,
                             "cannot link the source's audio");
    encode->volume = volume;
    encode->audio_tee = tee;
    return true;
}

int live_youtube_encode_build(GstElement *pipeline,
                              const live_youtube_config *config,
                              live_youtube_overlay *overlay,
                              live_youtube_encode *encode, dk_error *err)
{
    gst_bin_add(GST_BIN(pipeline), encode->source);
    if (!build_video(pipeline, config, overlay, encode, err) ||
        !build_audio(pipeline, config, encode, err))
        return err && err->code ? err->code : DK_ERR_INTERNAL;
    return 0;
}

void live_youtube_encode_end(live_youtube_encode *encode)
{
    g_atomic_int_set(&encode->ending, 1);
    live_youtube_source_end(encode->source);
}

uint64_t live_youtube_encode_dropped(const live_youtube_encode *encode)
{
    return live_youtube_counter_dropped(&encode->capture_video);
}
