/* The event library folder: layout, lock, hash claims and output names. */
#include "dk_internal.h"
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static const char *const layout[] = {"originals", "derived", "items", NULL};

/* Removes temp files a killed run left; they were never renamed into place,
 * so nothing anyone relies on is lost. */
static void sweep_temp_files(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR) &&
            !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
            sweep_temp_files(path);
        else if (dk_is_temp_name(name))
            g_unlink(path);
    }
    g_dir_close(d);
}

static dk_library *library_new(char *absolute, int lock_fd)
{
    dk_library *library = g_new0(dk_library, 1);
    library->root = absolute;
    library->lock_fd = lock_fd;
    g_mutex_init(&library->lock);
    g_mutex_init(&library->queue_lock);
    library->claimed =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    library->reserved =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return library;
}

/* The layout made and the lock taken: exclusive for `dokpim run` (one
 * run at a time, and its sweep may delete any temp file), shared for the
 * workers of a queue, which write side by side and must never sweep: a
 * temp file may be another worker's output half written. */
static int open_for_writing(const char *root, bool worker, dk_library **out,
                            dk_error *err)
{
    *out = NULL;
    int rc = dk_mkdirs(root, err);
    if (rc < 0)
        return rc;
    char *absolute = g_canonicalize_filename(root, NULL);
    g_autofree char *lock_path = g_build_filename(absolute, ".lock", NULL);
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = dk_error_errno(err, DK_ERR_IO, "cannot open", lock_path);
        g_free(absolute);
        return rc;
    }
    if (flock(fd, (worker ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        close(fd);
        rc = dk_error_set(err, DK_ERR_EXISTS,
                          worker ? "library %s is in use by a dokpim run "
                                   "(workers wait until it ends)"
                                 : "library %s is in use by another dokpim "
                                   "process",
                          absolute);
        g_free(absolute);
        return rc;
    }
    for (int i = 0; layout[i] && rc == 0; i++) {
        g_autofree char *sub = g_build_filename(absolute, layout[i], NULL);
        rc = dk_mkdirs(sub, err);
    }
    if (rc < 0) {
        close(fd);
        g_free(absolute);
        return rc;
    }
    if (!worker)
        sweep_temp_files(absolute);
    *out = library_new(absolute, fd);
    (*out)->worker = worker;
    return 0;
}

int dk_library_open(const char *root, dk_library **out, dk_error *err)
{
    return open_for_writing(root, false, out, err);
}

int dk_library_open_worker(const char *root, dk_library **out, dk_error *err)
{
    return open_for_writing(root, true, out, err);
}

int dk_library_open_shared(const char *root, dk_library **out, dk_error *err)
{
    *out = NULL;
    g_autofree char *absolute = g_canonicalize_filename(root, NULL);
    g_autofree char *items = g_build_filename(absolute, "items", NULL);
    g_autofree char *originals = g_build_filename(absolute, "originals", NULL);
    if (!g_file_test(items, G_FILE_TEST_IS_DIR) &&
        !g_file_test(originals, G_FILE_TEST_IS_DIR))
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "%s is not a dokpim library (no items/ or "
                            "originals/ folder)",
                            absolute);
    /* A library on read-only media (an archive disk) may have no lock
     * file, and no writer either: then there is nothing to wait for. */
    g_autofree char *lock_path = g_build_filename(absolute, ".lock", NULL);
    int fd = open(lock_path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) != 0) {
        close(fd);
        return dk_error_set(err, DK_ERR_EXISTS,
                            "library %s is in use by another dokpim process",
                            absolute);
    }
    *out = library_new(g_steal_pointer(&absolute), fd);
    return 0;
}

void dk_library_free(dk_library **library)
{
    if (!library || !*library)
        return;
    dk_library *lib = *library;
    if (lib->lock_fd >= 0)
        close(lib->lock_fd);
    g_hash_table_destroy(lib->claimed);
    g_hash_table_destroy(lib->reserved);
    if (lib->listed)
        g_hash_table_destroy(lib->listed);
    g_mutex_clear(&lib->lock);
    if (lib->queue && lib->queue_close)
        lib->queue_close(lib->queue);
    g_mutex_clear(&lib->queue_lock);
    g_free(lib->queue_url);
    g_free(lib->root);
    g_free(lib);
    *library = NULL;
}

void dk_library_begin_run(dk_library *library)
{
    g_mutex_lock(&library->lock);
    g_hash_table_remove_all(library->claimed);
    g_hash_table_remove_all(library->reserved);
    g_clear_pointer(&library->listed, g_hash_table_destroy);
    g_mutex_unlock(&library->lock);
}

const char *dk_library_claim(dk_library *library, const char *sha256,
                             const char *source)
{
    g_mutex_lock(&library->lock);
    const char *first = g_hash_table_lookup(library->claimed, sha256);
    if (!first)
        g_hash_table_insert(library->claimed, g_strdup(sha256),
                            g_strdup(source));
    g_mutex_unlock(&library->lock);
    return first;
}

