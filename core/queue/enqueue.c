/* dk_queue_enqueue: what an upload stage's process() calls. Everything the
 * upload needs is frozen here, while the item and the event are at hand. */
#include "dk_queue.h"

#include <string.h>
#include <sys/stat.h>

/* The latest derivative with this role, or NULL. */
static const char *derivative_path(const dk_item *item, const char *role)
{
    for (guint i = item->derivatives->len; i > 0; i--) {
        const dk_derivative *d = item->derivatives->pdata[i - 1];
        if (d->role && strcmp(d->role, role) == 0)
            return d->path;
    }
    return NULL;
}

/* Expands every template option for the item into meta. */
static int freeze_templates(const dk_stage *stage, const dk_item *item,
                            GHashTable *meta, dk_error *err)
{
    for (const dk_option *o = stage->plugin->options; o && o->name; o++) {
        if (o->type != DK_OPT_TEMPLATE && o->type != DK_OPT_PATH_TEMPLATE)
            continue;
        const dk_option_value *v = dk_stage_value(stage, o->name);
        if (!v)
            continue;
        char *text = NULL;
        int rc = dk_template_expand(
            v->text, stage->event, item,
            o->type == DK_OPT_TEMPLATE ? DK_TEMPLATE_TEXT : DK_TEMPLATE_PATH,
            &text, err);
        if (rc < 0)
            return dk_error_prefix(err, "option %s: ", o->name);
        g_hash_table_replace(meta, g_strdup(o->name), text);
    }
    return 0;
}

static int attach(const dk_item *item, const char *const *roles,
                  GHashTable *meta, dk_error *err)
{
    for (int i = 0; roles && roles[i]; i++) {
        const char *path = derivative_path(item, roles[i]);
        if (!path)
            return dk_error_set(err, DK_ERR_NOT_FOUND,
                                "no '%s' file was made for this item by an "
                                "earlier stage",
                                roles[i]);
        g_hash_table_replace(meta, g_strconcat("path.", roles[i], NULL),
                             g_strdup(path));
    }
    return 0;
}

static void copy_meta(const dk_meta *extra, GHashTable *meta)
{
    if (!extra)
        return;
    GList *keys = dk_meta_sorted_keys(extra);
    for (GList *k = keys; k; k = k->next)
        g_hash_table_replace(meta, g_strdup(k->data),
                             g_strdup(dk_meta_get(extra, k->data)));
    g_list_free(keys);
}

static int describe_file(const dk_item *item, const char *path,
                         queue_record *record, dk_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot read", path);
    record->size = st.st_size;
    record->mtime = st.st_mtime;
    if (item->original_path && item->sha256 &&
        strcmp(path, item->original_path) == 0) {
        record->sha256 = g_strdup(item->sha256);
        return 0;
    }
    char hex[65];
    int rc = dk_hash_file(path, hex, err);
    if (rc == 0)
        record->sha256 = g_strdup(hex);
    return rc;
}

int dk_queue_enqueue(const dk_stage *stage, dk_item *item,
                     const dk_enqueue_request *request, int64_t *id,
                     bool *added, dk_error *err)
{
    if (id)
        *id = 0;
    if (added)
        *added = false;
    const char *library = dk_stage_library(stage);
    if (!library)
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "no library: jobs are queued during a run");
    if (!request || !request->target || !*request->target)
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "plugin %s queued a job without a target",
                            stage->plugin->name);
    const char *path = dk_item_current_path(item);
    if (request->role && *request->role) {
        path = derivative_path(item, request->role);
        if (!path)
            return dk_error_set(err, DK_ERR_NOT_FOUND,
                                "no '%s' file was made for this item by an "
                                "earlier stage",
                                request->role);
    }
    if (!path)
        return dk_error_set(err, DK_ERR_INTERNAL, "item has no file yet");

    queue_record *record = g_new0(queue_record, 1);
    record->plugin = g_strdup(stage->plugin->name);
    record->stage = g_strdup(stage->name);
    record->target = g_strdup(request->target);
    record->path = g_canonicalize_filename(path, NULL);
    record->state = DK_JOB_QUEUED;
    record->library = g_strdup(library);
    GHashTable *meta =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    int rc = describe_file(item, record->path, record, err);
    if (rc == 0)
        rc = freeze_templates(stage, item, meta, err);
    if (rc == 0)
        rc = attach(item, request->attach_roles, meta, err);
    dk_library *run_library = stage->pipeline->library;
    bool was_added = false;
    if (rc == 0) {
        copy_meta(request->meta, meta);
        g_hash_table_replace(meta, g_strdup("source"),
                             g_strdup(item->source_path));
        record->meta = dk_queue_table_to_json(meta);
        record->options = dk_queue_options_save(stage);
        g_mutex_lock(&run_library->queue_lock);
        dk_queue *queue = NULL;
        rc = dk_queue_of_run(run_library, true, &queue, err);
        if (rc == 0)
            rc = queue->backend->insert(queue->db, record, &was_added, err);
        g_mutex_unlock(&run_library->queue_lock);
    }
    if (rc == 0 && id)
        *id = record->id;
    if (rc == 0 && added)
        *added = was_added;
    if (rc == 0) {
        /* found in the ledger: recorded as sent, nothing to send */
        g_autofree char *key =
            dk_queue_upload_key(record->sha256, record->target);
        dk_item_add_queued(item, stage->name, key,
                           was_added && record->state != DK_JOB_DONE);
    }
    g_hash_table_destroy(meta);
    queue_record_free(record);
    return rc;
}
