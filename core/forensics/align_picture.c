/* Picture segments: the original's frames (key frames, ~2 s apart, or
 * every frame) found among the clip's, runs of them at one offset.
 *
 * Each original frame votes for the clip frame nearest in hash, if it
 * matches one part of the clip only (a static shot matches everywhere and
 * places nothing). Consecutive original frames voting for one offset make
 * a run; a run ends where the clip holds a different picture at the time
 * the offset says, or where the clip ends. */
#include "align_private.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* Same frame <= 14 bits of 64 (letterboxed re-encodes measure 10), a
 * different picture >= 18. */
#define PICTURE_MAX_DISTANCE 14
/* An original frame matching clip frames further apart than this is a
 * static shot: it says nothing about where. */
#define PICTURE_MAX_SPREAD 3.0
/* Votes within this of a run's offset belong to it (clip frames are 0.1 s
 * apart, and neighbours of a slow shot match too). */
#define PICTURE_OFFSET_TOLERANCE 0.25
/* A clip frame this close to where a run expects one shows that time. */
#define PICTURE_SAME_FRAME 0.03
/* A clip frame this close shows nearly the same picture (clips are
 * printed at up to 10 frames a second). */
#define PICTURE_NEAR_FRAME 0.06
/* Consecutive clip frames (0.1 s apart) of one shot differ by a few bits;
 * a splice to other footage by 18 or more. */
#define PICTURE_CONTINUOUS       10
#define PICTURE_CONTINUITY_REACH 0.25
#define PICTURE_MIN_FRAMES       2

/* A time gets at most this share of a stronger run's picture: a slow
 * shot's neighbouring frames also vote, for offsets a few frames off. */
#define PICTURE_MAX_OVERLAP 0.5

typedef struct picture_vote {
    double time;   /* original frame */
    double offset; /* original time - speed * clip time */
    int distance;
} picture_vote;

typedef struct picture_pass {
    const dk_picture_print *clip;
    double speed;
    picture_vote *votes; /* of the open run */
    size_t n_votes, capacity;
    double offset;     /* mean of the open run's votes */
    dk_segment *found; /* closed runs */
    int *found_votes;
    size_t n_found;
} picture_pass;

/* The clip frame nearest to time t (clip frames in time order). */
static size_t nearest_frame(const dk_picture_print *clip, double t)
{
    size_t lo = 0, hi = clip->count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (clip->frames[mid].time <= t)
            lo = mid;
        else
            hi = mid;
    }
    if (lo + 1 < clip->count &&
        fabs(clip->frames[lo + 1].time - t) < fabs(clip->frames[lo].time - t))
        return lo + 1;
    return lo;
}

/* Original frame o's vote: the clip frame it matches best, when its
 * matches are all in one place. */
static bool vote(const dk_picture_print *clip, const dk_picture_frame *o,
                 size_t *best_out, int *distance_out)
{
    int best = 65;
    size_t best_k = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < clip->count; k++) {
        const dk_picture_frame *c = &clip->frames[k];
        if (c->flat)
            continue;
        int d = dk_picture_distance(c, o);
        if (d > PICTURE_MAX_DISTANCE)
            continue;
        lo = fmin(lo, c->time);
        hi = fmax(hi, c->time);
        if (d < best) {
            best = d;
            best_k = k;
        }
    }
    if (best > PICTURE_MAX_DISTANCE || hi - lo > PICTURE_MAX_SPREAD)
        return false;
    *best_out = best_k;
    *distance_out = best;
    return true;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The open run as a segment: at its median offset, with the votes that
 * agree with it, inside the clip's picture. */
static int close_run(picture_pass *pp, dk_error *err)
{
    size_t n = pp->n_votes;
    pp->n_votes = 0;
    if (n < PICTURE_MIN_FRAMES)
        return 0;
    double *offsets = malloc(n * sizeof *offsets);
    int *counts = realloc(pp->found_votes, (pp->n_found + 1) * sizeof *counts);
    if (counts)
        pp->found_votes = counts;
    dk_segment *grown = realloc(pp->found, (pp->n_found + 1) * sizeof *grown);
    if (grown)
        pp->found = grown;
    if (!offsets || !counts || !grown) {
        free(offsets);
        return dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
    }
    for (size_t k = 0; k < n; k++)
        offsets[k] = pp->votes[k].offset;
    qsort(offsets, n, sizeof *offsets, compare_double);
    double offset = offsets[n / 2];
    free(offsets);
    double first = INFINITY, last = -INFINITY, distance = 0;
    int agree = 0;
    for (size_t k = 0; k < n; k++) {
        const picture_vote *v = &pp->votes[k];
        if (fabs(v->offset - offset) > PICTURE_OFFSET_TOLERANCE / 2)
            continue;
        first = fmin(first, v->time);
        last = fmax(last, v->time);
        distance += v->distance;
        agree++;
    }
    if (agree < PICTURE_MIN_FRAMES)
        return 0;
    const dk_picture_print *clip = pp->clip;
    double clip_start =
        fmax((first - offset) / pp->speed, clip->frames[0].time);
    double clip_end =
        fmin((last - offset) / pp->speed, clip->frames[clip->count - 1].time);
    if (clip_end <= clip_start)
        return 0;
    pp->found[pp->n_found] = (dk_segment){
        .track = DK_TRACK_PICTURE,
        .clip_start = clip_start,
        .clip_end = clip_end,
        .orig_start = offset + pp->speed * clip_start,
        .orig_end = offset + pp->speed * clip_end,
        .similarity = 1.0 - distance / agree / 64.0,
    };
    pp->found_votes[pp->n_found++] = agree;
    return 0;
}

