/* live.youtube — go live on YouTube (or any RTMP/RTMPS ingest) with
 * overlays, a backup ingest, auto-reconnect and a crash-safe recording.
 *
 *   dokpim live pipelines/live-youtube.conf --event event.ini \
 *       --set youtube.key-file=~/.config/dokpim/youtube.key
 *
 * The option table is the whole configuration; live_youtube.h draws the
 * GStreamer graph, live_youtube_run.c runs it. */
#include "live_youtube.h"

#define FIELD(member) DK_FIELD(live_youtube_options, member)

static const dk_option live_youtube_option_rows[] = {
    /* source */
    {"source", DK_OPT_ENUM, "test",
     "test (pattern and tone), v4l2 (camera or HDMI capture card), uri "
     "(rtsp:// or srt:// camera or feed), file (played in a loop, for "
     "rehearsals)",
     0, 0, "test|v4l2|uri|file", 0, FIELD(source)},
    {"device", DK_OPT_STRING, "/dev/video0", "V4L2 device for source=v4l2",
     FIELD(device)},
    {"uri", DK_OPT_STRING, "", "rtsp://, srt:// or other URI for source=uri",
     FIELD(uri)},
    {"file", DK_OPT_PATH, "", "video file for source=file", FIELD(file)},
    {"audio", DK_OPT_ENUM, "auto",
     "auto (the source's sound; a tone for test, silence for v4l2), pulse "
     "or alsa (audio-device), none (silence)",
     0, 0, "auto|pulse|alsa|none", 0, FIELD(audio)},
    {"audio-device", DK_OPT_STRING, "",
     "PulseAudio source or ALSA device (empty: the default one)",
     FIELD(audio_device)},
    /* encode, as YouTube Live recommends */
    {"preset", DK_OPT_ENUM, "720p30",
     "picture size and rate; default bitrates 4000, 6000, 9000 kb/s", 0, 0,
     "720p30|1080p30|1080p60", 0, FIELD(preset)},
    {"video-bitrate", DK_OPT_INT, "0",
     "H.264 constant bitrate in kb/s (0: the preset's)", 0, 51000,
     FIELD(video_bitrate)},
    {"audio-bitrate", DK_OPT_INT, "128", "AAC bitrate in kb/s (48 kHz)", 64,
     320, FIELD(audio_bitrate)},
    {"x264-preset", DK_OPT_ENUM, "veryfast",
     "x264 speed preset: faster ones use less CPU", 0, 0,
     LIVE_YOUTUBE_X264_PRESETS, 0, FIELD(x264_preset)},
    {"keyframe-interval", DK_OPT_INT, "2",
     "seconds between keyframes (YouTube asks for 2)", 1, 4,
     FIELD(keyframe_interval)},
    /* overlays: the same renderer, and the same options, as photos and
     * videos; a live picture wants a small mark in the top-right corner */
    DK_OVERLAY_OPTIONS(live_youtube_options, overlay, "", "top-right", "0.15",
                       "0.03", "0.9"),
    {"lower-third", DK_OPT_TEMPLATE, "",
     "caption, e.g. {event.leader} — {event.role}; empty: none",
     FIELD(lower_third)},
    {"lower-third-every", DK_OPT_INT, "300",
     "show the lower third every N seconds, from the start (0: only when "
     "toggled)",
     0, 86400, FIELD(lower_third_every)},
    {"lower-third-for", DK_OPT_INT, "15", "seconds it stays each time", 1, 3600,
     FIELD(lower_third_for)},
    {"clock", DK_OPT_BOOL, "false", "show the time of day (event time zone)",
     FIELD(clock)},
    {"clock-format", DK_OPT_STRING, "%H:%M:%S", "strftime format of the clock",
     FIELD(clock_format)},
    {"slate-text", DK_OPT_TEMPLATE, "Siaran akan segera dilanjutkan",
     "text of the slate that replaces the camera when switched on",
     FIELD(slate_text)},
    {"slate-image", DK_OPT_PATH, "", "picture shown above the slate text",
     FIELD(slate_image)},
    /* outputs */
    {"url", DK_OPT_STRING, "rtmps://a.rtmps.youtube.com/live2",
     "primary ingest (rtmp:// or rtmps://), without the stream key",
     FIELD(url)},
    {"backup-url", DK_OPT_STRING, "",
     "backup ingest, e.g. rtmps://b.rtmps.youtube.com/live2?backup=1 "
     "(empty: none)",
     FIELD(backup_url)},
    {"key-file", DK_OPT_PATH, "",
     "file holding the stream key; must not be readable by others (chmod "
     "600)",
     FIELD(key_file)},
    {"tls-ca-file", DK_OPT_PATH, "",
     "PEM certificates trusted for rtmps:// instead of the system's (private "
     "or test servers)",
     FIELD(tls_ca_file)},
    {"record", DK_OPT_BOOL, "true", "record locally while live", FIELD(record)},
    {"record-dir", DK_OPT_TEMPLATE, "",
     "folder of the recording, relative to the library (empty: "
     "LIBRARY/live)",
     FIELD(record_dir)},
    {"record-format", DK_OPT_ENUM, "mkv",
     "mkv (Matroska) or mp4 (fragmented MP4): both play after a power cut", 0,
     0, "mkv|mp4", 0, FIELD(record_format)},
    {"record-segment", DK_OPT_INT, "0",
     "start a new recording file every N minutes (0: one file)", 0, 1440,
     FIELD(record_segment)},
    {"reconnect-max-wait", DK_OPT_DOUBLE, "2",
     "longest wait between reconnect attempts, in seconds", 0.5, 60,
     FIELD(reconnect_max_wait)},
    {"stall-timeout", DK_OPT_DOUBLE, "5",
     "a push that sends nothing for this many seconds is reconnected", 2, 60,
     FIELD(stall_timeout)},
    /* YouTube's broadcast (live_youtube_broadcast.c) */
    {"broadcast", DK_OPT_ENUM, "none",
     "none (push to the key; start the broadcast in YouTube Studio), create "
     "(this event's broadcast, scheduled if there is none yet), reuse (one "
     "already scheduled for this event: never a new one); create and reuse "
     "go live and complete it through the API",
     0, 0, "none|create|reuse", 0, FIELD(broadcast)},
    {"broadcast-privacy", DK_OPT_ENUM, "unlisted",
     "who may watch a broadcast dokpim schedules", 0, 0,
     "public|unlisted|private", 0, FIELD(broadcast_privacy)},
    {"broadcast-title", DK_OPT_TEMPLATE, "{event.title}",
     "broadcast title (at most 100 characters, no < or >)",
     FIELD(broadcast_title)},
    {"broadcast-description", DK_OPT_TEMPLATE, "{event.title}",
     "broadcast description; dokpim adds a line naming the event, by which "
     "a later live finds it again",
     FIELD(broadcast_description)},
    {"broadcast-thumbnail", DK_OPT_PATH, "",
     "JPEG or PNG shown before the broadcast starts (at most 2 MB)",
     FIELD(broadcast_thumbnail)},
    {"broadcast-start", DK_OPT_STRING, "",
     "scheduled start: HH:MM on the event's date (event time zone), or "
     "empty for now",
     FIELD(broadcast_start)},
    {"oauth-file", DK_OPT_PATH, "",
     "JSON file with client_id, client_secret, refresh_token (mode 0600; "
     "`dokpim youtube auth`), for broadcast=create|reuse",
     .flags = DK_OPTION_PRIVATE_FILE, FIELD(oauth_file)},
    {"api-base", DK_OPT_STRING, "https://www.googleapis.com",
     "where the YouTube Data API answers", FIELD(api_base)},
    {"broadcast-poll", DK_OPT_DOUBLE, "10",
     "seconds between looks at YouTube's stream health while live (1 unit "
     "of API quota each)",
     1, 300, FIELD(broadcast_poll)},
    {NULL},
};

