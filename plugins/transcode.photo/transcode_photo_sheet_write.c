/* transcode.photo — drawing and encoding the contact sheet.
 *
 * The grid is encoded with the libjpeg API one row of cells at a time
 * (TurboJPEG wants the whole image in memory): a sheet of 400 thumbnails
 * is 8000 x 6000 px, but only one 8000 x 430 strip exists at a time. The
 * strip is a cairo surface, so the words under each cell are drawn by
 * the same code as the PDF sheet's (transcode_photo_sheet_text.c). */
#include "transcode_photo.h"
#include "transcode_photo_sheet.h"

#include <dokpim/fileio.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <jpeglib.h>

#define SHEET_MAX_SIDE   65000 /* JPEG's limit is 65535 */
#define SHEET_BACKGROUND 0x26

typedef struct sheet_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} sheet_error;

static void sheet_error_exit(j_common_ptr cinfo)
{
    sheet_error *e = (sheet_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->message);
    longjmp(e->jump, 1);
}

static void sheet_silent(j_common_ptr cinfo)
{
    (void)cinfo; /* libraries never print */
}

bool transcode_photo_sheet_load(const char *path, int cell,
                                transcode_photo_image *out, GBytes **bytes)
{
    gchar *data = NULL;
    gsize size = 0;
    if (!g_file_get_contents(path, &data, &size, NULL))
        return false;
    dk_error err = {0};
    transcode_photo_jpeg jpeg;
    transcode_photo_image decoded = {0};
    int w = 0, h = 0;
    bool ok = transcode_photo_jpeg_open(&jpeg, (const uint8_t *)data, size,
                                        &err) == 0;
    if (ok) {
        transcode_photo_fit(jpeg.width, jpeg.height,
                            cell > 0 ? cell : MAX(jpeg.width, jpeg.height), &w,
                            &h);
        ok = transcode_photo_jpeg_decode(&jpeg, w, h, false, &decoded, &err) ==
             0;
        transcode_photo_jpeg_close(&jpeg);
    }
    if (ok && decoded.width == w && decoded.height == h) {
        *out = decoded; /* the DCT scale gave the size: nothing to resample */
        decoded = (transcode_photo_image){0};
    } else if (ok) {
        ok = transcode_photo_resample(&decoded, w, h,
                                      TRANSCODE_PHOTO_FILTER_TRIANGLE, 1, out,
                                      &err) == 0;
    }
    transcode_photo_image_clear(&decoded);
    if (ok && bytes)
        *bytes = g_bytes_new_take(g_steal_pointer(&data), size);
    g_free(data);
    return ok;
}

typedef struct sheet_layout {
    int cols, rows;
    int pad, pitch_x, pitch_y; /* cell plus padding (and text), in px */
    int header;                /* height of the header strip */
    double font;               /* px */
    int width, height;
} sheet_layout;

/* Roughly 4:3 unless sheet-columns says, as wide as needed to stay under
 * JPEG's size limit. Not inlined: its locals must not live in the
 * function that calls setjmp(). */
G_GNUC_NO_INLINE static int layout(size_t count,
                                   const transcode_photo_sheet_options *o,
                                   sheet_layout *l, dk_error *err)
{
    int cell = o->cell;
    l->pad = cell / 32 > 4 ? cell / 32 : 4;
    l->font = cell / 22.0 > 11 ? cell / 22.0 : 11;
    l->pitch_x = cell + 2 * l->pad;
    l->pitch_y = l->pitch_x + (int)ceil(transcode_photo_sheet_text_height(
                                  l->font)); /* text below the cell */
    l->header = (int)ceil(l->font * 2.6) + 2 * l->pad;
    int max_cols = SHEET_MAX_SIDE / l->pitch_x;
    int max_rows = (SHEET_MAX_SIDE - l->header) / l->pitch_y;
    int cols = o->columns > 0 ? o->columns
                              : (int)ceil(sqrt((double)count * 4.0 / 3.0 *
                                               l->pitch_y / l->pitch_x));
    if (cols > (int)count)
        cols = (int)count;
    if ((count + cols - 1) / cols > (size_t)max_rows)
        cols = (int)((count + max_rows - 1) / max_rows);
    if (cols < 1 || cols > max_cols)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "%zu thumbnails do not fit one contact sheet",
                            count);
    l->cols = cols;
    l->rows = (int)((count + cols - 1) / cols);
    l->width = cols * l->pitch_x;
    l->height = l->header + l->rows * l->pitch_y;
    return 0;
}

void transcode_photo_sheet_blit(cairo_surface_t *surface,
                                const transcode_photo_image *t, int x0, int y0)
{
    uint8_t *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < t->height; y++) {
        uint32_t *dst = (uint32_t *)(data + (size_t)(y0 + y) * stride) + x0;
        const uint8_t *src = t->pixels + (size_t)y * t->stride;
        for (int x = 0; x < t->width; x++, src += 3)
            dst[x] = 0xff000000u | (uint32_t)src[0] << 16 |
                     (uint32_t)src[1] << 8 | src[2];
    }
}

static void fill_background(cairo_t *cr)
{
    cairo_set_source_rgb(cr, SHEET_BACKGROUND / 255.0, SHEET_BACKGROUND / 255.0,
                         SHEET_BACKGROUND / 255.0);
    cairo_paint(cr);
}

