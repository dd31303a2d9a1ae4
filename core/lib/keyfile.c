/* Loading GLib key files (pipelines, events, manifests) with line numbers
 * for error messages; GKeyFile itself does not keep them. */
#include "dk_internal.h"

#include <string.h>

struct dk_keyfile_lines {
    GHashTable *lines; /* "group\nkey" or "group" -> line of its first use */
    /* the first key written twice in a group: GKeyFile keeps the last
     * silently, so one of the two values would be lost without a word */
    char *duplicate_group, *duplicate_key;
    int duplicate_line, first_line;
};

static char *line_key(const char *group, const char *key)
{
    return key ? g_strdup_printf("%s\n%s", group, key) : g_strdup(group);
}

dk_keyfile_lines *dk_keyfile_lines_scan(const char *text)
{
    dk_keyfile_lines *lines = g_new0(dk_keyfile_lines, 1);
    lines->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    char *group = NULL;
    gchar **rows = g_strsplit(text, "\n", -1);
    for (int i = 0; rows[i]; i++) {
        char *row = g_strstrip(rows[i]);
        if (!*row || *row == '#')
            continue;
        if (*row == '[') {
            char *end = strchr(row, ']');
            if (!end)
                continue;
            g_free(group);
            group = g_strndup(row + 1, end - row - 1);
            g_hash_table_insert(lines->lines, line_key(group, NULL),
                                GINT_TO_POINTER(i + 1));
            continue;
        }
        char *eq = strchr(row, '=');
        if (!group || !eq)
            continue;
        g_autofree char *key = g_strndup(row, eq - row);
        g_strstrip(key);
        char *id = line_key(group, key);
        int first = GPOINTER_TO_INT(g_hash_table_lookup(lines->lines, id));
        if (first && !lines->duplicate_line) {
            lines->duplicate_group = g_strdup(group);
            lines->duplicate_key = g_strdup(key);
            lines->duplicate_line = i + 1;
            lines->first_line = first;
        }
        if (first)
            g_free(id);
        else
            g_hash_table_insert(lines->lines, id, GINT_TO_POINTER(i + 1));
    }
    g_strfreev(rows);
    g_free(group);
    return lines;
}

int dk_keyfile_line(const dk_keyfile_lines *lines, const char *group,
                    const char *key)
{
    if (!lines)
        return 0;
    g_autofree char *k = line_key(group, key);
    return GPOINTER_TO_INT(g_hash_table_lookup(lines->lines, k));
}

void dk_keyfile_lines_free(dk_keyfile_lines *lines)
{
    if (!lines)
        return;
    g_hash_table_destroy(lines->lines);
    g_free(lines->duplicate_group);
    g_free(lines->duplicate_key);
    g_free(lines);
}

int dk_keyfile_load(const char *path, GKeyFile **keyfile,
                    dk_keyfile_lines **lines, dk_error *err)
{
    *keyfile = NULL;
    *lines = NULL;
    g_autofree char *text = NULL;
    gsize length = 0;
    GError *error = NULL;
    if (!g_file_get_contents(path, &text, &length, &error)) {
        int rc =
            dk_error_set(err, DK_ERR_CONFIG, "%s: %s", path, error->message);
        g_error_free(error);
        return rc;
    }
    if (!g_utf8_validate(text, (gssize)length, NULL))
        return dk_error_set(err, DK_ERR_CONFIG, "%s: not valid UTF-8 text",
                            path);
    /* Windows Notepad starts UTF-8 files with a byte-order mark, which
     * GKeyFile takes for part of the first line */
    const char *data = text;
    if (g_str_has_prefix(data, "\xEF\xBB\xBF")) {
        data += 3;
        length -= 3;
    }
    dk_keyfile_lines *scanned = dk_keyfile_lines_scan(data);
    if (scanned->duplicate_line) {
        int rc =
            dk_error_set(err, DK_ERR_CONFIG,
                         "%s:%d: duplicate key \"%s\" (first at line %d) "
                         "in [%s]; keep one",
                         path, scanned->duplicate_line, scanned->duplicate_key,
                         scanned->first_line, scanned->duplicate_group);
        dk_keyfile_lines_free(scanned);
        return rc;
    }
    GKeyFile *file = g_key_file_new();
    if (!g_key_file_load_from_data(file, data, length, G_KEY_FILE_NONE,
                                   &error)) {
        /* GLib's message already carries the line number */
        int rc =
            dk_error_set(err, DK_ERR_CONFIG, "%s: %s", path, error->message);
        g_error_free(error);
        g_key_file_free(file);
        dk_keyfile_lines_free(scanned);
        return rc;
    }
    *keyfile = file;
    *lines = scanned;
    return 0;
}

char *dk_keyfile_where(const char *path, const dk_keyfile_lines *lines,
                       const char *group, const char *key)
{
    int line = group ? dk_keyfile_line(lines, group, key) : 0;
    if (!line && group && key)
        line = dk_keyfile_line(lines, group, NULL);
    return line ? g_strdup_printf("%s:%d", path, line) : g_strdup(path);
}
