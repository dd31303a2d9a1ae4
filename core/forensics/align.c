/* dk_align: a clip's prints against one original's.
 *
 * Audio leads (a sub-fingerprint every 16 ms places an edit to a few
 * frames): seeds give the slope and diagonals, diagonals give segments.
 * The picture (the original's key frames) gives coarser segments that say
 * whether a stretch without matching audio still shows the original. The
 * findings are read from both (align_findings.c). */
#include "align_private.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int check_print(const dk_media_print *p, const char *which,
                       dk_error *err)
{
    const dk_audio_print *a = &p->audio;
    if (a->count && (!a->bits || !a->quiet || !(a->hop > 0) ||
                     !isfinite(a->hop) || !isfinite(a->start)))
        return dk_error_set(err, DK_ERR_INVALID,
                            "align: the %s's audio print is malformed", which);
    if (p->picture.count && !p->picture.frames)
        return dk_error_set(err, DK_ERR_INVALID,
                            "align: the %s's picture print is malformed",
                            which);
    return 0;
}

/* Each diagonal and the two beside it: a group of seeds stands for all
 * diagonals within 2 of its busiest, and a second stretch of the original
 * at the same offset but half a hop off (a swap of two phrases puts the
 * rest of the clip back on the first phrase's offset) fits one over. */
static int with_neighbours(long **diagonals, size_t *n, dk_error *err)
{
    if (!*n)
        return 0;
    long *all = malloc(3 * *n * sizeof *all);
    if (!all)
        return dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
    size_t m = 0;
    for (size_t k = 0; k < *n; k++)
        for (long step = -1; step <= 1; step++) {
            long d = (*diagonals)[k] + step;
            bool seen = false;
            for (size_t q = 0; q < m && !seen; q++)
                seen = all[q] == d;
            if (!seen)
                all[m++] = d;
        }
    free(*diagonals);
    *diagonals = all;
    *n = m;
    return 0;
}

/* Runs along the seeds' diagonals, then again with the diagonals of lone
 * seeds where the first pass left clip frames unexplained. */
static int audio_runs(const align_audio *a, const align_seed *seeds,
                      size_t n_seeds, align_run **runs, size_t *n_runs,
                      dk_error *err)
{
    long *diagonals = NULL, *extra = NULL;
    size_t n_diagonals = 0, n_extra = 0;
    int rc = align_seeds_diagonals(seeds, n_seeds, a->slope, &diagonals,
                                   &n_diagonals, err);
    if (!rc)
        rc = with_neighbours(&diagonals, &n_diagonals, err);
    if (!rc)
        rc = align_audio_runs(a, diagonals, n_diagonals, runs, n_runs, err);
    if (!rc)
        rc = align_seeds_gap_diagonals(seeds, n_seeds, a->slope, *runs, *n_runs,
                                       diagonals, n_diagonals, &extra, &n_extra,
                                       err);
    if (!rc && n_extra) {
        long *all = realloc(diagonals, (n_diagonals + n_extra) * sizeof *all);
        if (!all) {
            rc = dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
        } else {
            diagonals = all;
            memcpy(diagonals + n_diagonals, extra, n_extra * sizeof *extra);
            free(*runs);
            *runs = NULL;
            rc = align_audio_runs(a, diagonals, n_diagonals + n_extra, runs,
                                  n_runs, err);
        }
    }
    free(diagonals);
    free(extra);
    return rc;
}

/* Audio segments, in clip order, and the speed they run at. */
static int align_audio_track(const dk_audio_print *clip,
                             const dk_audio_print *orig, dk_alignment *out,
                             dk_error *err)
{
    align_seed *seeds;
    size_t n_seeds;
    int rc = align_seeds_find(clip, orig, &seeds, &n_seeds, err);
    if (rc)
        return rc;
    align_audio a = {clip, orig, align_seeds_slope(seeds, n_seeds)};
    align_run *runs = NULL;
    size_t n_runs = 0;
    rc = audio_runs(&a, seeds, n_seeds, &runs, &n_runs, err);
    free(seeds);
    out->speed = a.slope * orig->hop / clip->hop;
    for (size_t k = 0; !rc && k < n_runs; k++) {
        const align_run *r = &runs[k];
        dk_segment s = {
            .track = DK_TRACK_AUDIO,
            .clip_start = clip->start + (double)r->i0 * clip->hop,
            .clip_end = clip->start + (double)r->i1 * clip->hop,
            .orig_start = orig->start +
                          (a.slope * (double)r->i0 + (double)r->d) * orig->hop,
            .orig_end = orig->start +
                        (a.slope * (double)r->i1 + (double)r->d) * orig->hop,
            .similarity = align_run_similarity(&a, r),
        };
        rc = align_push_segment(&out->segments, &out->n_segments, &s, err);
    }
    free(runs);
    return rc;
}

static int by_clip_start(const void *a, const void *b)
{
    const dk_segment *x = a, *y = b;
    return (x->clip_start > y->clip_start) - (x->clip_start < y->clip_start);
}

int dk_align(const dk_media_print *clip, const dk_media_print *orig,
             dk_alignment *out, dk_error *err)
{
    if (!out)
        return dk_error_set(err, DK_ERR_INVALID, "align: no result to fill");
    memset(out, 0, sizeof *out);
    out->speed = 1.0;
    out->verdict = DK_VERDICT_UNRELATED;
    if (!clip || !orig)
        return dk_error_set(err, DK_ERR_INVALID, "align: no print given");
    int rc = check_print(clip, "clip", err);
    if (!rc)
        rc = check_print(orig, "original", err);
    if (!rc && clip->audio.count && orig->audio.count)
        rc = align_audio_track(&clip->audio, &orig->audio, out, err);
    size_t n_audio = out->n_segments;
    if (!rc)
        rc = align_picture_segments(&clip->picture, &orig->picture, out->speed,
                                    &out->segments, &out->n_segments, err);
    if (!rc) {
        if (out->n_segments > n_audio)
            qsort(out->segments + n_audio, out->n_segments - n_audio,
                  sizeof *out->segments, by_clip_start);
        if (out->n_segments) {
            const dk_segment *first = &out->segments[0];
            out->offset = first->orig_start - first->clip_start * out->speed;
        }
        rc = align_findings(clip, orig, out, err);
    }
    if (rc)
        dk_alignment_clear(out);
    return rc;
}

void dk_alignment_clear(dk_alignment *al)
{
    if (!al)
        return;
    free(al->segments);
    free(al->findings);
    memset(al, 0, sizeof *al);
    al->speed = 1.0;
}
