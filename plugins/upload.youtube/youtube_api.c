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

void youtube_reply_clear(youtube_reply *reply)
{
    dk_http_response_clear(&reply->http);
    g_clear_object(&reply->parser);
    g_free(reply->reason);
    g_free(reply->message);
    memset(reply, 0, sizeof *reply);
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

const char *youtube_json_string(JsonObject *object, const char *name)
{
    if (!object || !json_object_has_member(object, name))
        return NULL;
    JsonNode *node = json_object_get_member(object, name);
    if (!JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}

/* Google's error document: {"error": {"code", "message", "errors":
 * [{"domain", "reason", "message"}]}}. */
static void read_error(youtube_reply *reply)
{
    JsonObject *object = reply->object;
    if (!object || !json_object_has_member(object, "error"))
        return;
    JsonNode *error = json_object_get_member(object, "error");
    if (!JSON_NODE_HOLDS_OBJECT(error)) {
        reply->reason = g_strdup(youtube_json_string(object, "error"));
        return;
    }
    JsonObject *e = json_node_get_object(error);
    reply->message = g_strdup(youtube_json_string(e, "message"));
    if (json_object_has_member(e, "errors")) {
        JsonArray *errors = json_object_get_array_member(e, "errors");
        if (errors && json_array_get_length(errors) > 0) {
            JsonNode *first = json_array_get_element(errors, 0);
            if (JSON_NODE_HOLDS_OBJECT(first))
                reply->reason = g_strdup(
                    youtube_json_string(json_node_get_object(first), "reason"));
        }
    }
}

static youtube_verdict judge(const youtube_reply *reply)
{
    long status = reply->http.status;
    const char *reason = reply->reason ? reply->reason : "";
    if (status >= 200 && status < 300)
        return YOUTUBE_OK;
    if (status == 308)
        return YOUTUBE_INCOMPLETE;
    if (!strcmp(reason, "quotaExceeded") ||
        !strcmp(reason, "dailyLimitExceeded"))
        return YOUTUBE_QUOTA;
    if (!strcmp(reason, "uploadLimitExceeded"))
        return YOUTUBE_UPLOAD_LIMIT;
    if (status >= 500 || status == 429 ||
        !strcmp(reason, "rateLimitExceeded") ||
        !strcmp(reason, "userRateLimitExceeded"))
        return YOUTUBE_RETRY;
    if (status == 404 || status == 410)
        return YOUTUBE_GONE;
    return YOUTUBE_FAIL;
}

char *youtube_reply_error(const youtube_reply *reply)
{
    if (reply->message && reply->reason)
        return g_strdup_printf("HTTP %ld: %s (%s)", reply->http.status,
                               reply->message, reply->reason);
    if (reply->message || reply->reason)
        return g_strdup_printf("HTTP %ld: %s", reply->http.status,
                               reply->message ? reply->message : reply->reason);
    return g_strdup_printf("HTTP %ld", reply->http.status);
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
    const char *type = dk_http_header(&reply->http, "content-type");
    if (type && strstr(type, "json") && reply->http.body->len) {
        reply->parser = json_parser_new();
        if (json_parser_load_from_data(reply->parser, reply->http.body->str,
                                       reply->http.body->len, NULL)) {
            JsonNode *root = json_parser_get_root(reply->parser);
            if (root && JSON_NODE_HOLDS_OBJECT(root))
                reply->object = json_node_get_object(root);
        }
    }
    read_error(reply);
    reply->verdict = judge(reply);
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
