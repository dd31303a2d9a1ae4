/* Reading and validating pipeline configs. Everything the user can get
 * wrong is found here, before a single input file is opened. */
#include "dk_internal.h"

#include <stdarg.h>
#include <string.h>

typedef struct {
    const char *path;
    const dk_keyfile_lines *lines;
    GPtrArray *problems;
    /* "stage\noption" set to a value already reported as wrong: its
     * default is not what the user meant, so it is not judged as well */
    GHashTable *refused;
    const char *const *overrides; /* --set STAGE.OPTION=VALUE */
} load_ctx;

/* A file value --set replaces is not validated: a file or folder the
 * config names beside itself need not exist when the user points the
 * option elsewhere. */
static bool overridden(const load_ctx *ctx, const char *stage, const char *key)
{
    g_autofree char *prefix = g_strdup_printf("%s.%s=", stage, key);
    for (int i = 0; ctx->overrides && ctx->overrides[i]; i++)
        if (g_str_has_prefix(ctx->overrides[i], prefix))
            return true;
    return false;
}

static char *option_id(const dk_stage *stage, const char *option)
{
    return g_strdup_printf("%s\n%s", stage->name, option);
}

static void problem(load_ctx *ctx, const char *group, const char *key,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void problem(load_ctx *ctx, const char *group, const char *key,
                    const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *message = g_strdup_vprintf(fmt, args);
    va_end(args);
    g_autofree char *where =
        dk_keyfile_where(ctx->path, ctx->lines, group, key);
    if (group && key)
        g_ptr_array_add(ctx->problems, g_strdup_printf("%s: [%s] %s: %s", where,
                                                       group, key, message));
    else if (group)
        g_ptr_array_add(ctx->problems,
                        g_strdup_printf("%s: [%s]: %s", where, group, message));
    else
        g_ptr_array_add(ctx->problems,
                        g_strdup_printf("%s: %s", where, message));
}

static void option_value_free(gpointer data)
{
    dk_option_value *v = data;
    g_free(v->text);
    g_free(v->resolved);
    g_strfreev(v->list);
    g_free(v);
}

static dk_stage *stage_new(const char *name, const dk_plugin *plugin,
                           const char *module_path)
{
    dk_stage *stage = g_new0(dk_stage, 1);
    stage->name = g_strdup(name);
    stage->plugin = plugin;
    stage->module_path = module_path;
    stage->values =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, option_value_free);
    return stage;
}

void dk_stage_free(dk_stage *stage)
{
    if (!stage)
        return;
    g_free(stage->name);
    g_hash_table_destroy(stage->values);
    g_free(stage->config);
    g_free(stage->fingerprint);
    g_free(stage->settings);
    g_free(stage);
}

static char *option_names(const dk_plugin *plugin)
{
    GString *names = g_string_new(NULL);
    for (const dk_option *o = plugin->options; o && o->name; o++)
        g_string_append_printf(names, "%s%s", names->len ? ", " : "", o->name);
    if (!names->len)
        g_string_append(names, "none");
    return g_string_free(names, FALSE);
}

/* Sets one option from the config or --set; reports instead of failing. */
static void set_option(dk_stage *stage, const char *key, const char *text,
                       const char *base_dir, const dk_event *event,
                       load_ctx *ctx, const char *origin)
{
    const dk_option *option = dk_plugin_option(stage->plugin, key);
    if (!option) {
        g_autofree char *names = option_names(stage->plugin);
        problem(ctx, stage->name, key, "%sunknown option for %s (options: %s)",
                origin, stage->plugin->name, names);
        return;
    }
    dk_error err = {0};
    char *resolved = NULL;
    if (dk_option_validate(option, text, base_dir, event, &resolved, &err) <
        0) {
        problem(ctx, stage->name, key, "%s%s", origin, err.message);
        g_hash_table_add(ctx->refused, option_id(stage, option->name));
        return;
    }
    dk_stage_set_value(stage, option, text, resolved, true);
}

