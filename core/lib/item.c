/* Items: one original and what the stages made of it. */
#include "dk_i18n.h"
#include "dk_internal.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

static void warning_free(gpointer data)
{
    dk_warning *w = data;
    g_free(w->stage);
    g_free(w->message);
    g_free(w);
}

static void queued_free(gpointer data)
{
    dk_queued *q = data;
    g_free(q->stage);
    g_free(q->key);
    g_free(q);
}

dk_item *dk_item_new(const char *source_path, int seq,
                     struct dk_library *library)
{
    dk_item *item = g_new0(dk_item, 1);
    item->source_path = g_strdup(source_path);
    item->seq = seq;
    item->kind = DK_KIND_FILE;
    item->meta = dk_meta_new();
    item->derivatives = g_ptr_array_new_with_free_func(dk_derivative_free);
    item->warnings = g_ptr_array_new_with_free_func(warning_free);
    item->queued = g_ptr_array_new_with_free_func(queued_free);
    item->library = library;
    return item;
}

void dk_derivative_free(gpointer data)
{
    dk_derivative *d = data;
    g_free(d->stage);
    g_free(d->role);
    g_free(d->path);
    g_free(d->sha256);
    g_free(d->earlier_sha256);
    g_free(d->plugin);
    g_free(d->settings);
    g_free(d);
}

void dk_item_free(dk_item **item)
{
    if (!item || !*item)
        return;
    dk_item *it = *item;
    g_free(it->source_path);
    g_free(it->sha256);
    g_free(it->original_path);
    g_free(it->current_path);
    dk_meta_free(&it->meta);
    g_ptr_array_free(it->derivatives, TRUE);
    g_ptr_array_free(it->warnings, TRUE);
    g_ptr_array_free(it->queued, TRUE);
    if (it->previous_outputs)
        g_hash_table_destroy(it->previous_outputs);
    g_free(it);
    *item = NULL;
}

const char *dk_item_source_path(const dk_item *item)
{
    return item->source_path;
}

const char *dk_item_original_path(const dk_item *item)
{
    return item->original_path;
}

const char *dk_item_sha256(const dk_item *item)
{
    return item->sha256;
}

unsigned dk_item_kind(const dk_item *item)
{
    return item->kind;
}

void dk_item_set_kind(dk_item *item, unsigned kind)
{
    item->kind = kind;
}

int dk_item_seq(const dk_item *item)
{
    return item->seq;
}

dk_meta *dk_item_meta(dk_item *item)
{
    return item->meta;
}

const dk_meta *dk_item_meta_const(const dk_item *item)
{
    return item->meta;
}

const char *dk_item_current_path(const dk_item *item)
{
    if (item->current_path)
        return item->current_path;
    return item->original_path ? item->original_path : item->source_path;
}

static char *lower_extension(const char *path)
{
    g_autofree char *base = g_path_get_basename(path);
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base || strlen(dot) > 8)
        return g_strdup("");
    return g_ascii_strdown(dot, -1);
}

/* originals/ab/abcdef….ext under root */
static char *content_path(const char *root, const char *sha256, const char *ext)
{
    g_autofree char *prefix = g_strndup(sha256, 2);
    g_autofree char *name = g_strdup_printf("%s%s", sha256, ext);
    return g_build_filename(root, "originals", prefix, name, NULL);
}

/* Renames a fully written temp copy to its content address (1), or drops
 * it when that content is already there (0). */
static int settle_copy(dk_atomic **temp, const char *final_path, dk_error *err)
{
    if (g_file_test(final_path, G_FILE_TEST_EXISTS)) {
        dk_atomic_abort(temp);
        return 0;
    }
    g_autofree char *dir = g_path_get_dirname(final_path);
    int rc = dk_mkdirs(dir, err);
    if (rc == 0)
        rc = dk_atomic_commit_as(temp, final_path, err);
    else
        dk_atomic_abort(temp);
    if (rc < 0)
        return rc;
    g_chmod(final_path, 0444); /* originals are read-only */
    return 1;
}

