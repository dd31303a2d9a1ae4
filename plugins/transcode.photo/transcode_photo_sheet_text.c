/* transcode.photo — the words under each thumbnail and the sheet's header,
 * one drawing for the JPEG and the PDF sheet.
 *
 * Text goes through Pango so that captions in Balinese or Arabic shape
 * (fontconfig falls back to the Noto face that has the script), and every
 * line is given a width with an ellipsis, so a 200-character file name
 * never spills into the next cell. Names come from cameras and card
 * readers: they are shown as text (pango_layout_set_text, never markup)
 * with invalid bytes and control characters replaced. */
#include "transcode_photo_sheet.h"

#include <pango/pangocairo.h>
#include <string.h>

#define SHEET_FONT    "Noto Sans"
#define LINE_FACTOR   1.3
#define CAPTION_LINES 2
#define TEXT_LINES    (3 + CAPTION_LINES)

void transcode_photo_sheet_cell_clear(transcode_photo_sheet_cell *cell)
{
    g_free(cell->thumb);
    g_free(cell->web);
    g_free(cell->name);
    g_free(cell->time);
    g_free(cell->label);
    g_free(cell->caption);
    memset(cell, 0, sizeof *cell);
}

char *transcode_photo_sheet_printable(const char *text)
{
    char *valid = g_utf8_make_valid(text ? text : "", -1);
    GString *out = g_string_sized_new(strlen(valid));
    for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
        gunichar ch = g_utf8_get_char(p);
        if (g_unichar_iscntrl(ch) && ch != '\n')
            g_string_append_unichar(out, 0xFFFD);
        else
            g_string_append_unichar(out, ch == '\n' ? ' ' : ch);
    }
    g_free(valid);
    return g_string_free(out, FALSE);
}

char *transcode_photo_sheet_title_line(const transcode_photo_sheet_cell *c)
{
    g_autofree char *name = transcode_photo_sheet_printable(c->name);
    if (c->seq > 0)
        return g_strdup_printf("#%d  %s", c->seq, name);
    return g_steal_pointer(&name);
}

const char *transcode_photo_sheet_time_line(const transcode_photo_sheet_cell *c)
{
    return c->time ? c->time : "time unknown";
}

char *transcode_photo_sheet_stars(int rating)
{
    GString *s = g_string_new(NULL);
    for (int i = 1; i <= 5; i++)
        g_string_append(s, i <= rating ? "\u2605" : "\u2606");
    return g_string_free(s, FALSE);
}

double transcode_photo_sheet_text_height(double size)
{
    return TEXT_LINES * LINE_FACTOR * size;
}

/* One laid-out piece of text, cut to width w (and to `lines` lines). */
static double draw_line(cairo_t *cr, const char *text, double x, double y,
                        double w, double size, int lines, bool bold,
                        PangoAlignment align)
{
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *font = pango_font_description_from_string(
        bold ? SHEET_FONT " Bold" : SHEET_FONT);
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    pango_layout_set_font_description(layout, font);
    pango_font_description_free(font);
    pango_layout_set_width(layout, (int)(w * PANGO_SCALE));
    pango_layout_set_alignment(layout, align);
    pango_layout_set_ellipsize(layout, lines > 1 ? PANGO_ELLIPSIZE_END
                                                 : PANGO_ELLIPSIZE_MIDDLE);
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_height(layout, -lines);
    pango_layout_set_text(layout, text, -1);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, layout);
    g_object_unref(layout);
    return lines * LINE_FACTOR * size;
}

void transcode_photo_sheet_draw_note(cairo_t *cr, const char *text, double x,
                                     double y, double w, double size,
                                     bool light)
{
    double grey = light ? 0.92 : 0.1;
    cairo_save(cr);
    cairo_set_source_rgb(cr, grey, grey, grey);
    draw_line(cr, text, x, y, w, size, 1, true, PANGO_ALIGN_CENTER);
    cairo_restore(cr);
}

void transcode_photo_sheet_draw_text(cairo_t *cr,
                                     const transcode_photo_sheet_cell *c,
                                     double x, double y, double w, double size,
                                     bool light)
{
    double grey = light ? 0.92 : 0.1;
    cairo_save(cr);
    cairo_set_source_rgb(cr, grey, grey, grey);
    g_autofree char *title = transcode_photo_sheet_title_line(c);
    y += draw_line(cr, title, x, y, w, size, 1, true, PANGO_ALIGN_LEFT);
    y += draw_line(cr, transcode_photo_sheet_time_line(c), x, y, w, size, 1,
                   false, PANGO_ALIGN_LEFT);
    g_autofree char *stars = transcode_photo_sheet_stars(c->rating);
    draw_line(cr, stars, x, y, w, size, 1, false, PANGO_ALIGN_LEFT);
    if (c->label) {
        bool pick = strcmp(c->label, "pick") == 0;
        /* green for a pick, red for a reject: read across the room */
        cairo_set_source_rgb(cr, pick ? 0.1 : 0.85, pick ? 0.65 : 0.15, 0.2);
        draw_line(cr, pick ? "PICK" : "REJECT", x, y, w, size, 1, true,
                  PANGO_ALIGN_RIGHT);
        cairo_set_source_rgb(cr, grey, grey, grey);
    }
    y += LINE_FACTOR * size;
    if (c->caption && *c->caption) {
        g_autofree char *caption = transcode_photo_sheet_printable(c->caption);
        draw_line(cr, caption, x, y, w, size, CAPTION_LINES, false,
                  PANGO_ALIGN_LEFT);
    }
    cairo_restore(cr);
}

char *transcode_photo_sheet_heading(const transcode_photo_sheet_options *o)
{
    GString *head = g_string_new(NULL);
    const char *parts[] = {o->title, o->date, o->place};
    for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
        if (parts[i] && *parts[i])
            g_string_append_printf(head, "%s%s", head->len ? "  \u00b7  " : "",
                                   parts[i]);
    char *text = transcode_photo_sheet_printable(head->str);
    g_string_free(head, TRUE);
    return text;
}

void transcode_photo_sheet_draw_header(cairo_t *cr,
                                       const transcode_photo_sheet_options *o,
                                       double x, double y, double w,
                                       double size, int page, int pages,
                                       bool light)
{
    double grey = light ? 0.92 : 0.1;
    g_autofree char *text = transcode_photo_sheet_heading(o);
    g_autofree char *count = g_strdup_printf("page %d of %d", page, pages);
    cairo_save(cr);
    cairo_set_source_rgb(cr, grey, grey, grey);
    /* the page number keeps its room; the title is cut before it */
    double right = w * 0.2;
    draw_line(cr, text, x, y, w - right, size, 1, true, PANGO_ALIGN_LEFT);
    draw_line(cr, count, x + w - right, y, right, size, 1, false,
              PANGO_ALIGN_RIGHT);
    cairo_restore(cr);
}
