/* The items a library records (LIBRARY/items/<sha256>.ini), read without
 * the library lock: choose and the gallery look while a run works. */
#include "publish.h"

#include <string.h>

static void item_free(gpointer data)
{
    cli_library_item *item = data;
    g_free(item->sha256);
    g_free(item->original);
    g_free(item->source);
    g_free(item);
}

static cli_library_item *read_item(const char *root, const char *name)
{
    if (!g_str_has_suffix(name, ".ini") || strlen(name) != 64 + 4)
        return NULL;
    g_autofree char *path = g_build_filename(root, "items", name, NULL);
    g_autoptr(GKeyFile) file = g_key_file_new();
    if (!g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, NULL))
        return NULL;
    g_autofree char *original =
        g_key_file_get_string(file, "item", "original", NULL);
    if (!original || !*original)
        return NULL; /* ingest never finished: nothing to publish */
    cli_library_item *item = g_new0(cli_library_item, 1);
    item->sha256 = g_strndup(name, 64);
    item->original = g_path_is_absolute(original)
                         ? g_strdup(original)
                         : g_build_filename(root, original, NULL);
    gchar **sources =
        g_key_file_get_string_list(file, "item", "sources", NULL, NULL);
    item->source = sources && sources[0] ? g_strdup(sources[0]) : NULL;
    g_strfreev(sources);
    return item;
}

static int compare_items(gconstpointer a, gconstpointer b)
{
    const cli_library_item *x = *(cli_library_item *const *)a;
    const cli_library_item *y = *(cli_library_item *const *)b;
    int by_source = g_strcmp0(x->source, y->source);
    return by_source ? by_source : strcmp(x->sha256, y->sha256);
}

GPtrArray *cli_library_items(const char *root)
{
    GPtrArray *items = g_ptr_array_new_with_free_func(item_free);
    g_autofree char *dir_path = g_build_filename(root, "items", NULL);
    GDir *dir = g_dir_open(dir_path, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        cli_library_item *item = read_item(root, name);
        if (item)
            g_ptr_array_add(items, item);
    }
    if (dir)
        g_dir_close(dir);
    g_ptr_array_sort(items, compare_items);
    return items;
}