static char *numbered_name(const char *path, int n)
{
    if (n == 1)
        return g_strdup(path);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    const char *dot = strrchr(base, '.');
    g_autofree char *stem =
        dot && dot != base ? g_strndup(base, dot - base) : g_strdup(base);
    g_autofree char *name =
        g_strdup_printf("%s_%d%s", stem, n, dot && dot != base ? dot : "");
    return g_build_filename(dir, name, NULL);
}

/* Whether an existing file belongs to some item. Only a file no manifest
 * names is free to take: an output a killed run renamed into place before
 * its manifest was saved. Writing it again under the same name keeps an
 * interrupted run's names those of an uninterrupted one (it was NAME_2).
 * Read once, on the first such file, under the library lock; an output
 * recorded later in this run is in `reserved` already. */
static bool listed_in_a_manifest(dk_library *library, const char *path)
{
    if (!library->listed) {
        library->listed =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        dk_manifest_collect_library_outputs(library, library->listed);
    }
    return g_hash_table_contains(library->listed, path);
}

/* LIBRARY/.names/<sha256 of the name>: which item owns an output name,
 * for workers in other processes (or on other machines, over NFS) that
 * cannot see each other's `reserved`. Made whole by link(), which fails
 * when the marker exists, also on NFS; the loser reads the winner's. */
static char *name_marker(const dk_library *library, const char *path)
{
    /* by the name inside the library: the same on every machine even
     * where the mount point differs */
    g_autofree char *relative = dk_library_relative(library, path);
    g_autofree char *key =
        g_compute_checksum_for_string(G_CHECKSUM_SHA256, relative, -1);
    return g_build_filename(library->root, ".names", key, NULL);
}

/* 1: the name is the item's (now or from an earlier try of the same
 * item), 0: another item's, < 0: the marker could not be made. */
static int claim_name_on_disk(const dk_library *library, const dk_item *item,
                              const char *path, dk_error *err)
{
    g_autofree char *marker = name_marker(library, path);
    g_autofree char *owner = g_strconcat(item->sha256, "\n", NULL);
    for (int attempt = 0; attempt < 2; attempt++) {
        g_autofree char *text = NULL;
        if (g_file_get_contents(marker, &text, NULL, NULL))
            return strncmp(text, owner, strlen(owner)) == 0;
        g_autofree char *dir = g_path_get_dirname(marker);
        int rc = dk_mkdirs(dir, err);
        if (rc < 0)
            return rc;
        g_autofree char *body = g_strconcat(owner, path, "\n", NULL);
        g_autofree char *temp = g_strconcat(marker, ".dk-tmp-XXXXXX", NULL);
        int fd = g_mkstemp_full(temp, O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0)
            return dk_error_errno(err, DK_ERR_IO, "cannot create", temp);
        size_t length = strlen(body);
        bool written = write(fd, body, length) == (ssize_t)length;
        written = close(fd) == 0 && written;
        int linked = written ? link(temp, marker) : -1;
        int saved = errno;
        g_unlink(temp);
        if (linked == 0)
            return 1;
        if (!written || saved != EEXIST) {
            errno = saved;
            return dk_error_errno(err, DK_ERR_IO, "cannot create", marker);
        }
        /* lost the race: read who won */
    }
    return dk_error_set(err, DK_ERR_IO, "cannot read %s", marker);
}

int dk_library_reserve(dk_library *library, const dk_item *item,
                       const char *candidate, char **chosen, dk_error *err)
{
    *chosen = NULL;
    int rc = 0;
    g_mutex_lock(&library->lock);
    for (int n = 1; n < 10000 && !*chosen && rc == 0; n++) {
        char *name = numbered_name(candidate, n);
        const dk_item *owner = g_hash_table_lookup(library->reserved, name);
        bool ours_before = item->previous_outputs &&
                           g_hash_table_contains(item->previous_outputs, name);
        bool taken = owner ? owner != item
                           : !ours_before &&
                                 g_file_test(name, G_FILE_TEST_EXISTS) &&
                                 listed_in_a_manifest(library, name);
        /* a worker's name must also be free among the other workers' */
        if (!taken && !owner && library->worker && item->sha256) {
            rc = claim_name_on_disk(library, item, name, err);
            taken = rc == 0;
        }
        if (taken || rc < 0) {
            g_free(name);
            continue;
        }
        rc = 0;
        g_hash_table_replace(library->reserved, g_strdup(name), (gpointer)item);
        *chosen = name;
    }
    g_mutex_unlock(&library->lock);
    if (rc < 0)
        return rc;
    if (!*chosen)
        return dk_error_set(err, DK_ERR_EXISTS, "no free name like %s",
                            candidate);
    return 0;
}

char *dk_library_relative(const dk_library *library, const char *path)
{
    size_t n = strlen(library->root);
    if (strncmp(path, library->root, n) == 0 && path[n] == '/')
        return g_strdup(path + n + 1);
    return g_strdup(path);
}

char *dk_library_absolute(const dk_library *library, const char *relative)
{
    if (g_path_is_absolute(relative))
        return g_strdup(relative);
    return g_build_filename(library->root, relative, NULL);
}

char *dk_library_manifest_path(const dk_library *library, const char *sha256)
{
    g_autofree char *name = g_strdup_printf("%s.ini", sha256);
    return g_build_filename(library->root, "items", name, NULL);
}
