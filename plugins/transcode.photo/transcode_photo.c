/* transcode.photo — web JPEG, thumbnail and contact sheet from one decode.
 *
 *   [pipeline]  stages=ingest;stamp;watermark;web
 *   [web]       plugin=transcode.photo
 *               web-size=2048
 *               metadata=keep
 *
 * For each photo: decode once with libjpeg-turbo at the smallest DCT scale
 * that covers web-size, resample to the exact size while turning the
 * pixels upright (EXIF orientation from ingest.photo), make the thumbnail
 * from those web pixels, blend the watermark watermark.photo asked for at
 * each size, encode, write atomically. The web JPEG becomes the main line;
 * the thumbnail is a side derivative. With contact-sheet=true, finish()
 * lays the run's thumbnails out on one sheet. */
#include "transcode_photo.h"
#include "transcode_photo_sheet.h"

#include <dokpim/dokpim.h>

typedef struct transcode_photo_config {
    int web_size, web_quality;
    const dk_template *web_output;
    int thumb_size, thumb_quality;
    const dk_template *thumb_output;
    int metadata; /* transcode_photo_metadata */
    int filter;   /* transcode_photo_filter */
    bool contact_sheet;
} transcode_photo_config;

#define FIELD(member) DK_FIELD(transcode_photo_config, member)
static const dk_option transcode_photo_options[] = {
    {.name = "web-size",
     FIELD(web_size),
     .type = DK_OPT_INT,
     .default_value = "2048",
     .help = "long edge of the web JPEG in pixels (smaller photos keep "
             "their size)",
     .min = 64,
     .max = 16384},
    {.name = "web-quality",
     FIELD(web_quality),
     .type = DK_OPT_INT,
     .default_value = "85",
     .help = "JPEG quality of the web JPEG",
     .min = 1,
     .max = 100},
    {.name = "web-output",
     FIELD(web_output),
     .type = DK_OPT_PATH_TEMPLATE,
     .default_value = "web/{date:%Y%m%d}_{event.slug}_{seq:04}.jpg",
     .help = "file name of the web JPEG, inside derived/<stage>/"},
    {.name = "thumbnail-size",
     FIELD(thumb_size),
     .type = DK_OPT_INT,
     .default_value = "320",
     .help = "long edge of the thumbnail in pixels; 0: no thumbnail",
     .min = 0,
     .max = 4096},
    {.name = "thumbnail-quality",
     FIELD(thumb_quality),
     .type = DK_OPT_INT,
     .default_value = "80",
     .help = "JPEG quality of the thumbnail",
     .min = 1,
     .max = 100},
    {.name = "thumbnail-output",
     FIELD(thumb_output),
     .type = DK_OPT_PATH_TEMPLATE,
     .default_value = "thumbs/{date:%Y%m%d}_{event.slug}_{seq:04}.jpg",
     .help = "file name of the thumbnail, inside derived/<stage>/"},
    {.name = "metadata",
     FIELD(metadata),
     .type = DK_OPT_ENUM,
     .default_value = "keep",
     .help = "keep: EXIF (orientation reset), XMP and IPTC of the source; "
             "strip: none; copyright-only: Artist and Copyright",
     .choices = "keep|strip|copyright-only"},
    {.name = "filter",
     FIELD(filter),
     .type = DK_OPT_ENUM,
     .default_value = "triangle",
     .help = "resampling after the DCT-scaled decode: area (box), "
             "triangle, or lanczos3 (sharpest, about 10 ms slower)",
     .choices = "area|triangle|lanczos3"},
    {.name = "contact-sheet",
     FIELD(contact_sheet),
     .type = DK_OPT_BOOL,
     .default_value = "false",
     .help = "at the end of the run, write contact-sheet.jpg of the "
             "thumbnails into derived/<stage>/"},
    {.name = NULL},
};

/* Per run: what finish() lays out and the overlays rendered so far. */
typedef struct transcode_photo_state {
    transcode_photo_sheet *sheet; /* NULL unless contact-sheet=true */
    transcode_photo_overlays *overlays;
} transcode_photo_state;

/* Options that must agree, checked before any file is touched. */
static int transcode_photo_check(const dk_stage *stage, const void *config,
                                 dk_error *err)
{
    (void)stage;
    const transcode_photo_config *c = config;
    if (c->contact_sheet && c->thumb_size == 0)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "contact-sheet=true needs thumbnails "
                            "(thumbnail-size > 0)");
    return 0;
}

