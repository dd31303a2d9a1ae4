#include "dk_i18n.h"
#include "dk_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A message is translated where it is made, format and all, so each
 * language puts the arguments where its grammar wants them and the plugins
 * need no call of their own: xgettext takes the formats of dk_error_set,
 * dk_error_prefix and dk_error_errno as msgids (po/CMakeLists.txt). A format
 * the catalogue lacks (an out-of-tree plugin's) stays as written. */
int dk_error_set(dk_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err->message, sizeof err->message, dk_i18n_format(fmt), args);
        va_end(args);
        err->code = code;
    }
    return code;
}

int dk_error_prefix(dk_error *err, const char *fmt, ...)
{
    if (!err)
        return DK_ERR_INTERNAL;
    char prefix[DK_ERROR_MESSAGE_MAX];
    va_list args;
    va_start(args, fmt);
    vsnprintf(prefix, sizeof prefix, dk_i18n_format(fmt), args);
    va_end(args);
    /* truncation is fine: the start of a message says the most */
    size_t used = strlen(prefix);
    if (used > sizeof err->message - 1)
        used = sizeof err->message - 1;
    size_t rest = strlen(err->message);
    if (used + rest >= sizeof err->message)
        rest = sizeof err->message - 1 - used;
    memmove(err->message + used, err->message, rest);
    memcpy(err->message, prefix, used);
    err->message[used + rest] = '\0';
    return err->code;
}

void dk_error_clear(dk_error *err)
{
    if (err) {
        err->code = 0;
        err->message[0] = '\0';
    }
}

int dk_error_errno(dk_error *err, int code, const char *what, const char *path)
{
    int saved = errno;
    /* TRANSLATORS: "cannot open" "/path/file": "No such file or directory" */
    return dk_error_set(err, code, "%s %s: %s", dk_i18n_format(what), path,
                        g_strerror(saved));
}

const char *dk_strerror(int code)
{
    switch (code) {
    case DK_OK:
        return _("success");
    case DK_ERR_INVALID:
        return _("invalid input");
    case DK_ERR_IO:
        return _("input/output error");
    case DK_ERR_CONFIG:
        return _("configuration error");
    case DK_ERR_UNSUPPORTED:
        return _("unsupported");
    case DK_ERR_NOMEM:
        return _("out of memory");
    case DK_ERR_ABI:
        return _("plugin ABI mismatch");
    case DK_ERR_NOT_FOUND:
        return _("not found");
    case DK_ERR_CANCELLED:
        return _("cancelled");
    case DK_ERR_NETWORK:
        return _("network error");
    case DK_ERR_TIMEOUT:
        return _("timed out");
    case DK_ERR_EXISTS:
        return _("already exists");
    case DK_ERR_INTERNAL:
        return _("internal error");
    default:
        return _("unknown error");
    }
}
