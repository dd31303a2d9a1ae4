/* dk_align on synthetic prints (random sub-fingerprints with pauses, a
 * slowly changing picture; clips sliced from them as edits slice speech)
 * and on real speech: espeak-ng Indonesian cut, spliced and re-voiced by
 * ffmpeg (align_corpus.sh).
 *
 * Every edit case runs against the original printed with every frame and
 * with key frames only (2 s apart), as originals are indexed.
 *
 * MEASURED (Debug build, CPU time): a 60 s clip against a 2 h original
 * 0.03-0.05 s (0.5 h 0.008 s, 10 h 0.18 s: building the original's hash
 * table is most of it). The sweep: 300 random edits, all found and placed
 * (worst 0.12 s). Outside the suite, 182 clips of generated speech (three
 * originals, random excerpts 12-30 s, 7 kinds: faithful, word cut 0.3-0.6
 * s, sentence cut 2-4 s, spliced 0.5-2 s, two phrases swapped, audio
 * replaced 1.5-3 s, tempo 0.9/1.1/1.25; AAC 64k, AAC 32k mono or Opus
 * 32k, 30 % with pink noise) gave the expected single finding within
 * 0.25 s and offset within 0.1 s for 181 (the other's truth was wrong: the
 * swap ran past the original's end), and 140 clips against the wrong
 * original all came out unrelated (confidence <= 0.19). */
#include "align_synth.h"
#include "dk_test.h"

#include <dokpim/forensics.h>

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Edits are to be placed within +-0.25 s. */
#define PLACE 0.25

enum { SRC_ORIG, SRC_OTHER, SRC_RANDOM };

typedef struct piece_row {
    int source;
    double from, seconds;
} piece_row;

typedef struct expect_row {
    dk_finding_kind kind;
    double clip, orig; /* orig < 0: must be -1 */
} expect_row;

typedef struct edit_row {
    const char *name;
    piece_row pieces[5];
    int tracks;
    bool picture_kept; /* the original's picture runs on under the pieces */
    double speed;
    dk_verdict verdict;
    double offset;
    int n_expect;
    expect_row expect[3];
} edit_row;

/* Pauses sit at 2.1-2.5 s of every 2.5 s phrase: the edits below cut and
 * splice inside sound, where a spokesperson's clip would be cut. */
