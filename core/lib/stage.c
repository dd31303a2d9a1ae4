/* What a plugin may ask of its stage: option values, templates expanded for
 * an item, output paths, the event. */
#include "dk_internal.h"

#include <string.h>

/* A name the plugin never declared: its own bug, so say it loudly (fatal
 * under G_DEBUG=fatal-criticals, as the tests run, and in debug builds). */
static void undeclared(const dk_stage *stage, const char *option)
{
    g_critical("plugin %s asked for undeclared option '%s'",
               stage && stage->plugin ? stage->plugin->name : "?", option);
#ifndef NDEBUG
    g_assert_not_reached();
#endif
}

const dk_option *dk_plugin_option(const dk_plugin *plugin, const char *name)
{
    for (const dk_option *o = plugin->options; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

void dk_stage_set_value(dk_stage *stage, const dk_option *option,
                        const char *text, char *resolved, bool is_set)
{
    dk_option_value *value = g_new0(dk_option_value, 1);
    value->option = option;
    value->text = g_strdup(text);
    value->resolved = resolved;
    value->is_set = is_set;
    dk_option_value_parse(value);
    g_hash_table_replace(stage->values, (gpointer)option->name, value);
}

const dk_option_value *dk_stage_value(const dk_stage *stage, const char *option)
{
    if (!stage)
        return NULL;
    const dk_option_value *v = g_hash_table_lookup(stage->values, option);
    /* a declared option without a value (a required one the config
     * lacks, while check reports it) is not the plugin's fault */
    if (!v && !dk_plugin_option(stage->plugin, option))
        undeclared(stage, option);
    return v;
}

const char *dk_stage_name(const dk_stage *stage)
{
    return stage->name;
}

const char *dk_stage_string(const dk_stage *stage, const char *option)
{
    const dk_option_value *v = dk_stage_value(stage, option);
    if (!v)
        return NULL;
    return v->resolved ? v->resolved : v->text;
}

bool dk_stage_bool(const dk_stage *stage, const char *option)
{
    const dk_option_value *v = dk_stage_value(stage, option);
    return v ? v->b : false;
}

int64_t dk_stage_int(const dk_stage *stage, const char *option)
{
    const dk_option_value *v = dk_stage_value(stage, option);
    return v ? v->i : 0;
}

double dk_stage_double(const dk_stage *stage, const char *option)
{
    const dk_option_value *v = dk_stage_value(stage, option);
    return v ? v->d : 0.0;
}

const char *dk_template_text(const dk_template *tmpl)
{
    return tmpl && tmpl->text ? tmpl->text : "";
}

const void *dk_stage_config(const dk_stage *stage)
{
    return stage ? stage->config : NULL;
}

bool dk_stage_finishes(const dk_stage *stage)
{
    const dk_plugin *p = stage->plugin;
    return p->finish && (!p->finishes || p->finishes(stage, stage->config));
}

static void store_value(void *field, const dk_option_value *v)
{
    const dk_option *o = v->option;
    switch (o->type) {
    case DK_OPT_STRING:
    case DK_OPT_PATH:
    case DK_OPT_DIR: {
        const char *text = v->resolved ? v->resolved : v->text;
        memcpy(field, &text, sizeof text);
        break;
    }
    case DK_OPT_TEMPLATE:
    case DK_OPT_PATH_TEMPLATE: {
        const dk_template *t = &v->tmpl;
        memcpy(field, &t, sizeof t);
        break;
    }
    case DK_OPT_BOOL:
        memcpy(field, &v->b, sizeof v->b);
        break;
    case DK_OPT_INT:
        if (o->size == sizeof(int)) {
            int i = (int)v->i; /* the loader made sure the range fits */
            memcpy(field, &i, sizeof i);
        } else {
            memcpy(field, &v->i, sizeof v->i);
        }
        break;
    case DK_OPT_DOUBLE:
        memcpy(field, &v->d, sizeof v->d);
        break;
    case DK_OPT_ENUM:
        memcpy(field, &v->choice, sizeof v->choice);
        break;
    case DK_OPT_LIST: {
        static const char *const empty[] = {NULL};
        const char *const *list =
            v->list ? (const char *const *)v->list : empty;
        memcpy(field, &list, sizeof list);
        break;
    }
    }
}

void dk_stage_bind(dk_stage *stage)
{
    const dk_plugin *plugin = stage->plugin;
    g_free(stage->config);
    stage->config = NULL;
    if (!plugin->config_size)
        return;
    char *config = g_malloc0(plugin->config_size);
    for (const dk_option *o = plugin->options; o && o->name; o++) {
        const dk_option_value *v = g_hash_table_lookup(stage->values, o->name);
        if (!v)
            continue; /* a required option the config lacks: reported */
        if (o->size)
            store_value(config + o->offset, v);
        if (o->set_size)
            memcpy(config + o->set_offset, &v->is_set, sizeof v->is_set);
    }
    stage->config = config;
}

static int expand_option(const dk_stage *stage, const dk_template *tmpl,
                         const dk_item *item, dk_template_mode mode, char **out,
                         dk_error *err)
{
    *out = NULL;
    if (!tmpl)
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "plugin %s expanded a template option that was "
                            "not set",
                            stage->plugin->name);
    int rc = dk_template_expand(tmpl->text, stage->event, item, mode, out, err);
    if (rc < 0)
        dk_error_prefix(err, "option %s: ", tmpl->option);
    return rc;
}

int dk_stage_expand(const dk_stage *stage, const dk_template *tmpl,
                    const dk_item *item, char **out, dk_error *err)
{
    return expand_option(stage, tmpl, item, DK_TEMPLATE_TEXT, out, err);
}

/* name with its extension (after the last dot of the file name, if any)
 * replaced by extension. */
static char *replace_extension(const char *name, const char *extension)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    size_t keep = dot && dot != base ? (size_t)(dot - name) : strlen(name);
    return g_strdup_printf("%.*s.%s", (int)keep, name, extension);
}

int dk_stage_output_path_ext(const dk_stage *stage, const dk_template *tmpl,
                             const dk_item *item, const char *extension,
                             char **out, dk_error *err)
{
    *out = NULL;
    if (!item->library)
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "no library: outputs need a run");
    g_autofree char *relative = NULL;
    int rc = expand_option(stage, tmpl, item, DK_TEMPLATE_PATH, &relative, err);
    if (rc < 0)
        return rc;
    if (extension) {
        char *renamed = replace_extension(relative, extension);
        g_free(relative);
        relative = renamed;
    }
    g_autofree char *candidate = g_build_filename(
        item->library->root, "derived", stage->name, relative, NULL);
    return dk_library_reserve(item->library, item, candidate, out, err);
}

int dk_stage_output_path(const dk_stage *stage, const dk_template *tmpl,
                         const dk_item *item, char **out, dk_error *err)
{
    return dk_stage_output_path_ext(stage, tmpl, item, NULL, out, err);
}

const char *dk_stage_event(const dk_stage *stage, const char *field)
{
    return dk_event_get(stage->event, field);
}

GTimeZone *dk_stage_timezone(const dk_stage *stage)
{
    static GTimeZone *local;
    if (stage->event && stage->event->tz)
        return stage->event->tz;
    if (g_once_init_enter(&local))
        g_once_init_leave(&local, g_time_zone_new_local());
    return local;
}

const char *dk_stage_library(const dk_stage *stage)
{
    return stage->pipeline && stage->pipeline->library
               ? stage->pipeline->library->root
               : NULL;
}
