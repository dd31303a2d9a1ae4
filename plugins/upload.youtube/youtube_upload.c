/* videos.insert with uploadType=resumable, as Google documents it:
 *   POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status
 *        (metadata JSON, X-Upload-Content-Length/-Type) -> Location: session
 *   PUT session, Content-Range: bytes FIRST-LAST/TOTAL  -> 308 + Range, or
 *        200/201 with the video resource after the last byte
 *   PUT session, Content-Range: bytes * /TOTAL (empty)  -> what the server
 *        has, after any interruption
 * The session URI is committed to the queue before the first byte goes
 * out, and every confirmed byte count as it arrives, so a killed worker
 * resumes exactly where the server is. */
#include "upload_youtube.h"

#include <inttypes.h>
#include <string.h>

typedef struct session_state {
    bool restarted; /* a new session replaced an expired one already */
} session_state;

static int fail(youtube_client *c, const youtube_reply *reply, const char *what,
                dk_error *err)
{
    (void)c;
    g_autofree char *why = youtube_reply_error(reply);
    return dk_error_set(err, DK_ERR_UNSUPPORTED, "%s refused: %s", what, why);
}

/* The video id from a finished upload's resource. */
static int finish(youtube_client *c, const youtube_reply *reply, dk_error *err)
{
    const char *id = youtube_reply_video_id(reply);
    if (!id)
        return dk_error_set(err, DK_ERR_INVALID,
                            "upload finished but the answer names no video");
    /* ledger first: from here on the file is never sent again */
    int rc = dk_job_set_remote_id(c->job, id, err);
    if (rc == 0)
        rc = dk_job_save_session(c->job, NULL, dk_job_size(c->job), err);
    if (rc == 0)
        dk_job_note(c->job, "uploaded as video %s", id);
    return rc;
}

/* Opens a session; the URI is saved before anything else happens. */
static int start_session(youtube_client *c, dk_error *err)
{
    g_autofree char *url = g_strdup_printf(
        "%s/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status",
        c->api_base);
    g_autofree char *body = youtube_video_json(c->config, c->job);
    g_autofree char *length = g_strdup_printf(
        "X-Upload-Content-Length: %" PRId64, dk_job_size(c->job));
    const char *headers[] = {"Content-Type: application/json; charset=UTF-8",
                             length, "X-Upload-Content-Type: video/*", NULL};
    dk_http_request request = {
        .method = "POST",
        .url = url,
        .headers = headers,
        .body = body,
        .body_length = strlen(body),
        .stall_seconds = c->config->retry.stall_seconds,
        .timeout_seconds = 300,
    };
    youtube_reply reply = {0};
    youtube_cost cost = {.units = c->config->quota_insert_cost, .insert = true};
    int rc = youtube_request(c, cost, &request, &reply, err);
    if (rc != 0) {
        youtube_reply_clear(&reply);
        return rc < 0 ? rc : 0; /* 1: deferred to the next quota day */
    }
    const char *location = dk_http_header(&reply.http, "location");
    rc = youtube_quota_answer(c, &reply, err);
    if (rc != 0) {
        rc = rc < 0 ? rc : 0; /* deferred to the next quota day */
    } else if (reply.verdict != YOUTUBE_OK) {
        rc = fail(c, &reply, "videos.insert", err);
    } else if (!location || !*location) {
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "videos.insert answered without a session URI");
    } else {
        rc = dk_job_save_session(c->job, location, 0, err);
        if (rc == 0)
            dk_job_note(c->job, "upload session opened");
    }
    youtube_reply_clear(&reply);
    return rc;
}

/* Sends one chunk, or (chunk_length < 0) asks what the server has. */
static int put(youtube_client *c, int64_t first, int64_t chunk_length,
               youtube_reply *reply, dk_error *err)
{
    int64_t total = dk_job_size(c->job);
    g_autofree char *range =
        chunk_length < 0
            ? g_strdup_printf("Content-Range: bytes */%" PRId64, total)
            : g_strdup_printf("Content-Range: bytes %" PRId64 "-%" PRId64
                              "/%" PRId64,
                              first, first + chunk_length - 1, total);
    const char *headers[] = {range, "Content-Type: video/*", NULL};
    dk_http_request request = {
        .method = "PUT",
        .url = dk_job_session(c->job),
        .headers = headers,
        .upload_path = chunk_length > 0 ? dk_job_path(c->job) : NULL,
        .upload_offset = first,
        .upload_length = chunk_length > 0 ? chunk_length : 0,
        .job = c->job,
        .progress_base = first,
        .stall_seconds = c->config->retry.stall_seconds,
    };
    return youtube_send(c, &request, reply, err);
}

