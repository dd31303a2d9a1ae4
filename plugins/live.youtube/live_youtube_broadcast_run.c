/* YouTube's broadcast while live, on a thread of its own so that a slow
 * API never holds up the main loop (the pipeline's bus, the stop):
 *  - once an ingest pushes, liveStreams.list(id, part=status) until
 *    status.streamStatus is active, then liveBroadcasts.transition(live):
 *    the reference says to "confirm that the value of the
 *    status.streamStatus property for the stream bound to your broadcast
 *    is active" first, and answers errorStreamInactive otherwise.
 *    redundantTransition means it is live already (a live started again).
 *  - every broadcast-poll seconds, the stream's status.healthStatus
 *    (status good/ok/bad/noData, configurationIssues[] of type, severity,
 *    reason, description), reported when it changes.
 *  - at the end of the live, transition(complete), explicitly: the
 *    broadcast has enableAutoStop=false, so a dropped ingest never ends
 *    it, and only this call does.
 * The thread's news goes to the main loop through an async queue and
 * becomes dk_live_event lines there (subject "youtube"). */
#include "live_youtube_broadcast.h"

#include <stdarg.h>
#include <string.h>

#define STREAM_POLL 1.0 /* seconds between looks while waiting for active */
#define RETRY_WAIT  5.0 /* after a failed call */

void live_youtube_broadcast_note(live_youtube_broadcast *b, dk_live_level level,
                                 const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, args);
    va_end(args);
    g_async_queue_push(b->news, g_strdup_printf("%d%s", (int)level, text));
}

static bool stopping(live_youtube_broadcast *b)
{
    return g_atomic_int_get(&b->stop) != 0;
}

/* Sleeps until the time or the stop, in small steps. */
static void nap(live_youtube_broadcast *b, double seconds)
{
    gint64 until = g_get_monotonic_time() + (gint64)(seconds * 1e6);
    while (!stopping(b) && g_get_monotonic_time() < until)
        g_usleep(50 * 1000);
}

/* A failed call: the quota turns the API off for the rest of the live,
 * anything else is said once (until a call succeeds again) and tried
 * again after RETRY_WAIT. Returns true, for the caller's "it failed". */
static bool failed(live_youtube_broadcast *b, const char *what,
                   const dk_error *err, char **last)
{
    if (b->quota_spent) {
        b->api_off = true;
        live_youtube_broadcast_note(b, DK_LIVE_WARNING, "%s", err->message);
        return true;
    }
    if (*last && !strcmp(*last, err->message))
        return true;
    g_free(*last);
    *last = g_strdup(err->message);
    live_youtube_broadcast_note(b, DK_LIVE_WARNING, "%s failed: %s", what,
                                err->message);
    return true;
}

/* "videoBitrateLow (warning), noAudioStream (error)"; *json the array. */
static char *describe_issues(JsonObject *health, char **json)
{
    GString *text = g_string_new(NULL);
    JsonArray *list = NULL;
    if (health && json_object_has_member(health, "configurationIssues")) {
        JsonNode *n = json_object_get_member(health, "configurationIssues");
        if (JSON_NODE_HOLDS_ARRAY(n))
            list = json_node_get_array(n);
    }
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);
    if (list)
        json_node_set_array(node, list);
    else
        json_node_take_array(node, json_array_new());
    for (guint i = 0; list && i < json_array_get_length(list); i++) {
        JsonNode *e = json_array_get_element(list, i);
        JsonObject *issue =
            JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
        const char *type = youtube_json_string(issue, "type");
        const char *severity = youtube_json_string(issue, "severity");
        g_string_append_printf(text, "%s%s (%s)", text->len ? ", " : "",
                               type ? type : "?", severity ? severity : "?");
    }
    *json = json_to_string(node, FALSE);
    return g_string_free(text, FALSE);
}

/* Stores the health from a liveStreams item; says so when it changed. */
static void take_health(live_youtube_broadcast *b, JsonObject *status)
{
    JsonObject *health = broadcast_member_object(status, "healthStatus");
    const char *word = youtube_json_string(health, "status");
    g_autofree char *json = NULL;
    g_autofree char *text = describe_issues(health, &json);
    if (!word)
        return;
    g_mutex_lock(&b->lock);
    bool changed = !b->health || strcmp(b->health, word) || !b->issues ||
                   strcmp(b->issues, json);
    if (changed) {
        g_free(b->health);
        g_free(b->issues);
        b->health = g_strdup(word);
        b->issues = g_steal_pointer(&json);
        b->health_changed = true;
    }
    g_mutex_unlock(&b->lock);
    if (changed)
        live_youtube_broadcast_note(
            b, !strcmp(word, "bad") ? DK_LIVE_WARNING : DK_LIVE_INFO,
            "YouTube stream health: %s%s%s", word, *text ? "; issues: " : "",
            text);
}

/* liveStreams.list(part=status) of our stream: the health taken, and
 * whether it is active (1), not (0), or the call failed. */
static int poll_stream(live_youtube_broadcast *b, dk_error *err)
{
    g_autofree char *url =
        g_strdup_printf("%s/youtube/v3/liveStreams?part=id,status&id=%s",
                        b->api_base, b->stream_id);
    g_auto(youtube_reply) reply = {0};
    JsonArray *items = NULL;
    int rc =
        broadcast_api_list(b, "liveStreams.list", url, &reply, &items, err);
    if (rc < 0)
        return rc;
    JsonObject *first = broadcast_item(items, 0);
    if (!first)
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "YouTube no longer has the stream %s",
                            b->stream_id);
    JsonObject *status = broadcast_member_object(first, "status");
    take_health(b, status);
    const char *state = youtube_json_string(status, "streamStatus");
    return state && !strcmp(state, "active");
}

