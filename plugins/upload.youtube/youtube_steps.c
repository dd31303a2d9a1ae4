/* After the video exists: custom thumbnail, playlist insertion, and
 * watching processing. Each is a step row of the job: a failed one is
 * tried again alone by the next run, never by uploading again. */
#include "upload_youtube.h"

#include <string.h>
#include <time.h>

#define THUMBNAIL_MAX_BYTES (2 * 1024 * 1024)

/* Ends a step from the reply of its call: done, or failed with why. */
static int conclude(youtube_client *c, const char *step,
                    const youtube_reply *reply, const char *done_detail,
                    dk_error *err)
{
    if (reply->verdict == YOUTUBE_OK)
        return dk_job_step_finish(c->job, step, true, done_detail, err);
    g_autofree char *why = youtube_reply_error(reply);
    int rc = dk_job_step_finish(c->job, step, false, why, err);
    return rc < 0 ? rc
                  : dk_error_set(err, DK_ERR_UNSUPPORTED, "%s: %s", step, why);
}

static int set_thumbnail(youtube_client *c, const char *path, dk_error *err)
{
    g_autofree char *data = NULL;
    gsize length = 0;
    if (!g_file_get_contents(path, &data, &length, NULL)) {
        dk_job_step_finish(c->job, "thumbnail", false, "cannot read image",
                           NULL);
        return dk_error_set(err, DK_ERR_IO, "thumbnail %s: cannot read", path);
    }
    if (length > THUMBNAIL_MAX_BYTES) {
        dk_job_step_finish(c->job, "thumbnail", false, "image over 2 MB", NULL);
        return dk_error_set(err, DK_ERR_INVALID,
                            "thumbnail %s has %zu bytes; YouTube takes 2 MB",
                            path, (size_t)length);
    }
    g_autofree char *id = dk_http_escape(dk_job_remote_id(c->job));
    g_autofree char *url =
        g_strdup_printf("%s/upload/youtube/v3/thumbnails/set?videoId=%s"
                        "&uploadType=media",
                        c->api_base, id);
    bool png = length > 4 && memcmp(data, "\x89PNG", 4) == 0;
    const char *headers[] = {
        png ? "Content-Type: image/png" : "Content-Type: image/jpeg", NULL};
    dk_http_request request = {.method = "POST",
                               .url = url,
                               .headers = headers,
                               .body = data,
                               .body_length = length,
                               .timeout_seconds = 300};
    youtube_reply reply = {0};
    youtube_cost cost = {.units = c->config->quota_call_cost};
    int rc = youtube_request(c, cost, &request, &reply, err);
    if (rc == 0)
        rc = conclude(c, "thumbnail", &reply, "set", err);
    youtube_reply_clear(&reply);
    return rc < 0 ? rc : 0; /* 1: deferred to the next quota day */
}

/* Inserts the video into the playlist unless it is there already (a
 * worker killed after the insert but before recording it). */
static int add_to_playlist(youtube_client *c, const char *playlist,
                           dk_error *err)
{
    g_autofree char *list_id = dk_http_escape(playlist);
    g_autofree char *video_id = dk_http_escape(dk_job_remote_id(c->job));
    g_autofree char *check = g_strdup_printf(
        "%s/youtube/v3/playlistItems?part=id&playlistId=%s&videoId=%s",
        c->api_base, list_id, video_id);
    youtube_reply reply = {0};
    youtube_cost no_cost = {0};
    int rc = youtube_call(c, no_cost, "GET", check, NULL, &reply, err);
    if (rc == 0 && reply.verdict == YOUTUBE_OK &&
        youtube_reply_first_item(&reply)) {
        rc = dk_job_step_finish(c->job, "playlist", true, playlist, err);
        youtube_reply_clear(&reply);
        return rc;
    }
    if (rc == 0 && reply.verdict != YOUTUBE_OK)
        rc = conclude(c, "playlist", &reply, NULL, err);
    youtube_reply_clear(&reply);
    if (rc != 0)
        return rc;
    g_autofree char *url = g_strdup_printf(
        "%s/youtube/v3/playlistItems?part=snippet", c->api_base);
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "snippet");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "playlistId");
    json_builder_add_string_value(b, playlist);
    json_builder_set_member_name(b, "resourceId");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "kind");
    json_builder_add_string_value(b, "youtube#video");
    json_builder_set_member_name(b, "videoId");
    json_builder_add_string_value(b, dk_job_remote_id(c->job));
    json_builder_end_object(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    JsonGenerator *generator = json_generator_new();
    JsonNode *root = json_builder_get_root(b);
    json_generator_set_root(generator, root);
    g_autofree char *body = json_generator_to_data(generator, NULL);
    json_node_unref(root);
    g_object_unref(generator);
    g_object_unref(b);
    youtube_cost cost = {.units = c->config->quota_call_cost};
    rc = youtube_call(c, cost, "POST", url, body, &reply, err);
    if (rc == 0)
        rc = conclude(c, "playlist", &reply, playlist, err);
    youtube_reply_clear(&reply);
    return rc < 0 ? rc : 0; /* 1: deferred to the next quota day */
}

