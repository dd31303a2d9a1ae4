/* dokpim forensics — what the print_*.c files share: the tuned numbers the
 * alignment and index code must agree with, the audio printer that turns
 * 8 kHz mono samples into sub-fingerprints, and the picture hasher that
 * turns a small grey image into a dk_picture_frame. */
#ifndef PRINT_PRIVATE_H
#define PRINT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/forensics.h>

/* Audio: mono at 8 kHz (speech needs nothing above 4 kHz, and fewer
 * samples make hashing cheap); one sub-fingerprint every 16 ms of the
 * original; frames of 128 ms (Hann window) split into 33 bands spaced
 * logarithmically over 250-3500 Hz, the band where speech carries its
 * formants and where low-bit-rate codecs keep most of the signal. */
#define PRINT_AUDIO_RATE    8000
#define PRINT_AUDIO_HOP     128  /* samples, 16 ms */
#define PRINT_AUDIO_FRAME   1024 /* samples, 128 ms */
#define PRINT_AUDIO_BANDS   33   /* 32 bits from 33 bands */
#define PRINT_AUDIO_LOW_HZ  250.0
#define PRINT_AUDIO_HIGH_HZ 3500.0
/* A frame is quiet this far below the file's speech level (the 90th
 * percentile of frame energies), or below an absolute floor. */
#define PRINT_AUDIO_QUIET_DB 30.0
#define PRINT_AUDIO_FLOOR_DB 70.0

/* Picture: frames are scaled to a PRINT_GRID x PRINT_GRID grey image
 * (whatever their shape: the display aspect travels beside it), borders
 * are found on that grid, and the content area is resampled to
 * PRINT_HASH_SIZE square for the DCT. */
#define PRINT_GRID      128
#define PRINT_HASH_SIZE 32

/* ---- audio (print_audio.c) ---- */

typedef struct print_audio print_audio;

/* A printer for a clip playing `speed` times faster than the original:
 * its frames and hop are 1/speed as long. NULL when out of memory. */
print_audio *print_audio_new(double speed);
/* Appends n samples (8 kHz mono, full scale +-1) and prints every frame
 * that is now complete. DK_ERR_NOMEM when the buffer cannot grow. */
int print_audio_feed(print_audio *audio, const float *samples, size_t n,
                     dk_error *err);
/* Moves the sub-fingerprints into out (start = file time of the first
 * sample fed) and sets the quiet flags from the whole file's level. */
int print_audio_finish(print_audio *audio, double start, dk_audio_print *out,
                       dk_error *err);
/* Seconds of samples fed so far. */
double print_audio_seconds(const print_audio *audio);
void print_audio_free(print_audio *audio);

/* ---- picture (print_border.c, print_picture.c) ---- */

/* A rectangle of the grid. */
typedef struct print_area {
    int x, y, width, height;
} print_area;

/* The content area of a grid image: black or flat rows and columns at the
 * edges are border, even when a thin logo or ticker sits in them. */
void print_border_find(const uint8_t *grey, int stride, print_area *area);

/* Hashes a PRINT_GRID square grey image of a frame whose display aspect
 * (width / height as shown) is display_aspect; fills everything but
 * frame->time. Without centre, frame->centre is the whole hash. */
void print_picture_hash(const uint8_t *grey, int stride, double display_aspect,
                        bool centre, dk_picture_frame *frame);

#endif