/* liveBroadcasts.transition: 0 done, 1 redundant (already there), <0. */
static int transition(live_youtube_broadcast *b, const char *to, char **reason,
                      dk_error *err)
{
    *reason = NULL;
    g_autofree char *url = g_strdup_printf(
        "%s/youtube/v3/liveBroadcasts/transition?broadcastStatus=%s&id=%s&"
        "part=id,status",
        b->api_base, to, b->broadcast_id);
    g_auto(youtube_reply) reply = {0};
    int rc = broadcast_api_json(b, "POST", url, NULL, &reply, err);
    if (rc < 0)
        return rc;
    if (reply.reason && !strcmp(reply.reason, "redundantTransition"))
        return 1;
    *reason = g_strdup(reply.reason);
    g_autofree char *what =
        g_strconcat("liveBroadcasts.transition(", to, ")", NULL);
    return broadcast_api_expect(b, what, &reply, err);
}

/* Waits for the ingest and for YouTube to see it, then goes live; true
 * when a call failed. */
static bool go_live(live_youtube_broadcast *b, bool *live, char **last)
{
    dk_error err = {0};
    if (!g_atomic_int_get(&b->ingest_live))
        return false;
    int active = poll_stream(b, &err);
    if (active < 0)
        return failed(b, "liveStreams.list", &err, last);
    if (!active)
        return false; /* YouTube has not seen the stream yet */
    g_autofree char *reason = NULL;
    int rc = transition(b, "live", &reason, &err);
    if (rc < 0 && reason && !strcmp(reason, "errorStreamInactive"))
        return false; /* inactive again between the two calls: look again */
    if (rc < 0 && reason && !strcmp(reason, "invalidTransition")) {
        /* over already, or in a state we cannot leave: said once; the
         * end still tries to complete it */
        *live = true;
        live_youtube_broadcast_note(b, DK_LIVE_WARNING, "%s", err.message);
        return false;
    }
    if (rc < 0)
        return failed(b, "going live", &err, last);
    *live = true;
    live_youtube_broadcast_note(b, DK_LIVE_INFO,
                                rc == 1 ? "YouTube broadcast %s was live "
                                          "already"
                                        : "YouTube broadcast %s is live",
                                b->broadcast_id);
    return false;
}

static void complete(live_youtube_broadcast *b)
{
    /* the live returns soon after its stop (the recording is done in well
     * under 3 s); an API that does not answer by then is told in Studio */
    b->timeout = 5;
    dk_error err = {0};
    g_autofree char *reason = NULL;
    int rc = transition(b, "complete", &reason, &err);
    if (rc < 0)
        live_youtube_broadcast_note(b, DK_LIVE_WARNING,
                                    "%s; end the broadcast in YouTube Studio",
                                    err.message);
    else
        live_youtube_broadcast_note(
            b, DK_LIVE_INFO, "YouTube broadcast %s complete%s", b->broadcast_id,
            rc == 1 ? " (it was already)" : "");
}

static gpointer thread_main(gpointer data)
{
    live_youtube_broadcast *b = data;
    bool live = false;
    g_autofree char *last = NULL; /* the last failure said */
    double next_health = 0, now;
    while (!stopping(b) && !b->api_off) {
        now = g_get_monotonic_time() / 1e6;
        bool bad = false;
        if (!live) {
            bad = go_live(b, &live, &last);
        } else if (now >= next_health) {
            dk_error err = {0};
            if (poll_stream(b, &err) < 0)
                bad = failed(b, "liveStreams.list", &err, &last);
            next_health = now + b->poll_every;
        }
        if (!bad)
            g_clear_pointer(&last, g_free);
        nap(b, bad ? RETRY_WAIT : STREAM_POLL);
    }
    if (live && !b->api_off)
        complete(b);
    return NULL;
}

void live_youtube_broadcast_start(live_youtube_broadcast *b)
{
    if (b && !b->thread && !b->api_off)
        b->thread = g_thread_new("youtube-api", thread_main, b);
}

void live_youtube_broadcast_end(live_youtube_broadcast *b)
{
    if (b)
        g_atomic_int_set(&b->stop, 1);
}

void live_youtube_broadcast_stop_thread(live_youtube_broadcast *b)
{
    live_youtube_broadcast_end(b);
    if (b->thread)
        g_thread_join(b->thread);
    b->thread = NULL;
}

void live_youtube_broadcast_tick(live_youtube_broadcast *b, dk_live *live,
                                 bool ingest_live)
{
    if (!b)
        return;
    if (ingest_live)
        g_atomic_int_set(&b->ingest_live, 1);
    char *line;
    while ((line = g_async_queue_try_pop(b->news))) {
        dk_live_event(live, (dk_live_level)(line[0] - '0'), "youtube", "%s",
                      line + 1);
        g_free(line);
    }
    g_mutex_lock(&b->lock);
    if (b->health_changed)
        dk_live_set_service_health(live, b->health, b->issues);
    b->health_changed = false;
    g_mutex_unlock(&b->lock);
}

void live_youtube_broadcast_finish(live_youtube_broadcast *b, dk_live *live)
{
    if (!b)
        return;
    live_youtube_broadcast_stop_thread(b);
    live_youtube_broadcast_tick(b, live, false);
}
