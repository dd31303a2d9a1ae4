/* transcode.photo — separable resampling in fixed point, fused with the
 * EXIF orientation.
 *
 * Each output row is made by a vertical pass (weighted sum of a few source
 * rows, written so the compiler vectorises it) followed by a horizontal
 * pass over that one row, which writes every pixel where the EXIF
 * orientation puts it, so turning the photo upright costs (almost) no
 * extra pass. Weights are 14-bit integers summing exactly to
 * 1 << 14, so flat areas stay exactly flat. */
#include "transcode_photo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define WEIGHT_BITS 14
#define WEIGHT_ONE  (1 << WEIGHT_BITS)
#define BAND_ROWS   64

int transcode_photo_filter_from_name(const char *name)
{
    static const char *const names[] = {"area", "triangle", "lanczos3"};
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* For every output sample: the first input sample, how many follow, and
 * their weights (taps per row, unused ones zero). */
typedef struct filter_table {
    int taps;       /* weights stored per output sample */
    int max_count;  /* largest count after trimming */
    bool negative;  /* some weight is below zero */
    int32_t *pairs; /* weights k, k+1 packed as 16-bit lanes, taps/2 each */
    int *start;
    int *count;
    int16_t *weights;
} filter_table;

static void table_clear(filter_table *t)
{
    free(t->start);
    free(t->count);
    free(t->weights);
    free(t->pairs);
    memset(t, 0, sizeof(*t));
}

static double kernel(transcode_photo_filter filter, double x)
{
    x = fabs(x);
    if (filter == TRANSCODE_PHOTO_FILTER_LANCZOS3) {
        if (x < 1e-9)
            return 1.0;
        if (x >= 3.0)
            return 0.0;
        double px = M_PI * x;
        return 3.0 * sin(px) * sin(px / 3.0) / (px * px);
    }
    return x < 1.0 ? 1.0 - x : 0.0;
}

static double support_of(transcode_photo_filter filter)
{
    switch (filter) {
    case TRANSCODE_PHOTO_FILTER_AREA:
        return 0.5;
    case TRANSCODE_PHOTO_FILTER_LANCZOS3:
        return 3.0;
    default:
        return 1.0;
    }
}

/* Turns real weights into integers that sum to exactly WEIGHT_ONE (the
 * rounding error goes to the largest tap) and trims zero taps at both
 * ends, which saves work at the edges of the reduction. */
static void quantise(const double *w, int *q, int n, int *start, int *count,
                     int16_t *out)
{
    double sum = 0;
    for (int k = 0; k < n; k++)
        sum += w[k];
    int total = 0, largest = 0;
    for (int k = 0; k < n; k++) {
        q[k] = (int)lround(sum != 0 ? w[k] / sum * WEIGHT_ONE : 0);
        total += q[k];
        if (q[k] > q[largest])
            largest = k;
    }
    q[largest] += WEIGHT_ONE - total;
    int first = 0, last = n - 1;
    while (first < last && q[first] == 0)
        first++;
    while (last > first && q[last] == 0)
        last--;
    *start += first;
    *count = last - first + 1;
    for (int k = 0; k < *count; k++)
        out[k] = (int16_t)q[first + k];
}

static int table_build(filter_table *t, int in, int out,
                       transcode_photo_filter filter, dk_error *err)
{
    double scale = (double)in / out;
    /* Area averaging is only defined for reductions; enlarging (never done
     * for derivatives, but the function is general) falls back to tent. */
    if (scale < 1.0 && filter == TRANSCODE_PHOTO_FILTER_AREA)
        filter = TRANSCODE_PHOTO_FILTER_TRIANGLE;
    double fscale = scale > 1.0 ? scale : 1.0;
    double support = support_of(filter) * fscale;
    t->taps = (int)ceil(support) * 2 + 2;
    t->start = calloc((size_t)out, sizeof(int));
    t->count = calloc((size_t)out, sizeof(int));
    t->weights = calloc((size_t)out * t->taps, sizeof(int16_t));
    t->pairs = calloc((size_t)out * t->taps / 2, sizeof(int32_t));
    double *w = malloc(sizeof(double) * t->taps);
    int *q = malloc(sizeof(int) * t->taps);
    if (!t->start || !t->count || !t->weights || !t->pairs || !w || !q) {
        free(w);
        free(q);
        table_clear(t);
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory for filter");
    }
    for (int i = 0; i < out; i++) {
        double center = (i + 0.5) * scale;
        int lo = (int)floor(center - support);
        int hi = (int)ceil(center + support);
        if (lo < 0)
            lo = 0;
        if (hi > in)
            hi = in;
        if (hi - lo > t->taps)
            hi = lo + t->taps;
        if (hi <= lo) /* cannot happen for in, out >= 1; stay safe */
            hi = lo + 1;
        for (int j = lo; j < hi; j++) {
            if (filter == TRANSCODE_PHOTO_FILTER_AREA) {
                /* How much of source pixel [j, j+1) the output pixel's
                 * footprint [center - scale/2, center + scale/2) covers. */
                double a = fmax(j, center - scale / 2);
                double b = fmin(j + 1.0, center + scale / 2);
                w[j - lo] = b > a ? b - a : 0.0;
            } else {
                w[j - lo] = kernel(filter, (j + 0.5 - center) / fscale);
            }
        }
        t->start[i] = lo;
        quantise(w, q, hi - lo, &t->start[i], &t->count[i],
                 t->weights + (size_t)i * t->taps);
        if (t->count[i] > t->max_count)
            t->max_count = t->count[i];
        for (int k = 0; k < t->count[i]; k++)
            t->negative |= t->weights[(size_t)i * t->taps + k] < 0;
    }
    for (size_t k = 0; k < (size_t)out * t->taps / 2; k++)
        t->pairs[k] =
            (int32_t)((uint32_t)(uint16_t)t->weights[2 * k] |
                      (uint32_t)(uint16_t)t->weights[2 * k + 1] << 16);
    free(w);
    free(q);
    return 0;
}

static inline uint8_t clamp8(int32_t v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* Weighted sum of two or three rows for filters without negative lobes.
 * Each term is the high half of (pixel << 8) * weight16, with 16-bit
 * weights summing to 65536, so the sum fits 16 bits and the loop becomes
 * pmulhuw on eight pixels at a time even on baseline x86-64. */
static inline uint16_t mulhi(uint8_t pixel, uint16_t weight)
{
    return (uint16_t)(((uint32_t)(pixel << 8) * weight) >> 16);
}

static void vertical_positive(const uint8_t *restrict s0, size_t st,
                              const int16_t *w, int n, int len,
                              uint16_t *restrict acc, uint8_t *restrict row)
{
    const uint8_t *restrict s1 = s0 + st;
    const uint16_t w0 = (uint16_t)(w[0] << 2), w1 = (uint16_t)(w[1] << 2);
    if (n == 2) {
        for (int i = 0; i < len; i++)
            row[i] = (uint8_t)((uint16_t)(mulhi(s0[i], w0) + mulhi(s1[i], w1) +
                                          128) >>
                               8);
        return;
    }
    const uint8_t *restrict s2 = s1 + st;
    const uint16_t w2 = (uint16_t)(w[2] << 2);
    if (n == 3) {
        for (int i = 0; i < len; i++)
            row[i] = (uint8_t)((uint16_t)(mulhi(s0[i], w0) + mulhi(s1[i], w1) +
                                          mulhi(s2[i], w2) + 128) >>
                               8);
        return;
    }
    /* Longer reductions (thumbnails): the same sums, three rows a pass. */
    for (int i = 0; i < len; i++)
        acc[i] = (uint16_t)(mulhi(s0[i], w0) + mulhi(s1[i], w1) +
                            mulhi(s2[i], w2) + 128);
    for (int k = 3; k < n; k++) {
        const uint8_t *restrict s = s0 + (size_t)k * st;
        const uint16_t wk = (uint16_t)(w[k] << 2);
        for (int i = 0; i < len; i++)
            acc[i] = (uint16_t)(acc[i] + mulhi(s[i], wk));
    }
    for (int i = 0; i < len; i++)
        row[i] = (uint8_t)(acc[i] >> 8);
}

/* Filters with negative lobes (Lanczos) need signed sums and are long
 * (up to ~40 taps for a thumbnail), where truncating every term would
 * drift; so they sum exactly in 32 bits. With SSE2 two rows at a time go
 * through pmaddwd as interleaved (row k, row k+1) pixel pairs against a
 * (w_k, w_k+1) weight pair. */
static int vertical_signed_sse2(const uint8_t *restrict s0, size_t st,
                                const int16_t *w, int n, int len,
                                uint8_t *restrict row)
{
    int i = 0;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
    const __m128i round = _mm_set1_epi32(WEIGHT_ONE / 2);
    for (; i + 16 <= len; i += 16) {
        __m128i a0 = round, a1 = round, a2 = round, a3 = round;
        for (int k = 0; k < n; k += 2) {
            const uint8_t *r = s0 + (size_t)k * st + i;
            __m128i p = _mm_loadu_si128((const __m128i *)(const void *)r);
            __m128i q = zero;
            uint32_t pair = (uint16_t)w[k];
            if (k + 1 < n) {
                q = _mm_loadu_si128((const __m128i *)(const void *)(r + st));
                pair |= (uint32_t)(uint16_t)w[k + 1] << 16;
            }
            __m128i wk = _mm_set1_epi32((int)pair);
            __m128i lo = _mm_unpacklo_epi8(p, q), hi = _mm_unpackhi_epi8(p, q);
            a0 = _mm_add_epi32(a0,
                               _mm_madd_epi16(_mm_unpacklo_epi8(lo, zero), wk));
            a1 = _mm_add_epi32(a1,
                               _mm_madd_epi16(_mm_unpackhi_epi8(lo, zero), wk));
            a2 = _mm_add_epi32(a2,
                               _mm_madd_epi16(_mm_unpacklo_epi8(hi, zero), wk));
            a3 = _mm_add_epi32(a3,
                               _mm_madd_epi16(_mm_unpackhi_epi8(hi, zero), wk));
        }
        __m128i lo16 = _mm_packs_epi32(_mm_srai_epi32(a0, WEIGHT_BITS),
                                       _mm_srai_epi32(a1, WEIGHT_BITS));
        __m128i hi16 = _mm_packs_epi32(_mm_srai_epi32(a2, WEIGHT_BITS),
                                       _mm_srai_epi32(a3, WEIGHT_BITS));
        _mm_storeu_si128((__m128i *)(void *)(row + i),
                         _mm_packus_epi16(lo16, hi16));
    }
#else
    (void)s0, (void)st, (void)w, (void)n, (void)len, (void)row;
#endif
    return i;
}

static void vertical_signed(const uint8_t *restrict s0, size_t st,
                            const int16_t *w, int n, int len,
                            uint8_t *restrict row)
{
    for (int i = vertical_signed_sse2(s0, st, w, n, len, row); i < len; i++) {
        int32_t v = WEIGHT_ONE / 2;
        for (int k = 0; k < n; k++)
            v += w[k] * s0[(size_t)k * st + i];
        row[i] = clamp8(v >> WEIGHT_BITS);
    }
}

/* One row from a weighted sum of source rows: a copy for one tap, else
 * one of the two 16-bit paths above. */
static void vertical(const transcode_photo_image *src, const filter_table *t,
                     int y, void *scratch, uint8_t *restrict row)
{
    const int len = src->width * 3;
    const int n = t->count[y];
    const int16_t *w = t->weights + (size_t)y * t->taps;
    const size_t st = src->stride;
    const uint8_t *s0 = src->pixels + (size_t)t->start[y] * st;
    if (n == 1)
        memcpy(row, s0, (size_t)len);
    else if (!t->negative)
        vertical_positive(s0, st, w, n, len, scratch, row);
    else
        vertical_signed(s0, st, w, n, len, row);
}

#if defined(__SSE2__)
/* Two neighbouring RGB pixels as 16-bit lanes r0 r1 g0 g1 b0 b1 x x, ready
 * for pmaddwd against a (w0, w1) pair. Reads one byte past the second
 * pixel; rows carry slack for that. */
static inline __m128i load_pair(const uint8_t *s)
{
    uint32_t a, b;
    memcpy(&a, s, 4);
    memcpy(&b, s + 3, 4);
    __m128i bytes =
        _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)a), _mm_cvtsi32_si128((int)b));
    return _mm_unpacklo_epi8(bytes, _mm_setzero_si128());
}

