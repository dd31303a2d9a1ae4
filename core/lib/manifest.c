/* Per-item manifests (LIBRARY/items/<sha256>.ini): which stages finished,
 * with which settings, and what they wrote. They make re-runs cheap and
 * interrupted runs resumable. A manifest is rewritten atomically after each
 * stage, so a crash loses at most the stage in flight. */
#include "manifest.h"
#include "dk_internal.h"

#include <inttypes.h>
#include <string.h>

struct dk_manifest {
    GKeyFile *file;
    char *path;
    const dk_library *library;
};

dk_manifest *dk_manifest_load(const dk_library *library, const char *sha256)
{
    dk_manifest *m = g_new0(dk_manifest, 1);
    m->library = library;
    m->path = dk_library_manifest_path(library, sha256);
    m->file = g_key_file_new();
    /* an unreadable manifest only costs a redo of the stages */
    if (!g_key_file_load_from_file(m->file, m->path, G_KEY_FILE_NONE, NULL)) {
        g_key_file_free(m->file);
        m->file = g_key_file_new();
    }
    g_key_file_set_string(m->file, "item", "sha256", sha256);
    return m;
}

void dk_manifest_free(dk_manifest **manifest)
{
    if (!manifest || !*manifest)
        return;
    g_key_file_free((*manifest)->file);
    g_free((*manifest)->path);
    g_free(*manifest);
    *manifest = NULL;
}

static char *group_of(const char *stage)
{
    return g_strdup_printf("stage:%s", stage);
}

char **dk_manifest_sources(const dk_manifest *m)
{
    return g_key_file_get_string_list(m->file, "item", "sources", NULL, NULL);
}

void dk_manifest_add_source(dk_manifest *m, const char *source)
{
    gsize n = 0;
    gchar **list =
        g_key_file_get_string_list(m->file, "item", "sources", &n, NULL);
    if (list && g_strv_contains((const char *const *)list, source)) {
        g_strfreev(list);
        return;
    }
    GPtrArray *all = g_ptr_array_new();
    for (gsize i = 0; i < n; i++)
        g_ptr_array_add(all, list[i]);
    g_ptr_array_add(all, (gpointer)source);
    g_key_file_set_string_list(m->file, "item", "sources",
                               (const char *const *)all->pdata, all->len);
    g_ptr_array_free(all, TRUE);
    g_strfreev(list);
}

void dk_manifest_set_item(dk_manifest *m, const dk_item *item)
{
    g_autofree char *original =
        dk_library_relative(m->library, item->original_path);
    g_key_file_set_string(m->file, "item", "original", original);
    g_key_file_set_string(m->file, "item", "kind", dk_kind_name(item->kind));
}

/* "SIZE MTIME CTIME" (ns): what tells a later run that the original was
 * touched. Device and inode are left out on purpose: a library restored
 * from a backup or moved to another disk keeps its bytes, and only costs
 * one check of each original (its ctime is new) before it is trusted
 * again. */
static char *original_identity(const struct stat *st)
{
    return g_strdup_printf("%" PRId64 " %" PRId64 ".%09ld %" PRId64 ".%09ld",
                           (int64_t)st->st_size, (int64_t)st->st_mtim.tv_sec,
                           st->st_mtim.tv_nsec, (int64_t)st->st_ctim.tv_sec,
                           st->st_ctim.tv_nsec);
}

void dk_manifest_set_original_stat(dk_manifest *m, const struct stat *st)
{
    g_autofree char *identity = original_identity(st);
    g_key_file_set_string(m->file, "item", "original-stat", identity);
}

bool dk_manifest_original_unchanged(const dk_manifest *m, const struct stat *st)
{
    g_autofree char *recorded =
        g_key_file_get_string(m->file, "item", "original-stat", NULL);
    g_autofree char *identity = original_identity(st);
    return recorded && strcmp(recorded, identity) == 0;
}

void dk_manifest_set_event(dk_manifest *m, const dk_event *event)
{
    g_key_file_remove_group(m->file, "event", NULL);
    for (int i = 0; event && dk_event_fields[i]; i++) {
        const char *value = dk_event_get(event, dk_event_fields[i]);
        if (value)
            g_key_file_set_string(m->file, "event", dk_event_fields[i], value);
    }
}