/* Reads status and processingDetails; *finished once YouTube is done. */
static int read_processing(youtube_client *c, const youtube_reply *reply,
                           bool *finished, dk_error *err)
{
    bool gone = false;
    g_autofree char *text = youtube_processing_outcome(
        reply, youtube_privacy_name(c->config->privacy), &gone);
    *finished = text != NULL;
    if (!text)
        return 0; /* still uploading or processing */
    if (gone) {
        dk_job_set_remote_status(c->job, "deleted", NULL);
        return dk_job_step_finish(c->job, "processing", true, text, err);
    }
    int rc = dk_job_set_remote_status(c->job, text, err);
    if (rc == 0)
        rc = dk_job_step_finish(c->job, "processing", true, text, err);
    return rc;
}

static int watch_processing(youtube_client *c, dk_error *err)
{
    int64_t wait = c->config->processing_wait;
    int64_t interval = c->config->poll_interval;
    gint64 deadline = g_get_monotonic_time() + wait * G_USEC_PER_SEC;
    g_autofree char *id = dk_http_escape(dk_job_remote_id(c->job));
    g_autofree char *url = g_strdup_printf(
        "%s/youtube/v3/videos?part=status,processingDetails&id=%s", c->api_base,
        id);
    dk_job_set_remote_status(c->job, "processing", NULL);
    /* the core's retry wait is the cancellable sleep plugins have */
    dk_retry_policy even = {.first_wait = (double)interval,
                            .growth = 1.0,
                            .max_wait = (double)interval};
    dk_retry pause;
    dk_retry_init(&pause, &even);
    for (;;) {
        youtube_reply reply = {0};
        youtube_cost cost = {.units = 1};
        int rc = youtube_call(c, cost, "GET", url, NULL, &reply, err);
        bool finished = false;
        if (rc == 0 && reply.verdict != YOUTUBE_OK)
            rc = conclude(c, "processing", &reply, NULL, err);
        else if (rc == 0)
            rc = read_processing(c, &reply, &finished, err);
        youtube_reply_clear(&reply);
        if (rc != 0 || finished)
            return rc < 0 ? rc : 0;
        if (g_get_monotonic_time() + interval * G_USEC_PER_SEC > deadline) {
            /* come back later instead of holding the worker */
            return dk_job_defer_until(c->job, (int64_t)time(NULL) + interval,
                                      "YouTube is still processing the video",
                                      err);
        }
        rc = dk_retry_wait(&pause, NULL, err);
        if (rc < 0)
            return rc;
    }
}

int youtube_steps(youtube_client *c, dk_error *err)
{
    const char *thumbnail = NULL;
    const char *role = c->config->thumbnail;
    if (*role) {
        g_autofree char *key = g_strconcat("path.", role, NULL);
        thumbnail = dk_job_meta(c->job, key);
    }
    const char *playlist = c->config->playlist;
    bool watch = c->config->processing_wait > 0;
    int rc = 0;
    if (thumbnail)
        rc = dk_job_step_plan(c->job, "thumbnail", err);
    if (rc == 0 && playlist && *playlist)
        rc = dk_job_step_plan(c->job, "playlist", err);
    if (rc == 0 && watch)
        rc = dk_job_step_plan(c->job, "processing", err);
    if (rc < 0)
        return rc;
    /* every step gets its turn even when one before it fails */
    int first_failure = 0;
    dk_error step_err = {0};
    struct {
        const char *name;
        bool wanted;
    } steps[] = {{"thumbnail", thumbnail != NULL},
                 {"playlist", playlist && *playlist},
                 {"processing", watch}};
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
        if (!steps[i].wanted ||
            dk_job_step_state(c->job, steps[i].name) == DK_STEP_DONE)
            continue;
        dk_error_clear(&step_err);
        if (i == 0)
            rc = set_thumbnail(c, thumbnail, &step_err);
        else if (i == 1)
            rc = add_to_playlist(c, playlist, &step_err);
        else
            rc = watch_processing(c, &step_err);
        if (rc == DK_ERR_CANCELLED)
            return dk_error_set(err, rc, "%s", step_err.message);
        if (rc < 0 && !first_failure) {
            first_failure = rc;
            dk_error_set(err, rc, "%s", step_err.message);
        }
    }
    return first_failure;
}
