/* Findings, verdict and confidence, read from the segments.
 *
 * The audio segments that follow the original's order (the heaviest such
 * chain by clip time) are the spine; segments off it were moved
 * (re-ordered). Between two spine segments, original material that no
 * segment shows is cut; clip material between segments that maps nowhere
 * is inserted, unless the picture maps there (then the audio alone was
 * replaced). Trims at the clip's ends are not edits: an excerpt is
 * faithful. */
#include "align_private.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Edits from 0.3 s must be found; measured boundaries are good to a few
 * frames, so the thresholds sit a little lower. */
#define CUT_MIN_SECONDS    0.2
#define CUT_PAUSE_SECONDS  0.3 /* a cut of silence only counts from here */
#define CUT_MIN_LOUD       0.1 /* seconds of sound that make it a cut */
#define CUT_JOIN_SECONDS   0.1 /* stretches this close in the clip meet */
#define INSERT_MIN_SECONDS 0.25
#define INSERT_MIN_LOUD    0.2
#define INSERT_END_SECONDS 0.5
/* A segment whose original end (start) is this close to where missing
 * original begins (ends) touches it (seconds, ~3 frames). */
#define RUN_ON_TOUCH 0.05
/* Fewer frames of the original's sound than this in the missing
 * stretch: a pause, which either side fits. */
#define RUN_ON_MIN_KNOWN 6
/* The run-on must match as a segment does (re-encodes on a polished
 * diagonal measure under 0.2), not merely hold a window. */
#define RUN_ON_MAX_BER 0.25
/* Segments this far out of the original's order are re-ordered. */
#define ORDER_TOLERANCE 0.3
/* ... or up to this much when what they share of it is a pause (the
 * corpus pauses last 0.45-1.6 s). */
#define ORDER_PAUSE_OVERLAP 1.6
/* A speed more than 2 % off 1 is a finding. */
#define SPEED_TOLERANCE 0.02
/* Share of the original's frames landing in a stretch that must match
 * the clip's for the picture to show the original there. */
#define PICTURE_AGREE       0.75
#define PICTURE_JOIN_MARGIN 0.15
/* Neighbours this close in offset keep one timeline (seconds). */
#define SAME_TIMELINE 0.1
/* Too little maps: under this share of the clip's sound and no picture. */
#define UNRELATED_COVERAGE 0.30

int align_push_finding(dk_alignment *out, const dk_finding *f, dk_error *err)
{
    dk_finding *grown =
        realloc(out->findings, (out->n_findings + 1) * sizeof *grown);
    if (!grown)
        return dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
    out->findings = grown;
    out->findings[out->n_findings++] = *f;
    return 0;
}

int align_push_segment(dk_segment **segs, size_t *n, const dk_segment *s,
                       dk_error *err)
{
    dk_segment *grown = realloc(*segs, (*n + 1) * sizeof *grown);
    if (!grown)
        return dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
    *segs = grown;
    (*segs)[(*n)++] = *s;
    return 0;
}

typedef struct findings_ctx {
    const dk_media_print *clip, *orig;
    dk_alignment *out;
    const dk_segment *audio; /* n_audio, clip order */
    size_t n_audio;
    const dk_segment *picture; /* n_picture, clip order */
    size_t n_picture;
    double speed;
} findings_ctx;

static long clip_frame(const dk_audio_print *p, double t)
{
    long i = lround((t - p->start) / p->hop);
    if (i < 0)
        return 0;
    return i > (long)p->count ? (long)p->count : i;
}

static double orig_loud_seconds(const dk_audio_print *o, double t0, double t1)
{
    long i0 = clip_frame(o, t0), i1 = clip_frame(o, t1);
    return (double)align_loud_frames(o, i0, i1) * o->hop;
}

/* Do segments m and then s (in clip order) follow the original's order?
 * Either may run on into the original's pause the other starts or ends
 * in (a splice sits in a pause, and both sides of it claim the pause):
 * an overlap of the original's silence is no step back. */
