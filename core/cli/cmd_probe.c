/* dokpim probe FILE... [--json] [--event EVENT]: what dokpim learns of a
 * file, through the same ingest plugins a run uses. */
#include "cli.h"
#include "json.h"

#include <stdio.h>
#include <sys/stat.h>

static const dk_plugin *claiming_plugin(const dk_registry *registry,
                                        const char *path)
{
    const dk_plugin *fallback = NULL;
    for (guint i = 0; i < registry->plugins->len; i++) {
        const dk_plugin *p =
            ((const dk_loaded_plugin *)registry->plugins->pdata[i])->plugin;
        if (p->role != DK_ROLE_INGEST || !dk_plugin_accepts(p, path))
            continue;
        /* the generic file ingest claims everything: prefer a specific one */
        if (p->item_kinds == DK_KIND_ANY || p->item_kinds == DK_KIND_FILE) {
            fallback = fallback ? fallback : p;
            continue;
        }
        return p;
    }
    return fallback;
}

static void print_human(const char *path, const dk_plugin *plugin,
                        const dk_meta *meta)
{
    cli_line(stdout, "", "%s", path);
    cli_line(stdout, "  ", "%-22s %s", "plugin",
             plugin ? plugin->name : _("(none)"));
    GList *keys = dk_meta_sorted_keys(meta);
    for (GList *k = keys; k; k = k->next)
        cli_line(stdout, "  ", "%-22s %s", (char *)k->data,
                 dk_meta_get(meta, k->data));
    g_list_free(keys);
}

static int probe_one(const char *path, const dk_registry *registry,
                     const dk_event *event, JsonBuilder *builder)
{
    dk_meta *meta = dk_meta_new();
    dk_error err = {0};
    int status = DK_EXIT_OK;
    struct stat st;
    char hex[65] = "";
    const dk_plugin *plugin = NULL;
    if (dk_input_file_check(path, &st, &err) < 0) {
        status = DK_EXIT_ITEMS_FAILED;
    } else if (dk_hash_file(path, hex, &err) < 0) {
        status = DK_EXIT_ITEMS_FAILED;
    } else {
        dk_meta_set_int(meta, "file.size", (int64_t)st.st_size);
        dk_meta_set_string(meta, "file.sha256", hex);
        plugin = claiming_plugin(registry, path);
        dk_meta_set_string(meta, "kind",
                           plugin ? dk_kind_name(plugin->item_kinds) : "file");
        if (plugin && plugin->probe) {
            dk_stage *stage = dk_stage_new_default(plugin, event, &err);
            if (plugin->probe(stage, path, meta, &err) < 0)
                status = DK_EXIT_ITEMS_FAILED;
            dk_stage_free(stage);
        }
    }
    if (status != DK_EXIT_OK)
        cli_error("%s: %s", path, err.message);
    if (builder) {
        json_builder_begin_object(builder);
        json_add_string(builder, "path", path);
        json_add_string(builder, "plugin", plugin ? plugin->name : NULL);
        json_add_string(builder, "error",
                        status != DK_EXIT_OK ? err.message : NULL);
        json_add_meta(builder, meta);
        json_builder_end_object(builder);
    } else if (status == DK_EXIT_OK) {
        print_human(path, plugin, meta);
    }
    dk_meta_free(&meta);
    return status;
}

int cmd_probe(int argc, char **argv)
{
    g_autofree char *event_path = NULL;
    g_auto(GStrv) rest = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("print JSON on stdout"),
         NULL},
        {"event", 'e', 0, G_OPTION_ARG_FILENAME, &event_path,
         N_("event file (its time zone reads capture times without an offset)"),
         "EVENT"},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    bool parsed =
        cli_parse(&argc, &argv, "FILE...",
                  "Shows what dokpim learns of each FILE: kind, size, hash, "
                  "and what the ingest\nplugins read (capture time and its "
                  "source, orientation, dimensions,\ncamera, duration, "
                  "streams). Nothing is written.",
                  entries);
    if (!parsed)
        return DK_EXIT_USAGE;
    if (!rest || !rest[0]) {
        cli_error("probe needs at least one file (see --help)");
        return DK_EXIT_USAGE;
    }
    dk_event *event = NULL;
    if (!cli_load_event(event_path, &event))
        return DK_EXIT_USAGE;
    dk_registry *registry = cli_load_plugins();
    JsonBuilder *builder = json ? json_builder_new() : NULL;
    bool many = rest[1] != NULL;
    if (builder && many)
        json_builder_begin_array(builder);
    int status = DK_EXIT_OK;
    for (int i = 0; rest[i]; i++)
        if (probe_one(rest[i], registry, event, builder) != DK_EXIT_OK)
            status = DK_EXIT_ITEMS_FAILED;
    if (builder) {
        if (many)
            json_builder_end_array(builder);
        json_print(builder);
        g_object_unref(builder);
    }
    dk_registry_free(&registry);
    dk_event_free(&event);
    return status;
}
