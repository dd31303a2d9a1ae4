/* What a plugin may ask of its stage: option values, templates expanded for
 * an item, output paths, the event. */
#include "dk_internal.h"

#include <string.h>

const dk_option_value *dk_stage_value(const dk_stage *stage, const char *option)
{
    return stage ? g_hash_table_lookup(stage->values, option) : NULL;
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

const char *const *dk_stage_list(const dk_stage *stage, const char *option)
{
    static const char *const empty[] = {NULL};
    const dk_option_value *v = dk_stage_value(stage, option);
    return v && v->list ? (const char *const *)v->list : empty;
}

bool dk_stage_is_set(const dk_stage *stage, const char *option)
{
    const dk_option_value *v = dk_stage_value(stage, option);
    return v && v->is_set;
}

static int expand_option(const dk_stage *stage, const char *option,
                         const dk_item *item, dk_template_mode mode, char **out,
                         dk_error *err)
{
    *out = NULL;
    const dk_option_value *v = dk_stage_value(stage, option);
    if (!v)
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "plugin %s asked for undeclared option '%s'",
                            stage->plugin->name, option);
    int rc = dk_template_expand(v->text, stage->event, item, mode, out, err);
    if (rc < 0)
        dk_error_prefix(err, "option %s: ", option);
    return rc;
}

int dk_stage_expand(const dk_stage *stage, const char *option,
                    const dk_item *item, char **out, dk_error *err)
{
    return expand_option(stage, option, item, DK_TEMPLATE_TEXT, out, err);
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

int dk_stage_output_path_ext(const dk_stage *stage, const char *option,
                             const dk_item *item, const char *extension,
                             char **out, dk_error *err)
{
    *out = NULL;
    if (!item->library)
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "no library: outputs need a run");
    g_autofree char *relative = NULL;
    int rc =
        expand_option(stage, option, item, DK_TEMPLATE_PATH, &relative, err);
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

int dk_stage_output_path(const dk_stage *stage, const char *option,
                         const dk_item *item, char **out, dk_error *err)
{
    return dk_stage_output_path_ext(stage, option, item, NULL, out, err);
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