static bool in_order(const findings_ctx *c, const dk_segment *m,
                     const dk_segment *s)
{
    double overlap = m->orig_end - s->orig_start;
    if (overlap <= ORDER_TOLERANCE)
        return true;
    return overlap <= ORDER_PAUSE_OVERLAP &&
           orig_loud_seconds(&c->orig->audio, s->orig_start, m->orig_end) <
               CUT_MIN_LOUD;
}

/* The heaviest chain of audio segments in the original's order; marks
 * spine[k]. */
static int mark_spine(const findings_ctx *c, bool *spine, dk_error *err)
{
    size_t n = c->n_audio;
    if (!n)
        return 0;
    double *best = malloc(n * sizeof *best);
    long *from = malloc(n * sizeof *from);
    if (!best || !from) {
        free(best);
        free(from);
        return dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
    }
    size_t top = 0;
    for (size_t k = 0; k < n; k++) {
        const dk_segment *s = &c->audio[k];
        best[k] = s->clip_end - s->clip_start;
        from[k] = -1;
        for (size_t m = 0; m < k; m++) {
            if (!in_order(c, &c->audio[m], s))
                continue;
            double w = best[m] + s->clip_end - s->clip_start;
            if (w > best[k]) {
                best[k] = w;
                from[k] = (long)m;
            }
        }
        if (best[k] > best[top])
            top = k;
    }
    memset(spine, 0, n * sizeof *spine);
    for (long k = (long)top; k >= 0; k = from[k])
        spine[k] = true;
    free(best);
    free(from);
    return 0;
}

/* The picture segment covering at least half of clip times [t0, t1]. */
static const dk_segment *picture_over(const findings_ctx *c, double t0,
                                      double t1)
{
    for (size_t k = 0; k < c->n_picture; k++) {
        const dk_segment *p = &c->picture[k];
        double overlap = fmin(t1, p->clip_end) - fmax(t0, p->clip_start);
        if (overlap >= 0.5 * (t1 - t0))
            return p;
    }
    return NULL;
}

/* The offset (original time - speed * clip time) at which the picture
 * shows the original over clip times [t0, t1]: that of the audio segment
 * before or after, when the original's frames landing there match the
 * clip's; or a picture segment covering most of it. */
static double segment_offset(const findings_ctx *c, const dk_segment *s)
{
    return s->orig_start - c->speed * s->clip_start;
}

static bool picture_offset(const findings_ctx *c, const dk_segment *before,
                           const dk_segment *after, double t0, double t1,
                           double *offset)
{
    /* frames next to a join may show either side of it */
    double lo = t0 + PICTURE_JOIN_MARGIN, hi = t1 - PICTURE_JOIN_MARGIN;
    const dk_segment *side[2] = {before, after};
    const dk_segment *refused = NULL;
    for (int k = 0; k < 2 && !refused; k++) {
        if (!side[k])
            continue;
        double off = segment_offset(c, side[k]);
        int checked;
        int matched = align_picture_check(&c->clip->picture, &c->orig->picture,
                                          off, c->speed, lo, hi, &checked);
        if (checked && matched < PICTURE_AGREE * checked) {
            refused = side[k];
        } else if (checked) {
            *offset = off;
            return true;
        }
    }
    /* A few key frames that miss (a grainy picture re-encoded sits near
     * the distance threshold) are outweighed by a picture segment, a run
     * of the clip's frames matching at that very offset. */
    if (refused) {
        const dk_segment *p = picture_over(c, t0, t1);
        if (!p || fabs(segment_offset(c, p) - segment_offset(c, refused)) >
                      SAME_TIMELINE)
            return false;
        *offset = segment_offset(c, p);
        return true;
    }
    /* No original frame lands inside (key frames are ~2 s apart): the
     * audio either side keeps one timeline, as when the stretch took the
     * place of as much original, and the picture runs on without a
     * splice. */
    if (before && after &&
        fabs(segment_offset(c, before) - segment_offset(c, after)) <=
            SAME_TIMELINE &&
        align_picture_continuous(&c->clip->picture, t0, t1)) {
        *offset = segment_offset(c, before);
        return true;
    }
    const dk_segment *p = picture_over(c, t0, t1);
    if (p)
        *offset = segment_offset(c, p);
    return p != NULL;
}