/* With pairs a constant the tap loop unrolls into straight-line code. */
static inline void horizontal_n(const uint8_t *restrict row,
                                const filter_table *t, int out_w,
                                uint8_t *restrict dst, ptrdiff_t step,
                                const int pairs)
{
    for (int x = 0; x < out_w; x++, dst += step) {
        const int32_t *wp = t->pairs + (size_t)x * t->taps / 2;
        const uint8_t *s = row + (size_t)t->start[x] * 3;
        __m128i acc = _mm_set1_epi32(WEIGHT_ONE / 2);
        for (int k = 0; k < pairs; k++)
            acc = _mm_add_epi32(acc, _mm_madd_epi16(load_pair(s + 6 * k),
                                                    _mm_set1_epi32(wp[k])));
        acc = _mm_srai_epi32(acc, WEIGHT_BITS);
        acc = _mm_packus_epi16(_mm_packs_epi32(acc, acc), acc);
        uint32_t v = (uint32_t)_mm_cvtsi128_si32(acc);
        memcpy(dst, &v, 3);
    }
}
#else
static inline void horizontal_n(const uint8_t *restrict row,
                                const filter_table *t, int out_w,
                                uint8_t *restrict dst, ptrdiff_t step,
                                const int pairs)
{
    for (int x = 0; x < out_w; x++, dst += step) {
        const int16_t *w = t->weights + (size_t)x * t->taps;
        const uint8_t *s = row + (size_t)t->start[x] * 3;
        int32_t r = WEIGHT_ONE / 2, g = WEIGHT_ONE / 2, b = WEIGHT_ONE / 2;
        for (int k = 0; k < 2 * pairs; k++, s += 3) {
            r += w[k] * s[0];
            g += w[k] * s[1];
            b += w[k] * s[2];
        }
        dst[0] = clamp8(r >> WEIGHT_BITS);
        dst[1] = clamp8(g >> WEIGHT_BITS);
        dst[2] = clamp8(b >> WEIGHT_BITS);
    }
}
#endif