static const edit_row edits[] = {
    {"faithful excerpt",
     {{SRC_ORIG, 30, 30}},
     SYNTH_BOTH,
     false,
     1,
     DK_VERDICT_FAITHFUL,
     30,
     0,
     {{0}}},
    {"word cut",
     {{SRC_ORIG, 30, 11}, {SRC_ORIG, 41.4, 15}},
     SYNTH_BOTH,
     false,
     1,
     DK_VERDICT_EDITED,
     30,
     1,
     {{DK_FINDING_CUT, 11, 41}}},
    {"sentence cut",
     {{SRC_ORIG, 30, 13.5}, {SRC_ORIG, 46.5, 12}},
     SYNTH_BOTH,
     false,
     1,
     DK_VERDICT_EDITED,
     30,
     1,
     {{DK_FINDING_CUT, 13.5, 43.5}}},
    {"sentences swapped",
     {{SRC_ORIG, 30, 11},
      {SRC_ORIG, 44, 5},
      {SRC_ORIG, 41, 3},
      {SRC_ORIG, 49, 10}},
     SYNTH_BOTH,
     false,
     1,
     DK_VERDICT_EDITED,
     30,
     1,
     {{DK_FINDING_REORDERED, 16, 41}}},
    /* the blocks' edges in pauses, which either diagonal fits */
    {"sentences swapped at pauses",
     {{SRC_ORIG, 30, 12.3},
      {SRC_ORIG, 44.8, 5},
      {SRC_ORIG, 42.3, 2.5},
      {SRC_ORIG, 49.8, 10}},
     SYNTH_BOTH,
     false,
     1,
     DK_VERDICT_EDITED,
     30,
     1,
     {{DK_FINDING_REORDERED, 17.3, 42.3}}},
    {"other speech spliced in",
     {{SRC_ORIG, 30, 11}, {SRC_OTHER, 10.5, 3}, {SRC_ORIG, 41, 15}},
     SYNTH_BOTH,
     false,
     1,
     DK_VERDICT_EDITED,
     30,
     1,
     {{DK_FINDING_INSERTED, 11, -1}}},
    /* both sides of the splice claim the original's pause it sits in */
    {"other speech spliced in at a pause",
     {{SRC_ORIG, 30, 12.45}, {SRC_OTHER, 10.0, 2.5}, {SRC_ORIG, 42.05, 15}},
     SYNTH_BOTH,
     false,
     1,
     DK_VERDICT_EDITED,
     30,
     1,
     {{DK_FINDING_INSERTED, 12.45, -1}}},
    {"audio replaced",
     {{SRC_ORIG, 30, 11}, {SRC_RANDOM, 0, 3}, {SRC_ORIG, 44, 15}},
     SYNTH_BOTH,
     true,
     1,
     DK_VERDICT_EDITED,
     30,
     1,
     {{DK_FINDING_AUDIO_REPLACED, 11, 41}}},
    /* the new words match another sentence of the original: not moved,
     * since the picture stays on the original's timeline */
    {"audio replaced by words said elsewhere",
     {{SRC_ORIG, 30, 11}, {SRC_ORIG, 80, 3}, {SRC_ORIG, 44, 15}},
     SYNTH_BOTH,
     true,
     1,
     DK_VERDICT_EDITED,
     30,
     1,
     {{DK_FINDING_AUDIO_REPLACED, 11, 41}}},
    {"played 1.1 times faster",
     {{SRC_ORIG, 30, 33}},
     SYNTH_BOTH,
     false,
     1.1,
     DK_VERDICT_EDITED,
     30,
     1,
     {{DK_FINDING_SPEED, 0, 30}}},
    {"unrelated speech",
     {{SRC_OTHER, 30, 30}},
     SYNTH_BOTH,
     false,
     1,
     DK_VERDICT_UNRELATED,
     0,
     0,
     {{0}}},
    {"audio only",
     {{SRC_ORIG, 50, 20}},
     SYNTH_AUDIO_ONLY,
     false,
     1,
     DK_VERDICT_FAITHFUL,
     50,
     0,
     {{0}}},
    {"picture only",
     {{SRC_ORIG, 50, 20}},
     SYNTH_PICTURE_ONLY,
     false,
     1,
     DK_VERDICT_FAITHFUL,
     50,
     0,
     {{0}}},
};

static dk_media_print originals[2], other;

static void build_originals(void)
{
    if (originals[0].audio.count)
        return;
    synth_original(&originals[0], 120, 1, 0.04);
    synth_original(&originals[1], 120, 1, 2.0);
    synth_original(&other, 120, 2, 0.04);
}

static void make_clip(const edit_row *row, dk_media_print *clip)
{
    synth_piece pieces[5];
    int n = 0;
    for (; n < 5 && row->pieces[n].seconds > 0; n++) {
        const piece_row *p = &row->pieces[n];
        pieces[n] = (synth_piece){p->source == SRC_ORIG    ? &originals[0]
                                  : p->source == SRC_OTHER ? &other
                                                           : NULL,
                                  p->from, p->seconds};
    }
    synth_clip spec = {
        .pieces = pieces,
        .n_pieces = n,
        .flip = 0.10,
        .speed = row->speed,
        .tracks = row->tracks,
        .picture_from = row->picture_kept ? &originals[0] : NULL,
        .picture_at = row->pieces[0].from,
        .seed = 3,
    };
    synth_make_clip(&spec, clip);
}