/* Clip material in [t0, t1) between audio segments before and after
 * (NULL at the clip's ends) that none maps: inserted, or audio replaced
 * when the picture shows the original there. */
static int gap_finding(const findings_ctx *c, const dk_segment *before,
                       const dk_segment *after, double t0, double t1,
                       dk_error *err)
{
    const dk_audio_print *a = &c->clip->audio;
    long i0 = clip_frame(a, t0), i1 = clip_frame(a, t1);
    while (i0 < i1 && a->quiet[i0])
        i0++;
    while (i1 > i0 && a->quiet[i1 - 1])
        i1--;
    double loud = (double)align_loud_frames(a, i0, i1) * a->hop;
    double start = a->start + (double)i0 * a->hop;
    double end = a->start + (double)i1 * a->hop;
    /* where a clip begins or ends, the last frames before a trim match
     * less well: material that maps nowhere there must be longer */
    double least = before && after ? INSERT_MIN_SECONDS : INSERT_END_SECONDS;
    if (end - start < least || loud < INSERT_MIN_LOUD)
        return 0;
    /* Between two segments the boundary search placed the joins (a
     * splice may begin with its own pause); at a clip end, the clip's
     * silence before or after is no part of it. */
    if (before && after) {
        start = t0;
        end = t1;
    }
    dk_finding f = {DK_FINDING_INSERTED, start, end, -1, -1, 0};
    double offset;
    if (picture_offset(c, before, after, start, end, &offset)) {
        f.kind = DK_FINDING_AUDIO_REPLACED;
        f.orig_start = offset + start * c->speed;
        f.orig_end = offset + end * c->speed;
    }
    return align_push_finding(c->out, &f, err);
}

static int gap_findings(const findings_ctx *c, dk_error *err)
{
    const dk_audio_print *a = &c->clip->audio;
    if (!a->count)
        return 0;
    double t = a->start;
    const dk_segment *before = NULL;
    int rc = 0;
    for (size_t k = 0; !rc && k < c->n_audio; k++) {
        rc = gap_finding(c, before, &c->audio[k], t, c->audio[k].clip_start,
                         err);
        before = &c->audio[k];
        t = before->clip_end;
    }
    if (!rc)
        rc = gap_finding(c, before, NULL, t,
                         a->start + (double)a->count * a->hop, err);
    return rc;
}

/* Seconds of original time in [lo, hi] that no audio segment and no
 * audio-replaced finding shows; *first / *last bound them. */
static double missing_seconds(const findings_ctx *c, double lo, double hi,
                              double *first, double *last)
{
    /* shown intervals clipped to [lo, hi], swept by start */
    double missing = 0, t = lo;
    *first = hi;
    *last = lo;
    for (;;) {
        double next_start = hi, next_end = hi;
        bool found = false;
        for (size_t k = 0; k < c->n_audio + c->out->n_findings; k++) {
            double s, e;
            if (k < c->n_audio) {
                s = c->audio[k].orig_start;
                e = c->audio[k].orig_end;
            } else {
                const dk_finding *f = &c->out->findings[k - c->n_audio];
                if (f->kind != DK_FINDING_AUDIO_REPLACED)
                    continue;
                s = f->orig_start;
                e = f->orig_end;
            }
            if (e <= t || s >= hi)
                continue;
            s = fmax(s, t);
            if (!found || s < next_start) {
                next_start = s;
                next_end = e;
                found = true;
            } else if (s == next_start && e > next_end) {
                next_end = e;
            }
        }
        if (next_start > t) {
            missing += next_start - t;
            *first = fmin(*first, t);
            *last = fmax(*last, next_start);
        }
        if (!found || next_end >= hi)
            break;
        t = next_end;
    }
    return missing;
}

