/* Candidates for a clip: each exact hit of a clip sub-fingerprint (or of
 * one of its 32 one-bit neighbours: a re-encode flips a few bits, and a
 * frame with one wrong bit is twice as common as an exact one at the
 * BERs a re-encode gives) votes for (original, offset); so does each
 * original key frame within MAX_PICTURE_DISTANCE of a clip frame. An
 * original that collects many votes at one offset is worth aligning.
 *
 * Votes are judged against the original's own background: its votes
 * away from the best offset, spread over every offset it could have,
 * tell how many a random window collects. */
#include "index_private.h"
#include "print_file_private.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define AUDIO_BIN_SECONDS   0.032 /* 2 hops */
#define PICTURE_BIN_SECONDS 0.2
/* A clip longer than this many positions is sampled evenly: a 3-hour
 * clip costs what a 5-minute one does. */
#define MAX_AUDIO_POSITIONS   20000
#define MAX_PICTURE_POSITIONS 3000
/* Chunk keys shared by more key frames than this are too common to say
 * anything (dark or uniform scenes). */
#define MAX_PICTURE_KEY_HITS 4096
#define MAX_PICTURE_DISTANCE 10
/* Past this the clip is hitting everything: stop collecting. */
#define MAX_VOTES (16u * 1000 * 1000)
/* Minimum votes at the best offset, whatever the background. */
#define MIN_AUDIO_VOTES   8
#define MIN_PICTURE_VOTES 3
/* ... and this many standard deviations above the background. */
#define BACKGROUND_SIGMAS 5.0
#define MAX_CANDIDATES    10

typedef struct vote {
    uint32_t item; /* global item number (segment base + item) */
    int32_t bin;
    float within; /* offset - bin start, seconds */
} vote;

typedef struct votes {
    vote *v;
    size_t n, capacity;
    bool full;
} votes;

static void vote_add(votes *vs, uint32_t item, double offset, double width)
{
    if (vs->n == vs->capacity) {
        if (vs->capacity >= MAX_VOTES) {
            vs->full = true;
            return;
        }
        vs->capacity = vs->capacity ? 2 * vs->capacity : 4096;
        vs->v = g_realloc_n(vs->v, vs->capacity, sizeof *vs->v);
    }
    double bin = floor(offset / width);
    if (!(fabs(bin) < 1e9))
        return;
    vs->v[vs->n++] = (vote){item, (int32_t)bin, (float)(offset - bin * width)};
}

static int compare_votes(const void *a, const void *b)
{
    const vote *x = a, *y = b;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    return (x->bin > y->bin) - (x->bin < y->bin);
}

/* One item's verdict from its votes. */
typedef struct tally {
    uint32_t item;
    unsigned hits;     /* votes in the best window of 3 bins */
    double offset;     /* their weighted mean, seconds */
    double background; /* votes a window gets by chance */
} tally;

/* Best 3-bin window of one item's sorted votes [v, v + n). */
static void tally_item(const vote *v, size_t n, double width, tally *t)
{
    t->item = v[0].item;
    t->hits = 0;
    /* runs of equal bins */
    size_t best_first = 0, best_last = 0;
    for (size_t i = 0; i < n;) {
        size_t a = i, z = i;
        while (a > 0 && v[a - 1].bin >= v[i].bin - 1)
            a--;
        while (z + 1 < n && v[z + 1].bin <= v[i].bin + 1)
            z++;
        if (z - a + 1 > t->hits) {
            t->hits = (unsigned)(z - a + 1);
            best_first = a;
            best_last = z;
        }
        size_t j = i;
        while (j < n && v[j].bin == v[i].bin)
            j++;
        i = j;
    }
    double sum = 0;
    for (size_t i = best_first; i <= best_last; i++)
        sum += v[i].bin * width + v[i].within;
    t->offset = sum / t->hits;
    /* the rest spread over the span of bins that received any */
    double span = (double)v[n - 1].bin - v[0].bin + 1;
    double rest = (double)(n - t->hits);
    t->background = span > 3 ? rest * 3 / (span - 3 < 3 ? 3 : span - 3) : 0;
}

