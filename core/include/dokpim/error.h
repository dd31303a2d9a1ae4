/* dokpim — error convention shared by the core and every plugin.
 *
 * Functions return 0 on success or a negative DK_ERR_* code; the human
 * detail goes into a caller-owned dk_error (curl-style error buffer), so
 * nothing here allocates on the error path and nothing ever prints. */
#ifndef DOKPIM_ERROR_H
#define DOKPIM_ERROR_H

#include <stddef.h>

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    DK_OK = 0,
    DK_ERR_INVALID = -1,     /* the input file or value is malformed */
    DK_ERR_IO = -2,          /* reading or writing a file failed */
    DK_ERR_CONFIG = -3,      /* pipeline, event or option is wrong */
    DK_ERR_UNSUPPORTED = -4, /* well-formed, but not something we handle */
    DK_ERR_NOMEM = -5,
    DK_ERR_ABI = -6, /* plugin built against another ABI */
    DK_ERR_NOT_FOUND = -7,
    DK_ERR_CANCELLED = -8, /* the user asked us to stop */
    DK_ERR_NETWORK = -9,
    DK_ERR_TIMEOUT = -10,
    DK_ERR_EXISTS = -11,
    DK_ERR_INTERNAL = -12, /* a bug: a plugin broke the contract */
};

#define DK_ERROR_MESSAGE_MAX 1024

typedef struct dk_error {
    int code;
    char message[DK_ERROR_MESSAGE_MAX];
} dk_error;

/* Records code and a printf-style message in err (which may be NULL) and
 * returns code, so callers can write `return dk_error_set(err, ...)`. */
DK_API int dk_error_set(dk_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with more context ("stamp: " + message). */
DK_API int dk_error_prefix(dk_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

DK_API void dk_error_clear(dk_error *err);

/* Static text for a code; never NULL. */
DK_API const char *dk_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
