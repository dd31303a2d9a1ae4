/* The local recording: the first pads of both tees, through blocking
 * queues, into Matroska or fragmented MP4:
 *
 *   one file (record-segment=0):  muxer ! filesink
 *   segments:                     splitmuxsink (muxer inside)
 *
 * splitmuxsink holds a whole GOP back to decide where to cut, so it is only
 * used when cutting is asked for. Both formats are readable up to the last
 * cluster or fragment written, so a crash or a power cut loses seconds, not
 * the event; once a second the file is also pushed to the disk (fdatasync
 * from a worker thread) so "written" means on the disk, not in the page
 * cache.
 *
 * The recording is written under its final name, not through dk_atomic:
 * a temporary name would be swept away by the next run after a crash,
 * which is exactly the case a live recording must survive. Names carry
 * the start time, and an existing file is never overwritten. */
#include "live_youtube.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct live_youtube_record {
    const live_youtube_config *config;
    dk_live *live;
    GstElement *sink; /* splitmuxsink, or the filesink of the one file */
    char *dir;
    const char *extension;
    char *current;          /* file being written, or NULL */
    uint64_t closed_bytes;  /* files already finished */
    uint64_t current_bytes; /* as of the last tick */
    gint eos;               /* atomic: end of stream reached the file's sink */
    bool finished;          /* the last file is complete */
    GThreadPool *syncer;
};

static void sync_file(gpointer data, gpointer user)
{
    (void)user;
    char *path = data;
    /* fsync works on a read-only descriptor: it flushes the file, not the
     * descriptor */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fdatasync(fd);
        close(fd);
    }
    g_free(path);
}

/* The name of the next file: the start time is in the stem, and an
 * existing file is never reused. */
static char *next_path(live_youtube_record *r, guint fragment)
{
    g_autofree char *base =
        r->config->opt->record_segment
            ? g_strdup_printf("%s_%03u", r->config->record_stem, fragment)
            : g_strdup(r->config->record_stem);
    char *path = NULL;
    for (int n = 1;; n++) {
        g_autofree char *name =
            n == 1 ? g_strdup_printf("%s.%s", base, r->extension)
                   : g_strdup_printf("%s-%d.%s", base, n, r->extension);
        path = g_build_filename(r->dir, name, NULL);
        if (!g_file_test(path, G_FILE_TEST_EXISTS))
            break;
        g_free(path);
    }
    return path;
}

/* Streaming thread of splitmuxsink. */
static gchar *on_format_location(GstElement *sink, guint fragment,
                                 gpointer data)
{
    (void)sink;
    return next_path(data, fragment);
}

static GstPadProbeReturn on_record_event(GstPad *pad, GstPadProbeInfo *info,
                                         gpointer data)
{
    (void)pad;
    live_youtube_record *r = data;
    if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS)
        g_atomic_int_set(&r->eos, 1);
    return GST_PAD_PROBE_OK;
}

static char *record_dir(const live_youtube_config *c, dk_live *live)
{
    if (!c->record_dir)
        return g_build_filename(dk_live_library(live), "live", NULL);
    if (g_path_is_absolute(c->record_dir))
        return g_strdup(c->record_dir);
    return g_build_filename(dk_live_library(live), c->record_dir, NULL);
}

static GstElement *make_muxer(const live_youtube_config *c, dk_error *err)
{
    if (c->opt->record_format == LIVE_YOUTUBE_RECORD_MKV) {
        GstElement *mux = live_youtube_make("matroskamux", "record-mux", err);
        if (mux)
            g_object_set(mux, "writing-app", "dokpim live", NULL);
        return mux;
    }
    /* fragmented: a moov up front, then self-contained 1 s fragments */
    GstElement *mux = live_youtube_make("mp4mux", "record-mux", err);
    if (mux)
        g_object_set(mux, "fragment-duration", 1000u, NULL);
    return mux;
}

