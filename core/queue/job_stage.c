/* A job remembers the options of the stage that queued it, so the worker
 * can rebuild the same stage later, in another process, without the
 * pipeline file (which may have changed or moved since). */
#include "dk_queue.h"

#include <string.h>

char *dk_queue_options_save(const dk_stage *stage)
{
    GHashTable *table =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, stage->values);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        const dk_option_value *v = value;
        if (!v->is_set)
            continue; /* defaults may improve between versions */
        g_hash_table_replace(table, g_strdup(key),
                             g_strdup(v->resolved ? v->resolved : v->text));
    }
    char *json = dk_queue_table_to_json(table);
    g_hash_table_destroy(table);
    return json;
}

int dk_queue_stage_rebuild(const dk_plugin *plugin, const char *stage_name,
                           const char *options_json, dk_stage **out,
                           dk_error *err)
{
    *out = NULL;
    dk_stage *stage = dk_stage_new_default(plugin, NULL, err);
    if (!stage)
        return err && err->code ? err->code : DK_ERR_NOMEM;
    g_free(stage->name);
    stage->name = g_strdup(stage_name);
    GHashTable *saved = dk_queue_json_to_table(options_json);
    GHashTableIter iter;
    gpointer key, text;
    int rc = 0;
    g_hash_table_iter_init(&iter, saved);
    while (rc == 0 && g_hash_table_iter_next(&iter, &key, &text)) {
        const dk_option *option = dk_plugin_option(plugin, key);
        if (!option) {
            rc = dk_error_set(err, DK_ERR_CONFIG,
                              "option '%s' saved with the job is no longer "
                              "known to %s",
                              (char *)key, plugin->name);
            break;
        }
        char *resolved = NULL;
        rc = dk_option_validate(option, text, NULL, NULL, &resolved, err);
        if (rc < 0) {
            dk_error_prefix(err, "saved option %s: ", (char *)key);
            break;
        }
        dk_stage_set_value(stage, option, text, resolved, true);
    }
    for (const dk_option *o = plugin->options; rc == 0 && o && o->name; o++)
        if (!g_hash_table_contains(stage->values, o->name))
            rc = dk_error_set(err, DK_ERR_CONFIG,
                              "required option %s was not saved with the job",
                              o->name);
    g_hash_table_destroy(saved);
    if (rc == 0)
        dk_stage_bind(stage);
    if (rc < 0) {
        dk_stage_free(stage);
        return rc;
    }
    *out = stage;
    return 0;
}
