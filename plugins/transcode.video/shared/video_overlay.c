/* Overlay options to spec; see video_overlay.h. */
#include "video_overlay.h"

#include <glib.h>
#include <string.h>

int video_overlay_spec(const dk_stage *stage, const dk_item *item,
                       dk_overlay_spec *spec, dk_error *err)
{
    memset(spec, 0, sizeof *spec);
    char *text = NULL;
    int rc = dk_stage_expand(stage, "text", item, &text, err);
    if (rc)
        return rc;
    g_strstrip(text);
    if (*text)
        spec->text = text;
    else
        g_free(text);
    const char *logo = dk_stage_string(stage, "logo");
    if (logo && *logo)
        spec->logo_path = g_strdup(logo);
    const char *font = dk_stage_string(stage, "font");
    if (font && *font)
        spec->font = g_strdup(font);
    int anchor = dk_anchor_from_name(dk_stage_string(stage, "position"));
    spec->anchor = anchor < 0 ? DK_ANCHOR_BOTTOM_RIGHT : (dk_anchor)anchor;
    spec->custom_x = dk_stage_double(stage, "x");
    spec->custom_y = dk_stage_double(stage, "y");
    spec->width_fraction = dk_stage_double(stage, "width");
    spec->margin_fraction = dk_stage_double(stage, "margin");
    spec->opacity = dk_stage_double(stage, "opacity");
    return spec->text || spec->logo_path ? 1 : 0;
}
