/* dokpim — speech and picture forensics: find a circulating clip in the
 * archive and show how it departs from the original.
 *
 * Three layers, each usable alone:
 *   prints   a media file's audio and picture fingerprints (one decode
 *            pass; the fingerprint code is ours, libav* only decodes);
 *   index    the library's prints on disk: one print file per item and an
 *            on-disk lookup index, read through mmap so locating never
 *            loads the whole index;
 *   align    a clip's prints against one original's: time ranges that map,
 *            and the findings (cut, inserted, re-ordered, audio replaced,
 *            speed changed) a spokesperson can cite.
 *
 *     dk_media_print clip;
 *     dk_media_print_compute(path, &DK_PRINT_CLIP, &clip, err);
 *     dk_print_index *ix;  dk_print_index_open(library, &ix, err);
 *     dk_print_candidate *c; size_t n;
 *     dk_print_index_candidates(ix, &clip, 1.0, &c, &n, err);
 *     dk_media_print orig;  dk_print_index_load(ix, c[0].sha256, &orig, err);
 *     dk_alignment al;      dk_align(&clip, &orig, &al, err);
 */
#ifndef DOKPIM_FORENSICS_H
#define DOKPIM_FORENSICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/error.h>
#include <dokpim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- prints ---- */

/* Audio: one 32-bit sub-fingerprint every `hop` seconds of the file's
 * timeline (band-energy difference bits over the speech band of a mono
 * mixdown), with a flag for frames too quiet to carry information (pauses
 * between words match anything and must count as neither evidence for nor
 * against a match). */
typedef struct dk_audio_print {
    double hop;   /* seconds between sub-fingerprints, <= 0.025 */
    double start; /* file time of sub-fingerprint 0, seconds */
    size_t count;
    uint32_t *bits; /* count sub-fingerprints */
    uint8_t *quiet; /* count flags: 1 = silence or near-silence */
} dk_audio_print;

/* Picture: a 64-bit DCT hash of a frame's content area (black or flat
 * borders removed), and one of the centre column of that area with a 9:16
 * aspect, so that a portrait crop of a landscape original still matches. */
typedef struct dk_picture_frame {
    double time;     /* presentation time, seconds */
    uint64_t whole;  /* hash of the content area */
    uint64_t centre; /* hash of the centre 9:16 column of the content area */
    float aspect;    /* content area width / height after border removal */
    uint8_t flat;    /* 1 = too uniform to carry information (a fade) */
} dk_picture_frame;

typedef struct dk_picture_print {
    size_t count;
    dk_picture_frame *frames; /* in presentation order */
} dk_picture_print;

typedef struct dk_media_print {
    double duration; /* seconds, the longer of the streams */
    bool has_audio;
    bool has_video;
    dk_audio_print audio;
    dk_picture_print picture;
    /* What the decode skipped: a print of a damaged file still locates,
     * and the caller says what was lost (not stored in print files). */
    unsigned damaged_packets; /* packets a decoder refused */
    bool read_error;          /* reading stopped before the end (a cut file) */
} dk_media_print;

/* How a file is printed. Originals are indexed from their key frames only
 * (decoding every frame of 1080p would cap indexing far below 100x real
 * time); clips are short and get every frame up to picture_rate. */
typedef struct dk_print_params {
    double picture_rate; /* at most this many picture hashes per second */
    bool keyframes_only; /* hash key frames only (skips decoding others) */
    /* The clip plays `speed` times faster than the original (1.1 = sped
     * up): audio frames and hop are scaled so that sub-fingerprint k lines
     * up with the original's. 1.0 for originals and ordinary clips. */
    double speed;
    double max_seconds; /* stop after this much media; 0 = all */
    /* Hash the centre 9:16 column too. Only an original's is compared (a
     * portrait clip against a landscape original), so clips leave it out
     * (their centre is then their whole hash) and print faster. */
    bool centre;
} dk_print_params;

DK_API extern const dk_print_params DK_PRINT_ORIGINAL;
DK_API extern const dk_print_params DK_PRINT_CLIP;

/* Decodes path once (hardened opener: format whitelist, probe limits)
 * and fills out. A file with neither stream, or too short to print, is
 * DK_ERR_INVALID / DK_ERR_UNSUPPORTED with a one-line reason ("no audio
 * and no video stream", "too short to locate: 0.4 s"). A file with only
 * one stream prints that one (has_audio / has_video say which). */
DK_API int dk_media_print_compute(const char *path,
                                  const dk_print_params *params,
                                  dk_media_print *out, dk_error *err);
DK_API void dk_media_print_clear(dk_media_print *print);

/* Bits that differ between two frames' hashes, comparing the clip frame's
 * whole-area hash with the original's whole or centre one as the clip's
 * aspect says (portrait clip of a landscape original: centre). 0..64. */
DK_API int dk_picture_distance(const dk_picture_frame *clip,
                               const dk_picture_frame *original);

/* ---- the library's prints on disk ---- */

/* LIBRARY/prints/<aa>/<sha256>.dkfp: one item's print, versioned and
 * checksummed, written through dk_atomic_* (temp name, rename). */
DK_API int dk_print_save(const char *library, const char *sha256,
                         const dk_media_print *print, dk_error *err);
DK_API int dk_print_load(const char *library, const char *sha256,
                         dk_media_print *out, dk_error *err);

typedef struct dk_print_index dk_print_index;

/* Opens LIBRARY/prints/index/ (a library with no prints yet is an empty
 * index, not an error). A damaged index file is DK_ERR_INVALID naming
 * it, with "run dokpim locate --reindex". */
DK_API int dk_print_index_open(const char *library, dk_print_index **out,
                               dk_error *err);
DK_API void dk_print_index_close(dk_print_index *index);

