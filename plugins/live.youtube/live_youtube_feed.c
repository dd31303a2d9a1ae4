/* The decoding pipeline behind uri and file sources:
 *
 *   uridecodebin ─ videoconvert ─ appsink ···> appsrc "feed-video"
 *               └─ audioconvert ─ audioresample ─ appsink ···> "feed-audio"
 *
 * appsinks sync to the clock, so a file plays at its own pace; each frame
 * is re-stamped onto the live pipeline's running time with one offset per
 * start (shared by sound and picture, so they stay in sync) and pushed. A
 * file is looped with a flushing seek that only this pipeline sees; a
 * camera that drops out is restarted after the core's retry wait.
 *
 * Until the first frame comes, and whenever the source is lost, the feed
 * pushes black frames itself at the live frame rate and has the slate shown
 * over them: the encoder, the recording and the pushes keep running on
 * time, and viewers see "Siaran akan segera dilanjutkan" instead of a
 * frozen or missing picture. */
#include "live_youtube_feed.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

struct live_youtube_feed {
    const live_youtube_config *config;
    dk_live *live;
    GstElement *video_src, *audio_src; /* appsrcs in the live pipeline */
    GstElement *pipeline;              /* the decoding one; NULL when down */
    guint bus_watch, retry_source;
    dk_retry retry;
    gint flowing; /* atomic: a frame went through since the last failure */
    bool stopping;
    char *userinfo; /* camera credentials, kept out of messages */
    GMutex lock;    /* guards the offset, set by either streaming thread */
    bool have_offset;
    GstClockTimeDiff offset;

    /* the filler: black frames while there is no picture */
    gint64 last_sample; /* monotonic us of the last picture, under lock */
    guint watchdog;
    gint filling; /* atomic: the filler pushes, samples are held back */
    gint arrived; /* atomic: a sample came while filling */
    bool lost;    /* the source failed (not merely starting) */
    guint filler_source;
    GstSample *black;
    live_youtube_feed_lost_fn on_lost;
    void *user;
};

static void configure_appsrc(GstElement *src)
{
    /* stamped on arrival: report a little latency so the muxers wait for
     * frames that took a moment to decode */
    g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME,
                 "do-timestamp", FALSE, "min-latency",
                 (gint64)(100 * GST_MSECOND), "max-latency", (gint64)GST_SECOND,
                 "max-buffers", (guint64)60, "leaky-type",
                 2 /* downstream: drop the oldest */, NULL);
}

static GstSample *make_black(const live_youtube_config *c)
{
    GstVideoInfo info;
    gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420, c->width,
                              c->height);
    info.fps_n = c->fps;
    info.fps_d = 1;
    GstBuffer *buffer = gst_buffer_new_allocate(NULL, info.size, NULL);
    GstVideoFrame frame;
    if (gst_video_frame_map(&frame, &info, buffer, GST_MAP_WRITE)) {
        live_youtube_fill_black(&frame);
        gst_video_frame_unmap(&frame);
    }
    GstCaps *caps = gst_video_info_to_caps(&info);
    GstSample *sample = gst_sample_new(buffer, caps, NULL, NULL);
    gst_caps_unref(caps);
    gst_buffer_unref(buffer);
    return sample;
}

live_youtube_feed *live_youtube_feed_new(const live_youtube_config *config,
                                         GstElement *video, GstElement *audio,
                                         dk_error *err)
{
    (void)err;
    live_youtube_feed *feed = g_new0(live_youtube_feed, 1);
    feed->config = config;
    feed->video_src = gst_object_ref(video);
    feed->audio_src = audio ? gst_object_ref(audio) : NULL;
    configure_appsrc(video);
    if (audio)
        configure_appsrc(audio);
    g_mutex_init(&feed->lock);
    feed->black = make_black(config);
    char *userinfo = NULL;
    if (g_uri_split(config->uri, G_URI_FLAGS_NONE, NULL, &userinfo, NULL, NULL,
                    NULL, NULL, NULL, NULL))
        feed->userinfo = userinfo;
    dk_retry_policy policy = live_youtube_retry_policy(config->opt);
    dk_retry_init(&feed->retry, &policy);
    return feed;
}

