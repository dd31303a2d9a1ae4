/* The gallery's in-memory index of a library: every item's manifest
 * (LIBRARY/items/<sha256>.ini) is read once, with its choice record
 * (LIBRARY/choices/<xx>/<sha256>.ini), and kept. A page request only
 * stats items/ and the choices/ folders; a manifest is reread when its
 * own mtime moved (the runner renames a new one into place, which also
 * moves items/'s), a choice when its folder's did. So a 2 000-photo
 * event lists from memory, and a rating made by `dokpim choose` in a
 * terminal shows on the next page load. */
#include "gallery.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct gallery_index {
    char *library;
    GPtrArray *items;      /* gallery_item *, capture order */
    GHashTable *by_sha256; /* borrowed keys -> gallery_item * */
    gint64 items_mtime_ns;
    GHashTable *choice_dirs; /* "xx" -> gint64 * mtime ns */
};

static gint64 mtime_ns(const struct stat *st)
{
    return (gint64)st->st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) +
           st->st_mtim.tv_nsec;
}

static gint64 path_mtime_ns(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? mtime_ns(&st) : 0;
}

static void item_free(gpointer p)
{
    gallery_item *item = p;
    g_free(item->sha256);
    g_free(item->name);
    g_free(item->kind);
    g_free(item->capture);
    g_free(item->capture_source);
    g_free(item->source);
    g_free(item->camera);
    g_free(item->thumb);
    g_free(item->web);
    g_free(item->stamped);
    g_free(item->original);
    g_free(item->event);
    g_free(item->date);
    dk_choice_clear(&item->choice);
    g_free(item);
}

gallery_index *gallery_index_new(const char *library)
{
    gallery_index *index = g_new0(gallery_index, 1);
    index->library = g_strdup(library);
    index->items = g_ptr_array_new_with_free_func(item_free);
    index->by_sha256 = g_hash_table_new(g_str_hash, g_str_equal);
    index->choice_dirs =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return index;
}

void gallery_index_free(gallery_index **index)
{
    if (!index || !*index)
        return;
    g_hash_table_destroy((*index)->by_sha256);
    g_ptr_array_free((*index)->items, TRUE);
    g_hash_table_destroy((*index)->choice_dirs);
    g_free((*index)->library);
    g_free(*index);
    *index = NULL;
}

const char *gallery_index_library(const gallery_index *index)
{
    return index->library;
}

const GPtrArray *gallery_index_items(const gallery_index *index)
{
    return index->items;
}

gallery_item *gallery_index_find(gallery_index *index, const char *sha256)
{
    return sha256 ? g_hash_table_lookup(index->by_sha256, sha256) : NULL;
}

void gallery_index_set_choice(gallery_index *index, gallery_item *item,
                              dk_choice *c)
{
    dk_choice_clear(&item->choice);
    item->choice = *c;
    memset(c, 0, sizeof *c);
    g_autofree char *path = dk_choice_path(index->library, item->sha256);
    item->choice_mtime_ns = path ? path_mtime_ns(path) : 0;
}

/* Meta values are stored typed ("s:SONY"); the gallery wants strings. */
static char *meta_string(GKeyFile *kf, gchar **groups, const char *key)
{
    for (int g = 0; groups[g]; g++) {
        if (!g_str_has_prefix(groups[g], "stage:"))
            continue;
        g_autofree char *v = g_key_file_get_string(kf, groups[g], key, NULL);
        if (v && v[0] && v[1] == ':')
            return g_strdup(v + 2);
    }
    return NULL;
}

/* The last stage that made a derivative of this role wins: that is the
 * newest (a later transcode of the stamped copy, say). */
static void read_derivatives(GKeyFile *kf, gchar **groups, gallery_item *item)
{
    static const struct {
        const char *role;
        size_t offset;
    } roles[] = {
        {"thumbnail", offsetof(gallery_item, thumb)},
        {"web", offsetof(gallery_item, web)},
        {"stamped", offsetof(gallery_item, stamped)},
    };
    for (int g = 0; groups[g]; g++) {
        if (!g_str_has_prefix(groups[g], "stage:"))
            continue;
        int n = g_key_file_get_integer(kf, groups[g], "derivatives", NULL);
        for (int i = 0; i < n; i++) {
            char key[32];
            g_snprintf(key, sizeof key, "role.%d", i);
            g_autofree char *role =
                g_key_file_get_string(kf, groups[g], key, NULL);
            for (size_t r = 0; role && r < G_N_ELEMENTS(roles); r++) {
                if (strcmp(role, roles[r].role) != 0)
                    continue;
                g_snprintf(key, sizeof key, "path.%d", i);
                char **slot = (char **)((char *)item + roles[r].offset);
                g_free(*slot);
                *slot = g_key_file_get_string(kf, groups[g], key, NULL);
            }
        }
    }
}

