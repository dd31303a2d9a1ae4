/* One push target (primary or backup ingest), in a bin of its own:
 *
 *   video-tee pad ─[gate]─ queue(leaky 3 s) ─┐
 *                                             flvmux ─ rtmp2sink
 *   audio-tee pad ─[gate]─ queue(leaky 3 s) ─┘
 *
 * The gate is a probe on the tee pads. When anything inside the bin posts
 * an error, the bus's sync handler (on the failing streaming thread, before
 * the error can flow back) closes the gate: every buffer and event for
 * this ingest is then dropped at the tee with a plain OK, so the tee, the
 * encoder and the recording never see the failure. The main loop then
 * unlinks and removes the bin and, after the core's retry wait, builds a
 * fresh one; a fresh bin passes nothing until a keyframe and asks the
 * encoder for one, so the server gets a decodable stream at once.
 *
 * A link that dies silently (no RST) is caught by the kernel's view of the
 * connection (live_youtube_tcp.c: nothing acknowledged, or a closed window,
 * for stall-timeout seconds) or, failing that, by the stall watchdog: no
 * bytes out for stall-timeout seconds. */
#include "live_youtube.h"

#include <string.h>

#define INGEST_QUEUE_SECONDS 3.0
/* A connection is live once the server has taken this much for this long
 * without an error: past the handshake and the publish, into media. */
#define LIVE_AFTER_BYTES   16384
#define LIVE_AFTER_SECONDS 0.5

struct live_youtube_ingest {
    GstElement *pipeline; /* borrowed */
    const live_youtube_config *config;
    const live_youtube_target *target;
    dk_live *live;
    live_youtube_encode *encode;

    GstElement *bin, *sink;
    GstPad *tee_video, *tee_audio;
    live_youtube_counter video_counter;
    live_youtube_tcp tcp;
    gint cut;              /* atomic: the gate drops everything */
    gint waiting_keyframe; /* atomic: the gate drops until a keyframe */
    gint generation;       /* atomic: which bin is the current one */

    dk_live_output_state state;
    dk_retry retry;
    guint retry_source;
    gint64 retry_at, down_since, last_progress, last_tick, connected_at;
    gint64 outage_us;      /* outages that ended */
    double last_outage_at; /* uptime the latest began; < 0: none yet */
    int reconnects;
    uint64_t bytes_before, last_total, dropped_before;
    double bitrate;
    char *last_why;    /* the last failure reported, to say it once */
    char *pending_why; /* a failure not yet acted on (see _message) */
    bool stopping;
};

#define INGEST_KEY     "live-youtube-ingest"
#define GENERATION_KEY "live-youtube-generation"

static GstPadProbeReturn gate(live_youtube_ingest *ingest,
                              GstPadProbeInfo *info, bool video)
{
    if (g_atomic_int_get(&ingest->cut))
        return GST_PAD_PROBE_DROP;
    if (!(info->type & GST_PAD_PROBE_TYPE_BUFFER) ||
        !g_atomic_int_get(&ingest->waiting_keyframe))
        return GST_PAD_PROBE_OK;
    if (!video)
        return GST_PAD_PROBE_DROP; /* sound starts with the picture */
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT))
        return GST_PAD_PROBE_DROP;
    g_atomic_int_set(&ingest->waiting_keyframe, 0);
    return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn gate_video(GstPad *pad, GstPadProbeInfo *info,
                                    gpointer data)
{
    (void)pad;
    return gate(data, info, true);
}

static GstPadProbeReturn gate_audio(GstPad *pad, GstPadProbeInfo *info,
                                    gpointer data)
{
    (void)pad;
    return gate(data, info, false);
}

/* Which of our bins (current or removed) an object is in, if any; a new
 * reference. Called from streaming threads too, so parents are taken with
 * their lock and a reference, never read bare. */
static GstElement *owning_bin(const live_youtube_ingest *ingest,
                              GstObject *object)
{
    GstObject *o = gst_object_ref(object);
    while (o) {
        if (g_object_get_data(G_OBJECT(o), INGEST_KEY) == ingest)
            return GST_ELEMENT(o);
        GstObject *parent = gst_object_get_parent(o);
        gst_object_unref(o);
        o = parent;
    }
    return NULL;
}

