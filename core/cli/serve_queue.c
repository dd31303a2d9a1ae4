/* The queue page's API: GET /api/queue (what `dokpim queue list --json`
 * prints, from the same builder), POST /api/queue/retry and
 * /api/queue/cancel {"id": N}, and a "queue" event whenever the jobs
 * changed (looked at every two seconds; the page then fetches the list). */
#include "serve_queue.h"
#include "queue_cli.h"

#include <string.h>

#define POLL_SECONDS 2

struct serve_queue {
    dk_server *server;
    char *library;
    dk_queue *queue;
    char *last; /* the list as last seen */
    guint timer;
};

/* The queue, opened on first need: a library whose first upload is not
 * queued yet has none, and the page says so until it has. */
static dk_queue *open_queue(serve_queue *q, dk_error *err)
{
    if (!q->queue) {
        g_autofree char *root = g_canonicalize_filename(q->library, NULL);
        dk_queue_open_existing_url(NULL, root, &q->queue, err);
    }
    return q->queue;
}

static JsonNode *list(serve_queue *q, dk_error *err)
{
    dk_queue *queue = open_queue(q, err);
    if (!queue)
        return NULL;
    GPtrArray *records =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    JsonNode *node = NULL;
    if (dk_queue_list(queue, records, err) == 0)
        node = queue_json(queue, records);
    g_ptr_array_free(records, TRUE);
    return node;
}

static gboolean poll_changes(gpointer data)
{
    serve_queue *q = data;
    dk_error err = {0};
    JsonNode *node = list(q, &err);
    g_autofree char *text = node ? json_to_string(node, FALSE)
                                 : g_strdup_printf("error: %s", err.message);
    if (g_strcmp0(text, q->last) != 0) {
        g_free(q->last);
        q->last = g_steal_pointer(&text);
        guint jobs =
            node ? json_array_get_length(json_node_get_array(node)) : 0;
        g_autofree char *event =
            g_strdup_printf("{\"jobs\":%u,\"at\":%" G_GINT64_FORMAT "}", jobs,
                            g_get_real_time() / G_USEC_PER_SEC);
        dk_server_push(q->server, "queue", event);
    }
    if (node)
        json_node_unref(node);
    return G_SOURCE_CONTINUE;
}

static void get_jobs(dk_server *s, SoupServerMessage *msg, const char *path,
                     JsonNode *body, void *user)
{
    (void)s;
    (void)path;
    (void)body;
    dk_error err = {0};
    JsonNode *node = list(user, &err);
    if (!node && err.code == DK_ERR_NOT_FOUND) /* nothing queued yet */
        node = json_node_init_array(json_node_alloc(), json_array_new());
    if (node)
        dk_server_reply_json(msg, SOUP_STATUS_OK, node);
    else
        dk_server_reply_error(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "%s",
                              err.message);
}

static int64_t job_id(JsonNode *body)
{
    if (!JSON_NODE_HOLDS_OBJECT(body))
        return 0;
    JsonNode *id = json_object_get_member(json_node_get_object(body), "id");
    if (!id || !JSON_NODE_HOLDS_VALUE(id) ||
        json_node_get_value_type(id) != G_TYPE_INT64)
        return 0;
    return json_node_get_int(id);
}

static void change(SoupServerMessage *msg, serve_queue *q, JsonNode *body,
                   bool retry)
{
    int64_t id = job_id(body);
    if (id <= 0) {
        dk_server_reply_error(msg, SOUP_STATUS_BAD_REQUEST,
                              "expected {\"id\": JOB NUMBER}");
        return;
    }
    dk_error err = {0};
    dk_queue *queue = open_queue(q, &err);
    int rc = !queue  ? err.code
             : retry ? dk_queue_retry(queue, id, false, &err)
                     : dk_queue_cancel(queue, id, &err);
    if (rc < 0) {
        int status = rc == DK_ERR_NOT_FOUND ? SOUP_STATUS_NOT_FOUND
                     : rc == DK_ERR_EXISTS || rc == DK_ERR_INVALID
                         ? SOUP_STATUS_CONFLICT
                         : SOUP_STATUS_INTERNAL_SERVER_ERROR;
        dk_server_reply_error(msg, status, "%s", err.message);
        return;
    }
    queue_record *record = NULL;
    const char *state = "";
    if (dk_queue_get(queue, id, &record, NULL) == 0)
        state = dk_job_state_name(record->state);
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, id);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, state);
    json_builder_end_object(b);
    dk_server_reply_json(msg, SOUP_STATUS_OK, json_builder_get_root(b));
    g_object_unref(b);
    queue_record_free(record);
    poll_changes(q); /* the pages hear of it now, not in two seconds */
}

static void post_retry(dk_server *s, SoupServerMessage *msg, const char *path,
                       JsonNode *body, void *user)
{
    (void)s;
    (void)path;
    change(msg, user, body, true);
}

static void post_cancel(dk_server *s, SoupServerMessage *msg, const char *path,
                        JsonNode *body, void *user)
{
    (void)s;
    (void)path;
    change(msg, user, body, false);
}

serve_queue *serve_queue_attach(dk_server *server, const char *library)
{
    serve_queue *q = g_new0(serve_queue, 1);
    q->server = server;
    q->library = g_strdup(library);
    dk_server_route(server, "GET", "/api/queue", get_jobs, q);
    dk_server_route(server, "POST", "/api/queue/retry", post_retry, q);
    dk_server_route(server, "POST", "/api/queue/cancel", post_cancel, q);
    q->timer = g_timeout_add_seconds(POLL_SECONDS, poll_changes, q);
    return q;
}

void serve_queue_free(serve_queue *q)
{
    if (!q)
        return;
    g_source_remove(q->timer);
    dk_queue_close(&q->queue);
    g_free(q->last);
    g_free(q->library);
    g_free(q);
}
