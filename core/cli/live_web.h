/* `dokpim live --web`: the live control page's server (contract 2's
 * dk_server) inside the live process, on a thread and GLib context of its
 * own so that neither a slow client nor the pipeline's main loop can hold
 * the other up.
 *
 *   GET  /api/live/status       the latest status line as JSON ({} before)
 *   GET  /api/live/preview.jpg  the latest programme picture (503 before)
 *   POST /api/live/command      {"command": "lower-third", "value": "on"}
 *   SSE  live (status), live-event (events), live-ended
 *
 * Commands go to the same queue as the keys and the --control FIFO. */
#ifndef DK_LIVE_WEB_H
#define DK_LIVE_WEB_H

#include "dk_internal.h"
#include "live_host.h"

typedef struct live_web live_web;

/* Queues a command line for the live ("slate on", "stop"); < 0 with a
 * message for a bad one, or when the live is over. */
typedef int (*live_web_command)(const char *line, dk_error *err);

/* Listens on listen (NULL: 127.0.0.1:8080) for the live's pages. NULL
 * after printing why. */
live_web *live_web_start(const char *listen, bool lan, const char *library,
                         dk_live *live, live_web_command command);
/* Any thread: the status as dk_live_status_json() printed it. */
void live_web_status(live_web *web, const char *json);
/* Any thread: an event as dk_live_event_json() printed it. */
void live_web_event(live_web *web, const char *json);
/* Tells the pages the live is over, then stops serving; NULL is fine. */
void live_web_stop(live_web **web);

#endif
