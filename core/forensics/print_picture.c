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

/* Where each of the n * SUB samples along one axis falls: the two grid
 * lines it lies between and how far along. Computed once per axis (not per
 * sample: that was most of a clip's printing time), with the same
 * arithmetic as before, so hashes are unchanged. */
#define RESAMPLE_SUB 3
typedef struct sample_axis {
    int lo[RESAMPLE_SUB * PRINT_GRID], hi[RESAMPLE_SUB * PRINT_GRID];
    double frac[RESAMPLE_SUB * PRINT_GRID];
} sample_axis;

static int clamp_grid(int v)
{
    return v < 0 ? 0 : v >= PRINT_GRID ? PRINT_GRID - 1 : v;
}

static void axis_place(sample_axis *axis, double origin, double length, int n)
{
    for (int i = 0; i < n; i++)
        for (int a = 0; a < RESAMPLE_SUB; a++) {
            double at =
                origin + (i + (a + 0.5) / RESAMPLE_SUB) * length / n - 0.5;
            int k = i * RESAMPLE_SUB + a, lo = (int)floor(at);
            axis->frac[k] = at - lo;
            axis->lo[k] = clamp_grid(lo);
            axis->hi[k] = clamp_grid(lo + 1);
        }
}

/* Resamples the rectangle (x, y, w, h) of the grid, in grid units
 * (fractional), to out (n square, n <= PRINT_GRID), averaging 3 x 3
 * bilinear samples per output pixel. */
static void resample_to(const uint8_t *grey, int stride, double x, double y,
                        double w, double h, float *out, int n)
{
    sample_axis *ax = malloc(2 * sizeof *ax);
    if (!ax) {
        memset(out, 0, sizeof(float) * n * n);
        return;
    }
    sample_axis *ay = ax + 1;
    axis_place(ax, x, w, n);
    axis_place(ay, y, h, n);
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++) {
            float sum = 0;
            for (int b = 0; b < RESAMPLE_SUB; b++) {
                int ky = j * RESAMPLE_SUB + b;
                double fy = ay->frac[ky];
                const uint8_t *r0 = grey + (ptrdiff_t)ay->lo[ky] * stride;
                const uint8_t *r1 = grey + (ptrdiff_t)ay->hi[ky] * stride;
                for (int a = 0; a < RESAMPLE_SUB; a++) {
                    int kx = i * RESAMPLE_SUB + a;
                    int x0 = ax->lo[kx], x1 = ax->hi[kx];
                    double fx = ax->frac[kx];
                    sum +=
                        (float)((1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x1]) +
                                fy * ((1 - fx) * r1[x0] + fx * r1[x1]));
                }
            }
            out[j * n + i] = sum / (RESAMPLE_SUB * RESAMPLE_SUB);
        }
    }
    free(ax);
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
                        bool centre, dk_picture_frame *frame)
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
    if (!centre || column >= area.width) {
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
