/* The text line of an overlay: laid out and shaped by pango (so Balinese,
 * Arabic or any other script comes out right), sized to the overlay's
 * width, drawn white over a soft dark halo so it reads on any background. */
#include "overlay_private.h"

#include <math.h>
#include <pango/pangocairo.h>

/* Proportions of the font size in pixels; the halo is the glyphs blurred,
 * amplified, and dropped slightly down. */
#define TEXT_MAX_OF_BOX  0.10 /* largest font: a tenth of the box width */
#define TEXT_MIN_OF_BOX  (1.0 / 36)
#define TEXT_MIN_PIXELS  7.0
#define TEXT_MAX_LINES   3 /* past this, long text is ellipsized */
#define HALO_BLUR        0.05
#define HALO_GAIN        3 /* spreads the blurred coverage into an outline */
#define HALO_DROP        0.03
#define HALO_BLUR_PASSES 3 /* three box blurs look Gaussian */
#define HALO_ALPHA       0.7

struct overlay_text {
    PangoContext *context;
    PangoLayout *layout;
    double size;   /* font size in pixels */
    int pad;       /* room for the halo on every side */
    int box_width; /* width the text is aligned in, pads included */
    int ink_top;   /* first row with ink or line box, layout coordinates */
    int height;    /* pads included */
};

static int halo_pad(double size)
{
    return (int)ceil(size * (HALO_BLUR * HALO_BLUR_PASSES + HALO_DROP)) + 1;
}

static void set_size(overlay_text *text, PangoFontDescription *font,
                     double size)
{
    text->size = size;
    text->pad = halo_pad(size);
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    pango_layout_set_font_description(text->layout, font);
}

static int natural_width(overlay_text *text)
{
    PangoRectangle ink, logical;
    pango_layout_get_pixel_extents(text->layout, &ink, &logical);
    return MAX(logical.width, ink.x + ink.width);
}

/* Picks the largest size up to a tenth of the box at which the text fits on
 * one line; below the minimum it wraps instead of shrinking further. */