/* Streaming thread of an appsink: re-time the frame and hand it over. */
static GstFlowReturn on_sample(GstAppSink *sink, gpointer data)
{
    live_youtube_feed *feed = data;
    GstElement *target =
        g_object_get_data(G_OBJECT(sink), "live-youtube-target");
    GstSample *sample = gst_app_sink_pull_sample(sink);
    if (!sample)
        return GST_FLOW_EOS;
    if (target == feed->video_src) { /* the watchdog watches the picture */
        g_mutex_lock(&feed->lock);
        feed->last_sample = g_get_monotonic_time();
        g_mutex_unlock(&feed->lock);
    }
    if (g_atomic_int_get(&feed->filling)) {
        /* the main loop hands over from the filler once a picture comes;
         * until then frames would interleave with its timestamps */
        if (target == feed->video_src)
            g_atomic_int_set(&feed->arrived, 1);
        gst_sample_unref(sample);
        return GST_FLOW_OK;
    }
    GstBuffer *buffer = gst_sample_get_buffer(sample);
    const GstSegment *segment = gst_sample_get_segment(sample);
    GstClockTime running = gst_segment_to_running_time(segment, GST_FORMAT_TIME,
                                                       GST_BUFFER_PTS(buffer));
    GstClock *clock = gst_element_get_clock(target);
    if (clock && GST_CLOCK_TIME_IS_VALID(running)) {
        GstClockTime now =
            gst_clock_get_time(clock) - gst_element_get_base_time(target);
        g_mutex_lock(&feed->lock);
        if (!feed->have_offset) {
            feed->offset = GST_CLOCK_DIFF(running, now);
            feed->have_offset = true;
        }
        GstClockTimeDiff offset = feed->offset;
        g_mutex_unlock(&feed->lock);
        gint64 pts = (gint64)running + offset;
        if (pts >= 0) {
            GstBuffer *copy = gst_buffer_copy(buffer); /* shares the memory */
            GST_BUFFER_PTS(copy) = (GstClockTime)pts;
            GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
            GstSample *out =
                gst_sample_new(copy, gst_sample_get_caps(sample), NULL, NULL);
            gst_app_src_push_sample(GST_APP_SRC(target), out);
            gst_sample_unref(out);
            gst_buffer_unref(copy);
            g_atomic_int_set(&feed->flowing, 1);
        }
    }
    if (clock)
        gst_object_unref(clock);
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

static GstElement *make_branch(live_youtube_feed *feed, GstBin *bin, bool video,
                               GstElement *target)
{
    GstElement *convert =
        gst_element_factory_make(video ? "videoconvert" : "audioconvert", NULL);
    GstElement *resample =
        video ? NULL : gst_element_factory_make("audioresample", NULL);
    GstElement *sink = gst_element_factory_make("appsink", NULL);
    if (!convert || !sink || (!video && !resample))
        return NULL;
    GstCaps *caps =
        video ? gst_caps_new_empty_simple("video/x-raw")
              : gst_caps_new_simple("audio/x-raw", "rate", G_TYPE_INT, 48000,
                                    "channels", G_TYPE_INT, 2, NULL);
    g_object_set(sink, "caps", caps, "sync", TRUE, "max-buffers", 4u, NULL);
    gst_caps_unref(caps);
    g_object_set_data(G_OBJECT(sink), "live-youtube-target", target);
    GstAppSinkCallbacks callbacks = {.new_sample = on_sample};
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, feed, NULL);
    gst_bin_add_many(bin, convert, sink, NULL);
    if (resample) {
        gst_bin_add(bin, resample);
        gst_element_link_many(convert, resample, sink, NULL);
    } else {
        gst_element_link(convert, sink);
    }
    gst_element_sync_state_with_parent(sink);
    if (resample)
        gst_element_sync_state_with_parent(resample);
    gst_element_sync_state_with_parent(convert);
    return convert;
}

/* Streams nobody wants still need a sink, or the demuxer stops on
 * not-linked. */
static GstElement *make_discard(GstBin *bin)
{
    GstElement *sink = gst_element_factory_make("fakesink", NULL);
    g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add(bin, sink);
    gst_element_sync_state_with_parent(sink);
    return sink;
}

