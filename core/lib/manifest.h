/* Private: per-item manifests in the library. See manifest.c. */
#ifndef DK_MANIFEST_H
#define DK_MANIFEST_H

#include "dk_internal.h"

typedef struct dk_manifest dk_manifest;

/* Never fails: a missing or unreadable manifest reads as empty. */
dk_manifest *dk_manifest_load(const dk_library *library, const char *sha256);
void dk_manifest_free(dk_manifest **manifest);
char **dk_manifest_sources(const dk_manifest *m); /* g_strfreev */
void dk_manifest_add_source(dk_manifest *m, const char *source);
void dk_manifest_set_item(dk_manifest *m, const dk_item *item);
/* The original's size, mtime and ctime, as the run that imported it (or
 * last checked its bytes) saw them. */
void dk_manifest_set_original_stat(dk_manifest *m, const struct stat *st);
/* True when st matches the recorded stat: the original was not touched. */
bool dk_manifest_original_unchanged(const dk_manifest *m,
                                    const struct stat *st);
/* Records the fields the event file set in an [event] group (replacing
 * an older one), so an archive package made later can say what the item
 * documents without the event file at hand. */
void dk_manifest_set_event(dk_manifest *m, const dk_event *event);
/* Adds every output path recorded for any stage to paths (absolute). */
void dk_manifest_collect_outputs(const dk_manifest *m, GHashTable *paths);
/* Adds the outputs every manifest in the library names to paths. */
void dk_manifest_collect_library_outputs(const dk_library *library,
                                         GHashTable *paths);
/* The original's absolute path as recorded, or NULL (g_free). */
char *dk_manifest_original(const dk_manifest *m);
/* Appends a dk_derivative (absolute path, sha256 and size when recorded)
 * for every output any stage group records, in the file's order. */
void dk_manifest_collect_derivatives(const dk_manifest *m, GPtrArray *out);
/* True when the stage is recorded with this fingerprint. */
bool dk_manifest_has_stage(const dk_manifest *m, const char *stage,
                           const char *fingerprint);
/* When the stage ran before with this fingerprint and its outputs still
 * exist: puts its derivatives, current file and metadata back on item. */
bool dk_manifest_restore(const dk_manifest *m, const char *stage,
                         const char *fingerprint, dk_item *item);
/* Records the stage with the derivatives added since first_derivative. */
void dk_manifest_record(dk_manifest *m, const char *stage,
                        const char *fingerprint, const dk_item *item,
                        guint first_derivative);
/* The keys of the jobs the stage queued when it was recorded
 * (g_strfreev), or NULL when it recorded none. */
char **dk_manifest_queued(const dk_manifest *m, const char *stage);
/* How many item manifests of the library record a queued job. */
DK_PRIVATE_API int dk_manifest_count_queued(const char *library_root);
int dk_manifest_save(const dk_manifest *m, dk_error *err);

#endif
