/* dokpim forensics — what the align*.c files share.
 *
 * The alignment works in audio frame units first: clip sub-fingerprint i
 * maps to original sub-fingerprint round(s * i) + d along a "diagonal" d
 * at one slope s (original frames per clip frame). Seeds (exact or one-bit
 * hash hits) give s and the diagonals; each diagonal is then checked frame
 * by frame, and the stretches that hold become segments. The picture only
 * corroborates (originals carry key frames ~2 s apart), and the findings
 * are read from how the segments follow one another. */
#ifndef ALIGN_PRIVATE_H
#define ALIGN_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/forensics.h>

/* A frame that cannot be compared (one side quiet and not the other, or
 * past the original's end) costs what an unrelated frame does: half its
 * 32 bits. */
#define ALIGN_RANDOM_BITS 16
/* A loud clip frame where the original is quiet: below "maps nowhere"
 * (noise in a pause), above a matching frame. */
#define ALIGN_NOISE_IN_PAUSE_BITS 8
/* Above this bit error rate over a ~0.5 s window a diagonal no longer
 * holds: re-encodes measure under 0.16 (pink noise at -12 dB) when the
 * clip starts on the original's 16 ms grid, but a clip cut anywhere is up
 * to half a hop off it, which adds ~0.09 (AAC 64k: 0.04 on the grid, 0.13
 * half a hop off); unrelated speech sits at 0.45-0.5. */
#define ALIGN_MAX_BER 0.33
/* Sliding window: half-width in frames (15 * 16 ms each side ~ 0.5 s). */
#define ALIGN_HALF_WINDOW 15
/* Frame-level cost of calling a non-quiet clip frame "maps nowhere",
 * between a matching frame (~3 of 32 bits wrong) and an unrelated one
 * (16): the price at which the boundary search gives a frame up. */
#define ALIGN_UNMAPPED_BITS 10

typedef struct align_seed {
    int32_t i; /* clip frame */
    int32_t j; /* original frame */
} align_seed;

/* A stretch of clip frames [i0, i1) on diagonal d. */
typedef struct align_run {
    long i0, i1;
    long d;
    double score; /* evidence: matching frames, unrelated ones count ~0 */
} align_run;

typedef struct align_audio {
    const dk_audio_print *clip;
    const dk_audio_print *orig;
    double slope; /* original frames per clip frame */
} align_audio;

/* ---- seeds (align_seeds.c) ---- */

/* Every (clip frame, original frame) whose sub-fingerprints are equal or
 * one bit apart, both non-quiet; values too common in the original to
 * place anything are skipped. *out is malloc'd (NULL when none). */
int align_seeds_find(const dk_audio_print *clip, const dk_audio_print *orig,
                     align_seed **out, size_t *n, dk_error *err);
/* The slope j ~ s * i + d most seed pairs agree on (1.0 without enough
 * seeds), refined by least squares on the seeds of its main diagonal. */
double align_seeds_slope(const align_seed *seeds, size_t n);
/* The diagonals at that slope with at least a few seeds, most seeds
 * first; *out is malloc'd. */
int align_seeds_diagonals(const align_seed *seeds, size_t n, double slope,
                          long **out, size_t *n_out, dk_error *err);

/* The diagonals of seeds in clip frames none of runs covers (runs in clip
 * order), leaving out those within 2 of the n_have already tried; *out is
 * malloc'd (NULL when none). */
int align_seeds_gap_diagonals(const align_seed *seeds, size_t n, double slope,
                              const align_run *runs, size_t n_runs,
                              const long *have, size_t n_have, long **out,
                              size_t *n_out, dk_error *err);

/* ---- audio segments (align_segments.c) ---- */

/* The original frame that clip frame i maps to on diagonal d. */
long align_orig_frame(const align_audio *a, long i, long d);
/* Bits wrong between clip frame i and its frame on diagonal d (0 when
 * both are quiet, ALIGN_RANDOM_BITS when they cannot be compared). */
int align_frame_cost(const align_audio *a, long i, long d);
/* Segments of the clip along the diagonals, non-overlapping, in clip
 * order, boundaries placed frame by frame. *out is malloc'd. */
int align_audio_runs(const align_audio *a, const long *diagonals,
                     size_t n_diagonals, align_run **out, size_t *n_out,
                     dk_error *err);
/* Non-quiet frames in clip frames [i0, i1). */
long align_loud_frames(const dk_audio_print *clip, long i0, long i1);
/* Bit error rate of clip frames [i0, i1) (clamped to the clip) on d over
 * the *known frames where the original has sound (a quiet clip frame
 * there costs half its bits; clip sound in an original pause says
 * nothing); 0 when none. */
double align_sound_ber(const align_audio *a, long i0, long i1, long d,
                       long *known);
/* 1 - bit error rate of the run over the frames both sides call loud. */
double align_run_similarity(const align_audio *a, const align_run *run);

/* ---- picture segments (align_picture.c) ---- */

/* Stretches where the clip's frames match the original's at one offset
 * (orig time = offset + speed * clip time), appended to *segs (a
 * malloc'd array of *n, grown as needed). */
int align_picture_segments(const dk_picture_print *clip,
                           const dk_picture_print *orig, double speed,
                           dk_segment **segs, size_t *n, dk_error *err);

/* Original frames that, at orig time = offset + speed * clip time, land
 * in clip times [t0, t1] beside a clip frame (*checked), and how many of
 * those the clip frame matches: a test of one mapping, where a search
 * would be fooled by a picture that repeats (a pan back and forth, a
 * static shot). */
int align_picture_check(const dk_picture_print *clip,
                        const dk_picture_print *orig, double offset,
                        double speed, double t0, double t1, int *checked);

/* Does the clip's picture run on without a splice over clip times
 * [t0, t1] and a little either side (at least 3 frames)? */
bool align_picture_continuous(const dk_picture_print *clip, double t0,
                              double t1);

/* ---- findings, verdict, confidence (align_findings.c) ---- */

/* Fills out's findings, verdict and confidence from its segments (audio
 * first, then picture, each in clip order) and the prints. */
int align_findings(const dk_media_print *clip, const dk_media_print *orig,
                   dk_alignment *out, dk_error *err);

/* Appends one finding or segment, growing the array; DK_ERR_NOMEM. */
int align_push_finding(dk_alignment *out, const dk_finding *f, dk_error *err);
int align_push_segment(dk_segment **segs, size_t *n, const dk_segment *s,
                       dk_error *err);

#endif
