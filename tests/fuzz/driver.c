/* Replays inputs through a harness without libFuzzer: every file named on
 * the command line, and every file in the folders named there (a folder
 * that does not exist is skipped, so a build without generated seeds still
 * replays the committed regressions). Exits 1 when no input was found. */
#include <glib.h>
#include <stdio.h>

#include "fuzz_common.h"

static int replay(const char *path)
{
    g_autofree char *data = NULL;
    gsize size = 0;
    if (!g_file_get_contents(path, &data, &size, NULL)) {
        fprintf(stderr, "cannot read %s\n", path);
        return 0;
    }
    fprintf(stderr, "%s\n", path);
    LLVMFuzzerTestOneInput((const uint8_t *)data, size);
    return 1;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    if (!dir)
        return 0;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(dir)))
        if (name[0] != '.')
            g_ptr_array_add(names, g_build_filename(path, name, NULL));
    g_dir_close(dir);
    g_ptr_array_sort(names, by_name);
    int count = 0;
    for (guint i = 0; i < names->len; i++)
        count += replay(names->pdata[i]);
    g_ptr_array_unref(names);
    return count;
}

int main(int argc, char **argv)
{
    int count = 0;
    for (int i = 1; i < argc; i++)
        count += g_file_test(argv[i], G_FILE_TEST_IS_DIR) ? replay_dir(argv[i])
                                                          : replay(argv[i]);
    fprintf(stderr, "%d inputs replayed\n", count);
    return count > 0 ? 0 : 1;
}
