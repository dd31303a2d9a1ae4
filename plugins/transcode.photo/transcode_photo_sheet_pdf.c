/* transcode.photo — the contact sheet as PDF, for the morning meeting.
 *
 * A4 portrait, sheet-per-page photos a page under a header with the
 * event and "page N of M". Each thumbnail is decoded only so that cairo
 * has a surface of the right size; the surface carries the thumbnail's
 * own JPEG bytes as mime data, which cairo's PDF backend embeds as they
 * are (DCTDecode) instead of re-encoding pixels losslessly: a 2000-photo
 * event stays tens of megabytes, not a gigabyte. */
#include "transcode_photo.h"
#include "transcode_photo_sheet.h"

#include <cairo-pdf.h>
#include <dokpim/fileio.h>
#include <math.h>
#include <stdio.h>

#define A4_WIDTH  595.276 /* pt */
#define A4_HEIGHT 841.890
#define MARGIN    28.0
#define GAP       6.0

static cairo_status_t to_stream(void *closure, const unsigned char *data,
                                unsigned int length)
{
    return fwrite(data, 1, length, closure) == length
               ? CAIRO_STATUS_SUCCESS
               : CAIRO_STATUS_WRITE_ERROR;
}

/* A surface of the thumbnail's pixels that carries its JPEG bytes;
 * NULL when the file is missing or no JPEG. */
static cairo_surface_t *thumb_surface(const char *path)
{
    transcode_photo_image rgb = {0};
    GBytes *bytes = NULL;
    if (!transcode_photo_sheet_load(path, 0, &rgb, &bytes))
        return NULL;
    cairo_surface_t *surface =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, rgb.width, rgb.height);
    if (cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS) {
        transcode_photo_sheet_blit(surface, &rgb, 0, 0);
        cairo_surface_mark_dirty(surface);
        gsize size = 0;
        const unsigned char *data = g_bytes_get_data(bytes, &size);
        if (cairo_surface_set_mime_data(surface, CAIRO_MIME_TYPE_JPEG, data,
                                        size,
                                        (cairo_destroy_func_t)g_bytes_unref,
                                        bytes) == CAIRO_STATUS_SUCCESS)
            bytes = NULL; /* the surface owns it now */
    }
    transcode_photo_image_clear(&rgb);
    if (bytes)
        g_bytes_unref(bytes);
    return surface;
}

/* The picture fitted and centred in the box (x, y, side x side). */
static void draw_thumb(cairo_t *cr, const char *path, double x, double y,
                       double w, double h, double font)
{
    cairo_surface_t *thumb = thumb_surface(path);
    if (!thumb) {
        cairo_save(cr);
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_set_line_width(cr, 0.5);
        cairo_rectangle(cr, x, y, w, h);
        cairo_stroke(cr);
        transcode_photo_sheet_draw_note(cr, "no thumbnail", x, y + h / 2 - font,
                                        w, font, false);
        cairo_restore(cr);
        return;
    }
    double tw = cairo_image_surface_get_width(thumb);
    double th = cairo_image_surface_get_height(thumb);
    double scale = fmin(w / tw, h / th);
    cairo_save(cr);
    cairo_translate(cr, x + (w - tw * scale) / 2, y + (h - th * scale) / 2);
    cairo_scale(cr, scale, scale);
    cairo_set_source_surface(cr, thumb, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(thumb);
}

int transcode_photo_sheet_write_pdf(const char *path,
                                    const transcode_photo_sheet_cell *cells,
                                    size_t count,
                                    const transcode_photo_sheet_options *o,
                                    dk_error *err)
{
    int cols = o->columns > 0 ? o->columns : 5;
    int per_page = o->per_page > 0 ? o->per_page : cols * 6;
    if (per_page < cols)
        cols = per_page;
    int rows = (per_page + cols - 1) / cols;
    int pages = (int)((count + per_page - 1) / per_page);
    double header = 22.0;
    double cell_w = (A4_WIDTH - 2 * MARGIN) / cols;
    double cell_h = (A4_HEIGHT - 2 * MARGIN - header) / rows;
    /* text about 1/30 of the page's width for five columns, never tiny */
    double font = fmax(4.5, fmin(9.0, cell_w / 16.0));
    double text_h = transcode_photo_sheet_text_height(font);
    double box_w = cell_w - GAP, box_h = cell_h - GAP - text_h;
    if (box_h < 12)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "%d photos a page in %d columns leave no room "
                            "for the thumbnails",
                            per_page, cols);

    dk_atomic *file = NULL;
    int rc = dk_atomic_open(path, &file, err);
    if (rc)
        return rc;
    cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(
        to_stream, dk_atomic_stream(file), A4_WIDTH, A4_HEIGHT);
    if (o->title)
        cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_TITLE, o->title);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, "dokpim");
    cairo_t *cr = cairo_create(pdf);
    for (int page = 0; page < pages; page++) {
        transcode_photo_sheet_draw_header(cr, o, MARGIN, MARGIN,
                                          A4_WIDTH - 2 * MARGIN, 10, page + 1,
                                          pages, false);
        for (int i = 0; i < per_page; i++) {
            size_t n = (size_t)page * per_page + i;
            if (n >= count)
                break;
            double x = MARGIN + (i % cols) * cell_w;
            double y = MARGIN + header + (i / cols) * cell_h;
            draw_thumb(cr, cells[n].thumb, x, y, box_w, box_h, font);
            transcode_photo_sheet_draw_text(cr, &cells[n], x, y + box_h + 2,
                                            box_w, font, false);
        }
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(pdf);
    cairo_status_t status = cairo_surface_status(pdf);
    cairo_surface_destroy(pdf);
    if (status != CAIRO_STATUS_SUCCESS || ferror(dk_atomic_stream(file))) {
        dk_atomic_abort(&file);
        return dk_error_set(err, DK_ERR_IO, "cannot write %s: %s", path,
                            cairo_status_to_string(status));
    }
    return dk_atomic_commit(&file, err);
}
