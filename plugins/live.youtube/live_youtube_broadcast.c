/* YouTube's broadcast before going live: the stream we push to, the
 * event's broadcast found or scheduled, bound to that stream. What the
 * YouTube Live Streaming API reference says, as used here
 * (developers.google.com/youtube/v3/live/docs):
 *  - liveStreams.list(part=id,cdn,status, mine=true): a stream's
 *    cdn.ingestionInfo.streamName is the stream key; we find "our" stream
 *    by it and never print it.
 *  - liveBroadcasts.list(broadcastStatus=upcoming): the scheduled ones
 *    (created, ready, testing); the filter excludes mine= and id=.
 *  - liveBroadcasts.insert: snippet.title and snippet.scheduledStartTime
 *    and status.privacyStatus are required. contentDetails.enableAutoStart
 *    =false and enableAutoStop=false: dokpim says when it goes live and
 *    when it is over, so a dropped ingest (a venue's network) never ends
 *    the event on YouTube. monitorStream.enableMonitorStream=false: the
 *    testing state is only reachable with a monitor stream, and we go from
 *    ready straight to live once the stream is active; the crew rehearses
 *    against a local ingest instead (README).
 *    liveStreamingNotEnabled (403): the channel may not stream at all.
 *  - liveBroadcasts.bind(id, streamId): ready once bound.
 *  - thumbnails.set(videoId=broadcast id): a broadcast is a video.
 * Quota (Data API costs): list 1 unit, insert/bind/transition 50,
 * thumbnails.set 50; quotaExceeded (403, domain youtube.quota) ends the
 * API's part of the live, never the live. */
#include "live_youtube_broadcast.h"

#include <string.h>
#include <time.h>

#define MARKER_PREFIX "dokpim-event: "
#define THUMBNAIL_MAX (2 * 1024 * 1024) /* thumbnails.set's limit */
#define API_TIMEOUT   20 /* seconds: a 2 MB thumbnail on a venue's uplink */

static const char *const privacy_names[] = {"public", "unlisted", "private"};

int broadcast_api_call(live_youtube_broadcast *b, const char *method,
                       const char *url, const char *content_type,
                       const char *body, size_t length, youtube_reply *reply,
                       dk_error *err)
{
    g_autofree char *type_header =
        content_type ? g_strconcat("Content-Type: ", content_type, NULL) : NULL;
    const char *headers[] = {type_header, NULL};
    dk_http_request request = {
        .method = method,
        .url = url,
        .headers = type_header ? headers : NULL,
        .body = body,
        .body_length = length,
        .stall_seconds = 10,
        .timeout_seconds = b->timeout ? b->timeout : API_TIMEOUT,
    };
    for (int pass = 0; pass < 2; pass++) {
        if (!b->token || b->token_expires - 60 < (int64_t)time(NULL)) {
            if (b->token)
                explicit_bzero(b->token, strlen(b->token));
            g_clear_pointer(&b->token, g_free);
            bool revoked = false;
            int rc = dk_oauth_access_token(b->http, b->credentials, &b->token,
                                           &b->token_expires, &revoked, err);
            if (rc < 0)
                return rc;
        }
        youtube_reply_clear(reply);
        int rc = youtube_send_bearer(b->http, b->token, &request, reply, err);
        if (rc < 0)
            return rc;
        if (reply->http.status != 401)
            break;
        /* expired early, or revoked: one fresh token, then the 401 stands */
        b->token_expires = 0;
    }
    if (reply->verdict == YOUTUBE_QUOTA) {
        b->quota_spent = true;
        g_autofree char *why = youtube_reply_error(reply);
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "YouTube API quota spent (%s): the live goes on "
                            "without it; go live and end the broadcast in "
                            "YouTube Studio",
                            why);
    }
    return 0;
}

int broadcast_api_json(live_youtube_broadcast *b, const char *method,
                       const char *url, const char *json, youtube_reply *reply,
                       dk_error *err)
{
    return broadcast_api_call(b, method, url,
                              json ? "application/json; charset=UTF-8" : NULL,
                              json, json ? strlen(json) : 0, reply, err);
}

