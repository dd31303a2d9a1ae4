/* --plot: the best match as a picture a spokesperson can show. Clip time
 * runs left to right, original time bottom to top; a faithful clip is one
 * straight rising line, a cut is a step up, an insertion a gap, a
 * re-ordering a step down. Audio and picture are drawn apart so a dubbed
 * clip shows a picture line where the sound line is missing. */
#include "cli.h"
#include "locate_cli.h"

#include <dokpim/fileio.h>

#include <cairo.h>
#include <math.h>
#include <string.h>

#define PLOT_W      1200
#define PLOT_H      720
#define PLOT_LEFT   90
#define PLOT_RIGHT  30
#define PLOT_TOP    80
#define PLOT_BOTTOM 110

typedef struct frame {
    double x0, x1, y0, y1; /* data ranges: clip s, original s */
} frame;

static double px(const frame *f, double x)
{
    return PLOT_LEFT +
           (x - f->x0) / (f->x1 - f->x0) * (PLOT_W - PLOT_LEFT - PLOT_RIGHT);
}

static double py(const frame *f, double y)
{
    return PLOT_H - PLOT_BOTTOM -
           (y - f->y0) / (f->y1 - f->y0) * (PLOT_H - PLOT_TOP - PLOT_BOTTOM);
}

static void fit(const dk_alignment *al, double duration, frame *f)
{
    f->x0 = 0;
    f->x1 = duration > 0 ? duration : 1;
    f->y0 = INFINITY;
    f->y1 = -INFINITY;
    for (size_t i = 0; i < al->n_segments; i++) {
        f->y0 = fmin(f->y0, al->segments[i].orig_start);
        f->y1 = fmax(f->y1, al->segments[i].orig_end);
    }
    for (size_t i = 0; i < al->n_findings; i++)
        if (al->findings[i].orig_start >= 0) {
            f->y0 = fmin(f->y0, al->findings[i].orig_start);
            f->y1 = fmax(f->y1, al->findings[i].orig_end);
        }
    if (!isfinite(f->y0)) {
        f->y0 = 0;
        f->y1 = f->x1;
    }
    double pad = fmax((f->y1 - f->y0) * 0.05, 0.5);
    f->y0 -= pad;
    f->y1 += pad;
}

/* Round steps (1, 2, 5 x 10^k) giving about n ticks over span. */
static double tick_step(double span, int n)
{
    double raw = span / n, p = pow(10, floor(log10(raw)));
    return raw / p < 2 ? p : raw / p < 5 ? 2 * p : 5 * p;
}

static void text_at(cairo_t *cr, double x, double y, double size,
                    const char *text, double align)
{
    cairo_set_font_size(cr, size);
    cairo_text_extents_t e;
    cairo_text_extents(cr, text, &e);
    cairo_move_to(cr, x - align * e.x_advance, y);
    cairo_show_text(cr, text);
}