static bool link_branch(GstElement *pipeline, GstElement *tee, GstElement *sink,
                        const char *sink_template, const char *queue_name,
                        dk_error *err)
{
    /* blocking: the recording gets every frame, and the queue absorbs a
     * slow disk for a few seconds before it holds the encoder back */
    GstElement *queue = live_youtube_queue(queue_name, 5.0, false, err);
    if (!queue)
        return false;
    gst_bin_add(GST_BIN(pipeline), queue);
    GstPad *tee_pad = gst_element_request_pad_simple(tee, "src_%u");
    GstPad *queue_sink = gst_element_get_static_pad(queue, "sink");
    GstPad *queue_src = gst_element_get_static_pad(queue, "src");
    GstPad *mux_pad = gst_element_request_pad_simple(sink, sink_template);
    bool ok = tee_pad && mux_pad &&
              gst_pad_link(tee_pad, queue_sink) == GST_PAD_LINK_OK &&
              gst_pad_link(queue_src, mux_pad) == GST_PAD_LINK_OK;
    gst_clear_object(&tee_pad);
    gst_clear_object(&mux_pad);
    gst_object_unref(queue_sink);
    gst_object_unref(queue_src);
    if (!ok)
        dk_error_set(err, DK_ERR_INTERNAL, "cannot link the recording");
    return ok;
}

/* splitmuxsink names its files itself (format-location) and reports them
 * in element messages. */
static GstElement *build_segments(GstElement *pipeline, live_youtube_record *r,
                                  dk_error *err)
{
    GstElement *mux = make_muxer(r->config, err);
    GstElement *split = live_youtube_make("splitmuxsink", "record", err);
    if (!mux || !split) {
        if (mux)
            gst_object_unref(mux);
        if (split)
            gst_object_unref(split);
        return NULL;
    }
    g_object_set(split, "muxer", mux, "async-finalize", FALSE,
                 "send-keyframe-requests", FALSE, "max-size-time",
                 (guint64)r->config->opt->record_segment * 60 * GST_SECOND,
                 NULL);
    g_signal_connect(split, "format-location", G_CALLBACK(on_format_location),
                     r);
    r->sink = gst_object_ref(split);
    gst_bin_add(GST_BIN(pipeline), split);
    return split;
}

static GstElement *build_one_file(GstElement *pipeline, live_youtube_record *r,
                                  dk_error *err)
{
    GstElement *mux = make_muxer(r->config, err);
    GstElement *file = live_youtube_make("filesink", "record", err);
    if (!mux || !file) {
        if (mux)
            gst_object_unref(mux);
        if (file)
            gst_object_unref(file);
        return NULL;
    }
    r->current = next_path(r, 0);
    g_object_set(file, "location", r->current, "async", FALSE, NULL);
    r->sink = gst_object_ref(file);
    gst_bin_add_many(GST_BIN(pipeline), mux, file, NULL);
    gst_element_link(mux, file);
    /* EOS at the file means the muxer has written its index: complete */
    GstPad *pad = gst_element_get_static_pad(file, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_record_event,
                      r, NULL);
    gst_object_unref(pad);
    dk_live_event(r->live, DK_LIVE_INFO, "recording", "writing %s", r->current);
    return mux;
}