static void describe(const char *name, const dk_alignment *al)
{
    fprintf(stderr, "%s: %s conf %.2f speed %.3f offset %.3f\n", name,
            dk_verdict_name(al->verdict), al->confidence, al->speed,
            al->offset);
    for (size_t k = 0; k < al->n_segments; k++) {
        const dk_segment *s = &al->segments[k];
        fprintf(stderr, "  %-7s clip %7.3f-%7.3f orig %8.3f-%8.3f sim %.2f\n",
                s->track == DK_TRACK_AUDIO ? "audio" : "picture", s->clip_start,
                s->clip_end, s->orig_start, s->orig_end, s->similarity);
    }
    for (size_t k = 0; k < al->n_findings; k++) {
        const dk_finding *f = &al->findings[k];
        fprintf(stderr, "  %-14s clip %7.3f-%7.3f orig %8.3f-%8.3f x%.3f\n",
                dk_finding_kind_name(f->kind), f->clip_start, f->clip_end,
                f->orig_start, f->orig_end, f->speed);
    }
}

static void check_finding(const char *name, const dk_alignment *al,
                          const expect_row *e)
{
    for (size_t k = 0; k < al->n_findings; k++) {
        const dk_finding *f = &al->findings[k];
        if (f->kind != e->kind || fabs(f->clip_start - e->clip) > PLACE)
            continue;
        if (e->orig < 0)
            ck_assert_msg(f->orig_start == -1 && f->orig_end == -1,
                          "%s: inserted material has an original time", name);
        else
            ck_assert_msg(fabs(f->orig_start - e->orig) <= PLACE,
                          "%s: %s at original %.3f, not %.3f", name,
                          dk_finding_kind_name(f->kind), f->orig_start,
                          e->orig);
        return;
    }
    ck_abort_msg("%s: no %s at clip %.2f", name, dk_finding_kind_name(e->kind),
                 e->clip);
}

START_TEST(test_edits)
{
    build_originals();
    const edit_row *row = &edits[_i / 2];
    const dk_media_print *orig = &originals[_i % 2];
    char name[128];
    snprintf(name, sizeof name, "%s (%s)", row->name,
             _i % 2 ? "key frames" : "every frame");
    dk_media_print clip;
    make_clip(row, &clip);
    dk_alignment al;
    dk_error err = {0};
    ck_assert_int_eq(dk_align(&clip, orig, &al, &err), 0);
    describe(name, &al);
    ck_assert_msg(al.verdict == row->verdict, "%s: %s", name,
                  dk_verdict_name(al.verdict));
    ck_assert_msg((int)al.n_findings == row->n_expect, "%s: %zu findings", name,
                  al.n_findings);
    for (int k = 0; k < row->n_expect; k++)
        check_finding(name, &al, &row->expect[k]);
    if (row->verdict != DK_VERDICT_UNRELATED) {
        /* audio places to a frame; the picture to its 0.1 s frames */
        double within = row->tracks == SYNTH_PICTURE_ONLY ? 0.15 : 0.02;
        ck_assert_msg(fabs(al.offset - row->offset) <= within,
                      "%s: offset %.3f", name, al.offset);
        ck_assert_msg(fabs(al.speed - row->speed) <= 0.01, "%s: speed %.3f",
                      name, al.speed);
        ck_assert_msg(al.confidence > 0.6, "%s: confidence %.2f", name,
                      al.confidence);
    } else {
        ck_assert_msg(al.confidence < 0.3, "%s: confidence %.2f", name,
                      al.confidence);
    }
    for (size_t k = 0; k < al.n_findings; k++)
        if (al.findings[k].kind == DK_FINDING_SPEED)
            ck_assert(fabs(al.findings[k].speed - 1.1) <= 0.01);
    dk_alignment_clear(&al);
    dk_media_print_clear(&clip);
}
END_TEST

/* Flips each bit of clip frames in [t0, t1) with probability p: sound
 * added under the speech (music) that leaves the frames related to the
 * original, but less so than the window threshold allows. */
static void add_sound(dk_media_print *clip, double t0, double t1, double p,
                      unsigned seed)
{
    dk_audio_print *a = &clip->audio;
    unsigned state = seed;
    for (size_t i = 0; i < a->count; i++) {
        double t = a->start + (double)i * a->hop;
        if (t < t0 || t >= t1)
            continue;
        for (int b = 0; b < 32; b++) {
            state = state * 1103515245u + 12345u;
            if ((double)(state >> 8) / (double)(1u << 24) < p)
                a->bits[i] ^= 1u << b;
        }
    }
}

