/* Audio segments: each diagonal checked frame by frame.
 *
 * Along a diagonal, a ~0.5 s window's bit error rate says whether it holds
 * (quiet frames on both sides say nothing). The stretches that hold, from
 * every diagonal, are taken best first, each keeping only clip frames no
 * better stretch took; then every boundary between two neighbours (or
 * between a segment and material that maps nowhere) is placed at the
 * frame that explains the clip with fewest wrong bits. */
#include "align_private.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A window with fewer comparable frames than this is a pause: neither
 * for nor against the diagonal. */
#define WINDOW_MIN_KNOWN 6
/* A stretch needs this many frames whose window holds. */
#define RUN_MIN_GOOD 4
/* A piece left to a weaker stretch needs this many comparable frames. */
#define PIECE_MIN_KNOWN 8
/* How far either side of a boundary the frame-level search looks. */
#define REFINE_REACH (2 * ALIGN_HALF_WINDOW + 1)
/* The unmapped middle must save this many bits over a plain split, so
 * that a few noisy frames at a join are not called "maps nowhere". */
#define REFINE_GAP_GAIN (3 * ALIGN_UNMAPPED_BITS)
/* Neighbours this close in diagonal are one stretch of the original. */
#define MERGE_DIAGONAL 2
/* ... unless more loud frames than this (0.2 s) lie between them. */
#define MERGE_MAX_LOUD 12
/* ... or the sound between them still follows the diagonal this well:
 * music or noise mixed under the speech raises the bit error rate of a
 * stretch to 0.34-0.40 (sox chords 12 dB under), where sound that maps
 * nowhere (other words in the same voice) sits at 0.45-0.5. */
#define MERGE_GAP_BER 0.42
/* Loud frames between two segments that make the pauses beside them
 * suspect (0.1 s). */
#define RELEASE_MIN_LOUD 6
/* A segment on a diagonal of its own needs 0.5 s, and up to 1.5 s a
 * similarity within 0.1 of its neighbours'. */
#define ISLAND_MIN_FRAMES  31
#define ISLAND_WEAK_FRAMES 94
#define ISLAND_WEAKER      0.1

long align_orig_frame(const align_audio *a, long i, long d)
{
    return lround(a->slope * (double)i) + d;
}

/* Cost of clip frame i on diagonal d. *known says whether the frame is
 * evidence at all (both sides quiet, or a quiet clip frame past the
 * original's end, is not); *both_loud whether its bits were compared.
 * A loud clip frame where the original pauses costs less than one that
 * maps nowhere: a noisy copy fills the original's pauses with noise, and
 * a pause is no reason to give up a diagonal. Such frames are no evidence
 * for it either (their score is 0). */
static int frame_eval(const align_audio *a, long i, long d, bool *known,
                      bool *both_loud)
{
    bool clip_quiet = a->clip->quiet[i] != 0;
    long j = align_orig_frame(a, i, d);
    *both_loud = false;
    if (j < 0 || (size_t)j >= a->orig->count) {
        *known = !clip_quiet;
        return clip_quiet ? 0 : ALIGN_RANDOM_BITS;
    }
    bool orig_quiet = a->orig->quiet[j] != 0;
    *known = !(clip_quiet && orig_quiet);
    if (clip_quiet && orig_quiet)
        return 0;
    if (orig_quiet)
        return ALIGN_NOISE_IN_PAUSE_BITS;
    if (clip_quiet)
        return ALIGN_RANDOM_BITS;
    *both_loud = true;
    return __builtin_popcount(a->clip->bits[i] ^ a->orig->bits[j]);
}

int align_frame_cost(const align_audio *a, long i, long d)
{
    bool known, both_loud;
    return frame_eval(a, i, d, &known, &both_loud);
}

long align_loud_frames(const dk_audio_print *clip, long i0, long i1)
{
    long n = 0;
    for (long i = i0; i < i1; i++)
        n += !clip->quiet[i];
    return n;
}

double align_run_similarity(const align_audio *a, const align_run *run)
{
    long bits = 0, wrong = 0;
    for (long i = run->i0; i < run->i1; i++) {
        long j = align_orig_frame(a, i, run->d);
        if (a->clip->quiet[i] || j < 0 || (size_t)j >= a->orig->count ||
            a->orig->quiet[j])
            continue;
        wrong += __builtin_popcount(a->clip->bits[i] ^ a->orig->bits[j]);
        bits += 32;
    }
    return bits ? 1.0 - (double)wrong / (double)bits : 0.0;
}