static void on_pad_added(GstElement *decodebin, GstPad *pad, gpointer data)
{
    live_youtube_feed *feed = data;
    GstBin *bin = GST_BIN(GST_ELEMENT_PARENT(decodebin));
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    const char *media = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    bool video = g_str_has_prefix(media, "video/x-raw");
    bool audio = g_str_has_prefix(media, "audio/x-raw");
    const char *taken = video ? "live-youtube-video" : "live-youtube-audio";
    GstElement *first = NULL;
    /* the first stream of each kind is used, later ones are discarded */
    if (video || (audio && feed->audio_src)) {
        if (!g_object_get_data(G_OBJECT(bin), taken)) {
            first = make_branch(feed, bin, video,
                                video ? feed->video_src : feed->audio_src);
            g_object_set_data(G_OBJECT(bin), taken, first);
        }
    }
    if (!first)
        first = make_discard(bin);
    GstPad *sink = gst_element_get_static_pad(first, "sink");
    gst_pad_link(pad, sink);
    gst_object_unref(sink);
    gst_caps_unref(caps);
}

static void set_lost(live_youtube_feed *feed, bool lost)
{
    if (feed->on_lost)
        feed->on_lost(feed->user, lost);
}

/* Main loop, once per frame while filling. */
static gboolean fill(gpointer data)
{
    live_youtube_feed *feed = data;
    if (g_atomic_int_get(&feed->arrived)) {
        /* the source is back: hand over */
        feed->filler_source = 0;
        g_atomic_int_set(&feed->filling, 0);
        set_lost(feed, false);
        dk_live_event(feed->live, DK_LIVE_INFO, "source", "%s",
                      feed->lost ? "the picture is back"
                                 : "picture from the source");
        feed->lost = false;
        return G_SOURCE_REMOVE;
    }
    GstClock *clock = gst_element_get_clock(feed->video_src);
    if (clock) {
        GstClockTime now = gst_clock_get_time(clock) -
                           gst_element_get_base_time(feed->video_src);
        GstBuffer *buffer = gst_buffer_copy(gst_sample_get_buffer(feed->black));
        GST_BUFFER_PTS(buffer) = now;
        GST_BUFFER_DURATION(buffer) = GST_SECOND / feed->config->fps;
        GstSample *sample = gst_sample_new(
            buffer, gst_sample_get_caps(feed->black), NULL, NULL);
        gst_app_src_push_sample(GST_APP_SRC(feed->video_src), sample);
        gst_sample_unref(sample);
        gst_buffer_unref(buffer);
        gst_object_unref(clock);
    }
    return G_SOURCE_CONTINUE;
}

static void start_filling(live_youtube_feed *feed)
{
    g_atomic_int_set(&feed->arrived, 0);
    g_atomic_int_set(&feed->filling, 1);
    if (!feed->filler_source)
        feed->filler_source =
            g_timeout_add(1000 / feed->config->fps, fill, feed);
    set_lost(feed, true);
}

static void stop_filling(live_youtube_feed *feed)
{
    if (feed->filler_source) {
        g_source_remove(feed->filler_source);
        feed->filler_source = 0;
    }
}

static void start_pipeline(live_youtube_feed *feed);
static void fail(live_youtube_feed *feed, const char *why);

/* A camera or feed that stops sending without an error (a network cable
 * pulled) is covered by the slate after STALL_SLATE seconds, and restarted
 * after STALL_RESTART if it does not recover by itself. */
#define STALL_SLATE   1.5
#define STALL_RESTART 10.0

