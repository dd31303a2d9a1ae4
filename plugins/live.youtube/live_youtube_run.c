/* One live session: build the graph (see live_youtube.h), play it, and run
 * the main loop until the session asks to stop.
 *
 * The main loop (GLib's default context, on the thread the core called
 * live() from) handles bus messages, a 100 ms tick for stop requests and
 * operator commands, and a 1 s tick for the overlay schedule, the clock,
 * the watchdogs and the status report. Stopping sends EOS so the recording
 * is finalised, lets live pushes unpublish cleanly, and gives up waiting
 * after STOP_DEADLINE seconds whatever the network does. */
#include "live_youtube.h"
#include "live_youtube_feed.h"

#include <gio/gio.h>

#define STOP_DEADLINE 2.0  /* seconds from stop to pipeline teardown */
#define START_TIMEOUT 20.0 /* seconds for the source to start playing */

typedef struct live_run {
    const live_youtube_config *config;
    dk_live *live;
    GMainLoop *loop;
    GstElement *pipeline;
    live_youtube_overlay *overlay;
    live_youtube_encode encode;
    live_youtube_feed *feed;
    live_youtube_record *record;
    live_youtube_ingest *ingests[2];
    int n_ingests;
    live_youtube_figures figures;
    bool begun, stopping;
    int ending; /* pushes still unpublishing after the stop */
    gint64 started, stop_started;
    int rc;
    dk_error *err;
} live_run;

/* Streaming threads: an ingest's error must close its gate before the
 * failure can flow back into the tee. */
static GstBusSyncReply on_bus_sync(GstBus *bus, GstMessage *message,
                                   gpointer data)
{
    (void)bus;
    live_run *run = data;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR)
        for (int i = 0; i < run->n_ingests; i++)
            if (live_youtube_ingest_sync_error(run->ingests[i], message))
                break;
    return GST_BUS_PASS;
}

static void fatal(live_run *run, int code, const char *message)
{
    if (run->rc == 0)
        run->rc = dk_error_set(run->err, code, "%s", message);
    g_main_loop_quit(run->loop);
}

static void announce(live_run *run)
{
    const live_youtube_config *c = run->config;
    static const char *const sources[] = {"test pattern", "camera", "feed",
                                          "file (looped)"};
    dk_live_event(run->live, DK_LIVE_INFO, NULL,
                  "started: %s, %dx%d %d fps, H.264 %d kb/s + AAC %d kb/s",
                  sources[c->opt->source], c->width, c->height, c->fps,
                  c->video_kbps, c->opt->audio_bitrate);
}

static void on_source_lost(void *data, bool lost)
{
    live_run *run = data;
    live_youtube_overlay_source_lost(run->overlay, lost);
}

static gboolean on_bus(GstBus *bus, GstMessage *message, gpointer data)
{
    (void)bus;
    live_run *run = data;
    for (int i = 0; i < run->n_ingests; i++)
        if (live_youtube_ingest_message(run->ingests[i], message))
            return G_SOURCE_CONTINUE;
    if (run->record && live_youtube_record_message(run->record, message))
        return G_SOURCE_CONTINUE;
    if (live_youtube_figures_message(&run->figures, message))
        return G_SOURCE_CONTINUE;
    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
        g_autofree char *text =
            live_youtube_error_text(message, run->config->key);
        g_autofree char *who = gst_object_get_name(GST_MESSAGE_SRC(message));
        g_autofree char *full = g_strdup_printf("%s: %s", who, text);
        fatal(run, DK_ERR_IO, full);
        break;
    }
    case GST_MESSAGE_WARNING: {
        g_autofree char *text =
            live_youtube_error_text(message, run->config->key);
        dk_live_event(run->live, DK_LIVE_WARNING, NULL, "%s", text);
        break;
    }
    case GST_MESSAGE_EOS:
        g_main_loop_quit(run->loop);
        break;
    case GST_MESSAGE_STATE_CHANGED: {
        GstState now;
        gst_message_parse_state_changed(message, NULL, &now, NULL);
        if (GST_MESSAGE_SRC(message) == GST_OBJECT(run->pipeline) &&
            now == GST_STATE_PLAYING && !run->begun) {
            run->begun = true;
            dk_live_begin(run->live);
            announce(run);
            if (run->feed)
                live_youtube_feed_start(run->feed, run->live, on_source_lost,
                                        run);
        }
        break;
    }
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