static bool is_current(live_youtube_ingest *ingest, GstElement *bin)
{
    return GPOINTER_TO_INT(g_object_get_data(G_OBJECT(bin), GENERATION_KEY)) ==
           g_atomic_int_get(&ingest->generation);
}

bool live_youtube_ingest_sync_error(live_youtube_ingest *ingest,
                                    GstMessage *message)
{
    GstElement *bin = owning_bin(ingest, GST_MESSAGE_SRC(message));
    if (!bin)
        return false;
    if (is_current(ingest, bin))
        g_atomic_int_set(&ingest->cut, 1);
    gst_object_unref(bin);
    return true;
}

/* Linking a new branch sends RECONFIGURE upstream: the encoders would
 * renegotiate, and their allocation query (serialized) would wait in the
 * recording's queue behind the muxer, a deadlock waiting to happen at the
 * end of a live. The encoded caps never change: the branch takes them as
 * they are. */
static GstPadProbeReturn keep_caps(GstPad *pad, GstPadProbeInfo *info,
                                   gpointer data)
{
    (void)pad;
    (void)data;
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    return GST_EVENT_TYPE(event) == GST_EVENT_RECONFIGURE ? GST_PAD_PROBE_DROP
                                                          : GST_PAD_PROBE_OK;
}

static GstPad *link_tee(GstElement *tee, GstElement *bin, const char *name,
                        GstPadProbeCallback gate_cb,
                        live_youtube_ingest *ingest)
{
    GstPad *tee_pad = gst_element_request_pad_simple(tee, "src_%u");
    GstPad *bin_pad = gst_element_get_static_pad(bin, name);
    gst_pad_add_probe(tee_pad,
                      GST_PAD_PROBE_TYPE_BUFFER |
                          GST_PAD_PROBE_TYPE_BUFFER_LIST |
                          GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                      gate_cb, ingest, NULL);
    gst_pad_add_probe(tee_pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, keep_caps,
                      NULL, NULL);
    gst_pad_link(tee_pad, bin_pad);
    gst_object_unref(bin_pad);
    return tee_pad;
}

/* The gate closes when the error is posted, but the failure can also come
 * back as a flow return: the sink's error stored in the push queue, a
 * flushing queue while the bin is torn down, racing the message. Returned
 * to the tee, it would stop the encoder's thread, and with it the
 * recording. Whatever happens to a push is its own business: the tee
 * always hears OK. */
static GstFlowReturn ingest_chain(GstPad *pad, GstObject *parent,
                                  GstBuffer *buffer)
{
    gst_proxy_pad_chain_default(pad, parent, buffer);
    return GST_FLOW_OK;
}

static GstFlowReturn ingest_chain_list(GstPad *pad, GstObject *parent,
                                       GstBufferList *list)
{
    gst_proxy_pad_chain_list_default(pad, parent, list);
    return GST_FLOW_OK;
}

static void add_input(GstElement *bin, GstElement *queue, const char *name)
{
    GstPad *target = gst_element_get_static_pad(queue, "sink");
    GstPad *ghost = gst_ghost_pad_new(name, target);
    gst_object_unref(target);
    gst_pad_set_chain_function(ghost, ingest_chain);
    gst_pad_set_chain_list_function(ghost, ingest_chain_list);
    gst_element_add_pad(bin, ghost);
}

static GstElement *make_sink(live_youtube_ingest *ingest, dk_error *err)
{
    const live_youtube_target *t = ingest->target;
    GstElement *sink = live_youtube_make("rtmp2sink", NULL, err);
    if (!sink)
        return NULL;
    gst_util_set_object_arg(G_OBJECT(sink), "scheme", t->scheme);
    /* the key goes in its own property, never into a location string that
     * could be read back or printed */
    g_object_set(sink, "host", t->host, "port", t->port, "application",
                 t->application, "stream", ingest->config->key, "async", FALSE,
                 "sync", FALSE, "async-connect", TRUE, NULL);
    return sink;
}