static void fill_defaults(dk_stage *stage, const dk_event *event, load_ctx *ctx)
{
    for (const dk_option *o = stage->plugin->options; o && o->name; o++) {
        if (g_hash_table_contains(stage->values, o->name))
            continue;
        g_autofree char *id = ctx ? option_id(stage, o->name) : NULL;
        if (ctx && g_hash_table_contains(ctx->refused, id))
            continue;
        if (!o->default_value || (o->flags & DK_OPTION_REQUIRED)) {
            if (ctx)
                problem(ctx, stage->name, o->name,
                        "required option of %s is not set: %s",
                        stage->plugin->name, o->help ? o->help : "");
            continue;
        }
        /* a default that uses an event field the event lacks is the
         * config's problem to fix, so say it like one */
        dk_error err = {0};
        if (ctx && event &&
            (o->type == DK_OPT_TEMPLATE || o->type == DK_OPT_PATH_TEMPLATE) &&
            dk_template_check_with_event(o->default_value, event, &err) < 0)
            problem(ctx, stage->name, o->name,
                    "default '%s': %s (set the field or the option)",
                    o->default_value, err.message);
        dk_stage_set_value(stage, o, o->default_value, NULL, false);
    }
}

/* What a provenance record (a C2PA action) may say about the stage's
 * options: secrets and private files are left out entirely, and paths
 * are shortened to their file name so no local layout leaks. */
static char *settings_summary(const dk_stage *stage)
{
    GString *s = g_string_new(NULL);
    for (const dk_option *o = stage->plugin->options; o && o->name; o++) {
        const dk_option_value *v = g_hash_table_lookup(stage->values, o->name);
        if (!v || !v->text || !*v->text ||
            o->flags & (DK_OPTION_SECRET | DK_OPTION_PRIVATE_FILE))
            continue;
        bool path = o->type == DK_OPT_PATH || o->type == DK_OPT_DIR;
        g_autofree char *base = path ? g_path_get_basename(v->text) : NULL;
        g_string_append_printf(s, "%s%s=%s", s->len ? "; " : "", o->name,
                               path ? base : v->text);
    }
    return g_string_free(s, FALSE);
}

static void compute_fingerprint(dk_stage *stage, const dk_event *event)
{
    g_free(stage->settings);
    stage->settings = settings_summary(stage);
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, (const guchar *)stage->plugin->name, -1);
    for (const dk_option *o = stage->plugin->options; o && o->name; o++) {
        const dk_option_value *v = g_hash_table_lookup(stage->values, o->name);
        if (!v)
            continue;
        g_checksum_update(sum, (const guchar *)"\n", 1);
        g_checksum_update(sum, (const guchar *)o->name, -1);
        g_checksum_update(sum, (const guchar *)"=", 1);
        g_checksum_update(sum, (const guchar *)v->text, -1);
        if (v->resolved) {
            /* a changed logo must redo the watermark */
            char hex[65];
            if (dk_hash_file(v->resolved, hex, NULL) == 0)
                g_checksum_update(sum, (const guchar *)hex, -1);
        }
    }
    if (event)
        g_checksum_update(sum, (const guchar *)event->fingerprint, -1);
    stage->fingerprint = g_strdup(g_checksum_get_string(sum));
    g_checksum_free(sum);
}

static bool valid_stage_name(const char *name)
{
    if (!*name || strcmp(name, "pipeline") == 0)
        return false;
    for (const char *p = name; *p; p++)
        if (!(g_ascii_isalnum(*p) || *p == '-' || *p == '_'))
            return false;
    return true;
}

/* items=all|picked|not-rejected: a key of the core's, like plugin=, so
 * any stage can be limited to the crew's picks without its plugin
 * knowing about choices. */
static void set_items(dk_stage *stage, const char *text, load_ctx *ctx)
{
    g_autofree char *value = g_strstrip(g_strdup(text));
    static const char *const names[] = {"all", "picked", "not-rejected"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(value, names[i]) == 0) {
            stage->items = (dk_items_filter)i;
            return;
        }
    problem(ctx, stage->name, "items",
            "'%s' is not all, picked or not-rejected", value);
}

static void apply_override(dk_pipeline *pipeline, const char *spec,
                           const dk_event *event, load_ctx *ctx)
{
    const char *eq = strchr(spec, '=');
    const char *dot = strchr(spec, '.');
    if (!eq || !dot || dot > eq) {
        problem(ctx, NULL, NULL, "--set %s: expected STAGE.OPTION=VALUE", spec);
        return;
    }
    g_autofree char *stage_name = g_strndup(spec, dot - spec);
    g_autofree char *key = g_strndup(dot + 1, eq - dot - 1);
    for (guint i = 0; i < pipeline->stages->len; i++) {
        dk_stage *stage = pipeline->stages->pdata[i];
        if (strcmp(stage->name, stage_name) != 0)
            continue;
        if (strcmp(key, "plugin") == 0) {
            problem(ctx, stage_name, key,
                    "--set cannot change a stage's plugin");
            return;
        }
        if (strcmp(key, "items") == 0) {
            set_items(stage, eq + 1, ctx);
            return;
        }
        g_autofree char *cwd = g_get_current_dir();
        set_option(stage, key, eq + 1, cwd, event, ctx, "--set: ");
        return;
    }
    problem(ctx, NULL, NULL, "--set %s: no stage named '%s' in the pipeline",
            spec, stage_name);
}