static bool tally_passes(const tally *t, unsigned minimum)
{
    return t->hits >= minimum &&
           t->hits >
               t->background + BACKGROUND_SIGMAS * sqrt(t->background + 1);
}

/* Sorts votes and tallies every item. *out malloc'd, by item. */
static size_t tally_all(votes *vs, double width, tally **out)
{
    *out = NULL;
    if (!vs->n)
        return 0;
    qsort(vs->v, vs->n, sizeof *vs->v, compare_votes);
    tally *t = g_new(tally, vs->n);
    size_t n = 0;
    for (size_t i = 0; i < vs->n;) {
        size_t j = i;
        while (j < vs->n && vs->v[j].item == vs->v[i].item)
            j++;
        tally_item(vs->v + i, j - i, width, &t[n++]);
        i = j;
    }
    *out = t;
    return n;
}

/* Segment and item of a global item number. */
static const index_mapped *item_place(const dk_print_index *ix, uint32_t g,
                                      uint32_t *item)
{
    size_t s = 0;
    while (s + 1 < ix->n_segments && ix->segments[s + 1].base <= g)
        s++;
    *item = g - ix->segments[s].base;
    return &ix->segments[s];
}

static void vote_audio_key(const dk_print_index *ix, uint32_t key,
                           double clip_time, double speed, unsigned max_hits,
                           votes *vs)
{
    for (size_t s = 0; s < ix->n_segments; s++) {
        const index_mapped *m = &ix->segments[s];
        const uint8_t *e;
        size_t n = index_segment_audio_lookup(&m->seg, key, &e);
        if (n > max_hits)
            continue;
        for (size_t k = 0; k < n; k++) {
            uint32_t ref;
            memcpy(&ref, e + 8 * k, 4);
            uint32_t i = index_segment_audio_owner(&m->seg, ref);
            if (i >= m->seg.n_items || !m->live[i])
                continue;
            index_item it;
            index_segment_item(&m->seg, i, &it);
            double orig =
                it.audio_start + (double)(ref - it.first_audio) * it.audio_hop;
            vote_add(vs, m->base + i, orig - speed * clip_time,
                     AUDIO_BIN_SECONDS);
        }
    }
}

typedef struct probe {
    uint32_t key;
    double clip_time;
} probe;

static int compare_probes(const void *a, const void *b)
{
    const probe *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->clip_time > y->clip_time) - (x->clip_time < y->clip_time);
}

/* Every key to look up, in key order: the lookups then sweep each
 * segment's buckets and entries in one direction, which is what the
 * page cache reads ahead for when the index is not in memory yet. */
static void vote_audio(const dk_print_index *ix, const dk_audio_print *clip,
                       double speed, const dk_index_tuning *tuning, votes *vs)
{
    size_t n = clip->count;
    size_t positions = n < MAX_AUDIO_POSITIONS ? n : MAX_AUDIO_POSITIONS;
    unsigned per = tuning->bit_flips ? 33 : 1;
    probe *probes = g_new(probe, positions * per + 1);
    size_t np = 0;
    for (size_t p = 0; p < positions; p++) {
        size_t i = positions == n ? p : (size_t)((double)p * n / positions);
        if (clip->quiet[i])
            continue;
        double t = clip->start + (double)i * clip->hop;
        probes[np++] = (probe){clip->bits[i], t};
        for (unsigned b = 0; b + 1 < per; b++)
            probes[np++] = (probe){clip->bits[i] ^ (1u << b), t};
    }
    if (np)
        qsort(probes, np, sizeof *probes, compare_probes);
    for (size_t k = 0; k < np && !vs->full; k++)
        vote_audio_key(ix, probes[k].key, probes[k].clip_time, speed,
                       tuning->max_key_hits, vs);
    g_free(probes);
}

/* Key frames near one clip frame, each counted once however many of its
 * chunks matched. */
