/* dokpim forensics — what the print files (print_file.c) share with the
 * index, the tests and the fuzz harness. */
#ifndef PRINT_FILE_PRIVATE_H
#define PRINT_FILE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/forensics.h>

#include "dk_private_api.h"

/* True for 64 lower-case hex digits (what dk_hash_file writes): the only
 * names a print path is built from. */
DK_PRIVATE_API bool dk_sha256_valid(const char *sha256);
/* 64 hex digits <-> 32 bytes; hex_to_raw assumes dk_sha256_valid. */
void dk_sha256_to_raw(const char *hex, uint8_t raw[32]);
void dk_sha256_from_raw(const uint8_t raw[32], char hex[65]);

/* LIBRARY/prints/<aa>/<sha256>.dkfp (g_free), NULL and DK_ERR_INVALID
 * when sha256 is not 64 lower-case hex digits. */
DK_PRIVATE_API char *dk_print_path(const char *library, const char *sha256,
                                   dk_error *err);

/* The bytes of a print file (malloc'd into *out), DK_ERR_INVALID for a
 * print that could not be read back (non-finite times, flags other than
 * 0/1, counts without their stream). */
DK_PRIVATE_API int dk_print_encode(const dk_media_print *print, uint8_t **out,
                                   size_t *size, dk_error *err);
/* Parses the bytes of a print file into out (which the caller clears
 * with dk_media_print_clear). Outside data: DK_ERR_INVALID with a one-line
 * reason for anything but a whole, undamaged print of a known version. */
DK_PRIVATE_API int dk_print_parse(const void *data, size_t size,
                                  dk_media_print *out, dk_error *err);

#endif