/* Evidence of clip frames [i0, i1) on d: ~1 per matching frame, ~0 per
 * unrelated one, 0 for frames whose bits were not compared. */
static double piece_score(const align_audio *a, long i0, long i1, long d,
                          long *known_out, long *wrong_out)
{
    long known = 0, wrong = 0, evidence = 0;
    for (long i = i0; i < i1; i++) {
        bool k, both;
        int e = frame_eval(a, i, d, &k, &both);
        known += k;
        wrong += k ? e : 0;
        evidence += both ? ALIGN_RANDOM_BITS - e : 0;
    }
    *known_out = known;
    *wrong_out = wrong;
    return (double)evidence / ALIGN_RANDOM_BITS;
}

double align_sound_ber(const align_audio *a, long i0, long i1, long d,
                       long *known)
{
    long wrong = 0;
    *known = 0;
    if (i0 < 0)
        i0 = 0;
    if (i1 > (long)a->clip->count)
        i1 = (long)a->clip->count;
    for (long i = i0; i < i1; i++) {
        long j = align_orig_frame(a, i, d);
        if (j < 0 || (size_t)j >= a->orig->count || a->orig->quiet[j])
            continue;
        ++*known;
        wrong += a->clip->quiet[i]
                     ? ALIGN_RANDOM_BITS
                     : __builtin_popcount(a->clip->bits[i] ^ a->orig->bits[j]);
    }
    return *known ? (double)wrong / (32.0 * (double)*known) : 0.0;
}

typedef struct run_list {
    align_run *items;
    size_t n, capacity;
} run_list;

static int runs_push(run_list *l, const align_run *r, dk_error *err)
{
    if (l->n == l->capacity) {
        size_t cap = l->capacity ? 2 * l->capacity : 64;
        align_run *grown = realloc(l->items, cap * sizeof *grown);
        if (!grown)
            return dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
        l->items = grown;
        l->capacity = cap;
    }
    l->items[l->n++] = *r;
    return 0;
}

enum { WINDOW_PAUSE, WINDOW_GOOD, WINDOW_BAD };

/* The stretches of diagonal d whose windows hold, pauses inside kept and
 * pauses at their ends trimmed. wrong/known/evidence: L + 1 scratch each. */
static int diagonal_runs(const align_audio *a, long d, long *wrong, long *known,
                         long *evidence, run_list *out, dk_error *err)
{
    long n = (long)a->clip->count;
    wrong[0] = known[0] = evidence[0] = 0;
    for (long i = 0; i < n; i++) {
        bool k, both;
        int e = frame_eval(a, i, d, &k, &both);
        wrong[i + 1] = wrong[i] + (k ? e : 0);
        known[i + 1] = known[i] + k;
        evidence[i + 1] = evidence[i] + (both ? ALIGN_RANDOM_BITS - e : 0);
    }
    long start = -1, good = 0, last_good = -1, first_good = -1;
    for (long i = 0; i <= n; i++) {
        int state = WINDOW_BAD;
        if (i < n) {
            long lo = i > ALIGN_HALF_WINDOW ? i - ALIGN_HALF_WINDOW : 0;
            long hi =
                i + ALIGN_HALF_WINDOW + 1 < n ? i + ALIGN_HALF_WINDOW + 1 : n;
            long kw = known[hi] - known[lo], ew = wrong[hi] - wrong[lo];
            if (kw < WINDOW_MIN_KNOWN)
                state = WINDOW_PAUSE;
            else if ((double)ew <= ALIGN_MAX_BER * 32.0 * (double)kw)
                state = WINDOW_GOOD;
        }
        if (state != WINDOW_BAD) {
            if (start < 0) {
                start = i;
                good = 0;
                first_good = last_good = -1;
            }
            if (state == WINDOW_GOOD) {
                good++;
                last_good = i;
                if (first_good < 0)
                    first_good = i;
            }
            continue;
        }
        if (start >= 0 && good >= RUN_MIN_GOOD) {
            align_run r = {first_good, last_good + 1, d, 0};
            r.score =
                (double)(evidence[r.i1] - evidence[r.i0]) / ALIGN_RANDOM_BITS;
            int rc = runs_push(out, &r, err);
            if (rc)
                return rc;
        }
        start = -1;
    }
    return 0;
}