int broadcast_api_expect(live_youtube_broadcast *b, const char *what,
                         const youtube_reply *reply, dk_error *err)
{
    if (reply->verdict == YOUTUBE_OK)
        return 0;
    g_autofree char *why = youtube_reply_error(reply);
    (void)b;
    return dk_error_set(
        err, reply->http.status == 401 ? DK_ERR_CONFIG : DK_ERR_NETWORK,
        "YouTube %s: %s%s", what, why,
        reply->http.status == 401
            ? "; run: dokpim youtube auth with the oauth-file"
            : "");
}

JsonObject *broadcast_member_object(JsonObject *object, const char *name)
{
    if (!object || !json_object_has_member(object, name))
        return NULL;
    JsonNode *node = json_object_get_member(object, name);
    return JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

int broadcast_api_list(live_youtube_broadcast *b, const char *what,
                       const char *url, youtube_reply *reply, JsonArray **items,
                       dk_error *err)
{
    *items = NULL;
    int rc = broadcast_api_json(b, NULL, url, NULL, reply, err);
    if (rc == 0)
        rc = broadcast_api_expect(b, what, reply, err);
    if (rc < 0)
        return rc;
    if (reply->object && json_object_has_member(reply->object, "items")) {
        JsonNode *node = json_object_get_member(reply->object, "items");
        if (JSON_NODE_HOLDS_ARRAY(node))
            *items = json_node_get_array(node);
    }
    return 0;
}

JsonObject *broadcast_item(JsonArray *items, guint i)
{
    if (!items || i >= json_array_get_length(items))
        return NULL;
    JsonNode *node = json_array_get_element(items, i);
    return JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* The stream whose stream name is our key: its id. */
static int find_stream(live_youtube_broadcast *b, const char *key,
                       dk_error *err)
{
    g_autofree char *url = g_strdup_printf(
        "%s/youtube/v3/liveStreams?part=id,cdn,status&mine=true&maxResults=50",
        b->api_base);
    g_auto(youtube_reply) reply = {0};
    JsonArray *items = NULL;
    int rc =
        broadcast_api_list(b, "liveStreams.list", url, &reply, &items, err);
    if (rc < 0)
        return rc;
    for (guint i = 0; items && i < json_array_get_length(items); i++) {
        JsonObject *item = broadcast_item(items, i);
        JsonObject *info = broadcast_member_object(
            broadcast_member_object(item, "cdn"), "ingestionInfo");
        const char *name = youtube_json_string(info, "streamName");
        const char *id = youtube_json_string(item, "id");
        if (name && id && strcmp(name, key) == 0) {
            b->stream_id = g_strdup(id);
            return 0;
        }
    }
    return dk_error_set(err, DK_ERR_CONFIG,
                        "no live stream of this YouTube channel has the key "
                        "in key-file: copy the key of the channel's stream "
                        "(YouTube Studio, Stream settings)");
}

/* The scheduled start (RFC 3339, UTC) from broadcast-start: "HH:MM" on
 * the event's date in its time zone; empty: now. */
static int scheduled_start(const dk_stage *stage, const char *start, char **out,
                           dk_error *err)
{
    *out = NULL;
    g_autoptr(GDateTime) when = NULL;
    int hour, minute;
    char tail;
    const char *date = dk_stage_event(stage, "date");
    if (!*start) {
        when = g_date_time_new_now_utc();
    } else if (sscanf(start, "%2d:%2d%c", &hour, &minute, &tail) == 2 &&
               hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && date) {
        int y, m, d;
        if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) == 3)
            when = g_date_time_new(dk_stage_timezone(stage), y, m, d, hour,
                                   minute, 0);
    }
    if (!when)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "broadcast-start '%s': say HH:MM (on the event's "
                            "date, which the event file must give)",
                            start);
    g_autoptr(GDateTime) utc = g_date_time_to_utc(when);
    *out = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
    return 0;
}

static bool has_marker(const char *description, const char *marker)
{
    return description && strstr(description, marker) != NULL;
}