/* The same file, unchanged in every way a stat can tell (the test the
 * source cache trusts on a re-run). */
static bool same_file(const struct stat *a, const struct stat *b)
{
    g_autofree char *first = dk_stat_identity(a);
    g_autofree char *second = dk_stat_identity(b);
    return strcmp(first, second) == 0;
}

/* One read of the source, hashed as it is written to a temp file in every
 * root at once; each copy is then renamed to its content address, or
 * dropped when that content is already there (a duplicate under another
 * name). A source whose stat changed meanwhile (a card still being
 * written) is refused rather than archived half-done. */
static int copy_in(const char *source, const struct stat *before,
                   const char *const *roots, int nroots, const char *ext,
                   char hex[65], char **finals, bool *placed, dk_error *err)
{
    dk_atomic *temps[2] = {NULL, NULL};
    const char *temp_paths[2] = {NULL, NULL};
    int rc = 0;
    for (int i = 0; i < nroots && rc == 0; i++) {
        g_autofree char *placeholder =
            g_build_filename(roots[i], "originals", "incoming", NULL);
        rc = dk_atomic_open(placeholder, &temps[i], err);
        if (rc == 0)
            temp_paths[i] = dk_atomic_temp_path(temps[i]);
    }
    if (rc == 0)
        rc = dk_copy_and_hash(source, temp_paths, nroots, hex, err);
    struct stat after;
    if (rc == 0 && (stat(source, &after) != 0 || !same_file(before, &after)))
        rc = dk_error_set(err, DK_ERR_IO,
                          "the file changed while it was being read; "
                          "copy it again once it is complete");
    for (int i = 0; i < nroots; i++) {
        if (rc < 0) {
            dk_atomic_abort(&temps[i]);
            continue;
        }
        finals[i] = content_path(roots[i], hex, ext);
        rc = settle_copy(&temps[i], finals[i], err);
        if (rc > 0 && i == 0)
            *placed = true;
        rc = rc > 0 ? 0 : rc;
        if (rc < 0 && i > 0)
            dk_error_prefix(err, "backup copy in %s: ", roots[i]);
    }
    return rc;
}

