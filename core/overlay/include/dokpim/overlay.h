/* dokpim — the one overlay renderer (logo + text line) shared by the photo,
 * video and live paths, so a watermark looks the same everywhere.
 *
 * The overlay is rendered once per frame size with cairo + pango into a
 * premultiplied ARGB image, then blended only over the pixels it covers.
 * A stage that wants an overlay applied by a later stage (watermark.photo
 * before transcode.photo) stores the spec in the item's metadata with
 * dk_overlay_spec_to_meta(); the later stage reads it back, so the request
 * survives re-runs through the item manifest. */
#ifndef DOKPIM_OVERLAY_H
#define DOKPIM_OVERLAY_H

#include <stdint.h>

#include <dokpim/error.h>
#include <dokpim/export.h>
#include <dokpim/item.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_anchor {
    DK_ANCHOR_BOTTOM_RIGHT = 0,
    DK_ANCHOR_BOTTOM_LEFT,
    DK_ANCHOR_TOP_RIGHT,
    DK_ANCHOR_TOP_LEFT,
    DK_ANCHOR_CENTER,
    DK_ANCHOR_CUSTOM, /* custom_x / custom_y */
} dk_anchor;

/* Parses "bottom-right", "top-left", ..., "custom"; -1 when unknown. */
DK_API int dk_anchor_from_name(const char *name);
DK_API const char *dk_anchor_name(dk_anchor anchor);

typedef struct dk_overlay_spec {
    char *logo_path; /* PNG with alpha, or NULL */
    char *text;      /* already expanded, or NULL */
    char *font;      /* Pango description, NULL: "Sans Bold" */
    dk_anchor anchor;
    double custom_x, custom_y; /* 0..1 of the visual frame, for CUSTOM:
                                  0 against the left/top edge, 1 against
                                  the right/bottom (margin ignored) */
    double width_fraction;     /* overlay width / visual frame width */
    double margin_fraction;    /* margin / visual frame width */
    double opacity;            /* 0..1 */
} dk_overlay_spec;

/* Frees the strings in spec (not spec itself). */
DK_API void dk_overlay_spec_clear(dk_overlay_spec *spec);
/* Stores / reads a spec under the "overlay." keys of an item's metadata.
 * from_meta returns DK_ERR_NOT_FOUND when no overlay was requested. */
DK_API void dk_overlay_spec_to_meta(const dk_overlay_spec *spec, dk_meta *meta);
DK_API int dk_overlay_spec_from_meta(const dk_meta *meta, dk_overlay_spec *spec,
                                     dk_error *err);
/* Removes the "overlay." keys: the overlay is already in the pixels of the
 * item's current file, so no later stage should draw it again. */
DK_API void dk_overlay_spec_remove_from_meta(dk_meta *meta);

typedef struct dk_overlay {
    int x, y;          /* top-left in the stored frame */
    int width, height; /* may be clipped to the frame */
    int stride;        /* bytes per row of pixels */
    uint8_t *pixels;   /* premultiplied ARGB32, native endian (cairo) */
} dk_overlay;

/* Renders spec for a frame stored as width x height pixels and shown with
 * EXIF orientation (1..8; 1 for video and already-rotated images), so the
 * overlay lands at the visual anchor. *out is freed with dk_overlay_free. */
DK_API int dk_overlay_render(const dk_overlay_spec *spec, int width, int height,
                             int orientation, dk_overlay **out, dk_error *err);
DK_API void dk_overlay_free(dk_overlay **overlay);

/* Blend onto packed 8-bit RGB (3 bytes per pixel) rows. */
DK_API void dk_overlay_blend_rgb24(const dk_overlay *overlay, uint8_t *pixels,
                                   int width, int height, int stride);
/* Blend onto 8-bit I420 planes (video and live paths), BT.709 limited
 * range; the overlay's Y/U/V form is computed on the first call and reused,
 * and several threads may blend the same overlay at once. */
DK_API void dk_overlay_blend_i420(const dk_overlay *overlay,
                                  uint8_t *const planes[3],
                                  const int strides[3], int width, int height);

#ifdef __cplusplus
}
#endif
#endif
