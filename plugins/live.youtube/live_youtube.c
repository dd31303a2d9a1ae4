/* live.youtube — go live on YouTube (or any RTMP/RTMPS ingest) with
 * overlays, a backup ingest, auto-reconnect and a crash-safe recording.
 *
 *   dokpim live pipelines/live-youtube.conf --event event.ini \
 *       --set youtube.key-file=~/.config/dokpim/youtube.key
 *
 * The option table is the whole configuration; live_youtube.h draws the
 * GStreamer graph, live_youtube_run.c runs it. */
#include "live_youtube.h"

#define ANCHORS "bottom-right|bottom-left|top-right|top-left|center"

static const dk_option live_youtube_options[] = {
    /* source */
    {"source", DK_OPT_ENUM, "test",
     "test (pattern and tone), v4l2 (camera or HDMI capture card), uri "
     "(rtsp:// or srt:// camera or feed), file (played in a loop, for "
     "rehearsals)",
     0, 0, "test|v4l2|uri|file"},
    {"device", DK_OPT_STRING, "/dev/video0", "V4L2 device for source=v4l2"},
    {"uri", DK_OPT_STRING, "", "rtsp://, srt:// or other URI for source=uri"},
    {"file", DK_OPT_PATH, "", "video file for source=file"},
    {"audio", DK_OPT_ENUM, "auto",
     "auto (the source's sound; a tone for test, silence for v4l2), pulse "
     "or alsa (audio-device), none (silence)",
     0, 0, "auto|pulse|alsa|none"},
    {"audio-device", DK_OPT_STRING, "",
     "PulseAudio source or ALSA device (empty: the default one)"},
    /* encode, as YouTube Live recommends */
    {"preset", DK_OPT_ENUM, "720p30",
     "picture size and rate; default bitrates 4000, 6000, 9000 kb/s", 0, 0,
     "720p30|1080p30|1080p60"},
    {"video-bitrate", DK_OPT_INT, "0",
     "H.264 constant bitrate in kb/s (0: the preset's)", 0, 51000},
    {"audio-bitrate", DK_OPT_INT, "128", "AAC bitrate in kb/s (48 kHz)", 64,
     320},
    {"x264-preset", DK_OPT_ENUM, "veryfast",
     "x264 speed preset: faster ones use less CPU", 0, 0,
     "ultrafast|superfast|veryfast|faster|fast|medium"},
    {"keyframe-interval", DK_OPT_INT, "2",
     "seconds between keyframes (YouTube asks for 2)", 1, 4},
    /* overlays: the same renderer as photos and videos */
    {"logo", DK_OPT_PATH, "", "PNG (with alpha) shown all along"},
    {"text", DK_OPT_TEMPLATE, "", "text under the logo, e.g. {event.agency}"},
    {"anchor", DK_OPT_ENUM, "top-right", "corner of the logo and text", 0, 0,
     ANCHORS},
    {"width", DK_OPT_DOUBLE, "0.15",
     "logo and text width, as a fraction of the picture width", 0.02, 1},
    {"opacity", DK_OPT_DOUBLE, "0.9", "logo and text opacity", 0, 1},
    {"lower-third", DK_OPT_TEMPLATE, "",
     "caption, e.g. {event.leader} — {event.role}; empty: none"},
    {"lower-third-every", DK_OPT_INT, "300",
     "show the lower third every N seconds, from the start (0: only when "
     "toggled)",
     0, 86400},
    {"lower-third-for", DK_OPT_INT, "15", "seconds it stays each time", 1,
     3600},
    {"clock", DK_OPT_BOOL, "false", "show the time of day (event time zone)"},
    {"clock-format", DK_OPT_STRING, "%H:%M:%S", "strftime format of the clock"},
    {"slate-text", DK_OPT_TEMPLATE, "Siaran akan segera dilanjutkan",
     "text of the slate that replaces the camera when switched on"},
    {"slate-image", DK_OPT_PATH, "", "picture shown above the slate text"},
    /* outputs */
    {"url", DK_OPT_STRING, "rtmps://a.rtmps.youtube.com/live2",
     "primary ingest (rtmp:// or rtmps://), without the stream key"},
    {"backup-url", DK_OPT_STRING, "",
     "backup ingest, e.g. rtmps://b.rtmps.youtube.com/live2?backup=1 "
     "(empty: none)"},
    {"key-file", DK_OPT_PATH, "",
     "file holding the stream key; must not be readable by others (chmod "
     "600)"},
    {"tls-ca-file", DK_OPT_PATH, "",
     "PEM certificates trusted for rtmps:// instead of the system's (private "
     "or test servers)"},
    {"record", DK_OPT_BOOL, "true", "record locally while live"},
    {"record-dir", DK_OPT_TEMPLATE, "",
     "folder of the recording, relative to the library (empty: "
     "LIBRARY/live)"},
    {"record-format", DK_OPT_ENUM, "mkv",
     "mkv (Matroska) or mp4 (fragmented MP4): both play after a power cut", 0,
     0, "mkv|mp4"},
    {"record-segment", DK_OPT_INT, "0",
     "start a new recording file every N minutes (0: one file)", 0, 1440},
    {"reconnect-max-wait", DK_OPT_DOUBLE, "2",
     "longest wait between reconnect attempts, in seconds", 0.5, 60},
    {"stall-timeout", DK_OPT_DOUBLE, "5",
     "a push that sends nothing for this many seconds is reconnected", 2, 60},
    {NULL},
};

/* Everything that can be wrong before going live: the key file (private,
 * one line), the ingest URLs, what the source needs. `dokpim check` runs
 * it too; the key is read, never shown. */
static int live_youtube_check(const dk_stage *stage, dk_error *err)
{
    live_youtube_config *config = NULL;
    int rc = live_youtube_config_load(stage, false, &config, err);
    live_youtube_config_free(&config);
    return rc;
}

static int live_youtube_open(const dk_stage *stage, void **state, dk_error *err)
{
    live_youtube_config *config = NULL;
    int rc = live_youtube_config_load(stage, true, &config, err);
    if (rc < 0)
        return rc;
    *state = config;
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
    .stage = DK_STAGE_LIVE,
    /* no items pass through a live stage; this says what it makes */
    .kinds = DK_KIND_VIDEO | DK_KIND_AUDIO,
    .options = live_youtube_options,
    .check = live_youtube_check,
    .open = live_youtube_open,
    .close = live_youtube_close,
    .live = live_youtube_live,
};
