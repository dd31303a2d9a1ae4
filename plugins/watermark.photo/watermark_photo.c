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

static const dk_option watermark_photo_options[] = {
    {"logo", DK_OPT_PATH, "", "PNG logo with alpha (empty: text only)"},
    {"text", DK_OPT_TEMPLATE, "{event.agency} \xc2\xb7 {event.title}",
     "text line under the logo, any script (empty: logo only)"},
    {"font", DK_OPT_STRING, "Sans Bold", "Pango font description"},
    {"position", DK_OPT_ENUM, "bottom-right",
     "where the mark sits as the photo is viewed", 0, 0,
     "bottom-right|bottom-left|top-right|top-left|center|custom"},
    {"x", DK_OPT_DOUBLE, "1",
     "custom position: 0 puts the mark against the left edge, 1 against "
     "the right",
     0, 1},
    {"y", DK_OPT_DOUBLE, "1",
     "custom position: 0 puts the mark against the top edge, 1 against "
     "the bottom",
     0, 1},
    {"width", DK_OPT_DOUBLE, "0.25",
     "width of the mark relative to the photo's width as viewed", 0.01, 1},
    {"margin", DK_OPT_DOUBLE, "0.02",
     "distance from the edges relative to the photo's width", 0, 0.5},
    {"opacity", DK_OPT_DOUBLE, "0.85", "0 invisible, 1 opaque", 0, 1},
    {"full-size", DK_OPT_BOOL, "false",
     "also write a full-resolution watermarked JPEG, which later stages "
     "then read"},
    {"output", DK_OPT_PATH_TEMPLATE,
     "{date:%Y%m%d}_{event.slug}_{seq:04}_wm.jpg",
     "name of the full-size copy"},
    {"quality", DK_OPT_INT, "92", "JPEG quality of the full-size copy", 1, 100},
    {NULL},
};

typedef struct watermark_photo_state {
    dk_overlay_spec spec; /* everything but the text; strings owned by the
                             stage */
    bool full_size;
    int quality;
} watermark_photo_state;

/* Drawing the logo once on a dummy frame finds a logo that is not a
 * readable PNG now, with one clear line, instead of on every photo. */
static int watermark_photo_check_logo(const dk_overlay_spec *spec,
                                      dk_error *err)
{
    dk_overlay *overlay = NULL;
    int rc = dk_overlay_render(spec, 1000, 1000, 1, &overlay, err);
    dk_overlay_free(&overlay);
    return rc;
}

static int watermark_photo_open(const dk_stage *stage, void **state,
                                dk_error *err)
{
    const char *logo = dk_stage_string(stage, "logo");
    const char *text = dk_stage_string(stage, "text");
    if ((!logo || !*logo) && (!text || !*text))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "nothing to draw: set logo or text");
    watermark_photo_state *s = g_new0(watermark_photo_state, 1);
    s->spec.logo_path = logo && *logo ? (char *)logo : NULL;
    s->spec.font = (char *)dk_stage_string(stage, "font");
    s->spec.anchor =
        (dk_anchor)dk_anchor_from_name(dk_stage_string(stage, "position"));
    s->spec.custom_x = dk_stage_double(stage, "x");
    s->spec.custom_y = dk_stage_double(stage, "y");
    s->spec.width_fraction = dk_stage_double(stage, "width");
    s->spec.margin_fraction = dk_stage_double(stage, "margin");
    s->spec.opacity = dk_stage_double(stage, "opacity");
    s->full_size = dk_stage_bool(stage, "full-size");
    s->quality = (int)dk_stage_int(stage, "quality");
    if (s->spec.logo_path) {
        int rc = watermark_photo_check_logo(&s->spec, err);
        if (rc) {
            g_free(s);
            return rc == DK_ERR_NOT_FOUND ? DK_ERR_CONFIG : rc;
        }
    }
    *state = s;
    return 0;
}

static int watermark_photo_orientation(const dk_item *item)
{
    int64_t orientation = 1;
    if (!dk_meta_get_int(dk_item_meta_const(item), "image.orientation",
                         &orientation) ||
        orientation < 1 || orientation > 8)
        return 1;
    return (int)orientation;
}

static int watermark_photo_write_full(const dk_stage *stage,
                                      const watermark_photo_state *s,
                                      const dk_overlay_spec *spec,
                                      dk_item *item, dk_error *err)
{
    char *path = NULL;
    int rc = dk_stage_output_path(stage, "output", item, &path, err);
    if (!rc)
        rc = watermark_photo_full_size(spec, dk_item_current_path(item),
                                       watermark_photo_orientation(item),
                                       s->quality, path, err);
    if (!rc)
        rc = dk_item_add_derivative(item, "watermarked", path, true, err);
    g_free(path);
    return rc;
}

static int watermark_photo_process(const dk_stage *stage, void *state,
                                   dk_item *item, dk_error *err)
{
    const watermark_photo_state *s = state;
    char *text = NULL;
    int rc = dk_stage_expand(stage, "text", item, &text, err);
    if (rc) {
        g_free(text);
        return rc;
    }
    dk_overlay_spec spec = s->spec;
    spec.text = text && *text ? text : NULL;
    dk_meta *meta = dk_item_meta(item);
    if (!spec.logo_path && !spec.text) {
        /* the text came out empty for this photo and there is no logo */
        dk_overlay_spec_remove_from_meta(meta);
    } else if (!s->full_size) {
        dk_overlay_spec_to_meta(&spec, meta);
    } else {
        rc = watermark_photo_write_full(stage, s, &spec, item, err);
        /* the mark is in the pixels later stages read now */
        if (!rc)
            dk_overlay_spec_remove_from_meta(meta);
    }
    g_free(text);
    return rc;
}

static void watermark_photo_close(void *state)
{
    g_free(state);
}

DK_PLUGIN_DEFINE(watermark_photo) = {
    .name = "watermark.photo",
    .summary = "logo and text line at the photo's visual corner, blended "
               "into derivatives (or a full-size copy)",
    .stage = DK_STAGE_WATERMARK,
    .kinds = DK_KIND_PHOTO,
    .options = watermark_photo_options,
    .open = watermark_photo_open,
    .process = watermark_photo_process,
    .close = watermark_photo_close,
};
