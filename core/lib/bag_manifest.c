/* Reading a BagIt manifest: one "CHECKSUM WHITESPACE PATH" per line
 * (RFC 8493 2.1.3). A hostile bag may list "../x" or "/etc/passwd": such
 * a line is reported and dropped here, before any caller could open it. */
#include "bag.h"

#include <string.h>

static bool is_hex(const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isxdigit(text[i]))
            return false;
    return n > 0;
}

static void entry_free(gpointer data)
{
    dk_bag_entry *entry = data;
    g_free(entry->path);
    g_free(entry->checksum);
    g_free(entry);
}

void dk_bag_entries_free(GPtrArray *entries)
{
    if (entries)
        g_ptr_array_free(entries, TRUE);
}

GPtrArray *dk_bag_manifest_parse(const char *text,
                                 void (*problem)(int line, const char *what,
                                                 void *data),
                                 void *data)
{
    GPtrArray *entries = g_ptr_array_new_with_free_func(entry_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        char *line = lines[i];
        size_t length = strlen(line);
        if (length && line[length - 1] == '\r')
            line[--length] = '\0';
        if (!length)
            continue;
        size_t sum = strcspn(line, " \t");
        const char *path = line + sum;
        while (*path == ' ' || *path == '\t')
            path++;
        if (!is_hex(line, sum) || path == line + sum || !*path) {
            problem(i + 1, "not a CHECKSUM PATH line", data);
            continue;
        }
        char *decoded = dk_bag_path_decode(path);
        if (!dk_bag_path_is_safe(decoded)) {
            /* named as the manifest writes it, escaped: a decoded %0A
             * would split the one line the problem gets (fuzz_bag) */
            g_autofree char *shown = dk_escape_text(path);
            g_autofree char *what = g_strdup_printf(
                "refusing a path that leaves the bag: %s", shown);
            problem(i + 1, what, data);
            g_free(decoded);
            continue;
        }
        dk_bag_entry *entry = g_new0(dk_bag_entry, 1);
        entry->path = decoded;
        entry->checksum = g_ascii_strdown(line, (gssize)sum);
        entry->line = i + 1;
        g_ptr_array_add(entries, entry);
    }
    return entries;
}
