/* upload.youtube — queues videos for the agency's YouTube channel and
 * uploads them with the Data API v3 resumable protocol.
 *
 *   [youtube]
 *   plugin=upload.youtube
 *   credentials=/etc/dokpim/youtube.json
 *   privacy=unlisted
 *   title={event.title} — {event.city}
 *
 * process() only freezes the job (file, expanded title/description/tags)
 * into the library's queue; `dokpim queue work` calls perform(), which
 * resumes from the byte the server confirmed, then runs the steps after
 * the upload (thumbnail, playlist, processing status) each on its own. */
#include "upload_youtube.h"

#include <string.h>

static const dk_option upload_youtube_options[] = {
    {"credentials", DK_OPT_PATH, "",
     "JSON file with client_id, client_secret, refresh_token (mode 0600; "
     "make it with `dokpim youtube auth`); needed to run, not to check",
     .flags = DK_OPTION_PRIVATE_FILE,
     DK_FIELD(upload_youtube_config, credentials)},
    {"api-base", DK_OPT_STRING, "https://www.googleapis.com",
     "where the YouTube Data API answers",
     DK_FIELD(upload_youtube_config, api_base)},
    {"privacy", DK_OPT_ENUM, "private", "who may watch once processed",
     .choices = "public|unlisted|private",
     DK_FIELD(upload_youtube_config, privacy)},
    {"title", DK_OPT_TEMPLATE, "{event.title}",
     "video title (at most 100 characters, no < or >)",
     DK_FIELD(upload_youtube_config, title)},
    {"description", DK_OPT_TEMPLATE, "{event.title}",
     "video description (at most 5000 bytes)",
     DK_FIELD(upload_youtube_config, description)},
    {"tags", DK_OPT_TEMPLATE, "",
     "tags separated by ',' or ';' (at most 500 characters in all)",
     DK_FIELD(upload_youtube_config, tags)},
    {"category", DK_OPT_INT, "25", "YouTube category id (25: News & Politics)",
     1, 44, DK_FIELD(upload_youtube_config, category)},
    {"publish-at", DK_OPT_STRING, "",
     "scheduled publishing time, RFC 3339 (2024-09-02T19:00:00+08:00); "
     "needs privacy=private",
     DK_FIELD(upload_youtube_config, publish_at)},
    {"made-for-kids", DK_OPT_BOOL, "false",
     "declare the video made for children",
     DK_FIELD(upload_youtube_config, made_for_kids)},
    {"language", DK_OPT_STRING, "",
     "default language of title and description (empty: the event's)",
     DK_FIELD(upload_youtube_config, language)},
    {"playlist", DK_OPT_STRING, "", "playlist id to add the video to",
     DK_FIELD(upload_youtube_config, playlist)},
    {"thumbnail", DK_OPT_STRING, "",
     "role of an earlier stage's image to set as custom thumbnail (e.g. "
     "thumbnail); empty: YouTube's own",
     DK_FIELD(upload_youtube_config, thumbnail)},
    {"source-role", DK_OPT_STRING, "",
     "role of the derivative to upload (e.g. youtube); empty: the current "
     "file",
     DK_FIELD(upload_youtube_config, source_role)},
    {"chunk-size", DK_OPT_INT, "8388608",
     "bytes per upload request, a multiple of 262144", 262144, 1073741824,
     DK_FIELD(upload_youtube_config, chunk_size)},
    {"quota-daily", DK_OPT_INT, "10000", "API units per day (0: do not count)",
     0, 1e9, DK_FIELD(upload_youtube_config, quota_daily)},
    {"quota-insert-cost", DK_OPT_INT, "1600", "units one videos.insert costs",
     0, 1e9, DK_FIELD(upload_youtube_config, quota_insert_cost)},
    {"quota-call-cost", DK_OPT_INT, "50",
     "units a thumbnail or playlist call costs", 0, 1e9,
     DK_FIELD(upload_youtube_config, quota_call_cost)},
    {"uploads-daily", DK_OPT_INT, "0",
     "videos per day in the separate upload bucket (0: do not count)", 0, 1e6,
     DK_FIELD(upload_youtube_config, uploads_daily)},
    {"processing-wait", DK_OPT_INT, "600",
     "seconds to watch processing before coming back later (0: do not "
     "watch)",
     0, 86400, DK_FIELD(upload_youtube_config, processing_wait)},
    {"poll-interval", DK_OPT_INT, "15", "seconds between processing checks", 1,
     3600, DK_FIELD(upload_youtube_config, poll_interval)},
    DK_RETRY_OPTIONS(upload_youtube_config, retry),
    {NULL},
};