static void begin_stop(live_run *run)
{
    run->stopping = true;
    run->stop_started = g_get_monotonic_time();
    dk_live_event(run->live, DK_LIVE_INFO, NULL, "ending the live%s",
                  run->record ? ": finalising the recording" : "");
    for (int i = 0; i < run->n_ingests; i++)
        run->ending += live_youtube_ingest_stop(run->ingests[i]);
    /* completed while the recording is finalised, not after */
    live_youtube_broadcast_end(run->config->broadcast);
    if (run->feed)
        live_youtube_feed_stop(run->feed);
    /* EOS from the source: it flows through the encoders to the muxers,
     * which write their indexes and close the files */
    live_youtube_encode_end(&run->encode);
}

static void apply_command(live_run *run, const dk_live_command *command)
{
    const char *what = NULL;
    bool on = live_youtube_overlay_command(run->overlay, command, &what);
    if (command->kind == DK_LIVE_CMD_SLATE)
        g_object_set(run->encode.volume, "mute", on, NULL);
    dk_live_event(run->live, DK_LIVE_INFO, NULL, "%s %s", what,
                  on ? "on" : "off");
}

static gboolean fast_tick(gpointer data)
{
    live_run *run = data;
    if (!run->begun) {
        /* nothing recorded yet: a stop now just ends */
        if (dk_live_stop_requested(run->live))
            g_main_loop_quit(run->loop);
        else if ((g_get_monotonic_time() - run->started) / 1e6 > START_TIMEOUT)
            fatal(run, DK_ERR_TIMEOUT, "the source did not start within 20 s");
        return G_SOURCE_CONTINUE;
    }
    if (!run->stopping && dk_live_stop_requested(run->live))
        begin_stop(run);
    dk_live_command command;
    while (!run->stopping && dk_live_next_command(run->live, &command))
        apply_command(run, &command);
    bool on_air = false;
    for (int i = 0; i < run->n_ingests; i++) {
        live_youtube_ingest_poll(run->ingests[i]);
        on_air |= live_youtube_ingest_is_live(run->ingests[i]);
    }
    if (!run->stopping)
        live_youtube_figures_on_air(&run->figures, on_air);
    if (run->stopping) {
        double waited = (g_get_monotonic_time() - run->stop_started) / 1e6;
        /* the pipeline posts EOS only when every sink has it; with no
         * push left to unpublish, the finished recording is enough */
        if (!run->ending &&
            (!run->record || live_youtube_record_finished(run->record)))
            g_main_loop_quit(run->loop);
        else if (waited > STOP_DEADLINE) {
            dk_live_event(run->live, DK_LIVE_WARNING, NULL,
                          "the pipeline did not drain within %.0f s; "
                          "closing it anyway",
                          STOP_DEADLINE);
            g_main_loop_quit(run->loop);
        }
    }
    return G_SOURCE_CONTINUE;
}

/* Returns whether an ingest is live (the server takes the stream). */
static bool report(live_run *run)
{
    dk_live_output_status outputs[2] = {0};
    bool pushing = false;
    for (int i = 0; i < run->n_ingests; i++) {
        live_youtube_ingest_status(run->ingests[i], &outputs[i]);
        pushing = pushing || outputs[i].state == DK_LIVE_OUTPUT_LIVE;
    }
    dk_live_status status = {
        .frames = (uint64_t)g_atomic_int_get(&run->encode.frames),
        .dropped_frames = live_youtube_encode_dropped(&run->encode),
        .n_outputs = run->n_ingests,
        .outputs = outputs,
    };
    if (run->record) {
        status.recording = live_youtube_record_current(run->record);
        status.recording_bytes = live_youtube_record_bytes(run->record);
    }
    live_youtube_figures_fill(&run->figures, status.frames, status.recording,
                              &status);
    live_youtube_overlay_state(run->overlay, &status.lower_third, &status.slate,
                               &status.clock);
    dk_live_report(run->live, &status);
    return pushing;
}

static gboolean status_tick(gpointer data)
{
    live_run *run = data;
    if (!run->begun)
        return G_SOURCE_CONTINUE;
    live_youtube_overlay_tick(run->overlay, dk_live_uptime(run->live));
    if (run->record)
        live_youtube_record_tick(run->record);
    for (int i = 0; i < run->n_ingests; i++)
        live_youtube_ingest_tick(run->ingests[i]);
    bool pushing = report(run);
    live_youtube_broadcast_tick(run->config->broadcast, run->live, pushing);
    return G_SOURCE_CONTINUE;
}