void dk_manifest_collect_outputs(const dk_manifest *m, GHashTable *paths)
{
    gchar **groups = g_key_file_get_groups(m->file, NULL);
    for (int g = 0; groups[g]; g++) {
        if (!g_str_has_prefix(groups[g], "stage:"))
            continue;
        gchar **keys = g_key_file_get_keys(m->file, groups[g], NULL, NULL);
        for (int k = 0; keys && keys[k]; k++) {
            if (!g_str_has_prefix(keys[k], "path."))
                continue;
            g_autofree char *rel =
                g_key_file_get_string(m->file, groups[g], keys[k], NULL);
            if (rel)
                g_hash_table_add(paths, dk_library_absolute(m->library, rel));
        }
        g_strfreev(keys);
    }
    g_strfreev(groups);
}

void dk_manifest_collect_library_outputs(const dk_library *library,
                                         GHashTable *paths)
{
    g_autofree char *items = g_build_filename(library->root, "items", NULL);
    GDir *dir = g_dir_open(items, 0, NULL);
    if (!dir)
        return;
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(name, ".ini") || dk_is_temp_name(name))
            continue;
        g_autofree char *sha256 = g_strndup(name, strlen(name) - 4);
        dk_manifest *m = dk_manifest_load(library, sha256);
        dk_manifest_collect_outputs(m, paths);
        dk_manifest_free(&m);
    }
    g_dir_close(dir);
}

/* sha256.N and size.N, which manifests written before dokpim recorded
 * them do not have: then NULL and -1. */
static void read_hash(const dk_manifest *m, const char *group, int n,
                      dk_derivative *d)
{
    g_autofree char *sha_key = g_strdup_printf("sha256.%d", n);
    g_autofree char *size_key = g_strdup_printf("size.%d", n);
    d->sha256 = g_key_file_get_string(m->file, group, sha_key, NULL);
    g_autofree char *earlier_key = g_strdup_printf("earlier-sha256.%d", n);
    d->earlier_sha256 =
        g_key_file_get_string(m->file, group, earlier_key, NULL);
    GError *error = NULL;
    d->size = g_key_file_get_int64(m->file, group, size_key, &error);
    if (error) {
        d->size = -1;
        g_error_free(error);
    }
}

static void write_hash(dk_manifest *m, const char *group, int n,
                       const dk_derivative *d)
{
    if (!d->sha256)
        return;
    g_autofree char *sha_key = g_strdup_printf("sha256.%d", n);
    g_autofree char *size_key = g_strdup_printf("size.%d", n);
    g_key_file_set_string(m->file, group, sha_key, d->sha256);
    g_key_file_set_int64(m->file, group, size_key, d->size);
}

/* Which plugin made derivative n, with which settings: per derivative,
 * not in write_hash, since re-registering a path (signing) updates the
 * hash of the earlier record but not who made it. */
static void write_made_by(dk_manifest *m, const char *group, int n,
                          const dk_derivative *d)
{
    g_autofree char *plugin_key = g_strdup_printf("plugin.%d", n);
    g_autofree char *settings_key = g_strdup_printf("settings.%d", n);
    if (d->plugin)
        g_key_file_set_string(m->file, group, plugin_key, d->plugin);
    if (d->settings)
        g_key_file_set_string(m->file, group, settings_key, d->settings);
}

static void read_made_by(const dk_manifest *m, const char *group, int n,
                         dk_derivative *d)
{
    g_autofree char *plugin_key = g_strdup_printf("plugin.%d", n);
    g_autofree char *settings_key = g_strdup_printf("settings.%d", n);
    d->plugin = g_key_file_get_string(m->file, group, plugin_key, NULL);
    d->settings = g_key_file_get_string(m->file, group, settings_key, NULL);
}

/* Record n of group is rewritten to d's hash; what it said before goes
 * to earlier-sha256.n: the bytes the earlier stage wrote, which a copy
 * stripped of what the later stage added (a C2PA manifest removed by a
 * platform) still matches. */
static void keep_earlier_hash(dk_manifest *m, const char *group, int n,
                              const dk_derivative *d)
{
    g_autofree char *sha_key = g_strdup_printf("sha256.%d", n);
    g_autofree char *old = g_key_file_get_string(m->file, group, sha_key, NULL);
    if (old && d->sha256 && strcmp(old, d->sha256) != 0) {
        g_autofree char *key = g_strdup_printf("earlier-sha256.%d", n);
        g_key_file_set_string(m->file, group, key, old);
    }
    write_hash(m, group, n, d);
}

/* A stage that rewrites a file an earlier stage registered (signing in
 * place) registers it again: the earlier record then gets the new hash
 * too, so that every record of a path says what is on disk. */
