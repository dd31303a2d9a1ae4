/* Alignment seeds: clip frames whose sub-fingerprint equals, or is one bit
 * from, one of the original's, and the slope and diagonals they agree on.
 *
 * A re-encode leaves 4-15 % of the bits wrong, so a fair share of frames
 * survive exactly or with one bit flipped; looking up the 33 values within
 * one bit of each clip frame in a hash table of the original is cheap (a
 * 60 s clip is ~4000 frames) and finds enough of them to vote with. */
#include "align_private.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A value found this often in the original says nothing about where. */
#define SEED_MAX_PER_VALUE 32
/* Diagonals with fewer seeds are chance: unrelated frames hit about
 * 33 * count / 2^32 times each. */
#define SEED_MIN_PER_DIAGONAL 2
#define SEED_MAX_DIAGONALS    128
/* Clip frames no segment explains get a second look along the diagonal
 * of every seed among them, even a lone one (a short moved phrase in a
 * noisy copy may have only one): checking a diagonal costs one pass. */
#define SEED_MAX_GAP_DIAGONALS 256
/* Slope votes: bins of 0.001 over 0.5..2. */
#define SLOPE_MIN      0.5
#define SLOPE_MAX      2.0
#define SLOPE_BIN      0.001
#define SLOPE_BINS     1501
#define SLOPE_PARTNERS 8
/* A slope other than 1 must put this many more seeds on its diagonals
 * than 1 does: a change of speed is rare, chance agreement is not. */
#define SLOPE_BETTER        1.25
#define SLOPE_TOP_DIAGONALS 8

typedef struct seed_table {
    uint32_t mask;
    int32_t *head; /* mask + 1 buckets */
    int32_t *next; /* per original frame */
} seed_table;

static uint32_t hash_value(uint32_t v)
{
    return (v * 2654435761u) ^ (v >> 16);
}

static int table_build(seed_table *t, const dk_audio_print *orig, dk_error *err)
{
    size_t size = 1024;
    while (size < 2 * orig->count)
        size <<= 1;
    t->mask = (uint32_t)(size - 1);
    t->head = malloc(size * sizeof *t->head);
    t->next = malloc((orig->count ? orig->count : 1) * sizeof *t->next);
    if (!t->head || !t->next)
        return dk_error_set(err, DK_ERR_NOMEM,
                            "align: no memory for %zu "
                            "original frames",
                            orig->count);
    memset(t->head, 0xff, size * sizeof *t->head);
    /* inserted back to front so each chain runs in frame order */
    for (size_t k = orig->count; k-- > 0;) {
        if (orig->quiet[k])
            continue;
        uint32_t b = hash_value(orig->bits[k]) & t->mask;
        t->next[k] = t->head[b];
        t->head[b] = (int32_t)k;
    }
    return 0;
}

static void table_free(seed_table *t)
{
    free(t->head);
    free(t->next);
}

typedef struct seed_list {
    align_seed *items;
    size_t n, capacity;
} seed_list;

static int list_push(seed_list *l, int32_t i, int32_t j, dk_error *err)
{
    if (l->n == l->capacity) {
        size_t cap = l->capacity ? 2 * l->capacity : 4096;
        align_seed *grown = realloc(l->items, cap * sizeof *grown);
        if (!grown)
            return dk_error_set(err, DK_ERR_NOMEM,
                                "align: no memory for "
                                "%zu seeds",
                                cap);
        l->items = grown;
        l->capacity = cap;
    }
    l->items[l->n++] = (align_seed){i, j};
    return 0;
}

/* Seeds for one value: none when it is too common to place anything. */
static int lookup(const seed_table *t, const dk_audio_print *orig,
                  uint32_t value, int32_t i, seed_list *l, dk_error *err)
{
    int32_t b = t->head[hash_value(value) & t->mask];
    int hits = 0;
    for (int32_t k = b; k >= 0; k = t->next[k])
        if (orig->bits[k] == value && ++hits > SEED_MAX_PER_VALUE)
            return 0;
    for (int32_t k = b; k >= 0 && hits; k = t->next[k])
        if (orig->bits[k] == value) {
            int rc = list_push(l, i, k, err);
            if (rc)
                return rc;
        }
    return 0;
}

int align_seeds_find(const dk_audio_print *clip, const dk_audio_print *orig,
                     align_seed **out, size_t *n, dk_error *err)
{
    *out = NULL;
    *n = 0;
    if (clip->count > INT32_MAX || orig->count > INT32_MAX)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "align: print too long (%zu and %zu frames)",
                            clip->count, orig->count);
    if (!clip->count || !orig->count)
        return 0;
    seed_table t = {0};
    seed_list l = {0};
    int rc = table_build(&t, orig, err);
    for (size_t i = 0; !rc && i < clip->count; i++) {
        if (clip->quiet[i])
            continue;
        uint32_t v = clip->bits[i];
        rc = lookup(&t, orig, v, (int32_t)i, &l, err);
        for (int bit = 0; !rc && bit < 32; bit++)
            rc = lookup(&t, orig, v ^ (1u << bit), (int32_t)i, &l, err);
    }
    table_free(&t);
    if (rc) {
        free(l.items);
        return rc;
    }
    *out = l.items;
    *n = l.n;
    return 0;
}