/* Does segment s run on into the missing original [first, last], beyond
 * its end (after = true) or before its start, matching the clip frames
 * there as a segment does? At the edges of a moved block the joins sit in
 * pauses both diagonals fit, and the boundary search may give the end of
 * a sentence to the block beside it: the original is then shown, not cut.
 * After a true cut the frames there are the material after it, which the
 * cut words do not match. *pause: too little of the original's sound
 * there to tell. */
static bool runs_on_into(const findings_ctx *c, const dk_segment *s,
                         double first, double last, bool after, bool *pause)
{
    const dk_audio_print *a = &c->clip->audio, *o = &c->orig->audio;
    double slope = c->speed * a->hop / o->hop;
    *pause = false;
    if (!a->count || !(slope > 0))
        return false;
    double edge = after ? s->orig_end : s->orig_start;
    if (fabs(edge - (after ? first : last)) > RUN_ON_TOUCH)
        return false;
    long i0 = clip_frame(a, s->clip_start);
    double d = (s->orig_start - o->start) / o->hop - slope * (double)i0;
    align_audio al = {a, o, slope};
    long n = lround((last - first) / (c->speed * a->hop));
    long from =
        after ? clip_frame(a, s->clip_end) : clip_frame(a, s->clip_start) - n;
    long known;
    double ber = align_sound_ber(&al, from, from + n, lround(d), &known);
    *pause = known < RUN_ON_MIN_KNOWN;
    return !*pause && ber <= RUN_ON_MAX_BER;
}

/* Is the missing original [first, last] shown after all: some segment
 * runs on into it, or it is a pause at an edge of a moved block (which
 * of the pauses around a moved phrase the clip kept cannot be told)?
 * A pause missing between segments in order stays a cut. */
static bool missing_shown(const findings_ctx *c, const bool *spine,
                          double first, double last)
{
    for (size_t k = 0; k < c->n_audio; k++)
        for (int after = 0; after < 2; after++) {
            bool pause;
            if (runs_on_into(c, &c->audio[k], first, last, after, &pause) ||
                (pause && !spine[k]))
                return true;
        }
    return false;
}

static int cut_findings(const findings_ctx *c, const bool *spine, dk_error *err)
{
    long prev = -1;
    for (size_t k = 0; k < c->n_audio; k++) {
        if (!spine[k])
            continue;
        if (prev >= 0) {
            const dk_segment *p = &c->audio[prev], *q = &c->audio[k];
            double first, last;
            double missing =
                missing_seconds(c, p->orig_end, q->orig_start, &first, &last);
            double loud = orig_loud_seconds(&c->orig->audio, first, last);
            /* Only silence missing: a cut when long enough and where the
             * two stretches meet; around material spliced in, the pause
             * the splice sits in is what the clip shows in its place. */
            bool silence = loud < CUT_MIN_LOUD;
            bool spliced = q->clip_start - p->clip_end > CUT_JOIN_SECONDS;
            bool pause = silence && (missing < CUT_PAUSE_SECONDS || spliced);
            if (missing >= CUT_MIN_SECONDS && !pause &&
                !missing_shown(c, spine, first, last)) {
                dk_finding f = {DK_FINDING_CUT, p->clip_end, p->clip_end,
                                first,          last,        0};
                int rc = align_push_finding(c->out, &f, err);
                if (rc)
                    return rc;
            }
        }
        prev = (long)k;
    }
    return 0;
}

/* Each stretch of segments off the spine, merged while they follow one
 * another in the original too. */