static int by_score(const void *a, const void *b)
{
    const align_run *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return (x->i0 > y->i0) - (x->i0 < y->i0);
}

static int by_start(const void *a, const void *b)
{
    const align_run *x = a, *y = b;
    return (x->i0 > y->i0) - (x->i0 < y->i0);
}

/* Best first; each keeps the clip frames no better one took, in pieces
 * that still carry evidence. */
static int select_runs(const align_audio *a, run_list *candidates,
                       run_list *chosen, dk_error *err)
{
    long n = (long)a->clip->count;
    unsigned char *taken = calloc((size_t)n, 1);
    if (!taken)
        return dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
    if (candidates->n)
        qsort(candidates->items, candidates->n, sizeof(align_run), by_score);
    int rc = 0;
    for (size_t c = 0; !rc && c < candidates->n; c++) {
        const align_run *r = &candidates->items[c];
        for (long i = r->i0; !rc && i < r->i1;) {
            if (taken[i]) {
                i++;
                continue;
            }
            long p = i;
            while (i < r->i1 && !taken[i])
                i++;
            long known, wrong;
            double score = piece_score(a, p, i, r->d, &known, &wrong);
            if (known < PIECE_MIN_KNOWN ||
                (double)wrong > ALIGN_MAX_BER * 32.0 * (double)known ||
                score < RUN_MIN_GOOD)
                continue;
            align_run piece = {p, i, r->d, score};
            memset(taken + p, 1, (size_t)(i - p));
            rc = runs_push(chosen, &piece, err);
        }
    }
    free(taken);
    if (!rc && chosen->n)
        qsort(chosen->items, chosen->n, sizeof(align_run), by_start);
    return rc;
}

/* Cost of frame i as "maps nowhere": loud frames pay, quiet ones not. */
static long unmapped_cost(const align_audio *a, long i)
{
    return a->clip->quiet[i] ? 0 : ALIGN_UNMAPPED_BITS;
}

/* Places the boundary between left and right (either may be NULL: a
 * clip end) within reach of where it is: left keeps [.., k1), frames
 * [k1, k2) map nowhere, right takes [k2, ..). pa/pu/pb: scratch of
 * 2 * REFINE_REACH + gap + 1 each (the caller sizes them to the clip). */
static void refine_boundary(const align_audio *a, align_run *left,
                            align_run *right, long *pa, long *pu, long *pb)
{
    long n = (long)a->clip->count;
    long lo = 0, hi = n;
    if (left) {
        lo = left->i1 - REFINE_REACH;
        if (lo < left->i0 + 1)
            lo = left->i0 + 1;
    }
    if (right) {
        hi = right->i0 + REFINE_REACH;
        if (hi > right->i1 - 1)
            hi = right->i1 - 1;
    }
    if (hi < lo)
        return;
    long span = hi - lo;
    pa[0] = pu[0] = pb[0] = 0;
    for (long k = 0; k < span; k++) {
        long i = lo + k;
        pa[k + 1] = pa[k] + (left ? align_frame_cost(a, i, left->d) : 0);
        pu[k + 1] = pu[k] + unmapped_cost(a, i);
        pb[k + 1] = pb[k] + (right ? align_frame_cost(a, i, right->d) : 0);
    }
    /* three ways: best k1 <= k2 for each k2 (ties: segments grow) */
    long best = -1, best_k1 = 0, best_k2 = span, run_min = 0, run_k1 = 0;
    for (long k2 = 0; k2 <= span; k2++) {
        if (left && pa[k2] - pu[k2] <= run_min) {
            run_min = pa[k2] - pu[k2];
            run_k1 = k2;
        }
        if (!right && k2 < span)
            continue;
        long cost = run_min + pu[k2] + pb[span] - pb[k2];
        if (best < 0 || cost < best) {
            best = cost;
            best_k1 = run_k1;
            best_k2 = k2;
        }
    }
    if (left && right) {
        /* a plain split, in the middle of equally good places (a join in
         * a pause could be anywhere in it) */
        long split_best = -1, first = 0, last = 0;
        for (long k = 0; k <= span; k++) {
            long cost = pa[k] + pb[span] - pb[k];
            if (split_best < 0 || cost < split_best) {
                split_best = cost;
                first = last = k;
            } else if (cost == split_best && last == k - 1) {
                last = k;
            }
        }
        if (split_best - best < REFINE_GAP_GAIN)
            best_k1 = best_k2 = (first + last) / 2;
    }
    if (left)
        left->i1 = lo + best_k1;
    if (right)
        right->i0 = lo + best_k2;
}