static int build(live_youtube_ingest *ingest, dk_error *err)
{
    int generation = g_atomic_int_add(&ingest->generation, 1) + 1;
    g_autofree char *name =
        g_strdup_printf("ingest-%s-%d", ingest->target->name, generation);
    GstElement *bin = gst_bin_new(name);
    GstElement *vq = live_youtube_queue(NULL, INGEST_QUEUE_SECONDS, true, err);
    GstElement *aq = live_youtube_queue(NULL, INGEST_QUEUE_SECONDS, true, err);
    GstElement *mux = live_youtube_make("flvmux", NULL, err);
    GstElement *sink = make_sink(ingest, err);
    if (!vq || !aq || !mux || !sink) {
        gst_object_unref(bin);
        return err->code;
    }
    g_object_set(mux, "streamable", TRUE, NULL);
    gst_bin_add_many(GST_BIN(bin), vq, aq, mux, sink, NULL);
    if (!gst_element_link_pads(vq, "src", mux, "video") ||
        !gst_element_link_pads(aq, "src", mux, "audio") ||
        !gst_element_link(mux, sink)) {
        gst_object_unref(bin);
        return dk_error_set(err, DK_ERR_INTERNAL, "cannot build the %s push",
                            ingest->target->name);
    }
    add_input(bin, vq, "video");
    add_input(bin, aq, "audio");
    g_object_set_data(G_OBJECT(bin), INGEST_KEY, ingest);
    g_object_set_data(G_OBJECT(bin), GENERATION_KEY,
                      GINT_TO_POINTER(generation));
    ingest->video_counter.in = ingest->video_counter.out = 0;
    live_youtube_counter_attach(&ingest->video_counter, vq);
    g_atomic_int_set(&ingest->cut, 0);
    g_atomic_int_set(&ingest->waiting_keyframe, 1);
    gst_bin_add(GST_BIN(ingest->pipeline), bin);
    ingest->bin = bin;
    ingest->sink = sink;
    ingest->tee_video =
        link_tee(ingest->encode->video_tee, bin, "video", gate_video, ingest);
    ingest->tee_audio =
        link_tee(ingest->encode->audio_tee, bin, "audio", gate_audio, ingest);
    gst_element_sync_state_with_parent(bin);
    /* ask the encoder for a keyframe now rather than waiting up to a GOP;
     * the recording gets one extra keyframe, nothing else changes */
    gst_pad_send_event(ingest->tee_video,
                       gst_video_event_new_upstream_force_key_unit(
                           GST_CLOCK_TIME_NONE, TRUE, 0));
    ingest->state = DK_LIVE_OUTPUT_CONNECTING;
    ingest->last_total = 0;
    live_youtube_tcp_forget(&ingest->tcp);
    ingest->connected_at = ingest->last_progress = g_get_monotonic_time();
    return 0;
}

static uint64_t bytes_out(live_youtube_ingest *ingest)
{
    if (!ingest->sink)
        return 0;
    GstStructure *stats = NULL;
    g_object_get(ingest->sink, "stats", &stats, NULL);
    guint64 total = 0;
    if (stats) {
        gst_structure_get_uint64(stats, "out-bytes-total", &total);
        gst_structure_free(stats);
    }
    return total;
}

/* Cuts the bin off the tees and removes it; the encoder goes on. */
static void teardown(live_youtube_ingest *ingest)
{
    if (!ingest->bin)
        return;
    g_atomic_int_set(&ingest->cut, 1);
    ingest->bytes_before += bytes_out(ingest);
    ingest->dropped_before +=
        live_youtube_counter_dropped(&ingest->video_counter);
    ingest->video_counter.queue = NULL;
    GstPad *tee_pads[2] = {ingest->tee_video, ingest->tee_audio};
    GstElement *tees[2] = {ingest->encode->video_tee,
                           ingest->encode->audio_tee};
    for (int i = 0; i < 2; i++) {
        GstPad *peer = gst_pad_get_peer(tee_pads[i]);
        if (peer) {
            gst_pad_unlink(tee_pads[i], peer);
            gst_object_unref(peer);
        }
        gst_element_release_request_pad(tees[i], tee_pads[i]);
        gst_object_unref(tee_pads[i]);
    }
    ingest->tee_video = ingest->tee_audio = NULL;
    gst_element_set_state(ingest->bin, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(ingest->pipeline), ingest->bin);
    ingest->bin = ingest->sink = NULL;
    ingest->bitrate = 0;
}

