/* The overlay converted once for I420 frames (BT.709, limited range, what
 * HD video and our encoders use): luma and alpha per pixel, and chroma per
 * 2x2 block averaged over the pixels the block covers, so a video or live
 * path blends each frame with one multiply-add per sample. */
#include "overlay_private.h"

/* BT.709 limited-range coefficients scaled by 1024; each chroma row sums to
 * zero so white and grey stay exactly neutral. */
#define Y_R  187
#define Y_G  629
#define Y_B  63
#define CB_R (-103)
#define CB_G (-347)
#define CB_B 450
#define CR_R 450
#define CR_G (-409)
#define CR_B (-41)

/* value / divisor, rounded, for non-negative numbers */
static unsigned divide_round(unsigned value, unsigned divisor)
{
    return (value + divisor / 2) / divisor;
}

/* 128 * 1024 keeps the sum positive, so the shift rounds the same way for
 * every colour. */
static uint8_t chroma(int r, int g, int b, int kr, int kg, int kb)
{
    return (uint8_t)((128 * 1024 + 512 + kr * r + kg * g + kb * b) >> 10);
}

static void convert_luma(const dk_overlay *o, overlay_yuv *yuv)
{
    for (int y = 0; y < o->height; y++) {
        const uint32_t *row =
            (const uint32_t *)(o->pixels + (gsize)y * o->stride);
        uint8_t *luma = yuv->luma + (gsize)y * o->width;
        uint8_t *alpha = yuv->luma_alpha + (gsize)y * o->width;
        for (int x = 0; x < o->width; x++) {
            uint32_t p = row[x];
            unsigned a = p >> 24;
            alpha[x] = (uint8_t)a;
            luma[x] = 16;
            if (!a)
                continue;
            unsigned r = divide_round(((p >> 16) & 0xff) * 255, a);
            unsigned g = divide_round(((p >> 8) & 0xff) * 255, a);
            unsigned b = divide_round((p & 0xff) * 255, a);
            luma[x] =
                (uint8_t)(16 + ((Y_R * r + Y_G * g + Y_B * b + 512) >> 10));
        }
    }
}

/* Sums the premultiplied channels of the overlay pixels that fall in one
 * chroma block; *inside counts the block's pixels inside the frame (those
 * outside the overlay count as transparent). */
static void block_sums(const overlay_private *overlay, int cx, int cy,
                       unsigned sums[4], unsigned *inside)
{
    const dk_overlay *o = &overlay->public;
    sums[0] = sums[1] = sums[2] = sums[3] = 0;
    *inside = 0;
    for (int fy = 2 * cy; fy < 2 * cy + 2 && fy < overlay->frame_height; fy++) {
        for (int fx = 2 * cx; fx < 2 * cx + 2 && fx < overlay->frame_width;
             fx++) {
            (*inside)++;
            if (fx < o->x || fx >= o->x + o->width || fy < o->y ||
                fy >= o->y + o->height)
                continue;
            uint32_t p =
                ((const uint32_t *)(o->pixels +
                                    (gsize)(fy - o->y) * o->stride))[fx - o->x];
            for (int c = 0; c < 4; c++)
                sums[c] += (p >> (8 * c)) & 0xff; /* b, g, r, a */
        }
    }
}

static void convert_chroma(const overlay_private *overlay, overlay_yuv *yuv)
{
    for (int cy = 0; cy < yuv->chroma_height; cy++) {
        for (int cx = 0; cx < yuv->chroma_width; cx++) {
            gsize at = (gsize)cy * yuv->chroma_width + cx;
            unsigned sums[4], inside;
            block_sums(overlay, yuv->chroma_x + cx, yuv->chroma_y + cy, sums,
                       &inside);
            yuv->chroma_alpha[at] =
                (uint8_t)(inside ? divide_round(sums[3], inside) : 0);
            yuv->cb[at] = yuv->cr[at] = 128;
            if (!sums[3])
                continue;
            int r = (int)divide_round(sums[2] * 255, sums[3]);
            int g = (int)divide_round(sums[1] * 255, sums[3]);
            int b = (int)divide_round(sums[0] * 255, sums[3]);
            yuv->cb[at] = chroma(r, g, b, CB_R, CB_G, CB_B);
            yuv->cr[at] = chroma(r, g, b, CR_R, CR_G, CR_B);
        }
    }
}

overlay_yuv *overlay_yuv_new(const overlay_private *overlay)
{
    const dk_overlay *o = &overlay->public;
    overlay_yuv *yuv = g_new0(overlay_yuv, 1);
    gsize pixels = (gsize)o->width * o->height;
    yuv->luma = g_malloc(pixels ? pixels : 1);
    yuv->luma_alpha = g_malloc(pixels ? pixels : 1);
    convert_luma(o, yuv);
    if (pixels) {
        yuv->chroma_x = o->x / 2;
        yuv->chroma_y = o->y / 2;
        yuv->chroma_width = (o->x + o->width - 1) / 2 - yuv->chroma_x + 1;
        yuv->chroma_height = (o->y + o->height - 1) / 2 - yuv->chroma_y + 1;
    }
    gsize blocks = (gsize)yuv->chroma_width * yuv->chroma_height;
    yuv->cb = g_malloc(blocks ? blocks : 1);
    yuv->cr = g_malloc(blocks ? blocks : 1);
    yuv->chroma_alpha = g_malloc(blocks ? blocks : 1);
    convert_chroma(overlay, yuv);
    return yuv;
}

void overlay_yuv_free(overlay_yuv **yuv)
{
    if (!yuv || !*yuv)
        return;
    g_free((*yuv)->luma);
    g_free((*yuv)->luma_alpha);
    g_free((*yuv)->cb);
    g_free((*yuv)->cr);
    g_free((*yuv)->chroma_alpha);
    g_free(*yuv);
    *yuv = NULL;
}
