/* Talking to the YouTube Data API: the access token on every request
 * (refreshed before it expires and once more on 401), answers parsed and
 * judged, small calls retried with the core's retry policy. */
#include "upload_youtube.h"

#include <string.h>
#include <time.h>

/* A revoked refresh token stops every job using it, with one clear line
 * instead of one failed call per job. Process-wide, guarded. */
G_LOCK_DEFINE_STATIC(youtube_revoked);
static GHashTable *youtube_revoked;

static bool is_revoked(const char *path)
{
    G_LOCK(youtube_revoked);
    bool revoked =
        youtube_revoked && g_hash_table_contains(youtube_revoked, path);
    G_UNLOCK(youtube_revoked);
    return revoked;
}

static void mark_revoked(const char *path)
{
    G_LOCK(youtube_revoked);
    if (!youtube_revoked)
        youtube_revoked =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_add(youtube_revoked, g_strdup(path));
    G_UNLOCK(youtube_revoked);
}

static void on_retry(void *user, int attempt, double wait, const char *why)
{
    youtube_client *c = user;
    dk_job_note(c->job, "%s; retry %d in %.1f s", why ? why : "failed", attempt,
                wait);
}

int youtube_client_init(youtube_client *c, const upload_youtube_config *config,
                        dk_http_client *http, dk_job *job, dk_error *err)
{
    memset(c, 0, sizeof *c);
    c->config = config;
    c->job = job;
    c->http = http;
    c->api_base = config->api_base;
    c->policy = dk_retry_policy_from_options(&config->retry);
    c->policy.on_retry = on_retry;
    c->policy.user = c;
    const char *path = config->credentials;
    if (is_revoked(path)) {
        g_autofree char *reason = g_strdup_printf(
            "refresh token expired or revoked; run: dokpim youtube auth %s",
            path);
        dk_job_defer_until(job, (int64_t)time(NULL) + 3600, reason, err);
        return dk_error_set(err, DK_ERR_CONFIG, "%s", reason);
    }
    int rc = dk_oauth_load(path, true, &c->credentials, err);
    if (rc == 0)
        c->bucket = g_strconcat("youtube:", c->credentials->client_id, NULL);
    return rc;
}

void youtube_client_clear(youtube_client *c)
{
    dk_oauth_free(&c->credentials);
    if (c->token)
        memset(c->token, 0, strlen(c->token));
    g_free(c->token);
    g_free(c->bucket);
    memset(c, 0, sizeof *c);
}

static int refresh_token(youtube_client *c, dk_error *err)
{
    g_free(c->token);
    c->token = NULL;
    bool revoked = false;
    int rc = dk_oauth_access_token(c->http, c->credentials, &c->token,
                                   &c->token_expires, &revoked, err);
    if (rc < 0 && revoked) {
        /* not the job's fault: it waits for `dokpim youtube auth` */
        mark_revoked(c->credentials->path);
        dk_job_defer_until(c->job, (int64_t)time(NULL) + 3600, err->message,
                           NULL);
    }
    return rc;
}

int youtube_send(youtube_client *c, const dk_http_request *request,
                 youtube_reply *reply, dk_error *err)
{
    youtube_reply_clear(reply);
    bool sent = false;
    for (int pass = 0; pass < 2; pass++) {
        if (!c->token || c->token_expires - 60 < (int64_t)time(NULL)) {
            int rc = refresh_token(c, err);
            reply->sent = sent; /* a failed refresh sent no API request */
            if (rc < 0)
                return rc;
        }
        youtube_reply_clear(reply);
        int rc = youtube_send_bearer(c->http, c->token, request, reply, err);
        sent = sent || rc == 0 || dk_http_request_sent(c->http);
        reply->sent = sent;
        if (rc < 0)
            return rc;
        if (reply->http.status != 401)
            break;
        /* expired early or revoked server-side: one fresh token */
        g_free(c->token);
        c->token = NULL;
    }
    return 0;
}

int youtube_exchange_run(youtube_client *c, const youtube_exchange *exchange,
                         youtube_reply *reply, dk_error *err)
{
    dk_retry retry;
    dk_retry_init(&retry, &c->policy);
    bool sent = false;
    bool after_wait = false;
    for (;;) {
        int rc = exchange->attempt(c, exchange->user, after_wait, reply, err);
        sent = sent || reply->sent;
        reply->sent = sent;
        after_wait = false;
        g_autofree char *why = NULL;
        if (rc == DK_ERR_NETWORK || rc == DK_ERR_TIMEOUT)
            why = g_strdup(err->message);
        else if (rc < 0)
            return rc;
        else if (reply->verdict == YOUTUBE_RETRY)
            why = youtube_reply_error(reply);
        else if (!exchange->judge)
            return 0;
        else {
            rc = exchange->judge(c, exchange->user, reply, &why, err);
            if (rc == YOUTUBE_NEXT_PROGRESS)
                dk_retry_reset(&retry);
            if (rc == YOUTUBE_NEXT_AGAIN || rc == YOUTUBE_NEXT_PROGRESS)
                continue;
            if (rc != YOUTUBE_NEXT_WAIT)
                return rc < 0 ? rc : 0;
        }
        rc = dk_retry_wait(&retry, why, err);
        if (rc < 0)
            return rc == DK_ERR_TIMEOUT ? DK_ERR_NETWORK : rc;
        after_wait = true;
    }
}

/* The same request on every attempt. */
static int send_same(youtube_client *c, void *user, bool after_wait,
                     youtube_reply *reply, dk_error *err)
{
    (void)after_wait;
    return youtube_send(c, user, reply, err);
}

int youtube_request(youtube_client *c, youtube_cost cost,
                    const dk_http_request *request, youtube_reply *reply,
                    dk_error *err)
{
    youtube_charge charge;
    int rc = youtube_quota_take(c, cost.units, cost.insert, &charge, err);
    if (rc != 0)
        return rc; /* 1: deferred to the next quota day */
    youtube_exchange exchange = {.attempt = send_same, .user = (void *)request};
    rc = youtube_exchange_run(c, &exchange, reply, err);
    youtube_quota_settle(c, &charge, reply->sent);
    return rc;
}

int youtube_call(youtube_client *c, youtube_cost cost, const char *method,
                 const char *url, const char *json_body, youtube_reply *reply,
                 dk_error *err)
{
    static const char *const json_headers[] = {
        "Content-Type: application/json; charset=UTF-8", NULL};
    dk_http_request request = {
        .method = method,
        .url = url,
        .headers = json_body ? json_headers : NULL,
        .body = json_body,
        .body_length = json_body ? strlen(json_body) : 0,
        .stall_seconds = c->config->retry.stall_seconds,
        .timeout_seconds = 300,
    };
    int rc = youtube_request(c, cost, &request, reply, err);
    if (rc == 0 && youtube_quota_answer(c, reply, err) != 0) {
        g_autofree char *text = youtube_reply_error(reply);
        return dk_error_set(err, DK_ERR_UNSUPPORTED, "%s", text);
    }
    return rc;
}
