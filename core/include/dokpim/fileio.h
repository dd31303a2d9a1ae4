/* dokpim — the file policies every plugin shares: write to a temporary name
 * and rename into place, hash content, keep paths inside their folder. */
#ifndef DOKPIM_FILEIO_H
#define DOKPIM_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An output being written. Until dk_atomic_commit() the final path is
 * untouched: a crash leaves the old file (or none) plus a stray temp file
 * with the ".dk-tmp-" infix, which the library sweeps on the next run. */
typedef struct dk_atomic dk_atomic;

/* Creates the temp file beside final_path (creating parent folders). */
DK_API int dk_atomic_open(const char *final_path, dk_atomic **out,
                          dk_error *err);
/* The temp file's path, for libraries that want to open it by name. */
DK_API const char *dk_atomic_temp_path(const dk_atomic *file);
/* A stdio stream on the temp file, owned by the dk_atomic. */
DK_API FILE *dk_atomic_stream(dk_atomic *file);
/* fsync, rename over final_path, fsync the folder; frees *file. */
DK_API int dk_atomic_commit(dk_atomic **file, dk_error *err);
/* Removes the temp file and frees *file; accepts NULL. */
DK_API void dk_atomic_abort(dk_atomic **file);

/* Writes a whole buffer through dk_atomic_*. */
DK_API int dk_atomic_write_file(const char *final_path, const void *data,
                                size_t size, dk_error *err);

/* Streams a copy of src to final_path through dk_atomic_*, in bounded
 * memory whatever the file's size. */
DK_API int dk_atomic_copy_file(const char *src, const char *final_path,
                               dk_error *err);

/* Lower-case hex sha256 of a file into hex[65]. */
DK_API int dk_hash_file(const char *path, char hex[65], dk_error *err);

/* Files that hold secrets (OAuth tokens, logins, private keys) must be
 * their owner's alone: 0 for a regular file no one else may read or write
 * (mode 0600 or stricter), else DK_ERR_CONFIG with one line naming the
 * file and the fix (chmod 600). */
DK_API int dk_check_private_file(const char *path, dk_error *err);

/* True for names the atomic writer uses for its temp files. */
DK_API bool dk_is_temp_name(const char *name);

/* Turns an expanded path template into a safe relative path: rejects
 * absolute paths and ".." components, drops control characters, replaces
 * characters that break FAT/SMB shares, and shortens (at a UTF-8 character
 * boundary, keeping the extension) any name too long to be stored with
 * dokpim's temporary and numbering suffixes within NAME_MAX.
 * *out is the caller's to g_free(). */
DK_API int dk_path_sanitize(const char *relative, char **out, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