static void draw_axes(cairo_t *cr, const frame *f)
{
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_set_line_width(cr, 1);
    char label[32];
    double sx = tick_step(f->x1 - f->x0, 10), sy = tick_step(f->y1 - f->y0, 8);
    for (double x = ceil(f->x0 / sx) * sx; x <= f->x1; x += sx) {
        cairo_move_to(cr, px(f, x), py(f, f->y0));
        cairo_line_to(cr, px(f, x), py(f, f->y1));
        cairo_stroke(cr);
        g_snprintf(label, sizeof label, "%g", fabs(x) < 1e-9 ? 0 : x);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        text_at(cr, px(f, x), PLOT_H - PLOT_BOTTOM + 18, 13, label, 0.5);
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    }
    for (double y = ceil(f->y0 / sy) * sy; y <= f->y1; y += sy) {
        cairo_move_to(cr, px(f, f->x0), py(f, y));
        cairo_line_to(cr, px(f, f->x1), py(f, y));
        cairo_stroke(cr);
        g_snprintf(label, sizeof label, "%g", fabs(y) < 1e-9 ? 0 : y);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        text_at(cr, PLOT_LEFT - 8, py(f, y) + 4, 13, label, 1.0);
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_rectangle(cr, PLOT_LEFT, PLOT_TOP, PLOT_W - PLOT_LEFT - PLOT_RIGHT,
                    PLOT_H - PLOT_TOP - PLOT_BOTTOM);
    cairo_stroke(cr);
    text_at(cr, (PLOT_LEFT + PLOT_W - PLOT_RIGHT) / 2.0,
            PLOT_H - PLOT_BOTTOM + 40, 15, "clip time (s)", 0.5);
    cairo_save(cr);
    cairo_translate(cr, 24, (PLOT_TOP + PLOT_H - PLOT_BOTTOM) / 2.0);
    cairo_rotate(cr, -M_PI / 2);
    text_at(cr, 0, 0, 15, "original time (s)", 0.5);
    cairo_restore(cr);
}

static void draw_segments(cairo_t *cr, const frame *f, const dk_alignment *al)
{
    for (size_t i = 0; i < al->n_segments; i++) {
        const dk_segment *s = &al->segments[i];
        bool audio = s->track == DK_TRACK_AUDIO;
        /* audio: thick blue; picture: thinner orange, dashed, on top */
        if (audio)
            cairo_set_source_rgb(cr, 0.12, 0.35, 0.75);
        else
            cairo_set_source_rgb(cr, 0.95, 0.55, 0.1);
        cairo_set_line_width(cr, audio ? 7 : 3);
        double dash[] = {10, 6};
        cairo_set_dash(cr, dash, audio ? 0 : 2, 0);
        cairo_move_to(cr, px(f, s->clip_start), py(f, s->orig_start));
        cairo_line_to(cr, px(f, s->clip_end), py(f, s->orig_end));
        cairo_stroke(cr);
    }
    cairo_set_dash(cr, NULL, 0, 0);
}

static void finding_colour(cairo_t *cr, dk_finding_kind kind, double alpha)
{
    switch (kind) {
    case DK_FINDING_CUT:
        cairo_set_source_rgba(cr, 0.85, 0.1, 0.1, alpha);
        break;
    case DK_FINDING_INSERTED:
        cairo_set_source_rgba(cr, 0.6, 0.0, 0.6, alpha);
        break;
    case DK_FINDING_REORDERED:
        cairo_set_source_rgba(cr, 0.9, 0.45, 0.0, alpha);
        break;
    case DK_FINDING_AUDIO_REPLACED:
        cairo_set_source_rgba(cr, 0.1, 0.55, 0.2, alpha);
        break;
    case DK_FINDING_SPEED:
        cairo_set_source_rgba(cr, 0.3, 0.3, 0.3, alpha);
        break;
    }
}

static void draw_findings(cairo_t *cr, const frame *f, const dk_alignment *al)
{
    double top = py(f, f->y1), bottom = py(f, f->y0);
    for (size_t i = 0; i < al->n_findings; i++) {
        const dk_finding *d = &al->findings[i];
        if (d->kind == DK_FINDING_SPEED)
            continue;
        double x0 = px(f, d->clip_start), x1 = px(f, d->clip_end);
        finding_colour(cr, d->kind, 0.18);
        if (x1 - x0 >= 2) {
            cairo_rectangle(cr, x0, top, x1 - x0, bottom - top);
            cairo_fill(cr);
        }
        /* what the original said there that the clip does not show */
        if (d->kind == DK_FINDING_CUT && d->orig_end > d->orig_start) {
            finding_colour(cr, d->kind, 0.15);
            double y0 = py(f, d->orig_end), y1 = py(f, d->orig_start);
            cairo_rectangle(cr, PLOT_LEFT, y0, PLOT_W - PLOT_LEFT - PLOT_RIGHT,
                            fmax(y1 - y0, 2));
            cairo_fill(cr);
        }
        finding_colour(cr, d->kind, 1.0);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, x0, top);
        cairo_line_to(cr, x0, bottom);
        cairo_stroke(cr);
        char label[96];
        if (d->kind == DK_FINDING_CUT)
            g_snprintf(label, sizeof label,
                       "cut at %.2f s: original %.2f-%.2f s missing",
                       d->clip_start, d->orig_start, d->orig_end);
        else
            g_snprintf(label, sizeof label, "%s %.2f-%.2f s",
                       dk_finding_kind_name(d->kind), d->clip_start,
                       d->clip_end);
        text_at(cr, x0 + 4, top + 16 + 16 * (double)(i % 4), 13, label, 0);
    }
}

