/* `dokpim audit`: an archive's fixity check, fast enough to run nightly.
 * What the library claims comes from two places: every original is named
 * by its own sha256 (originals/ab/<sha256>.ext), and every item manifest
 * names its original and the derivatives its stages wrote, with their
 * sha256 when they were recorded. Both are listed first (a stat each),
 * then the files are hashed on a few threads, largest first so that no
 * thread is left with one big video at the end. */
#include "audit.h"
#include "manifest.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

const char *dk_audit_problem_name(dk_audit_problem problem)
{
    static const char *const names[] = {"intact", "changed", "missing",
                                        "unreadable"};
    return names[problem];
}

static void file_free(gpointer data)
{
    dk_audit_file *f = data;
    g_free(f->path);
    g_free(f->item);
    g_free(f->stage);
    g_free(f->role);
    g_free(f->expected);
    g_free(f->earlier);
    g_free(f->error);
    g_free(f);
}

void dk_audit_free(dk_audit **audit)
{
    if (!audit || !*audit)
        return;
    g_free((*audit)->root);
    g_ptr_array_free((*audit)->files, TRUE);
    g_free(*audit);
    *audit = NULL;
}

static bool is_sha256(const char *text)
{
    for (int i = 0; i < 64; i++)
        if (!g_ascii_isxdigit(text[i]) || g_ascii_isupper(text[i]))
            return false;
    return true;
}

/* path -> dk_audit_file, owning them */
static dk_audit_file *add_file(GHashTable *files, char *path, bool original,
                               const char *item)
{
    dk_audit_file *f = g_hash_table_lookup(files, path);
    if (f) {
        g_free(path);
        return f;
    }
    f = g_new0(dk_audit_file, 1);
    f->path = path;
    f->original = original;
    f->item = g_strdup(item);
    f->expected_size = -1;
    f->size = -1;
    g_hash_table_insert(files, f->path, f);
    return f;
}

/* originals/<ab>/<sha256>[.ext]: the name is the claim */
static void list_originals(const char *root, GHashTable *files)
{
    g_autofree char *top = g_build_filename(root, "originals", NULL);
    GDir *dir = g_dir_open(top, 0, NULL);
    for (const char *prefix; dir && (prefix = g_dir_read_name(dir));) {
        if (strlen(prefix) != 2 || !g_ascii_isxdigit(prefix[0]) ||
            !g_ascii_isxdigit(prefix[1]))
            continue;
        g_autofree char *sub = g_build_filename(top, prefix, NULL);
        GDir *inner = g_dir_open(sub, 0, NULL);
        for (const char *name; inner && (name = g_dir_read_name(inner));) {
            if (dk_is_temp_name(name) || strlen(name) < 64 ||
                !is_sha256(name) || strncmp(name, prefix, 2) != 0 ||
                (name[64] && name[64] != '.'))
                continue;
            g_autofree char *sha256 = g_strndup(name, 64);
            dk_audit_file *f = add_file(
                files, g_build_filename(sub, name, NULL), true, sha256);
            if (!f->expected)
                f->expected = g_strdup(sha256);
        }
        if (inner)
            g_dir_close(inner);
    }
    if (dir)
        g_dir_close(dir);
}

/* items/<sha256>.ini: the original it names, and each recorded output */
static void list_manifest(const dk_library *library, const char *sha256,
                          GHashTable *files)
{
    dk_manifest *m = dk_manifest_load(library, sha256);
    char *original = dk_manifest_original(m);
    if (original) {
        dk_audit_file *f = add_file(files, original, true, sha256);
        if (!f->expected)
            f->expected = g_strdup(sha256);
    }
    GPtrArray *derivatives = g_ptr_array_new_with_free_func(dk_derivative_free);
    dk_manifest_collect_derivatives(m, derivatives);
    for (guint i = 0; i < derivatives->len; i++) {
        dk_derivative *d = derivatives->pdata[i];
        dk_audit_file *f =
            add_file(files, g_steal_pointer(&d->path), false, sha256);
        if (f->original)
            continue; /* a stage that registered the original itself */
        /* the first record of a path names the stage that made the file;
         * a later one only rewrote it in place (signing), and its hash is
         * in every record (see manifest.c) */
        if (!f->stage) {
            g_free(f->stage);
            g_free(f->role);
            f->stage = g_steal_pointer(&d->stage);
            f->role = g_steal_pointer(&d->role);
        }
        if (d->sha256) {
            g_free(f->expected);
            f->expected = g_steal_pointer(&d->sha256);
            f->expected_size = d->size;
        }
        if (d->earlier_sha256) {
            g_free(f->earlier);
            f->earlier = g_steal_pointer(&d->earlier_sha256);
        }
    }
    g_ptr_array_free(derivatives, TRUE);
    dk_manifest_free(&m);
}

