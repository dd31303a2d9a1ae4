/* Writing a library's bag (RFC 8493): payload under data/ as the library
 * lays it out, manifest-sha512.txt and manifest-sha256.txt from one read
 * per file, bagit.txt, bag-info.txt and the tag manifests. The bag is
 * built as OUT.partial-XXXXXX beside OUT and renamed only when complete,
 * so a bag named OUT is always whole; a killed run leaves only the
 * .partial folder, which the next run removes. */
#include "bag.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define PARTIAL_INFIX ".partial-"

typedef struct job {
    const dk_bag_file *file;
    char hex[DK_BAG_ALGORITHMS][DK_BAG_HEX_MAX];
    guint64 size;
    dk_bag_placement how;
    int rc;
    dk_error err;
} job;

typedef struct writer {
    const char *root;
    char *partial;
    bool may_link;
    job *jobs;
} writer;

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* rm -r without following symlinks (FTW_PHYS): removing a hard link
 * leaves the library's file alone */
static int remove_tree(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A partial bag whose folder no process holds locked was left by a run
 * that died: it can only be removed. One still locked is another run's. */
static void remove_stale_partials(const char *parent, const char *base)
{
    g_autofree char *prefix = g_strconcat(base, PARTIAL_INFIX, NULL);
    GDir *dir = g_dir_open(parent, 0, NULL);
    for (const char *name; dir && (name = g_dir_read_name(dir));) {
        if (!g_str_has_prefix(name, prefix))
            continue;
        g_autofree char *path = g_build_filename(parent, name, NULL);
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            remove_tree(path);
        close(fd);
    }
    if (dir)
        g_dir_close(dir);
}

/* Links need only folders and the manifests; copies need the payload too
 * (a reflink may need nothing, but cannot be known before trying). */
static int check_space(const char *parent, GPtrArray *files, guint dirs,
                       bool links, dk_error *err)
{
    struct statvfs fs;
    if (statvfs(parent, &fs) != 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot read free space of",
                              parent);
    guint64 block = fs.f_frsize ? fs.f_frsize : 4096;
    guint64 need = (guint64)(dirs + 8) * block + (1 << 20);
    for (guint i = 0; i < files->len; i++) {
        const dk_bag_file *f = files->pdata[i];
        /* two manifest lines: digests, spaces, "data/", path, newline */
        need += 2 * (128 + 2 + 5 + strlen(f->path) + 1);
        if (!links)
            need += (f->size + block - 1) / block * block;
    }
    guint64 free_bytes = (guint64)fs.f_bavail * block;
    if (need > free_bytes) {
        g_autofree char *a = g_format_size(need);
        g_autofree char *b = g_format_size(free_bytes);
        return dk_error_set(err, DK_ERR_IO,
                            "not enough free space for the bag in %s: "
                            "needs %s, %s free",
                            parent, a, b);
    }
    if (!links && fs.f_favail < files->len + dirs + 16)
        return dk_error_set(err, DK_ERR_IO,
                            "not enough free inodes for the bag in %s", parent);
    return 0;
}

/* originals/ab/<sha256>.ext is named after its content: a file whose
 * bytes no longer match was changed after import, and archiving it would
 * give the altered bytes fresh checksums. */
static bool original_changed(const job *j)
{
    const char *path = j->file->path;
    if (!g_str_has_prefix(path, "originals/"))
        return false;
    const char *base = strrchr(path, '/') + 1;
    return strlen(base) >= 64 && strncmp(base, j->hex[DK_BAG_SHA256], 64) != 0;
}

static void place_one(gpointer data, gpointer user_data)
{
    job *j = data;
    const writer *w = user_data;
    if (dk_cancelled()) {
        j->rc = dk_error_set(&j->err, DK_ERR_CANCELLED, "stopped");
        return;
    }
    g_autofree char *src = g_build_filename(w->root, j->file->path, NULL);
    g_autofree char *dst =
        g_build_filename(w->partial, "data", j->file->path, NULL);
    j->rc =
        dk_bag_place(src, dst, w->may_link, j->hex, &j->size, &j->how, &j->err);
    if (j->rc == 0 && original_changed(j))
        j->rc = dk_error_set(&j->err, DK_ERR_INVALID,
                             "original changed since import: %s", src);
}

static int write_text(const char *dir, const char *name, const GString *text,
                      dk_error *err)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot create", path);
    bool written = write(fd, text->str, text->len) == (ssize_t)text->len;
    if (close(fd) != 0 || !written)
        return dk_error_errno(err, DK_ERR_IO, "cannot write", path);
    return 0;
}