static void update_other_records(dk_manifest *m, const char *own_group,
                                 const char *rel, const dk_derivative *d)
{
    gchar **groups = g_key_file_get_groups(m->file, NULL);
    for (int g = 0; groups[g]; g++) {
        if (!g_str_has_prefix(groups[g], "stage:") ||
            strcmp(groups[g], own_group) == 0)
            continue;
        int count =
            g_key_file_get_integer(m->file, groups[g], "derivatives", NULL);
        for (int i = 0; i < count; i++) {
            g_autofree char *key = g_strdup_printf("path.%d", i);
            g_autofree char *path =
                g_key_file_get_string(m->file, groups[g], key, NULL);
            if (path && strcmp(path, rel) == 0)
                keep_earlier_hash(m, groups[g], i, d);
        }
    }
    g_strfreev(groups);
}

char *dk_manifest_original(const dk_manifest *m)
{
    g_autofree char *rel =
        g_key_file_get_string(m->file, "item", "original", NULL);
    return rel && *rel ? dk_library_absolute(m->library, rel) : NULL;
}

void dk_manifest_collect_derivatives(const dk_manifest *m, GPtrArray *out)
{
    gchar **groups = g_key_file_get_groups(m->file, NULL);
    for (int g = 0; groups[g]; g++) {
        if (!g_str_has_prefix(groups[g], "stage:"))
            continue;
        int count =
            g_key_file_get_integer(m->file, groups[g], "derivatives", NULL);
        for (int i = 0; i < count; i++) {
            g_autofree char *role_key = g_strdup_printf("role.%d", i);
            g_autofree char *path_key = g_strdup_printf("path.%d", i);
            g_autofree char *rel =
                g_key_file_get_string(m->file, groups[g], path_key, NULL);
            if (!rel)
                continue;
            dk_derivative *d = g_new0(dk_derivative, 1);
            d->stage = g_strdup(groups[g] + strlen("stage:"));
            d->role = g_key_file_get_string(m->file, groups[g], role_key, NULL);
            d->path = dk_library_absolute(m->library, rel);
            read_hash(m, groups[g], i, d);
            g_ptr_array_add(out, d);
        }
    }
    g_strfreev(groups);
}

bool dk_manifest_has_stage(const dk_manifest *m, const char *stage,
                           const char *fingerprint)
{
    g_autofree char *group = group_of(stage);
    g_autofree char *recorded =
        g_key_file_get_string(m->file, group, "fingerprint", NULL);
    return recorded && strcmp(recorded, fingerprint) == 0;
}

bool dk_manifest_restore(const dk_manifest *m, const char *stage,
                         const char *fingerprint, dk_item *item)
{
    g_autofree char *group = group_of(stage);
    g_autofree char *recorded =
        g_key_file_get_string(m->file, group, "fingerprint", NULL);
    if (!recorded || strcmp(recorded, fingerprint) != 0)
        return false;
    int count = g_key_file_get_integer(m->file, group, "derivatives", NULL);
    GPtrArray *restored = g_ptr_array_new_with_free_func(dk_derivative_free);
    for (int i = 0; i < count; i++) {
        g_autofree char *role_key = g_strdup_printf("role.%d", i);
        g_autofree char *path_key = g_strdup_printf("path.%d", i);
        g_autofree char *role =
            g_key_file_get_string(m->file, group, role_key, NULL);
        g_autofree char *rel =
            g_key_file_get_string(m->file, group, path_key, NULL);
        if (!role || !rel)
            break;
        char *path = dk_library_absolute(m->library, rel);
        /* an output someone deleted means the stage must run again */
        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            g_free(path);
            break;
        }
        dk_derivative *d = g_new0(dk_derivative, 1);
        d->stage = g_strdup(stage);
        d->role = g_strdup(role);
        d->path = path;
        read_hash(m, group, i, d);
        read_made_by(m, group, i, d);
        g_ptr_array_add(restored, d);
    }
    if ((int)restored->len != count) {
        g_ptr_array_free(restored, TRUE);
        return false;
    }
    for (guint i = 0; i < restored->len; i++)
        g_ptr_array_add(item->derivatives, restored->pdata[i]);
    g_free(g_ptr_array_free(restored, FALSE)); /* items moved, not copied */
    g_autofree char *current =
        g_key_file_get_string(m->file, group, "current", NULL);
    if (current && *current) {
        g_free(item->current_path);
        item->current_path = dk_library_absolute(m->library, current);
    }
    int warnings = g_key_file_get_integer(m->file, group, "warnings", NULL);
    for (int i = 0; i < warnings; i++) {
        g_autofree char *key = g_strdup_printf("warning.%d", i);
        g_autofree char *text =
            g_key_file_get_string(m->file, group, key, NULL);
        if (text)
            dk_item_add_warning(item, stage, text);
    }
    gchar **keys = g_key_file_get_keys(m->file, group, NULL, NULL);
    dk_meta_free(&item->meta);
    item->meta = dk_meta_new();
    for (int k = 0; keys && keys[k]; k++) {
        if (!g_str_has_prefix(keys[k], "meta."))
            continue;
        g_autofree char *encoded =
            g_key_file_get_string(m->file, group, keys[k], NULL);
        dk_meta_set_encoded(item->meta, keys[k] + strlen("meta."), encoded);
    }
    g_strfreev(keys);
    return true;
}

