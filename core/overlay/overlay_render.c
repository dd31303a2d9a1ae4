/* dk_overlay_render: size the overlay for one frame, place it at its visual
 * anchor, and turn it into the frame's stored orientation, so blending is a
 * plain copy-with-alpha over the rectangle it covers. */
#include "overlay_private.h"

#include <math.h>

/* Limits that keep a hostile size from asking for absurd memory; larger
 * than any camera or video frame. */
#define FRAME_MAX_SIDE 65535

static void visual_origin(const dk_overlay_spec *spec, int visual_w,
                          int visual_h, int w, int h, int *x, int *y)
{
    int margin = (int)lround(spec->margin_fraction * visual_w);
    int left = margin, right = visual_w - margin - w;
    int top = margin, bottom = visual_h - margin - h;
    switch (spec->anchor) {
    case DK_ANCHOR_BOTTOM_LEFT:
        *x = left, *y = bottom;
        break;
    case DK_ANCHOR_TOP_RIGHT:
        *x = right, *y = top;
        break;
    case DK_ANCHOR_TOP_LEFT:
        *x = left, *y = top;
        break;
    case DK_ANCHOR_CENTER:
        *x = (visual_w - w) / 2, *y = (visual_h - h) / 2;
        break;
    case DK_ANCHOR_CUSTOM:
        /* like CSS background-position: 0 puts the overlay against the
         * left (top) edge, 1 against the right (bottom), so any value keeps
         * it inside the frame */
        *x = (int)lround(CLAMP(spec->custom_x, 0.0, 1.0) * (visual_w - w));
        *y = (int)lround(CLAMP(spec->custom_y, 0.0, 1.0) * (visual_h - h));
        break;
    default:
        *x = right, *y = bottom;
        break;
    }
}

/* Cuts the placed overlay down to the part inside the frame. */
static void clip(overlay_private *overlay, int full_width, int full_height)
{
    dk_overlay *o = &overlay->public;
    int x0 = MAX(o->x, 0), y0 = MAX(o->y, 0);
    int x1 = MIN(o->x + full_width, overlay->frame_width);
    int y1 = MIN(o->y + full_height, overlay->frame_height);
    o->stride = full_width * 4;
    if (x1 <= x0 || y1 <= y0) {
        o->x = MAX(0, MIN(o->x, overlay->frame_width));
        o->y = MAX(0, MIN(o->y, overlay->frame_height));
        o->width = o->height = 0;
        o->pixels = overlay->buffer;
        return;
    }
    o->pixels = overlay->buffer + (gsize)(y0 - o->y) * o->stride +
                (gsize)(x0 - o->x) * 4;
    o->x = x0, o->y = y0;
    o->width = x1 - x0, o->height = y1 - y0;
}

int dk_overlay_render(const dk_overlay_spec *spec, int width, int height,
                      int orientation, dk_overlay **out, dk_error *err)
{
    *out = NULL;
    if (width <= 0 || height <= 0 || width > FRAME_MAX_SIDE ||
        height > FRAME_MAX_SIDE)
        return dk_error_set(err, DK_ERR_INVALID,
                            "overlay: frame size %dx%d out of range", width,
                            height);
    if (!(spec->width_fraction > 0 && spec->width_fraction <= 1))
        return dk_error_set(err, DK_ERR_INVALID,
                            "overlay: width %g is not in (0, 1]",
                            spec->width_fraction);
    /* Unknown orientation values are shown unrotated by viewers; do the
     * same. */
    if (orientation < 1 || orientation > 8)
        orientation = 1;

    int visual_w, visual_h;
    overlay_visual_size(orientation, width, height, &visual_w, &visual_h);
    int box_width = (int)lround(spec->width_fraction * visual_w);
    box_width = CLAMP(box_width, 1, visual_w);

    uint32_t *visual = NULL;
    int w, h;
    int rc = overlay_draw(spec, box_width, &visual, &w, &h, err);
    if (rc)
        return rc;
    int vx, vy;
    visual_origin(spec, visual_w, visual_h, w, h, &vx, &vy);

    overlay_private *overlay = g_new0(overlay_private, 1);
    overlay->frame_width = width;
    overlay->frame_height = height;
    int sw, sh;
    overlay_rect_to_stored(orientation, visual_w, visual_h, vx, vy, w, h,
                           &overlay->public.x, &overlay->public.y, &sw, &sh);
    if (orientation == 1) {
        overlay->buffer = (uint8_t *)visual;
    } else {
        overlay->buffer =
            (uint8_t *)overlay_pixels_to_stored(orientation, visual, w, h);
        g_free(visual);
    }
    clip(overlay, sw, sh);
    *out = &overlay->public;
    return 0;
}

void dk_overlay_free(dk_overlay **overlay)
{
    if (!overlay || !*overlay)
        return;
    overlay_private *p = (overlay_private *)*overlay;
    overlay_yuv_free(&p->yuv);
    g_free(p->buffer);
    g_free(p);
    *overlay = NULL;
}
