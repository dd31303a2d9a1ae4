/* What the files of core/serve share: the server's state and the pieces
 * each file provides to the dispatcher in server.c. */
#ifndef DK_SERVE_INTERNAL_H
#define DK_SERVE_INTERNAL_H

#include "serve.h"

/* Request bodies are refused above this, from their Content-Length,
 * before a byte of them is read. */
#define SERVE_BODY_MAX (1024 * 1024)

typedef struct serve_route {
    char *method;
    char *prefix;
    dk_server_handler handler;
    void *user;
} serve_route;

typedef struct serve_events serve_events;

struct dk_server {
    SoupServer *soup;
    GMainContext *ctx;
    char *url;
    char *token;
    char *csrf; /* what the pages send as X-Dokpim-Token */
    char *library;
    int library_fd;    /* -1: no library */
    int web_fd;        /* -1: no pages */
    GPtrArray *routes; /* serve_route */
    serve_events *events;
};

/* access.c: the token of o (made once in its file) into *token. */
int serve_token_load(const dk_server_options *o, char **token, dk_error *err);
/* The value pages send as X-Dokpim-Token: derived from the token, so the
 * page never needs the token itself (its cookie is HttpOnly). g_free(). */
char *serve_csrf_value(const char *token);
/* Runs once the headers are in, before the body: true if the request may
 * go on; else msg has its refusal (401, 403, 405, 411, 413, 415) or the
 * ?token= redirect that sets the cookie. */
bool serve_access_check(dk_server *s, SoupServerMessage *msg);
/* Answers msg with status and logs one line (method, escaped path, why;
 * never the query, which may hold the token). */
void serve_refuse(SoupServerMessage *msg, int status, const char *why);

/* files.c: answers GET of the page or library file rel (a decoded path
 * relative to root_fd; it is checked here). */
void serve_file_beneath(SoupServerMessage *msg, int root_fd, const char *rel,
                        const char *cache_control);
/* /files/REL: only inside the library's derived/ folder. */
void serve_library_file(dk_server *s, SoupServerMessage *msg, const char *rel);

/* events.c */
serve_events *serve_events_new(GMainContext *ctx);
void serve_events_free(serve_events *events);
/* Takes msg's connection for the event stream. */
void serve_events_attach(serve_events *events, SoupServerMessage *msg);
unsigned serve_events_count(const serve_events *events);
void serve_events_send(serve_events *events, const char *event,
                       const char *json);

#endif
