/* ingest.file — takes in any file as it is: hashes it, copies it into the
 * library, notes its capture time from the name or the file time. The
 * fallback ingest for pipelines that only archive or forward files. */
#include <dokpim/dokpim.h>

#include <sys/stat.h>

typedef struct ingest_file_config {
    const char *backup_dir;
} ingest_file_config;

static const dk_option ingest_file_options[] = {
    {"backup-dir", DK_OPT_STRING, "",
     "second folder to copy each original into while ingesting (empty: "
     "none)",
     DK_FIELD(ingest_file_config, backup_dir)},
    {NULL},
};

static bool ingest_file_accepts(const char *path)
{
    (void)path;
    return true;
}

static int ingest_file_probe(const dk_stage *stage, const char *path,
                             dk_meta *meta, dk_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dk_error_set(err, DK_ERR_IO, "cannot read the file");
    GTimeZone *tz = dk_stage_timezone(stage);
    gboolean date_only = FALSE;
    GDateTime *when = dk_capture_time_from_filename(path, tz, &date_only);
    const char *source = "filename";
    if (!when) {
        GDateTime *utc = g_date_time_new_from_unix_utc(st.st_mtime);
        when = g_date_time_to_timezone(utc, tz);
        g_date_time_unref(utc);
        source = "file-time";
    }
    dk_meta_set_capture(meta, when, source);
    dk_meta_set_bool(meta, "capture.inferred", true);
    g_date_time_unref(when);
    return 0;
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
