/* ingest.file — takes in any file as it is: hashes it, copies it into the
 * library, notes its capture time from the name or the file time. The
 * fallback ingest for pipelines that only archive or forward files. */
#include <dokpim/dokpim.h>

#include <sys/stat.h>

typedef struct ingest_file_config {
    const char *backup_dir;
} ingest_file_config;

static const dk_option ingest_file_options[] = {
    DK_BACKUP_DIR_OPTION(ingest_file_config, backup_dir),
    {NULL},
};

/* Takes everything, so an extension list cannot say it. */
static bool ingest_file_accepts(const char *path)
{
    (void)path;
    return true;
}

/* A plain file has no record of its own: the time comes from its name or
 * its file time, by the same rules as a photo's or a clip's. */
static int ingest_file_probe(const dk_stage *stage, const char *path,
                             dk_meta *meta, dk_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dk_error_set(err, DK_ERR_IO, "cannot read the file");
    return dk_capture_resolve(path, NULL, NULL, dk_stage_timezone(stage), meta,
                              err);
}

static int ingest_file_process(const dk_stage *stage, void *state,
                               dk_item *item, dk_error *err)
{
    (void)state;
    int rc = ingest_file_probe(stage, dk_item_source_path(item),
                               dk_item_meta(item), err);
    if (rc < 0)
        return rc;
    dk_item_set_kind(item, DK_KIND_FILE);
    const ingest_file_config *config = dk_stage_config(stage);
    return dk_item_import_original(item, config->backup_dir, err);
}

DK_PLUGIN_DEFINE(ingest_file) = {
    .name = "ingest.file",
    .summary = "take in any file unchanged (hash, library copy, file time)",
    .role = DK_ROLE_INGEST,
    .item_kinds = DK_KIND_ANY,
    .options = ingest_file_options,
    .config_size = sizeof(ingest_file_config),
    .accepts = ingest_file_accepts,
    .probe = ingest_file_probe,
    .process = ingest_file_process,
};
