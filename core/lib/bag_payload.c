/* What a library's bag carries: every regular file under originals/,
 * derived/ and items/ (the item manifests say what each derivative was
 * made from and how), and every C2PA manifest store kept beside them
 * (*.c2pa, wherever it is). Not the lock, the source cache (sources/: a
 * cache of stat results, meaningless elsewhere) or half-written temp
 * files. Symlinks are left out: a bag must not depend on what they point
 * at. */
#include "bag.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static const char *const archived[] = {"originals", "derived", "items", NULL};

typedef struct walk {
    const char *root;
    GPtrArray *files; /* dk_bag_file */
    GHashTable *dirs; /* relative folder names seen */
    int rc;
    dk_error *err;
} walk;

static void file_free(gpointer data)
{
    dk_bag_file *file = data;
    g_free(file->path);
    g_free(file);
}

static void visit(walk *w, const char *rel, bool everything)
{
    g_autofree char *dir = g_build_filename(w->root, rel, NULL);
    GError *error = NULL;
    GDir *d = g_dir_open(dir, 0, &error);
    if (!d) {
        w->rc = dk_error_set(w->err, DK_ERR_IO, "cannot list %s: %s", dir,
                             error->message);
        g_error_free(error);
        return;
    }
    for (const char *name; w->rc == 0 && (name = g_dir_read_name(d));) {
        if (dk_is_temp_name(name) || (!*rel && name[0] == '.'))
            continue;
        g_autofree char *child =
            *rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
        g_autofree char *path = g_build_filename(w->root, child, NULL);
        struct stat st;
        if (lstat(path, &st) != 0) {
            w->rc = dk_error_errno(w->err, DK_ERR_IO, "cannot read", path);
            break;
        }
        bool inside = everything || (!*rel && g_strv_contains(archived, name));
        if (S_ISDIR(st.st_mode)) {
            if (!*rel && strcmp(name, "sources") == 0)
                continue;
            visit(w, child, inside);
        } else if (S_ISREG(st.st_mode) &&
                   (inside || g_str_has_suffix(name, ".c2pa"))) {
            dk_bag_file *file = g_new0(dk_bag_file, 1);
            file->path = g_steal_pointer(&child);
            file->size = (guint64)st.st_size;
            g_ptr_array_add(w->files, file);
            g_autofree char *parent = g_path_get_dirname(file->path);
            g_hash_table_add(w->dirs, g_steal_pointer(&parent));
        }
    }
    g_dir_close(d);
}

static gint by_path(gconstpointer a, gconstpointer b)
{
    const dk_bag_file *x = *(dk_bag_file *const *)a;
    const dk_bag_file *y = *(dk_bag_file *const *)b;
    return strcmp(x->path, y->path);
}

int dk_bag_payload_list(const char *root, GPtrArray **files, GHashTable **dirs,
                        dk_error *err)
{
    walk w = {root, g_ptr_array_new_with_free_func(file_free),
              g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), 0,
              err};
    visit(&w, "", false);
    if (w.rc < 0) {
        g_ptr_array_free(w.files, TRUE);
        g_hash_table_destroy(w.dirs);
        return w.rc;
    }
    g_ptr_array_sort(w.files, by_path);
    *files = w.files;
    *dirs = w.dirs;
    return 0;
}