/* Every output pixel runs the same number of taps: zero weights pad the
 * short ones, and the row has zeroed slack at its end. */
static void horizontal(const uint8_t *restrict row, const filter_table *t,
                       int out_w, uint8_t *restrict dst, ptrdiff_t step)
{
    switch ((t->max_count + 1) / 2) {
    case 1:
        horizontal_n(row, t, out_w, dst, step, 1);
        break;
    case 2:
        horizontal_n(row, t, out_w, dst, step, 2);
        break;
    case 3:
        horizontal_n(row, t, out_w, dst, step, 3);
        break;
    default:
        horizontal_n(row, t, out_w, dst, step, (t->max_count + 1) / 2);
        break;
    }
}

/* Orientations 5..8 turn rows into columns. Writing each pixel straight
 * to its column touches one cache line per pixel, so a band of rows is
 * gathered column-major in a buffer that stays in L2 (each column a run
 * of BAND_ROWS pixels, already in destination order) and every run is
 * then copied to its destination row in one piece. */
static int transposed(const transcode_photo_image *src, const filter_table *xt,
                      const filter_table *yt, int out_w, int out_h,
                      ptrdiff_t base, ptrdiff_t dx, ptrdiff_t dy, void *scratch,
                      uint8_t *row, transcode_photo_image *dst, dk_error *err)
{
    const ptrdiff_t run = BAND_ROWS * 3;
    uint8_t *band = malloc((size_t)run * (size_t)out_w);
    if (!band)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory for rotation");
    for (int y0 = 0; y0 < out_h; y0 += BAND_ROWS) {
        int n = out_h - y0 < BAND_ROWS ? out_h - y0 : BAND_ROWS;
        for (int r = 0; r < n; r++) {
            vertical(src, yt, y0 + r, scratch, row);
            int slot = dy > 0 ? r : n - 1 - r;
            horizontal(row, xt, out_w, band + slot * 3, run);
        }
        int first = dy > 0 ? y0 : y0 + n - 1;
        for (int x = 0; x < out_w; x++)
            memcpy(dst->pixels + base + x * dx + first * dy, band + x * run,
                   (size_t)n * 3);
    }
    free(band);
    return 0;
}

