/* Thumbnails made on demand, for items whose pipeline made none (a stage
 * with thumbnail-size=0, or web copies only of the picks): the stamped
 * copy (or the original) decoded at the smallest DCT scale whose long edge
 * still covers GALLERY_THUMB_EDGE, encoded, turned upright by its EXIF
 * orientation (a lossless JPEG transform), written once into
 * LIBRARY/serve/thumbs/<sha256>.jpg (atomically) and served from there. */
#include "gallery_internal.h"

#include <errno.h>
#include <string.h>
#include <turbojpeg.h>

#define GALLERY_THUMB_EDGE    320
#define GALLERY_THUMB_QUALITY 80

/* The lossless turn libturbojpeg applies to the encoded thumbnail for
 * each EXIF orientation (index 1..8); the ragged edge of a partial MCU
 * is trimmed, at most 15 pixels of a thumbnail. */
static const int turn_for[9] = {
    TJXOP_NONE,      TJXOP_NONE,  TJXOP_HFLIP,      TJXOP_ROT180, TJXOP_VFLIP,
    TJXOP_TRANSPOSE, TJXOP_ROT90, TJXOP_TRANSVERSE, TJXOP_ROT270,
};

/* Replaces *jpeg with the upright version when orientation asks for it. */
static int turn_upright(int orientation, unsigned char **jpeg,
                        unsigned long *size, dk_error *err)
{
    if (orientation < 2 || orientation > 8)
        return 0;
    tjhandle t = tjInitTransform();
    tjtransform xf = {.op = turn_for[orientation], .options = TJXOPT_TRIM};
    unsigned char *turned = NULL;
    unsigned long turned_size = 0;
    int rc = 0;
    if (!t ||
        tjTransform(t, *jpeg, *size, 1, &turned, &turned_size, &xf, 0) < 0)
        rc = dk_error_set(err, DK_ERR_INTERNAL, "turning upright: %s",
                          tjGetErrorStr2(t));
    if (rc == 0) {
        tjFree(*jpeg);
        *jpeg = turned;
        *size = turned_size;
    }
    if (t)
        tjDestroy(t);
    return rc;
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
    unsigned char *rgb = NULL;
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
    if (tjCompress2(c, rgb, sw, 0, sh, TJPF_RGB, out, out_size, TJSAMP_420,
                    GALLERY_THUMB_QUALITY, 0) < 0)
        rc = dk_error_set(err, DK_ERR_INTERNAL, "encoding: %s",
                          tjGetErrorStr2(c));
    else
        rc = turn_upright(orientation, out, out_size, err);
out:
    g_free(rgb);
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
