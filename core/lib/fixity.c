/* Fixity at run time: a stage must never turn changed bytes into a
 * derivative that claims the original's sha256. Hashing every original
 * before every redo would double the reading of a large video, so the
 * stat recorded at import decides: an original nobody touched (same size,
 * mtime and ctime; no tool can set a ctime back) is trusted, any other is
 * hashed first. The window this leaves is a write in the same kernel
 * clock tick as our own chmod right after the import, which needs a
 * process racing dokpim on a read-only file; `dokpim audit` re-hashes
 * everything regardless. */
#include "fixity.h"

#include <string.h>
#include <sys/stat.h>

static bool same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int dk_fixity_check_original(dk_manifest *m, dk_item *item, dk_error *err)
{
    const char *path = item->original_path;
    if (!path || !item->sha256)
        return dk_error_set(err, DK_ERR_INTERNAL, "item has no original");
    struct stat before, after;
    if (stat(path, &before) != 0)
        return dk_error_errno(err, DK_ERR_IO, "original missing from library",
                              path);
    if (dk_manifest_original_unchanged(m, &before)) {
        item->original_verified = true;
        return 0;
    }
    char hex[65];
    int rc = dk_hash_file(path, hex, err);
    if (rc < 0)
        return rc;
    if (strcmp(hex, item->sha256) != 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "original changed since import: %s: expected "
                            "sha256 %s, found %s",
                            path, item->sha256, hex);
    /* a write while we hashed would make the recorded stat vouch for
     * bytes we never saw: then record nothing, and check again next time */
    if (stat(path, &after) == 0 && same_stat(&before, &after))
        dk_manifest_set_original_stat(m, &after);
    item->original_verified = true;
    return 0;
}