/* Music under a faithful excerpt: stretches at BER ~0.37 (0.10 + 0.34 of
 * the rest) sit between the diagonals on either side; they are neither
 * inserted nor audio replaced, and no cut either side of them. */
START_TEST(test_music_stretch)
{
    build_originals();
    const dk_media_print *orig = &originals[_i];
    synth_piece piece = {&originals[0], 30, 30};
    synth_clip spec = {&piece, 1, 0.10, 1, SYNTH_BOTH, NULL, 0, 3};
    dk_media_print clip;
    synth_make_clip(&spec, &clip);
    add_sound(&clip, 5.2, 5.9, 0.34, 7);
    add_sound(&clip, 12.3, 13.0, 0.34, 8);
    add_sound(&clip, 20.1, 20.5, 0.34, 9);
    dk_alignment al;
    dk_error err = {0};
    ck_assert_int_eq(dk_align(&clip, orig, &al, &err), 0);
    describe("music stretch", &al);
    ck_assert_msg(al.verdict == DK_VERDICT_FAITHFUL && !al.n_findings,
                  "music stretch: %s, %zu findings",
                  dk_verdict_name(al.verdict), al.n_findings);
    ck_assert(fabs(al.offset - 30) <= 0.02);
    dk_alignment_clear(&al);
    dk_media_print_clear(&clip);
}
END_TEST

static const edit_row *edit_named(const char *name)
{
    for (size_t k = 0; k < G_N_ELEMENTS(edits); k++)
        if (!strcmp(edits[k].name, name))
            return &edits[k];
    ck_abort_msg("no edit row %s", name);
    return NULL;
}

/* Audio replaced under the original's picture, where the clip's frame
 * beside the one key frame inside the stretch misses it (a grainy picture
 * re-encoded sits near the distance threshold): the picture segment
 * running through the stretch still shows the original there. */
START_TEST(test_replaced_key_frame_missed)
{
    build_originals();
    dk_media_print clip;
    make_clip(edit_named("audio replaced"), &clip);
    for (size_t k = 0; k < clip.picture.count; k++) {
        dk_picture_frame *f = &clip.picture.frames[k];
        if (fabs(f->time - 12.0) < 0.06) {
            f->whole ^= 0x0f0f0f0f0fULL;
            f->centre ^= 0x0f0f0f0f0fULL;
        }
    }
    dk_alignment al;
    dk_error err = {0};
    ck_assert_int_eq(dk_align(&clip, &originals[1], &al, &err), 0);
    describe("replaced, key frame missed", &al);
    ck_assert_int_eq(al.n_findings, 1);
    check_finding("replaced, key frame missed", &al,
                  &(expect_row){DK_FINDING_AUDIO_REPLACED, 11, 41});
    dk_alignment_clear(&al);
    dk_media_print_clear(&clip);
}
END_TEST

/* Nothing to align, or nothing to align with: an answer, not a crash. */
START_TEST(test_empty)
{
    build_originals();
    dk_media_print empty = {0};
    dk_alignment al;
    dk_error err = {0};
    ck_assert_int_eq(dk_align(&empty, &originals[1], &al, &err), 0);
    ck_assert_int_eq(al.verdict, DK_VERDICT_UNRELATED);
    ck_assert_int_eq(al.n_findings, 0);
    dk_alignment_clear(&al);
    ck_assert_int_eq(dk_align(&originals[1], &empty, &al, &err), 0);
    ck_assert_int_eq(al.verdict, DK_VERDICT_UNRELATED);
    dk_alignment_clear(&al);
    ck_assert_int_eq(dk_align(&empty, &empty, &al, &err), 0);
    dk_alignment_clear(&al);
    ck_assert_int_eq(dk_align(NULL, &empty, &al, &err), DK_ERR_INVALID);
    ck_assert_int_eq(dk_align(&empty, &empty, NULL, &err), DK_ERR_INVALID);
    dk_media_print broken = {.audio = {.hop = 0.016, .count = 10}};
    ck_assert_int_eq(dk_align(&broken, &originals[1], &al, &err),
                     DK_ERR_INVALID);
    ck_assert(strstr(err.message, "malformed"));
    /* a clip of one sub-fingerprint, and of pause only */
    dk_media_print tiny;
    synth_original(&tiny, 0.02, 9, 2.0);
    ck_assert_int_eq(dk_align(&tiny, &originals[1], &al, &err), 0);
    ck_assert_int_eq(al.verdict, DK_VERDICT_UNRELATED);
    dk_alignment_clear(&al);
    memset(tiny.audio.quiet, 1, tiny.audio.count);
    ck_assert_int_eq(dk_align(&originals[1], &tiny, &al, &err), 0);
    dk_alignment_clear(&al);
    dk_media_print_clear(&tiny);
}
END_TEST

