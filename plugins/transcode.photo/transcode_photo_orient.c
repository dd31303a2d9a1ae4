/* transcode.photo — turning stored pixels upright for EXIF orientation.
 *
 * Every orientation is a walk over the stored pixels with a start offset
 * and two steps in the destination. The four that transpose are done in
 * strips of a few rows, so consecutive writes land side by side in the
 * destination instead of one cache line per pixel. */
#include "transcode_photo.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define STRIP_ROWS 16

void transcode_photo_orient_steps(int orientation, int width, int height,
                                  size_t dst_stride, ptrdiff_t *base,
                                  ptrdiff_t *dx, ptrdiff_t *dy)
{
    const ptrdiff_t s = (ptrdiff_t)dst_stride;
    const ptrdiff_t w1 = width - 1, h1 = height - 1;
    /* clang-format off */
    switch (orientation) {
    case 2: *base = w1 * 3;          *dx = -3; *dy = s;  break;
    case 3: *base = h1 * s + w1 * 3; *dx = -3; *dy = -s; break;
    case 4: *base = h1 * s;          *dx = 3;  *dy = -s; break;
    case 5: *base = 0;               *dx = s;  *dy = 3;  break;
    case 6: *base = h1 * 3;          *dx = s;  *dy = -3; break;
    case 7: *base = w1 * s + h1 * 3; *dx = -s; *dy = -3; break;
    case 8: *base = w1 * s;          *dx = -s; *dy = 3;  break;
    default: *base = 0;              *dx = 3;  *dy = s;  break;
    }
    /* clang-format on */
}

void transcode_photo_orient_rows(const uint8_t *src, size_t src_stride, int y0,
                                 int rows, int width, int height,
                                 int orientation, transcode_photo_image *dst)
{
    ptrdiff_t base, dx, dy;
    transcode_photo_orient_steps(orientation, width, height, dst->stride, &base,
                                 &dx, &dy);

    if (orientation <= 4) {
        for (int r = 0; r < rows; r++) {
            const uint8_t *in = src + (size_t)r * src_stride;
            uint8_t *out = dst->pixels + base + (ptrdiff_t)(y0 + r) * dy;
            if (dx == 3) {
                memcpy(out, in, (size_t)width * 3);
                continue;
            }
            for (int x = 0; x < width; x++, in += 3, out -= 3)
                memcpy(out, in, 3);
        }
        return;
    }
    /* Walk each strip's rows in the order that makes the writes ascend
     * in memory: descending stores defeat the write combining. */
    const bool up = dy < 0;
    const ptrdiff_t in_step =
        up ? -(ptrdiff_t)src_stride : (ptrdiff_t)src_stride;
    for (int r0 = 0; r0 < rows; r0 += STRIP_ROWS) {
        int n = rows - r0 < STRIP_ROWS ? rows - r0 : STRIP_ROWS;
        int first = up ? r0 + n - 1 : r0;
        for (int x = 0; x < width; x++) {
            uint8_t *out = dst->pixels + base + (ptrdiff_t)x * dx +
                           (ptrdiff_t)(y0 + first) * dy;
            const uint8_t *in = src + (ptrdiff_t)first * (ptrdiff_t)src_stride +
                                (ptrdiff_t)x * 3;
            for (int r = 0; r < n; r++, in += in_step, out += 3)
                memcpy(out, in, 3);
        }
    }
}
