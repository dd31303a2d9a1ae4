/* Composes the overlay as the viewer sees it: the logo scaled to the box
 * width, the text line under it, opacity applied, into a premultiplied
 * ARGB32 image no bigger than the overlay itself. */
#include "overlay_private.h"

#include <cairo.h>
#include <math.h>
#include <string.h>

/* cairo's image surfaces stop at 32767 pixels a side */
#define OVERLAY_MAX_SIDE 32767

static int load_logo(const char *path, cairo_surface_t **out, dk_error *err)
{
    *out = NULL;
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "overlay logo %s: no such file", path);
    cairo_surface_t *logo = cairo_image_surface_create_from_png(path);
    cairo_status_t status = cairo_surface_status(logo);
    if (status != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(logo);
        return dk_error_set(err, DK_ERR_INVALID,
                            "overlay logo %s: not a readable PNG (%s)", path,
                            cairo_status_to_string(status));
    }
    if (cairo_image_surface_get_width(logo) <= 0 ||
        cairo_image_surface_get_height(logo) <= 0) {
        cairo_surface_destroy(logo);
        return dk_error_set(err, DK_ERR_INVALID, "overlay logo %s: empty image",
                            path);
    }
    *out = logo;
    return 0;
}

static void draw_logo(cairo_t *cr, cairo_surface_t *logo, int width, int height)
{
    cairo_save(cr);
    cairo_scale(cr, (double)width / cairo_image_surface_get_width(logo),
                (double)height / cairo_image_surface_get_height(logo));
    cairo_set_source_surface(cr, logo, 0, 0);
    /* GOOD filters properly when shrinking a large logo a lot */
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
}

/* Copies the surface out (cairo may pad rows) with every premultiplied
 * channel scaled by the opacity, so the blend needs no extra multiply. */
static uint32_t *take_pixels(cairo_surface_t *surface, int width, int height,
                             double opacity)
{
    cairo_surface_flush(surface);
    const uint8_t *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    unsigned scale = (unsigned)lround(CLAMP(opacity, 0.0, 1.0) * 255);
    uint32_t *pixels = g_new(uint32_t, (gsize)width * height);
    for (int y = 0; y < height; y++) {
        const uint32_t *row = (const uint32_t *)(data + (gsize)y * stride);
        uint32_t *dst = pixels + (gsize)y * width;
        if (scale == 255) {
            memcpy(dst, row, (gsize)width * 4);
            continue;
        }
        for (int x = 0; x < width; x++) {
            uint32_t p = row[x], q = 0;
            for (int shift = 0; shift < 32; shift += 8) {
                unsigned c = ((p >> shift) & 0xff) * scale + 128;
                q |= (uint32_t)((c + (c >> 8)) >> 8) << shift;
            }
            dst[x] = q;
        }
    }
    return pixels;
}

int overlay_draw(const dk_overlay_spec *spec, int box_width, uint32_t **pixels,
                 int *width, int *height, dk_error *err)
{
    *pixels = NULL;
    cairo_surface_t *logo = NULL;
    overlay_text *text = NULL;
    int rc = 0;
    if (spec->logo_path && *spec->logo_path)
        rc = load_logo(spec->logo_path, &logo, err);
    if (!rc && spec->text && *spec->text)
        rc = overlay_text_new(spec, box_width, &text, err);
    if (!rc && !logo && !text)
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "overlay has neither a logo nor text");
    if (rc) {
        if (logo)
            cairo_surface_destroy(logo);
        overlay_text_free(&text);
        return rc;
    }

    int logo_height = 0;
    if (logo)
        logo_height = MAX(1, (int)lround((double)box_width *
                                         cairo_image_surface_get_height(logo) /
                                         cairo_image_surface_get_width(logo)));
    int total = logo_height + overlay_text_height(text);
    if (box_width > OVERLAY_MAX_SIDE || total > OVERLAY_MAX_SIDE) {
        if (logo)
            cairo_surface_destroy(logo);
        overlay_text_free(&text);
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "overlay of %dx%d pixels is larger than cairo "
                            "draws (%d)",
                            box_width, total, OVERLAY_MAX_SIDE);
    }
    cairo_surface_t *surface =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, box_width, total);
    cairo_t *cr = cairo_create(surface);
    if (logo)
        draw_logo(cr, logo, box_width, logo_height);
    if (text)
        overlay_text_draw(text, cr, logo_height);
    cairo_destroy(cr);

    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        rc = dk_error_set(
            err, DK_ERR_NOMEM, "overlay %dx%d: %s", box_width, total,
            cairo_status_to_string(cairo_surface_status(surface)));
    } else {
        *pixels = take_pixels(surface, box_width, total, spec->opacity);
        *width = box_width;
        *height = total;
    }
    cairo_surface_destroy(surface);
    if (logo)
        cairo_surface_destroy(logo);
    overlay_text_free(&text);
    return rc;
}
