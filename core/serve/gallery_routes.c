/* The gallery's API on the embedded server:
 *
 *   GET  /api/gallery?offset=&limit=&filter=&camera=&from=&to=
 *   POST /api/choice  {sha256, rating?, label?, caption?, persons?}
 *   POST /api/publish {}
 *
 * A choice is stored with dk_choice_write before the reply (so the reply
 * means it is on disk), then pushed to every open page as a "choice"
 * event. Publishing runs on a thread of its own (gallery_publish.c). */
#include "gallery_internal.h"

#include <string.h>

static void reply_page(dk_server *s, SoupServerMessage *msg, const char *path,
                       JsonNode *body, void *user)
{
    (void)s, (void)path, (void)body;
    gallery *g = user;
    dk_error err = {0};
    if (gallery_index_refresh(g->index, &err) < 0) {
        dk_server_reply_error(msg, 500, "%s", err.message);
        return;
    }
    const char *query = g_uri_get_query(soup_server_message_get_uri(msg));
    g_autoptr(GHashTable) params =
        query ? g_uri_parse_params(query, -1, "&", G_URI_PARAMS_WWW_FORM, NULL)
              : NULL;
    gallery_query q;
    if (gallery_query_parse(params, &q, &err) < 0) {
        dk_server_reply_error(msg, 400, "%s", err.message);
        return;
    }
    JsonNode *page = gallery_page_json(g->index, &q);
    gallery_add_sheets(g, json_node_get_object(page));
    dk_server_reply_json(msg, 200, page);
}

/* Applies the request's fields to c; absent fields keep their value. */
static int apply_fields(JsonObject *o, dk_choice *c, dk_error *err)
{
    if (json_object_has_member(o, "rating")) {
        JsonNode *n = json_object_get_member(o, "rating");
        if (JSON_NODE_TYPE(n) != JSON_NODE_VALUE ||
            json_node_get_value_type(n) != G_TYPE_INT64 ||
            json_node_get_int(n) < 0 || json_node_get_int(n) > 5)
            return dk_error_set(err, DK_ERR_INVALID,
                                "rating must be a number from 0 to 5");
        c->rating = (int)json_node_get_int(n);
    }
    if (json_object_has_member(o, "label")) {
        JsonNode *n = json_object_get_member(o, "label");
        const char *name = JSON_NODE_HOLDS_VALUE(n) &&
                                   json_node_get_value_type(n) == G_TYPE_STRING
                               ? json_node_get_string(n)
                               : NULL;
        if (!JSON_NODE_HOLDS_NULL(n) && !name)
            return dk_error_set(err, DK_ERR_INVALID,
                                "label must be \"pick\", \"reject\" or null");
        if (!name || !*name)
            c->label = DK_LABEL_NONE;
        else if (dk_choice_label_parse(name, &c->label) < 0)
            return dk_error_set(err, DK_ERR_INVALID,
                                "label must be \"pick\", \"reject\" or null");
    }
    if (json_object_has_member(o, "caption")) {
        JsonNode *n = json_object_get_member(o, "caption");
        if (!JSON_NODE_HOLDS_NULL(n) &&
            (!JSON_NODE_HOLDS_VALUE(n) ||
             json_node_get_value_type(n) != G_TYPE_STRING))
            return dk_error_set(err, DK_ERR_INVALID,
                                "caption must be text or null");
        const char *text =
            JSON_NODE_HOLDS_NULL(n) ? NULL : json_node_get_string(n);
        g_free(c->caption);
        c->caption = text && *text ? g_strdup(text) : NULL;
    }
    if (json_object_has_member(o, "persons")) {
        JsonNode *n = json_object_get_member(o, "persons");
        if (!JSON_NODE_HOLDS_ARRAY(n))
            return dk_error_set(err, DK_ERR_INVALID,
                                "persons must be a list of names");
        JsonArray *a = json_node_get_array(n);
        GPtrArray *names = g_ptr_array_new();
        for (guint i = 0; i < json_array_get_length(a); i++) {
            JsonNode *e = json_array_get_element(a, i);
            if (!JSON_NODE_HOLDS_VALUE(e) ||
                json_node_get_value_type(e) != G_TYPE_STRING) {
                g_ptr_array_free(names, TRUE);
                return dk_error_set(err, DK_ERR_INVALID,
                                    "persons must be a list of names");
            }
            g_autofree char *name =
                g_strstrip(g_strdup(json_node_get_string(e)));
            if (*name)
                g_ptr_array_add(names, g_steal_pointer(&name));
        }
        g_strfreev(c->persons);
        c->persons = NULL;
        if (names->len) {
            g_ptr_array_add(names, NULL);
            c->persons = (char **)g_ptr_array_free(names, FALSE);
        } else {
            g_ptr_array_free(names, TRUE);
        }
    }
    return 0;
}

