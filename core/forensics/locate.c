/* dk_locate: one clip against the libraries' indexes. The index only
 * nominates originals (exact sub-fingerprint and hash-chunk hits voting
 * for one offset); the alignment decides, so a few stray hits on a
 * distractor never become a match. */
#include <dokpim/forensics.h>

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Originals aligned per clip: the index ranks well enough that the right
 * one is first when it is there; a few more cover a clip spliced from two
 * events (the second event's original is then a match of its own). */
#define LOCATE_ALIGNED 4
/* Votes below this at speed 1.0 are no better than chance, so the other
 * speeds a re-post is commonly played at are tried as well. */
#define LOCATE_CONVINCING_VOTES 24
/* An alignment's speed this far from 1 means the clip was sped up or
 * slowed down: it is printed again at that speed and re-aligned. */
#define LOCATE_SPEED_TOLERANCE 0.02

static const double other_speeds[] = {1.1, 0.9, 1.05, 0.95, 1.25, 0.8, 1.5};

static double votes_of(const dk_print_candidate *c)
{
    /* A key-frame hash hit is worth several sub-fingerprint hits: an
     * original has one hash every key frame but 60 sub-prints a second. */
    return c->audio_hits + 8.0 * c->picture_hits;
}

static void warn(dk_locate_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(dk_locate_result *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    out->warnings = g_renew(char *, out->warnings, out->n_warnings + 1);
    out->warnings[out->n_warnings++] = line;
}

static bool all_quiet(const dk_audio_print *audio)
{
    for (size_t i = 0; i < audio->count; i++)
        if (!audio->quiet[i])
            return false;
    return true;
}

static bool all_flat(const dk_picture_print *picture)
{
    for (size_t i = 0; i < picture->count; i++)
        if (!picture->frames[i].flat)
            return false;
    return true;
}

typedef struct nominee {
    char sha256[65];
    size_t index;
    double votes;
} nominee;

static int by_votes(const void *a, const void *b)
{
    double va = ((const nominee *)a)->votes, vb = ((const nominee *)b)->votes;
    return va < vb ? 1 : va > vb ? -1 : 0;
}

/* Every index's candidates at one speed, merged (an item in two libraries
 * keeps its best), best first. */
static int nominate(dk_print_index *const *indexes, size_t n_indexes,
                    const dk_media_print *clip, double speed, GArray *out,
                    dk_error *err)
{
    g_array_set_size(out, 0);
    for (size_t i = 0; i < n_indexes; i++) {
        dk_print_candidate *c = NULL;
        size_t n = 0;
        int rc =
            dk_print_index_candidates(indexes[i], clip, speed, &c, &n, err);
        if (rc < 0)
            return rc;
        for (size_t k = 0; k < n; k++) {
            nominee m = {.index = i, .votes = votes_of(&c[k])};
            memcpy(m.sha256, c[k].sha256, sizeof m.sha256);
            m.sha256[64] = '\0';
            bool seen = false;
            for (guint j = 0; j < out->len && !seen; j++) {
                nominee *o = &g_array_index(out, nominee, j);
                if (strcmp(o->sha256, m.sha256) == 0) {
                    seen = true;
                    if (m.votes > o->votes)
                        *o = m;
                }
            }
            if (!seen)
                g_array_append_val(out, m);
        }
        free(c);
    }
    g_array_sort(out, by_votes);
    return 0;
}

static double best_votes(const GArray *nominees)
{
    return nominees->len ? g_array_index(nominees, nominee, 0).votes : 0;
}

/* The clip printed at each speed an alignment asked for, kept for the
 * other candidates. */
typedef struct speed_prints {
    const char *path;
    double speed[8];
    dk_media_print print[8];
    size_t n;
} speed_prints;

static int print_at(speed_prints *cache, double speed,
                    const dk_media_print **out, dk_error *err)
{
    for (size_t i = 0; i < cache->n; i++)
        if (fabs(cache->speed[i] - speed) < 1e-6) {
            *out = &cache->print[i];
            return 0;
        }
    if (cache->n == G_N_ELEMENTS(cache->speed))
        return dk_error_set(err, DK_ERR_INTERNAL, "too many speeds tried");
    dk_print_params params = DK_PRINT_CLIP;
    params.speed = speed;
    int rc = dk_media_print_compute(cache->path, &params,
                                    &cache->print[cache->n], err);
    if (rc < 0)
        return rc;
    cache->speed[cache->n] = speed;
    *out = &cache->print[cache->n++];
    return 0;
}

static bool has_speed_finding(const dk_alignment *al)
{
    for (size_t i = 0; i < al->n_findings; i++)
        if (al->findings[i].kind == DK_FINDING_SPEED)
            return true;
    return false;
}

/* A clip re-printed at speed s aligns at about 1.0 against the original;
 * the answer must still say the clip was played at s. */
static void record_speed(dk_alignment *al, double speed, double clip_end)
{
    al->speed = speed;
    if (has_speed_finding(al))
        return;
    al->findings = g_renew(dk_finding, al->findings, al->n_findings + 1);
    memmove(al->findings + 1, al->findings,
            al->n_findings * sizeof *al->findings);
    al->findings[0] = (dk_finding){
        .kind = DK_FINDING_SPEED,
        .clip_start = 0,
        .clip_end = clip_end,
        .orig_start = al->offset,
        .orig_end = al->offset + clip_end * speed,
        .speed = speed,
    };
    al->n_findings++;
    if (al->verdict == DK_VERDICT_FAITHFUL)
        al->verdict = DK_VERDICT_EDITED;
}

/* The findings array comes from dk_align (malloc'd) and may have been
 * grown here with g_renew: both are the system allocator under GLib 2.46+,
 * which dk_alignment_clear frees with free(). */
static int align_one(dk_print_index *index, const nominee *nom,
                     speed_prints *cache, dk_locate_match *match, dk_error *err)
{
    dk_media_print orig = {0};
    int rc = dk_print_index_load(index, nom->sha256, &orig, err);
    if (rc < 0)
        return rc;
    const dk_media_print *clip = &cache->print[0];
    rc = dk_align(clip, &orig, &match->alignment, err);
    double speed = match->alignment.speed;
    if (rc == 0 && speed > 0 && fabs(speed - 1.0) > LOCATE_SPEED_TOLERANCE) {
        const dk_media_print *faster = NULL;
        rc = print_at(cache, speed, &faster, err);
        if (rc == 0) {
            dk_alignment again = {0};
            rc = dk_align(faster, &orig, &again, err);
            if (rc == 0 && again.confidence >= match->alignment.confidence) {
                dk_alignment_clear(&match->alignment);
                match->alignment = again;
                record_speed(&match->alignment, speed, clip->duration);
            } else {
                dk_alignment_clear(&again);
            }
        }
    }
    dk_media_print_clear(&orig);
    memcpy(match->sha256, nom->sha256, sizeof match->sha256);
    match->index = nom->index;
    match->votes = nom->votes;
    return rc;
}

static int by_confidence(const void *a, const void *b)
{
    double ca = ((const dk_locate_match *)a)->alignment.confidence;
    double cb = ((const dk_locate_match *)b)->alignment.confidence;
    return ca < cb ? 1 : ca > cb ? -1 : 0;
}

static double now(void)
{
    return g_get_monotonic_time() / 1e6;
}

static int search(dk_print_index *const *indexes, size_t n_indexes,
                  size_t max_matches, speed_prints *cache,
                  dk_locate_result *out, dk_error *err)
{
    const dk_media_print *clip = &cache->print[0];
    double t0 = now();
    GArray *nominees = g_array_new(FALSE, TRUE, sizeof(nominee));
    int rc = nominate(indexes, n_indexes, clip, 1.0, nominees, err);
    for (size_t s = 0;
         rc == 0 && best_votes(nominees) < LOCATE_CONVINCING_VOTES &&
         s < G_N_ELEMENTS(other_speeds);
         s++) {
        GArray *other = g_array_new(FALSE, TRUE, sizeof(nominee));
        rc = nominate(indexes, n_indexes, clip, other_speeds[s], other, err);
        if (best_votes(other) > best_votes(nominees)) {
            GArray *t = nominees;
            nominees = other;
            other = t;
        }
        g_array_free(other, TRUE);
    }
    double t1 = now();
    out->seconds_lookup = t1 - t0;
    size_t n = MIN(nominees->len, (guint)LOCATE_ALIGNED);
    out->matches = g_new0(dk_locate_match, n ? n : 1);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const nominee *nom = &g_array_index(nominees, nominee, i);
        dk_locate_match *m = &out->matches[out->n_matches];
        rc = align_one(indexes[nom->index], nom, cache, m, err);
        if (rc == 0 && m->alignment.verdict != DK_VERDICT_UNRELATED)
            out->n_matches++;
        else
            dk_alignment_clear(&m->alignment);
    }
    out->seconds_align = now() - t1;
    g_array_free(nominees, TRUE);
    if (rc < 0)
        return rc;
    qsort(out->matches, out->n_matches, sizeof *out->matches, by_confidence);
    while (out->n_matches > max_matches)
        dk_alignment_clear(&out->matches[--out->n_matches].alignment);
    return 0;
}

int dk_locate(const char *clip_path, dk_print_index *const *indexes,
              size_t n_indexes, size_t max_matches, dk_locate_result *out,
              dk_error *err)
{
    memset(out, 0, sizeof *out);
    speed_prints cache = {.path = clip_path};
    double t0 = now();
    int rc =
        dk_media_print_compute(clip_path, &DK_PRINT_CLIP, &cache.print[0], err);
    if (rc < 0)
        return rc;
    cache.speed[0] = 1.0;
    cache.n = 1;
    out->seconds_print = now() - t0;
    const dk_media_print *clip = &cache.print[0];
    if (!clip->has_audio)
        warn(out, "no audio: located by picture only");
    else if (!clip->has_video)
        warn(out, "no video: located by sound only");
    if (clip->has_audio && all_quiet(&clip->audio))
        warn(out, "the sound is silence only: it cannot locate the clip");
    if (clip->has_video && all_flat(&clip->picture))
        warn(out, "the picture is blank or uniform throughout: it cannot "
                  "locate the clip");
    if (clip->damaged_packets)
        warn(out, "%u damaged packets skipped", clip->damaged_packets);
    if (clip->read_error)
        warn(out,
             "the file ends early or is damaged after %.1f s: located "
             "from what could be read",
             clip->duration);
    rc = search(indexes, n_indexes, max_matches ? max_matches : 1, &cache, out,
                err);
    out->clip = cache.print[0];
    for (size_t i = 1; i < cache.n; i++)
        dk_media_print_clear(&cache.print[i]);
    if (rc < 0)
        dk_locate_result_clear(out);
    return rc;
}

void dk_locate_result_clear(dk_locate_result *result)
{
    dk_media_print_clear(&result->clip);
    for (size_t i = 0; i < result->n_matches; i++)
        dk_alignment_clear(&result->matches[i].alignment);
    g_free(result->matches);
    for (size_t i = 0; i < result->n_warnings; i++)
        g_free(result->warnings[i]);
    g_free(result->warnings);
    memset(result, 0, sizeof *result);
}
