/* Sharpness of a candidate frame; see thumbnail_video.h. */
#include "thumbnail_video.h"

/* BT.601 luma in 8-bit fixed point; exact colour science does not matter
 * for ranking frames of one clip against each other. */
static int luma(const uint8_t *pixel)
{
    return (77 * pixel[0] + 150 * pixel[1] + 29 * pixel[2]) >> 8;
}

double thumbnail_video_sharpness(const uint8_t *rgb, int width, int height,
                                 int stride)
{
    if (width < 3 || height < 3)
        return 0;
    double sum = 0, sum_squares = 0;
    for (int y = 1; y < height - 1; y++) {
        const uint8_t *row = rgb + (size_t)y * stride;
        for (int x = 1; x < width - 1; x++) {
            const uint8_t *p = row + 3 * x;
            int laplacian = 4 * luma(p) - luma(p - 3) - luma(p + 3) -
                            luma(p - stride) - luma(p + stride);
            sum += laplacian;
            sum_squares += (double)laplacian * laplacian;
        }
    }
    double n = (double)(width - 2) * (height - 2);
    double mean = sum / n;
    return sum_squares / n - mean * mean;
}
