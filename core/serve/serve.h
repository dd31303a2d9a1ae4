/* dokpim serve: the HTTP server the crew's pages talk to (libsoup 3 on a
 * GLib main context, so the live pipeline's loop can carry it).
 *
 * Every request needs the token (Authorization: Bearer, or the
 * dokpim_token cookie set by opening a page once with ?token=); a change
 * is a POST with Content-Type application/json, the X-Dokpim-Token header
 * and no foreign Origin. Routes: /api/... (dk_server_route), /api/events
 * (server-sent events), /files/... (read-only files of the library),
 * everything else the pages under web_root. */
#ifndef DK_SERVE_H
#define DK_SERVE_H

#include "dk_internal.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdbool.h>

typedef struct dk_server dk_server;

typedef struct dk_server_options {
    const char *listen;     /* "127.0.0.1:8080" (default); a non-loopback
                               address only with lan */
    bool lan;               /* --lan */
    const char *token_file; /* NULL: LIBRARY/serve/token, made once, 0600 */
    const char *library;    /* /files/ serves inside it only */
    const char *web_root;   /* the pages; NULL: no pages, only the API */
} dk_server_options;

/* Listens and serves on ctx (NULL: the global default context) until
 * dk_server_stop(). */
int dk_server_start(const dk_server_options *o, GMainContext *ctx,
                    dk_server **out, dk_error *err);
/* Closes every connection and frees s; accepts NULL. Call it on the
 * server's context once no thread pushes any more. */
void dk_server_stop(dk_server *s);
/* "http://127.0.0.1:PORT/", with the port actually bound. */
const char *dk_server_url(const dk_server *s);
/* The token the requests must carry (for the URL printed at start; never
 * log it). */
const char *dk_server_token(const dk_server *s);
const char *dk_server_library(const dk_server *s);

/* A handler runs on the server's context; it answers with one of the
 * dk_server_reply_* (or sets msg's response itself). path is the request
 * path (decoded); body the POST's JSON (NULL for GET), freed after. */
typedef void (*dk_server_handler)(dk_server *s, SoupServerMessage *msg,
                                  const char *path, JsonNode *body, void *user);
/* Requests whose path is prefix or below it (prefix + "/...") with this
 * method go to h; the longest prefix wins. Another method on a routed
 * path is answered 405. A POST route needs the change rules above. */
void dk_server_route(dk_server *s, const char *method, const char *prefix,
                     dk_server_handler h, void *user);
/* Takes node. */
void dk_server_reply_json(SoupServerMessage *msg, int status, JsonNode *node);
/* {"error": "..."} with the status. */
void dk_server_reply_error(SoupServerMessage *msg, int status, const char *fmt,
                           ...) __attribute__((format(printf, 3, 4)));

/* Server-sent events, thread-safe: every client of /api/events gets
 * "event: NAME\ndata: JSON\n\n". A client that does not read is dropped
 * once its queue is full; the caller never waits. */
void dk_server_push(dk_server *s, const char *event, const char *json);
/* How many /api/events clients are connected (for tests and status). */
unsigned dk_server_event_clients(const dk_server *s);

/* The text as a QR code drawn with Unicode half blocks, one line per two
 * module rows, with the quiet zone; NULL if it does not fit. g_free(). */
char *dk_server_qr_text(const char *text);

#endif