typedef struct match {
    uint32_t segment, ref;
} match;

static int compare_matches(const void *a, const void *b)
{
    const match *x = a, *y = b;
    if (x->segment != y->segment)
        return x->segment < y->segment ? -1 : 1;
    return (x->ref > y->ref) - (x->ref < y->ref);
}

static void vote_picture_frame(const dk_print_index *ix,
                               const dk_picture_frame *f, double speed,
                               GArray *found, votes *vs)
{
    g_array_set_size(found, 0);
    /* a portrait clip may be the centre of a landscape original */
    unsigned ids = f->aspect < 0.75f ? 8 : 4;
    for (unsigned c = 0; c < ids; c++) {
        uint32_t key = picture_key(c, f->whole);
        for (size_t s = 0; s < ix->n_segments; s++) {
            const uint8_t *e;
            size_t n =
                index_segment_picture_lookup(&ix->segments[s].seg, key, &e);
            if (n > MAX_PICTURE_KEY_HITS)
                continue;
            for (size_t k = 0; k < n; k++) {
                match m = {(uint32_t)s, 0};
                memcpy(&m.ref, e + 8 * k, 4);
                g_array_append_val(found, m);
            }
        }
    }
    if (found->len)
        qsort(found->data, found->len, sizeof(match), compare_matches);
    for (guint k = 0; k < found->len; k++) {
        match m = g_array_index(found, match, k);
        if (k > 0 && !compare_matches(&m, &g_array_index(found, match, k - 1)))
            continue;
        const index_mapped *seg = &ix->segments[m.segment];
        dk_picture_frame orig;
        if (!index_segment_picture(&seg->seg, m.ref, &orig) || orig.flat ||
            dk_picture_distance(f, &orig) > MAX_PICTURE_DISTANCE)
            continue;
        uint32_t i = index_segment_picture_owner(&seg->seg, m.ref);
        if (i >= seg->seg.n_items || !seg->live[i])
            continue;
        vote_add(vs, seg->base + i, orig.time - speed * f->time,
                 PICTURE_BIN_SECONDS);
    }
}

static void vote_picture(const dk_print_index *ix, const dk_picture_print *clip,
                         double speed, votes *vs)
{
    size_t n = clip->count;
    size_t positions = n < MAX_PICTURE_POSITIONS ? n : MAX_PICTURE_POSITIONS;
    GArray *found = g_array_new(FALSE, FALSE, sizeof(match));
    for (size_t p = 0; p < positions && !vs->full; p++) {
        size_t i = positions == n ? p : (size_t)((double)p * n / positions);
        const dk_picture_frame *f = &clip->frames[i];
        if (!f->flat && isfinite(f->time))
            vote_picture_frame(ix, f, speed, found, vs);
    }
    g_array_free(found, TRUE);
}

typedef struct ranked {
    dk_print_candidate c;
    double score;
} ranked;

static int compare_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->c.sha256, y->c.sha256);
}

/* Joins the audio and picture tallies (both by item) into candidates. */
static size_t rank(const dk_print_index *ix, const tally *a, size_t na,
                   const tally *p, size_t np, ranked *out)
{
    size_t n = 0, i = 0, j = 0;
    while (i < na || j < np) {
        uint32_t item = i < na && (j >= np || a[i].item <= p[j].item)
                            ? a[i].item
                            : p[j].item;
        const tally *ta = i < na && a[i].item == item ? &a[i++] : NULL;
        const tally *tp = j < np && p[j].item == item ? &p[j++] : NULL;
        bool audio_ok = ta && tally_passes(ta, MIN_AUDIO_VOTES);
        bool picture_ok = tp && tally_passes(tp, MIN_PICTURE_VOTES);
        if (!audio_ok && !picture_ok)
            continue;
        ranked *r = &out[n++];
        memset(r, 0, sizeof *r);
        uint32_t k;
        const index_mapped *m = item_place(ix, item, &k);
        index_item it;
        index_segment_item(&m->seg, k, &it);
        dk_sha256_from_raw(it.sha, r->c.sha256);
        r->c.audio_hits = ta ? ta->hits : 0;
        r->c.picture_hits = tp ? tp->hits : 0;
        r->c.offset = audio_ok ? ta->offset : tp->offset;
        /* in units of each track's minimum: either can carry a match */
        r->score = (audio_ok ? (double)ta->hits / MIN_AUDIO_VOTES : 0) +
                   (picture_ok ? (double)tp->hits / MIN_PICTURE_VOTES : 0);
    }
    return n;
}

