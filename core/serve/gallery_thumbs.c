/* Thumbnails made on demand, for items whose pipeline made none (a stage
 * with thumbnail-size=0, or web copies only of the picks): the stamped
 * copy (or the original) decoded at the smallest DCT scale whose long edge
 * still covers GALLERY_THUMB_EDGE, turned upright by its EXIF orientation,
 * encoded once into LIBRARY/serve/thumbs/<sha256>.jpg (atomically) and
 * served from there after. */
#include "gallery_internal.h"

#include <errno.h>
#include <string.h>
#include <turbojpeg.h>

#define GALLERY_THUMB_EDGE    320
#define GALLERY_THUMB_QUALITY 80

/* Where display pixel (dx, dy) comes from in a w x h stored image, for
 * EXIF orientations 1..8. */
static void source_of(int orientation, int w, int h, int dx, int dy, int *sx,
                      int *sy)
{
    switch (orientation) {
    case 2:
        *sx = w - 1 - dx, *sy = dy;
        break;
    case 3:
        *sx = w - 1 - dx, *sy = h - 1 - dy;
        break;
    case 4:
        *sx = dx, *sy = h - 1 - dy;
        break;
    case 5:
        *sx = dy, *sy = dx;
        break;
    case 6:
        *sx = dy, *sy = h - 1 - dx;
        break;
    case 7:
        *sx = w - 1 - dy, *sy = h - 1 - dx;
        break;
    case 8:
        *sx = w - 1 - dy, *sy = dx;
        break;
    default:
        *sx = dx, *sy = dy;
        break;
    }
}

static unsigned char *upright(const unsigned char *rgb, int w, int h,
                              int orientation, int *out_w, int *out_h)
{
    bool swap = orientation >= 5 && orientation <= 8;
    *out_w = swap ? h : w;
    *out_h = swap ? w : h;
    unsigned char *out = g_malloc((size_t)w * (size_t)h * 3);
    for (int dy = 0; dy < *out_h; dy++)
        for (int dx = 0; dx < *out_w; dx++) {
            int sx, sy;
            source_of(orientation, w, h, dx, dy, &sx, &sy);
            memcpy(out + ((size_t)dy * *out_w + dx) * 3,
                   rgb + ((size_t)sy * w + sx) * 3, 3);
        }
    return out;
}

/* The largest reduction that keeps the long edge at least edge pixels. */
static tjscalingfactor pick_scale(int w, int h, int edge)
{
    int count = 0;
    tjscalingfactor *factors = tjGetScalingFactors(&count);
    tjscalingfactor best = {1, 1};
    int long_edge = MAX(w, h);
    for (int i = 0; i < count; i++) {
        int scaled = TJSCALED(long_edge, factors[i]);
        if (scaled >= edge && scaled < TJSCALED(long_edge, best) &&
            factors[i].num <= factors[i].denom)
            best = factors[i];
    }
    return best;
}

static int encode_thumb(const unsigned char *jpeg, gsize size, int orientation,
                        unsigned char **out, unsigned long *out_size,
                        dk_error *err)
{
    tjhandle d = tjInitDecompress();
    tjhandle c = tjInitCompress();
    unsigned char *rgb = NULL, *turned = NULL;
    int w = 0, h = 0, subsamp = 0, colorspace = 0, rc = 0;
    if (!d || !c ||
        tjDecompressHeader3(d, jpeg, size, &w, &h, &subsamp, &colorspace) < 0) {
        rc = dk_error_set(err, DK_ERR_INVALID, "not a JPEG we can read: %s",
                          tjGetErrorStr2(d));
        goto out;
    }
    tjscalingfactor f = pick_scale(w, h, GALLERY_THUMB_EDGE);
    int sw = TJSCALED(w, f), sh = TJSCALED(h, f);
    rgb = g_malloc((size_t)sw * (size_t)sh * 3);
    if (tjDecompress2(d, jpeg, size, rgb, sw, 0, sh, TJPF_RGB, 0) < 0 &&
        tjGetErrorCode(d) == TJERR_FATAL) {
        rc = dk_error_set(err, DK_ERR_INVALID, "decoding: %s",
                          tjGetErrorStr2(d));
        goto out;
    }
    int tw, th;
    turned = upright(rgb, sw, sh, orientation, &tw, &th);
    if (tjCompress2(c, turned, tw, 0, th, TJPF_RGB, out, out_size, TJSAMP_420,
                    GALLERY_THUMB_QUALITY, 0) < 0)
        rc = dk_error_set(err, DK_ERR_INTERNAL, "encoding: %s",
                          tjGetErrorStr2(c));
out:
    g_free(rgb);
    g_free(turned);
    if (d)
        tjDestroy(d);
    if (c)
        tjDestroy(c);
    return rc;
}

char *gallery_thumb_path(const char *library, const char *sha256)
{
    g_autofree char *name = g_strconcat(sha256, ".jpg", NULL);
    return g_build_filename(library, "serve", "thumbs", name, NULL);
}

int gallery_thumb_make(const char *library, const gallery_item *item,
                       dk_error *err)
{
    g_autofree char *path = gallery_thumb_path(library, item->sha256);
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return 0;
    const char *from = item->stamped ? item->stamped : item->original;
    if (!from)
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "%s: no stamped copy or original to make a "
                            "thumbnail from",
                            item->name);
    g_autofree char *source = g_build_filename(library, from, NULL);
    g_autofree char *jpeg = NULL;
    gsize size = 0;
    GError *gerr = NULL;
    if (!g_file_get_contents(source, &jpeg, &size, &gerr)) {
        int rc = dk_error_set(err, DK_ERR_IO, "%s", gerr->message);
        g_error_free(gerr);
        return rc;
    }
    unsigned char *thumb = NULL;
    unsigned long thumb_size = 0;
    int rc = encode_thumb((const unsigned char *)jpeg, size, item->orientation,
                          &thumb, &thumb_size, err);
    if (rc < 0) {
        dk_error_prefix(err, "%s: ", from);
        return rc;
    }
    g_autofree char *dir = g_path_get_dirname(path);
    if (g_mkdir_with_parents(dir, 0755) < 0)
        rc = dk_error_set(err, DK_ERR_IO, "%s: %s", dir, g_strerror(errno));
    else
        rc = dk_atomic_write_file(path, thumb, thumb_size, err);
    tjFree(thumb);
    return rc;
}
