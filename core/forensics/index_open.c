/* Opening the library's index: every segment mapped read-only and
 * checked, items that a newer segment also holds marked dead (a merge
 * interrupted before it removed the old segments leaves such copies). */
#include "index_private.h"
#include "print_file_private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A writer that merges between our listing and our open removes the
 * segments we listed: list again, this many times. */
#define OPEN_ATTEMPTS 5

char *index_dir(const char *library)
{
    return g_build_filename(library, "prints", "index", NULL);
}

bool index_segment_name(const char *name, uint64_t *n)
{
    if (strncmp(name, "seg-", 4) != 0)
        return false;
    const char *p = name + 4;
    uint64_t v = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits == 19)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (digits == 0 || strcmp(p, ".dkix") != 0)
        return false;
    *n = v;
    return true;
}

static int newest_first(const void *a, const void *b)
{
    const index_mapped *x = a, *y = b;
    return x->generation < y->generation   ? 1
           : x->generation > y->generation ? -1
                                           : 0;
}

static void unmap_all(dk_print_index *ix)
{
    for (size_t i = 0; i < ix->n_segments; i++) {
        index_mapped *m = &ix->segments[i];
        if (m->data)
            munmap((void *)m->data, m->size);
        g_free(m->path);
        g_free(m->live);
    }
    g_free(ix->segments);
    ix->segments = NULL;
    ix->n_segments = 0;
}

/* Maps and checks one segment. ENOENT is reported as DK_ERR_NOT_FOUND
 * (a merge removed it: list again). */
static int map_segment(index_mapped *m, dk_error *err)
{
    int fd = open(m->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return dk_error_set(err, errno == ENOENT ? DK_ERR_NOT_FOUND : DK_ERR_IO,
                            "%s: cannot open: %s", m->path, g_strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = dk_error_set(err, DK_ERR_IO, "%s: not a regular file", m->path);
    } else if (st.st_size == 0) {
        rc = dk_error_set(err, DK_ERR_INVALID, "%s: empty", m->path);
    } else {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            rc = dk_error_set(err, DK_ERR_IO, "%s: cannot map: %s", m->path,
                              g_strerror(errno));
        } else {
            m->data = p;
            m->size = (size_t)st.st_size;
            rc = dk_index_segment_parse(m->data, m->size, &m->seg, err);
        }
    }
    close(fd);
    if (rc == DK_ERR_INVALID) {
        char reason[DK_ERROR_MESSAGE_MAX];
        g_strlcpy(reason, err ? err->message : "", sizeof reason);
        dk_error_set(err, rc, "%s: %s; run dokpim locate --reindex", m->path,
                     reason);
    }
    return rc;
}

static int list_and_map(dk_print_index *ix, dk_error *err)
{
    GError *gerr = NULL;
    GDir *dir = g_dir_open(ix->dir, 0, &gerr);
    if (!dir) {
        bool missing = g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        int rc = missing ? 0
                         : dk_error_set(err, DK_ERR_IO, "%s: %s", ix->dir,
                                        gerr->message);
        g_error_free(gerr);
        return rc; /* no index folder yet: an empty index */
    }
    GArray *found = g_array_new(FALSE, TRUE, sizeof(index_mapped));
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        index_mapped m = {0};
        if (!index_segment_name(name, &m.generation))
            continue;
        m.path = g_build_filename(ix->dir, name, NULL);
        g_array_append_val(found, m);
    }
    g_dir_close(dir);
    if (found->len)
        qsort(found->data, found->len, sizeof(index_mapped), newest_first);
    ix->n_segments = found->len;
    ix->segments = (index_mapped *)(void *)g_array_free(found, FALSE);
    for (size_t i = 0; i < ix->n_segments; i++) {
        int rc = map_segment(&ix->segments[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Newest copy of each sha256 wins; the rest are dead. */
static void mark_live(dk_print_index *ix)
{
    GHashTable *by_sha = ix->by_sha;
    uint32_t base = 0;
    for (size_t s = 0; s < ix->n_segments; s++) {
        index_mapped *m = &ix->segments[s];
        m->base = base;
        m->live = g_malloc0(m->seg.n_items + 1);
        for (uint32_t i = 0; i < m->seg.n_items; i++) {
            index_item it;
            index_segment_item(&m->seg, i, &it);
            char hex[65];
            dk_sha256_from_raw(it.sha, hex);
            if (g_hash_table_contains(by_sha, hex))
                continue;
            m->live[i] = 1;
            ix->live_items++;
            g_hash_table_insert(by_sha, g_strdup(hex),
                                GSIZE_TO_POINTER(((gsize)s << 32 | i) + 1));
        }
        base += m->seg.n_items;
    }
    ix->total_items = base;
}

int dk_print_index_open(const char *library, dk_print_index **out,
                        dk_error *err)
{
    *out = NULL;
    if (!library)
        return dk_error_set(err, DK_ERR_INVALID, "no library folder");
    dk_print_index *ix = g_new0(dk_print_index, 1);
    ix->library = g_strdup(library);
    ix->dir = index_dir(library);
    int rc = DK_ERR_NOT_FOUND;
    for (int attempt = 0; attempt < OPEN_ATTEMPTS && rc == DK_ERR_NOT_FOUND;
         attempt++) {
        unmap_all(ix);
        rc = list_and_map(ix, err);
    }
    if (rc) {
        dk_print_index_close(ix);
        return rc;
    }
    ix->by_sha = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    mark_live(ix);
    *out = ix;
    return 0;
}

void dk_print_index_close(dk_print_index *ix)
{
    if (!ix)
        return;
    unmap_all(ix);
    if (ix->by_sha)
        g_hash_table_destroy(ix->by_sha);
    g_free(ix->library);
    g_free(ix->dir);
    g_free(ix);
}

bool index_find(const dk_print_index *ix, const char *sha256, size_t *segment,
                uint32_t *item)
{
    gpointer v = g_hash_table_lookup(ix->by_sha, sha256);
    if (!v)
        return false;
    gsize packed = GPOINTER_TO_SIZE(v) - 1;
    *segment = packed >> 32;
    *item = (uint32_t)packed;
    return true;
}

int dk_print_index_load(dk_print_index *ix, const char *sha256,
                        dk_media_print *out, dk_error *err)
{
    return dk_print_load(ix->library, sha256, out, err);
}

void dk_print_index_stats(const dk_print_index *ix, size_t *items,
                          uint64_t *entries, uint64_t *bytes)
{
    uint64_t e = 0, b = 0;
    for (size_t i = 0; i < ix->n_segments; i++) {
        e += ix->segments[i].seg.n_audio_entries +
             ix->segments[i].seg.n_picture_entries;
        b += ix->segments[i].size;
    }
    if (items)
        *items = ix->live_items;
    if (entries)
        *entries = e;
    if (bytes)
        *bytes = b;
}