/* CPU time: the machine the suite runs on is shared, and wall time would
 * measure the neighbours. */
/* Prints as a damaged or hostile print file could leave them once loaded:
 * all quiet, all one value, times out of order or not numbers, one hop
 * far from the other's. An answer every time, never a crash or a hang. */
static void scramble(dk_media_print *p, unsigned *state, int how)
{
    for (size_t k = 0; k < p->audio.count; k++) {
        *state = *state * 1103515245u + 12345u;
        if (how == 0)
            p->audio.quiet[k] = 1;
        else if (how == 1)
            p->audio.bits[k] = 0xdeadbeef;
        else if (how == 2)
            p->audio.bits[k] ^= *state;
    }
    for (size_t k = 0; k < p->picture.count; k++) {
        *state = *state * 1103515245u + 12345u;
        dk_picture_frame *f = &p->picture.frames[k];
        if (how == 3)
            f->time = (double)(*state % 1000) / 7.0;
        else if (how == 4)
            f->time = k % 2 ? NAN : INFINITY;
        else if (how == 5)
            f->flat = 1;
    }
    if (how == 6)
        p->audio.hop = 1e-9;
    if (how == 7)
        p->audio.start = -1e300;
}

START_TEST(test_hostile)
{
    build_originals();
    unsigned state = 99;
    for (int how = 0; how < 8; how++)
        for (int side = 0; side < 2; side++) {
            dk_media_print clip, orig;
            synth_original(&orig, 60, 21, 2.0);
            synth_piece piece = {&originals[0], 20, 20};
            synth_clip spec = {&piece, 1, 0.1, 1, SYNTH_BOTH, NULL, 0, 5};
            synth_make_clip(&spec, &clip);
            scramble(side ? &orig : &clip, &state, how);
            dk_alignment al;
            dk_error err = {0};
            int rc = dk_align(&clip, &orig, &al, &err);
            ck_assert_msg(rc == 0 || rc == DK_ERR_INVALID ||
                              rc == DK_ERR_UNSUPPORTED,
                          "case %d/%d: %d %s", how, side, rc, err.message);
            ck_assert(al.confidence >= 0 && al.confidence <= 1);
            for (size_t k = 0; k < al.n_findings; k++)
                ck_assert((int)al.findings[k].kind >= 0 &&
                          al.findings[k].kind <= DK_FINDING_SPEED);
            dk_alignment_clear(&al);
            dk_media_print_clear(&clip);
            dk_media_print_clear(&orig);
        }
}
END_TEST

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#if defined(__SANITIZE_ADDRESS__)
#define TIME_LIMIT                                                             \
    3.0 /* ASan runs ~5-10x slower; the budget is for Release                  \
         */
#else
#define TIME_LIMIT 0.3
#endif

/* A 60 s clip (a word cut) against a 2-hour original indexed from key
 * frames: under 0.3 s. */