static int reorder_findings(const findings_ctx *c, const bool *spine,
                            dk_error *err)
{
    for (size_t k = 0; k < c->n_audio;) {
        if (spine[k]) {
            k++;
            continue;
        }
        dk_finding f = {DK_FINDING_REORDERED, c->audio[k].clip_start,
                        c->audio[k].clip_end, c->audio[k].orig_start,
                        c->audio[k].orig_end, 0};
        size_t m = k + 1;
        while (m < c->n_audio && !spine[m] &&
               fabs(c->audio[m].orig_start - f.orig_end) <= ORDER_TOLERANCE) {
            f.clip_end = c->audio[m].clip_end;
            f.orig_end = c->audio[m].orig_end;
            m++;
        }
        int rc = align_push_finding(c->out, &f, err);
        if (rc)
            return rc;
        k = m;
    }
    return 0;
}

/* The spine segments nearest before and after segment k in clip order. */
static void spine_around(const findings_ctx *c, const bool *spine, size_t k,
                         const dk_segment **before, const dk_segment **after)
{
    *before = *after = NULL;
    for (size_t m = k; m-- > 0 && !*before;)
        if (spine[m])
            *before = &c->audio[m];
    for (size_t m = k + 1; m < c->n_audio && !*after; m++)
        if (spine[m])
            *after = &c->audio[m];
}

/* Is segment s sound laid over a picture that is not its own, between
 * spine segments on one timeline? Replacement words in the same voice can
 * match another sentence of the original for a few seconds while the
 * picture runs on; a phrase really moved takes its picture along. The
 * original's key frames landing in s at its own offset must miss; with
 * none there, those at the spine's offset must match (or the picture run
 * on unspliced). Whether the stretch is audio replaced or inserted is
 * then judged over the whole gap. */
static bool stray_sound(const findings_ctx *c, const dk_segment *s,
                        const dk_segment *before, const dk_segment *after)
{
    if (!before || !after ||
        fabs(segment_offset(c, before) - segment_offset(c, after)) >
            SAME_TIMELINE ||
        fabs(segment_offset(c, s) - segment_offset(c, before)) <= SAME_TIMELINE)
        return false;
    double lo = s->clip_start + PICTURE_JOIN_MARGIN;
    double hi = s->clip_end - PICTURE_JOIN_MARGIN;
    int own_checked, checked;
    int own = align_picture_check(&c->clip->picture, &c->orig->picture,
                                  segment_offset(c, s), c->speed, lo, hi,
                                  &own_checked);
    if (own_checked)
        return own < PICTURE_AGREE * own_checked;
    int matched = align_picture_check(&c->clip->picture, &c->orig->picture,
                                      segment_offset(c, before), c->speed, lo,
                                      hi, &checked);
    if (checked)
        return matched >= PICTURE_AGREE * checked;
    /* no key frame inside: the picture must at least run on unspliced */
    return align_picture_continuous(&c->clip->picture, s->clip_start,
                                    s->clip_end);
}

/* Drops the audio segments off the spine that stray_sound() judges, from
 * out's segments too: their stretch is then a gap between the spine
 * segments either side, audio replaced under the original's picture.
 * Returns how many were dropped. */
static size_t drop_stray(findings_ctx *c, const bool *spine)
{
    dk_alignment *out = c->out;
    size_t w = 0, dropped = 0;
    for (size_t k = 0; k < c->n_audio; k++) {
        const dk_segment *before, *after;
        spine_around(c, spine, k, &before, &after);
        if (!spine[k] && stray_sound(c, &c->audio[k], before, after)) {
            dropped++;
            continue;
        }
        /* spine decisions read c->audio[k]'s neighbours: keep the order */
        out->segments[w++] = out->segments[k];
    }
    if (!dropped)
        return 0;
    memmove(out->segments + w, out->segments + c->n_audio,
            (out->n_segments - c->n_audio) * sizeof *out->segments);
    out->n_segments -= dropped;
    c->n_audio -= dropped;
    c->audio = out->segments;
    c->picture = out->segments + c->n_audio;
    return dropped;
}