static void draw_legend(cairo_t *cr, const locate_answer *a,
                        const dk_alignment *al)
{
    const locate_origin *o = &a->origins[0];
    g_autofree char *clip = g_path_get_basename(a->clip);
    g_autofree char *title = g_strdup_printf(
        "%s: %s", clip,
        al->verdict == DK_VERDICT_FAITHFUL ? "faithful" : "EDITED");
    g_autofree char *safe_title = dk_escape_text(title);
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    text_at(cr, PLOT_LEFT, 32, 22, safe_title, 0);
    g_autofree char *from = g_strdup_printf(
        "from %s%s%s, original %s, confidence %.2f, speed %.3fx",
        o->event ? o->event : "an event", o->date ? ", " : "",
        o->date ? o->date : "", o->name ? o->name : "?", al->confidence,
        al->speed);
    g_autofree char *safe_from = dk_escape_text(from);
    text_at(cr, PLOT_LEFT, 58, 14, safe_from, 0);
    double y = PLOT_H - 30;
    cairo_set_line_width(cr, 7);
    cairo_set_source_rgb(cr, 0.12, 0.35, 0.75);
    cairo_move_to(cr, PLOT_LEFT, y - 5);
    cairo_line_to(cr, PLOT_LEFT + 40, y - 5);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text_at(cr, PLOT_LEFT + 48, y, 13, "audio", 0);
    cairo_set_line_width(cr, 3);
    cairo_set_source_rgb(cr, 0.95, 0.55, 0.1);
    cairo_move_to(cr, PLOT_LEFT + 120, y - 5);
    cairo_line_to(cr, PLOT_LEFT + 160, y - 5);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text_at(cr, PLOT_LEFT + 168, y, 13, "picture", 0);
    text_at(cr, PLOT_LEFT + 250, y, 13,
            "a faithful clip is one straight line; steps up are cuts, gaps "
            "are insertions, steps down re-orderings",
            0);
}

static cairo_status_t write_stream(void *closure, const unsigned char *data,
                                   unsigned int length)
{
    return fwrite(data, 1, length, closure) == length
               ? CAIRO_STATUS_SUCCESS
               : CAIRO_STATUS_WRITE_ERROR;
}

int locate_plot(const char *png, const locate_answer *a, dk_error *err)
{
    cairo_surface_t *surface =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, PLOT_W, PLOT_H);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    const dk_locate_result *r = &a->result;
    if (r->n_matches) {
        const dk_alignment *al = &r->matches[0].alignment;
        frame f;
        fit(al, r->clip.duration, &f);
        draw_axes(cr, &f);
        draw_findings(cr, &f, al);
        draw_segments(cr, &f, al);
        draw_legend(cr, a, al);
    } else {
        g_autofree char *clip = g_path_get_basename(a->clip);
        g_autofree char *line = g_strdup_printf("%s: not in the archive", clip);
        g_autofree char *safe = dk_escape_text(line);
        cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
        text_at(cr, PLOT_LEFT, PLOT_H / 2.0, 26, safe, 0);
    }
    cairo_destroy(cr);
    dk_atomic *out = NULL;
    int rc = dk_atomic_open(png, &out, err);
    if (rc == 0) {
        if (cairo_surface_write_to_png_stream(surface, write_stream,
                                              dk_atomic_stream(out)) !=
            CAIRO_STATUS_SUCCESS) {
            dk_atomic_abort(&out);
            rc = dk_error_set(err, DK_ERR_IO, "%s: cannot write the plot", png);
        } else {
            rc = dk_atomic_commit(&out, err);
        }
    }
    cairo_surface_destroy(surface);
    return rc;
}