/* What can be known before any file: option limits, and the title,
 * description and tags when their templates use only the event. */
static int upload_youtube_check(const dk_stage *stage, const void *config,
                                dk_error *err)
{
    const upload_youtube_config *c = config;
    int rc = youtube_check_config(c, err);
    if (rc < 0)
        return rc;
    const dk_template *fields[] = {c->title, c->description, c->tags};
    char *values[3] = {NULL, NULL, NULL};
    /* without an event file, {event.*} would expand to nothing */
    bool per_item = dk_stage_event(stage, "title") == NULL;
    for (int i = 0; i < 3 && !per_item; i++) {
        dk_error expand = {0};
        if (dk_stage_expand(stage, fields[i], NULL, &values[i], &expand) < 0)
            per_item = true; /* uses {seq}, {original.*}...: checked later */
    }
    if (!per_item)
        rc = youtube_check_meta(values[0], values[1], values[2], err);
    for (int i = 0; i < 3; i++)
        g_free(values[i]);
    return rc;
}

/* The job's connection. check() holds every rule but one: credentials
 * are empty by default so that shipped pipelines pass `dokpim check` on a
 * machine without the channel's, and only a run needs them. */
static int upload_youtube_open(const dk_stage *stage, const void *config,
                               void **state, dk_error *err)
{
    const upload_youtube_config *c = config;
    if (!*c->credentials)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "set credentials= to the file `dokpim youtube "
                            "auth` made (e.g. --set "
                            "%s.credentials=$HOME/.config/dokpim/youtube.json)",
                            dk_stage_name(stage));
    return dk_http_open_state(stage, config, state, err);
}

static int upload_youtube_process(const dk_stage *stage, void *state,
                                  dk_item *item, dk_error *err)
{
    (void)state;
    const upload_youtube_config *c = dk_stage_config(stage);
    g_autofree char *title = NULL, *description = NULL, *tags = NULL;
    int rc = dk_stage_expand(stage, c->title, item, &title, err);
    if (rc == 0)
        rc = dk_stage_expand(stage, c->description, item, &description, err);
    if (rc == 0)
        rc = dk_stage_expand(stage, c->tags, item, &tags, err);
    if (rc == 0)
        rc = youtube_check_meta(title, description, tags, err);
    if (rc < 0)
        return rc;
    dk_meta *meta = dk_meta_new();
    const char *language = c->language;
    if (!*language)
        language = dk_stage_event(stage, "language");
    if (language && *language)
        dk_meta_set_string(meta, "language", language);
    dk_meta_set_string(meta, "target-name", "YouTube");
    const char *attach[] = {c->thumbnail, NULL};
    g_autofree char *target = g_strconcat("youtube:", c->credentials, NULL);
    dk_enqueue_request request = {
        .role = c->source_role,
        .target = target,
        .meta = meta,
        .attach_roles = *c->thumbnail ? attach : NULL,
    };
    rc = dk_queue_enqueue(stage, item, &request, NULL, NULL, err);
    dk_meta_free(&meta);
    return rc;
}

static int upload_youtube_perform(const dk_stage *stage, void *state,
                                  dk_job *job, dk_error *err)
{
    youtube_client client;
    int rc =
        youtube_client_init(&client, dk_stage_config(stage), state, job, err);
    if (rc == 0 && !dk_job_remote_id(job))
        rc = youtube_upload(&client, err);
    if (rc == 0 && dk_job_remote_id(job))
        rc = youtube_steps(&client, err);
    youtube_client_clear(&client);
    return rc;
}

DK_PLUGIN_DEFINE(upload_youtube) = {
    .name = "upload.youtube",
    .summary = "queue videos for YouTube; resumable upload with quota",
    .role = DK_ROLE_UPLOAD,
    /* files taken in as they are (ingest.file) may be finished videos */
    .item_kinds = DK_KIND_VIDEO | DK_KIND_FILE,
    .options = upload_youtube_options,
    .config_size = sizeof(upload_youtube_config),
    .check = upload_youtube_check,
    .open = upload_youtube_open,
    .process = upload_youtube_process,
    .perform = upload_youtube_perform,
    .close = dk_http_close_state,
};