/* A broadcast in the list `which` for this event: ours (the marker line in its
 * description) or, for reuse, one the crew scheduled with the same title
 * on the same day. */
static int find_in(live_youtube_broadcast *b, const char *which,
                   const char *title, const char *start, bool by_title,
                   dk_error *err)
{
    g_autofree char *url =
        g_strdup_printf("%s/youtube/v3/liveBroadcasts?part=id,snippet,"
                        "contentDetails,status&broadcastStatus=%s&"
                        "maxResults=50",
                        b->api_base, which);
    g_auto(youtube_reply) reply = {0};
    JsonArray *items = NULL;
    int rc =
        broadcast_api_list(b, "liveBroadcasts.list", url, &reply, &items, err);
    if (rc < 0)
        return rc;
    for (guint i = 0; items && i < json_array_get_length(items); i++) {
        JsonObject *item = broadcast_item(items, i);
        JsonObject *snippet = broadcast_member_object(item, "snippet");
        const char *id = youtube_json_string(item, "id");
        const char *their_title = youtube_json_string(snippet, "title");
        const char *their_start =
            youtube_json_string(snippet, "scheduledStartTime");
        bool ours =
            has_marker(youtube_json_string(snippet, "description"), b->marker);
        bool same = by_title && their_title && !strcmp(their_title, title) &&
                    their_start && !strncmp(their_start, start, 10);
        if (!id || !(ours || same))
            continue;
        b->broadcast_id = g_strdup(id);
        const char *bound = youtube_json_string(
            broadcast_member_object(item, "contentDetails"), "boundStreamId");
        b->bound = bound && b->stream_id && !strcmp(bound, b->stream_id);
        return 1;
    }
    return 0;
}

/* Upcoming first; then the live ones, so that dokpim started again after
 * a crash mid-event carries on with the same broadcast. */
static int find_broadcast(live_youtube_broadcast *b, const char *title,
                          const char *start, bool by_title, dk_error *err)
{
    int rc = find_in(b, "upcoming", title, start, by_title, err);
    return rc != 0 ? rc : find_in(b, "active", title, start, by_title, err);
}