START_TEST(test_two_hours)
{
    dk_media_print dense, keys, clip;
    synth_original(&dense, 7200, 5, 0.04);
    synth_original(&keys, 7200, 5, 2.0);
    synth_piece pieces[] = {{&dense, 3600, 31}, {&dense, 3631.5, 29.5}};
    synth_clip spec = {pieces, 2, 0.10, 1, SYNTH_BOTH, NULL, 0, 4};
    synth_make_clip(&spec, &clip);
    dk_media_print_clear(&dense);
    dk_alignment al;
    dk_error err = {0};
    double t0 = seconds_now();
    ck_assert_int_eq(dk_align(&clip, &keys, &al, &err), 0);
    double took = seconds_now() - t0;
    fprintf(stderr, "60 s clip vs 2 h original: %.3f s CPU\n", took);
    describe("two hours", &al);
    ck_assert_int_eq(al.verdict, DK_VERDICT_EDITED);
    ck_assert_int_eq(al.n_findings, 1);
    ck_assert_int_eq(al.findings[0].kind, DK_FINDING_CUT);
    ck_assert(fabs(al.findings[0].clip_start - 31) <= PLACE);
    ck_assert(fabs(al.offset - 3600) <= 0.02);
    ck_assert_msg(took < TIME_LIMIT, "took %.3f s", took);
    dk_alignment_clear(&al);
    dk_media_print_clear(&clip);
    dk_media_print_clear(&keys);
}
END_TEST

/* ---- a sweep of random edits at random places ---- */

enum {
    SWEEP_FAITHFUL,
    SWEEP_WORD_CUT,
    SWEEP_SENTENCE_CUT,
    SWEEP_INSERTED,
    SWEEP_SWAPPED,
    SWEEP_REPLACED,
    SWEEP_KINDS
};

static const char *const sweep_names[SWEEP_KINDS] = {
    "faithful", "word cut", "sentence cut", "inserted", "swapped", "replaced",
};

static double sweep_uniform(unsigned *state, double lo, double hi)
{
    *state = *state * 1103515245u + 12345u;
    return lo + (hi - lo) * (double)((*state >> 8) & 0xffff) / 65535.0;
}

/* One random case of kind: the clip, and the finding it must give. */
static void sweep_case(int kind, unsigned *state, const dk_media_print *orig,
                       const dk_media_print *source, dk_media_print *clip,
                       expect_row *e, double *start)
{
    double s = sweep_uniform(state, 20, 500),
           len = sweep_uniform(state, 10, 60);
    double a = sweep_uniform(state, 2, len - 2);
    double w = kind == SWEEP_WORD_CUT       ? sweep_uniform(state, 0.3, 0.6)
               : kind == SWEEP_SENTENCE_CUT ? sweep_uniform(state, 2, 4)
               : kind == SWEEP_INSERTED     ? sweep_uniform(state, 0.3, 2)
                                            : sweep_uniform(state, 1, 4);
    double b1 = sweep_uniform(state, 1, 3),
           b2 = b1 + sweep_uniform(state, 1, 2);
    /* spliced speech starts at a phrase: it is sound, not a pause */
    double other_at = SYNTH_PHRASE * floor(sweep_uniform(state, 1, 40));
    synth_piece pieces[4] = {{source, s, len}};
    int n = 1;
    *e = (expect_row){DK_FINDING_CUT, a, s + a};
    switch (kind) {
    case SWEEP_WORD_CUT:
    case SWEEP_SENTENCE_CUT:
        pieces[0].seconds = a;
        pieces[n++] = (synth_piece){source, s + a + w, len - a};
        break;
    case SWEEP_INSERTED:
        pieces[0].seconds = a;
        pieces[n++] = (synth_piece){&other, other_at, w};
        pieces[n++] = (synth_piece){source, s + a, len - a};
        *e = (expect_row){DK_FINDING_INSERTED, a, -1};
        break;
    case SWEEP_SWAPPED:
        pieces[0].seconds = a;
        pieces[n++] = (synth_piece){source, s + a + b1, b2};
        pieces[n++] = (synth_piece){source, s + a, b1};
        pieces[n++] = (synth_piece){source, s + a + b1 + b2, len - a};
        *e = (expect_row){DK_FINDING_REORDERED, a + b2, s + a};
        break;
    case SWEEP_REPLACED:
        pieces[0].seconds = a;
        pieces[n++] = (synth_piece){NULL, 0, w};
        pieces[n++] = (synth_piece){source, s + a + w, len - a};
        *e = (expect_row){DK_FINDING_AUDIO_REPLACED, a, s + a};
        break;
    }
    synth_clip spec = {
        .pieces = pieces,
        .n_pieces = n,
        .flip = sweep_uniform(state, 0.04, 0.16),
        .speed = 1,
        .tracks = SYNTH_BOTH,
        .picture_from = kind == SWEEP_REPLACED ? source : NULL,
        .picture_at = s,
        .seed = *state,
    };
    synth_make_clip(&spec, clip);
    (void)orig;
    *start = s;
}

