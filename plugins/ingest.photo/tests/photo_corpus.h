/* The ingest.photo test corpus, generated at test time: good photos whose
 * facts exiftool confirms, odd but valid ones (CMYK, grey, progressive,
 * restart markers, hostile EXIF), and broken ones with the error ingest
 * must give. Shared by the probe unit test and the CLI integration test. */
#ifndef PHOTO_CORPUS_H
#define PHOTO_CORPUS_H

#include <glib.h>
#include <stdbool.h>

typedef struct photo_case {
    const char *file; /* name inside the corpus folder */
    /* writes the file; base is the folder's plain JPEG (no metadata) */
    void (*make)(const char *dir, const char *path);
    int code;            /* 0: must be accepted; else the DK_ERR_* code */
    const char *message; /* broken: text the one-line error must contain */
    /* accepted photos */
    const char *source; /* expected capture.source */
    bool exif_warning;  /* exif.warning must be set */
    bool exif_trusted;  /* EXIF facts must agree with exiftool's */
    /* a warning on the item must contain this text (NULL: no warning) */
    const char *warning;
} photo_case;

extern const photo_case photo_cases[];
extern const size_t photo_case_count;

/* The modification time every corpus file gets, so a file-time capture
 * time is known: 2023-05-06 07:08:09 UTC. */
#define PHOTO_CORPUS_MTIME 1683356889

/* DateTimeOriginal of the EXIF blocks the corpus writes byte by byte (no
 * offset tag: it is read in the event's zone). */
#define PHOTO_CORPUS_EXIF_TIME "2024-09-02T14:11:22"

/* Writes every case into dir (a fresh folder). */
void photo_corpus_build(const char *dir);

/* A fresh folder under root for one test. Check runs each test in a
 * forked child, whose dk_test_tmpdir() list the parent never sees; folders
 * under a root the parent made are removed with it. g_free() the path. */
char *photo_corpus_scratch(const char *root, const char *tag);

#endif