static int by_clip_time(const void *a, const void *b)
{
    const dk_finding *x = a, *y = b;
    if (x->clip_start != y->clip_start)
        return x->clip_start < y->clip_start ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

/* 0..1 from a similarity: unrelated material sits at ~0.5 (audio) or
 * ~0.65 (picture), matching material above 0.85. */
static double quality(double similarity, double unrelated)
{
    double q = (similarity - unrelated) / (0.9 - unrelated);
    return q < 0 ? 0 : q > 1 ? 1 : q;
}

static void judge(const findings_ctx *c)
{
    dk_alignment *out = c->out;
    const dk_audio_print *a = &c->clip->audio;
    long loud = align_loud_frames(a, 0, (long)a->count), mapped = 0;
    double weighted = 0;
    for (size_t k = 0; k < c->n_audio; k++) {
        const dk_segment *s = &c->audio[k];
        long m = align_loud_frames(a, clip_frame(a, s->clip_start),
                                   clip_frame(a, s->clip_end));
        mapped += m;
        weighted += s->similarity * (double)m;
    }
    double audio_cover = loud ? (double)mapped / (double)loud : 0;
    double audio = mapped ? audio_cover * quality(weighted / mapped, 0.55) : 0;
    double span = c->clip->duration, covered = 0, picture_sim = 0;
    const dk_picture_print *pp = &c->clip->picture;
    if (!(span > 0) && pp->count)
        span = pp->frames[pp->count - 1].time - pp->frames[0].time;
    for (size_t k = 0; k < c->n_picture; k++) {
        const dk_segment *p = &c->picture[k];
        covered += p->clip_end - p->clip_start;
        picture_sim += p->similarity * (p->clip_end - p->clip_start);
    }
    double picture = 0;
    if (covered > 0 && span > 0)
        picture = fmin(1, covered / span) * quality(picture_sim / covered, 0.7);
    out->confidence = fmax(audio, picture);
    if (audio_cover < UNRELATED_COVERAGE && !c->n_picture) {
        /* a slope from chance seeds is no reason to print the clip again */
        out->verdict = DK_VERDICT_UNRELATED;
        out->speed = 1.0;
        free(out->findings);
        out->findings = NULL;
        out->n_findings = 0;
        return;
    }
    out->verdict = out->n_findings ? DK_VERDICT_EDITED : DK_VERDICT_FAITHFUL;
}

int align_findings(const dk_media_print *clip, const dk_media_print *orig,
                   dk_alignment *out, dk_error *err)
{
    findings_ctx c = {clip, orig, out, out->segments, 0, NULL, 0, out->speed};
    while (c.n_audio < out->n_segments &&
           out->segments[c.n_audio].track == DK_TRACK_AUDIO)
        c.n_audio++;
    c.picture = out->segments + c.n_audio;
    c.n_picture = out->n_segments - c.n_audio;
    bool *spine = malloc((c.n_audio ? c.n_audio : 1) * sizeof *spine);
    if (!spine)
        return dk_error_set(err, DK_ERR_NOMEM, "align: no memory");
    int rc = mark_spine(&c, spine, err);
    if (!rc && drop_stray(&c, spine))
        rc = mark_spine(&c, spine, err);
    /* gaps first: the cuts discount original material the picture shows
     * in an audio-replaced stretch */
    if (!rc)
        rc = gap_findings(&c, err);
    if (!rc)
        rc = cut_findings(&c, spine, err);
    if (!rc)
        rc = reorder_findings(&c, spine, err);
    if (!rc && fabs(out->speed - 1.0) > SPEED_TOLERANCE && out->n_segments) {
        const dk_segment *first = &out->segments[0];
        const dk_segment *last =
            &out->segments[c.n_audio ? c.n_audio - 1 : out->n_segments - 1];
        dk_finding f = {DK_FINDING_SPEED,  first->clip_start, last->clip_end,
                        first->orig_start, last->orig_end,    out->speed};
        rc = align_push_finding(out, &f, err);
    }
    free(spine);
    if (rc)
        return rc;
    if (out->n_findings)
        qsort(out->findings, out->n_findings, sizeof *out->findings,
              by_clip_time);
    judge(&c);
    return 0;
}