void dk_manifest_record(dk_manifest *m, const char *stage,
                        const char *fingerprint, const dk_item *item,
                        guint first_derivative)
{
    g_autofree char *group = group_of(stage);
    g_key_file_remove_group(m->file, group, NULL);
    g_key_file_set_string(m->file, group, "fingerprint", fingerprint);
    int n = 0;
    for (guint i = first_derivative; i < item->derivatives->len; i++, n++) {
        const dk_derivative *d = item->derivatives->pdata[i];
        g_autofree char *role_key = g_strdup_printf("role.%d", n);
        g_autofree char *path_key = g_strdup_printf("path.%d", n);
        g_autofree char *rel = dk_library_relative(m->library, d->path);
        g_key_file_set_string(m->file, group, role_key, d->role);
        g_key_file_set_string(m->file, group, path_key, rel);
        write_hash(m, group, n, d);
        write_made_by(m, group, n, d);
        if (d->sha256)
            update_other_records(m, group, rel, d);
    }
    g_key_file_set_integer(m->file, group, "derivatives", n);
    g_autofree char *current =
        item->current_path ? dk_library_relative(m->library, item->current_path)
                           : g_strdup("");
    g_key_file_set_string(m->file, group, "current", current);
    int warnings = 0;
    for (guint i = 0; i < item->warnings->len; i++) {
        const dk_warning *w = item->warnings->pdata[i];
        if (strcmp(w->stage, stage) != 0)
            continue;
        g_autofree char *key = g_strdup_printf("warning.%d", warnings++);
        g_key_file_set_string(m->file, group, key, w->message);
    }
    if (warnings)
        g_key_file_set_integer(m->file, group, "warnings", warnings);
    GPtrArray *queued = g_ptr_array_new();
    for (guint i = 0; i < item->queued->len; i++) {
        const dk_queued *q = item->queued->pdata[i];
        if (strcmp(q->stage, stage) == 0)
            g_ptr_array_add(queued, q->key);
    }
    if (queued->len)
        g_key_file_set_string_list(m->file, group, "queued",
                                   (const char *const *)queued->pdata,
                                   queued->len);
    g_ptr_array_free(queued, TRUE);
    GList *keys = dk_meta_sorted_keys(item->meta);
    for (GList *k = keys; k; k = k->next) {
        g_autofree char *key = g_strdup_printf("meta.%s", (char *)k->data);
        g_autofree char *encoded =
            dk_meta_value_encode(dk_meta_lookup(item->meta, k->data));
        g_key_file_set_string(m->file, group, key, encoded);
    }
    g_list_free(keys);
}

char **dk_manifest_queued(const dk_manifest *m, const char *stage)
{
    g_autofree char *group = group_of(stage);
    return g_key_file_get_string_list(m->file, group, "queued", NULL, NULL);
}

static bool records_queued(const char *path)
{
    GKeyFile *file = g_key_file_new();
    bool found = false;
    if (g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, NULL)) {
        gchar **groups = g_key_file_get_groups(file, NULL);
        for (int g = 0; groups[g] && !found; g++)
            found = g_str_has_prefix(groups[g], "stage:") &&
                    g_key_file_has_key(file, groups[g], "queued", NULL);
        g_strfreev(groups);
    }
    g_key_file_free(file);
    return found;
}

int dk_manifest_count_queued(const char *library_root)
{
    g_autofree char *items = g_build_filename(library_root, "items", NULL);
    GDir *dir = g_dir_open(items, 0, NULL);
    if (!dir)
        return 0;
    int count = 0;
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(name, ".ini"))
            continue;
        g_autofree char *path = g_build_filename(items, name, NULL);
        count += records_queued(path);
    }
    g_dir_close(dir);
    return count;
}

int dk_manifest_save(const dk_manifest *m, dk_error *err)
{
    gsize length = 0;
    g_autofree char *text = g_key_file_to_data(m->file, &length, NULL);
    return dk_atomic_write_file(m->path, text, length, err);
}
