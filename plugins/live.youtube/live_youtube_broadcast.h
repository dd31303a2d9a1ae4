/* live.youtube — YouTube's broadcast through the Data API, shared by
 * live_youtube_broadcast.c (before going live) and
 * live_youtube_broadcast_run.c (while live). Private to the plugin. */
#ifndef LIVE_YOUTUBE_BROADCAST_H
#define LIVE_YOUTUBE_BROADCAST_H

#include "live_youtube.h"

#include <dokpim/http.h>
#include <dokpim/oauth.h>

#include "youtube_reply.h"

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(youtube_reply, youtube_reply_clear)

struct live_youtube_broadcast {
    /* the API: the setup's, then the thread's alone */
    dk_http_client *http;
    dk_oauth_credentials *credentials;
    char *token; /* access token: never printed */
    int64_t token_expires;
    char *api_base;
    char *marker; /* "dokpim-event: SLUG", in the description */
    char *stream_id, *broadcast_id;
    bool bound, created;
    bool quota_spent;  /* set by broadcast_api_call on quotaExceeded */
    bool api_off;      /* quota spent or credentials lost: no more calls */
    double poll_every; /* seconds between health polls once live */
    long timeout;      /* seconds a call may take (0: API_TIMEOUT) */

    /* between the thread and the main loop */
    GThread *thread;
    gint ingest_live;  /* atomic: an ingest pushes (main loop sets it) */
    gint stop;         /* atomic: the live is ending */
    GAsyncQueue *news; /* "L message" lines for dk_live_event, L = level */
    GMutex lock;       /* guards what follows */
    char *health;      /* healthStatus.status, NULL before the first poll */
    char *issues;      /* configurationIssues as a JSON array */
    bool health_changed;
    char *life; /* the broadcast's lifeCycleStatus as last seen */
};

/* One request to the API with the access token (refreshed before it
 * expires, once more on 401). 0 when an answer came (reply->verdict);
 * quotaExceeded: DK_ERR_UNSUPPORTED with b->quota_spent set; transport
 * failures as dk_http_perform. */
int broadcast_api_call(live_youtube_broadcast *b, const char *method,
                       const char *url, const char *content_type,
                       const char *body, size_t length, youtube_reply *reply,
                       dk_error *err);
/* broadcast_api_call with a JSON body (or none). */
int broadcast_api_json(live_youtube_broadcast *b, const char *method,
                       const char *url, const char *json, youtube_reply *reply,
                       dk_error *err);
/* 0 for a 2xx answer, else one line naming the method and YouTube's
 * reason (401: DK_ERR_CONFIG, telling to authorise again). */
int broadcast_api_expect(live_youtube_broadcast *b, const char *what,
                         const youtube_reply *reply, dk_error *err);
/* An object member, or NULL when missing or not an object. */
JsonObject *broadcast_member_object(JsonObject *object, const char *name);
/* A list method (GET url): 0 with the answer in reply and *items its
 * "items" (NULL when there are none), or the failure as
 * broadcast_api_expect says it. */
int broadcast_api_list(live_youtube_broadcast *b, const char *what,
                       const char *url, youtube_reply *reply, JsonArray **items,
                       dk_error *err);
/* The i-th element of items when it is an object, else NULL. */
JsonObject *broadcast_item(JsonArray *items, guint i);

/* Queues a line for dk_live_event on the main loop (any thread). */
void live_youtube_broadcast_note(live_youtube_broadcast *b, dk_live_level level,
                                 const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Asks the thread to end and joins it (nothing when it never started). */
void live_youtube_broadcast_stop_thread(live_youtube_broadcast *b);

#endif