/* A cell whose thumbnail is missing or broken: a frame and a word, so it
 * is not mistaken for a dark photo. */
static void draw_missing(cairo_t *cr, double x, double y, double side,
                         double font)
{
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x + 0.5, y + 0.5, side - 1, side - 1);
    cairo_stroke(cr);
    transcode_photo_sheet_draw_note(cr, "no thumbnail", x, y + side / 2 - font,
                                    side, font, true);
    cairo_restore(cr);
}

static void draw_strip(cairo_surface_t *surface, const sheet_layout *l,
                       const transcode_photo_sheet_cell *cells, size_t count,
                       size_t first, int cell)
{
    cairo_t *cr = cairo_create(surface);
    fill_background(cr);
    cairo_surface_flush(surface);
    bool *loaded = g_new0(bool, l->cols);
    for (int c = 0; c < l->cols && first + c < count; c++) {
        transcode_photo_image t = {0};
        loaded[c] =
            transcode_photo_sheet_load(cells[first + c].thumb, cell, &t, NULL);
        if (loaded[c]) {
            transcode_photo_sheet_blit(
                surface, &t, c * l->pitch_x + (l->pitch_x - t.width) / 2,
                (l->pitch_x - t.height) / 2);
            transcode_photo_image_clear(&t);
        }
    }
    cairo_surface_mark_dirty(surface);
    for (int c = 0; c < l->cols && first + c < count; c++) {
        const transcode_photo_sheet_cell *cl = &cells[first + c];
        double x = c * l->pitch_x + l->pad;
        if (!loaded[c])
            draw_missing(cr, x, l->pad, cell, l->font);
        transcode_photo_sheet_draw_text(cr, cl, x, l->pitch_x, cell, l->font,
                                        true);
    }
    g_free(loaded);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
}

static void draw_header(cairo_surface_t *surface, const sheet_layout *l,
                        const transcode_photo_sheet_options *o)
{
    cairo_t *cr = cairo_create(surface);
    fill_background(cr);
    transcode_photo_sheet_draw_header(cr, o, l->pad, l->pad,
                                      l->width - 2 * l->pad, l->font * 1.4, 1,
                                      1, true);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
}

/* Hands rows [0, rows) of the xRGB surface to libjpeg as RGB. */
static void write_rows(struct jpeg_compress_struct *cinfo,
                       cairo_surface_t *surface, int rows, uint8_t *rgb)
{
    const uint8_t *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    int width = cairo_image_surface_get_width(surface);
    for (int y = 0; y < rows; y++) {
        const uint32_t *src = (const uint32_t *)(data + (size_t)y * stride);
        for (int x = 0; x < width; x++) {
            rgb[x * 3] = (uint8_t)(src[x] >> 16);
            rgb[x * 3 + 1] = (uint8_t)(src[x] >> 8);
            rgb[x * 3 + 2] = (uint8_t)src[x];
        }
        JSAMPROW row = rgb;
        jpeg_write_scanlines(cinfo, &row, 1);
    }
}

int transcode_photo_sheet_write(const char *path,
                                const transcode_photo_sheet_cell *cells,
                                size_t count,
                                const transcode_photo_sheet_options *o,
                                dk_error *err)
{
    sheet_layout l;
    if (count == 0)
        return dk_error_set(err, DK_ERR_NOT_FOUND, "no thumbnails");
    int rc = layout(count, o, &l, err);
    if (rc)
        return rc;
    cairo_surface_t *strip =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, l.width,
                                   l.pitch_y > l.header ? l.pitch_y : l.header);
    uint8_t *rgb = malloc((size_t)l.width * 3);
    if (cairo_surface_status(strip) != CAIRO_STATUS_SUCCESS || !rgb) {
        cairo_surface_destroy(strip);
        free(rgb);
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory for sheet");
    }
    dk_atomic *file = NULL;
    rc = dk_atomic_open(path, &file, err);
    if (rc) {
        cairo_surface_destroy(strip);
        free(rgb);
        return rc;
    }

    struct jpeg_compress_struct cinfo;
    sheet_error jerr;
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = sheet_error_exit;
    jerr.pub.output_message = sheet_silent;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_compress(&cinfo);
        dk_atomic_abort(&file);
        cairo_surface_destroy(strip);
        free(rgb);
        return dk_error_set(err, DK_ERR_IO, "contact sheet: %s", jerr.message);
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, dk_atomic_stream(file));
    cinfo.image_width = (JDIMENSION)l.width;
    cinfo.image_height = (JDIMENSION)l.height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, o->quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    draw_header(strip, &l, o);
    write_rows(&cinfo, strip, l.header, rgb);
    for (int r = 0; r < l.rows; r++) {
        draw_strip(strip, &l, cells, count, (size_t)r * l.cols, o->cell);
        write_rows(&cinfo, strip, l.pitch_y, rgb);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    cairo_surface_destroy(strip);
    free(rgb);
    if (ferror(dk_atomic_stream(file))) {
        dk_atomic_abort(&file);
        return dk_error_set(err, DK_ERR_IO, "cannot write %s", path);
    }
    return dk_atomic_commit(&file, err);
}