static long comparable_frames(const align_audio *a, const align_run *r)
{
    long known, wrong;
    piece_score(a, r->i0, r->i1, r->d, &known, &wrong);
    return known;
}

/* Does the sound between prev and r, on either's diagonal, hold well
 * enough to be the same stretch of the original under added sound? */
static bool gap_follows(const align_audio *a, const align_run *prev,
                        const align_run *r)
{
    const long d[2] = {prev->d, r->d};
    for (int k = 0; k < 2; k++) {
        long known, wrong;
        piece_score(a, prev->i1, r->i0, d[k], &known, &wrong);
        if (known >= WINDOW_MIN_KNOWN &&
            (double)wrong <= MERGE_GAP_BER * 32.0 * (double)known)
            return true;
    }
    return false;
}

/* Neighbours on one diagonal with only a pause, or sound that still
 * follows the diagonal, between are one segment; slivers left by the
 * boundary search are dropped. */
static void merge_runs(const align_audio *a, run_list *l)
{
    size_t w = 0;
    for (size_t k = 0; k < l->n; k++) {
        align_run *r = &l->items[k];
        if (r->i1 - r->i0 <= 0 || comparable_frames(a, r) < WINDOW_MIN_KNOWN)
            continue;
        if (w > 0) {
            align_run *prev = &l->items[w - 1];
            if (labs(prev->d - r->d) <= MERGE_DIAGONAL &&
                (align_loud_frames(a->clip, prev->i1, r->i0) <=
                     MERGE_MAX_LOUD ||
                 gap_follows(a, prev, r))) {
                if (r->score > prev->score)
                    prev->d = r->d;
                prev->i1 = r->i1;
                prev->score += r->score;
                continue;
            }
        }
        l->items[w++] = *r;
    }
    l->n = w;
}

/* Seeds on neighbouring diagonals vote together and the busiest stands
 * for them; when the clip's frames fall half a hop off the original's,
 * the neighbour one frame over can fit better (BER 0.10 instead of 0.28
 * on an AAC copy): each segment takes the diagonal within reach that
 * costs it fewest bits. */
static void polish_diagonals(const align_audio *a, run_list *l)
{
    for (size_t k = 0; k < l->n; k++) {
        align_run *r = &l->items[k];
        long best_d = r->d, best = -1;
        for (long d = r->d - MERGE_DIAGONAL; d <= r->d + MERGE_DIAGONAL; d++) {
            long cost = 0;
            for (long i = r->i0; i < r->i1; i++)
                cost += align_frame_cost(a, i, d);
            if (best < 0 || cost < best) {
                best = cost;
                best_d = d;
            }
        }
        r->d = best_d;
    }
}

/* A short stretch on a diagonal of its own claims one or two edits on
 * little evidence: a speaker (above all a synthetic one) says the same
 * word twice, spliced-in words match the original for a moment, the last
 * frames before a trim match something. Its frames are left unexplained
 * instead: a stretch under 0.5 s, or under 1.5 s that matches clearly
 * worse than its neighbours or has unexplained sound beside it (a phrase
 * moved whole abuts its neighbours). At the clip's ends one neighbour is
 * enough. */
static bool island(const align_audio *a, const run_list *l, size_t k)
{
    const align_run *r = &l->items[k];
    const align_run *prev = k > 0 ? &l->items[k - 1] : NULL;
    const align_run *next = k + 1 < l->n ? &l->items[k + 1] : NULL;
    long length = r->i1 - r->i0;
    bool sound_before =
        prev && align_loud_frames(a->clip, prev->i1, r->i0) >= MERGE_MAX_LOUD;
    bool sound_after =
        next && align_loud_frames(a->clip, r->i1, next->i0) >= MERGE_MAX_LOUD;
    /* amid replaced words, on whatever diagonal */
    if (length < ISLAND_WEAK_FRAMES && sound_before && sound_after)
        return true;
    if ((!prev && !next) || (prev && labs(prev->d - r->d) <= MERGE_DIAGONAL) ||
        (next && labs(next->d - r->d) <= MERGE_DIAGONAL))
        return false;
    if (length < ISLAND_MIN_FRAMES)
        return true;
    if (length >= ISLAND_WEAK_FRAMES)
        return false;
    if (sound_before || sound_after)
        return true;
    double sim = align_run_similarity(a, r), best = 0;
    if (prev)
        best = fmax(best, align_run_similarity(a, prev));
    if (next)
        best = fmax(best, align_run_similarity(a, next));
    return sim < best - ISLAND_WEAKER;
}

