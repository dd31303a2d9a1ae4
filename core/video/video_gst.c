/* GStreamer plumbing shared by the video plugins; see video_gst.h. */
#include "video_gst.h"

#include <errno.h>
#include <gst/pbutils/pbutils.h>
#include <stdarg.h>
#include <string.h>

#include <dokpim/plugin.h>
#include <dokpim/progress.h>

/* How often the waiting thread looks at the deadline and Ctrl-C. */
#define VIDEO_GST_POLL_NS (100 * GST_MSECOND)

/* Errors our own callbacks post carry this domain and a DK_ERR_* code. */
static GQuark video_gst_quark(void)
{
    return g_quark_from_static_string("dokpim-video");
}

int video_gst_init(dk_error *err)
{
    static gsize done;
    static gboolean ok;
    static char reason[256];
    if (g_once_init_enter(&done)) {
        GError *error = NULL;
        ok = gst_init_check(NULL, NULL, &error);
        if (ok)
            gst_pb_utils_init();
        else
            g_strlcpy(reason, error ? error->message : "unknown reason",
                      sizeof reason);
        g_clear_error(&error);
        g_once_init_leave(&done, 1);
    }
    if (!ok)
        return dk_error_set(err, DK_ERR_INTERNAL, "GStreamer did not start: %s",
                            reason);
    return 0;
}

GstElement *video_gst_make(const char *factory, const char *package,
                           dk_error *err)
{
    GstElement *element = gst_element_factory_make(factory, NULL);
    if (!element)
        dk_error_set(err, DK_ERR_UNSUPPORTED,
                     "GStreamer element %s is missing (install %s)", factory,
                     package);
    return element;
}

GstElement *video_gst_add(GstElement *bin, GstElement *element)
{
    if (element)
        gst_bin_add(GST_BIN(bin), element);
    return element;
}

GstElement *video_gst_add_new(GstElement *bin, const char *factory,
                              const char *package, dk_error *err)
{
    return video_gst_add(bin, video_gst_make(factory, package, err));
}

GstElement *video_gst_add_queue(GstElement *bin, guint buffers, guint64 time)
{
    GstElement *queue =
        video_gst_add(bin, gst_element_factory_make("queue", NULL));
    if (queue)
        g_object_set(queue, "max-size-buffers", buffers, "max-size-bytes", 0u,
                     "max-size-time", time, NULL);
    return queue;
}

GstElement *video_gst_add_capsfilter(GstElement *bin, GstCaps *caps)
{
    GstElement *filter = gst_element_factory_make("capsfilter", NULL);
    if (filter)
        g_object_set(filter, "caps", caps, NULL);
    gst_caps_unref(caps);
    return video_gst_add(bin, filter);
}

void video_gst_discard_pad(GstElement *bin, GstPad *pad)
{
    GstElement *sink = gst_element_factory_make("fakesink", NULL);
    if (!sink)
        return;
    g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add(GST_BIN(bin), sink);
    gst_element_sync_state_with_parent(sink);
    GstPad *sink_pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sink_pad);
    gst_object_unref(sink_pad);
}

int video_gst_link(dk_error *err, GstElement *first, ...)
{
    va_list args;
    va_start(args, first);
    GstElement *previous = first;
    GstElement *next;
    int rc = 0;
    while ((next = va_arg(args, GstElement *)) != NULL) {
        if (!gst_element_link(previous, next)) {
            rc = dk_error_set(err, DK_ERR_INTERNAL, "cannot link %s to %s",
                              GST_ELEMENT_NAME(previous),
                              GST_ELEMENT_NAME(next));
            break;
        }
        previous = next;
    }
    va_end(args);
    return rc;
}

const char *video_gst_flip_method(int rotation)
{
    switch (rotation) {
    case 90:
        return "clockwise";
    case 180:
        return "rotate-180";
    case 270:
        return "counterclockwise";
    default:
        return NULL;
    }
}

void video_gst_post_error(GstElement *element, int code, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *text = g_strdup_vprintf(fmt, args);
    va_end(args);
    GError *error = g_error_new_literal(video_gst_quark(), code, text);
    gst_element_post_message(
        element, gst_message_new_error(GST_OBJECT(element), error, NULL));
    g_error_free(error);
    g_free(text);
}