static void list_manifests(const dk_library *library, GHashTable *files)
{
    g_autofree char *items = g_build_filename(library->root, "items", NULL);
    GDir *dir = g_dir_open(items, 0, NULL);
    for (const char *name; dir && (name = g_dir_read_name(dir));) {
        if (strlen(name) != 64 + 4 || !is_sha256(name) ||
            strcmp(name + 64, ".ini") != 0)
            continue;
        g_autofree char *sha256 = g_strndup(name, 64);
        list_manifest(library, sha256, files);
    }
    if (dir)
        g_dir_close(dir);
}

/* The stat half of the check, done while listing: missing files need no
 * thread, and the sizes order the hashing. */
static void look(dk_audit_file *f)
{
    struct stat st;
    if (stat(f->path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            f->problem = DK_AUDIT_MISSING;
        } else {
            f->problem = DK_AUDIT_UNREADABLE;
            f->error = g_strdup(g_strerror(errno));
        }
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        f->problem = DK_AUDIT_UNREADABLE;
        f->error = g_strdup("not a regular file");
        return;
    }
    f->size = (int64_t)st.st_size;
}

typedef struct audit_work {
    GPtrArray *queue; /* dk_audit_file to hash, largest first */
    gint next;
    gint cancelled;
} audit_work;

static void hash_one(dk_audit_file *f)
{
    dk_error err = {0};
    if (dk_hash_file(f->path, f->found, &err) < 0) {
        f->found[0] = '\0';
        f->problem = DK_AUDIT_UNREADABLE;
        f->error = g_strdup(err.message);
    } else if (strcmp(f->found, f->expected) != 0) {
        f->problem = DK_AUDIT_CHANGED;
    }
}

static gpointer hash_worker(gpointer data)
{
    audit_work *work = data;
    for (;;) {
        gint index = g_atomic_int_add(&work->next, 1);
        if (index >= (gint)work->queue->len)
            break;
        if (dk_cancelled()) {
            g_atomic_int_set(&work->cancelled, 1);
            break;
        }
        hash_one(work->queue->pdata[index]);
    }
    return NULL;
}

static int larger_first(gconstpointer a, gconstpointer b)
{
    const dk_audit_file *x = *(dk_audit_file *const *)a;
    const dk_audit_file *y = *(dk_audit_file *const *)b;
    return (x->size < y->size) - (x->size > y->size);
}

static int by_path(gconstpointer a, gconstpointer b)
{
    const dk_audit_file *x = *(dk_audit_file *const *)a;
    const dk_audit_file *y = *(dk_audit_file *const *)b;
    return strcmp(x->path, y->path);
}

static void hash_all(GPtrArray *queue, int jobs, dk_audit *audit)
{
    g_ptr_array_sort(queue, larger_first);
    audit_work work = {.queue = queue};
    if (jobs > (int)queue->len)
        jobs = queue->len ? (int)queue->len : 1;
    GThread **threads = g_new0(GThread *, jobs);
    for (int i = 0; i < jobs; i++)
        threads[i] = g_thread_new("dokpim-audit", hash_worker, &work);
    for (int i = 0; i < jobs; i++)
        g_thread_join(threads[i]);
    g_free(threads);
    for (guint i = 0; i < queue->len; i++) {
        const dk_audit_file *f = queue->pdata[i];
        audit->bytes += f->found[0] ? f->size : 0;
    }
    audit->cancelled = work.cancelled;
}

static int audit_run(const char *root, int jobs, dk_audit **out, dk_error *err)
{
    *out = NULL;
    dk_library *library = NULL;
    int rc = dk_library_open_shared(root, &library, err);
    if (rc < 0)
        return rc;
    gint64 start = g_get_monotonic_time();
    GHashTable *files =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, file_free);
    list_originals(library->root, files);
    list_manifests(library, files);
    dk_audit *audit = g_new0(dk_audit, 1);
    audit->root = g_strdup(library->root);
    audit->files = g_ptr_array_new_with_free_func(file_free);
    GPtrArray *queue = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, files);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        dk_audit_file *f = value;
        g_hash_table_iter_steal(&iter);
        g_ptr_array_add(audit->files, f);
        audit->originals += f->original;
        audit->derivatives += !f->original;
        audit->unhashed += !f->expected;
        look(f);
        if (f->problem == DK_AUDIT_INTACT && f->expected)
            g_ptr_array_add(queue, f);
    }
    g_hash_table_destroy(files);
    if (jobs > 0)
        hash_all(queue, jobs, audit);
    g_ptr_array_free(queue, TRUE);
    g_ptr_array_sort(audit->files, by_path);
    for (guint i = 0; i < audit->files->len; i++)
        audit->problems +=
            ((dk_audit_file *)audit->files->pdata[i])->problem != 0;
    audit->seconds = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    dk_library_free(&library);
    *out = audit;
    return 0;
}

int dk_audit_library(const char *root, int jobs, dk_audit **out, dk_error *err)
{
    return audit_run(root, jobs > 0 ? jobs : 2, out, err);
}

int dk_audit_list(const char *root, dk_audit **out, dk_error *err)
{
    return audit_run(root, 0, out, err);
}