static void fit(overlay_text *text, PangoFontDescription *font)
{
    double max_size = text->box_width * TEXT_MAX_OF_BOX;
    double min_size = MAX(text->box_width * TEXT_MIN_OF_BOX, TEXT_MIN_PIXELS);
    max_size = MAX(max_size, min_size);
    set_size(text, font, max_size);
    for (int round = 0; round < 4; round++) {
        int room = MAX(text->box_width - 2 * text->pad, 1);
        int natural = natural_width(text);
        if (natural <= room)
            break;
        /* widths scale almost linearly with size (hinting is off) */
        double size = text->size * room / natural * 0.995;
        if (size <= min_size) {
            set_size(text, font, min_size);
            break;
        }
        set_size(text, font, size);
    }
    int room = MAX(text->box_width - 2 * text->pad, 1);
    pango_layout_set_width(text->layout, room * PANGO_SCALE);
    pango_layout_set_wrap(text->layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_height(text->layout, -TEXT_MAX_LINES);
    pango_layout_set_ellipsize(text->layout, PANGO_ELLIPSIZE_END);
}

static PangoAlignment alignment_for(dk_anchor anchor)
{
    switch (anchor) {
    case DK_ANCHOR_BOTTOM_RIGHT:
    case DK_ANCHOR_TOP_RIGHT:
        return PANGO_ALIGN_RIGHT;
    case DK_ANCHOR_BOTTOM_LEFT:
    case DK_ANCHOR_TOP_LEFT:
        return PANGO_ALIGN_LEFT;
    default:
        return PANGO_ALIGN_CENTER;
    }
}

static PangoContext *text_context(void)
{
    /* pango keeps one cairo font map per thread, so workers never share
     * one and font loading is paid once per thread. */
    PangoContext *context =
        pango_font_map_create_context(pango_cairo_font_map_get_default());
    cairo_font_options_t *options = cairo_font_options_create();
    /* Unhinted outlines and metrics: the same text looks the same at every
     * frame size, and sizes scale linearly while fitting. */
    cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(context, options);
    cairo_font_options_destroy(options);
    return context;
}

/* "Right" must mean the right edge for Arabic or Hebrew too: pango swaps
 * left and right alignment for a paragraph whose direction differs from
 * the (left-to-right) base, so swap first and the two cancel out. */
static void align(PangoLayout *layout, dk_anchor anchor)
{
    PangoAlignment alignment = alignment_for(anchor);
    if (pango_layout_get_direction(layout, 0) == PANGO_DIRECTION_RTL &&
        alignment != PANGO_ALIGN_CENTER)
        alignment = alignment == PANGO_ALIGN_LEFT ? PANGO_ALIGN_RIGHT
                                                  : PANGO_ALIGN_LEFT;
    pango_layout_set_alignment(layout, alignment);
}

int overlay_text_new(const dk_overlay_spec *spec, int box_width,
                     overlay_text **out, dk_error *err)
{
    *out = NULL;
    if (!g_utf8_validate(spec->text, -1, NULL))
        return dk_error_set(err, DK_ERR_INVALID,
                            "overlay text is not valid UTF-8");
    overlay_text *text = g_new0(overlay_text, 1);
    text->box_width = box_width;
    text->context = text_context();
    text->layout = pango_layout_new(text->context);
    pango_layout_set_text(text->layout, spec->text, -1);
    align(text->layout, spec->anchor);

    PangoFontDescription *font = pango_font_description_from_string(
        spec->font && *spec->font ? spec->font : "Sans Bold");
    fit(text, font);
    pango_font_description_free(font);

    /* Diacritics and stacked consonants can reach outside the line box;
     * keep both inside the image. */
    PangoRectangle ink, logical;
    pango_layout_get_pixel_extents(text->layout, &ink, &logical);
    int top = MIN(ink.y, logical.y);
    int bottom = MAX(ink.y + ink.height, logical.y + logical.height);
    text->ink_top = top;
    text->height = bottom - top + 2 * text->pad;
    *out = text;
    return 0;
}

int overlay_text_height(const overlay_text *text)
{
    return text ? text->height : 0;
}

/* One horizontal then one vertical running-sum box blur of radius r over
 * an A8 image, in place. */
static void box_blur(uint8_t *pixels, int width, int height, int stride, int r)
{
    int longest = MAX(width, height);
    uint8_t *line = g_malloc(longest);
    int window = 2 * r + 1;
    for (int pass = 0; pass < 2; pass++) {
        int count = pass == 0 ? height : width;  /* lines */
        int length = pass == 0 ? width : height; /* samples per line */
        int step = pass == 0 ? 1 : stride;
        for (int l = 0; l < count; l++) {
            uint8_t *p = pixels + (pass == 0 ? (gsize)l * stride : (gsize)l);
            for (int i = 0; i < length; i++)
                line[i] = p[(gsize)i * step];
            int sum = 0;
            /* samples outside the image count as transparent */
            for (int i = 0; i <= MIN(r, length - 1); i++)
                sum += line[i];
            for (int i = 0; i < length; i++) {
                p[(gsize)i * step] = (uint8_t)((sum + window / 2) / window);
                if (i + r + 1 < length)
                    sum += line[i + r + 1];
                if (i - r >= 0)
                    sum -= line[i - r];
            }
        }
    }
    g_free(line);
}

/* The glyphs' coverage, blurred and then amplified: a soft dark outline.
 * Drawing glyphs (from pango's glyph cache) and blurring is far cheaper
 * than stroking the outline paths, and looks the same at these sizes. */
static cairo_surface_t *halo_mask(const overlay_text *text)
{
    cairo_surface_t *mask = cairo_image_surface_create(
        CAIRO_FORMAT_A8, text->box_width, text->height);
    cairo_t *cr = cairo_create(mask);
    cairo_move_to(cr, text->pad, text->pad - text->ink_top);
    pango_cairo_show_layout(cr, text->layout);
    cairo_destroy(cr);

    cairo_surface_flush(mask);
    uint8_t *data = cairo_image_surface_get_data(mask);
    if (!data) /* out of memory: the text goes without its halo */
        return mask;
    int stride = cairo_image_surface_get_stride(mask);
    int radius = MAX((int)lround(text->size * HALO_BLUR), 1);
    for (int pass = 0; pass < HALO_BLUR_PASSES; pass++)
        box_blur(data, text->box_width, text->height, stride, radius);
    for (int y = 0; y < text->height; y++) {
        uint8_t *row = data + (gsize)y * stride;
        for (int x = 0; x < text->box_width; x++)
            row[x] = (uint8_t)MIN(row[x] * HALO_GAIN, 255);
    }
    cairo_surface_mark_dirty(mask);
    return mask;
}

void overlay_text_draw(const overlay_text *text, cairo_t *cr, int top)
{
    cairo_surface_t *mask = halo_mask(text);
    cairo_save(cr);
    cairo_set_source_rgba(cr, 0, 0, 0, HALO_ALPHA);
    cairo_mask_surface(cr, mask, 0, top + text->size * HALO_DROP);
    cairo_surface_destroy(mask);

    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_move_to(cr, text->pad, top + text->pad - text->ink_top);
    pango_cairo_show_layout(cr, text->layout);
    cairo_restore(cr);
}

void overlay_text_free(overlay_text **text)
{
    if (!text || !*text)
        return;
    g_object_unref((*text)->layout);
    g_object_unref((*text)->context);
    g_free(*text);
    *text = NULL;
}
