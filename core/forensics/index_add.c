/* Changing the index: adding items as a new segment, merging segments
 * when there are many, rebuilding from the library's print files. One
 * writer at a time (flock on LIBRARY/prints/index/lock); readers take no
 * lock: segments are immutable, appear by rename and are removed only
 * after the segment that replaces them is in place. */
#include "index_private.h"
#include "print_file_private.h"

#include <dokpim/fileio.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* A rebuild writes a segment per this many audio frames of prints (about
 * 220 h, 1.1 GB of prints in memory) and merges them at the end. */
#define REBUILD_BATCH_FRAMES (50u * 1000 * 1000)

const dk_index_tuning DK_INDEX_TUNING_DEFAULT = {
    .stride = INDEX_DEFAULT_STRIDE,
    .bit_flips = true,
    /* 3x the minimum: a faithful 60 s re-encode gives ~55 exact votes */
    .exact_enough = 24,
    .max_key_hits = 256,
};

static int lock_index(const char *dir, int *fd, dk_error *err)
{
    if (g_mkdir_with_parents(dir, 0755) != 0)
        return dk_error_set(err, DK_ERR_IO, "cannot create %s: %s", dir,
                            g_strerror(errno));
    g_autofree char *path = g_build_filename(dir, "lock", NULL);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0)
        return dk_error_set(err, DK_ERR_IO, "cannot open %s: %s", path,
                            g_strerror(errno));
    while (flock(*fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        int e = errno;
        close(*fd);
        return dk_error_set(err, DK_ERR_IO, "cannot lock %s: %s", path,
                            g_strerror(e));
    }
    return 0;
}

static void unlock_index(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

static uint64_t next_generation(const dk_print_index *ix)
{
    return ix->n_segments ? ix->segments[0].generation + 1 : 1;
}

static char *segment_path(const char *dir, uint64_t generation)
{
    g_autofree char *name =
        g_strdup_printf("seg-%010llu.dkix", (unsigned long long)generation);
    return g_build_filename(dir, name, NULL);
}

/* Removes every segment of ix older than `keep` (a generation): they are
 * all in the one that replaces them. A failed unlink only leaves a copy
 * the readers ignore. */
static void remove_older(const dk_print_index *ix, uint64_t keep)
{
    for (size_t i = 0; i < ix->n_segments; i++)
        if (ix->segments[i].generation < keep)
            g_unlink(ix->segments[i].path);
}

/* One segment with the live items of every segment of ix, then the old
 * ones removed. */
static int merge_all(const char *library, unsigned stride, dk_error *err)
{
    dk_print_index *ix;
    int rc = dk_print_index_open(library, &ix, err);
    if (rc)
        return rc;
    index_writer *w = index_writer_new(stride);
    for (size_t i = ix->n_segments; i-- > 0;)
        index_writer_add_segment(w, &ix->segments[i].seg, ix->segments[i].live);
    uint64_t generation = next_generation(ix);
    g_autofree char *path = segment_path(ix->dir, generation);
    rc = index_writer_write(w, path, err);
    index_writer_free(w);
    if (!rc)
        remove_older(ix, generation);
    dk_print_index_close(ix);
    return rc;
}

static int add_locked(const char *library, const char *const *sha256, size_t n,
                      unsigned stride, dk_error *err)
{
    dk_print_index *ix;
    int rc = dk_print_index_open(library, &ix, err);
    if (rc)
        return rc;
    GHashTable *wanted = g_hash_table_new(g_str_hash, g_str_equal);
    dk_media_print *prints = g_new0(dk_media_print, n ? n : 1);
    index_writer *w = index_writer_new(stride);
    size_t segment;
    uint32_t item;
    for (size_t i = 0; i < n && !rc; i++) {
        if (index_find(ix, sha256[i], &segment, &item) ||
            g_hash_table_contains(wanted, sha256[i]))
            continue; /* already indexed: adding again changes nothing */
        g_hash_table_add(wanted, (gpointer)sha256[i]);
        rc = dk_print_load(library, sha256[i], &prints[i], err);
        if (!rc)
            index_writer_add_print(w, sha256[i], &prints[i]);
    }
    size_t segments = ix->n_segments;
    if (!rc && index_writer_items(w)) {
        g_autofree char *path = segment_path(ix->dir, next_generation(ix));
        rc = index_writer_write(w, path, err);
        segments++;
    }
    index_writer_free(w);
    for (size_t i = 0; i < n; i++)
        dk_media_print_clear(&prints[i]);
    g_free(prints);
    g_hash_table_destroy(wanted);
    dk_print_index_close(ix);
    if (!rc && segments > INDEX_MAX_SEGMENTS)
        rc = merge_all(library, stride, err);
    return rc;
}

int dk_print_index_add_tuned(const char *library, const char *const *sha256,
                             size_t n, const dk_index_tuning *tuning,
                             dk_error *err)
{
    if (!library || (n && !sha256))
        return dk_error_set(err, DK_ERR_INVALID, "no library or items");
    for (size_t i = 0; i < n; i++)
        if (!dk_sha256_valid(sha256[i]))
            return dk_error_set(err, DK_ERR_INVALID,
                                "not a sha256 (64 lower-case hex digits): "
                                "%.80s",
                                sha256[i] ? sha256[i] : "(null)");
    g_autofree char *dir = index_dir(library);
    int fd = -1;
    int rc = lock_index(dir, &fd, err);
    if (rc)
        return rc;
    rc = add_locked(library, sha256, n, tuning ? tuning->stride : 0, err);
    unlock_index(fd);
    return rc;
}

int dk_print_index_add(const char *library, const char *const *sha256, size_t n,
                       dk_error *err)
{
    return dk_print_index_add_tuned(library, sha256, n,
                                    &DK_INDEX_TUNING_DEFAULT, err);
}

/* ---- rebuild ---- */

/* g_ptr_array_sort passes pointers to the elements. */
static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sha256 of every LIBRARY/prints/<aa>/<sha256>.dkfp, sorted. */
static GPtrArray *list_prints(const char *library)
{
    GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *root = g_build_filename(library, "prints", NULL);
    GDir *top = g_dir_open(root, 0, NULL);
    if (!top)
        return found;
    const char *aa;
    while ((aa = g_dir_read_name(top))) {
        if (strlen(aa) != 2 || !g_ascii_isxdigit(aa[0]) ||
            !g_ascii_isxdigit(aa[1]))
            continue;
        g_autofree char *sub = g_build_filename(root, aa, NULL);
        GDir *d = g_dir_open(sub, 0, NULL);
        if (!d)
            continue;
        const char *name;
        while ((name = g_dir_read_name(d))) {
            if (strlen(name) != 69 || strcmp(name + 64, ".dkfp") != 0 ||
                strncmp(name, aa, 2) != 0)
                continue;
            char *sha = g_strndup(name, 64);
            if (dk_sha256_valid(sha))
                g_ptr_array_add(found, sha);
            else
                g_free(sha);
        }
        g_dir_close(d);
    }
    g_dir_close(top);
    g_ptr_array_sort(found, compare_names);
    return found;
}

/* Loads prints from shas[*next] on until the batch is full and writes
 * them as the segment at path; damaged prints go to warn and are left
 * out. *next moves past the prints it read. */
static int write_batch(const char *library, const GPtrArray *shas, guint *next,
                       const char *path, unsigned stride,
                       dk_print_warning_fn warn, void *warn_data,
                       size_t *written, dk_error *err)
{
    GArray *prints = g_array_new(FALSE, TRUE, sizeof(dk_media_print));
    GPtrArray *names = g_ptr_array_new();
    uint64_t frames = 0;
    guint i = *next;
    int rc = 0;
    for (; i < shas->len && frames < REBUILD_BATCH_FRAMES; i++) {
        dk_media_print p;
        dk_error perr = {0};
        int prc = dk_print_load(library, shas->pdata[i], &p, &perr);
        if (prc == DK_ERR_NOMEM) {
            rc = dk_error_set(err, prc, "%s", perr.message);
            break;
        }
        if (prc) {
            if (warn)
                warn(warn_data, perr.message);
            continue;
        }
        g_array_append_val(prints, p);
        g_ptr_array_add(names, shas->pdata[i]);
        frames += p.audio.count + p.picture.count;
    }
    *next = i;
    *written = prints->len;
    if (!rc && prints->len) {
        /* pointers into the array only once it has stopped growing */
        index_writer *w = index_writer_new(stride);
        for (guint k = 0; k < prints->len; k++)
            index_writer_add_print(w, names->pdata[k],
                                   &g_array_index(prints, dk_media_print, k));
        rc = index_writer_write(w, path, err);
        index_writer_free(w);
    }
    for (guint k = 0; k < prints->len; k++)
        dk_media_print_clear(&g_array_index(prints, dk_media_print, k));
    g_array_free(prints, TRUE);
    g_ptr_array_free(names, TRUE);
    return rc;
}

/* The generations of the segments in dir and its newest; stray temp
 * files of interrupted writers are removed (the caller holds the lock). */
static GArray *list_segments(const char *dir, uint64_t *newest)
{
    GArray *found = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    *newest = 0;
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return found;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        uint64_t g;
        if (index_segment_name(name, &g)) {
            g_array_append_val(found, g);
            if (g > *newest)
                *newest = g;
        } else if (dk_is_temp_name(name)) {
            g_autofree char *path = g_build_filename(dir, name, NULL);
            g_unlink(path);
        }
    }
    g_dir_close(d);
    return found;
}

