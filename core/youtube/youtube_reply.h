/* Answers of the YouTube Data API, read and judged (youtube_reply.c), and
 * one request sent with an OAuth access token (youtube_send.c): what
 * upload.youtube and live.youtube share. A static library with hidden
 * symbols, like core/jpeg: each plugin carries its own copy and none of
 * it becomes a dokpim library's ABI. */
#ifndef DK_YOUTUBE_REPLY_H
#define DK_YOUTUBE_REPLY_H

#include <stdbool.h>

#include <dokpim/http.h>
#include <json-glib/json-glib.h>

/* An answer of the API, judged. */
typedef enum youtube_verdict {
    YOUTUBE_OK,           /* 2xx */
    YOUTUBE_INCOMPLETE,   /* 308 Resume Incomplete */
    YOUTUBE_RETRY,        /* 5xx, 429: try again after a wait */
    YOUTUBE_GONE,         /* 404/410 on a session: it expired */
    YOUTUBE_QUOTA,        /* quotaExceeded, dailyLimitExceeded */
    YOUTUBE_UPLOAD_LIMIT, /* uploadLimitExceeded */
    YOUTUBE_FAIL,         /* any other 4xx: permanent */
} youtube_verdict;

typedef struct youtube_reply {
    dk_http_response http;
    JsonParser *parser;
    JsonObject *object; /* the JSON body, or NULL */
    char *reason;       /* error.errors[0].reason */
    char *message;      /* error.message */
    youtube_verdict verdict;
    bool sent; /* the request (some attempt of it) reached the API */
} youtube_reply;

void youtube_reply_clear(youtube_reply *reply);
/* Parses reply->http (status, headers, body) into object, reason, message
 * and verdict. */
void youtube_reply_read(youtube_reply *reply);
/* The bytes of a total-byte file that a 308 answer's Range header
 * ("bytes=0-12345") says the server holds; 0 without one, -1 when the
 * header is malformed or names bytes past the file's end. */
int64_t youtube_reply_confirmed(const youtube_reply *reply, int64_t total);
/* The "id" of a finished upload's video resource, or NULL; owned by the
 * reply. */
const char *youtube_reply_video_id(const youtube_reply *reply);
/* The first element of a list answer's "items", or NULL. */
JsonObject *youtube_reply_first_item(const youtube_reply *reply);
/* What videos.list says about processing: NULL while it goes on, else one
 * line (g_free) such as "processed" or "failed: why"; *gone when the list
 * is empty (the video was deleted). wanted_privacy notes a video YouTube
 * locked private. */
char *youtube_processing_outcome(const youtube_reply *reply,
                                 const char *wanted_privacy, bool *gone);

/* A string member of a JSON object, or NULL; owned by the object. */
const char *youtube_json_string(JsonObject *object, const char *name);
/* "API message (reason)" for an error answer. Caller g_free()s. */
char *youtube_reply_error(const youtube_reply *reply);

/* Sends one request with "Authorization: Bearer token" added to its
 * headers (the header is wiped afterwards), then reads the answer into
 * reply (youtube_reply_read). Returns as dk_http_perform. */
int youtube_send_bearer(dk_http_client *http, const char *token,
                        const dk_http_request *request, youtube_reply *reply,
                        dk_error *err);

#endif
