/* Validating option values against their declared rows. */
#include "dk_internal.h"

#include <limits.h>
#include <math.h>
#include <string.h>

static bool parse_bool(const char *text, bool *value)
{
    static const char *const yes[] = {"true", "yes", "on", "1", NULL};
    static const char *const no[] = {"false", "no", "off", "0", NULL};
    for (int i = 0; yes[i]; i++)
        if (g_ascii_strcasecmp(text, yes[i]) == 0)
            return *value = true, true;
    for (int i = 0; no[i]; i++)
        if (g_ascii_strcasecmp(text, no[i]) == 0)
            return *value = false, true;
    return false;
}

static bool has_range(const dk_option *o)
{
    return o->min != o->max;
}

static int out_of_range(const dk_option *o, const char *text, dk_error *err)
{
    return dk_error_set(err, DK_ERR_CONFIG, "'%s' is out of range (%g to %g)",
                        text, o->min, o->max);
}

/* Position of text among "a|b|c", or -1. */
static int enum_index(const char *choices, const char *text)
{
    gchar **list = g_strsplit(choices, "|", -1);
    int found = -1;
    for (int i = 0; list[i] && found < 0; i++)
        if (strcmp(list[i], text) == 0)
            found = i;
    g_strfreev(list);
    return found;
}

static int validate_path_template(const char *text, const dk_event *event,
                                  dk_error *err)
{
    int rc = dk_template_check(text, err);
    if (rc < 0)
        return rc;
    /* literal parts must already be safe; values are cleaned at expansion */
    if (text[0] == '/')
        return dk_error_set(err, DK_ERR_CONFIG,
                            "'%s' is absolute; output paths are relative to "
                            "the library's derived/<stage>/ folder",
                            text);
    gchar **parts = g_strsplit(text, "/", -1);
    bool climbs = false;
    for (int i = 0; parts[i]; i++)
        climbs |= strcmp(parts[i], "..") == 0;
    g_strfreev(parts);
    if (climbs)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "'%s' climbs out of its folder with '..'", text);
    if (event)
        rc = dk_template_check_with_event(text, event, err);
    return rc == 0 ? dk_template_check_path(text, event, err) : rc;
}

int dk_option_validate(const dk_option *o, const char *text,
                       const char *base_dir, const dk_event *event,
                       char **resolved, dk_error *err)
{
    *resolved = NULL;
    char *end = NULL;
    switch (o->type) {
    case DK_OPT_STRING:
    case DK_OPT_LIST:
        return 0;
    case DK_OPT_TEMPLATE:
        return event ? dk_template_check_with_event(text, event, err)
                     : dk_template_check(text, err);
    case DK_OPT_PATH_TEMPLATE:
        return validate_path_template(text, event, err);
    case DK_OPT_PATH:
    case DK_OPT_DIR: {
        if (!*text)
            return 0; /* empty: the feature is off */
        bool dir = o->type == DK_OPT_DIR;
        char *path = g_path_is_absolute(text) || !base_dir
                         ? g_strdup(text)
                         : g_build_filename(base_dir, text, NULL);
        if (!g_file_test(path,
                         dir ? G_FILE_TEST_IS_DIR : G_FILE_TEST_IS_REGULAR)) {
            int rc = dk_error_set(err, DK_ERR_CONFIG, "%s '%s' does not exist",
                                  dir ? "folder" : "file", path);
            g_free(path);
            return rc;
        }
        int rc = !dir && o->flags & DK_OPTION_PRIVATE_FILE
                     ? dk_check_private_file(path, err)
                     : 0;
        if (rc == 0)
            *resolved = g_canonicalize_filename(path, NULL);
        g_free(path);
        return rc;
    }
    case DK_OPT_BOOL: {
        bool b;
        if (!parse_bool(text, &b))
            return dk_error_set(err, DK_ERR_CONFIG, "'%s' is not true or false",
                                text);
        return 0;
    }
    case DK_OPT_INT: {
        gint64 v = g_ascii_strtoll(text, &end, 10);
        if (!*text || *end)
            return dk_error_set(err, DK_ERR_CONFIG,
                                "'%s' is not a whole "
                                "number",
                                text);
        if (has_range(o) && (v < o->min || v > o->max))
            return out_of_range(o, text, err);
        return 0;
    }
    case DK_OPT_DOUBLE: {
        double v = g_ascii_strtod(text, &end);
        if (!*text || *end || !isfinite(v))
            return dk_error_set(err, DK_ERR_CONFIG, "'%s' is not a number",
                                text);
        if (has_range(o) && (v < o->min || v > o->max))
            return out_of_range(o, text, err);
        return 0;
    }
    case DK_OPT_ENUM:
        if (enum_index(o->choices, text) < 0)
            return dk_error_set(err, DK_ERR_CONFIG, "'%s' is not one of %s",
                                text, o->choices);
        return 0;
    }
    return dk_error_set(err, DK_ERR_INTERNAL, "unknown option type");
}

