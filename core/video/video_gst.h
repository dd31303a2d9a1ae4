/* Running GStreamer pipelines inside a dokpim stage: initialise once,
 * make elements with a clear error when a plugin is missing, wait on the
 * bus with a deadline (a hostile file must never hang a worker), and turn
 * bus errors into one dk_error line. Shared by the video plugins. */
#ifndef VIDEO_GST_H
#define VIDEO_GST_H

#include <gst/gst.h>

#include <dokpim/error.h>
#include <dokpim/item.h>
#include <stdatomic.h>

/* gst_init_check, once per process; safe from several threads. */
int video_gst_init(dk_error *err);

/* gst_element_factory_make, or NULL with "GStreamer element X is missing
 * (install Y)" in err. */
GstElement *video_gst_make(const char *factory, const char *package,
                           dk_error *err);

/* Adds element (may be NULL, then returns NULL) to bin and returns it. */
GstElement *video_gst_add(GstElement *bin, GstElement *element);

/* video_gst_make + video_gst_add. */
GstElement *video_gst_add_new(GstElement *bin, const char *factory,
                              const char *package, dk_error *err);

/* A queue in bin bounded by whichever limit is reached first (0 = that
 * limit off); NULL if the element is missing. */
GstElement *video_gst_add_queue(GstElement *bin, guint buffers, guint64 time);

/* A capsfilter in bin; takes ownership of caps. */
GstElement *video_gst_add_capsfilter(GstElement *bin, GstCaps *caps);

/* Links pad to a new fakesink in bin: streams we do not want (a second
 * audio track, subtitles, timecode) must still flow, or the demuxer
 * stops. For pads that appear while the pipeline runs. */
void video_gst_discard_pad(GstElement *bin, GstPad *pad);

/* Links a chain of elements already in one bin; err names the pair that
 * would not link. The list ends with NULL. */
int video_gst_link(dk_error *err, GstElement *first,
                   ...) G_GNUC_NULL_TERMINATED;

/* videoflip's method for a clockwise turn of 0/90/180/270 degrees, or
 * NULL for none. */
const char *video_gst_flip_method(int rotation);

/* Posts an error on the pipeline's bus from a streaming thread (a pad-added
 * callback that finds no video, say); the waiting thread returns it with
 * code. */
void video_gst_post_error(GstElement *element, int code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* The file the pipeline writes, as the user knows it (the final name,
 * not the temp file): an error writing it (a full disk) then says
 * "cannot write PATH: ...: No space left on device (element)". */
void video_gst_name_output(GstElement *pipeline, const char *path);

/* Seconds of wall time a file of `duration` seconds may take when the user
 * gave no timeout: generous (10x + 60 s), but finite. */
double video_gst_default_timeout(double duration);

/* Monotonic deadline timeout_s from now (g_get_monotonic_time units). */
gint64 video_gst_deadline(double timeout_s);

/* How far a long pipeline has come, as a share of the source's duration.
 * A buffer probe stores the time of the newest frame through one element;
 * the thread waiting on the bus reports it with dk_progress(). Pipeline
 * position queries are no use here: mp4mux in fast-start mode writes
 * nothing downstream until the very end. */
typedef struct video_gst_progress {
    const dk_item *item;
    const char *note;       /* "encoding" */
    GstClockTime duration;  /* of the source; 0: unknown, no reports */
    GstClockTime first;     /* pts of the first frame; streaming thread */
    _Atomic gint64 reached; /* ns since the first frame; -1: none yet */
    int shown;              /* permille last reported; waiting thread */
} video_gst_progress;

void video_gst_progress_init(video_gst_progress *progress, const dk_item *item,
                             const char *note, double duration_seconds);

/* Follows the buffers that pass element's pad `pad_name`. */
void video_gst_progress_watch(video_gst_progress *progress, GstElement *element,
                              const char *pad_name);

/* Waits until a message of one of the types in `until` arrives (EOS,
 * ASYNC_DONE), an error does, the deadline passes or the run is cancelled,
 * reporting progress meanwhile when given one (may be NULL).
 * Returns 0 when `until` was reached. Does not change the state. */
int video_gst_wait(GstElement *pipeline, GstMessageType until, gint64 deadline,
                   video_gst_progress *progress, dk_error *err);

/* Sets PLAYING and waits for EOS as above; always leaves the pipeline in
 * NULL state so its files are closed when it returns. */
int video_gst_play_to_end(GstElement *pipeline, gint64 deadline,
                          video_gst_progress *progress, dk_error *err);

#endif
