/* upload.youtube — shared pieces of the plugin's files. */
#ifndef UPLOAD_YOUTUBE_H
#define UPLOAD_YOUTUBE_H

#include <dokpim/dokpim.h>
#include <dokpim/http.h>
#include <dokpim/oauth.h>
#include <dokpim/queue.h>
#include <json-glib/json-glib.h>

#include "youtube_reply.h"

/* privacy=, in the order of its choices. */
typedef enum youtube_privacy {
    YOUTUBE_PUBLIC,
    YOUTUBE_UNLISTED,
    YOUTUBE_PRIVATE,
} youtube_privacy;

/* "public", "unlisted" or "private", as the API spells it. */
const char *youtube_privacy_name(int privacy);

/* The stage's options (rows in upload_youtube.c). */
typedef struct upload_youtube_config {
    const char *credentials;
    const char *api_base;
    int privacy; /* youtube_privacy */
    const dk_template *title;
    const dk_template *description;
    const dk_template *tags;
    int category;
    const char *publish_at;
    bool made_for_kids;
    const char *language;
    const char *playlist;
    const char *thumbnail;
    const char *source_role;
    int chunk_size;
    int quota_daily;
    int quota_insert_cost;
    int quota_call_cost;
    int uploads_daily;
    int processing_wait;
    int poll_interval;
    dk_retry_options retry;
} upload_youtube_config;

/* One perform(): the job, its options, a connection and a token. */
typedef struct youtube_client {
    const upload_youtube_config *config;
    dk_job *job;
    dk_http_client *http; /* the job's, from open(); not owned */
    dk_oauth_credentials *credentials;
    char *token;
    int64_t token_expires;
    const char *api_base; /* without trailing slash */
    dk_retry_policy policy;
    char *bucket; /* quota bucket: one per OAuth client */
} youtube_client;

int youtube_client_init(youtube_client *c, const upload_youtube_config *config,
                        dk_http_client *http, dk_job *job, dk_error *err);
void youtube_client_clear(youtube_client *c);

/* Sends one request with the access token (refreshed when it expires and
 * once more on 401). 0 when an answer came (see reply->verdict); transport
 * failures as dk_http_perform; a revoked refresh token defers the job and
 * returns DK_ERR_CONFIG. */
int youtube_send(youtube_client *c, const dk_http_request *request,
                 youtube_reply *reply, dk_error *err);
/* What one answer of a retried exchange calls for (see youtube_exchange). */
typedef enum youtube_next {
    YOUTUBE_NEXT_DONE,     /* the exchange is over */
    YOUTUBE_NEXT_AGAIN,    /* another attempt at once */
    YOUTUBE_NEXT_PROGRESS, /* another attempt at once; the retries start over */
    YOUTUBE_NEXT_WAIT,     /* another attempt after a wait, for *why */
} youtube_next;

/* The attempts of one exchange with the API. attempt() sends a request
 * (youtube_send); after_wait says the one before it failed. judge() reads
 * an answer that is neither a network failure nor RETRY and returns a
 * youtube_next (setting *why, g_free, for WAIT) or an error; NULL: such an
 * answer ends the exchange. */
typedef struct youtube_exchange {
    int (*attempt)(youtube_client *c, void *user, bool after_wait,
                   youtube_reply *reply, dk_error *err);
    int (*judge)(youtube_client *c, void *user, const youtube_reply *reply,
                 char **why, dk_error *err);
    void *user;
} youtube_exchange;

/* The one retry loop of the plugin: attempts until judged done, waiting
 * (the core policy, c->policy) after a network failure, a RETRY answer or
 * a judge's WAIT; a failure that outlasts the policy returns
 * DK_ERR_NETWORK. reply->sent covers every attempt. */
int youtube_exchange_run(youtube_client *c, const youtube_exchange *exchange,
                         youtube_reply *reply, dk_error *err);

/* What a request costs: units of the day's API quota, and for
 * videos.insert one of the day's uploads. */
typedef struct youtube_cost {
    int64_t units;
    bool insert;
} youtube_cost;

/* Every request but the upload's chunks goes out here: the cost charged
 * (1: the day is used up and the job deferred; nothing was sent), the
 * request sent with youtube_exchange_run, the charge given back when no
 * attempt reached the API, and a quota answer turned into a job deferred
 * to the next quota day (DK_ERR_UNSUPPORTED). 0: any other answer, in
 * reply. */
int youtube_request(youtube_client *c, youtube_cost cost,
                    const dk_http_request *request, youtube_reply *reply,
                    dk_error *err);
/* youtube_request for small API calls with an optional JSON body. */
int youtube_call(youtube_client *c, youtube_cost cost, const char *method,
                 const char *url, const char *json_body, youtube_reply *reply,
                 dk_error *err);

/* ---- resumable upload (youtube_upload.c) ---- */
int youtube_upload(youtube_client *c, dk_error *err);

/* ---- metadata (youtube_meta.c) ---- */
/* Checks the values a stage was configured with (chunk size, publish-at,
 * privacy), before any item is queued. */
int youtube_check_config(const upload_youtube_config *config, dk_error *err);
/* Checks expanded title, description and tags against YouTube's limits. */
int youtube_check_meta(const char *title, const char *description,
                       const char *tags, dk_error *err);
/* The videos.insert body (snippet + status) from the job's frozen meta. */
char *youtube_video_json(const upload_youtube_config *config,
                         const dk_job *job);
/* The tags of a frozen "tags" value, split on ',' and ';'. */
char **youtube_split_tags(const char *tags);

/* ---- quota (youtube_quota.c) ---- */
/* What one request was charged, to give back if it never got there. */
typedef struct youtube_charge {
    char *day; /* the quota day charged */
    int64_t units;
    bool upload; /* one taken from the uploads bucket */
} youtube_charge;

/* Charges cost to the day's units (and, for an insert, the day's uploads
 * bucket), recorded in charge; 0 when charged, 1 when the job was
 * deferred to the next quota day, or an error. */
int youtube_quota_take(youtube_client *c, int64_t cost, bool insert,
                       youtube_charge *charge, dk_error *err);
/* After the request: only what reached the API costs quota, so a charge
 * for a request that never left (offline, refused, DNS, TLS) is given
 * back. Clears charge. */
void youtube_quota_settle(youtube_client *c, youtube_charge *charge, bool sent);
/* The server said the quota is spent: mark the day and defer the job. */
int youtube_quota_spent(youtube_client *c, bool uploads, const char *why,
                        dk_error *err);
/* For a quota answer (QUOTA, UPLOAD_LIMIT): youtube_quota_spent with the
 * answer's words, then 1; 0 for any other answer. */
int youtube_quota_answer(youtube_client *c, const youtube_reply *reply,
                         dk_error *err);
/* Unix time of the next midnight in Pacific time; day gets "YYYY-MM-DD"
 * of the current Pacific day (g_free()). */
int64_t youtube_next_quota_day(char **day);

/* ---- after the upload (youtube_steps.c) ---- */
int youtube_steps(youtube_client *c, dk_error *err);

#endif