static void load_stage(dk_pipeline *pipeline, GKeyFile *file, const char *name,
                       const dk_registry *registry, const dk_event *event,
                       load_ctx *ctx)
{
    if (!valid_stage_name(name)) {
        problem(ctx, "pipeline", "stages",
                "'%s' is not a usable stage name (letters, digits, - and _)",
                name);
        return;
    }
    if (!g_key_file_has_group(file, name)) {
        problem(ctx, "pipeline", "stages", "stage '%s' has no [%s] group", name,
                name);
        return;
    }
    g_autofree char *plugin_name =
        g_key_file_get_string(file, name, "plugin", NULL);
    if (!plugin_name || !*plugin_name) {
        problem(ctx, name, NULL, "no plugin= key naming the plugin to use");
        return;
    }
    g_strstrip(plugin_name);
    const char *refused =
        g_hash_table_lookup(registry->refused_names, plugin_name);
    const dk_loaded_plugin *lp = dk_registry_find(registry, plugin_name);
    if (refused) {
        problem(ctx, name, "plugin",
                "plugin %s is ambiguous: %s and %s both provide it",
                plugin_name, lp ? lp->path : "?", refused);
        return;
    }
    if (!lp) {
        GString *known = g_string_new(NULL);
        for (guint i = 0; i < registry->plugins->len; i++) {
            const dk_loaded_plugin *k = registry->plugins->pdata[i];
            g_string_append_printf(known, "%s%s", i ? ", " : "",
                                   k->plugin->name);
        }
        problem(ctx, name, "plugin", "unknown plugin '%s' (installed: %s)",
                plugin_name, known->len ? known->str : "none");
        g_string_free(known, TRUE);
        return;
    }
    dk_stage *stage = stage_new(name, lp->plugin, lp->path);
    stage->pipeline = pipeline;
    stage->event = event;
    g_ptr_array_add(pipeline->stages, stage);
    g_autofree char *base_dir = g_path_get_dirname(ctx->path);
    gchar **keys = g_key_file_get_keys(file, name, NULL, NULL);
    for (int i = 0; keys && keys[i]; i++) {
        if (strcmp(keys[i], "plugin") == 0 || overridden(ctx, name, keys[i]))
            continue;
        g_autofree char *text =
            g_key_file_get_string(file, name, keys[i], NULL);
        if (!text) {
            problem(ctx, name, keys[i], "unreadable value");
            continue;
        }
        if (strcmp(keys[i], "items") == 0) {
            set_items(stage, text, ctx);
            continue;
        }
        set_option(stage, keys[i], text, base_dir, event, ctx, "");
    }
    g_strfreev(keys);
}

static void check_order(dk_pipeline *pipeline, load_ctx *ctx)
{
    bool past_ingest = false;
    bool any_ingest = false;
    guint live = 0;
    for (guint i = 0; i < pipeline->stages->len; i++)
        live += ((dk_stage *)pipeline->stages->pdata[i])->plugin->role ==
                DK_ROLE_LIVE;
    if (live) {
        /* a live pipeline is run by `dokpim live`, not over files */
        if (live != pipeline->stages->len)
            problem(ctx, "pipeline", "stages",
                    "live stages cannot be mixed with file stages");
        pipeline->is_live = true;
        return;
    }
    for (guint i = 0; i < pipeline->stages->len; i++) {
        dk_stage *stage = pipeline->stages->pdata[i];
        bool ingest = stage->plugin->role == DK_ROLE_INGEST;
        any_ingest |= ingest;
        if (ingest && past_ingest)
            problem(ctx, "pipeline", "stages",
                    "ingest stage '%s' must come before the other stages",
                    stage->name);
        past_ingest |= !ingest;
        if (ingest && stage->items != DK_ITEMS_ALL)
            problem(ctx, stage->name, "items",
                    "an ingest stage runs on every file: the choice of an "
                    "item is known only after it");
    }
    if (pipeline->stages->len && !any_ingest)
        problem(ctx, "pipeline", "stages",
                "no ingest stage: the first stage must take in the files "
                "(e.g. ingest.photo)");
}