static char *camera_of(GKeyFile *kf, gchar **groups)
{
    g_autofree char *make = meta_string(kf, groups, "meta.camera.make");
    g_autofree char *model = meta_string(kf, groups, "meta.camera.model");
    if (!make && !model)
        return NULL;
    /* "Canon" + "Canon EOS R6" reads better as the model alone */
    if (make && model && g_str_has_prefix(model, make))
        return g_strdup(model);
    return g_strjoin(" ", make ? make : model, make ? model : NULL, NULL);
}

static char *first_source(GKeyFile *kf)
{
    g_auto(GStrv) sources =
        g_key_file_get_string_list(kf, "item", "sources", NULL, NULL);
    return sources && sources[0] ? g_strdup(sources[0]) : NULL;
}

static gallery_item *item_load(const char *path, const char *sha256,
                               gint64 mtime)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    /* a manifest being replaced or damaged is skipped this time; the next
     * refresh sees its new mtime */
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
        return NULL;
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
    gallery_item *item = g_new0(gallery_item, 1);
    item->sha256 = g_strdup(sha256);
    item->manifest_mtime_ns = mtime;
    item->source = first_source(kf);
    item->name =
        item->source ? g_path_get_basename(item->source) : g_strdup(sha256);
    item->kind = g_key_file_get_string(kf, "item", "kind", NULL);
    item->original = g_key_file_get_string(kf, "item", "original", NULL);
    g_autofree char *orientation =
        meta_string(kf, groups, "meta.image.orientation");
    item->orientation = orientation ? atoi(orientation) : 1;
    item->capture = meta_string(kf, groups, "meta.capture.time");
    item->capture_source = meta_string(kf, groups, "meta.capture.source");
    item->camera = camera_of(kf, groups);
    item->event = g_key_file_get_string(kf, "event", "title", NULL);
    item->date = g_key_file_get_string(kf, "event", "date", NULL);
    read_derivatives(kf, groups, item);
    return item;
}

static bool is_sha256_name(const char *name)
{
    size_t n = strlen(name);
    if (n != 64 + strlen(".ini") || !g_str_has_suffix(name, ".ini"))
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!g_ascii_isxdigit(name[i]) || g_ascii_isupper(name[i]))
            return false;
    return true;
}

/* The order cli_library_items() (publish) and a run over one folder
 * number items in: by first source, then sha256. */
static gint compare_source(gconstpointer a, gconstpointer b)
{
    const gallery_item *x = *(gallery_item *const *)a;
    const gallery_item *y = *(gallery_item *const *)b;
    int c = g_strcmp0(x->source, y->source);
    return c ? c : strcmp(x->sha256, y->sha256);
}

/* Items without a capture time sort after those with one, by name. */
static gint compare_capture(gconstpointer a, gconstpointer b)
{
    const gallery_item *x = *(gallery_item *const *)a;
    const gallery_item *y = *(gallery_item *const *)b;
    int c = g_strcmp0(x->capture ? x->capture : "\x7f",
                      y->capture ? y->capture : "\x7f");
    return c ? c : g_strcmp0(x->name, y->name);
}

/* Builds the item list anew from items/, reusing every item whose
 * manifest did not change (with its choice) and rereading the rest. */