static void drop_islands(const align_audio *a, run_list *l)
{
    bool *drop = calloc(l->n ? l->n : 1, sizeof *drop);
    if (!drop)
        return; /* keeping them is a worse answer, not a wrong state */
    for (size_t k = 0; k < l->n; k++)
        drop[k] = island(a, l, k);
    size_t w = 0;
    for (size_t k = 0; k < l->n; k++)
        if (!drop[k])
            l->items[w++] = l->items[k];
    l->n = w;
    free(drop);
}

/* Is clip frame i loud where the original, on d, pauses? */
static bool loud_in_pause(const align_audio *a, long i, long d)
{
    long j = align_orig_frame(a, i, d);
    return !a->clip->quiet[i] && j >= 0 && (size_t)j < a->orig->count &&
           a->orig->quiet[j];
}

/* A segment runs on into an original pause as long as the clip is loud
 * there, since noise fills a noisy copy's pauses; but material spliced
 * in or put in place of the original at a pause is loud there too. Next
 * to material that maps nowhere, or where the next segment starts back
 * inside the pause (both claim it), those frames, which carry no
 * evidence, are given up so that the splice shows in full. */
static void release_pauses(const align_audio *a, run_list *l)
{
    for (size_t k = 0; k + 1 < l->n; k++) {
        align_run *left = &l->items[k], *right = &l->items[k + 1];
        bool overlap = align_orig_frame(a, left->i1, left->d) >
                       align_orig_frame(a, right->i0, right->d);
        bool gap =
            align_loud_frames(a->clip, left->i1, right->i0) >= RELEASE_MIN_LOUD;
        if (!overlap && !gap)
            continue;
        while (left->i1 - 1 > left->i0 &&
               loud_in_pause(a, left->i1 - 1, left->d))
            left->i1--;
        while (right->i0 + 1 < right->i1 &&
               loud_in_pause(a, right->i0, right->d))
            right->i0++;
    }
}

int align_audio_runs(const align_audio *a, const long *diagonals,
                     size_t n_diagonals, align_run **out, size_t *n_out,
                     dk_error *err)
{
    *out = NULL;
    *n_out = 0;
    long n = (long)a->clip->count;
    if (!n || !n_diagonals)
        return 0;
    long *scratch = malloc(3 * ((size_t)n + 1) * sizeof *scratch);
    run_list candidates = {0}, chosen = {0};
    if (!scratch)
        return dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
    int rc = 0;
    for (size_t k = 0; !rc && k < n_diagonals; k++)
        rc = diagonal_runs(a, diagonals[k], scratch, scratch + n + 1,
                           scratch + 2 * (n + 1), &candidates, err);
    if (!rc)
        rc = select_runs(a, &candidates, &chosen, err);
    if (!rc && chosen.n) {
        long *pa = scratch, *pu = scratch + n + 1, *pb = scratch + 2 * (n + 1);
        /* dropping a sliver or an island leaves its neighbours' boundary
         * to be placed again */
        for (int round = 0; round < 3 && chosen.n; round++) {
            polish_diagonals(a, &chosen);
            refine_boundary(a, NULL, &chosen.items[0], pa, pu, pb);
            for (size_t k = 0; k + 1 < chosen.n; k++)
                refine_boundary(a, &chosen.items[k], &chosen.items[k + 1], pa,
                                pu, pb);
            refine_boundary(a, &chosen.items[chosen.n - 1], NULL, pa, pu, pb);
            size_t before = chosen.n;
            merge_runs(a, &chosen);
            drop_islands(a, &chosen);
            if (chosen.n == before)
                break;
        }
        polish_diagonals(a, &chosen);
        release_pauses(a, &chosen);
    }
    free(scratch);
    free(candidates.items);
    if (rc) {
        free(chosen.items);
        return rc;
    }
    *out = chosen.items;
    *n_out = chosen.n;
    return 0;
}
