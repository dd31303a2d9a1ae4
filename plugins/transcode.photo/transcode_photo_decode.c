/* transcode.photo — one decode with libjpeg-turbo at the right DCT scale.
 *
 * Entropy decoding costs the same at every scale, but the IDCT, colour
 * conversion and everything after them shrink with the square of the
 * scale, so a 6000x4000 photo bound for 2048 px is decoded at 3/8 (2250 x
 * 1500) and only a short resample remains. */
#include "transcode_photo.h"

#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

int transcode_photo_jpeg_open(transcode_photo_jpeg *jpeg, const uint8_t *data,
                              size_t size, dk_error *err)
{
    memset(jpeg, 0, sizeof(*jpeg));
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8)
        return dk_error_set(err, DK_ERR_INVALID,
                            size == 0 ? "empty file, not a JPEG"
                                      : "not a JPEG file (no SOI marker)");
    jpeg->handle = tjInitDecompress();
    if (!jpeg->handle)
        return dk_error_set(err, DK_ERR_NOMEM, "cannot start JPEG decoder");
    jpeg->data = data;
    jpeg->size = size;
    if (tjDecompressHeader3(jpeg->handle, data, (unsigned long)size,
                            &jpeg->width, &jpeg->height, &jpeg->subsampling,
                            &jpeg->colorspace) != 0) {
        int code =
            dk_error_set(err, DK_ERR_INVALID, "unreadable JPEG header: %s",
                         tjGetErrorStr2(jpeg->handle));
        transcode_photo_jpeg_close(jpeg);
        return code;
    }
    if (jpeg->width <= 0 || jpeg->height <= 0) {
        transcode_photo_jpeg_close(jpeg);
        return dk_error_set(err, DK_ERR_INVALID, "JPEG header has no size");
    }
    return 0;
}

void transcode_photo_jpeg_close(transcode_photo_jpeg *jpeg)
{
    if (jpeg->handle)
        tjDestroy(jpeg->handle);
    jpeg->handle = NULL;
}

/* The smallest scale factor <= 1 whose output still covers min_w x min_h;
 * 1/1 when none does. */
static tjscalingfactor pick_scale(int width, int height, int min_w, int min_h)
{
    tjscalingfactor best = {1, 1};
    int count = 0;
    tjscalingfactor *factors = tjGetScalingFactors(&count);
    for (int i = 0; factors && i < count; i++) {
        tjscalingfactor f = factors[i];
        if (f.num > f.denom)
            continue;
        if (TJSCALED(width, f) < min_w || TJSCALED(height, f) < min_h)
            continue;
        /* f < best  <=>  f.num * best.denom < best.num * f.denom */
        if (f.num * best.denom < best.num * f.denom)
            best = f;
    }
    return best;
}

/* libjpeg's own wording, without its "Corrupt JPEG data: " lead, which
 * our message already says. */
static const char *without_prefix(const char *msg)
{
    static const char prefix[] = "Corrupt JPEG data: ";
    return strncmp(msg, prefix, sizeof prefix - 1) == 0
               ? msg + sizeof prefix - 1
               : msg;
}

/* libjpeg reports damaged data as warnings and fills the rest of the image
 * with grey; a derivative made from that would be published looking
 * broken, so damage is an error. Only the harmless "extraneous bytes"
 * padding some cameras write is let through. */
static int check_warning(tjhandle handle, dk_error *err)
{
    const char *msg = tjGetErrorStr2(handle);
    if (strstr(msg, "Premature end"))
        return dk_error_set(err, DK_ERR_INVALID, "truncated JPEG data");
    if (strstr(msg, "extraneous bytes"))
        return 0;
    if (strstr(msg, "Corrupt JPEG data") || strstr(msg, "Huffman"))
        return dk_error_set(err, DK_ERR_INVALID, "corrupt JPEG data: %s",
                            without_prefix(msg));
    return 0;
}

/* CMYK -> RGB without a colour profile: R = (1-C)(1-K). Photoshop writes
 * inverted values (255 = no ink) and marks the file with an Adobe APP14
 * segment, which is how every mainstream decoder tells the two apart. */
static void cmyk_to_rgb(const uint8_t *cmyk, transcode_photo_image *out,
                        bool inverted)
{
    for (int y = 0; y < out->height; y++) {
        const uint8_t *s = cmyk + (size_t)y * out->width * 4;
        uint8_t *d = out->pixels + (size_t)y * out->stride;
        for (int x = 0; x < out->width; x++, s += 4, d += 3) {
            unsigned c = s[0], m = s[1], yy = s[2], k = s[3];
            if (!inverted) {
                c = 255 - c;
                m = 255 - m;
                yy = 255 - yy;
                k = 255 - k;
            }
            d[0] = (uint8_t)((c * k + 127) / 255);
            d[1] = (uint8_t)((m * k + 127) / 255);
            d[2] = (uint8_t)((yy * k + 127) / 255);
        }
    }
}

int transcode_photo_jpeg_decode(transcode_photo_jpeg *jpeg, int min_w,
                                int min_h, bool adobe_inverted,
                                transcode_photo_image *out, dk_error *err)
{
    tjscalingfactor f = pick_scale(jpeg->width, jpeg->height, min_w, min_h);
    int w = TJSCALED(jpeg->width, f);
    int h = TJSCALED(jpeg->height, f);
    int rc = transcode_photo_image_alloc(out, w, h, err);
    if (rc)
        return rc;

    bool cmyk = jpeg->colorspace == TJCS_CMYK || jpeg->colorspace == TJCS_YCCK;
    uint8_t *target = out->pixels;
    int pitch = (int)out->stride;
    uint8_t *four = NULL;
    if (cmyk) {
        /* libjpeg-turbo converts YCCK to CMYK but not CMYK to RGB. The
         * size is bounded by the RGB allocation that just succeeded. */
        four = malloc((size_t)w * 4 * (size_t)h);
        if (!four) {
            transcode_photo_image_clear(out);
            return dk_error_set(err, DK_ERR_NOMEM, "out of memory for CMYK");
        }
        target = four;
        pitch = w * 4;
    }
    /* LIMITSCANS refuses progressive files crafted with thousands of scans
     * to burn CPU. */
    int flags = TJFLAG_LIMITSCANS;
    if (tjDecompress2(jpeg->handle, jpeg->data, (unsigned long)jpeg->size,
                      target, w, pitch, h, cmyk ? TJPF_CMYK : TJPF_RGB,
                      flags) != 0) {
        if (tjGetErrorCode(jpeg->handle) == TJERR_WARNING)
            rc = check_warning(jpeg->handle, err);
        else
            rc = dk_error_set(err, DK_ERR_INVALID, "corrupt JPEG data: %s",
                              without_prefix(tjGetErrorStr2(jpeg->handle)));
    }
    if (!rc && cmyk)
        cmyk_to_rgb(four, out, adobe_inverted);
    free(four);
    if (rc)
        transcode_photo_image_clear(out);
    return rc;
}
