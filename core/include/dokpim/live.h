/* dokpim — the live session a live plugin runs in.
 *
 * `dokpim live PIPELINE --event EVENT` opens the pipeline's one live stage
 * and calls its live() callback with a dk_live session. The plugin owns the
 * media (capture, overlay, encode, push, recording) and runs until the
 * session asks it to stop; the core owns everything around it: the stop
 * request (Ctrl-C, SIGTERM, --duration, a "stop" command), control commands
 * typed by the operator or written by a dashboard, and the status line and
 * JSON events, which only the core prints.
 *
 * Threads: the plugin calls these functions from the thread running live();
 * the core feeds commands and stop requests from its own threads, so every
 * function here is safe to call while those happen. */
#ifndef DOKPIM_LIVE_H
#define DOKPIM_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_live dk_live;

/* ---- how long ---- */

/* Seconds the live should last (--duration), or 0: until stopped. */
DK_API double dk_live_duration(const dk_live *live);
/* Seconds since dk_live_begin(), 0 before it. */
DK_API double dk_live_uptime(const dk_live *live);
/* The plugin calls this once its media is flowing; uptime and --duration
 * count from here, so a slow camera start does not shorten the live. */
DK_API void dk_live_begin(dk_live *live);
/* True once the live should end: the duration is over, the user pressed
 * Ctrl-C or sent SIGTERM (dk_cancelled()), or a "stop" command came. The
 * plugin polls it (a few times a second), then finalises its recording and
 * returns within 3 s, whatever the network is doing. */
DK_API bool dk_live_stop_requested(const dk_live *live);

/* The event's library folder (absolute; it may not exist yet): where a
 * plugin keeps its recordings unless its options say otherwise. */
DK_API const char *dk_live_library(const dk_live *live);

/* ---- control while live ---- */

typedef enum dk_live_command_kind {
    DK_LIVE_CMD_LOWER_THIRD = 1, /* the name/role/title caption */
    DK_LIVE_CMD_SLATE,           /* a still "we'll be right back" picture */
    DK_LIVE_CMD_CLOCK,           /* the on-screen clock */
} dk_live_command_kind;

typedef enum dk_live_switch {
    DK_LIVE_TOGGLE = 0,
    DK_LIVE_ON,
    DK_LIVE_OFF,
} dk_live_switch;

typedef struct dk_live_command {
    dk_live_command_kind kind;
    dk_live_switch value;
} dk_live_command;

/* Takes the oldest pending command; false when there is none. Commands
 * come from keys on the terminal ('l', 's', 'c', 'q') and from lines such
 * as "lower-third on" on stdin or a control FIFO. */
DK_API bool dk_live_next_command(dk_live *live, dk_live_command *command);

/* ---- reporting (the plugin never prints) ---- */

typedef enum dk_live_output_state {
    DK_LIVE_OUTPUT_CONNECTING = 0, /* connecting or publishing */
    DK_LIVE_OUTPUT_LIVE,           /* the server takes the stream */
    DK_LIVE_OUTPUT_RETRYING,       /* down; next attempt in retry_in s */
    DK_LIVE_OUTPUT_STOPPED,        /* ended (or gave up) */
} dk_live_output_state;

DK_API const char *dk_live_output_state_name(dk_live_output_state state);

/* One push target: the primary or the backup ingest. */
typedef struct dk_live_output_status {
    const char *name;  /* "primary", "backup" */
    const char *where; /* scheme://host:port/app: never the stream key */
    dk_live_output_state state;
    double bitrate;          /* bits/s sent over the last second */
    uint64_t bytes_sent;     /* over every connection */
    uint64_t dropped_frames; /* video frames the network was too slow for */
    int reconnects;          /* times it came back after a failure */
    double retry_in;         /* RETRYING: seconds to the next attempt */
    /* ABI 3.3 */
    double outage_seconds; /* time down after a failure, all outages so far
                              (the first connection's setup is not one) */
    double last_outage_at; /* uptime when the latest outage began; < 0: none */
} dk_live_output_status;

typedef struct dk_live_status {
    uint64_t frames;          /* video frames encoded */
    uint64_t dropped_frames;  /* frames lost before the encoder (too slow) */
    const char *recording;    /* file being recorded, or NULL */
    uint64_t recording_bytes; /* all segments so far */
    bool lower_third, slate, clock;
    int n_outputs;
    const dk_live_output_status *outputs;
    /* ABI 3.3; a plugin built for 3.2 reports them as unknown */
    double encoder_fps;       /* frames encoded per second, last second */
    double cpu_percent;       /* the process, % of one core, last second */
    double audio_level_db[2]; /* peak of each channel over the last report,
                                 dBFS (0 = full scale, DK_LIVE_SILENCE_DB at
                                 the floor); NAN: no sound level */
    uint64_t free_disk_bytes; /* free where the recording goes; 0: unknown */
    double outage_seconds;    /* time off air (no ingest receiving) after the
                                 live was first on air */
} dk_live_status;

/* The floor of audio_level_db: silence, and anything quieter. */
#define DK_LIVE_SILENCE_DB (-100.0)

/* About once a second: the core prints the status line (or a JSON event).
 * Nothing is kept: the pointers only need to live during the call.
 * outputs is an array of the plugin's dk_live_output_status (the core
 * steps through it with the size of the ABI the plugin was built for). */
DK_API void dk_live_report(dk_live *live, const dk_live_status *status);

/* ABI 3.3: the programme picture as a JPEG, a few times a second (a small
 * one: 640 pixels wide). The core copies it and keeps the latest, for a
 * control page; call it from any thread, never wait on it. */
DK_API void dk_live_preview(dk_live *live, const void *jpeg, size_t size);
/* ABI 3.3: whether anyone shows the preview (dokpim live --web). A plugin
 * builds its preview branch only then: without a page it would only cost
 * CPU the encoder may need. */
DK_API bool dk_live_preview_wanted(const dk_live *live);

typedef enum dk_live_level {
    DK_LIVE_INFO = 0,
    DK_LIVE_WARNING,
    DK_LIVE_ERROR,
} dk_live_level;

/* Something that happened, worth a line of its own: "connected",
 * "connection refused, retry 2 in 1.4 s", "lower third on". subject names
 * the output or part it concerns ("primary", "recording"), or NULL. The
 * message must already be free of secrets (see dk_live_redact). */
DK_API void dk_live_event(dk_live *live, dk_live_level level,
                          const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The streaming service's own view of the stream, when the plugin can ask
 * it (YouTube's liveStreams status.healthStatus): health is "good", "ok",
 * "bad", "noData", or NULL when unknown; issues_json a JSON array of
 * {"type", "severity", "reason", "description"} objects, or NULL. Copied;
 * every status report after it carries them (the JSON status line as
 * youtube_health and youtube_issues) until they are set again. Any
 * thread. */
DK_API void dk_live_set_service_health(dk_live *live, const char *health,
                                       const char *issues_json);

/* A recording file the plugin finished (closed and complete). After the
 * live the core enqueues these for the archive upload, in this order. */
DK_API void dk_live_add_recording(dk_live *live, const char *path);

/* A copy of text (g_free) with every occurrence of secret replaced by
 * "*****". Errors from network libraries may echo a URL with the stream
 * key in it; pass them through this before reporting them. */
DK_API char *dk_live_redact(const char *text, const char *secret);

#ifdef __cplusplus
}
#endif
#endif
