/* Small GStreamer pieces every part of the live graph uses: making
 * elements with a useful message, queues, drop counters, error text. */
#include "live_youtube.h"

#include <string.h>

int live_youtube_gst_init(dk_error *err)
{
    GError *error = NULL;
    if (gst_init_check(NULL, NULL, &error))
        return 0;
    int rc =
        dk_error_set(err, DK_ERR_UNSUPPORTED, "GStreamer did not start: %s",
                     error ? error->message : "no reason given");
    g_clear_error(&error);
    return rc;
}

GstElement *live_youtube_make(const char *factory, const char *name,
                              dk_error *err)
{
    GstElement *element = gst_element_factory_make(factory, name);
    if (!element)
        dk_error_set(err, DK_ERR_UNSUPPORTED,
                     "GStreamer element '%s' is missing (install the "
                     "GStreamer plugins: scripts/install-deps.sh)",
                     factory);
    return element;
}

GstElement *live_youtube_queue(const char *name, double seconds, bool leaky,
                               dk_error *err)
{
    GstElement *queue = live_youtube_make("queue", name, err);
    if (!queue)
        return NULL;
    g_object_set(queue, "max-size-buffers", 0u, "max-size-bytes", 0u,
                 "max-size-time", (guint64)(seconds * GST_SECOND), NULL);
    if (leaky)
        g_object_set(queue, "leaky", 2 /* downstream: drop the oldest */, NULL);
    return queue;
}

void live_youtube_fill_black(GstVideoFrame *frame)
{
    for (int plane = 0; plane < 3; plane++) {
        guint8 *data = GST_VIDEO_FRAME_PLANE_DATA(frame, plane);
        int stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, plane);
        int rows = GST_VIDEO_FRAME_COMP_HEIGHT(frame, plane);
        int width = GST_VIDEO_FRAME_COMP_WIDTH(frame, plane);
        for (int y = 0; y < rows; y++)
            memset(data + (gsize)y * stride, plane ? 128 : 16, width);
    }
}

static GstPadProbeReturn count_buffer(GstPad *pad, GstPadProbeInfo *info,
                                      gpointer data)
{
    (void)pad;
    gint *counter = data;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
        g_atomic_int_inc(counter);
    return GST_PAD_PROBE_OK;
}

void live_youtube_counter_attach(live_youtube_counter *counter,
                                 GstElement *queue)
{
    counter->queue = queue;
    GstPad *sink = gst_element_get_static_pad(queue, "sink");
    GstPad *src = gst_element_get_static_pad(queue, "src");
    gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, count_buffer,
                      &counter->in, NULL);
    gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, count_buffer,
                      &counter->out, NULL);
    gst_object_unref(sink);
    gst_object_unref(src);
}

uint64_t live_youtube_counter_dropped(const live_youtube_counter *counter)
{
    if (!counter->queue)
        return 0;
    guint level = 0;
    g_object_get(counter->queue, "current-level-buffers", &level, NULL);
    gint64 in = g_atomic_int_get(&counter->in);
    gint64 out = g_atomic_int_get(&counter->out);
    gint64 dropped = in - out - (gint64)level;
    return dropped > 0 ? (uint64_t)dropped : 0;
}

char *live_youtube_error_text(GstMessage *message, const char *key)
{
    GError *error = NULL;
    char *debug = NULL;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING)
        gst_message_parse_warning(message, &error, &debug);
    else
        gst_message_parse_error(message, &error, &debug);
    GString *text = g_string_new(error ? error->message : "unknown error");
    /* The debug string starts with a source file location; only its last
     * line says something an operator can act on, and only sometimes. */
    if (debug) {
        char *last = strrchr(debug, '\n');
        last = last ? last + 1 : debug;
        if (*last && !strstr(last, ".c(") &&
            !g_str_has_prefix(last, "domain ") && !strstr(text->str, last))
            g_string_append_printf(text, " (%s)", last);
    }
    g_clear_error(&error);
    g_free(debug);
    char *flat = g_strdelimit(g_string_free(text, FALSE), "\r\n", ' ');
    char *redacted = dk_live_redact(flat, key);
    g_free(flat);
    return redacted;
}
