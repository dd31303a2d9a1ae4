/* live.youtube — one live event to YouTube Live (or any RTMP/RTMPS ingest)
 * with overlays, a crash-safe local recording, and pushes that reconnect on
 * their own. Private to the plugin.
 *
 * The GStreamer graph, built once and never rebuilt while live:
 *
 *   source ─ video ─ queue(leaky) ─ convert/scale/rate ─ I420 caps ─┐
 *     │                     overlay probe (logo, lower third, clock, slate)
 *     │                                               x264enc ─ h264parse ─ tee
 *     └──── audio ─ queue(leaky) ─ convert/resample ─ volume ─ AAC ─ tee  │
 *                                                                         │
 *   tee pad 0 ─ queue ─ splitmuxsink (Matroska / fragmented MP4)  recording
 *   tee pad n ─ [bin: leaky queues ─ flvmux ─ rtmp2sink]          an ingest
 *
 * The recording takes the first pads of both tees and blocking queues, so it
 * gets every frame; each ingest sits in its own bin behind leaky queues, so
 * a slow or dead network can only drop its own frames. An ingest that fails
 * is cut off at its tee pads (its buffers dropped there at once, from the
 * bus's sync handler), removed, and built again after the core's retry wait;
 * the encoder and the recording never notice. See README.md. */
#ifndef LIVE_YOUTUBE_H
#define LIVE_YOUTUBE_H

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <dokpim/dokpim.h>
#include <dokpim/live.h>
#include <dokpim/overlay.h>

/* ---- configuration (options in live_youtube.c, the rest in
 *      live_youtube_config.c) ---- */

/* The ENUM options' values, in the order of their choices. */
typedef enum {
    LIVE_YOUTUBE_SOURCE_TEST,
    LIVE_YOUTUBE_SOURCE_V4L2,
    LIVE_YOUTUBE_SOURCE_URI,
    LIVE_YOUTUBE_SOURCE_FILE,
} live_youtube_source_kind;

typedef enum {
    LIVE_YOUTUBE_AUDIO_AUTO,
    LIVE_YOUTUBE_AUDIO_PULSE,
    LIVE_YOUTUBE_AUDIO_ALSA,
    LIVE_YOUTUBE_AUDIO_NONE,
} live_youtube_audio_kind;

/* broadcast=: what the live does with YouTube's own broadcast. */
typedef enum {
    LIVE_YOUTUBE_BROADCAST_NONE,   /* push to the key only (Studio does it) */
    LIVE_YOUTUBE_BROADCAST_CREATE, /* find ours, else schedule one */
    LIVE_YOUTUBE_BROADCAST_REUSE,  /* find one scheduled for this event */
} live_youtube_broadcast_mode;

typedef enum {
    LIVE_YOUTUBE_RECORD_MKV,
    LIVE_YOUTUBE_RECORD_MP4,
} live_youtube_record_format;

/* The x264-preset choices, which are also x264enc's names for them. */
#define LIVE_YOUTUBE_X264_PRESETS                                              \
    "ultrafast|superfast|veryfast|faster|fast|medium"

/* The options as the core validated and stored them (the rows in
 * live_youtube.c); owned by the stage. Strings are "" when empty. */
typedef struct live_youtube_options {
    int source; /* live_youtube_source_kind */
    const char *device, *uri, *file;
    int audio; /* live_youtube_audio_kind */
    const char *audio_device;

    int preset; /* index in the presets of live_youtube_config.c */
    int video_bitrate, audio_bitrate; /* kb/s; video 0: the preset's */
    int x264_preset;                  /* index in LIVE_YOUTUBE_X264_PRESETS */
    int keyframe_interval;            /* seconds */

    dk_overlay_options overlay; /* logo and text, shown all along */
    const dk_template *lower_third;
    int lower_third_every, lower_third_for; /* seconds */
    bool clock;
    const char *clock_format;
    const dk_template *slate_text;
    const char *slate_image;

    const char *url, *backup_url, *key_file, *tls_ca_file;
    bool record;
    const dk_template *record_dir;
    int record_format;                        /* live_youtube_record_format */
    int record_segment;                       /* minutes; 0: one file */
    double reconnect_max_wait, stall_timeout; /* seconds */

    /* YouTube's broadcast, through the Data API (live_youtube_broadcast*.c) */
    int broadcast;         /* live_youtube_broadcast_mode */
    int broadcast_privacy; /* index in "public|unlisted|private" */
    const dk_template *broadcast_title, *broadcast_description;
    const char *broadcast_thumbnail, *broadcast_start;
    const char *oauth_file, *api_base;
    double broadcast_poll; /* seconds between YouTube health polls */
} live_youtube_options;

