/* transcode.photo — encoding a derivative and writing it atomically with
 * the metadata segments spliced in after the encoder's JFIF header. */
#include "transcode_photo.h"

#include <dokpim/fileio.h>
#include <errno.h>
#include <turbojpeg.h>

#include "jpeg_segments.h"

/* Where the encoder's JFIF APP0 ends (just after SOI without one): the
 * metadata segments go there. */
static size_t after_encoder_jfif(const uint8_t *jpeg, size_t size)
{
    dk_jpeg_walk walk;
    dk_jpeg_segment seg;
    size_t at = 2;
    dk_jpeg_walk_memory(&walk, jpeg, size);
    if (dk_jpeg_walk_next(&walk, &seg, NULL) == 0 && seg.marker == DK_JPEG_APP0)
        at = seg.end;
    dk_jpeg_walk_clear(&walk);
    return at;
}

int transcode_photo_write_jpeg(const char *path,
                               const transcode_photo_image *image, int quality,
                               const GByteArray *markers, dk_error *err)
{
    tjhandle handle = tjInitCompress();
    if (!handle)
        return dk_error_set(err, DK_ERR_NOMEM, "cannot start JPEG encoder");
    unsigned char *jpeg = NULL;
    unsigned long size = 0;
    if (tjCompress2(handle, image->pixels, image->width, (int)image->stride,
                    image->height, TJPF_RGB, &jpeg, &size, TJSAMP_420, quality,
                    0) != 0) {
        int rc = dk_error_set(err, DK_ERR_INTERNAL, "JPEG encoder failed: %s",
                              tjGetErrorStr2(handle));
        tjFree(jpeg);
        tjDestroy(handle);
        return rc;
    }
    tjDestroy(handle);

    /* SOI, then the JFIF APP0 the encoder wrote, then ours. */
    size_t at = after_encoder_jfif(jpeg, size);

    dk_atomic *file = NULL;
    int rc = dk_atomic_open(path, &file, err);
    if (rc) {
        tjFree(jpeg);
        return rc;
    }
    FILE *stream = dk_atomic_stream(file);
    /* the first failed write's errno says why (a full disk, a quota) */
    int failure = 0;
    const struct {
        const uint8_t *data;
        size_t size;
    } parts[] = {
        {jpeg, at},
        {markers ? markers->data : NULL, markers ? markers->len : 0},
        {jpeg + at, size - at},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(parts) && !failure; i++)
        if (parts[i].size &&
            fwrite(parts[i].data, 1, parts[i].size, stream) != parts[i].size)
            failure = errno ? errno : EIO;
    tjFree(jpeg);
    if (failure) {
        dk_atomic_abort(&file);
        return dk_error_set(err, DK_ERR_IO, "cannot write %s: %s", path,
                            g_strerror(failure));
    }
    return dk_atomic_commit(&file, err);
}
