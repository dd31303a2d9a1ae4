/* transcode.photo — RGB buffers and the size arithmetic of derivatives. */
#include "transcode_photo.h"

#include <stdlib.h>
#include <string.h>

/* A decoded 24 MP photo at 1/1 is 72 MB; anything past this bound is a
 * hostile header rather than a photo, and must not take the machine's
 * memory with it. */
#define TRANSCODE_PHOTO_MAX_BYTES ((size_t)1 << 30)

int transcode_photo_image_alloc(transcode_photo_image *image, int width,
                                int height, dk_error *err)
{
    memset(image, 0, sizeof(*image));
    if (width <= 0 || height <= 0)
        return dk_error_set(err, DK_ERR_INVALID, "empty image (%dx%d)", width,
                            height);
    size_t stride = (size_t)width * 3;
    if ((size_t)height > TRANSCODE_PHOTO_MAX_BYTES / stride)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "image too large to process (%dx%d)", width,
                            height);
    image->pixels = malloc(stride * (size_t)height);
    if (!image->pixels)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory for %dx%d", width,
                            height);
    image->width = width;
    image->height = height;
    image->stride = stride;
    return 0;
}

void transcode_photo_image_clear(transcode_photo_image *image)
{
    free(image->pixels);
    memset(image, 0, sizeof(*image));
}

void transcode_photo_fit(int width, int height, int long_edge, int *out_w,
                         int *out_h)
{
    int longest = width > height ? width : height;
    if (longest <= long_edge) {
        *out_w = width;
        *out_h = height;
        return;
    }
    /* Round the short side to nearest, so the aspect stays within half a
     * pixel; never let it collapse to zero on a panorama. */
    if (width >= height) {
        *out_w = long_edge;
        *out_h = (int)(((int64_t)height * long_edge + width / 2) / width);
    } else {
        *out_h = long_edge;
        *out_w = (int)(((int64_t)width * long_edge + height / 2) / height);
    }
    if (*out_w < 1)
        *out_w = 1;
    if (*out_h < 1)
        *out_h = 1;
}