/* An ingest address split the way rtmp2sink takes it; the stream key is
 * set separately and never part of any string we show. */
typedef struct live_youtube_target {
    const char *name; /* "primary", "backup" */
    char *scheme;     /* "rtmp" or "rtmps" */
    char *host;
    int port;
    char *application; /* "live2", "live2?backup=1" */
    char *where;       /* scheme://host:port/application, for messages */
} live_youtube_target;

/* YouTube's broadcast (see below). */
typedef struct live_youtube_broadcast live_youtube_broadcast;

/* What the live makes of its options: the preset's numbers, the expanded
 * overlays, the parsed ingests and the key. The plugin's state. */
typedef struct live_youtube_config {
    const live_youtube_options *opt;
    char *uri; /* source=uri: the uri; source=file: file:// of the file */

    int width, height, fps;
    int video_kbps; /* video-bitrate, or the preset's */

    /* overlays; a spec without logo and text is off */
    dk_overlay_spec watermark;
    dk_overlay_spec lower_third;
    GTimeZone *timezone; /* borrowed from the stage */
    dk_overlay_spec slate;

    live_youtube_target targets[2];
    int n_targets;
    char *key; /* the stream key: never printed, redacted from errors */

    char *record_dir; /* absolute, or relative to the library; NULL: live */
    char *record_stem;

    live_youtube_broadcast *broadcast; /* NULL: broadcast=none, or no API */
} live_youtube_config;

/* The rules no single option can check: what the source needs, the ingest
 * URLs, the key file when one is set, templates that need no item, and
 * that there is something to do. The key may be missing here (`dokpim
 * check` on a shipped config: it is often given on the live's command
 * line); open() requires it. Reads the key file, never shows it. */
int live_youtube_options_check(const dk_stage *stage,
                               const live_youtube_options *opt, dk_error *err);
/* Derives the live configuration from checked options; need_key refuses
 * ingests without key-file. */
int live_youtube_config_load(const dk_stage *stage,
                             const live_youtube_options *opt, bool need_key,
                             live_youtube_config **out, dk_error *err);
void live_youtube_config_free(live_youtube_config **config);
/* The core's retry policy as a live uses it for pushes and feeds: start
 * fast, never wait longer than reconnect-max-wait, never give up. */
dk_retry_policy live_youtube_retry_policy(const live_youtube_options *opt);

/* Splits rtmp[s]://host[:port]/app[?query] into target. */
int live_youtube_target_parse(const char *url, const char *name,
                              live_youtube_target *target, dk_error *err);
void live_youtube_target_clear(live_youtube_target *target);
/* Reads the stream key, refusing a file others can read. *key: g_free. */
int live_youtube_read_key(const char *path, char **key, dk_error *err);

/* ---- small GStreamer helpers (live_youtube_gst.c) ---- */

/* Starts GStreamer once per process; a failure (gst_init() would exit the
 * process) is returned with GStreamer's message. */
int live_youtube_gst_init(dk_error *err);

/* gst_element_factory_make or a message naming the missing plugin. */
GstElement *live_youtube_make(const char *factory, const char *name,
                              dk_error *err);
/* A queue holding up to `seconds`; leaky ones drop the oldest data instead
 * of blocking upstream. */
GstElement *live_youtube_queue(const char *name, double seconds, bool leaky,
                               dk_error *err);
/* Paints a mapped I420 frame black (limited range): the slate's
 * background, and the frames sent while a feed has no picture. */
void live_youtube_fill_black(GstVideoFrame *frame);
/* Counts buffers into and out of a queue, so dropped = in - out - level. */
typedef struct live_youtube_counter {
    gint in, out; /* atomics; a day at 60 fps fits */
    GstElement *queue;
} live_youtube_counter;
void live_youtube_counter_attach(live_youtube_counter *counter,
                                 GstElement *queue);
uint64_t live_youtube_counter_dropped(const live_youtube_counter *counter);
/* The error text of a bus message, with the stream key redacted: one
 * line, the GError message plus the detail when it adds something. */
char *live_youtube_error_text(GstMessage *message, const char *key);

/* ---- source (live_youtube_source.c) ---- */

typedef struct live_youtube_feed live_youtube_feed; /* live_youtube_feed.h */
/* A bin with "video" and "audio" ghost source pads of raw media. For uri
 * and file sources *feed is the decoding pipeline behind it (start it
 * once the main pipeline plays); NULL otherwise. */
GstElement *live_youtube_source_new(const live_youtube_config *config,
                                    live_youtube_feed **feed, dk_error *err);
