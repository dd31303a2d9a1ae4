/* watermark.photo — puts the agency's mark (a logo PNG and a line of text)
 * on each photo at its visual corner, whatever the EXIF orientation.
 *
 * The fast path draws nothing here: the request is stored in the item's
 * metadata and transcode.photo blends it into each derivative at that
 * derivative's size, from the one scaled decode it makes anyway. With
 * full-size=true the stage also writes a full-resolution watermarked JPEG
 * (with the source's EXIF/IPTC/XMP), which then becomes what later stages
 * read, so the mark is not drawn twice.
 *
 *   [watermark]
 *   plugin=watermark.photo
 *   logo=../assets/logo/dokpim-logo.png
 *   text={event.agency} · {event.title}
 *   position=bottom-right
 *   width=0.25
 */
#include "watermark_photo.h"

typedef struct watermark_photo_config {
    dk_overlay_options overlay;
    bool full_size;
    const dk_template *output;
    int quality;
} watermark_photo_config;

#define FIELD(member) DK_FIELD(watermark_photo_config, member)
static const dk_option watermark_photo_options[] = {
    DK_OVERLAY_OPTIONS(watermark_photo_config, overlay,
                       "{event.agency} \xc2\xb7 {event.title}", "bottom-right",
                       "0.25", "0.02", "0.85"),
    {.name = "full-size",
     .type = DK_OPT_BOOL,
     .default_value = "false",
     .help = "also write a full-resolution watermarked JPEG, which later "
             "stages then read",
     FIELD(full_size)},
    {.name = "output",
     .type = DK_OPT_PATH_TEMPLATE,
     .default_value = "{date:%Y%m%d}_{event.slug}_{seq:04}_wm.jpg",
     .help = "name of the full-size copy",
     FIELD(output)},
    {.name = "quality",
     .type = DK_OPT_INT,
     .default_value = "92",
     .help = "JPEG quality of the full-size copy",
     .min = 1,
     .max = 100,
     FIELD(quality)},
    {.name = NULL},
};

/* Before any photo: something to draw, and a logo that is a readable PNG
 * now, found with one clear line instead of on every photo by drawing it
 * once on a dummy frame. */
static int watermark_photo_check(const dk_stage *stage, const void *config,
                                 dk_error *err)
{
    (void)stage;
    const dk_overlay_options *o =
        &((const watermark_photo_config *)config)->overlay;
    bool logo = o->logo && *o->logo;
    if (!logo && !*dk_template_text(o->text))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "nothing to draw: set logo or text");
    if (!logo)
        return 0;
    dk_overlay_spec spec = {.logo_path = (char *)o->logo,
                            .width_fraction = o->width,
                            .margin_fraction = o->margin,
                            .opacity = o->opacity};
    dk_overlay *overlay = NULL;
    int rc = dk_overlay_render(&spec, 1000, 1000, 1, &overlay, err);
    dk_overlay_free(&overlay);
    return rc == DK_ERR_NOT_FOUND ? DK_ERR_CONFIG : rc;
}

static int watermark_photo_write_full(const dk_stage *stage,
                                      const watermark_photo_config *c,
                                      const dk_overlay_spec *spec,
                                      dk_item *item, dk_error *err)
{
    char *path = NULL;
    int rc = dk_stage_output_path(stage, c->output, item, &path, err);
    if (!rc)
        rc = watermark_photo_full_size(
            spec, dk_item_current_path(item),
            dk_meta_orientation(dk_item_meta_const(item)), c->quality, path,
            err);
    if (!rc)
        rc = dk_item_add_derivative(item, "watermarked", path, true, err);
    g_free(path);
    return rc;
}

static int watermark_photo_process(const dk_stage *stage, void *state,
                                   dk_item *item, dk_error *err)
{
    (void)state;
    const watermark_photo_config *c = dk_stage_config(stage);
    dk_overlay_spec spec;
    int rc = dk_overlay_spec_from_options(stage, &c->overlay, item, &spec, err);
    dk_meta *meta = dk_item_meta(item);
    if (rc == 0) {
        /* the text came out empty for this photo and there is no logo */
        dk_overlay_spec_remove_from_meta(meta);
    } else if (rc > 0 && !c->full_size) {
        dk_overlay_spec_to_meta(&spec, meta);
        rc = 0;
    } else if (rc > 0) {
        rc = watermark_photo_write_full(stage, c, &spec, item, err);
        /* the mark is in the pixels later stages read now */
        if (!rc)
            dk_overlay_spec_remove_from_meta(meta);
    }
    dk_overlay_spec_clear(&spec);
    return rc;
}

DK_PLUGIN_DEFINE(watermark_photo) = {
    .name = "watermark.photo",
    .summary = "logo and text line at the photo's visual corner, blended "
               "into derivatives (or a full-size copy)",
    .role = DK_ROLE_WATERMARK,
    .item_kinds = DK_KIND_PHOTO,
    .options = watermark_photo_options,
    .config_size = sizeof(watermark_photo_config),
    .check = watermark_photo_check,
    .process = watermark_photo_process,
};