int live_youtube_record_new(GstElement *pipeline,
                            const live_youtube_config *config, dk_live *live,
                            live_youtube_encode *encode,
                            live_youtube_record **out, dk_error *err)
{
    *out = NULL;
    live_youtube_record *r = g_new0(live_youtube_record, 1);
    r->config = config;
    r->live = live;
    r->extension =
        config->opt->record_format == LIVE_YOUTUBE_RECORD_MP4 ? "mp4" : "mkv";
    r->dir = record_dir(config, live);
    if (g_mkdir_with_parents(r->dir, 0755) < 0) {
        int rc = dk_error_set(err, DK_ERR_IO,
                              "cannot create the recording folder %s: %s",
                              r->dir, g_strerror(errno));
        live_youtube_record_free(&r);
        return rc;
    }
    GstElement *target = config->opt->record_segment
                             ? build_segments(pipeline, r, err)
                             : build_one_file(pipeline, r, err);
    /* the recording takes the tees' first pads: it is fed before any
     * ingest */
    bool split = config->opt->record_segment > 0;
    if (!target ||
        !link_branch(pipeline, encode->video_tee, target,
                     split ? "video" : "video_%u", "record-video", err) ||
        !link_branch(pipeline, encode->audio_tee, target, "audio_%u",
                     "record-audio", err)) {
        live_youtube_record_free(&r);
        return err->code ? err->code : DK_ERR_INTERNAL;
    }
    if (split) {
        /* the end of stream on its way in; the file is complete once
         * splitmuxsink reports it closed after that */
        GstElement *queue =
            gst_bin_get_by_name(GST_BIN(pipeline), "record-video");
        GstPad *pad = gst_element_get_static_pad(queue, "src");
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                          on_record_event, r, NULL);
        gst_object_unref(pad);
        gst_object_unref(queue);
    }
    r->syncer = g_thread_pool_new(sync_file, NULL, 1, FALSE, NULL);
    *out = r;
    return 0;
}

void live_youtube_record_free(live_youtube_record **record)
{
    if (!record || !*record)
        return;
    live_youtube_record *r = *record;
    if (r->syncer)
        g_thread_pool_free(r->syncer, FALSE, TRUE);
    gst_clear_object(&r->sink);
    g_free(r->dir);
    g_free(r->current);
    g_free(r);
    *record = NULL;
}

static uint64_t file_size(const char *path)
{
    GStatBuf st;
    return path && g_stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

bool live_youtube_record_message(live_youtube_record *r, GstMessage *message)
{
    if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT ||
        GST_MESSAGE_SRC(message) != GST_OBJECT(r->sink))
        return false;
    const GstStructure *s = gst_message_get_structure(message);
    const char *location = gst_structure_get_string(s, "location");
    if (!location)
        return true;
    if (gst_structure_has_name(s, "splitmuxsink-fragment-opened")) {
        g_free(r->current);
        r->current = g_strdup(location);
        dk_live_event(r->live, DK_LIVE_INFO, "recording", "writing %s",
                      location);
    } else if (gst_structure_has_name(s, "splitmuxsink-fragment-closed")) {
        g_thread_pool_push(r->syncer, g_strdup(location), NULL);
        r->closed_bytes += file_size(location);
        r->current_bytes = 0;
        dk_live_add_recording(r->live, location);
        if (g_strcmp0(location, r->current) == 0)
            g_clear_pointer(&r->current, g_free);
        if (g_atomic_int_get(&r->eos))
            r->finished = true;
    }
    return true;
}

void live_youtube_record_tick(live_youtube_record *r)
{
    if (!r->current)
        return;
    r->current_bytes = file_size(r->current);
    /* one flush in flight at a time: a slow disk must not pile them up */
    if (g_thread_pool_unprocessed(r->syncer) == 0)
        g_thread_pool_push(r->syncer, g_strdup(r->current), NULL);
}

const char *live_youtube_record_current(const live_youtube_record *r)
{
    return r->current;
}

uint64_t live_youtube_record_bytes(const live_youtube_record *r)
{
    return r->closed_bytes + r->current_bytes;
}

bool live_youtube_record_finished(const live_youtube_record *r)
{
    if (!r->config->opt->record_segment)
        return g_atomic_int_get(&((live_youtube_record *)r)->eos);
    return r->finished;
}

void live_youtube_record_close(live_youtube_record *r)
{
    if (!r->current)
        return;
    if (!live_youtube_record_finished(r))
        /* still playable (that is what the format is for), only without
         * its index */
        dk_live_event(r->live, DK_LIVE_WARNING, "recording",
                      "%s was closed before it was finalised; it plays, "
                      "but seeking may be slow",
                      r->current);
    dk_live_add_recording(r->live, r->current);
    g_clear_pointer(&r->current, g_free);
}