static char *insert_body(const live_youtube_options *opt, const char *title,
                         const char *description, const char *start)
{
    g_autoptr(JsonBuilder) j = json_builder_new();
    json_builder_begin_object(j);
    json_builder_set_member_name(j, "snippet");
    json_builder_begin_object(j);
    json_builder_set_member_name(j, "title");
    json_builder_add_string_value(j, title);
    json_builder_set_member_name(j, "description");
    json_builder_add_string_value(j, description);
    json_builder_set_member_name(j, "scheduledStartTime");
    json_builder_add_string_value(j, start);
    json_builder_end_object(j);
    json_builder_set_member_name(j, "status");
    json_builder_begin_object(j);
    json_builder_set_member_name(j, "privacyStatus");
    json_builder_add_string_value(j, privacy_names[opt->broadcast_privacy]);
    json_builder_set_member_name(j, "selfDeclaredMadeForKids");
    json_builder_add_boolean_value(j, false);
    json_builder_end_object(j);
    json_builder_set_member_name(j, "contentDetails");
    json_builder_begin_object(j);
    json_builder_set_member_name(j, "enableAutoStart");
    json_builder_add_boolean_value(j, false);
    json_builder_set_member_name(j, "enableAutoStop");
    json_builder_add_boolean_value(j, false);
    json_builder_set_member_name(j, "monitorStream");
    json_builder_begin_object(j);
    json_builder_set_member_name(j, "enableMonitorStream");
    json_builder_add_boolean_value(j, false);
    json_builder_end_object(j);
    json_builder_end_object(j);
    json_builder_end_object(j);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(j);
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

static int insert_broadcast(live_youtube_broadcast *b,
                            const live_youtube_options *opt, const char *title,
                            const char *description, const char *start,
                            dk_error *err)
{
    g_autofree char *full = g_strdup_printf(
        "%s%s%s", description, *description ? "\n\n" : "", b->marker);
    g_autofree char *body = insert_body(opt, title, full, start);
    g_autofree char *url =
        g_strdup_printf("%s/youtube/v3/liveBroadcasts?part=id,snippet,"
                        "contentDetails,status",
                        b->api_base);
    g_auto(youtube_reply) reply = {0};
    int rc = broadcast_api_json(b, "POST", url, body, &reply, err);
    if (rc == 0)
        rc = broadcast_api_expect(b, "liveBroadcasts.insert", &reply, err);
    if (rc < 0)
        return rc;
    const char *id = youtube_json_string(reply.object, "id");
    if (!id)
        return dk_error_set(err, DK_ERR_NETWORK,
                            "YouTube liveBroadcasts.insert: no id in the "
                            "answer");
    b->broadcast_id = g_strdup(id);
    b->created = true;
    return 0;
}

static int bind_stream(live_youtube_broadcast *b, dk_error *err)
{
    g_autofree char *url = g_strdup_printf(
        "%s/youtube/v3/liveBroadcasts/bind?id=%s&streamId=%s&part=id,"
        "contentDetails",
        b->api_base, b->broadcast_id, b->stream_id);
    g_auto(youtube_reply) reply = {0};
    int rc = broadcast_api_json(b, "POST", url, NULL, &reply, err);
    if (rc == 0)
        rc = broadcast_api_expect(b, "liveBroadcasts.bind", &reply, err);
    return rc;
}

static int set_thumbnail(live_youtube_broadcast *b, const char *path,
                         dk_error *err)
{
    g_autofree char *data = NULL;
    gsize length = 0;
    if (!g_file_get_contents(path, &data, &length, NULL))
        return dk_error_set(err, DK_ERR_IO,
                            "broadcast-thumbnail %s: cannot "
                            "read it",
                            path);
    if (length > THUMBNAIL_MAX)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "broadcast-thumbnail %s has %zu bytes; YouTube "
                            "takes 2 MB",
                            path, (size_t)length);
    const char *type =
        g_str_has_suffix(path, ".png") ? "image/png" : "image/jpeg";
    g_autofree char *url = g_strdup_printf(
        "%s/upload/youtube/v3/thumbnails/set?videoId=%s&uploadType=media",
        b->api_base, b->broadcast_id);
    g_auto(youtube_reply) reply = {0};
    int rc =
        broadcast_api_call(b, "POST", url, type, data, length, &reply, err);
    if (rc == 0)
        rc = broadcast_api_expect(b, "thumbnails.set", &reply, err);
    return rc;
}

int live_youtube_broadcast_check(const dk_stage *stage,
                                 const live_youtube_options *opt, dk_error *err)
{
    if (opt->broadcast == LIVE_YOUTUBE_BROADCAST_NONE)
        return 0;
    if (!*opt->oauth_file)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "broadcast=%s needs oauth-file= (the JSON file "
                            "`dokpim youtube auth` makes)",
                            opt->broadcast == LIVE_YOUTUBE_BROADCAST_CREATE
                                ? "create"
                                : "reuse");
    if (!*opt->url && !*opt->backup_url)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "broadcast= needs an ingest url to push to");
    dk_oauth_credentials *credentials = NULL;
    int rc = dk_oauth_load(opt->oauth_file, true, &credentials, err);
    dk_oauth_free(&credentials);
    if (rc < 0)
        return rc;
    /* the title and the start come from the event: without one (`dokpim
     * check PIPELINE` alone) they are checked at the live's start */
    if (!dk_stage_event(stage, "slug"))
        return 0;
    g_autofree char *start = NULL;
    rc = scheduled_start(stage, opt->broadcast_start, &start, err);
    if (rc < 0)
        return rc;
    g_autofree char *title = NULL;
    rc = dk_stage_expand(stage, opt->broadcast_title, NULL, &title, err);
    if (rc == 0 &&
        (!*title || g_utf8_strlen(title, -1) > 100 || strpbrk(title, "<>")))
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "broadcast-title '%s': 1 to 100 characters, no < "
                          "or >",
                          title);
    return rc;
}