static bool sweep_judge(int kind, const dk_alignment *al, const expect_row *e,
                        double start, double *place)
{
    if (fabs(al->offset - start) > 0.1)
        return false;
    if (kind == SWEEP_FAITHFUL)
        return al->verdict == DK_VERDICT_FAITHFUL;
    if (al->verdict != DK_VERDICT_EDITED || al->n_findings != 1)
        return false;
    const dk_finding *f = &al->findings[0];
    *place = fabs(f->clip_start - e->clip);
    return f->kind == e->kind && *place <= PLACE &&
           (e->orig < 0 ? f->orig_start == -1
                        : fabs(f->orig_start - e->orig) <= PLACE);
}

/* Edits of random size at random places (the synthetic pauses fall where
 * they fall), 50 of each kind against an original indexed from key
 * frames: the targets are >= 99 % located, >= 95 % of edits found
 * and placed within 0.25 s, >= 98 % of faithful copies without a finding. */
START_TEST(test_sweep)
{
    build_originals();
    dk_media_print dense, keys;
    synth_original(&dense, 600, 11, 0.04);
    synth_original(&keys, 600, 11, 2.0);
    unsigned state = 12345;
    const int per_kind = 50;
    for (int kind = 0; kind < SWEEP_KINDS; kind++) {
        int good = 0;
        double worst = 0;
        for (int k = 0; k < per_kind; k++) {
            dk_media_print clip;
            expect_row e;
            double start, place = 0;
            sweep_case(kind, &state, &keys, &dense, &clip, &e, &start);
            dk_alignment al;
            dk_error err = {0};
            ck_assert_int_eq(dk_align(&clip, &keys, &al, &err), 0);
            if (sweep_judge(kind, &al, &e, start, &place)) {
                good++;
                worst = fmax(worst, place);
            } else {
                char name[96];
                snprintf(name, sizeof name, "sweep %s #%d (expect %.2f/%.2f)",
                         sweep_names[kind], k, e.clip, e.orig);
                describe(name, &al);
            }
            dk_alignment_clear(&al);
            dk_media_print_clear(&clip);
        }
        fprintf(stderr, "sweep %-13s %d/%d right, worst placement %.3f s\n",
                sweep_names[kind], good, per_kind, worst);
        ck_assert_msg(good >= (kind == SWEEP_FAITHFUL ? 49 : 48),
                      "%s: %d of %d", sweep_names[kind], good, per_kind);
    }
    dk_media_print_clear(&dense);
    dk_media_print_clear(&keys);
}
END_TEST

/* Real speech: where align_corpus.sh cuts and splices (in sound, not in
 * a pause between sentences). */
#define REAL_CUT_FROM   4.2
#define REAL_CUT_TO     4.8
#define REAL_INSERT_AT  6.0
#define REAL_INSERTED   1.5
#define REAL_REPLACE_AT 7.0

static char *real_dir;

static void real_print(const char *name, const dk_print_params *params,
                       dk_media_print *out)
{
    char *path = g_build_filename(real_dir, name, NULL);
    dk_error err = {0};
    int rc = dk_media_print_compute(path, params, out, &err);
    ck_assert_msg(rc == 0, "%s: %s", name, err.message);
    g_free(path);
}

static void real_align(const char *name, const dk_media_print *orig,
                       dk_alignment *al)
{
    dk_media_print clip;
    real_print(name, &DK_PRINT_CLIP, &clip);
    dk_error err = {0};
    ck_assert_int_eq(dk_align(&clip, orig, al, &err), 0);
    describe(name, al);
    dk_media_print_clear(&clip);
}

