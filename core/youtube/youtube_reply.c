/* An answer of the YouTube Data API, read and judged: the JSON body, the
 * error document, the verdict, and the facts the upload and its steps take
 * from it (the confirmed byte range, the new video's id, the processing
 * outcome). Everything here reads what a server sent, so nothing is
 * trusted: a wrong type or a number out of range is an answer that names
 * nothing, never a crash. */
#include "youtube_reply.h"

#include <string.h>

void youtube_reply_clear(youtube_reply *reply)
{
    dk_http_response_clear(&reply->http);
    g_clear_object(&reply->parser);
    g_free(reply->reason);
    g_free(reply->message);
    memset(reply, 0, sizeof *reply);
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

/* An array member, or NULL when it is missing or anything else (asking
 * json-glib for an array that is not one is a critical). */
static JsonArray *member_array(JsonObject *object, const char *name)
{
    if (!object || !json_object_has_member(object, name))
        return NULL;
    JsonNode *node = json_object_get_member(object, name);
    return JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
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
    JsonArray *errors = member_array(e, "errors");
    if (errors && json_array_get_length(errors) > 0) {
        JsonNode *first = json_array_get_element(errors, 0);
        if (JSON_NODE_HOLDS_OBJECT(first))
            reply->reason = g_strdup(
                youtube_json_string(json_node_get_object(first), "reason"));
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

void youtube_reply_read(youtube_reply *reply)
{
    const char *type = dk_http_header(&reply->http, "content-type");
    if (type && strstr(type, "json") && reply->http.body &&
        reply->http.body->len) {
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
}

int64_t youtube_reply_confirmed(const youtube_reply *reply, int64_t total)
{
    const char *range = dk_http_header(&reply->http, "range");
    if (!range)
        return 0;
    /* the server holds a prefix of the file: anything but bytes=0-LAST
     * with LAST inside it names bytes that were never sent */
    static const char prefix[] = "bytes=0-";
    guint64 last = 0;
    if (total <= 0 || !g_str_has_prefix(range, prefix) ||
        !g_ascii_string_to_unsigned(range + strlen(prefix), 10, 0,
                                    (guint64)total - 1, &last, NULL))
        return -1;
    return (int64_t)last + 1;
}

const char *youtube_reply_video_id(const youtube_reply *reply)
{
    const char *id = youtube_json_string(reply->object, "id");
    return id && *id ? id : NULL;
}

JsonObject *youtube_reply_first_item(const youtube_reply *reply)
{
    JsonArray *items = member_array(reply->object, "items");
    if (!items || json_array_get_length(items) == 0)
        return NULL;
    JsonNode *node = json_array_get_element(items, 0);
    return JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

static JsonObject *child(JsonObject *object, const char *name)
{
    if (!object || !json_object_has_member(object, name))
        return NULL;
    JsonNode *node = json_object_get_member(object, name);
    return JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* "failed: why", with the reason member's text or a placeholder. */
static char *outcome_with_reason(const char *what, JsonObject *object,
                                 const char *reason_member)
{
    const char *reason = youtube_json_string(object, reason_member);
    return g_strdup_printf("%s: %s", what, reason ? reason : "no reason given");
}

char *youtube_processing_outcome(const youtube_reply *reply,
                                 const char *wanted_privacy, bool *gone)
{
    *gone = false;
    JsonObject *item = youtube_reply_first_item(reply);
    if (!item) {
        *gone = true;
        return g_strdup("the video no longer exists");
    }
    JsonObject *status = child(item, "status");
    JsonObject *details = child(item, "processingDetails");
    const char *upload = youtube_json_string(status, "uploadStatus");
    const char *privacy = youtube_json_string(status, "privacyStatus");
    const char *processing = youtube_json_string(details, "processingStatus");
    char *text = NULL;
    if (upload && !strcmp(upload, "processed"))
        text = g_strdup("processed");
    else if (upload && !strcmp(upload, "failed"))
        text = outcome_with_reason("failed", status, "failureReason");
    else if (upload && !strcmp(upload, "rejected"))
        text = outcome_with_reason("rejected", status, "rejectionReason");
    else if (upload && !strcmp(upload, "deleted"))
        text = g_strdup("deleted");
    else if (processing && (!strcmp(processing, "failed") ||
                            !strcmp(processing, "terminated"))) {
        g_autofree char *what = g_strconcat("processing ", processing, NULL);
        text = outcome_with_reason(what, details, "processingFailureReason");
    }
    if (!text)
        return NULL; /* still uploading or processing */
    /* Videos from API projects Google has not audited are locked private:
     * say so, so that a "public" job is not taken for a failure. */
    if (privacy && wanted_privacy && strcmp(privacy, wanted_privacy) != 0 &&
        !strcmp(privacy, "private")) {
        char *forced = g_strconcat(text, ", private (forced by YouTube)", NULL);
        g_free(text);
        text = forced;
    }
    return text;
}
