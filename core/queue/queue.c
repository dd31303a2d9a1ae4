/* The queue handle: who we are when we take a job (the lease owner name),
 * the user actions, JSON helpers. Choosing and opening: queue_url.c. */
#include "dk_queue.h"
#include "manifest.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

void dk_queue_close(dk_queue **queue)
{
    if (!queue || !*queue)
        return;
    dk_queue *q = *queue;
    q->backend->close(q->db);
    g_free(q->location);
    g_free(q->url);
    g_free(q->library);
    g_free(q->owner);
    g_free(q);
    *queue = NULL;
}

char *dk_queue_upload_key(const char *sha256, const char *target)
{
    g_autofree char *target_hash =
        g_compute_checksum_for_string(G_CHECKSUM_SHA256, target, -1);
    return g_strconcat(sha256, " ", target_hash, NULL);
}

int dk_queue_upload_known(dk_library *library, const char *key, dk_error *err)
{
    const char *space = strchr(key, ' ');
    if (!space)
        return 0; /* not a key this version writes: queue it again */
    g_autofree char *sha256 = g_strndup(key, space - key);
    GPtrArray *targets = g_ptr_array_new_with_free_func(g_free);
    g_mutex_lock(&library->queue_lock);
    /* kept for the run, but a look creates no queue.db */
    dk_queue *queue = NULL;
    int rc = dk_queue_of_run(library, false, &queue, err);
    if (rc == 0)
        rc = queue->backend->targets(queue->db, sha256, targets, err);
    g_mutex_unlock(&library->queue_lock);
    bool known = false;
    for (guint i = 0; rc == 0 && i < targets->len && !known; i++) {
        g_autofree char *candidate =
            dk_queue_upload_key(sha256, targets->pdata[i]);
        known = strcmp(candidate, key) == 0;
    }
    g_ptr_array_free(targets, TRUE);
    if (rc == DK_ERR_NOT_FOUND)
        return 0; /* no queue.db yet: nothing was queued */
    return rc < 0 ? rc : known;
}

bool dk_queue_owner_alive(const char *owner)
{
    const char *colon = strrchr(owner, ':');
    if (!colon)
        return false;
    g_autofree char *host = g_strndup(owner, colon - owner);
    if (strcmp(host, g_get_host_name()) != 0)
        return true; /* another machine: only its lease can tell */
    char *end = NULL;
    long pid = strtol(colon + 1, &end, 10);
    if (pid <= 0 || *end)
        return false;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int dk_queue_list(dk_queue *queue, GPtrArray *records, dk_error *err)
{
    return queue->backend->list(queue->db, queue->library, records, err);
}

int dk_queue_get(dk_queue *queue, int64_t id, queue_record **out, dk_error *err)
{
    return queue->backend->get(queue->db, id, out, err);
}

int dk_queue_steps(dk_queue *queue, int64_t id, GPtrArray *steps, dk_error *err)
{
    return queue->backend->steps(queue->db, id, steps, err);
}

int dk_queue_retry(dk_queue *queue, int64_t id, bool force, dk_error *err)
{
    return queue->backend->retry(queue->db, id, force, err);
}

int dk_queue_cancel(dk_queue *queue, int64_t id, dk_error *err)
{
    return queue->backend->cancel(queue->db, id, err);
}

int dk_queue_purge_done(dk_queue *queue, int *count, dk_error *err)
{
    return queue->backend->purge_done(queue->db, queue->library, count, err);
}

GHashTable *dk_queue_json_to_table(const char *json)
{
    GHashTable *table =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    JsonParser *parser = json_parser_new();
    if (json && json_parser_load_from_data(parser, json, -1, NULL)) {
        JsonNode *root = json_parser_get_root(parser);
        if (root && JSON_NODE_HOLDS_OBJECT(root)) {
            JsonObject *object = json_node_get_object(root);
            GList *members = json_object_get_members(object);
            for (GList *m = members; m; m = m->next) {
                JsonNode *node = json_object_get_member(object, m->data);
                if (JSON_NODE_HOLDS_VALUE(node) &&
                    json_node_get_value_type(node) == G_TYPE_STRING)
                    g_hash_table_replace(table, g_strdup(m->data),
                                         g_strdup(json_node_get_string(node)));
            }
            g_list_free(members);
        }
    }
    g_object_unref(parser);
    return table;
}

static gint compare_keys(gconstpointer a, gconstpointer b)
{
    return strcmp(a, b);
}

char *dk_queue_table_to_json(GHashTable *table)
{
    JsonBuilder *builder = json_builder_new();
    json_builder_begin_object(builder);
    GList *keys = g_list_sort(g_hash_table_get_keys(table), compare_keys);
    for (GList *k = keys; k; k = k->next) {
        json_builder_set_member_name(builder, k->data);
        json_builder_add_string_value(builder,
                                      g_hash_table_lookup(table, k->data));
    }
    g_list_free(keys);
    json_builder_end_object(builder);
    JsonGenerator *generator = json_generator_new();
    JsonNode *root = json_builder_get_root(builder);
    json_generator_set_root(generator, root);
    char *text = json_generator_to_data(generator, NULL);
    json_node_unref(root);
    g_object_unref(generator);
    g_object_unref(builder);
    return text;
}