static int rebuild_locked(const char *library, const char *dir,
                          dk_print_warning_fn warn, void *warn_data,
                          dk_error *err)
{
    uint64_t newest;
    GArray *old = list_segments(dir, &newest);
    GPtrArray *shas = list_prints(library);
    uint64_t generation = newest + 1;
    guint next = 0;
    size_t batches = 0;
    int rc = 0;
    while (!rc && next < shas->len) {
        g_autofree char *path = segment_path(dir, generation);
        size_t written = 0;
        rc = write_batch(library, shas, &next, path, INDEX_DEFAULT_STRIDE, warn,
                         warn_data, &written, err);
        if (!rc && written) {
            generation++;
            batches++;
        }
    }
    /* the new segments hold every readable print: the old ones go, and
     * with them items whose print is gone */
    for (guint i = 0; !rc && i < old->len; i++) {
        g_autofree char *path =
            segment_path(dir, g_array_index(old, uint64_t, i));
        g_unlink(path);
    }
    if (!rc && batches > 1)
        rc = merge_all(library, INDEX_DEFAULT_STRIDE, err);
    g_array_free(old, TRUE);
    g_ptr_array_free(shas, TRUE);
    return rc;
}

int dk_print_index_rebuild(const char *library, dk_print_warning_fn warn,
                           void *warn_data, dk_error *err)
{
    if (!library)
        return dk_error_set(err, DK_ERR_INVALID, "no library folder");
    g_autofree char *dir = index_dir(library);
    int fd = -1;
    int rc = lock_index(dir, &fd, err);
    if (rc)
        return rc;
    rc = rebuild_locked(library, dir, warn, warn_data, err);
    unlock_index(fd);
    return rc;
}