/* The ranked candidates of one set of audio votes (which it sorts) and
 * the picture tallies; *out g_malloc'd. */
static size_t rank_all(const dk_print_index *ix, votes *audio, const tally *tp,
                       size_t np, ranked **out)
{
    tally *ta;
    size_t na = tally_all(audio, AUDIO_BIN_SECONDS, &ta);
    ranked *r = g_new(ranked, na + np + 1);
    size_t nr = rank(ix, ta, na, tp, np, r);
    qsort(r, nr, sizeof *r, compare_ranked);
    g_free(ta);
    *out = r;
    return nr;
}

int dk_print_index_candidates_tuned(dk_print_index *ix,
                                    const dk_media_print *clip, double speed,
                                    const dk_index_tuning *tuning,
                                    dk_print_candidate **out, size_t *n,
                                    dk_error *err)
{
    *out = NULL;
    *n = 0;
    if (!ix || !clip)
        return dk_error_set(err, DK_ERR_INVALID, "no index or clip");
    if (!isfinite(speed) || speed < 0.25 || speed > 4)
        return dk_error_set(err, DK_ERR_INVALID, "speed %g is outside 0.25..4",
                            speed);
    if (!tuning)
        tuning = &DK_INDEX_TUNING_DEFAULT;
    votes picture = {0};
    if (clip->has_video)
        vote_picture(ix, &clip->picture, speed, &picture);
    tally *tp;
    size_t np = tally_all(&picture, PICTURE_BIN_SECONDS, &tp);
    bool audio = clip->has_audio && clip->audio.count &&
                 isfinite(clip->audio.hop) && isfinite(clip->audio.start);

    /* Exact keys first: one lookup a position. The one-bit neighbours
     * multiply the votes by ~4.6 but also the lookups by 33, and each
     * lands on its own page of the index (a 60 s clip then touches most
     * of a 1000 h index): only when the exact votes are not clear. */
    dk_index_tuning pass = *tuning;
    pass.bit_flips = false;
    votes exact = {0};
    if (audio)
        vote_audio(ix, &clip->audio, speed, &pass, &exact);
    ranked *r;
    size_t nr = rank_all(ix, &exact, tp, np, &r);
    g_free(exact.v);
    bool clear = nr && r[0].c.audio_hits >= tuning->exact_enough;
    if (audio && tuning->bit_flips && !clear) {
        votes all = {0};
        vote_audio(ix, &clip->audio, speed, tuning, &all);
        g_free(r);
        nr = rank_all(ix, &all, tp, np, &r);
        g_free(all.v);
    }
    g_free(tp);
    g_free(picture.v);
    if (nr > MAX_CANDIDATES)
        nr = MAX_CANDIDATES;
    dk_print_candidate *c = malloc((nr ? nr : 1) * sizeof *c);
    if (!c) {
        g_free(r);
        return dk_error_set(err, DK_ERR_NOMEM, "no memory for candidates");
    }
    for (size_t i = 0; i < nr; i++)
        c[i] = r[i].c;
    g_free(r);
    *out = c;
    *n = nr;
    return 0;
}

int dk_print_index_candidates(dk_print_index *ix, const dk_media_print *clip,
                              double speed, dk_print_candidate **out, size_t *n,
                              dk_error *err)
{
    return dk_print_index_candidates_tuned(
        ix, clip, speed, &DK_INDEX_TUNING_DEFAULT, out, n, err);
}
