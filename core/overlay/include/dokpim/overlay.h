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
#include <dokpim/plugin.h>

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

/* The position choices, in dk_anchor order (an ENUM option's index is the
 * anchor). */
#define DK_ANCHOR_CHOICES                                                      \
    "bottom-right|bottom-left|top-right|top-left|center|custom"

/* The overlay options every drawing plugin offers, with one name each:
 * logo, text, font, position, x, y, width, margin, opacity. A plugin
 * embeds this struct in its config and puts DK_OVERLAY_OPTIONS(...) in its
 * option table; dk_overlay_spec_from_options() turns it into a spec. */
typedef struct dk_overlay_options {
    const char *logo; /* "" for none */
    const dk_template *text;
    const char *font;
    int position; /* dk_anchor */
    double x, y, width, margin, opacity;
} dk_overlay_options;

/* Rows for struct T whose member m is a dk_overlay_options. Defaults that
 * differ between uses (a live picture wants a smaller, stronger mark in
 * the other corner, a little further in) are arguments; the rest is
 * shared. */
/* clang-format off */
#define DK_OVERLAY_OPTIONS(T, m, text_default, position_default,              \
                           width_default, margin_default, opacity_default)     \
    {.name = "logo", .type = DK_OPT_PATH, .default_value = "",                 \
     .help = "PNG logo with alpha (empty: text only)",                         \
     DK_FIELD(T, m.logo)},                                                     \
    {.name = "text", .type = DK_OPT_TEMPLATE, .default_value = text_default,   \
     .help = "text line under the logo, any script (empty, and no logo: no "   \
             "overlay)",                                                       \
     DK_FIELD(T, m.text)},                                                     \
    {.name = "font", .type = DK_OPT_STRING, .default_value = "Sans Bold",      \
     .help = "Pango font description", DK_FIELD(T, m.font)},                   \
    {.name = "position", .type = DK_OPT_ENUM,                                  \
     .default_value = position_default,                                        \
     .help = "where the mark sits as the picture is shown",                    \
     .choices = DK_ANCHOR_CHOICES, DK_FIELD(T, m.position)},                   \
    {.name = "x", .type = DK_OPT_DOUBLE, .default_value = "1",                 \
     .help = "custom position: 0 puts the mark against the left edge, 1 "     \
             "against the right",                                              \
     .min = 0, .max = 1, DK_FIELD(T, m.x)},                                    \
    {.name = "y", .type = DK_OPT_DOUBLE, .default_value = "1",                 \
     .help = "custom position: 0 puts the mark against the top edge, 1 "      \
             "against the bottom",                                             \
     .min = 0, .max = 1, DK_FIELD(T, m.y)},                                    \
    {.name = "width", .type = DK_OPT_DOUBLE, .default_value = width_default,   \
     .help = "width of the mark relative to the picture's width as shown",    \
     .min = 0.01, .max = 1, DK_FIELD(T, m.width)},                             \
    {.name = "margin", .type = DK_OPT_DOUBLE,                                  \
     .default_value = margin_default,                                          \
     .help = "distance from the edges relative to the picture's width",       \
     .min = 0, .max = 0.5, DK_FIELD(T, m.margin)},                             \
    {.name = "opacity", .type = DK_OPT_DOUBLE,                                 \
     .default_value = opacity_default, .help = "0 invisible, 1 opaque",        \
     .min = 0, .max = 1, DK_FIELD(T, m.opacity)}
/* clang-format on */

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

/* Fills spec from a plugin's overlay options, the text expanded for item
 * (NULL: event fields only, as a live picture has no item) and trimmed.
 * Returns 1 when there is something to draw (a logo or non-empty text), 0
 * when the options ask for no overlay (spec is then empty), or a negative
 * DK_ERR_* code. The strings are copies: dk_overlay_spec_clear() either
 * way. */
DK_API int dk_overlay_spec_from_options(const dk_stage *stage,
                                        const dk_overlay_options *options,
                                        const dk_item *item,
                                        dk_overlay_spec *spec, dk_error *err);

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