static gboolean retry_now(gpointer data);

/* Turns the library's words into what an operator can act on. */
static const char *explain(const char *why)
{
    if (strstr(why, "Already publishing") || strstr(why, "BadName"))
        return "the server still holds the previous connection's stream (it "
               "lets go after its own timeout): ";
    if (strstr(why, "'publish' cmd failed") || strstr(why, "NetStream.Publish"))
        return "the server refused the stream: is the stream key right, and "
               "is the live event set up? ";
    if (strstr(why, "TLS") || strstr(why, "certificate"))
        return "TLS failed (see tls-ca-file): ";
    return "";
}

static void fail(live_youtube_ingest *ingest, const char *why)
{
    bool was_live = ingest->state == DK_LIVE_OUTPUT_LIVE;
    teardown(ingest);
    if (ingest->stopping) {
        ingest->state = DK_LIVE_OUTPUT_STOPPED;
        return;
    }
    gint64 now = g_get_monotonic_time();
    if (!ingest->down_since) {
        ingest->down_since = now;
        ingest->last_outage_at = dk_live_uptime(ingest->live);
    }
    double wait = dk_retry_next_wait(&ingest->retry);
    /* a server that stays away would repeat the same line every attempt:
     * say it when it changes; the status line shows the countdown */
    if (was_live || g_strcmp0(why, ingest->last_why) != 0)
        dk_live_event(
            ingest->live, DK_LIVE_ERROR, ingest->target->name,
            "%s%s (%s); %s in %.1f s", explain(why), why, ingest->target->where,
            was_live ? "the recording goes on, reconnecting" : "retrying",
            wait);
    g_free(ingest->last_why);
    ingest->last_why = g_strdup(why);
    ingest->state = DK_LIVE_OUTPUT_RETRYING;
    ingest->retry_at = now + (gint64)(wait * 1e6);
    ingest->retry_source =
        g_timeout_add((guint)(wait * 1000), retry_now, ingest);
}

static gboolean retry_now(gpointer data)
{
    live_youtube_ingest *ingest = data;
    ingest->retry_source = 0;
    dk_error err = {0};
    if (build(ingest, &err) < 0)
        fail(ingest, err.message);
    return G_SOURCE_REMOVE;
}

int live_youtube_ingest_new(GstElement *pipeline,
                            const live_youtube_config *config,
                            const live_youtube_target *target, dk_live *live,
                            live_youtube_encode *encode,
                            live_youtube_ingest **out, dk_error *err)
{
    live_youtube_ingest *ingest = g_new0(live_youtube_ingest, 1);
    ingest->pipeline = pipeline;
    ingest->config = config;
    ingest->target = target;
    ingest->live = live;
    ingest->encode = encode;
    ingest->last_outage_at = -1;
    /* a returning server is used within reconnect-max-wait */
    dk_retry_policy policy = live_youtube_retry_policy(config->opt);
    dk_retry_init(&ingest->retry, &policy);
    live_youtube_tcp_init(&ingest->tcp, target->host, target->port);
    int rc = build(ingest, err);
    if (rc < 0) {
        live_youtube_tcp_clear(&ingest->tcp);
        g_free(ingest);
        return rc;
    }
    *out = ingest;
    return 0;
}

void live_youtube_ingest_free(live_youtube_ingest **ingest)
{
    if (!ingest || !*ingest)
        return;
    live_youtube_ingest *i = *ingest;
    if (i->retry_source)
        g_source_remove(i->retry_source);
    teardown(i);
    live_youtube_tcp_clear(&i->tcp);
    g_free(i->last_why);
    g_free(i->pending_why);
    g_free(i);
    *ingest = NULL;
}

bool live_youtube_ingest_message(live_youtube_ingest *ingest,
                                 GstMessage *message)
{
    GstElement *bin = owning_bin(ingest, GST_MESSAGE_SRC(message));
    if (!bin)
        return false;
    /* an error from a bin already removed was handled with that bin */
    bool current = is_current(ingest, bin) && ingest->bin;
    gst_object_unref(bin);
    /* acted on from the poll: removing a bin while the pipeline is still
     * changing state (a server that refuses at once) would stall it */
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR && current &&
        !ingest->pending_why)
        ingest->pending_why =
            live_youtube_error_text(message, ingest->config->key);
    return true;
}

