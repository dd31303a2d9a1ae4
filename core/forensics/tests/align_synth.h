/* Synthetic prints for the alignment tests: an "original" of random
 * sub-fingerprints with regular pauses and a slowly changing picture, and
 * clips sliced from it (and from others) the way edits slice speech. */
#ifndef ALIGN_SYNTH_H
#define ALIGN_SYNTH_H

#include <dokpim/forensics.h>

#define SYNTH_HOP 0.016
/* Every 2.5 s of an original: 2.1 s of sound, then a 0.4 s pause. */
#define SYNTH_PHRASE 2.5
#define SYNTH_PAUSE  0.4

/* An original of `seconds`, its picture every `picture_step` seconds (0.04:
 * every frame; 2.0: key frames). Different seeds, unrelated originals. */
void synth_original(dk_media_print *out, double seconds, unsigned seed,
                    double picture_step);

/* One piece of a clip: `seconds` of source from time `from`. A NULL
 * source is fresh random sound (no picture). */
typedef struct synth_piece {
    const dk_media_print *source;
    double from, seconds;
} synth_piece;

/* What the clip carries of each piece: its audio, its picture, or both. */
enum { SYNTH_BOTH, SYNTH_AUDIO_ONLY, SYNTH_PICTURE_ONLY };

/* A clip of the pieces end to end: audio bits flipped with probability
 * flip, picture sampled every 0.1 s. picture_from, when non-NULL, gives
 * the picture from that print at from + clip time (audio replaced under
 * an unchanged picture). speed: the source plays that much faster (clip
 * frame k shows source frame round(speed * k)). */
typedef struct synth_clip {
    const synth_piece *pieces;
    int n_pieces;
    double flip;
    double speed;
    int tracks;
    const dk_media_print *picture_from;
    double picture_at;
    unsigned seed;
} synth_clip;

void synth_make_clip(const synth_clip *spec, dk_media_print *out);

#endif
