/* The one permission check for files that hold secrets: `dokpim check`
 * and `run` (options flagged DK_OPTION_PRIVATE_FILE) and the queue worker
 * (OAuth credentials, netrc, SSH keys) refuse the same files with the
 * same words. */
#include "dk_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int dk_check_private_file(const char *path, dk_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dk_error_set(err, DK_ERR_CONFIG, "%s: %s", path,
                            g_strerror(errno));
    if (!S_ISREG(st.st_mode))
        return dk_error_set(err, DK_ERR_CONFIG, "%s is not a regular file",
                            path);
    if (st.st_mode & 077)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "%s may be read by others (mode %04o); run: "
                            "chmod 600 %s",
                            path, (unsigned)(st.st_mode & 07777), path);
    return 0;
}