/* Where the chunks are: what the last attempt sent from. */
typedef struct chunks {
    int64_t chunk; /* chunk-size */
    bool ask;      /* the first attempt asks what the server has */
    int64_t first; /* the last attempt's first byte */
    bool asked;    /* the last attempt only asked */
    bool expired;  /* the server forgot the session */
} chunks;

/* The next chunk from the confirmed byte; after an interruption, first
 * learn what arrived. */
static int send_chunk(youtube_client *c, void *user, bool after_wait,
                      youtube_reply *reply, dk_error *err)
{
    chunks *s = user;
    int64_t total = dk_job_size(c->job);
    s->first = dk_job_confirmed(c->job);
    int64_t length = total - s->first < s->chunk ? total - s->first : s->chunk;
    /* a zero-length file, or all sent but unconfirmed: ask */
    s->asked = s->ask || after_wait || length <= 0;
    s->ask = false;
    return put(c, s->first, s->asked ? -1 : length, reply, err);
}

static int judge_chunk(youtube_client *c, void *user,
                       const youtube_reply *reply, char **why, dk_error *err)
{
    chunks *s = user;
    int64_t total = dk_job_size(c->job);
    if (reply->verdict == YOUTUBE_OK) {
        int rc = finish(c, reply, err);
        return rc < 0 ? rc : YOUTUBE_NEXT_DONE;
    }
    if (reply->verdict == YOUTUBE_GONE) {
        s->expired = true;
        return YOUTUBE_NEXT_DONE;
    }
    if (reply->verdict != YOUTUBE_INCOMPLETE) {
        int rc = youtube_quota_answer(c, reply, err);
        if (rc == 0)
            rc = fail(c, reply, "upload", err);
        return rc < 0 ? rc : YOUTUBE_NEXT_DONE;
    }
    int64_t confirmed = youtube_reply_confirmed(reply, total);
    if (confirmed < 0) {
        /* what arrived is unknown: wait, then ask again */
        *why = g_strdup_printf("the server confirmed an impossible byte "
                               "range of a %" PRId64 "-byte file",
                               total);
        return YOUTUBE_NEXT_WAIT;
    }
    int rc =
        dk_job_save_session(c->job, dk_job_session(c->job), confirmed, err);
    if (rc < 0)
        return rc;
    if (confirmed > s->first)
        return YOUTUBE_NEXT_PROGRESS;
    if (s->asked)
        return YOUTUBE_NEXT_AGAIN;
    /* a chunk went out and nothing was kept: not a loop */
    *why = g_strdup("the server kept none of the chunk");
    return YOUTUBE_NEXT_WAIT;
}

/* Chunks from the confirmed byte until the server has the whole file. */
static int send_chunks(youtube_client *c, bool ask_first, bool *expired,
                       dk_error *err)
{
    chunks state = {.chunk = c->config->chunk_size, .ask = ask_first};
    youtube_exchange exchange = {
        .attempt = send_chunk, .judge = judge_chunk, .user = &state};
    youtube_reply reply = {0};
    int rc = youtube_exchange_run(c, &exchange, &reply, err);
    youtube_reply_clear(&reply);
    *expired = state.expired;
    return rc;
}

int youtube_upload(youtube_client *c, dk_error *err)
{
    session_state state = {0};
    /* a session from an earlier run: ask the server before sending */
    bool ask = dk_job_session(c->job) != NULL;
    for (;;) {
        if (!dk_job_session(c->job)) {
            int rc = start_session(c, err);
            if (rc < 0 || !dk_job_session(c->job))
                return rc; /* failed, or deferred for quota */
        }
        bool expired = false;
        int rc = send_chunks(c, ask, &expired, err);
        if (rc < 0 || !expired)
            return rc;
        if (state.restarted)
            return dk_error_set(err, DK_ERR_INVALID,
                                "the new upload session expired as well");
        /* Google forgets sessions after about a week: start once more */
        dk_job_note(c->job, "upload session expired; starting a new one");
        state.restarted = true;
        ask = false;
        rc = dk_job_save_session(c->job, NULL, 0, err);
        if (rc < 0)
            return rc;
    }
}
