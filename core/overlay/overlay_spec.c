/* The overlay request: anchor names, and storing a spec in an item's
 * metadata so a later stage (or a re-run) can apply it. */
#include "overlay_private.h"

#include <string.h>

static const char *const anchor_names[] = {
    [DK_ANCHOR_BOTTOM_RIGHT] = "bottom-right",
    [DK_ANCHOR_BOTTOM_LEFT] = "bottom-left",
    [DK_ANCHOR_TOP_RIGHT] = "top-right",
    [DK_ANCHOR_TOP_LEFT] = "top-left",
    [DK_ANCHOR_CENTER] = "center",
    [DK_ANCHOR_CUSTOM] = "custom",
};

int dk_anchor_from_name(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < G_N_ELEMENTS(anchor_names); i++)
        if (strcmp(name, anchor_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *dk_anchor_name(dk_anchor anchor)
{
    if ((unsigned)anchor >= G_N_ELEMENTS(anchor_names))
        return "bottom-right";
    return anchor_names[anchor];
}

int dk_overlay_spec_from_options(const dk_stage *stage,
                                 const dk_overlay_options *options,
                                 const dk_item *item, dk_overlay_spec *spec,
                                 dk_error *err)
{
    memset(spec, 0, sizeof *spec);
    char *text = NULL;
    int rc = dk_stage_expand(stage, options->text, item, &text, err);
    if (rc < 0) {
        g_free(text);
        return rc;
    }
    g_strstrip(text);
    if (*text)
        spec->text = text;
    else
        g_free(text);
    if (options->logo && *options->logo)
        spec->logo_path = g_strdup(options->logo);
    if (options->font && *options->font)
        spec->font = g_strdup(options->font);
    spec->anchor = (unsigned)options->position <= DK_ANCHOR_CUSTOM
                       ? (dk_anchor)options->position
                       : DK_ANCHOR_BOTTOM_RIGHT;
    spec->custom_x = options->x;
    spec->custom_y = options->y;
    spec->width_fraction = options->width;
    spec->margin_fraction = options->margin;
    spec->opacity = options->opacity;
    return spec->text || spec->logo_path ? 1 : 0;
}

void dk_overlay_spec_clear(dk_overlay_spec *spec)
{
    if (!spec)
        return;
    g_clear_pointer(&spec->logo_path, g_free);
    g_clear_pointer(&spec->text, g_free);
    g_clear_pointer(&spec->font, g_free);
}

void dk_overlay_spec_to_meta(const dk_overlay_spec *spec, dk_meta *meta)
{
    /* Empty strings rather than absent keys, so a spec stored over an older
     * one never inherits its logo or text. */
    dk_meta_set_string(meta, "overlay.logo",
                       spec->logo_path ? spec->logo_path : "");
    dk_meta_set_string(meta, "overlay.text", spec->text ? spec->text : "");
    dk_meta_set_string(meta, "overlay.font", spec->font ? spec->font : "");
    dk_meta_set_double(meta, "overlay.x", spec->custom_x);
    dk_meta_set_double(meta, "overlay.y", spec->custom_y);
    dk_meta_set_double(meta, "overlay.width", spec->width_fraction);
    dk_meta_set_double(meta, "overlay.margin", spec->margin_fraction);
    dk_meta_set_double(meta, "overlay.opacity", spec->opacity);
    /* Written last: its presence is what marks a pending overlay. */
    dk_meta_set_string(meta, "overlay.anchor", dk_anchor_name(spec->anchor));
}

void dk_overlay_spec_remove_from_meta(dk_meta *meta)
{
    static const char *const keys[] = {
        "overlay.anchor", "overlay.logo",   "overlay.text",
        "overlay.font",   "overlay.x",      "overlay.y",
        "overlay.width",  "overlay.margin", "overlay.opacity",
    };
    /* the core's dictionary removes a key set to NULL */
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        dk_meta_set_string(meta, keys[i], NULL);
}

static char *string_or_null(const dk_meta *meta, const char *key)
{
    const char *value = dk_meta_get(meta, key);
    return value && *value ? g_strdup(value) : NULL;
}

static int read_fraction(const dk_meta *meta, const char *key, double fallback,
                         double min, double max, double *out, dk_error *err)
{
    if (!dk_meta_get(meta, key)) {
        *out = fallback;
        return 0;
    }
    if (!dk_meta_get_double(meta, key, out) || !(*out >= min && *out <= max))
        return dk_error_set(err, DK_ERR_INVALID,
                            "metadata %s=%s is not a number in [%g, %g]", key,
                            dk_meta_get(meta, key), min, max);
    return 0;
}

int dk_overlay_spec_from_meta(const dk_meta *meta, dk_overlay_spec *spec,
                              dk_error *err)
{
    memset(spec, 0, sizeof *spec);
    const char *anchor_name = dk_meta_get(meta, "overlay.anchor");
    if (!anchor_name)
        return dk_error_set(err, DK_ERR_NOT_FOUND, "no overlay requested");
    int anchor = dk_anchor_from_name(anchor_name);
    if (anchor < 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "metadata overlay.anchor=%s is not a position",
                            anchor_name);
    spec->anchor = (dk_anchor)anchor;
    int rc = read_fraction(meta, "overlay.x", 1, 0, 1, &spec->custom_x, err);
    if (!rc)
        rc = read_fraction(meta, "overlay.y", 1, 0, 1, &spec->custom_y, err);
    if (!rc)
        rc = read_fraction(meta, "overlay.width", 0.25, 0.001, 1,
                           &spec->width_fraction, err);
    if (!rc)
        rc = read_fraction(meta, "overlay.margin", 0.02, 0, 0.5,
                           &spec->margin_fraction, err);
    if (!rc)
        rc = read_fraction(meta, "overlay.opacity", 1, 0, 1, &spec->opacity,
                           err);
    if (rc)
        return rc;
    spec->logo_path = string_or_null(meta, "overlay.logo");
    spec->text = string_or_null(meta, "overlay.text");
    spec->font = string_or_null(meta, "overlay.font");
    return 0;
}