/* Ends the source's streams: EOS flows to the encoders and muxers. */
void live_youtube_source_end(GstElement *source);

/* ---- overlay (live_youtube_overlay.c) ---- */

typedef struct live_youtube_overlay live_youtube_overlay;
/* Renders the overlays for the configured frame size. */
int live_youtube_overlay_new(const live_youtube_config *config,
                             live_youtube_overlay **out, dk_error *err);
void live_youtube_overlay_free(live_youtube_overlay **overlay);
/* Blends onto every I420 frame leaving pad. */
void live_youtube_overlay_attach(live_youtube_overlay *overlay, GstPad *pad);
/* Main loop, once a second: schedule, clock text. */
void live_youtube_overlay_tick(live_youtube_overlay *overlay, double uptime);
/* Applies an operator command; returns the new state of that part. */
bool live_youtube_overlay_command(live_youtube_overlay *overlay,
                                  const dk_live_command *command,
                                  const char **what);
/* The source has no picture: the slate covers it until it is back. */
void live_youtube_overlay_source_lost(live_youtube_overlay *overlay, bool lost);
void live_youtube_overlay_state(const live_youtube_overlay *overlay,
                                bool *lower_third, bool *slate, bool *clock);

/* ---- encoder chain (live_youtube_encode.c) ---- */

typedef struct live_youtube_encode {
    GstElement *video_tee, *audio_tee;
    GstElement *volume; /* muted while the slate shows */
    GstElement *source;
    live_youtube_counter capture_video;
    gint frames; /* atomic: frames out of the encoder */
    gint ending; /* atomic: the capture queues drop what they hold */
    GstElement *videorate;
    GstElement *programme_tee; /* the overlaid picture, before x264 */
} live_youtube_encode;

/* Builds source to tees inside pipeline; the overlay probe goes on the
 * I420 frames. */
int live_youtube_encode_build(GstElement *pipeline,
                              const live_youtube_config *config,
                              live_youtube_overlay *overlay,
                              live_youtube_encode *encode, dk_error *err);
/* Ends the live: the source sends its end of stream, and the frames still
 * waiting for the encoder are dropped so that it reaches the muxers at
 * once, however far behind the encoder is. */
void live_youtube_encode_end(live_youtube_encode *encode);
uint64_t live_youtube_encode_dropped(const live_youtube_encode *encode);

/* ---- preview (live_youtube_preview.c) ---- */

/* Hangs the preview branch (JPEGs to dk_live_preview) off tee. */
int live_youtube_preview_build(GstElement *pipeline,
                               const live_youtube_config *config,
                               GstElement *tee, dk_live *live, dk_error *err);

/* ---- figures for the status (live_youtube_figures.c) ---- */

typedef struct live_youtube_figures {
    gint64 last_us, last_cpu_us; /* at the last report */
    uint64_t last_frames;
    double peak_db[2];      /* loudest since the last measure */
    double fps, cpu, db[2]; /* as last measured; NAN before */
    bool have_level;
    bool been_on_air;
    gint64 off_air_since, outage_us;
} live_youtube_figures;

void live_youtube_figures_init(live_youtube_figures *figures);
/* The level element's messages; true when it was one. */
bool live_youtube_figures_message(live_youtube_figures *figures,
                                  GstMessage *message);
/* Ten times a second: whether an ingest is receiving. */
void live_youtube_figures_on_air(live_youtube_figures *figures, bool on_air);
/* Fills status's ABI 3.3 figures (outputs apart) for the last interval. */
void live_youtube_figures_fill(live_youtube_figures *figures, uint64_t frames,
                               const char *recording, dk_live_status *status);

/* ---- recording (live_youtube_record.c) ---- */

typedef struct live_youtube_record live_youtube_record;
/* Links the first pads of the tees to a splitmuxsink. */
int live_youtube_record_new(GstElement *pipeline,
                            const live_youtube_config *config, dk_live *live,
                            live_youtube_encode *encode,
                            live_youtube_record **out, dk_error *err);
void live_youtube_record_free(live_youtube_record **record);
/* Handles splitmuxsink's fragment messages; true when it was one. */
bool live_youtube_record_message(live_youtube_record *record,
                                 GstMessage *message);
/* Once a second: flush the file to disk, add up the sizes. */
void live_youtube_record_tick(live_youtube_record *record);
const char *live_youtube_record_current(const live_youtube_record *record);
uint64_t live_youtube_record_bytes(const live_youtube_record *record);
/* True once the recording received EOS (so the file is finalised). */
bool live_youtube_record_finished(const live_youtube_record *record);
/* After the pipeline stopped: hands the open file to the session (with a
 * warning when it was not finalised). */