static gboolean watch(gpointer data)
{
    live_youtube_feed *feed = data;
    if (!feed->pipeline)
        return G_SOURCE_CONTINUE; /* down: the retry timer is in charge */
    g_mutex_lock(&feed->lock);
    double idle = (g_get_monotonic_time() - feed->last_sample) / 1e6;
    g_mutex_unlock(&feed->lock);
    if (idle > STALL_RESTART) {
        fail(feed, "no picture for 10 s");
    } else if (idle > STALL_SLATE && !g_atomic_int_get(&feed->filling)) {
        dk_live_event(feed->live, DK_LIVE_WARNING, "source",
                      "no picture for %.1f s; showing the slate", idle);
        feed->lost = true;
        start_filling(feed);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean retry_now(gpointer data)
{
    live_youtube_feed *feed = data;
    feed->retry_source = 0;
    start_pipeline(feed);
    return G_SOURCE_REMOVE;
}

static void stop_pipeline(live_youtube_feed *feed)
{
    if (feed->bus_watch) {
        g_source_remove(feed->bus_watch);
        feed->bus_watch = 0;
    }
    if (feed->pipeline) {
        gst_element_set_state(feed->pipeline, GST_STATE_NULL);
        gst_clear_object(&feed->pipeline);
    }
}

static void fail(live_youtube_feed *feed, const char *why)
{
    stop_pipeline(feed);
    if (feed->stopping)
        return;
    if (g_atomic_int_compare_and_exchange(&feed->flowing, 1, 0))
        dk_retry_reset(&feed->retry);
    double wait = dk_retry_next_wait(&feed->retry);
    dk_live_event(feed->live, DK_LIVE_WARNING, "source",
                  "%s; showing the slate, trying again in %.1f s", why, wait);
    feed->lost = true;
    start_filling(feed);
    feed->retry_source = g_timeout_add((guint)(wait * 1000), retry_now, feed);
}

static gboolean on_bus(GstBus *bus, GstMessage *message, gpointer data)
{
    (void)bus;
    live_youtube_feed *feed = data;
    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_EOS:
        if (feed->config->opt->source == LIVE_YOUTUBE_SOURCE_FILE) {
            /* loop: the next frames get a new offset, so time goes on */
            g_mutex_lock(&feed->lock);
            feed->have_offset = false;
            g_mutex_unlock(&feed->lock);
            if (gst_element_seek_simple(
                    feed->pipeline, GST_FORMAT_TIME,
                    GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT, 0))
                return G_SOURCE_CONTINUE;
            fail(feed, "the file cannot be looped (not seekable)");
        } else {
            fail(feed, "the feed ended");
        }
        feed->bus_watch = 0;
        return G_SOURCE_REMOVE;
    case GST_MESSAGE_ERROR: {
        g_autofree char *text = live_youtube_error_text(message, NULL);
        g_autofree char *clean = dk_live_redact(text, feed->userinfo);
        fail(feed, clean);
        feed->bus_watch = 0;
        return G_SOURCE_REMOVE;
    }
    default:
        return G_SOURCE_CONTINUE;
    }
}

static void start_pipeline(live_youtube_feed *feed)
{
    feed->pipeline = gst_pipeline_new("feed");
    GstElement *decode = gst_element_factory_make("uridecodebin", "decode");
    g_object_set(decode, "uri", feed->config->uri, NULL);
    g_signal_connect(decode, "pad-added", G_CALLBACK(on_pad_added), feed);
    gst_bin_add(GST_BIN(feed->pipeline), decode);
    g_mutex_lock(&feed->lock);
    feed->have_offset = false;
    feed->last_sample = g_get_monotonic_time(); /* time to connect */
    g_mutex_unlock(&feed->lock);
    GstBus *bus = gst_element_get_bus(feed->pipeline);
    /* the watch must not outlive a failed start: fail() removes it, so a
     * G_SOURCE_REMOVE from on_bus has to clear the id first */
    feed->bus_watch = gst_bus_add_watch(bus, on_bus, feed);
    gst_object_unref(bus);
    if (gst_element_set_state(feed->pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE)
        fail(feed, "cannot open the source");
}

void live_youtube_feed_start(live_youtube_feed *feed, dk_live *live,
                             live_youtube_feed_lost_fn on_lost, void *user)
{
    feed->live = live;
    feed->on_lost = on_lost;
    feed->user = user;
    start_filling(feed);
    start_pipeline(feed);
    feed->watchdog = g_timeout_add(500, watch, feed);
}

void live_youtube_feed_stop(live_youtube_feed *feed)
{
    feed->stopping = true;
    if (feed->retry_source) {
        g_source_remove(feed->retry_source);
        feed->retry_source = 0;
    }
    stop_filling(feed);
    stop_pipeline(feed);
    if (feed->watchdog) {
        g_source_remove(feed->watchdog);
        feed->watchdog = 0;
    }
}

void live_youtube_feed_free(live_youtube_feed **feed)
{
    if (!feed || !*feed)
        return;
    live_youtube_feed *f = *feed;
    f->stopping = true;
    if (f->retry_source)
        g_source_remove(f->retry_source);
    stop_filling(f);
    stop_pipeline(f);
    if (f->watchdog)
        g_source_remove(f->watchdog);
    if (f->black)
        gst_sample_unref(f->black);
    gst_clear_object(&f->video_src);
    gst_clear_object(&f->audio_src);
    g_free(f->userinfo);
    g_mutex_clear(&f->lock);
    g_free(f);
    *feed = NULL;
}
