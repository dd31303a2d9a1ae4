/* Private to the overlay library: the structure behind a dk_overlay and the
 * pieces the render, orientation and blend files share. */
#ifndef DK_OVERLAY_PRIVATE_H
#define DK_OVERLAY_PRIVATE_H

#include <glib.h>
#include <stdint.h>

#include <dokpim/overlay.h>

/* The overlay converted for I420 frames: luma and alpha per covered pixel,
 * chroma and chroma alpha per covered 2x2 block, all un-premultiplied so a
 * blend is one multiply-add per sample. */
typedef struct overlay_yuv {
    int chroma_x, chroma_y;          /* first covered chroma sample */
    int chroma_width, chroma_height; /* covered chroma samples */
    uint8_t *luma, *luma_alpha;      /* width x height */
    uint8_t *cb, *cr, *chroma_alpha; /* chroma_width x chroma_height */
} overlay_yuv;

/* dk_overlay is the first member, so a dk_overlay * handed out is also a
 * overlay_private *. */
typedef struct overlay_private {
    dk_overlay public;
    uint8_t *buffer;               /* what public.pixels points into */
    int frame_width, frame_height; /* the stored frame it was made for */
    overlay_yuv *yuv;              /* built on first I420 blend */
} overlay_private;

/* ---- EXIF orientation (overlay_orient.c) ----
 * A frame stored stored_w x stored_h with orientation o is seen as a
 * visual_w x visual_h picture; orientations 5..8 swap the axes. */
void overlay_visual_size(int orientation, int stored_w, int stored_h,
                         int *visual_w, int *visual_h);
/* Where the visual pixel (vx, vy) of a visual_w x visual_h picture is
 * stored. */
void overlay_visual_to_stored(int orientation, int visual_w, int visual_h,
                              int vx, int vy, int *sx, int *sy);
/* The stored-frame rectangle that shows as the visual rectangle (x, y, w,
 * h) of a visual_w x visual_h picture. */
void overlay_rect_to_stored(int orientation, int visual_w, int visual_h, int x,
                            int y, int w, int h, int *sx, int *sy, int *sw,
                            int *sh);
/* Rearranges a visual w x h ARGB32 image (stride 4*w) into the stored
 * orientation; returns a new g_malloc'd buffer of the stored size (stride 4
 * * stored width). */
uint32_t *overlay_pixels_to_stored(int orientation, const uint32_t *visual,
                                   int w, int h);

/* ---- drawing (overlay_draw.c) ----
 * Draws the logo and text of spec into a new premultiplied ARGB32 image,
 * box_width pixels wide, in visual orientation, opacity already applied.
 * *pixels is g_free()d by the caller; stride is 4 * *width. */
int overlay_draw(const dk_overlay_spec *spec, int box_width, uint32_t **pixels,
                 int *width, int *height, dk_error *err);

/* ---- text (overlay_text.c) ----
 * The text line laid out for a box box_width pixels wide (font size
 * fitted to it, aligned to the anchor's side). */
struct _cairo;
typedef struct overlay_text overlay_text;
int overlay_text_new(const dk_overlay_spec *spec, int box_width,
                     overlay_text **out, dk_error *err);
/* Height in pixels, halo included; 0 for NULL. */
int overlay_text_height(const overlay_text *text);
/* Draws the text with its halo at (0, top) of cr. */
void overlay_text_draw(const overlay_text *text, struct _cairo *cr, int top);
void overlay_text_free(overlay_text **text);

/* ---- I420 conversion (overlay_yuv.c) ---- */
overlay_yuv *overlay_yuv_new(const overlay_private *overlay);
void overlay_yuv_free(overlay_yuv **yuv);

#endif