static long diagonal_of(const align_seed *s, double slope)
{
    return (long)s->j - lround(slope * s->i);
}

static int compare_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The diagonal (at this slope) with most seeds within +-tolerance. */
static long main_diagonal(const align_seed *seeds, size_t n, double slope,
                          long tolerance, long *scratch)
{
    for (size_t k = 0; k < n; k++)
        scratch[k] = diagonal_of(&seeds[k], slope);
    qsort(scratch, n, sizeof *scratch, compare_long);
    size_t best = 0, best_count = 0, lo = 0;
    for (size_t hi = 0; hi < n; hi++) {
        while (scratch[hi] - scratch[lo] > 2 * tolerance)
            lo++;
        if (hi - lo + 1 > best_count) {
            best_count = hi - lo + 1;
            best = lo + (hi - lo) / 2;
        }
    }
    return scratch[best];
}

/* Least squares slope of the seeds within tolerance of diagonal d. */
static double fit_slope(const align_seed *seeds, size_t n, double slope, long d,
                        long tolerance)
{
    double si = 0, sj = 0, sii = 0, sij = 0;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (labs(diagonal_of(&seeds[k], slope) - d) > tolerance)
            continue;
        double i = seeds[k].i, j = seeds[k].j;
        si += i;
        sj += j;
        sii += i * i;
        sij += i * j;
        m++;
    }
    double var = sii - si * si / (double)m;
    if (m < 8 || var < 1)
        return slope;
    return (sij - si * sj / (double)m) / var;
}

/* Votes of seed pairs some seconds apart for the slope between them; pairs
 * within one stretch of the original agree, pairs across an edit
 * scatter. Returns the centre of the densest bins. */
static double vote_slope(const align_seed *seeds, size_t n, long gap)
{
    unsigned *votes = calloc(SLOPE_BINS, sizeof *votes);
    if (!votes)
        return 1.0;
    /* partners spread over gap..4 gap: pairs across a cut then vote for
     * slopes 1 + jump / distance that scatter, instead of piling up at
     * one distance */
    size_t p = 0, q = 0;
    for (size_t a = 0; a < n; a++) {
        while (p < n && seeds[p].i < seeds[a].i + gap)
            p++;
        while (q < n && seeds[q].i <= seeds[a].i + 4 * gap)
            q++;
        size_t step = q > p + SLOPE_PARTNERS ? (q - p) / SLOPE_PARTNERS : 1;
        for (size_t b = p; b < q; b += step) {
            long di = seeds[b].i - seeds[a].i;
            double s = (double)(seeds[b].j - seeds[a].j) / (double)di;
            if (s < SLOPE_MIN || s > SLOPE_MAX)
                continue;
            votes[lround((s - SLOPE_MIN) / SLOPE_BIN)]++;
        }
    }
    /* a seed's frame is +-1 off: the slope of a pair gap apart is +-2/gap */
    long half = (long)ceil(2.0 / (double)gap / SLOPE_BIN);
    unsigned best_sum = 0;
    long best = lround((1.0 - SLOPE_MIN) / SLOPE_BIN);
    for (long c = 0; c < SLOPE_BINS; c++) {
        unsigned sum = 0;
        for (long k = c - half; k <= c + half; k++)
            if (k >= 0 && k < SLOPE_BINS)
                sum += votes[k];
        if (sum > best_sum) {
            best_sum = sum;
            best = c;
        }
    }
    free(votes);
    return SLOPE_MIN + SLOPE_BIN * (double)best;
}

/* Seeds on the few strongest diagonals at this slope (scratch: n). */
static size_t diagonal_support(const align_seed *seeds, size_t n, double slope,
                               long *scratch)
{
    for (size_t k = 0; k < n; k++)
        scratch[k] = diagonal_of(&seeds[k], slope);
    qsort(scratch, n, sizeof *scratch, compare_long);
    size_t top[SLOPE_TOP_DIAGONALS] = {0};
    for (size_t start = 0; start < n;) {
        size_t end = start + 1;
        while (end < n && scratch[end] - scratch[start] <= 4)
            end++;
        size_t size = end - start;
        for (int k = 0; k < SLOPE_TOP_DIAGONALS; k++)
            if (size > top[k]) {
                size_t t = top[k];
                top[k] = size;
                size = t;
            }
        start = end;
    }
    size_t sum = 0;
    for (int k = 0; k < SLOPE_TOP_DIAGONALS; k++)
        sum += top[k];
    return sum;
}