void live_youtube_broadcast_free(live_youtube_broadcast **bp)
{
    if (!bp || !*bp)
        return;
    live_youtube_broadcast *b = *bp;
    live_youtube_broadcast_stop_thread(b);
    dk_http_client_free(&b->http);
    dk_oauth_free(&b->credentials);
    if (b->token)
        explicit_bzero(b->token, strlen(b->token));
    g_free(b->token);
    g_free(b->api_base);
    g_free(b->marker);
    g_free(b->stream_id);
    g_free(b->broadcast_id);
    g_free(b->life);
    g_async_queue_unref(b->news);
    g_free(b->health);
    g_free(b->issues);
    g_mutex_clear(&b->lock);
    g_free(b);
    *bp = NULL;
}

static int prepare(live_youtube_broadcast *b, const dk_stage *stage,
                   const live_youtube_options *opt, const char *key,
                   dk_error *err)
{
    g_autofree char *title = NULL, *description = NULL, *start = NULL;
    int rc = dk_stage_expand(stage, opt->broadcast_title, NULL, &title, err);
    if (rc == 0)
        rc = dk_stage_expand(stage, opt->broadcast_description, NULL,
                             &description, err);
    if (rc == 0)
        rc = scheduled_start(stage, opt->broadcast_start, &start, err);
    if (rc == 0)
        rc = find_stream(b, key, err);
    if (rc < 0)
        return rc;
    bool reuse = opt->broadcast == LIVE_YOUTUBE_BROADCAST_REUSE;
    rc = find_broadcast(b, title, start, reuse, err);
    if (rc < 0)
        return rc;
    if (rc == 0 && reuse)
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "broadcast=reuse: no upcoming YouTube broadcast "
                            "for this event (titled '%s' on %.10s, or "
                            "scheduled by dokpim): schedule one, or use "
                            "broadcast=create",
                            title, start);
    if (rc == 0 &&
        (rc = insert_broadcast(b, opt, title, description, start, err)) < 0)
        return rc;
    if (!b->bound && (rc = bind_stream(b, err)) < 0)
        return rc;
    if (*opt->broadcast_thumbnail &&
        (rc = set_thumbnail(b, opt->broadcast_thumbnail, err)) < 0)
        return rc;
    live_youtube_broadcast_note(b, DK_LIVE_INFO,
                                "YouTube broadcast %s %s, bound to the "
                                "stream; goes live once YouTube receives it",
                                b->broadcast_id,
                                b->created ? "scheduled" : "found");
    return 0;
}

int live_youtube_broadcast_open(const dk_stage *stage,
                                const live_youtube_options *opt,
                                const char *key, live_youtube_broadcast **out,
                                dk_error *err)
{
    *out = NULL;
    if (opt->broadcast == LIVE_YOUTUBE_BROADCAST_NONE)
        return 0;
    if (!key)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "broadcast= needs the stream key (key-file)");
    live_youtube_broadcast *b = g_new0(live_youtube_broadcast, 1);
    g_mutex_init(&b->lock);
    b->news = g_async_queue_new_full(g_free);
    b->api_base = g_strdup(opt->api_base);
    b->poll_every = opt->broadcast_poll;
    /* the date too: a weekly meeting has the same title every week */
    const char *slug = dk_stage_event(stage, "slug");
    const char *date = dk_stage_event(stage, "date");
    b->marker = g_strconcat(MARKER_PREFIX, date ? date : "", date ? "_" : "",
                            slug ? slug : "event", NULL);
    b->http = dk_http_client_new();
    int rc = dk_oauth_load(opt->oauth_file, true, &b->credentials, err);
    if (rc == 0)
        rc = prepare(b, stage, opt, key, err);
    if (rc < 0 && b->quota_spent) {
        /* the quota is the API's, not the live's: go on without it */
        live_youtube_broadcast_note(b, DK_LIVE_WARNING, "%s", err->message);
        b->api_off = true;
        rc = 0;
    }
    if (rc < 0) {
        live_youtube_broadcast_free(&b);
        return rc;
    }
    *out = b;
    return 0;
}
