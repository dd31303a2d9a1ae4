/* The video test corpus, generated at test time with ffmpeg and
 * mp4_damage.py: odd but valid clips (portrait phone clip, VFR, no audio,
 * 1081 px tall, HEVC .mov, MTS, WebM, AVI, an interrupted recording) and
 * broken ones with the one-line error ingest.video must give. Shared by
 * the ingest.video and stamp.video suites. */
#ifndef VIDEO_CORPUS_H
#define VIDEO_CORPUS_H

#include <glib.h>
#include <stdbool.h>

typedef struct video_case {
    const char *file;   /* name inside the corpus folder */
    const char *recipe; /* sh command run in the folder ($FF is ffmpeg) */
    const char *error;  /* broken: text the error must contain; else NULL */
    /* accepted clips */
    const char *capture_source; /* expected capture.source */
    const char *capture_time;   /* expected capture.time, in the event zone */
    bool vfr;                   /* expected video.vfr */
    bool truncated;             /* an interrupted recording */
    bool tags_cut;              /* only the end of its moov (the tags) is
                                   cut: every sample is in the file */
    bool rotated;               /* has a display matrix turning it */
    bool has_gps;               /* carries an ISO 6709 location tag */
} video_case;

extern const video_case video_cases[];
extern const size_t video_case_count;

/* Every corpus file's modification time, so a file-time capture time is
 * known: 2023-05-06 07:08:09 UTC, 15:08:09 in the event's zone. */
#define VIDEO_CORPUS_MTIME 1683356889

/* The event's zone (Asia/Makassar, +08:00) and its date. */
#define VIDEO_CORPUS_TIMEZONE "Asia/Makassar"
#define VIDEO_CORPUS_DATE     "2024-09-02"

/* Writes every case into dir (a fresh folder) plus event.ini. */
void video_corpus_build(const char *dir);
/* Hostile variants of a good clip: VIDEO_CORPUS_FLIPS copies whose index
 * (moov) has a few random bytes changed, flipped-00.mp4 ... Nothing is
 * promised about them except that no stage crashes or hangs. */
#define VIDEO_CORPUS_FLIPS 24
char *video_corpus_flip_path(const char *dir, int index); /* g_free() */

/* Path of a case's file in dir; g_free(). */
char *video_corpus_path(const char *dir, const video_case *c);
const video_case *video_corpus_find(const char *file);

#endif
