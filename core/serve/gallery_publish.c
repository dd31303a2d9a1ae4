/* "Publish picks" from the gallery: the run goes to a thread of its own,
 * because a batch takes seconds to minutes and the server's context also
 * carries the pages (and, attached to a live, the live pipeline). The
 * pages follow it over server-sent events:
 *
 *   event: publish
 *   data: {"state":"running","finished":3,"total":40,"name":"DSC04021.JPG"}
 *   data: {"state":"done","done":12,"skipped":28,"failed":0}
 *   data: {"state":"failed","error":"..."} */
#include "gallery_internal.h"

typedef struct publish_run {
    gallery *g;
    int picks;
} publish_run;

static void push_json(dk_server *s, JsonBuilder *b)
{
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *text = json_to_string(root, FALSE);
    dk_server_push(s, "publish", text);
}

static void on_progress(void *ctx, int finished, int total, const char *name,
                        const char *status)
{
    publish_run *run = ctx;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, "running");
    json_builder_set_member_name(b, "finished");
    json_builder_add_int_value(b, finished);
    json_builder_set_member_name(b, "total");
    json_builder_add_int_value(b, total);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, name ? name : "");
    json_builder_set_member_name(b, "status");
    json_builder_add_string_value(b, status ? status : "");
    json_builder_end_object(b);
    push_json(run->g->server, b);
}

static gpointer publish_thread(gpointer data)
{
    publish_run *run = data;
    gallery *g = run->g;
    gallery_publish_counts counts = {0};
    dk_error err = {0};
    int rc = g->options.publish(g->options.publish_user, on_progress, run,
                                &counts, &err);
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, rc < 0 ? "failed" : "done");
    if (rc < 0) {
        json_builder_set_member_name(b, "error");
        g_autofree char *valid = g_utf8_make_valid(err.message, -1);
        json_builder_add_string_value(b, valid);
    } else {
        const struct {
            const char *name;
            int value;
        } fields[] = {{"picks", run->picks},
                      {"done", counts.done},
                      {"skipped", counts.skipped},
                      {"failed", counts.failed}};
        for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
            json_builder_set_member_name(b, fields[i].name);
            json_builder_add_int_value(b, fields[i].value);
        }
    }
    json_builder_end_object(b);
    g_mutex_lock(&g->lock);
    g->publishing = false;
    g_mutex_unlock(&g->lock);
    push_json(g->server, b);
    g_free(run);
    return NULL;
}

static int count_picks(gallery_index *index)
{
    const GPtrArray *items = gallery_index_items(index);
    int n = 0;
    for (guint i = 0; i < items->len; i++)
        n += ((gallery_item *)items->pdata[i])->choice.label == DK_LABEL_PICK;
    return n;
}

void gallery_publish_start(dk_server *s, SoupServerMessage *msg,
                           const char *path, JsonNode *body, void *user)
{
    (void)s, (void)path, (void)body;
    gallery *g = user;
    if (!g->options.publish) {
        dk_server_reply_error(msg, 503, "publishing is off: %s",
                              g->unavailable);
        return;
    }
    dk_error err = {0};
    if (gallery_index_refresh(g->index, &err) < 0) {
        dk_server_reply_error(msg, 500, "%s", err.message);
        return;
    }
    g_mutex_lock(&g->lock);
    if (g->publishing) {
        g_mutex_unlock(&g->lock);
        dk_server_reply_error(msg, 409, "a publish is already running");
        return;
    }
    /* the previous run has ended (publishing is false): reap it */
    if (g->publisher)
        g_thread_join(g->publisher);
    publish_run *run = g_new0(publish_run, 1);
    run->g = g;
    run->picks = count_picks(g->index);
    g->publishing = true;
    g->publisher = g_thread_new("dk-publish", publish_thread, run);
    g_mutex_unlock(&g->lock);

    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, "running");
    json_builder_set_member_name(b, "picks");
    json_builder_add_int_value(b, run->picks);
    json_builder_end_object(b);
    dk_server_reply_json(msg, 202, json_builder_get_root(b));
}
