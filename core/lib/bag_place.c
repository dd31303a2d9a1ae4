/* Putting one library file into a bag, cheapest first: a hard link (no
 * bytes written; safe because the library never rewrites a file in place:
 * originals are never modified and outputs are replaced by rename, which
 * leaves the bag's link on the old bytes), else a reflink (FICLONE: shared
 * blocks, copy-on-write, on Btrfs and XFS), else a copy. Whichever it is,
 * the file is read once, for both checksums (and the copy). */
#include "bag.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int hash_only(const char *path, char (*hex)[DK_BAG_HEX_MAX],
                     guint64 *size, dk_error *err)
{
    int in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot read", path);
    int rc = dk_bag_digest_fd(in, -1, dk_bag_algorithms, DK_BAG_ALGORITHMS, hex,
                              size, err);
    close(in);
    if (rc < 0)
        dk_error_prefix(err, "%s: ", path);
    return rc;
}

static int copy(const char *src, const char *dst, char (*hex)[DK_BAG_HEX_MAX],
                guint64 *size, dk_bag_placement *how, dk_error *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot read", src);
    struct stat st;
    int out = -1;
    if (fstat(in, &st) == 0)
        out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                   st.st_mode & 0777);
    if (out < 0) {
        int rc = dk_error_errno(err, DK_ERR_IO, "cannot create", dst);
        close(in);
        return rc;
    }
    int rc;
    if (ioctl(out, FICLONE, in) == 0) {
        *how = DK_BAG_REFLINKED;
        rc = dk_bag_digest_fd(in, -1, dk_bag_algorithms, DK_BAG_ALGORITHMS, hex,
                              size, err);
    } else {
        *how = DK_BAG_COPIED;
        rc = dk_bag_digest_fd(in, out, dk_bag_algorithms, DK_BAG_ALGORITHMS,
                              hex, size, err);
    }
    /* an archive keeps the files' times: they are part of the record */
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    futimens(out, times);
    if (close(out) != 0 && rc == 0)
        rc = dk_error_errno(err, DK_ERR_IO, "cannot write", dst);
    else if (rc < 0)
        dk_error_prefix(err, "%s: ", src);
    close(in);
    return rc;
}

int dk_bag_place(const char *src, const char *dst, bool may_link,
                 char (*hex)[DK_BAG_HEX_MAX], guint64 *size,
                 dk_bag_placement *how, dk_error *err)
{
    /* EXDEV (another file system), EPERM (protected_hardlinks, a file
     * someone else owns) and the rest: a copy always works instead */
    if (may_link && link(src, dst) == 0) {
        *how = DK_BAG_LINKED;
        return hash_only(dst, hex, size, err);
    }
    return copy(src, dst, hex, size, how, err);
}
