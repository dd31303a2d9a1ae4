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

int youtube_client_init(youtube_client *c, const dk_stage *stage, dk_job *job,
                        dk_error *err)
{
    memset(c, 0, sizeof *c);
    c->stage = stage;
    c->job = job;
    c->api_base = dk_stage_string(stage, "api-base");
    c->policy = dk_retry_policy_default();
    c->policy.first_wait = dk_stage_double(stage, "retry-wait");
    c->policy.max_attempts = (int)dk_stage_int(stage, "retries");
    c->policy.on_retry = on_retry;
    c->policy.user = c;
    c->http = dk_http_client_new();
    if (!c->http)
        return dk_error_set(err, DK_ERR_NOMEM, "cannot start libcurl");
    const char *path = dk_stage_string(stage, "credentials");
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
    dk_http_client_free(&c->http);
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

static int send_once(youtube_client *c, const dk_http_request *request,
                     youtube_reply *reply, dk_error *err)
{
    g_autofree char *auth =
        g_strconcat("Authorization: Bearer ", c->token, NULL);
    GPtrArray *headers = g_ptr_array_new();
    g_ptr_array_add(headers, auth);
    for (const char *const *h = request->headers; h && *h; h++)
        g_ptr_array_add(headers, (gpointer)*h);
    g_ptr_array_add(headers, NULL);
    dk_http_request with_auth = *request;
    with_auth.headers = (const char *const *)headers->pdata;
    int rc = dk_http_perform(c->http, &with_auth, &reply->http, err);
    g_ptr_array_free(headers, TRUE);
    memset(auth, 0, strlen(auth));
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
        int rc = send_once(c, request, reply, err);
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
    youtube_reply_read(reply);
    return 0;
}

int youtube_send_retried(youtube_client *c, const dk_http_request *request,
                         youtube_reply *reply, dk_error *err)
{
    dk_retry retry;
    dk_retry_init(&retry, &c->policy);
    bool sent = false;
    for (;;) {
        int rc = youtube_send(c, request, reply, err);
        sent = sent || reply->sent;
        reply->sent = sent;
        g_autofree char *why = NULL;
        if (rc == DK_ERR_NETWORK || rc == DK_ERR_TIMEOUT)
            why = g_strdup(err->message);
        else if (rc < 0)
            return rc;
        else if (reply->verdict == YOUTUBE_RETRY)
            why = youtube_reply_error(reply);
        else
            return 0;
        rc = dk_retry_wait(&retry, why, err);
        if (rc < 0)
            return rc == DK_ERR_TIMEOUT ? DK_ERR_NETWORK : rc;
    }
}

int youtube_call(youtube_client *c, const char *method, const char *url,
                 const char *json_body, youtube_reply *reply, dk_error *err)
{
    static const char *const json_headers[] = {
        "Content-Type: application/json; charset=UTF-8", NULL};
    dk_http_request request = {
        .method = method,
        .url = url,
        .headers = json_body ? json_headers : NULL,
        .body = json_body,
        .body_length = json_body ? strlen(json_body) : 0,
        .stall_seconds = dk_stage_int(c->stage, "stall-timeout"),
        .timeout_seconds = 300,
    };
    int rc = youtube_send_retried(c, &request, reply, err);
    if (rc == 0 && (reply->verdict == YOUTUBE_QUOTA ||
                    reply->verdict == YOUTUBE_UPLOAD_LIMIT)) {
        g_autofree char *text = youtube_reply_error(reply);
        youtube_quota_spent(c, reply->verdict == YOUTUBE_UPLOAD_LIMIT, text,
                            err);
        return dk_error_set(err, DK_ERR_UNSUPPORTED, "%s", text);
    }
    return rc;
}