int dk_item_import_original(dk_item *item, const char *backup_dir,
                            dk_error *err)
{
    if (!item->library)
        return dk_error_set(err, DK_ERR_INTERNAL, "item has no library");
    if (item->sha256)
        return 0;
    const char *roots[2] = {item->library->root, backup_dir};
    int nroots = backup_dir && *backup_dir ? 2 : 1;
    struct stat st;
    if (stat(item->source_path, &st) != 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot read", item->source_path);
    g_autofree char *ext = lower_extension(item->source_path);
    char hex[65];
    char *finals[2] = {NULL, NULL};
    int rc = 0;
    /* A re-run over the same files: known content, every copy in place. */
    bool known = dk_source_cache_lookup(roots[0], item->source_path, &st, hex);
    for (int i = 0; known && i < nroots; i++) {
        finals[i] = content_path(roots[i], hex, ext);
        known = g_file_test(finals[i], G_FILE_TEST_IS_REGULAR);
    }
    bool placed = false;
    if (!known) {
        for (int i = 0; i < nroots; i++)
            g_clear_pointer(&finals[i], g_free);
        rc = copy_in(item->source_path, &st, roots, nroots, ext, hex, finals,
                     &placed, err);
        if (rc == 0)
            dk_source_cache_store(roots[0], item->source_path, &st, hex);
    }
    g_free(finals[1]);
    if (rc < 0) {
        g_free(finals[0]);
        return rc;
    }
    item->original_path = finals[0];
    item->sha256 = g_strdup(hex);
    /* Bytes this run hashed on their way in need no check before the
     * stages read them; content that was already there does (see
     * dk_fixity_check_original). The stat is what the manifest keeps to
     * tell later whether the file was touched since. */
    item->original_verified =
        placed && stat(item->original_path, &item->original_stat) == 0;
    dk_meta_set_int(item->meta, "file.size", (int64_t)st.st_size);
    return 0;
}

unsigned dk_item_derivative_count(const dk_item *item)
{
    return item->derivatives->len;
}

const char *dk_item_derivative(const dk_item *item, unsigned n,
                               const char **role, const char **stage)
{
    if (n >= item->derivatives->len)
        return NULL;
    const dk_derivative *d = item->derivatives->pdata[n];
    if (role)
        *role = d->role;
    if (stage)
        *stage = d->stage;
    return d->path;
}

const char *dk_item_derivative_made_by(const dk_item *item, unsigned n,
                                       const char **settings)
{
    const dk_derivative *d =
        n < item->derivatives->len ? item->derivatives->pdata[n] : NULL;
    if (settings)
        *settings = d ? d->settings : NULL;
    return d ? d->plugin : NULL;
}

int dk_item_add_derivative(dk_item *item, const char *role, const char *path,
                           bool main_line, dk_error *err)
{
    if (!role || !path)
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "derivative without role "
                            "or path");
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "derivative %s was not written (commit it before "
                            "adding it)",
                            path);
    /* Hashed once, now, while the file is fresh in the page cache: the
     * manifest keeps it, so `dokpim audit` can prove the file unchanged
     * and a copy found elsewhere can be looked up without re-hashing. */
    char hex[65];
    struct stat st;
    if (stat(path, &st) != 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot read", path);
    int rc = dk_hash_file(path, hex, err);
    if (rc < 0)
        return rc;
    dk_derivative *d = g_new0(dk_derivative, 1);
    d->stage = g_strdup(item->running_stage ? item->running_stage : "");
    d->plugin = g_strdup(item->running_plugin);
    d->settings = g_strdup(item->running_settings);
    d->role = g_strdup(role);
    d->path = g_strdup(path);
    d->sha256 = g_strdup(hex);
    d->size = (int64_t)st.st_size;
    g_ptr_array_add(item->derivatives, d);
    if (main_line) {
        g_free(item->current_path);
        item->current_path = g_strdup(path);
    }
    return 0;
}

static unsigned warnings_of_stage(const dk_item *item, const char *stage)
{
    unsigned n = 0;
    for (guint i = 0; i < item->warnings->len; i++) {
        const dk_warning *w = item->warnings->pdata[i];
        n += strcmp(w->stage, stage) == 0;
    }
    return n;
}

void dk_item_add_warning(dk_item *item, const char *stage, const char *message)
{
    unsigned n = warnings_of_stage(item, stage);
    if (n > DK_ITEM_WARNINGS_MAX)
        return;
    dk_warning *w = g_new0(dk_warning, 1);
    w->stage = g_strdup(stage);
    /* a file that breaks in a thousand places must not flood the report:
     * the last kept line says that more were left out */
    w->message = n < DK_ITEM_WARNINGS_MAX
                     ? g_strdup(message)
                     : g_strdup("further warnings left out");
    g_ptr_array_add(item->warnings, w);
}

void dk_item_add_queued(dk_item *item, const char *stage, const char *key,
                        bool added)
{
    dk_queued *q = g_new0(dk_queued, 1);
    q->stage = g_strdup(stage);
    q->key = g_strdup(key);
    q->added = added;
    g_ptr_array_add(item->queued, q);
}

void dk_item_warn(dk_item *item, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *message = g_strdup_vprintf(dk_i18n_format(fmt), args);
    va_end(args);
    dk_item_add_warning(item, item->running_stage ? item->running_stage : "",
                        message);
}

unsigned dk_item_warning_count(const dk_item *item)
{
    return item->warnings->len;
}

const char *dk_item_warning(const dk_item *item, unsigned n, const char **stage)
{
    if (n >= item->warnings->len)
        return NULL;
    const dk_warning *w = item->warnings->pdata[n];
    if (stage)
        *stage = w->stage;
    return w->message;
}
