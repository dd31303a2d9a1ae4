/* The kill trials' driver: seeded kill moments, a child killed with
 * SIGKILL, and the library checks that must hold after any kill (inputs
 * and originals untouched, no partial file under a final name) and after
 * the re-run (the same outputs as an uninterrupted run). Used by
 * tests/crash/test_crash.c, which CTest runs with a few trials and
 * bench/crash/run.sh with many. */
#ifndef CRASH_TRIALS_H
#define CRASH_TRIALS_H

#include <glib.h>
#include <stdbool.h>

/* What a series of trials did; printed as one line for bench/crash. */
typedef struct crash_tally {
    int trials;    /* kills attempted */
    int mid_write; /* kills that left a write unfinished (temp/part file) */
    int missed;    /* the child had finished before its kill moment */
    int failures;  /* checks that did not hold */
} crash_tally;

/* Prints "crash NAME: trials T, mid-write M, missed X, failures F". */
void crash_tally_print(const char *name, const crash_tally *tally);

/* The environment's integer `name` (DK_CRASH_TRIALS...) or fallback. */
int crash_param(const char *name, int fallback);
/* DK_CRASH_SEED, or a fresh one; printed either way so that a failure can
 * be replayed. g_rand_free() the generator. */
GRand *crash_rand(const char *name);

/* Starts argv (NULL-terminated; stdout and stderr to dev/null) and kills
 * it with SIGKILL delay_us later. Returns false when it had exited by
 * then (*status gets its exit status), true when the kill landed. */
bool crash_kill_after(const char *const *argv, gint64 delay_us, int *status);

/* Runs argv to the end (at most timeout_s); the wall time in seconds, or
 * a negative number when it did not exit with status 0. */
double crash_run_timed(const char *const *argv, int timeout_s);

/* One check of a trial that failed: printed with the trial's replay
 * facts and counted. */
void crash_fail(crash_tally *tally, const char *trial, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* sha256 of every regular file under dir, by path relative to it
 * (g_hash_table_unref). */
GHashTable *crash_hash_tree(const char *dir);

/* After a kill: every original under LIBRARY/originals that is not a temp
 * file holds the content its name says, is read-only and is the
 * reference's; every file
 * under LIBRARY/derived that is not a temp file equals the reference's
 * file of that name (crash_same_output); every manifest parses. Returns
 * the number of temp files found (the kill landed mid-write). */
int crash_check_after_kill(const char *library, const char *reference,
                           crash_tally *tally, const char *trial);
/* After the last re-run: no temp file, and originals/ and derived/ hold
 * exactly the reference's files. */
void crash_check_finished(const char *library, const char *reference,
                          crash_tally *tally, const char *trial);

/* Whether two outputs are the same: byte for byte, except in an MP4 or
 * QuickTime file two things GStreamer's mp4mux (transcode.video) makes
 * differ from run to run: the creation and modification times of mvhd,
 * tkhd and mdhd (the wall clock), and the order of the lines of the XMP
 * packet (its uuid box): the muxer merges the audio and the video
 * branch's tag events in the order they arrive. The XMP packet must hold
 * the same lines; everything else, JPEGs whole, must be equal. */
bool crash_same_output(const char *a, const char *b);

#endif
