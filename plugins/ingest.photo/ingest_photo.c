/* ingest.photo — claims JPEG and HEIF photos, checks them without a
 * decode, reads EXIF (capture time, camera, orientation, GPS), recovers a
 * missing capture time from the file name or the file time, and imports
 * the original into the library.
 *
 *   [ingest]
 *   plugin=ingest.photo
 *   clock-offsets=Canon EOS R6=+00:05:30;NIKON CORPORATION NIKON Z 6=-90
 *   backup-dir=/media/backup-disk/photos
 */
#include "ingest_photo.h"

#include <string.h>

typedef struct ingest_photo_config {
    const char *const *clock_offsets;
    const char *backup_dir;
} ingest_photo_config;

static const dk_option ingest_photo_options[] = {
    {"clock-offsets", DK_OPT_LIST, "",
     "CAMERA=OFFSET entries: OFFSET (seconds like -90, or +HH:MM[:SS]) is "
     "added to the EXIF time of photos whose EXIF model, or make and model, "
     "is CAMERA",
     0, 0, NULL, 0, DK_FIELD(ingest_photo_config, clock_offsets)},
    {"backup-dir", DK_OPT_STRING, "",
     "a second folder that receives a copy of each original while it is "
     "imported (empty: none)",
     0, 0, NULL, 0, DK_FIELD(ingest_photo_config, backup_dir)},
    {NULL},
};

typedef struct ingest_photo_state {
    ingest_photo_clocks *clocks;
    const char *backup_dir; /* NULL for none; owned by the stage */
} ingest_photo_state;

static bool ingest_photo_accepts(const char *path)
{
    static const char *const extensions[] = {".jpg", ".jpeg", ".heic", ".heif",
                                             ".hif"};
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(extensions); i++)
        if (g_ascii_strcasecmp(dot, extensions[i]) == 0)
            return true;
    return false;
}

/* `dokpim probe`: the stage carries the options and the event's zone, but
 * open() has not run, so the clock table is parsed here. */
static int ingest_photo_probe(const dk_stage *stage, const char *path,
                              dk_meta *meta, dk_error *err)
{
    const ingest_photo_config *c = dk_stage_config(stage);
    ingest_photo_clocks *clocks = NULL;
    int rc = ingest_photo_clocks_parse(c->clock_offsets, &clocks, err);
    if (rc == 0)
        rc = ingest_photo_inspect(path, (GTimeZone *)dk_stage_timezone(stage),
                                  clocks, meta, NULL, err);
    ingest_photo_clocks_free(&clocks);
    return rc;
}

static int ingest_photo_open(const dk_stage *stage, const void *config,
                             void **state, dk_error *err)
{
    (void)stage;
    const ingest_photo_config *c = config;
    ingest_photo_state *s = g_new0(ingest_photo_state, 1);
    int rc = ingest_photo_clocks_parse(c->clock_offsets, &s->clocks, err);
    if (rc < 0) {
        g_free(s);
        return rc;
    }
    s->backup_dir = c->backup_dir && *c->backup_dir ? c->backup_dir : NULL;
    *state = s;
    return 0;
}

static int ingest_photo_process(const dk_stage *stage, void *state,
                                dk_item *item, dk_error *err)
{
    ingest_photo_state *s = state;
    GTimeZone *tz = (GTimeZone *)dk_stage_timezone(stage);
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    int rc = ingest_photo_inspect(dk_item_source_path(item), tz, s->clocks,
                                  dk_item_meta(item), warnings, err);
    for (guint i = 0; rc == 0 && i < warnings->len; i++)
        dk_item_warn(item, "%s", (const char *)warnings->pdata[i]);
    g_ptr_array_unref(warnings);
    if (rc < 0)
        return rc;
    dk_item_set_kind(item, DK_KIND_PHOTO);
    return dk_item_import_original(item, s->backup_dir, err);
}

static void ingest_photo_close(void *state)
{
    ingest_photo_state *s = state;
    if (!s)
        return;
    ingest_photo_clocks_free(&s->clocks);
    g_free(s);
}

DK_PLUGIN_DEFINE(ingest_photo) = {
    .name = "ingest.photo",
    .summary = "check JPEG/HEIF photos without decoding, read EXIF and "
               "capture time, import originals",
    .role = DK_ROLE_INGEST,
    .item_kinds = DK_KIND_PHOTO,
    .options = ingest_photo_options,
    .config_size = sizeof(ingest_photo_config),
    .accepts = ingest_photo_accepts,
    .probe = ingest_photo_probe,
    .open = ingest_photo_open,
    .process = ingest_photo_process,
    .close = ingest_photo_close,
};
