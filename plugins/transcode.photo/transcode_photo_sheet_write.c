/* transcode.photo — drawing and encoding the contact sheet.
 *
 * The grid is encoded with the libjpeg API one row of cells at a time
 * (TurboJPEG wants the whole image in memory): a sheet of 400 thumbnails
 * is 8000 x 6000 px, but only one 8000 x 336 strip exists at a time. */
#include "transcode_photo.h"
#include "transcode_photo_sheet.h"

#include <dokpim/fileio.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Decodes one thumbnail fitted into cell x cell; false when unreadable. */
static bool load_thumb(const char *path, int cell, transcode_photo_image *out)
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
        transcode_photo_fit(jpeg.width, jpeg.height, cell, &w, &h);
        ok = transcode_photo_jpeg_decode(&jpeg, w, h, false, &decoded, &err) ==
             0;
        transcode_photo_jpeg_close(&jpeg);
    }
    if (ok)
        ok = transcode_photo_resample(&decoded, w, h,
                                      TRANSCODE_PHOTO_FILTER_TRIANGLE, 1, out,
                                      &err) == 0;
    transcode_photo_image_clear(&decoded);
    g_free(data);
    return ok;
}

typedef struct sheet_layout {
    int cols, rows, pitch; /* pitch: cell plus padding, in px */
    int width, height;
} sheet_layout;

/* Roughly 4:3, as wide as needed to stay under JPEG's size limit. */
static int layout(size_t count, int cell, sheet_layout *l, dk_error *err)
{
    l->pitch = cell + 2 * (cell / 32 > 4 ? cell / 32 : 4);
    int max_side = SHEET_MAX_SIDE / l->pitch;
    int cols = (int)ceil(sqrt((double)count * 4.0 / 3.0));
    if (cols > (int)count)
        cols = (int)count;
    if ((count + cols - 1) / cols > (size_t)max_side)
        cols = (int)((count + max_side - 1) / max_side);
    if (cols < 1 || cols > max_side)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "%zu thumbnails do not fit one contact sheet",
                            count);
    l->cols = cols;
    l->rows = (int)((count + cols - 1) / cols);
    l->width = cols * l->pitch;
    l->height = l->rows * l->pitch;
    return 0;
}

static void draw_strip(uint8_t *strip, const sheet_layout *l,
                       const char *const *thumbs, size_t count, size_t first,
                       int cell)
{
    size_t stride = (size_t)l->width * 3;
    memset(strip, SHEET_BACKGROUND, stride * l->pitch);
    for (int c = 0; c < l->cols && first + c < count; c++) {
        transcode_photo_image t = {0};
        if (!load_thumb(thumbs[first + c], cell, &t))
            continue;
        int x0 = c * l->pitch + (l->pitch - t.width) / 2;
        int y0 = (l->pitch - t.height) / 2;
        for (int y = 0; y < t.height; y++)
            memcpy(strip + (size_t)(y0 + y) * stride + (size_t)x0 * 3,
                   t.pixels + (size_t)y * t.stride, (size_t)t.width * 3);
        transcode_photo_image_clear(&t);
    }
}

int transcode_photo_sheet_write(const char *path, const char *const *thumbs,
                                size_t count, int cell, int quality,
                                dk_error *err)
{
    sheet_layout l;
    if (count == 0)
        return dk_error_set(err, DK_ERR_NOT_FOUND, "no thumbnails");
    int rc = layout(count, cell, &l, err);
    if (rc)
        return rc;
    uint8_t *strip = malloc((size_t)l.width * 3 * l.pitch);
    if (!strip)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory for sheet");
    dk_atomic *file = NULL;
    rc = dk_atomic_open(path, &file, err);
    if (rc) {
        free(strip);
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
        free(strip);
        return dk_error_set(err, DK_ERR_IO, "contact sheet: %s", jerr.message);
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, dk_atomic_stream(file));
    cinfo.image_width = (JDIMENSION)l.width;
    cinfo.image_height = (JDIMENSION)l.height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    for (int r = 0; r < l.rows; r++) {
        draw_strip(strip, &l, thumbs, count, (size_t)r * l.cols, cell);
        for (int y = 0; y < l.pitch; y++) {
            JSAMPROW row = strip + (size_t)y * l.width * 3;
            jpeg_write_scanlines(&cinfo, &row, 1);
        }
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(strip);
    if (ferror(dk_atomic_stream(file))) {
        dk_atomic_abort(&file);
        return dk_error_set(err, DK_ERR_IO, "cannot write %s", path);
    }
    return dk_atomic_commit(&file, err);
}