START_TEST(test_real_speech)
{
    dk_media_print orig;
    real_print("orig.mp4", &DK_PRINT_ORIGINAL, &orig);
    dk_alignment al;

    real_align("excerpt.mp4", &orig, &al);
    ck_assert_int_eq(al.verdict, DK_VERDICT_FAITHFUL);
    ck_assert_msg(fabs(al.offset - 1.0) <= 0.1, "offset %.3f", al.offset);
    dk_alignment_clear(&al);

    real_align("cut.mp4", &orig, &al);
    ck_assert_int_eq(al.verdict, DK_VERDICT_EDITED);
    ck_assert_int_eq(al.n_findings, 1);
    const dk_finding *f = &al.findings[0];
    ck_assert_int_eq(f->kind, DK_FINDING_CUT);
    ck_assert_msg(fabs(f->clip_start - REAL_CUT_FROM) <= PLACE, "at %.3f",
                  f->clip_start);
    ck_assert_msg(fabs(f->orig_start - REAL_CUT_FROM) <= PLACE &&
                      fabs(f->orig_end - REAL_CUT_TO) <= PLACE,
                  "cut %.3f-%.3f", f->orig_start, f->orig_end);
    dk_alignment_clear(&al);

    real_align("inserted.mp4", &orig, &al);
    ck_assert_int_eq(al.verdict, DK_VERDICT_EDITED);
    ck_assert_int_eq(al.n_findings, 1);
    f = &al.findings[0];
    ck_assert_int_eq(f->kind, DK_FINDING_INSERTED);
    ck_assert_msg(fabs(f->clip_start - REAL_INSERT_AT) <= PLACE &&
                      fabs(f->clip_end - REAL_INSERT_AT - REAL_INSERTED) <=
                          PLACE,
                  "inserted %.3f-%.3f", f->clip_start, f->clip_end);
    dk_alignment_clear(&al);

    real_align("replaced.mp4", &orig, &al);
    ck_assert_int_eq(al.verdict, DK_VERDICT_EDITED);
    ck_assert_int_eq(al.n_findings, 1);
    f = &al.findings[0];
    ck_assert_int_eq(f->kind, DK_FINDING_AUDIO_REPLACED);
    ck_assert_msg(fabs(f->clip_start - REAL_REPLACE_AT) <= PLACE &&
                      fabs(f->orig_start - REAL_REPLACE_AT) <= PLACE,
                  "replaced %.3f-%.3f", f->clip_start, f->clip_end);
    dk_alignment_clear(&al);

    real_align("noisy.mp4", &orig, &al);
    ck_assert_int_eq(al.verdict, DK_VERDICT_FAITHFUL);
    ck_assert_msg(fabs(al.offset - 2.0) <= 0.1, "offset %.3f", al.offset);
    dk_alignment_clear(&al);
    dk_media_print_clear(&orig);
}
END_TEST

int main(void)
{
    real_dir = dk_test_tmpdir("align");
    char *script = dk_test_source_path("core/forensics/tests/align_corpus.sh");
    g_free(dk_test_sh_ok("CUT_FROM=%g CUT_TO=%g INSERT_AT=%g REPLACE_AT=%g "
                         "sh '%s' '%s' 2>&1",
                         REAL_CUT_FROM, REAL_CUT_TO, REAL_INSERT_AT,
                         REAL_REPLACE_AT, script, real_dir));
    g_free(script);

    Suite *s = suite_create("align");
    TCase *tc = tcase_create("synthetic");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_edits, 0, 2 * (int)G_N_ELEMENTS(edits));
    tcase_add_loop_test(tc, test_music_stretch, 0, 2);
    tcase_add_test(tc, test_replaced_key_frame_missed);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_hostile);
    tcase_add_test(tc, test_two_hours);
    tcase_add_test(tc, test_sweep);
    suite_add_tcase(s, tc);
    TCase *real = tcase_create("real speech");
    tcase_set_timeout(real, 60);
    tcase_add_test(real, test_real_speech);
    suite_add_tcase(s, real);
    int rc = dk_test_run_suite(s);
    for (int k = 0; k < 2; k++)
        dk_media_print_clear(&originals[k]);
    dk_media_print_clear(&other);
    return rc;
}
