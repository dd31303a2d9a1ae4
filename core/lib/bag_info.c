/* bag-info.txt (RFC 8493 2.2.2): "Label: value" lines, a value's further
 * lines indented. What the archive says about the event comes from the
 * [event] group `dokpim run` records in every item manifest, so a bag of a
 * library that holds several events names each of them. */
#include "bag.h"

#include <string.h>

void dk_bag_info_add(GString *text, const char *label, const char *value)
{
    g_string_append_printf(text, "%s: ", label);
    for (const char *p = value; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n')
            g_string_append(text, "\n  ");
        else
            g_string_append_c(text, *p);
    }
    g_string_append_c(text, '\n');
}

static void add_unique(GPtrArray *values, const char *value)
{
    if (value && *value &&
        !g_ptr_array_find_with_equal_func(values, value, g_str_equal, NULL))
        g_ptr_array_add(values, g_strdup(value));
}

/* "title — leader, role — place, city — date", leaving out what is unset */
static char *describe(const char *const field[6])
{
    GString *out = g_string_new(NULL);
    const char *groups[][2] = {{field[0], NULL},
                               {field[1], field[2]},
                               {field[3], field[4]},
                               {field[5], NULL}};
    for (size_t g = 0; g < G_N_ELEMENTS(groups); g++) {
        g_autofree char *part =
            groups[g][0] && groups[g][1] && *groups[g][1]
                ? g_strdup_printf("%s, %s", groups[g][0], groups[g][1])
                : g_strdup(groups[g][0] ? groups[g][0] : groups[g][1]);
        if (!part || !*part)
            continue;
        if (out->len)
            g_string_append(out, " — ");
        g_string_append(out, part);
    }
    return g_string_free(out, FALSE);
}

typedef struct tags {
    GPtrArray *organization, *contact, *description;
} tags;

static const char *const described[] = {"title", "leader", "role",
                                        "place", "city",   "date"};

static void add_event(tags *t, GHashTable *fields)
{
    add_unique(t->organization, g_hash_table_lookup(fields, "agency"));
    add_unique(t->contact, g_hash_table_lookup(fields, "photographer"));
    const char *field[6];
    for (int i = 0; i < 6; i++)
        field[i] = g_hash_table_lookup(fields, described[i]);
    g_autofree char *text = describe(field);
    add_unique(t->description, text);
}

/* The [event] group of one item manifest as field -> value. */
static GHashTable *manifest_event(const char *path)
{
    GHashTable *fields =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GKeyFile) file = g_key_file_new();
    if (!g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, NULL))
        return fields;
    g_auto(GStrv) keys = g_key_file_get_keys(file, "event", NULL, NULL);
    for (int i = 0; keys && keys[i]; i++) {
        char *value = g_key_file_get_string(file, "event", keys[i], NULL);
        if (value)
            g_hash_table_insert(fields, g_strdup(keys[i]), value);
    }
    return fields;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Item manifests' names, sorted, so the tags come in a stable order. */
static GPtrArray *manifest_names(const char *items)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GDir *dir = g_dir_open(items, 0, NULL);
    for (const char *name; dir && (name = g_dir_read_name(dir));)
        if (g_str_has_suffix(name, ".ini") && !dk_is_temp_name(name))
            g_ptr_array_add(names, g_strdup(name));
    if (dir)
        g_dir_close(dir);
    g_ptr_array_sort(names, compare_names);
    return names;
}

static void add_all(GString *text, const char *label, GPtrArray *values)
{
    for (guint i = 0; i < values->len; i++)
        dk_bag_info_add(text, label, values->pdata[i]);
    g_ptr_array_free(values, TRUE);
}

void dk_bag_info_add_events(GString *text, const char *library_root,
                            const dk_event *extra)
{
    tags t = {g_ptr_array_new_with_free_func(g_free),
              g_ptr_array_new_with_free_func(g_free),
              g_ptr_array_new_with_free_func(g_free)};
    if (extra)
        add_event(&t, extra->fields);
    g_autofree char *items = g_build_filename(library_root, "items", NULL);
    GPtrArray *names = manifest_names(items);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(items, names->pdata[i], NULL);
        GHashTable *fields = manifest_event(path);
        add_event(&t, fields);
        g_hash_table_destroy(fields);
    }
    g_ptr_array_free(names, TRUE);
    add_all(text, "Source-Organization", t.organization);
    add_all(text, "Contact-Name", t.contact);
    add_all(text, "External-Description", t.description);
}

char **dk_bag_info_parse(const char *text, int *bad_line)
{
    GPtrArray *pairs = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    *bad_line = 0;
    for (int i = 0; lines[i] && !*bad_line; i++) {
        char *line = lines[i];
        size_t length = strlen(line);
        if (length && line[length - 1] == '\r')
            line[--length] = '\0';
        if (!length && !lines[i + 1])
            break; /* the newline ending the last line */
        if ((line[0] == ' ' || line[0] == '\t') && pairs->len) {
            char *joined =
                g_strdup_printf("%s\n%s", (char *)pairs->pdata[pairs->len - 1],
                                g_strchug(line));
            g_free(pairs->pdata[pairs->len - 1]);
            pairs->pdata[pairs->len - 1] = joined;
            continue;
        }
        char *colon = strchr(line, ':');
        if (!colon || colon == line || (colon[1] != ' ' && colon[1] != '\t')) {
            *bad_line = i + 1;
            break;
        }
        g_ptr_array_add(pairs, g_strndup(line, colon - line));
        g_ptr_array_add(pairs, g_strdup(colon + 2));
    }
    if (*bad_line) {
        g_ptr_array_free(pairs, TRUE);
        return NULL;
    }
    g_ptr_array_add(pairs, NULL);
    return (char **)g_ptr_array_free(pairs, FALSE);
}
