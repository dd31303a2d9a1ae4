/* watermark.photo — the optional full-resolution watermarked copy: one
 * TurboJPEG decode, the overlay blended over the pixels it covers (in the
 * stored orientation, placed for the visual one), one encode, and the
 * source's metadata segments carried across unchanged. */
#include "watermark_photo.h"

#include <string.h>
#include <turbojpeg.h>

#include "jpeg_segments.h"

/* 120 MP: larger than any camera, small enough that two workers' buffers
 * fit in memory. */
#define WATERMARK_PHOTO_MAX_PIXELS (120u * 1000 * 1000)

typedef struct decoded {
    int width, height, subsampling;
    bool cmyk;
    uint8_t *rgb; /* width * 3 per row */
} decoded;

/* Adobe applications (and ImageMagick) write CMYK JPEGs inverted, which
 * libjpeg hands back as stored: 255 means no ink. */
static void cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, size_t pixels)
{
    for (size_t i = 0; i < pixels; i++, cmyk += 4, rgb += 3) {
        unsigned k = cmyk[3];
        for (int c = 0; c < 3; c++)
            rgb[c] = (uint8_t)((cmyk[c] * k + 127) / 255);
    }
}

static int decode(tjhandle tj, const uint8_t *data, size_t size, decoded *out,
                  dk_error *err)
{
    int colorspace;
    if (tjDecompressHeader3(tj, data, (unsigned long)size, &out->width,
                            &out->height, &out->subsampling, &colorspace))
        return dk_error_set(err, DK_ERR_INVALID, "unreadable JPEG: %s",
                            tjGetErrorStr2(tj));
    if ((uint64_t)out->width * out->height > WATERMARK_PHOTO_MAX_PIXELS)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "%dx%d pixels is more than the %u MP limit",
                            out->width, out->height,
                            WATERMARK_PHOTO_MAX_PIXELS / 1000000);
    out->cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
    size_t pixels = (size_t)out->width * out->height;
    uint8_t *buffer = g_try_malloc(pixels * (out->cmyk ? 4 : 3));
    if (!buffer)
        return dk_error_set(err, DK_ERR_NOMEM, "no memory for %dx%d pixels",
                            out->width, out->height);
    /* Warnings (a few stray bytes) still give a whole picture; only
     * fatal errors stop. */
    if (tjDecompress2(tj, data, (unsigned long)size, buffer, out->width, 0,
                      out->height, out->cmyk ? TJPF_CMYK : TJPF_RGB, 0) &&
        tjGetErrorCode(tj) == TJERR_FATAL) {
        g_free(buffer);
        return dk_error_set(err, DK_ERR_INVALID, "JPEG decode failed: %s",
                            tjGetErrorStr2(tj));
    }
    if (out->cmyk) {
        out->rgb = g_try_malloc(pixels * 3);
        if (out->rgb)
            cmyk_to_rgb(buffer, out->rgb, pixels);
        g_free(buffer);
        if (!out->rgb)
            return dk_error_set(err, DK_ERR_NOMEM, "no memory for %dx%d pixels",
                                out->width, out->height);
    } else {
        out->rgb = buffer;
    }
    return 0;
}

static int blend(const dk_overlay_spec *spec, decoded *image, int orientation,
                 dk_error *err)
{
    dk_overlay *overlay = NULL;
    int rc = dk_overlay_render(spec, image->width, image->height, orientation,
                               &overlay, err);
    if (rc)
        return rc;
    dk_overlay_blend_rgb24(overlay, image->rgb, image->width, image->height,
                           image->width * 3);
    dk_overlay_free(&overlay);
    return 0;
}

/* Keeps the source's chroma subsampling where the encoder can write it;
 * grey and CMYK sources come out as ordinary 4:2:0 colour, since the mark
 * is in colour. */
static int output_subsampling(const decoded *image)
{
    switch (image->cmyk ? -1 : image->subsampling) {
    case TJSAMP_444:
    case TJSAMP_422:
    case TJSAMP_440:
    case TJSAMP_411:
        return image->subsampling;
    default:
        return TJSAMP_420;
    }
}

static int write_jpeg(const uint8_t *source, size_t source_size,
                      const uint8_t *encoded, size_t encoded_size,
                      bool keep_icc, const char *dest, dk_error *err)
{
    dk_atomic *file = NULL;
    int rc = dk_atomic_open(dest, &file, err);
    if (rc)
        return rc;
    rc = watermark_photo_splice(source, source_size, encoded, encoded_size,
                                keep_icc, dk_atomic_stream(file), err);
    if (rc) {
        dk_atomic_abort(&file);
        return rc;
    }
    return dk_atomic_commit(&file, err);
}

int watermark_photo_full_size(const dk_overlay_spec *spec, const char *source,
                              int orientation, int quality, const char *dest,
                              dk_error *err)
{
    gchar *data = NULL;
    gsize size = 0;
    GError *error = NULL;
    if (!g_file_get_contents(source, &data, &size, &error)) {
        int rc =
            dk_error_set(err, DK_ERR_IO, "cannot read: %s", error->message);
        g_error_free(error);
        return rc;
    }
    const uint8_t *bytes = (const uint8_t *)data;
    if (!dk_jpeg_starts_with_soi(bytes, size)) {
        g_free(data);
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "not a JPEG: the full-size watermark reads JPEG "
                            "only");
    }

    decoded image = {0};
    tjhandle tj = tjInitDecompress();
    int rc = tj ? decode(tj, bytes, size, &image, err)
                : dk_error_set(err, DK_ERR_NOMEM, "TurboJPEG: %s",
                               tjGetErrorStr2(NULL));
    if (tj)
        tjDestroy(tj);
    if (!rc)
        rc = blend(spec, &image, orientation, err);

    unsigned char *encoded = NULL;
    unsigned long encoded_size = 0;
    if (!rc) {
        tj = tjInitCompress();
        if (!tj || tjCompress2(tj, image.rgb, image.width, 0, image.height,
                               TJPF_RGB, &encoded, &encoded_size,
                               output_subsampling(&image), quality, 0))
            rc = dk_error_set(err, DK_ERR_INTERNAL, "JPEG encode failed: %s",
                              tjGetErrorStr2(tj));
        if (tj)
            tjDestroy(tj);
    }
    g_free(image.rgb);
    /* a CMYK profile would describe the new RGB pixels wrongly */
    if (!rc)
        rc = write_jpeg(bytes, size, encoded, encoded_size, !image.cmyk, dest,
                        err);
    tjFree(encoded);
    g_free(data);
    return rc;
}