double video_gst_default_timeout(double duration)
{
    return 10.0 * (duration > 0 ? duration : 0) + 60.0;
}

gint64 video_gst_deadline(double timeout_s)
{
    return g_get_monotonic_time() + (gint64)(timeout_s * G_USEC_PER_SEC);
}

static int error_code(const GError *error)
{
    if (error->domain == video_gst_quark())
        return error->code < 0 ? error->code : DK_ERR_INTERNAL;
    if (error->domain == GST_RESOURCE_ERROR)
        return DK_ERR_IO;
    if (error->domain == GST_CORE_ERROR &&
        error->code == GST_CORE_ERROR_MISSING_PLUGIN)
        return DK_ERR_UNSUPPORTED;
    if (error->domain == GST_STREAM_ERROR &&
        (error->code == GST_STREAM_ERROR_CODEC_NOT_FOUND ||
         error->code == GST_STREAM_ERROR_WRONG_TYPE))
        return DK_ERR_UNSUPPORTED;
    return DK_ERR_INVALID;
}

#define VIDEO_GST_OUTPUT_KEY "dokpim-output-name"

void video_gst_name_output(GstElement *pipeline, const char *path)
{
    g_object_set_data_full(G_OBJECT(pipeline), VIDEO_GST_OUTPUT_KEY,
                           g_strdup(path), g_free);
}

static bool is_write_error(const GError *error)
{
    if (error->domain != GST_RESOURCE_ERROR)
        return false;
    switch (error->code) {
    case GST_RESOURCE_ERROR_WRITE:
    case GST_RESOURCE_ERROR_OPEN_WRITE:
    case GST_RESOURCE_ERROR_OPEN_READ_WRITE:
    case GST_RESOURCE_ERROR_NO_SPACE_LEFT:
    case GST_RESOURCE_ERROR_SYNC:
    case GST_RESOURCE_ERROR_CLOSE:
        return true;
    default:
        return false;
    }
}

/* Why a write failed: elements that hit an OS error (mp4mux's "Failed to
 * write to temporary file") put strerror in the debug text as GStreamer's
 * GST_ERROR_SYSTEM does, "...: system error: No space left on device";
 * the message alone does not say. NULL when it is not there. */
static char *system_reason(const GError *error, const char *debug)
{
    const char *at = debug ? strstr(debug, "system error: ") : NULL;
    if (at) {
        char *reason = g_strdup(at + strlen("system error: "));
        reason[strcspn(reason, "\r\n")] = '\0';
        return reason;
    }
    if (error->code == GST_RESOURCE_ERROR_NO_SPACE_LEFT)
        return g_strdup(g_strerror(ENOSPC));
    return NULL;
}

/* One line: GStreamer's message, plus which decoder was missing when a
 * missing-plugin message came first, since "missing a plug-in" alone does
 * not tell the crew that the camera used an unusual codec; for a failed
 * write, the file (output, when the pipeline was given one) and the OS's
 * reason. */
static int report_error(GstMessage *message, const char *missing,
                        const char *output, dk_error *err)
{
    GError *error = NULL;
    char *debug = NULL;
    gst_message_parse_error(message, &error, &debug);
    int code = error_code(error);
    char *text = g_strdup(error->message);
    g_strchomp(text);
    size_t len = strlen(text);
    if (len && text[len - 1] == '.')
        text[len - 1] = '\0';
    const char *element = GST_OBJECT_NAME(GST_MESSAGE_SRC(message));
    char *reason = is_write_error(error) ? system_reason(error, debug) : NULL;
    if (missing)
        dk_error_set(err, DK_ERR_UNSUPPORTED, "no decoder for %s", missing);
    else if (error->domain == video_gst_quark())
        dk_error_set(err, code, "%s", text);
    else if (is_write_error(error) && output)
        dk_error_set(err, code, "cannot write %s: %s%s%s (%s)", output, text,
                     reason ? ": " : "", reason ? reason : "", element);
    else
        dk_error_set(err, code, "%s%s%s (%s)", text, reason ? ": " : "",
                     reason ? reason : "", element);
    g_free(reason);
    g_free(text);
    g_free(debug);
    g_error_free(error);
    return missing ? DK_ERR_UNSUPPORTED : code;
}