double align_seeds_slope(const align_seed *seeds, size_t n)
{
    if (n < 16)
        return 1.0;
    long span = seeds[n - 1].i - seeds[0].i;
    long gap = span / 3 < 250 ? span / 3 : 250;
    if (gap < 30)
        return 1.0;
    double slope = vote_slope(seeds, n, gap);
    long *scratch = malloc(n * sizeof *scratch);
    if (!scratch)
        return 1.0;
    /* The voted slope is good to ~2/gap: on a narrow diagonal that holds
     * for a few hundred frames around its densest part, whose least
     * squares fit is better, and so holds further the next round. A wide
     * diagonal would take in the next stretch after a cut and bend. */
    for (int round = 0; round < 5; round++) {
        long d = main_diagonal(seeds, n, slope, 3, scratch);
        slope = fit_slope(seeds, n, slope, d, 3);
    }
    /* least squares over thousands of seeds is good to ~1e-4: closer to 1
     * than this is a clip printed at the original's rate */
    if (fabs(slope - 1.0) < 0.0015 ||
        (double)diagonal_support(seeds, n, slope, scratch) <
            SLOPE_BETTER * (double)diagonal_support(seeds, n, 1.0, scratch))
        slope = 1.0;
    free(scratch);
    return slope;
}

typedef struct diagonal_count {
    long d;
    size_t count;
} diagonal_count;

static int by_count(const void *a, const void *b)
{
    const diagonal_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return (x->d > y->d) - (x->d < y->d);
}

int align_seeds_diagonals(const align_seed *seeds, size_t n, double slope,
                          long **out, size_t *n_out, dk_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (!n)
        return 0;
    long *d = malloc(n * sizeof *d);
    diagonal_count *groups = malloc(n * sizeof *groups);
    if (!d || !groups) {
        free(d);
        free(groups);
        return dk_error_set(err, DK_ERR_NOMEM,
                            "align: no memory for "
                            "%zu seeds",
                            n);
    }
    for (size_t k = 0; k < n; k++)
        d[k] = diagonal_of(&seeds[k], slope);
    qsort(d, n, sizeof *d, compare_long);
    /* a group: sorted values no more than 2 apart (and 6 in all, so that
     * chance seeds do not chain diagonals together); its most frequent
     * value stands for it */
    size_t n_groups = 0;
    for (size_t start = 0; start < n;) {
        size_t end = start + 1, mode = start, mode_count = 0;
        while (end < n && d[end] - d[end - 1] <= 2 && d[end] - d[start] <= 6)
            end++;
        for (size_t k = start; k < end;) {
            size_t same = k;
            while (same < end && d[same] == d[k])
                same++;
            if (same - k > mode_count) {
                mode_count = same - k;
                mode = k;
            }
            k = same;
        }
        if (end - start >= SEED_MIN_PER_DIAGONAL)
            groups[n_groups++] = (diagonal_count){d[mode], end - start};
        start = end;
    }
    qsort(groups, n_groups, sizeof *groups, by_count);
    if (n_groups > SEED_MAX_DIAGONALS)
        n_groups = SEED_MAX_DIAGONALS;
    for (size_t k = 0; k < n_groups; k++)
        d[k] = groups[k].d;
    free(groups);
    if (!n_groups) {
        free(d);
        d = NULL;
    }
    *out = d;
    *n_out = n_groups;
    return 0;
}

/* Is d within 2 of one of the n sorted values? */
static bool near_sorted(const long *sorted, size_t n, long d)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < d - 2)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && sorted[lo] <= d + 2;
}

int align_seeds_gap_diagonals(const align_seed *seeds, size_t n, double slope,
                              const align_run *runs, size_t n_runs,
                              const long *have, size_t n_have, long **out,
                              size_t *n_out, dk_error *err)
{
    *out = NULL;
    *n_out = 0;
    long *known = malloc((n_have + n + 1) * sizeof *known);
    if (!known)
        return dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
    if (n_have) {
        memcpy(known, have, n_have * sizeof *known);
        qsort(known, n_have, sizeof *known, compare_long);
    }
    /* runs are in clip order and seeds in clip frame order: one sweep */
    size_t r = 0, found = 0;
    long *fresh = known + n_have;
    for (size_t k = 0; k < n && found < SEED_MAX_GAP_DIAGONALS; k++) {
        long i = seeds[k].i;
        while (r < n_runs && runs[r].i1 <= i)
            r++;
        if (r < n_runs && runs[r].i0 <= i)
            continue;
        long d = diagonal_of(&seeds[k], slope);
        if (near_sorted(known, n_have, d))
            continue;
        bool seen = false;
        for (size_t m = 0; m < found && !seen; m++)
            seen = labs(fresh[m] - d) <= 2;
        if (!seen)
            fresh[found++] = d;
    }
    if (!found) {
        free(known);
        return 0;
    }
    memmove(known, fresh, found * sizeof *known);
    *out = known;
    *n_out = found;
    return 0;
}
