/* ingest.video — claims camera and phone clips, checks they are videos this
 * build can decode, records what libavformat learns about them and copies
 * the original into the library.
 *
 *   [ingest]
 *   plugin = ingest.video
 *   timeout = 60
 *
 * Broken files are refused with one line ("empty file", "no video stream",
 * "truncated: no index (moov) ..."); a cut recording that still plays for
 * a second or more is kept with video.truncated = true and a warning on
 * the item (ingest_video_duration.c). */
#include <dokpim/dokpim.h>

#include "ingest_video.h"
#include "video_boxes.h"
#include "video_open.h"

typedef struct ingest_video_config {
    int timeout; /* seconds */
    const char *backup_dir;
} ingest_video_config;

static const dk_option ingest_video_options[] = {
    {"timeout", DK_OPT_INT, "60",
     "seconds allowed for opening and probing one file", 1, 3600,
     DK_FIELD(ingest_video_config, timeout)},
    DK_BACKUP_DIR_OPTION(ingest_video_config, backup_dir),
    {NULL},
};

int ingest_video_examine(const char *path, double timeout_s, GTimeZone *tz,
                         dk_meta *meta, char **warning, dk_error *err)
{
    AVFormatContext *ctx = NULL;
    int ret = video_open(path, timeout_s, &ctx, err);
    if (ret < 0)
        return ret;
    int video = ingest_video_main_stream(ctx);
    if (video < 0) {
        video_close(&ctx);
        /* a moov cut before its video track lists only the audio */
        video_boxes boxes;
        int cut = video_boxes_scan(path, &boxes, NULL) == 0 && boxes.truncated
                      ? video_boxes_cut_error(&boxes, err)
                      : 0;
        if (cut < 0)
            return cut;
        return dk_error_set(err, DK_ERR_UNSUPPORTED, "no video stream");
    }
    /* first: a cut file's other faults follow from the cut */
    ingest_video_cut cut;
    ret = ingest_video_check_cut(ctx, video, path, &cut, warning, err);
    if (ret == 0)
        ret = ingest_video_read_streams(ctx, video, meta, err);
    if (ret == 0) {
        ingest_video_read_duration(ctx, video, &cut, meta);
        dk_meta_set_string(meta, "video.container", ctx->iformat->name);
        ingest_video_read_tags(ctx, meta);
        ingest_video_read_capture(ctx, path, tz, meta);
        /* last: it reads packets and moves the read position */
        ret = ingest_video_read_rate(ctx, video, meta, err);
    }
    video_close(&ctx);
    return ret;
}

static int ingest_video_examine_for(const dk_stage *stage, const char *path,
                                    dk_meta *meta, char **warning,
                                    dk_error *err)
{
    const ingest_video_config *config = dk_stage_config(stage);
    return ingest_video_examine(path, (double)config->timeout,
                                dk_stage_timezone(stage), meta, warning, err);
}

static int ingest_video_probe(const dk_stage *stage, const char *path,
                              dk_meta *meta, dk_error *err)
{
    return ingest_video_examine_for(stage, path, meta, NULL, err);
}

static int ingest_video_process(const dk_stage *stage, void *state,
                                dk_item *item, dk_error *err)
{
    (void)state;
    char *warning = NULL;
    int ret = ingest_video_examine_for(stage, dk_item_source_path(item),
                                       dk_item_meta(item), &warning, err);
    if (ret == 0 && warning)
        dk_item_warn(item, "%s", warning);
    g_free(warning);
    if (ret < 0)
        return ret;
    dk_item_set_kind(item, DK_KIND_VIDEO);
    const ingest_video_config *config = dk_stage_config(stage);
    return dk_item_import_original(item, config->backup_dir, err);
}

DK_PLUGIN_DEFINE(ingest_video) = {
    .name = "ingest.video",
    .summary = "probe camera/phone clips with libavformat and import the "
               "originals",
    .role = DK_ROLE_INGEST,
    .item_kinds = DK_KIND_VIDEO,
    .options = ingest_video_options,
    .config_size = sizeof(ingest_video_config),
    .extensions = "mp4|mov|m4v|mkv|webm|3gp|mts|avi",
    .probe = ingest_video_probe,
    .process = ingest_video_process,
};