/* Everything that can be wrong before going live: the key file (private,
 * one line), the ingest URLs, what the source needs. `dokpim check` runs
 * it too; the key is read, never shown. */
static int live_youtube_check(const dk_stage *stage, const void *config,
                              dk_error *err)
{
    int rc = live_youtube_options_check(stage, config, err);
    return rc < 0 ? rc : live_youtube_broadcast_check(stage, config, err);
}

/* check() passed: what is left to fail is GStreamer itself and a key the
 * live needs but `dokpim check` let pass. */
static int live_youtube_open(const dk_stage *stage, const void *config,
                             void **state, dk_error *err)
{
    live_youtube_config *live = NULL;
    int rc = live_youtube_gst_init(err);
    if (rc == 0)
        rc = live_youtube_config_load(stage, config, true, &live, err);
    /* before the camera starts: bad credentials refuse the live here */
    if (rc == 0)
        rc = live_youtube_broadcast_open(stage, config, live->key,
                                         &live->broadcast, err);
    if (rc < 0) {
        live_youtube_config_free(&live);
        return rc;
    }
    *state = live;
    return 0;
}

static void live_youtube_close(void *state)
{
    live_youtube_config *config = state;
    live_youtube_config_free(&config);
}

static int live_youtube_live(const dk_stage *stage, void *state,
                             struct dk_live *session, dk_error *err)
{
    (void)stage;
    return live_youtube_run(state, session, err);
}

DK_PLUGIN_DEFINE(live_youtube) = {
    .name = "live.youtube",
    .summary = "go live on YouTube/RTMP(S) with overlays, backup ingest, "
               "reconnects and a crash-safe recording",
    .role = DK_ROLE_LIVE,
    /* no items pass through a live stage */
    .item_kinds = 0,
    .options = live_youtube_option_rows,
    .config_size = sizeof(live_youtube_options),
    .check = live_youtube_check,
    .open = live_youtube_open,
    .close = live_youtube_close,
    .live = live_youtube_live,
};