static int transcode_photo_open(const dk_stage *stage, const void *config,
                                void **state, dk_error *err)
{
    (void)stage;
    (void)err;
    const transcode_photo_config *c = config;
    transcode_photo_state *s = g_new0(transcode_photo_state, 1);
    if (c->contact_sheet)
        s->sheet = transcode_photo_sheet_new(c->thumb_size);
    s->overlays = transcode_photo_overlays_new();
    *state = s;
    return 0;
}

static int transcode_photo_process(const dk_stage *stage, void *state,
                                   dk_item *item, dk_error *err)
{
    const transcode_photo_config *c = dk_stage_config(stage);
    const transcode_photo_state *s = state;
    dk_overlay_spec spec = {0};
    char *web_path = NULL, *thumb_path = NULL;
    int rc = dk_overlay_spec_from_meta(dk_item_meta_const(item), &spec, err);
    bool overlay = rc == 0;
    if (rc == DK_ERR_NOT_FOUND) {
        dk_error_clear(err);
        rc = 0;
    }
    if (!rc)
        rc = dk_stage_output_path(stage, c->web_output, item, &web_path, err);
    if (!rc && c->thumb_size > 0)
        rc = dk_stage_output_path(stage, c->thumb_output, item, &thumb_path,
                                  err);
    if (!rc) {
        transcode_photo_job job = {
            .input = dk_item_current_path(item),
            .orientation = dk_meta_orientation(dk_item_meta_const(item)),
            .filter = (transcode_photo_filter)c->filter,
            .metadata = (transcode_photo_metadata)c->metadata,
            .overlay = overlay ? &spec : NULL,
            .overlays = s->overlays,
            .web_path = web_path,
            .web_size = c->web_size,
            .web_quality = c->web_quality,
            .thumb_path = thumb_path,
            .thumb_size = c->thumb_size,
            .thumb_quality = c->thumb_quality,
        };
        rc = transcode_photo_render(&job, NULL, err);
    }
    if (!rc)
        rc = dk_item_add_derivative(item, "web", web_path, true, err);
    if (!rc && thumb_path)
        rc = dk_item_add_derivative(item, "thumbnail", thumb_path, false, err);
    if (!rc && s->sheet && thumb_path)
        transcode_photo_sheet_add(s->sheet, thumb_path);
    g_free(thumb_path);
    g_free(web_path);
    dk_overlay_spec_clear(&spec);
    return rc;
}

/* After the last photo: the contact sheet. A sheet that cannot be written
 * leaves the previous one, if any, in place and fails the run. */
static int transcode_photo_finish(const dk_stage *stage, void *state,
                                  dk_error *err)
{
    transcode_photo_state *s = state;
    if (!s->sheet)
        return 0;
    g_autofree char *path =
        g_build_filename(dk_stage_library(stage), "derived",
                         dk_stage_name(stage), "contact-sheet.jpg", NULL);
    int rc = transcode_photo_sheet_finish(s->sheet, path, err);
    if (rc < 0)
        dk_error_prefix(err, "contact-sheet.jpg: ");
    return rc;
}

/* finish() has work only when a contact sheet was asked for: a queue's
 * finish job then makes no web copy twice. */
static bool transcode_photo_finishes(const dk_stage *stage, const void *config)
{
    (void)stage;
    return ((const transcode_photo_config *)config)->contact_sheet;
}

static void transcode_photo_close(void *state)
{
    transcode_photo_state *s = state;
    if (!s)
        return;
    transcode_photo_sheet_free(&s->sheet);
    transcode_photo_overlays_free(&s->overlays);
    g_free(s);
}

DK_PLUGIN_DEFINE(transcode_photo) = {
    .name = "transcode.photo",
    .summary = "web JPEG, thumbnail and contact sheet from one scaled decode",
    .role = DK_ROLE_TRANSCODE,
    .item_kinds = DK_KIND_PHOTO,
    .options = transcode_photo_options,
    .config_size = sizeof(transcode_photo_config),
    .open = transcode_photo_open,
    .process = transcode_photo_process,
    .close = transcode_photo_close,
    .check = transcode_photo_check,
    .finish = transcode_photo_finish,
    .finishes = transcode_photo_finishes,
};