int transcode_photo_resample(const transcode_photo_image *src, int out_w,
                             int out_h, transcode_photo_filter filter,
                             int orientation, transcode_photo_image *dst,
                             dk_error *err)
{
    if (orientation < 1 || orientation > 8)
        orientation = 1;
    bool swap = orientation >= 5;
    int rc = transcode_photo_image_alloc(dst, swap ? out_h : out_w,
                                         swap ? out_w : out_h, err);
    if (rc)
        return rc;
    if (out_w == src->width && out_h == src->height) {
        transcode_photo_orient_rows(src->pixels, src->stride, 0, src->height,
                                    src->width, src->height, orientation, dst);
        return 0;
    }

    filter_table xt = {0}, yt = {0};
    rc = table_build(&xt, src->width, out_w, filter, err);
    if (!rc)
        rc = table_build(&yt, src->height, out_h, filter, err);
    size_t len = (size_t)src->width * 3;
    uint16_t *acc = malloc(len * sizeof(uint16_t));
    /* Slack after the row for the zero-weight padding taps and the one
     * byte a 4-byte pixel load reads past the last pixel. */
    size_t slack = (size_t)(rc ? 0 : xt.max_count + 2) * 3 + 4;
    uint8_t *row = calloc(len + slack, 1);
    if (!rc && (!acc || !row))
        rc = dk_error_set(err, DK_ERR_NOMEM, "out of memory for resampling");

    ptrdiff_t base, dx, dy;
    transcode_photo_orient_steps(orientation, out_w, out_h, dst->stride, &base,
                                 &dx, &dy);
    if (!rc && orientation <= 4) {
        /* Rows stay rows: each output pixel goes straight to its place. */
        for (int y = 0; y < out_h; y++) {
            vertical(src, &yt, y, acc, row);
            horizontal(row, &xt, out_w, dst->pixels + base + y * dy, dx);
        }
    } else if (!rc) {
        rc = transposed(src, &xt, &yt, out_w, out_h, base, dx, dy, acc, row,
                        dst, err);
    }
    free(row);
    free(acc);
    table_clear(&xt);
    table_clear(&yt);
    if (rc)
        transcode_photo_image_clear(dst);
    return rc;
}
