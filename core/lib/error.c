#include "dk_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int dk_error_set(dk_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, args);
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
    vsnprintf(prefix, sizeof prefix, fmt, args);
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
    return dk_error_set(err, code, "%s %s: %s", what, path, g_strerror(saved));
}

const char *dk_strerror(int code)
{
    switch (code) {
    case DK_OK:
        return "success";
    case DK_ERR_INVALID:
        return "invalid input";
    case DK_ERR_IO:
        return "input/output error";
    case DK_ERR_CONFIG:
        return "configuration error";
    case DK_ERR_UNSUPPORTED:
        return "unsupported";
    case DK_ERR_NOMEM:
        return "out of memory";
    case DK_ERR_ABI:
        return "plugin ABI mismatch";
    case DK_ERR_NOT_FOUND:
        return "not found";
    case DK_ERR_CANCELLED:
        return "cancelled";
    case DK_ERR_NETWORK:
        return "network error";
    case DK_ERR_TIMEOUT:
        return "timed out";
    case DK_ERR_EXISTS:
        return "already exists";
    case DK_ERR_INTERNAL:
        return "internal error";
    default:
        return "unknown error";
    }
}
