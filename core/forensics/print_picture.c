/* The picture hash: a pHash-style 64-bit DCT hash of a frame's content
 * area, and of the centre 9:16 column of that area.
 *
 * The content area (borders removed) is resampled to 32 x 32 grey, its
 * 2-D DCT taken, and the 64 lowest-frequency coefficients after DC (in
 * zig-zag order) compared with their median: one bit each. Low
 * frequencies are the large-scale structure of the picture, which
 * rescaling, re-encoding and mild colour changes leave alone; comparing
 * with the median rather than with zero makes the hash indifferent to
 * brightness and contrast. */
#include "print_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HASH_COEFFICIENTS 11  /* per axis: the zig-zag's first 65 fit */
#define FLAT_DEVIATION    2.5 /* grey levels: below this, nothing to hash */

/* Resamples the rectangle (x, y, w, h) of the grid, in grid units
 * (fractional), to out (PRINT_HASH_SIZE square), averaging 3 x 3 bilinear
 * samples per output pixel. */
static void resample_to(const uint8_t *grey, int stride, double x, double y,
                        double w, double h, float *out, int n)
{
    const int sub = 3;
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++) {
            float sum = 0;
            for (int b = 0; b < sub; b++) {
                double sy = y + (j + (b + 0.5) / sub) * h / n - 0.5;
                for (int a = 0; a < sub; a++) {
                    double sx = x + (i + (a + 0.5) / sub) * w / n - 0.5;
                    int x0 = (int)floor(sx), y0 = (int)floor(sy);
                    double fx = sx - x0, fy = sy - y0;
                    int x1 = x0 + 1, y1 = y0 + 1;
                    x0 = x0 < 0 ? 0 : x0 >= PRINT_GRID ? PRINT_GRID - 1 : x0;
                    x1 = x1 < 0 ? 0 : x1 >= PRINT_GRID ? PRINT_GRID - 1 : x1;
                    y0 = y0 < 0 ? 0 : y0 >= PRINT_GRID ? PRINT_GRID - 1 : y0;
                    y1 = y1 < 0 ? 0 : y1 >= PRINT_GRID ? PRINT_GRID - 1 : y1;
                    const uint8_t *r0 = grey + (ptrdiff_t)y0 * stride;
                    const uint8_t *r1 = grey + (ptrdiff_t)y1 * stride;
                    sum +=
                        (float)((1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x1]) +
                                fy * ((1 - fx) * r1[x0] + fx * r1[x1]));
                }
            }
            out[j * n + i] = sum / (sub * sub);
        }
    }
}

static void resample(const uint8_t *grey, int stride, double x, double y,
                     double w, double h, float *out)
{
    resample_to(grey, stride, x, y, w, h, out, PRINT_HASH_SIZE);
}

/* The rectangle stretched onto a whole grid, for border removal. */
static void resample_grid(const uint8_t *grey, int stride, double x, double y,
                          double w, double h, uint8_t *out)
{
    float *values = malloc(sizeof(float) * PRINT_GRID * PRINT_GRID);
    if (!values) {
        memset(out, 0, PRINT_GRID * PRINT_GRID);
        return;
    }
    resample_to(grey, stride, x, y, w, h, values, PRINT_GRID);
    for (int i = 0; i < PRINT_GRID * PRINT_GRID; i++)
        out[i] = (uint8_t)lrintf(values[i]);
    free(values);
}

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* 64 bits from the low-frequency DCT coefficients of a 32 x 32 image. */
static uint64_t dct_hash(const float *image)
{
    const int n = PRINT_HASH_SIZE, k = HASH_COEFFICIENTS;
    /* 352 cosines a frame: cheaper than sharing a table between threads */
    float basis[HASH_COEFFICIENTS][PRINT_HASH_SIZE];
    for (int u = 0; u < k; u++)
        for (int x = 0; x < n; x++)
            basis[u][x] = (float)cos(M_PI * (2 * x + 1) * u / (2.0 * n));
    float rows[PRINT_HASH_SIZE][HASH_COEFFICIENTS];
    for (int y = 0; y < n; y++)
        for (int u = 0; u < k; u++) {
            float s = 0;
            for (int x = 0; x < n; x++)
                s += image[y * n + x] * basis[u][x];
            rows[y][u] = s;
        }
    float coefficients[64];
    int count = 0;
    for (int diagonal = 1; count < 64; diagonal++)
        for (int v = 0; v <= diagonal && count < 64; v++) {
            int u = diagonal - v;
            float s = 0;
            for (int y = 0; y < n; y++)
                s += rows[y][u] * basis[v][y];
            coefficients[count++] = s;
        }
    float sorted[64];
    memcpy(sorted, coefficients, sizeof sorted);
    qsort(sorted, 64, sizeof(float), compare_floats);
    float median = (sorted[31] + sorted[32]) / 2;
    uint64_t bits = 0;
    for (int i = 0; i < 64; i++)
        if (coefficients[i] > median)
            bits |= (uint64_t)1 << i;
    return bits;
}

static double deviation(const float *image)
{
    const int n = PRINT_HASH_SIZE * PRINT_HASH_SIZE;
    double sum = 0, squares = 0;
    for (int i = 0; i < n; i++) {
        sum += image[i];
        squares += (double)image[i] * image[i];
    }
    double mean = sum / n;
    double variance = squares / n - mean * mean;
    return variance > 0 ? sqrt(variance) : 0;
}

void print_picture_hash(const uint8_t *grey, int stride, double display_aspect,
                        dk_picture_frame *frame)
{
    print_area area;
    print_border_find(grey, stride, &area);
    float image[PRINT_HASH_SIZE * PRINT_HASH_SIZE];
    resample(grey, stride, area.x, area.y, area.width, area.height, image);
    frame->whole = dct_hash(image);
    frame->flat = deviation(image) < FLAT_DEVIATION;
    frame->aspect = (float)(display_aspect * area.width / area.height);

    /* the centre column that shows 9:16 of the content area's height */
    double column = area.height * (9.0 / 16.0) / display_aspect;
    if (column >= area.width) {
        frame->centre = frame->whole;
        return;
    }
    /* the column gets its own border removal, as a portrait crop of it
     * would: dark rows at its top are border there, not in the whole */
    uint8_t strip[PRINT_GRID * PRINT_GRID];
    resample_grid(grey, stride, area.x + (area.width - column) / 2, area.y,
                  column, area.height, strip);
    print_area inner;
    print_border_find(strip, PRINT_GRID, &inner);
    resample(strip, PRINT_GRID, inner.x, inner.y, inner.width, inner.height,
             image);
    frame->centre = dct_hash(image);
}

/* A portrait clip (narrower than 3:4) of a landscape original (wider than
 * 4:3) is a centre crop: compare with the original's centre column. */
int dk_picture_distance(const dk_picture_frame *clip,
                        const dk_picture_frame *original)
{
    uint64_t theirs = original->whole;
    if (clip->aspect < 0.75f && original->aspect > 1.33f)
        theirs = original->centre;
    return __builtin_popcountll(clip->whole ^ theirs);
}