static int add_vote(picture_pass *pp, const picture_vote *v, dk_error *err)
{
    if (pp->n_votes == pp->capacity) {
        size_t cap = pp->capacity ? 2 * pp->capacity : 64;
        picture_vote *grown = realloc(pp->votes, cap * sizeof *grown);
        if (!grown)
            return dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
        pp->votes = grown;
        pp->capacity = cap;
    }
    pp->offset = (pp->offset * (double)pp->n_votes + v->offset) /
                 (double)(pp->n_votes + 1);
    pp->votes[pp->n_votes++] = *v;
    return 0;
}

/* Runs with most votes first; one that mostly covers clip time a
 * stronger one holds is a slow shot's echo. */
static int keep_strongest(picture_pass *pp, dk_segment **segs, size_t *n,
                          dk_error *err)
{
    size_t first = *n;
    int rc = 0;
    for (size_t round = 0; !rc && round < pp->n_found; round++) {
        size_t best = pp->n_found;
        for (size_t k = 0; k < pp->n_found; k++)
            if (pp->found_votes[k] > 0 &&
                (best == pp->n_found ||
                 pp->found_votes[k] > pp->found_votes[best]))
                best = k;
        if (best == pp->n_found)
            break;
        const dk_segment *s = &pp->found[best];
        pp->found_votes[best] = 0;
        double overlap = 0;
        for (size_t k = first; k < *n; k++) {
            const dk_segment *kept = &(*segs)[k];
            overlap += fmax(0, fmin(s->clip_end, kept->clip_end) -
                                   fmax(s->clip_start, kept->clip_start));
        }
        if (overlap <= PICTURE_MAX_OVERLAP * (s->clip_end - s->clip_start))
            rc = align_push_segment(segs, n, s, err);
    }
    return rc;
}

/* Does the clip show another picture where the open run expects
 * original frame o? Past the clip's ends counts as another picture. */
static bool contradicts(const picture_pass *pp, const dk_picture_frame *o)
{
    const dk_picture_print *clip = pp->clip;
    double t = (o->time - pp->offset) / pp->speed;
    const dk_picture_frame *first = &clip->frames[0];
    const dk_picture_frame *last = &clip->frames[clip->count - 1];
    if (t < first->time - PICTURE_SAME_FRAME ||
        t > last->time + PICTURE_SAME_FRAME)
        return true;
    const dk_picture_frame *c = &clip->frames[nearest_frame(clip, t)];
    return fabs(c->time - t) <= PICTURE_SAME_FRAME && !c->flat &&
           dk_picture_distance(c, o) > PICTURE_MAX_DISTANCE;
}

int align_picture_segments(const dk_picture_print *clip,
                           const dk_picture_print *orig, double speed,
                           dk_segment **segs, size_t *n, dk_error *err)
{
    if (!clip->count || !orig->count || !(speed > 0))
        return 0;
    picture_pass pp = {.clip = clip, .speed = speed};
    int rc = 0;
    for (size_t k = 0; !rc && k < orig->count; k++) {
        const dk_picture_frame *o = &orig->frames[k];
        if (o->flat)
            continue;
        size_t c = 0;
        int distance = 0;
        bool voted = vote(clip, o, &c, &distance);
        picture_vote v = {o->time, 0, distance};
        if (voted)
            v.offset = o->time - speed * clip->frames[c].time;
        bool open = pp.n_votes > 0;
        if (open && voted &&
            fabs(v.offset - pp.offset) <= PICTURE_OFFSET_TOLERANCE) {
            rc = add_vote(&pp, &v, err);
            continue;
        }
        if (open && (voted || contradicts(&pp, o)))
            rc = close_run(&pp, err);
        if (!rc && voted && !pp.n_votes)
            rc = add_vote(&pp, &v, err);
    }
    if (!rc)
        rc = close_run(&pp, err);
    if (!rc)
        rc = keep_strongest(&pp, segs, n, err);
    free(pp.votes);
    free(pp.found);
    free(pp.found_votes);
    return rc;
}

int align_picture_check(const dk_picture_print *clip,
                        const dk_picture_print *orig, double offset,
                        double speed, double t0, double t1, int *checked)
{
    int matched = 0;
    *checked = 0;
    if (!clip->count || !(speed > 0))
        return 0;
    for (size_t k = 0; k < orig->count; k++) {
        const dk_picture_frame *o = &orig->frames[k];
        double t = (o->time - offset) / speed;
        if (o->flat || t < t0 || t > t1)
            continue;
        const dk_picture_frame *c = &clip->frames[nearest_frame(clip, t)];
        if (c->flat || fabs(c->time - t) > PICTURE_NEAR_FRAME)
            continue;
        ++*checked;
        matched += dk_picture_distance(c, o) <= PICTURE_MAX_DISTANCE;
    }
    return matched;
}

bool align_picture_continuous(const dk_picture_print *clip, double t0,
                              double t1)
{
    const dk_picture_frame *prev = NULL;
    int frames = 0;
    for (size_t k = 0; k < clip->count; k++) {
        const dk_picture_frame *f = &clip->frames[k];
        if (f->flat || f->time < t0 - PICTURE_CONTINUITY_REACH ||
            f->time > t1 + PICTURE_CONTINUITY_REACH)
            continue;
        if (prev &&
            __builtin_popcountll(prev->whole ^ f->whole) > PICTURE_CONTINUOUS)
            return false;
        prev = f;
        frames++;
    }
    return frames >= 3;
}
