/* transcode.photo — encoding a derivative and writing it atomically with
 * the metadata segments spliced in after the encoder's JFIF header. */
#include "transcode_photo.h"

#include <dokpim/fileio.h>
#include <turbojpeg.h>

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
    size_t at = 2;
    if (size > 6 && jpeg[2] == 0xFF && jpeg[3] == 0xE0)
        at = 4 + ((size_t)jpeg[4] << 8 | jpeg[5]);
    if (at > size)
        at = 2;

    dk_atomic *file = NULL;
    int rc = dk_atomic_open(path, &file, err);
    if (rc) {
        tjFree(jpeg);
        return rc;
    }
    FILE *stream = dk_atomic_stream(file);
    fwrite(jpeg, 1, at, stream);
    if (markers && markers->len)
        fwrite(markers->data, 1, markers->len, stream);
    fwrite(jpeg + at, 1, size - at, stream);
    tjFree(jpeg);
    if (ferror(stream)) {
        dk_atomic_abort(&file);
        return dk_error_set(err, DK_ERR_IO, "cannot write %s", path);
    }
    return dk_atomic_commit(&file, err);
}