static int rescan_items(gallery_index *index, const char *dir_path,
                        dk_error *err)
{
    GError *gerr = NULL;
    GDir *dir = g_dir_open(dir_path, 0, &gerr);
    if (!dir) {
        int rc = dk_error_set(err, DK_ERR_IO, "%s", gerr->message);
        g_error_free(gerr);
        return rc;
    }
    GPtrArray *items = g_ptr_array_new_with_free_func(item_free);
    GHashTable *by_sha256 = g_hash_table_new(g_str_hash, g_str_equal);
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        if (!is_sha256_name(name))
            continue;
        char sha256[65];
        memcpy(sha256, name, 64);
        sha256[64] = '\0';
        g_autofree char *path = g_build_filename(dir_path, name, NULL);
        gint64 mtime = path_mtime_ns(path);
        gallery_item *old = g_hash_table_lookup(index->by_sha256, sha256);
        gallery_item *item = NULL;
        if (old && old->manifest_mtime_ns == mtime) {
            item = old;
            g_hash_table_remove(index->by_sha256, sha256);
        } else if ((item = item_load(path, sha256, mtime)) && old) {
            item->choice = old->choice;
            item->choice_mtime_ns = old->choice_mtime_ns;
            memset(&old->choice, 0, sizeof old->choice);
        } else if (item) {
            item->choice_mtime_ns = -1; /* never read: refresh_choices */
        }
        if (!item)
            continue;
        g_ptr_array_add(items, item);
        g_hash_table_insert(by_sha256, item->sha256, item);
    }
    g_dir_close(dir);
    /* what is still in the old table was reread or is gone; the moved
     * ones must not be freed with the old array */
    g_ptr_array_set_free_func(index->items, NULL);
    for (guint i = 0; i < index->items->len; i++) {
        gallery_item *item = index->items->pdata[i];
        if (g_hash_table_lookup(by_sha256, item->sha256) != item)
            item_free(item);
    }
    g_ptr_array_free(index->items, TRUE);
    g_hash_table_destroy(index->by_sha256);
    g_ptr_array_sort(items, compare_source);
    for (guint i = 0; i < items->len; i++)
        ((gallery_item *)items->pdata[i])->seq = (int)i + 1;
    g_ptr_array_sort(items, compare_capture);
    index->items = items;
    index->by_sha256 = by_sha256;
    return 0;
}

/* The mtime of choices/<xx>/ now, and whether it moved since last time. */
static bool choice_dir_changed(gallery_index *index, GHashTable *seen,
                               const char *sha256)
{
    char prefix[3] = {sha256[0], sha256[1], '\0'};
    gpointer known = g_hash_table_lookup(seen, prefix);
    if (known)
        return GPOINTER_TO_INT(known) == 2;
    g_autofree char *dir =
        g_build_filename(index->library, "choices", prefix, NULL);
    gint64 now = path_mtime_ns(dir);
    gint64 *last = g_hash_table_lookup(index->choice_dirs, prefix);
    bool changed = !last || *last != now;
    if (changed) {
        gint64 *slot = g_new(gint64, 1);
        *slot = now;
        g_hash_table_replace(index->choice_dirs, g_strdup(prefix), slot);
    }
    g_hash_table_insert(seen, g_strdup(prefix), GINT_TO_POINTER(changed + 1));
    return changed;
}

/* A damaged record reads as no choice here: the page must still list the
 * item, and the next write replaces the record. */
static void refresh_choices(gallery_index *index)
{
    g_autoptr(GHashTable) seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < index->items->len; i++) {
        gallery_item *item = index->items->pdata[i];
        if (!choice_dir_changed(index, seen, item->sha256) &&
            item->choice_mtime_ns >= 0)
            continue;
        g_autofree char *path = dk_choice_path(index->library, item->sha256);
        gint64 mtime = path ? path_mtime_ns(path) : 0;
        if (mtime == item->choice_mtime_ns)
            continue;
        dk_choice_clear(&item->choice);
        item->choice_mtime_ns = mtime;
        if (mtime == 0)
            continue;
        dk_error err = {0};
        if (dk_choice_read(index->library, item->sha256, &item->choice, &err) <
            0)
            dk_choice_clear(&item->choice);
        dk_error_clear(&err);
    }
}

int gallery_index_refresh(gallery_index *index, dk_error *err)
{
    g_autofree char *items = g_build_filename(index->library, "items", NULL);
    gint64 now = path_mtime_ns(items);
    /* no items/ yet (served before the first run): an empty gallery */
    if (now == 0 && !g_file_test(items, G_FILE_TEST_EXISTS)) {
        g_ptr_array_set_size(index->items, 0);
        g_hash_table_remove_all(index->by_sha256);
        index->items_mtime_ns = 0;
        return 0;
    }
    if (now != index->items_mtime_ns) {
        int rc = rescan_items(index, items, err);
        if (rc < 0)
            return rc;
        index->items_mtime_ns = now;
    }
    refresh_choices(index);
    return 0;
}
