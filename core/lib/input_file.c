/* What an input path names, in words a crew understands, found without
 * opening it: opening a FIFO or a tape device would block the run. */
#include "dk_internal.h"

#include <errno.h>
#include <unistd.h>

/* Why lstat() or stat() failed, for a path given as an input. */
static int explain_errno(int saved, bool through_symlink, dk_error *err)
{
    switch (saved) {
    case ENOENT:
        return through_symlink
                   ? dk_error_set(err, DK_ERR_NOT_FOUND,
                                  "dangling symlink (its target does not "
                                  "exist)")
                   : dk_error_set(err, DK_ERR_NOT_FOUND,
                                  "no such file or folder");
    case ELOOP:
        return dk_error_set(err, DK_ERR_IO,
                            "symlink loop (too many levels of symbolic "
                            "links)");
    case EACCES:
        return dk_error_set(err, DK_ERR_IO, "permission denied");
    case ENOTDIR:
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "no such file (a part of the path is not a "
                            "folder)");
    case ENAMETOOLONG:
        return dk_error_set(err, DK_ERR_INVALID, "file name too long");
    default:
        return dk_error_set(err, DK_ERR_IO, "cannot be read: %s",
                            g_strerror(saved));
    }
}

static const char *not_a_file(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "is a FIFO (named pipe), not a file";
    if (S_ISCHR(mode))
        return "is a character device, not a file";
    if (S_ISBLK(mode))
        return "is a block device, not a file";
    if (S_ISSOCK(mode))
        return "is a socket, not a file";
    return "is not a regular file";
}

int dk_input_file_check(const char *path, struct stat *st, dk_error *err)
{
    struct stat own;
    if (!st)
        st = &own;
    if (lstat(path, st) != 0)
        return explain_errno(errno, false, err);
    bool symlink = S_ISLNK(st->st_mode);
    if (symlink && stat(path, st) != 0)
        return explain_errno(errno, true, err);
    if (S_ISDIR(st->st_mode))
        return access(path, R_OK | X_OK) == 0
                   ? dk_error_set(err, DK_ERR_UNSUPPORTED, "is a folder")
                   : dk_error_set(err, DK_ERR_IO,
                                  "is a folder that cannot be read: "
                                  "permission denied");
    if (!S_ISREG(st->st_mode))
        return dk_error_set(err, DK_ERR_UNSUPPORTED, "%s",
                            not_a_file(st->st_mode));
    if (access(path, R_OK) != 0)
        return explain_errno(errno, false, err);
    return 0;
}