/* Fills the parsed forms once validation passed. */
void dk_option_value_parse(dk_option_value *value)
{
    const char *text = value->text;
    switch (value->option->type) {
    case DK_OPT_BOOL:
        parse_bool(text, &value->b);
        break;
    case DK_OPT_INT:
        value->i = g_ascii_strtoll(text, NULL, 10);
        break;
    case DK_OPT_DOUBLE:
        value->d = g_ascii_strtod(text, NULL);
        break;
    case DK_OPT_LIST: {
        gchar **parts = g_strsplit(text, ";", -1);
        GPtrArray *items = g_ptr_array_new();
        for (int i = 0; parts[i]; i++) {
            g_strstrip(parts[i]);
            if (*parts[i])
                g_ptr_array_add(items, g_strdup(parts[i]));
        }
        g_ptr_array_add(items, NULL);
        value->list = (char **)g_ptr_array_free(items, FALSE);
        g_strfreev(parts);
        break;
    }
    case DK_OPT_ENUM:
        value->choice = enum_index(value->option->choices, text);
        break;
    case DK_OPT_TEMPLATE:
    case DK_OPT_PATH_TEMPLATE:
        value->tmpl.text = value->text;
        value->tmpl.option = value->option->name;
        break;
    default:
        break;
    }
}

/* The size a bound field of this type must have; INT also takes int. */
static bool field_size_fits(const dk_option *o)
{
    switch (o->type) {
    case DK_OPT_STRING:
    case DK_OPT_PATH:
    case DK_OPT_DIR:
        return o->size == sizeof(const char *);
    case DK_OPT_TEMPLATE:
    case DK_OPT_PATH_TEMPLATE:
        return o->size == sizeof(const dk_template *);
    case DK_OPT_BOOL:
        return o->size == sizeof(bool);
    case DK_OPT_INT:
        return o->size == sizeof(int64_t) ||
               (o->size == sizeof(int) && has_range(o) && o->min >= INT_MIN &&
                o->max <= INT_MAX);
    case DK_OPT_DOUBLE:
        return o->size == sizeof(double);
    case DK_OPT_ENUM:
        return o->size == sizeof(int);
    case DK_OPT_LIST:
        return o->size == sizeof(const char *const *);
    }
    return false;
}

int dk_option_check_binding(const dk_option *o, size_t config_size,
                            dk_error *err)
{
    if (o->size && (!field_size_fits(o) || o->offset + o->size > config_size))
        return dk_error_set(err, DK_ERR_ABI,
                            "option '%s' is bound to a field of %zu bytes at "
                            "%zu, which is not its type's size or lies "
                            "outside the %zu-byte config (an int field needs "
                            "a range that fits)",
                            o->name, o->size, o->offset, config_size);
    if (o->set_size && (o->set_size != sizeof(bool) ||
                        o->set_offset + o->set_size > config_size))
        return dk_error_set(err, DK_ERR_ABI,
                            "option '%s': its set field is not a bool inside "
                            "the config",
                            o->name);
    return 0;
}