static dk_choice choice_copy(const dk_choice *c)
{
    return (dk_choice){.rating = c->rating,
                       .label = c->label,
                       .caption = g_strdup(c->caption),
                       .persons = g_strdupv(c->persons)};
}

static void store_choice(dk_server *s, SoupServerMessage *msg, const char *path,
                         JsonNode *body, void *user)
{
    (void)path;
    gallery *g = user;
    dk_error err = {0};
    JsonObject *o = body && JSON_NODE_HOLDS_OBJECT(body)
                        ? json_node_get_object(body)
                        : NULL;
    const char *sha256 =
        o ? json_object_get_string_member_with_default(o, "sha256", NULL)
          : NULL;
    if (!sha256) {
        dk_server_reply_error(msg, 400, "a choice needs the item's sha256");
        return;
    }
    if (gallery_index_refresh(g->index, &err) < 0) {
        dk_server_reply_error(msg, 500, "%s", err.message);
        return;
    }
    gallery_item *item = gallery_index_find(g->index, sha256);
    if (!item) {
        dk_server_reply_error(msg, 404, "no item %.64s in this library",
                              sha256);
        return;
    }
    dk_choice c = choice_copy(&item->choice);
    int rc = apply_fields(o, &c, &err);
    if (rc == 0)
        rc = dk_choice_write(gallery_index_library(g->index), item->sha256, &c,
                             &err);
    if (rc < 0) {
        dk_choice_clear(&c);
        dk_server_reply_error(msg, rc == DK_ERR_INVALID ? 400 : 500, "%s",
                              err.message);
        return;
    }
    gallery_index_set_choice(g->index, item, &c);
    JsonNode *reply = gallery_item_json(item);
    g_autofree char *text = json_to_string(reply, FALSE);
    dk_server_push(s, "choice", text);
    dk_server_reply_json(msg, 200, reply);
}

/* GET /api/gallery/thumb/<sha256>: the thumbnail made on demand. */
static void reply_thumb(dk_server *s, SoupServerMessage *msg, const char *path,
                        JsonNode *body, void *user)
{
    (void)s, (void)body;
    gallery *g = user;
    const char *sha256 = strrchr(path, '/') + 1;
    gallery_item *item = gallery_index_find(g->index, sha256);
    if (!item) {
        dk_server_reply_error(msg, 404, "no such item");
        return;
    }
    const char *library = gallery_index_library(g->index);
    dk_error err = {0};
    g_autofree char *file = gallery_thumb_path(library, item->sha256);
    char *data = NULL;
    gsize size = 0;
    if (gallery_thumb_make(library, item, &err) < 0 ||
        !g_file_get_contents(file, &data, &size, NULL)) {
        dk_server_reply_error(msg, 500, "%s",
                              err.message[0] ? err.message : "no thumbnail");
        return;
    }
    soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                 "Cache-Control", "private, max-age=86400");
    soup_server_message_set_status(msg, 200, NULL);
    soup_server_message_set_response(msg, "image/jpeg", SOUP_MEMORY_TAKE, data,
                                     size);
}

gallery *gallery_attach(dk_server *s, const gallery_options *o)
{
    gallery *g = g_new0(gallery, 1);
    g->server = s;
    g->index = gallery_index_new(dk_server_library(s));
    if (o)
        g->options = *o;
    g->unavailable =
        g_strdup(o && o->publish_unavailable ? o->publish_unavailable
                                             : "no publish pipeline was given");
    g_mutex_init(&g->lock);
    /* read the manifests now, not on the first page's request: the crew
     * opens the gallery right after starting the server */
    dk_error err = {0};
    if (gallery_index_refresh(g->index, &err) < 0)
        g_log("dokpim-serve", G_LOG_LEVEL_MESSAGE, "gallery: %s", err.message);
    dk_server_route(s, "GET", "/api/gallery", reply_page, g);
    dk_server_route(s, "GET", "/api/gallery/thumb", reply_thumb, g);
    dk_server_route(s, "POST", "/api/choice", store_choice, g);
    dk_server_route(s, "POST", "/api/publish", gallery_publish_start, g);
    return g;
}

void gallery_free(gallery **gp)
{
    if (!gp || !*gp)
        return;
    gallery *g = *gp;
    g_mutex_lock(&g->lock);
    bool running = g->publishing;
    g_mutex_unlock(&g->lock);
    /* the server is stopping (Ctrl-C): a publish ends at its next item,
     * as `dokpim publish` does on Ctrl-C, rather than holding the exit */
    if (running)
        dk_cancel_request();
    if (g->publisher)
        g_thread_join(g->publisher);
    g_mutex_clear(&g->lock);
    gallery_index_free(&g->index);
    g_free(g->unavailable);
    g_free(g);
    *gp = NULL;
}
