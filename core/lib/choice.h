/* Private: a crew's per-photo choices (rating, pick/reject, caption, the
 * people shown), one key file per item under LIBRARY/choices/. Written by
 * the core only (the CLI, the server), read by the runner into the item's
 * meta as choice.* for the stages. See choice.c. */
#ifndef DK_CHOICE_H
#define DK_CHOICE_H

#include <stdbool.h>

#include <dokpim/error.h>

#include "dk_private_api.h"

typedef enum dk_choice_label {
    DK_LABEL_NONE = 0,
    DK_LABEL_PICK,
    DK_LABEL_REJECT
} dk_choice_label;

typedef struct dk_choice {
    int rating; /* 0 unrated, 1..5 stars */
    dk_choice_label label;
    char *caption;  /* NULL: none */
    char **persons; /* NULL-terminated, NULL: none */
} dk_choice;

/* Frees caption and persons and zeroes c (NULL is fine). */
DK_PRIVATE_API void dk_choice_clear(dk_choice *c);
/* 0 and an empty choice when the item has none; <0 on a damaged file (the
 * message names it). out is the caller's to dk_choice_clear(). */
DK_PRIVATE_API int dk_choice_read(const char *library, const char *sha256,
                                  dk_choice *out, dk_error *err);
/* Writes the record atomically (temp + rename), with `updated` set to now.
 * An empty choice removes the record. Refuses a rating outside 0..5, an
 * unknown label, text that is not UTF-8, or a sha256 that is not 64 hex
 * digits (DK_ERR_INVALID), before touching anything. */
DK_PRIVATE_API int dk_choice_write(const char *library, const char *sha256,
                                   const dk_choice *c, dk_error *err);
/* "pick", "reject", or NULL for DK_LABEL_NONE. */
DK_PRIVATE_API const char *dk_choice_label_name(dk_choice_label l);
/* Parses "pick"/"reject" (case-insensitive): 0, or DK_ERR_INVALID. */
DK_PRIVATE_API int dk_choice_label_parse(const char *name,
                                         dk_choice_label *out);
/* True when the choice says nothing (unrated, unlabelled, no caption, no
 * persons): the same as no record. */
DK_PRIVATE_API bool dk_choice_is_empty(const dk_choice *c);
/* A sha256 (hex) over the fields that change outputs (not `updated`), or
 * NULL for an empty choice: what the stage fingerprints chain in. g_free. */
DK_PRIVATE_API char *dk_choice_digest(const dk_choice *c);
/* The record's path (g_free), or NULL for a malformed sha256. */
DK_PRIVATE_API char *dk_choice_path(const char *library, const char *sha256);

#endif
