/* Which content each ingested source file had, so that a re-run over the
 * same card or folder does not read and hash gigabytes again.
 *
 * An entry is trusted only while the file's device, inode, size, mtime and
 * ctime are all unchanged. No tool can set a ctime back, so rewriting the
 * file in place always shows; a file changed within the same clock tick as
 * our read could not, which is why sources touched less than a second
 * before they were hashed are never recorded (git's "racy clean" rule).
 * Entries are a cache, never flushed: losing one costs a hash, nothing
 * more. */
#include "dk_internal.h"

#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SOURCE_CACHE_VERSION "dokpim-source 1"

/* root/sources/ab/<sha256 of the absolute source path> */
static char *entry_path(const char *root, const char *source)
{
    g_autofree char *absolute = g_canonicalize_filename(source, NULL);
    g_autofree char *key =
        g_compute_checksum_for_string(G_CHECKSUM_SHA256, absolute, -1);
    g_autofree char *prefix = g_strndup(key, 2);
    return g_build_filename(root, "sources", prefix, key, NULL);
}

char *dk_stat_identity(const struct stat *st)
{
    return g_strdup_printf("%" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64
                           ".%09ld %" PRId64 ".%09ld",
                           (uint64_t)st->st_dev, (uint64_t)st->st_ino,
                           (int64_t)st->st_size, (int64_t)st->st_mtim.tv_sec,
                           st->st_mtim.tv_nsec, (int64_t)st->st_ctim.tv_sec,
                           st->st_ctim.tv_nsec);
}

/* "dokpim-source 1 <identity> " then the 64-digit hash and a newline */
static char *entry_head(const struct stat *st)
{
    g_autofree char *identity = dk_stat_identity(st);
    return g_strdup_printf(SOURCE_CACHE_VERSION " %s ", identity);
}

bool dk_source_cache_lookup(const char *root, const char *source,
                            const struct stat *st, char hex[65])
{
    g_autofree char *path = entry_path(root, source);
    g_autofree char *text = NULL;
    gsize length = 0;
    if (!g_file_get_contents(path, &text, &length, NULL))
        return false;
    /* the entry must be what this file's stat would write, plus a hash */
    g_autofree char *head = entry_head(st);
    size_t prefix = strlen(head);
    if (length != prefix + 65 || strncmp(text, head, prefix) != 0 ||
        text[length - 1] != '\n')
        return false;
    const char *sum = text + prefix;
    for (int i = 0; i < 64; i++)
        if (!g_ascii_isxdigit(sum[i]) || g_ascii_isupper(sum[i]))
            return false;
    memcpy(hex, sum, 64);
    hex[64] = '\0';
    return true;
}

void dk_source_cache_store(const char *root, const char *source,
                           const struct stat *st, const char hex[65])
{
    gint64 now_us = g_get_real_time();
    gint64 changed_us = (gint64)st->st_ctim.tv_sec * G_USEC_PER_SEC +
                        st->st_ctim.tv_nsec / 1000;
    if (now_us - changed_us < G_USEC_PER_SEC)
        return;
    g_autofree char *path = entry_path(root, source);
    g_autofree char *dir = g_path_get_dirname(path);
    if (g_mkdir_with_parents(dir, 0755) != 0)
        return;
    g_autofree char *head = entry_head(st);
    g_autofree char *text = g_strconcat(head, hex, "\n", NULL);
    /* Written in place, unflushed: a torn entry fails the exact match in
     * lookup and only costs a hash. */
    g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_NONE, 0644,
                             NULL);
}
