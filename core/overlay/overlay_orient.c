/* EXIF orientation geometry: the overlay is laid out as the viewer sees the
 * picture, then moved into the orientation the frame is stored in, so a
 * "bottom-right" mark is at the bottom right whatever way the camera was
 * held. Orientation values follow EXIF 2.3 (tag 0x0112):
 *   1 as stored        2 mirrored left-right   3 rotated 180
 *   4 mirrored top-bottom   5 transposed   6 shown rotated 90 clockwise
 *   7 transversed      8 shown rotated 90 counter-clockwise */
#include "overlay_private.h"

static int swaps_axes(int orientation)
{
    return orientation >= 5 && orientation <= 8;
}

void overlay_visual_size(int orientation, int stored_w, int stored_h,
                         int *visual_w, int *visual_h)
{
    *visual_w = swaps_axes(orientation) ? stored_h : stored_w;
    *visual_h = swaps_axes(orientation) ? stored_w : stored_h;
}

void overlay_visual_to_stored(int orientation, int visual_w, int visual_h,
                              int vx, int vy, int *sx, int *sy)
{
    /* Each case inverts what a viewer does to show the stored frame: e.g.
     * for 6 the stored row 0 becomes the visual right column. */
    switch (orientation) {
    case 2:
        *sx = visual_w - 1 - vx;
        *sy = vy;
        break;
    case 3:
        *sx = visual_w - 1 - vx;
        *sy = visual_h - 1 - vy;
        break;
    case 4:
        *sx = vx;
        *sy = visual_h - 1 - vy;
        break;
    case 5:
        *sx = vy;
        *sy = vx;
        break;
    case 6:
        *sx = vy;
        *sy = visual_w - 1 - vx;
        break;
    case 7:
        *sx = visual_h - 1 - vy;
        *sy = visual_w - 1 - vx;
        break;
    case 8:
        *sx = visual_h - 1 - vy;
        *sy = vx;
        break;
    default:
        *sx = vx;
        *sy = vy;
        break;
    }
}

void overlay_rect_to_stored(int orientation, int visual_w, int visual_h, int x,
                            int y, int w, int h, int *sx, int *sy, int *sw,
                            int *sh)
{
    /* Every orientation maps rectangles to rectangles, so two opposite
     * corners are enough. */
    int ax, ay, bx, by;
    overlay_visual_to_stored(orientation, visual_w, visual_h, x, y, &ax, &ay);
    overlay_visual_to_stored(orientation, visual_w, visual_h, x + w - 1,
                             y + h - 1, &bx, &by);
    *sx = MIN(ax, bx);
    *sy = MIN(ay, by);
    *sw = swaps_axes(orientation) ? h : w;
    *sh = swaps_axes(orientation) ? w : h;
}

uint32_t *overlay_pixels_to_stored(int orientation, const uint32_t *visual,
                                   int w, int h)
{
    int stored_w = swaps_axes(orientation) ? h : w;
    uint32_t *stored = g_new(uint32_t, (gsize)w * h);
    for (int vy = 0; vy < h; vy++) {
        for (int vx = 0; vx < w; vx++) {
            int sx, sy;
            overlay_visual_to_stored(orientation, w, h, vx, vy, &sx, &sy);
            stored[(gsize)sy * stored_w + sx] = visual[(gsize)vy * w + vx];
        }
    }
    return stored;
}