int dk_pipeline_load(const char *path, const dk_registry *registry,
                     const dk_event *event, const char *const *overrides,
                     dk_pipeline **out, GPtrArray *problems)
{
    *out = NULL;
    GKeyFile *file = NULL;
    dk_keyfile_lines *lines = NULL;
    dk_error err = {0};
    if (dk_keyfile_load(path, &file, &lines, &err) < 0) {
        g_ptr_array_add(problems, g_strdup(err.message));
        return DK_ERR_CONFIG;
    }
    load_ctx ctx = {
        path, lines, problems,
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
        overrides};
    guint before = problems->len;
    dk_pipeline *pipeline = g_new0(dk_pipeline, 1);
    pipeline->path = g_strdup(path);
    pipeline->stages =
        g_ptr_array_new_with_free_func((GDestroyNotify)dk_stage_free);
    pipeline->event = event;

    if (!g_key_file_has_group(file, "pipeline")) {
        problem(&ctx, NULL, NULL, "no [pipeline] group");
    } else {
        gchar **keys = g_key_file_get_keys(file, "pipeline", NULL, NULL);
        for (int i = 0; keys && keys[i]; i++)
            if (strcmp(keys[i], "name") && strcmp(keys[i], "stages") &&
                strcmp(keys[i], "description"))
                problem(&ctx, "pipeline", keys[i],
                        "unknown key (known: name, description, stages)");
        g_strfreev(keys);
        pipeline->name = g_key_file_get_string(file, "pipeline", "name", NULL);
        pipeline->description =
            g_key_file_get_string(file, "pipeline", "description", NULL);
        gsize n = 0;
        gchar **stages =
            g_key_file_get_string_list(file, "pipeline", "stages", &n, NULL);
        if (!stages || n == 0)
            problem(&ctx, "pipeline", "stages",
                    "missing: list the stages in order, e.g. "
                    "stages=ingest;stamp;web");
        GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
        for (gsize i = 0; stages && i < n; i++) {
            g_strstrip(stages[i]);
            if (!g_hash_table_add(seen, stages[i])) {
                problem(&ctx, "pipeline", "stages",
                        "stage '%s' is listed twice", stages[i]);
                continue;
            }
            load_stage(pipeline, file, stages[i], registry, event, &ctx);
        }
        gchar **groups = g_key_file_get_groups(file, NULL);
        for (int i = 0; groups[i]; i++)
            if (strcmp(groups[i], "pipeline") &&
                !g_hash_table_contains(seen, groups[i]))
                problem(&ctx, groups[i], NULL,
                        "group is not a stage listed in [pipeline] stages");
        g_strfreev(groups);
        g_hash_table_destroy(seen);
        g_strfreev(stages);
    }
    for (int i = 0; overrides && overrides[i]; i++)
        apply_override(pipeline, overrides[i], event, &ctx);
    for (guint i = 0; i < pipeline->stages->len; i++)
        fill_defaults(pipeline->stages->pdata[i], event, &ctx);
    check_order(pipeline, &ctx);
    for (guint i = 0; i < pipeline->stages->len; i++) {
        compute_fingerprint(pipeline->stages->pdata[i], event);
        dk_stage_bind(pipeline->stages->pdata[i]);
    }
    /* cross-option checks only make sense once every value is valid */
    for (guint i = 0; problems->len == before && i < pipeline->stages->len;
         i++) {
        dk_stage *stage = pipeline->stages->pdata[i];
        dk_error check_err = {0};
        if (stage->plugin->check &&
            stage->plugin->check(stage, stage->config, &check_err) < 0)
            problem(&ctx, stage->name, NULL, "%s", check_err.message);
    }

    g_hash_table_destroy(ctx.refused);
    dk_keyfile_lines_free(lines);
    g_key_file_free(file);
    if (problems->len > before) {
        dk_pipeline_free(&pipeline);
        return DK_ERR_CONFIG;
    }
    *out = pipeline;
    return 0;
}

void dk_pipeline_free(dk_pipeline **pipeline)
{
    if (!pipeline || !*pipeline)
        return;
    dk_pipeline *p = *pipeline;
    g_free(p->path);
    g_free(p->name);
    g_free(p->description);
    g_ptr_array_free(p->stages, TRUE);
    g_free(p);
    *pipeline = NULL;
}

dk_stage *dk_stage_new_default(const dk_plugin *plugin, const dk_event *event,
                               dk_error *err)
{
    (void)err;
    dk_stage *stage = stage_new(plugin->name, plugin, NULL);
    stage->event = event;
    fill_defaults(stage, NULL, NULL);
    compute_fingerprint(stage, event);
    dk_stage_bind(stage);
    return stage;
}