static void manifest_line(GString *text, const char *hex, const char *path)
{
    g_autofree char *encoded = dk_bag_path_encode(path);
    g_string_append_printf(text, "%s  %s\n", hex, encoded);
}

static int write_payload_manifests(const writer *w, GPtrArray *files,
                                   dk_error *err)
{
    int rc = 0;
    for (int a = 0; a < DK_BAG_ALGORITHMS && rc == 0; a++) {
        GString *text = g_string_new(NULL);
        for (guint i = 0; i < files->len; i++) {
            g_autofree char *path =
                g_strconcat("data/", w->jobs[i].file->path, NULL);
            manifest_line(text, w->jobs[i].hex[a], path);
        }
        g_autofree char *name =
            g_strdup_printf("manifest-%s.txt", dk_bag_algorithms[a]);
        rc = write_text(w->partial, name, text, err);
        g_string_free(text, TRUE);
    }
    return rc;
}

static int write_bag_info(const writer *w, const dk_bag_options *options,
                          const dk_bag_stats *stats, dk_error *err)
{
    GString *text = g_string_new(NULL);
    dk_bag_info_add_events(text, w->root, options->event);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *today = g_date_time_format(now, "%Y-%m-%d");
    dk_bag_info_add(text, "Bagging-Date", today);
    g_autofree char *size = g_format_size(stats->bytes);
    dk_bag_info_add(text, "Bag-Size", size);
    g_autofree char *oxum = g_strdup_printf(
        "%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT, stats->bytes, stats->files);
    dk_bag_info_add(text, "Payload-Oxum", oxum);
    dk_bag_info_add(text, "Bag-Software-Agent", "dokpim " DK_VERSION);
    int rc = write_text(w->partial, "bag-info.txt", text, err);
    g_string_free(text, TRUE);
    return rc;
}

/* bagit.txt, then the tag manifests over every tag file written before */
static int write_tag_files(const writer *w, dk_error *err)
{
    GString *bagit = g_string_new("BagIt-Version: 1.0\n"
                                  "Tag-File-Character-Encoding: UTF-8\n");
    int rc = write_text(w->partial, "bagit.txt", bagit, err);
    g_string_free(bagit, TRUE);
    const char *tags[] = {"bagit.txt", "bag-info.txt", "manifest-sha512.txt",
                          "manifest-sha256.txt"};
    GString *text[DK_BAG_ALGORITHMS];
    for (int a = 0; a < DK_BAG_ALGORITHMS; a++)
        text[a] = g_string_new(NULL);
    for (size_t t = 0; t < G_N_ELEMENTS(tags) && rc == 0; t++) {
        g_autofree char *path = g_build_filename(w->partial, tags[t], NULL);
        int in = open(path, O_RDONLY | O_CLOEXEC);
        char hex[DK_BAG_ALGORITHMS][DK_BAG_HEX_MAX];
        rc = in < 0 ? dk_error_errno(err, DK_ERR_IO, "cannot read", path)
                    : dk_bag_digest_fd(in, -1, dk_bag_algorithms,
                                       DK_BAG_ALGORITHMS, hex, NULL, err);
        if (in >= 0)
            close(in);
        for (int a = 0; a < DK_BAG_ALGORITHMS && rc == 0; a++)
            manifest_line(text[a], hex[a], tags[t]);
    }
    for (int a = 0; a < DK_BAG_ALGORITHMS; a++) {
        g_autofree char *name =
            g_strdup_printf("tagmanifest-%s.txt", dk_bag_algorithms[a]);
        if (rc == 0)
            rc = write_text(w->partial, name, text[a], err);
        g_string_free(text[a], TRUE);
    }
    return rc;
}

static int make_folders(const char *partial, GHashTable *dirs, dk_error *err)
{
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, dirs);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        g_autofree char *path = g_build_filename(partial, "data", key, NULL);
        int rc = dk_mkdirs(path, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int place_all(writer *w, GPtrArray *files, int jobs, dk_bag_stats *stats,
                     dk_error *err)
{
    w->jobs = g_new0(job, files->len ? files->len : 1);
    GThreadPool *pool = g_thread_pool_new(
        place_one, w, jobs > 0 ? jobs : (int)g_get_num_processors(), TRUE,
        NULL);
    for (guint i = 0; i < files->len; i++) {
        w->jobs[i].file = files->pdata[i];
        g_thread_pool_push(pool, &w->jobs[i], NULL);
    }
    g_thread_pool_free(pool, FALSE, TRUE);
    for (guint i = 0; i < files->len; i++) {
        const job *j = &w->jobs[i];
        if (j->rc < 0) {
            *err = j->err;
            return j->rc;
        }
        stats->files++;
        stats->bytes += j->size;
        stats->linked += j->how == DK_BAG_LINKED;
        stats->reflinked += j->how == DK_BAG_REFLINKED;
        stats->copied += j->how == DK_BAG_COPIED;
    }
    return 0;
}

/* The partial folder, locked for as long as this process lives: a run
 * that finds it unlocked knows its builder is gone. */
static int make_partial(const char *out, char **partial, int *lock_fd,
                        dk_error *err)
{
    *partial = g_strconcat(out, PARTIAL_INFIX "XXXXXX", NULL);
    if (!g_mkdtemp_full(*partial, 0755))
        return dk_error_errno(err, DK_ERR_IO, "cannot create", *partial);
    *lock_fd = open(*partial, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX | LOCK_NB) != 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot lock", *partial);
    return 0;
}

/* Data first on disk (one syncfs for the whole bag rather than one flush
 * per file), then the name: a power cut never leaves OUT half written. */
static int finish(const char *partial, int lock_fd, const char *out,
                  const char *parent, dk_error *err)
{
    if (syncfs(lock_fd) != 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot flush", partial);
    if (renameat2(AT_FDCWD, partial, AT_FDCWD, out, RENAME_NOREPLACE) != 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot rename into", out);
    int dir = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        fsync(dir);
        close(dir);
    }
    return 0;
}

/* A shared hold on the library's lock: a bag of a library that a run is
 * writing would be of no moment in particular. Returns the descriptor,
 * -1 when there is no lock file to hold (a read-only copy of a library:
 * nobody writes there), or a negative error code below that. */
static int lock_library(const char *root, dk_error *err)
{
    g_autofree char *path = g_build_filename(root, ".lock", NULL);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
        close(fd);
        return dk_error_set(err, DK_ERR_EXISTS,
                            "library %s is in use by another dokpim process",
                            root);
    }
    return fd;
}

static bool same_file_system(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev;
}

int dk_bag_write(const char *root, const char *out,
                 const dk_bag_options *options, dk_bag_stats *stats,
                 dk_error *err)
{
    memset(stats, 0, sizeof *stats);
    struct stat st;
    g_autofree char *items = g_build_filename(root, "items", NULL);
    if (!g_file_test(items, G_FILE_TEST_IS_DIR))
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "%s is not a dokpim library (no items/ folder)",
                            root);
    if (lstat(out, &st) == 0)
        return dk_error_set(err, DK_ERR_EXISTS,
                            "%s exists already: a bag is never written over",
                            out);
    g_autofree char *parent = g_path_get_dirname(out);
    g_autofree char *base = g_path_get_basename(out);
    int rc = dk_mkdirs(parent, err);
    if (rc < 0)
        return rc;
    remove_stale_partials(parent, base);
    int library_lock = lock_library(root, err);
    if (library_lock < -1)
        return library_lock;
    GPtrArray *files = NULL;
    GHashTable *dirs = NULL;
    rc = dk_bag_payload_list(root, &files, &dirs, err);
    if (rc < 0) {
        if (library_lock >= 0)
            close(library_lock);
        return rc;
    }
    writer w = {root, NULL, !options->copy && same_file_system(root, parent),
                NULL};
    int lock_fd = -1;
    rc = check_space(parent, files, g_hash_table_size(dirs), w.may_link, err);
    if (rc == 0)
        rc = make_partial(out, &w.partial, &lock_fd, err);
    if (rc == 0)
        g_hash_table_add(dirs, g_strdup("")); /* data/ even when empty */
    if (rc == 0)
        rc = make_folders(w.partial, dirs, err);
    if (rc == 0)
        rc = place_all(&w, files, options->jobs, stats, err);
    if (rc == 0)
        rc = write_payload_manifests(&w, files, err);
    if (rc == 0)
        rc = write_bag_info(&w, options, stats, err);
    if (rc == 0)
        rc = write_tag_files(&w, err);
    if (rc == 0)
        rc = finish(w.partial, lock_fd, out, parent, err);
    if (rc < 0 && w.partial && g_file_test(w.partial, G_FILE_TEST_IS_DIR))
        remove_tree(w.partial);
    if (lock_fd >= 0)
        close(lock_fd);
    if (library_lock >= 0)
        close(library_lock);
    g_free(w.partial);
    g_free(w.jobs);
    g_ptr_array_free(files, TRUE);
    g_hash_table_destroy(dirs);
    return rc;
}