static int trust_ca(const live_youtube_config *c, dk_error *err)
{
    const char *ca_file = c->opt->tls_ca_file;
    if (!*ca_file)
        return 0;
    GError *error = NULL;
    GTlsDatabase *db = g_tls_file_database_new(ca_file, &error);
    if (!db) {
        int rc = dk_error_set(err, DK_ERR_CONFIG, "tls-ca-file %s: %s", ca_file,
                              error->message);
        g_error_free(error);
        return rc;
    }
    /* process-wide, and this process only runs this live */
    g_tls_backend_set_default_database(g_tls_backend_get_default(), db);
    g_object_unref(db);
    return 0;
}

static int build(live_run *run, dk_error *err)
{
    const live_youtube_config *c = run->config;
    int rc = trust_ca(c, err);
    if (rc < 0)
        return rc;
    if ((rc = live_youtube_overlay_new(c, &run->overlay, err)) < 0)
        return rc;
    run->pipeline = gst_pipeline_new("live");
    run->encode.source = live_youtube_source_new(c, &run->feed, err);
    if (!run->encode.source)
        return err->code;
    if ((rc = live_youtube_encode_build(run->pipeline, c, run->overlay,
                                        &run->encode, err)) < 0)
        return rc;
    /* only for a page that shows it: it costs CPU a starved encoder needs */
    if (dk_live_preview_wanted(run->live) &&
        (rc = live_youtube_preview_build(
             run->pipeline, c, run->encode.programme_tee, run->live, err)) < 0)
        return rc;
    /* the recording first: it takes the tees' first pads */
    if (c->opt->record &&
        (rc = live_youtube_record_new(run->pipeline, c, run->live, &run->encode,
                                      &run->record, err)) < 0)
        return rc;
    for (int i = 0; i < c->n_targets; i++) {
        if ((rc = live_youtube_ingest_new(run->pipeline, c, &c->targets[i],
                                          run->live, &run->encode,
                                          &run->ingests[i], err)) < 0)
            return rc;
        run->n_ingests++;
    }
    return 0;
}

static void teardown(live_run *run)
{
    if (run->pipeline)
        gst_element_set_state(run->pipeline, GST_STATE_NULL);
    if (run->record)
        live_youtube_record_close(run->record);
    for (int i = 0; i < run->n_ingests; i++)
        live_youtube_ingest_free(&run->ingests[i]);
    live_youtube_record_free(&run->record);
    live_youtube_feed_free(&run->feed);
    if (run->pipeline)
        gst_object_unref(run->pipeline);
    else if (run->encode.source)
        gst_object_unref(run->encode.source);
    live_youtube_overlay_free(&run->overlay);
}

/* The bus holds the reason a state change failed (no camera, busy
 * device...). */
static int start_failed(live_run *run, dk_error *err)
{
    GstBus *bus = gst_element_get_bus(run->pipeline);
    GstMessage *message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    gst_object_unref(bus);
    if (!message)
        return dk_error_set(err, DK_ERR_IO, "the live pipeline did not start");
    g_autofree char *text = live_youtube_error_text(message, run->config->key);
    g_autofree char *who = gst_object_get_name(GST_MESSAGE_SRC(message));
    gst_message_unref(message);
    return dk_error_set(err, DK_ERR_IO, "the live did not start: %s: %s", who,
                        text);
}

int live_youtube_run(const live_youtube_config *config, dk_live *live,
                     dk_error *err)
{
    live_run run = {.config = config, .live = live, .err = err};
    live_youtube_figures_init(&run.figures);
    run.loop = g_main_loop_new(NULL, FALSE);
    live_youtube_broadcast_start(config->broadcast);
    int rc = build(&run, err);
    guint bus_watch = 0, fast = 0, slow = 0;
    if (rc == 0) {
        GstBus *bus = gst_element_get_bus(run.pipeline);
        gst_bus_set_sync_handler(bus, on_bus_sync, &run, NULL);
        bus_watch = gst_bus_add_watch(bus, on_bus, &run);
        gst_object_unref(bus);
        run.started = g_get_monotonic_time();
        fast = g_timeout_add(100, fast_tick, &run);
        slow = g_timeout_add(1000, status_tick, &run);
        if (gst_element_set_state(run.pipeline, GST_STATE_PLAYING) ==
            GST_STATE_CHANGE_FAILURE)
            rc = start_failed(&run, err);
    }
    if (rc == 0) {
        g_main_loop_run(run.loop);
        rc = run.rc;
    }
    if (fast)
        g_source_remove(fast);
    if (slow)
        g_source_remove(slow);
    if (rc == 0 && run.begun)
        report(&run);
    teardown(&run);
    /* a failed start ends the API thread too; a broadcast that never went
     * live stays scheduled, for the next try */
    live_youtube_broadcast_finish(config->broadcast, live);
    if (bus_watch)
        g_source_remove(bus_watch);
    g_main_loop_unref(run.loop);
    return rc;
}