void live_youtube_record_close(live_youtube_record *record);

/* ---- the push's TCP connection (live_youtube_tcp.c) ---- */

/* Finds rtmp2sink's socket among the process's descriptors and asks the
 * kernel whether the peer still acknowledges and takes data. */
typedef struct live_youtube_tcp {
    int fd; /* -1 until found */
    int port;
    GList *addresses; /* GInetAddress of the host, once resolved */
    GCancellable *cancel;
    gint64 zero_since; /* the peer's window has been closed since */
} live_youtube_tcp;

void live_youtube_tcp_init(live_youtube_tcp *tcp, const char *host, int port);
void live_youtube_tcp_clear(live_youtube_tcp *tcp);
/* A new connection: look for its socket again. */
void live_youtube_tcp_forget(live_youtube_tcp *tcp);
/* True (and *why, g_free) when the peer acknowledged nothing, or took no
 * data, for timeout seconds. */
bool live_youtube_tcp_dead(live_youtube_tcp *tcp, double timeout, char **why);

/* ---- ingests (live_youtube_ingest.c) ---- */

typedef struct live_youtube_ingest live_youtube_ingest;
int live_youtube_ingest_new(GstElement *pipeline,
                            const live_youtube_config *config,
                            const live_youtube_target *target, dk_live *live,
                            live_youtube_encode *encode,
                            live_youtube_ingest **out, dk_error *err);
void live_youtube_ingest_free(live_youtube_ingest **ingest);
/* From the bus sync handler (any thread): cuts the ingest off at once when
 * the message is an error from inside it. True if it was. */
bool live_youtube_ingest_sync_error(live_youtube_ingest *ingest,
                                    GstMessage *message);
/* From the main loop: notes an error from inside the ingest, acted on by
 * the next poll (tear down, schedule the retry). True if it was ours. */
bool live_youtube_ingest_message(live_youtube_ingest *ingest,
                                 GstMessage *message);
/* Ten times a second, once playing: acts on failures, notices a
 * connection going live. */
void live_youtube_ingest_poll(live_youtube_ingest *ingest);
/* Once a second: bitrate, stall watchdog. */
void live_youtube_ingest_tick(live_youtube_ingest *ingest);
void live_youtube_ingest_status(live_youtube_ingest *ingest,
                                dk_live_output_status *status);
/* The server takes the stream (state LIVE). */
bool live_youtube_ingest_is_live(const live_youtube_ingest *ingest);
/* Stop: a live push gets the end of stream (a clean unpublish); one that
 * is not live is removed at once. Returns true if it still has to end. */
bool live_youtube_ingest_stop(live_youtube_ingest *ingest);

/* ---- YouTube's broadcast (live_youtube_broadcast*.c) ---- */

/* `dokpim check`: the options of broadcast= agree and the oauth-file is
 * there and private; nothing is sent. */
int live_youtube_broadcast_check(const dk_stage *stage,
                                 const live_youtube_options *opt,
                                 dk_error *err);
/* Before going live (open()): an access token, the stream pushed to (by
 * the key's stream name), the event's broadcast found or scheduled,
 * bound, its thumbnail set. Bad credentials or a channel that may not
 * stream refuse the live here; a spent quota only warns (*out is then
 * NULL, and the live goes on without the API). key: the stream key. */
int live_youtube_broadcast_open(const dk_stage *stage,
                                const live_youtube_options *opt,
                                const char *key, live_youtube_broadcast **out,
                                dk_error *err);
/* The API calls while live run on a thread of their own, so a slow API
 * never holds up the main loop: started with the session. */
void live_youtube_broadcast_start(live_youtube_broadcast *b);
/* Main loop, once a second: whether an ingest is live (the broadcast goes
 * live once YouTube sees the stream active; an ingest dropping later
 * changes nothing), and the thread's news passed on as events and as the
 * service health of the status. */
void live_youtube_broadcast_tick(live_youtube_broadcast *b, dk_live *live,
                                 bool ingest_live);
/* The live is ending (its stop began): the thread completes the
 * broadcast if it went live, while the recording is finalised. */
void live_youtube_broadcast_end(live_youtube_broadcast *b);
/* After the pipeline stopped: the thread joined, its last news reported.
 * The broadcast itself is freed with the configuration. */
void live_youtube_broadcast_finish(live_youtube_broadcast *b, dk_live *live);
void live_youtube_broadcast_free(live_youtube_broadcast **b);

/* ---- the session (live_youtube_run.c) ---- */

int live_youtube_run(const live_youtube_config *config, dk_live *live,
                     dk_error *err);

#endif