/* Adds the items (their .dkfp already saved) to the index as one new
 * segment, under the index lock; merges segments when there are many. */
DK_API int dk_print_index_add(const char *library, const char *const *sha256,
                              size_t n, dk_error *err);
/* A problem an operation over many files steps over (one line naming
 * the file); data is the caller's. */
typedef void (*dk_print_warning_fn)(void *data, const char *message);

/* Rebuilds the index from every .dkfp in the library, replacing every
 * segment (also damaged ones). A print that cannot be read is left out
 * and reported to warn (may be NULL), and the rebuild still succeeds:
 * the caller says how many were skipped (`dokpim locate --reindex`). */
DK_API int dk_print_index_rebuild(const char *library, dk_print_warning_fn warn,
                                  void *warn_data, dk_error *err);

/* An original that shares enough exact sub-fingerprint or picture-hash
 * hits with the clip at one consistent offset to be worth aligning. */
typedef struct dk_print_candidate {
    char sha256[65];
    double offset;       /* original time - speed * clip time, seconds */
    unsigned audio_hits; /* votes at that offset */
    unsigned picture_hits;
} dk_print_candidate;

/* Candidates for the clip, best first; *out is malloc'd (free()). */
DK_API int dk_print_index_candidates(dk_print_index *index,
                                     const dk_media_print *clip, double speed,
                                     dk_print_candidate **out, size_t *n,
                                     dk_error *err);
/* The item's full print (from its .dkfp). */
DK_API int dk_print_index_load(dk_print_index *index, const char *sha256,
                               dk_media_print *out, dk_error *err);
/* Entries and bytes on disk, for the figures. */
DK_API void dk_print_index_stats(const dk_print_index *index, size_t *items,
                                 uint64_t *entries, uint64_t *bytes);

/* ---- alignment ---- */

typedef enum dk_track {
    DK_TRACK_AUDIO,
    DK_TRACK_PICTURE,
} dk_track;

/* A stretch of the clip that maps, in order and at one speed, onto a
 * stretch of the original. */
typedef struct dk_segment {
    dk_track track;
    double clip_start, clip_end; /* seconds in the clip */
    double orig_start, orig_end; /* seconds in the original */
    double similarity;           /* 0..1: 1 - bit error rate over it */
} dk_segment;

typedef enum dk_finding_kind {
    DK_FINDING_CUT,            /* original material missing inside the span */
    DK_FINDING_INSERTED,       /* clip material that maps to nothing here */
    DK_FINDING_REORDERED,      /* a part in another order than spoken */
    DK_FINDING_AUDIO_REPLACED, /* picture maps here, audio elsewhere/none */
    DK_FINDING_SPEED,          /* a constant time scale other than 1 */
} dk_finding_kind;

typedef struct dk_finding {
    dk_finding_kind kind;
    double clip_start, clip_end; /* where in the clip (a cut: start==end) */
    double orig_start, orig_end; /* where in the original (inserted: -1) */
    double speed;                /* DK_FINDING_SPEED: the factor */
} dk_finding;

typedef enum dk_verdict {
    DK_VERDICT_FAITHFUL, /* every part maps in order; audio and picture agree */
    DK_VERDICT_EDITED,   /* the findings say how */
    DK_VERDICT_UNRELATED, /* too little maps to call it from this original */
} dk_verdict;

typedef struct dk_alignment {
    dk_verdict verdict;
    double confidence; /* 0..1 */
    double speed;      /* the time scale found (1.0 normally) */
    double offset;     /* original time of clip time 0 (first segment) */
    size_t n_segments;
    dk_segment *segments; /* by track, then clip time */
    size_t n_findings;
    dk_finding *findings; /* by clip time */
} dk_alignment;

/* Aligns a clip's prints with one original's. The clip print must have
 * been computed with the same speed the alignment reports (the caller
 * retries at the speed a first pass suggests). */
DK_API int dk_align(const dk_media_print *clip, const dk_media_print *orig,
                    dk_alignment *out, dk_error *err);
DK_API void dk_alignment_clear(dk_alignment *al);

/* ---- locate: a clip against one or more libraries ---- */

/* One original the clip came from (verdict faithful or edited). */
typedef struct dk_locate_match {
    char sha256[65];
    size_t index; /* which of the indexes given holds it */
    double votes; /* the index's evidence, before alignment */
    dk_alignment alignment;
} dk_locate_match;

typedef struct dk_locate_result {
    dk_media_print clip; /* the clip's prints (at speed 1) */
    size_t n_matches;
    dk_locate_match *matches; /* best first; none: not in the archive */
    size_t n_warnings;
    char **warnings; /* one line each: "no audio: located by picture only" */
    double seconds_print, seconds_lookup, seconds_align;
} dk_locate_result;

/* Prints the clip, asks every index for candidates (trying other speeds
 * when none is convincing at 1.0), aligns the best few with their
 * originals (re-printing the clip at the speed an alignment reports) and
 * keeps the ones that are not unrelated, best first, at most max_matches.
 * Errors are the clip's (unreadable, too short) or an index's. */
DK_API int dk_locate(const char *clip_path, dk_print_index *const *indexes,
                     size_t n_indexes, size_t max_matches,
                     dk_locate_result *out, dk_error *err);
DK_API void dk_locate_result_clear(dk_locate_result *result);

/* As people read them ("re-ordered", "audio replaced"). */
DK_API const char *dk_finding_kind_name(dk_finding_kind kind);
/* As --json carries them ("reordered", "audio_replaced"). */
DK_API const char *dk_finding_kind_key(dk_finding_kind kind);
DK_API const char *dk_verdict_name(dk_verdict verdict);

#ifdef __cplusplus
}
#endif
#endif
