/* The side of a live session the dokpim command holds: it creates the
 * session, feeds it stop requests and operator commands from its own
 * threads, and receives what the plugin reports. Plugins only see
 * <dokpim/live.h>. */
#ifndef DK_LIVE_HOST_H
#define DK_LIVE_HOST_H

#include <glib.h>

#include <dokpim/live.h>

#include "dk_private_api.h"

/* Where reports go. Called on the plugin's thread, one at a time. */
typedef struct dk_live_host {
    void (*status)(void *user, const dk_live_status *status, double uptime);
    void (*event)(void *user, dk_live_level level, const char *subject,
                  const char *message, double uptime);
    void *user;
} dk_live_host;

/* library: absolute folder; duration: seconds, 0 for no limit. */
DK_PRIVATE_API dk_live *dk_live_new(const dk_live_host *host,
                                    const char *library, double duration);
DK_PRIVATE_API void dk_live_free(dk_live **live);

/* The DK_ABI_VERSION the live plugin was built for (default: this
 * core's): an older minor's status structs are read with their size. */
DK_PRIVATE_API void dk_live_set_plugin_abi(dk_live *live, uint32_t abi_version);
/* Before the live starts: a page will show the preview. */
DK_PRIVATE_API void dk_live_want_preview(dk_live *live);
/* The latest preview picture (g_bytes_unref), NULL before the first;
 * *seq (may be NULL) counts the pictures so far. Any thread. */
DK_PRIVATE_API GBytes *dk_live_preview_latest(dk_live *live, guint64 *seq);

/* Any thread: the live should end (a "stop" command, the CLI closing). */
void dk_live_request_stop(dk_live *live);

/* Parses one control line: "lower-third on|off|toggle", "slate ...",
 * "clock ...", "stop", or the one-letter keys l, s, c, q (toggle / stop).
 * Blank lines and "#" comments give DK_ERR_NOT_FOUND; anything else that
 * is not a command gives DK_ERR_INVALID with a message. *stop is set for
 * "stop" / "q" (command is then untouched). */
DK_PRIVATE_API int dk_live_parse_command(const char *line,
                                         dk_live_command *command, bool *stop,
                                         dk_error *err);
/* Parses line and queues the command (or requests the stop). */
DK_PRIVATE_API int dk_live_push_line(dk_live *live, const char *line,
                                     dk_error *err);

/* The recordings the plugin finished, in order (owned by the session). */
DK_PRIVATE_API const GPtrArray *dk_live_recordings(const dk_live *live);

/* The first output an ingest is receiving (state LIVE: the publish was
 * accepted and media flows), or NULL: not on air. */
DK_PRIVATE_API const dk_live_output_status *
dk_live_on_air(const dk_live_status *status);

/* "ON AIR 00:12:31 | primary: live 4.1 Mb/s | backup: down, retry in
 * 1.6 s (3 reconnects) | lower third off | 30 fps, CPU 42% | dropped 0 |
 * rec 812.4 MB, 51.20 GB free | audio -18/-19 dB";
 * "off air" while no ingest receives, "recording" without ingests.
 * g_free(). */
DK_PRIVATE_API char *dk_live_status_line(const dk_live_status *status,
                                         double uptime);
/* The same as one line of JSON: {"type":"status","uptime_ms":...}; times
 * in whole milliseconds, rates in bits/s. g_free(). */
DK_PRIVATE_API char *dk_live_status_json(const dk_live_status *status,
                                         double uptime);
/* While dk_live_report() runs the host's status callback, on that thread:
 * the service health the plugin last set (dk_live_set_service_health),
 * g_free() both; NULL outside a report. dk_live_status_json() adds them,
 * so every caller of it inside the callback gets them without the
 * callback's signature changing. */
DK_PRIVATE_API void dk_live_reporting_health(char **health, char **issues_json);
/* {"type":"event","level":"warning","subject":"primary",...}. g_free(). */
DK_PRIVATE_API char *dk_live_event_json(dk_live_level level,
                                        const char *subject,
                                        const char *message, double uptime);
/* "info", "warning", "error". */
DK_PRIVATE_API const char *dk_live_level_name(dk_live_level level);

#endif