void live_youtube_ingest_poll(live_youtube_ingest *ingest)
{
    if (ingest->pending_why) {
        g_autofree char *why = g_steal_pointer(&ingest->pending_why);
        fail(ingest, why);
        return;
    }
    gint64 now = g_get_monotonic_time();
    if (ingest->state != DK_LIVE_OUTPUT_CONNECTING || !ingest->bin ||
        (now - ingest->connected_at) / 1e6 < LIVE_AFTER_SECONDS ||
        bytes_out(ingest) < LIVE_AFTER_BYTES)
        return;
    ingest->state = DK_LIVE_OUTPUT_LIVE;
    dk_retry_reset(&ingest->retry);
    g_clear_pointer(&ingest->last_why, g_free);
    if (ingest->down_since) {
        ingest->reconnects++;
        ingest->outage_us += now - ingest->down_since;
        dk_live_event(ingest->live, DK_LIVE_INFO, ingest->target->name,
                      "live again on %s after %.1f s down",
                      ingest->target->where, (now - ingest->down_since) / 1e6);
        ingest->down_since = 0;
    } else {
        dk_live_event(ingest->live, DK_LIVE_INFO, ingest->target->name,
                      "live on %s", ingest->target->where);
    }
}

void live_youtube_ingest_tick(live_youtube_ingest *ingest)
{
    gint64 now = g_get_monotonic_time();
    double dt = ingest->last_tick ? (now - ingest->last_tick) / 1e6 : 1.0;
    ingest->last_tick = now;
    if (!ingest->bin || ingest->pending_why)
        return;
    uint64_t total = bytes_out(ingest);
    uint64_t delta =
        total > ingest->last_total ? total - ingest->last_total : 0;
    ingest->last_total = total;
    ingest->bitrate = dt > 0 ? delta * 8.0 / dt : 0;
    if (delta > 0)
        ingest->last_progress = now;
    g_autofree char *dead = NULL;
    if (!ingest->stopping && ingest->state == DK_LIVE_OUTPUT_LIVE &&
        live_youtube_tcp_dead(&ingest->tcp, ingest->config->opt->stall_timeout,
                              &dead)) {
        fail(ingest, dead);
        return;
    }
    if (!ingest->stopping && (now - ingest->last_progress) / 1e6 >
                                 ingest->config->opt->stall_timeout) {
        g_autofree char *why = g_strdup_printf(
            "nothing went out for %.0f s: the connection is dead",
            ingest->config->opt->stall_timeout);
        fail(ingest, why);
    }
}

void live_youtube_ingest_status(live_youtube_ingest *ingest,
                                dk_live_output_status *status)
{
    status->name = ingest->target->name;
    status->where = ingest->target->where;
    status->state = ingest->state;
    status->bitrate = ingest->bitrate;
    status->bytes_sent = ingest->bytes_before + ingest->last_total;
    status->dropped_frames =
        ingest->dropped_before +
        live_youtube_counter_dropped(&ingest->video_counter);
    status->reconnects = ingest->reconnects;
    gint64 now = g_get_monotonic_time();
    double wait = (ingest->retry_at - now) / 1e6;
    status->retry_in = wait > 0 ? wait : 0;
    status->outage_seconds =
        (ingest->outage_us +
         (ingest->down_since ? now - ingest->down_since : 0)) /
        1e6;
    status->last_outage_at = ingest->last_outage_at;
}

bool live_youtube_ingest_is_live(const live_youtube_ingest *ingest)
{
    return ingest->state == DK_LIVE_OUTPUT_LIVE;
}

bool live_youtube_ingest_stop(live_youtube_ingest *ingest)
{
    ingest->stopping = true;
    if (ingest->retry_source) {
        g_source_remove(ingest->retry_source);
        ingest->retry_source = 0;
    }
    if (ingest->state == DK_LIVE_OUTPUT_LIVE && ingest->bin &&
        !ingest->pending_why)
        return true; /* the end of stream unpublishes cleanly */
    teardown(ingest);
    ingest->state = DK_LIVE_OUTPUT_STOPPED;
    return false;
}