/* 1 to keep waiting, or the error that ends the wait. */
static int check_limits(gint64 deadline, dk_error *err)
{
    if (dk_cancelled())
        return dk_error_set(err, DK_ERR_CANCELLED, "cancelled");
    if (g_get_monotonic_time() > deadline)
        return dk_error_set(err, DK_ERR_TIMEOUT,
                            "gave up: processing took longer than the "
                            "timeout (a damaged or hostile file?)");
    return 1;
}

void video_gst_progress_init(video_gst_progress *progress, const dk_item *item,
                             const char *note, double duration_seconds)
{
    progress->item = item;
    progress->note = note;
    progress->duration = duration_seconds > 0
                             ? (GstClockTime)(duration_seconds * GST_SECOND)
                             : 0;
    progress->first = GST_CLOCK_TIME_NONE;
    atomic_init(&progress->reached, -1);
    progress->shown = -1;
}

static GstPadProbeReturn note_position(GstPad *pad, GstPadProbeInfo *info,
                                       gpointer user)
{
    (void)pad;
    video_gst_progress *progress = user;
    GstClockTime pts = GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info));
    if (!GST_CLOCK_TIME_IS_VALID(pts))
        return GST_PAD_PROBE_OK;
    if (!GST_CLOCK_TIME_IS_VALID(progress->first))
        progress->first = pts;
    if (pts >= progress->first)
        atomic_store(&progress->reached, (gint64)(pts - progress->first));
    return GST_PAD_PROBE_OK;
}

void video_gst_progress_watch(video_gst_progress *progress, GstElement *element,
                              const char *pad_name)
{
    GstPad *pad = gst_element_get_static_pad(element, pad_name);
    if (!pad)
        return;
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, note_position, progress,
                      NULL);
    gst_object_unref(pad);
}

/* At most one report per thousandth: the CLI throttles further. */
static void report_progress(video_gst_progress *progress)
{
    if (!progress || !progress->item || !progress->duration)
        return;
    gint64 reached = atomic_load(&progress->reached);
    if (reached < 0)
        return;
    double fraction = (double)reached / (double)progress->duration;
    int permille = (int)(CLAMP(fraction, 0.0, 1.0) * 1000);
    if (permille <= progress->shown)
        return;
    progress->shown = permille;
    dk_progress(progress->item, permille / 1000.0, progress->note);
}

int video_gst_wait(GstElement *pipeline, GstMessageType until, gint64 deadline,
                   video_gst_progress *progress, dk_error *err)
{
    GstBus *bus = gst_element_get_bus(pipeline);
    char *missing = NULL;
    int rc = 1;
    while (rc > 0) {
        GstMessage *message = gst_bus_timed_pop_filtered(
            bus, VIDEO_GST_POLL_NS,
            until | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
        report_progress(progress);
        if (!message) {
            rc = check_limits(deadline, err);
            continue;
        }
        if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
            rc = report_error(
                message, missing,
                g_object_get_data(G_OBJECT(pipeline), VIDEO_GST_OUTPUT_KEY),
                err);
        } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ELEMENT) {
            if (gst_is_missing_plugin_message(message) && !missing)
                missing = gst_missing_plugin_message_get_description(message);
        } else if (GST_MESSAGE_TYPE(message) & until) {
            /* A sub-bin's ASYNC_DONE is not the pipeline's. */
            if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ASYNC_DONE ||
                GST_MESSAGE_SRC(message) == GST_OBJECT(pipeline))
                rc = 0;
        }
        gst_message_unref(message);
        if (rc > 0) /* a flood of messages must not outlive the deadline */
            rc = check_limits(deadline, err);
    }
    g_free(missing);
    gst_object_unref(bus);
    return rc;
}

int video_gst_play_to_end(GstElement *pipeline, gint64 deadline,
                          video_gst_progress *progress, dk_error *err)
{
    int rc = 0;
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE) {
        /* the bus usually holds the reason */
        rc = video_gst_wait(pipeline, 0, video_gst_deadline(1.0), NULL, err);
        if (rc == DK_ERR_TIMEOUT || rc == 0)
            rc = dk_error_set(err, DK_ERR_INTERNAL,
                              "the GStreamer pipeline would not start");
    }
    if (rc == 0)
        rc = video_gst_wait(pipeline, GST_MESSAGE_EOS, deadline, progress, err);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    return rc;
}
