/* Blending a rendered overlay onto frames. Only the rows and columns the
 * overlay covers are read or written, in integer arithmetic; the rest of
 * the frame is never touched, so the cost follows the overlay's size, not
 * the frame's. */
#include "overlay_private.h"

/* x / 255 rounded, exact for 0 <= x <= 255 * 255 */
static inline unsigned div255(unsigned x)
{
    x += 128;
    return (x + (x >> 8)) >> 8;
}

/* The overlay rectangle [x0, x1) x [y0, y1) inside a width x height frame;
 * false when nothing is covered. */
static bool covered(int x, int y, int w, int h, int width, int height, int *x0,
                    int *y0, int *x1, int *y1)
{
    *x0 = MAX(x, 0);
    *y0 = MAX(y, 0);
    *x1 = MIN(x + w, width);
    *y1 = MIN(y + h, height);
    return *x0 < *x1 && *y0 < *y1;
}

void dk_overlay_blend_rgb24(const dk_overlay *overlay, uint8_t *pixels,
                            int width, int height, int stride)
{
    int x0, y0, x1, y1;
    if (!overlay || !pixels ||
        !covered(overlay->x, overlay->y, overlay->width, overlay->height, width,
                 height, &x0, &y0, &x1, &y1))
        return;
    for (int y = y0; y < y1; y++) {
        const uint32_t *src =
            (const uint32_t *)(overlay->pixels +
                               (gsize)(y - overlay->y) * overlay->stride) +
            (x0 - overlay->x);
        uint8_t *dst = pixels + (gsize)y * stride + (gsize)x0 * 3;
        for (int x = x0; x < x1; x++, src++, dst += 3) {
            uint32_t p = *src;
            unsigned a = p >> 24;
            if (!a)
                continue;
            unsigned keep = 255 - a;
            /* premultiplied: result = overlay + frame * (1 - alpha) */
            dst[0] = (uint8_t)(((p >> 16) & 0xff) + div255(dst[0] * keep));
            dst[1] = (uint8_t)(((p >> 8) & 0xff) + div255(dst[1] * keep));
            dst[2] = (uint8_t)((p & 0xff) + div255(dst[2] * keep));
        }
    }
}

/* One plane: value and alpha per sample of a rectangle placed at (x, y). */
static void blend_plane(const uint8_t *value, const uint8_t *alpha, int x,
                        int y, int w, int h, uint8_t *plane, int stride,
                        int width, int height)
{
    int x0, y0, x1, y1;
    if (!covered(x, y, w, h, width, height, &x0, &y0, &x1, &y1))
        return;
    for (int row = y0; row < y1; row++) {
        gsize at = (gsize)(row - y) * w + (x0 - x);
        const uint8_t *v = value + at, *a = alpha + at;
        uint8_t *dst = plane + (gsize)row * stride + x0;
        for (int col = x0; col < x1; col++, v++, a++, dst++) {
            if (*a)
                *dst = (uint8_t)div255(*v * *a + *dst * (255u - *a));
        }
    }
}

void dk_overlay_blend_i420(const dk_overlay *overlay, uint8_t *const planes[3],
                           const int strides[3], int width, int height)
{
    if (!overlay || !overlay->width || !overlay->height)
        return;
    /* The conversion is a cache: the overlay stays logically const, and a
     * once-guard lets several threads blend the same overlay. */
    overlay_private *p = (overlay_private *)overlay;
    if (g_once_init_enter(&p->yuv))
        g_once_init_leave(&p->yuv, overlay_yuv_new(p));
    const overlay_yuv *yuv = p->yuv;

    blend_plane(yuv->luma, yuv->luma_alpha, overlay->x, overlay->y,
                overlay->width, overlay->height, planes[0], strides[0], width,
                height);
    int chroma_w = (width + 1) / 2, chroma_h = (height + 1) / 2;
    blend_plane(yuv->cb, yuv->chroma_alpha, yuv->chroma_x, yuv->chroma_y,
                yuv->chroma_width, yuv->chroma_height, planes[1], strides[1],
                chroma_w, chroma_h);
    blend_plane(yuv->cr, yuv->chroma_alpha, yuv->chroma_x, yuv->chroma_y,
                yuv->chroma_width, yuv->chroma_height, planes[2], strides[2],
                chroma_w, chroma_h);
}
