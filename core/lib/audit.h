/* Private: `dokpim audit`, re-hashing a whole library. See audit.c. */
#ifndef DK_AUDIT_H
#define DK_AUDIT_H

#include "dk_internal.h"

typedef enum {
    DK_AUDIT_INTACT = 0,
    DK_AUDIT_CHANGED,    /* bytes differ from the recorded sha256 */
    DK_AUDIT_MISSING,    /* recorded, but not there */
    DK_AUDIT_UNREADABLE, /* there, but could not be read */
} dk_audit_problem;

typedef struct dk_audit_file {
    char *path;     /* absolute */
    char *item;     /* sha256 of the item it belongs to */
    char *stage;    /* derivatives: the stage that wrote it */
    char *role;     /* derivatives: its role; NULL for an original */
    bool original;  /* a file of originals/ (or a manifest's original) */
    char *expected; /* recorded sha256; NULL: none, only checked to exist */
    int64_t expected_size; /* -1: not recorded */
    /* derivatives a later stage rewrote in place (signing): the sha256 the
     * earlier stage recorded, which a copy stripped of the addition still
     * matches; NULL when none */
    char *earlier;
    int64_t size;   /* what is there; -1 when missing */
    char found[65]; /* "" when not hashed */
    dk_audit_problem problem;
    char *error; /* why it could not be read */
} dk_audit_file;

typedef struct dk_audit {
    char *root;
    GPtrArray *files; /* dk_audit_file, sorted by path */
    int originals, derivatives;
    int unhashed; /* derivatives recorded without a sha256 (old manifests) */
    int problems;
    int64_t bytes; /* hashed */
    double seconds;
    bool cancelled; /* dk_cancelled() stopped it: files were left unchecked */
} dk_audit;

/* Re-hashes every original of the library (its name is its sha256) and
 * every derivative an item manifest records with a sha256, on jobs
 * threads, largest files first; a derivative recorded without one is only
 * checked to exist. Returns 0 when the audit ran (problems are in the
 * result), or an error when root is no library or a run holds it. */
DK_PRIVATE_API int dk_audit_library(const char *root, int jobs, dk_audit **out,
                                    dk_error *err);
/* The same list without hashing (found[] stays ""): what `dokpim verify`
 * looks a file's sha256 up in. */
DK_PRIVATE_API int dk_audit_list(const char *root, dk_audit **out,
                                 dk_error *err);
DK_PRIVATE_API void dk_audit_free(dk_audit **audit);
/* "intact", "changed", "missing", "unreadable" */
DK_PRIVATE_API const char *dk_audit_problem_name(dk_audit_problem problem);

#endif
