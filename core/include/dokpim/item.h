/* dokpim — items and their metadata.
 *
 * An item is one original file travelling through the stages: where it came
 * from, its content hash and library copy once ingested, what was read from
 * it (a typed dictionary), and the derivatives each stage made from it. A
 * worker owns an item while it processes it; no locking is needed. */
#ifndef DOKPIM_ITEM_H
#define DOKPIM_ITEM_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    DK_KIND_FILE = 1 << 0, /* any file, content not interpreted */
    DK_KIND_PHOTO = 1 << 1,
    DK_KIND_VIDEO = 1 << 2,
    DK_KIND_AUDIO = 1 << 3,
    DK_KIND_ANY = 0xff,
};

DK_API const char *dk_kind_name(unsigned kind);

/* ---- metadata: a small typed dictionary with dotted keys ----
 * Conventional keys: capture.time (ISO 8601 with offset), capture.source
 * ("exif", "container", "filename", "file-time"), camera.make,
 * camera.model, image.width, image.height, image.orientation,
 * display.width, display.height, gps.latitude, gps.longitude,
 * video.duration, ... `dokpim probe --json` nests them on the dots. */
typedef struct dk_meta dk_meta;

DK_API dk_meta *dk_meta_new(void);
DK_API void dk_meta_free(dk_meta **meta);
DK_API void dk_meta_set_string(dk_meta *meta, const char *key,
                               const char *value);
DK_API void dk_meta_set_int(dk_meta *meta, const char *key, int64_t value);
DK_API void dk_meta_set_double(dk_meta *meta, const char *key, double value);
DK_API void dk_meta_set_bool(dk_meta *meta, const char *key, bool value);
/* The value as text (numbers formatted), or NULL; owned by meta. */
DK_API const char *dk_meta_get(const dk_meta *meta, const char *key);
DK_API bool dk_meta_get_int(const dk_meta *meta, const char *key,
                            int64_t *value);
DK_API bool dk_meta_get_double(const dk_meta *meta, const char *key,
                               double *value);
/* image.orientation as EXIF gives it (1..8); 1 (upright) when it is
 * missing or out of range, so a drawing stage never mis-rotates. */
DK_API int dk_meta_orientation(const dk_meta *meta);

/* ---- items ---- */
typedef struct dk_item dk_item;

/* The input path exactly as the user gave it (or found in a folder). */
DK_API const char *dk_item_source_path(const dk_item *item);
/* The content-addressed, read-only copy in the library; NULL before the
 * ingest stage imported it. */
DK_API const char *dk_item_original_path(const dk_item *item);
/* Lower-case hex sha256 of the original; NULL before import. */
DK_API const char *dk_item_sha256(const dk_item *item);
DK_API unsigned dk_item_kind(const dk_item *item);
DK_API void dk_item_set_kind(dk_item *item, unsigned kind);
/* 1-based position of the item in the sorted batch: stable for -j N. */
DK_API int dk_item_seq(const dk_item *item);
DK_API dk_meta *dk_item_meta(dk_item *item);
DK_API const dk_meta *dk_item_meta_const(const dk_item *item);

/* The file the next stage should read: the latest main-line derivative, or
 * the original when no stage has produced one. */
DK_API const char *dk_item_current_path(const dk_item *item);

/* Hashes the source while copying it to originals/<aa>/<sha256>.<ext>
 * (temp name, fsync, rename, read-only), optionally to backup_dir too in
 * the same read. Content already in the library is not kept twice, and a
 * source imported before and unchanged since (same device, inode, size,
 * mtime and ctime) is not read again. Ingest stages call this once they
 * know the file is valid. */
DK_API int dk_item_import_original(dk_item *item, const char *backup_dir,
                                   dk_error *err);

/* The option row every ingest plugin offers for the backup_dir above, so
 * the name, type, default and help are the same wherever it appears:
 *   static const dk_option rows[] = {..., DK_BACKUP_DIR_OPTION(my_config,
 *       backup_dir), {NULL}};
 * member is a const char * of T ("" when none, which
 * dk_item_import_original takes as no backup). Needs dokpim/plugin.h. */
#define DK_BACKUP_DIR_OPTION(T, member)                                        \
    {                                                                          \
        .name = "backup-dir", .type = DK_OPT_STRING, .default_value = "",      \
        .help = "a second folder that receives a copy of each original while " \
                "it is imported (empty: none)",                                \
        DK_FIELD(T, member)                                                    \
    }

/* Records a file a stage wrote (path from dk_stage_output_path, already
 * committed with dk_atomic_commit). role names it in summaries ("web",
 * "thumbnail", "sidecar"); main_line makes it what the next stage reads. */
DK_API int dk_item_add_derivative(dk_item *item, const char *role,
                                  const char *path, bool main_line,
                                  dk_error *err);

/* The derivatives recorded so far for the item (by this run's stages, or
 * restored from the manifest for stages a re-run skipped), in the order
 * they were added: the n-th's absolute path, and optionally its role and
 * the name of the stage that wrote it. Strings are owned by the item;
 * NULL when n is out of range. For stages that finish what others wrote,
 * such as signing every published file. */
DK_API unsigned dk_item_derivative_count(const dk_item *item);
DK_API const char *dk_item_derivative(const dk_item *item, unsigned n,
                                      const char **role, const char **stage);
/* Who made derivative n: the plugin of the stage that wrote it (returned;
 * NULL when unknown, as for an out-of-range n or an old manifest) and, in
 * *settings if not NULL, that stage's options as "name=value; ..." in the
 * plugin's order. Never holds a DK_OPTION_SECRET or PRIVATE_FILE value;
 * file and folder options give only their last name. For provenance
 * records such as C2PA actions. Strings are owned by the item. */
DK_API const char *dk_item_derivative_made_by(const dk_item *item, unsigned n,
                                              const char **settings);

/* Records that the running stage succeeded only by salvaging, shortening
 * or dropping something (tags of a corrupt EXIF block, a caption cut to
 * what a format carries, the unplayable tail of a cut-off clip). The item
 * still counts as done; the warning is printed as one line naming the
 * file and the stage, listed under "warnings" in --json and kept in the
 * item's manifest, so a re-run that skips the stage reports it again.
 * One call per problem: at most DK_ITEM_WARNINGS_MAX per stage are kept,
 * and one more says how many were left out. */
#define DK_ITEM_WARNINGS_MAX 32
DK_API void dk_item_warn(dk_item *item, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The number of warnings on the item, and the n-th (stage name and text,
 * owned by the item), for plugins and tests that look at them. */
DK_API unsigned dk_item_warning_count(const dk_item *item);
DK_API const char *dk_item_warning(const dk_item *item, unsigned n,
                                   const char **stage);

#ifdef __cplusplus
}
#endif
#endif
