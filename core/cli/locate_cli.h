/* dokpim locate: what its pieces share (cmd_locate.c runs the search,
 * locate_report.c prints it, locate_plot.c draws it, locate_extract.c
 * copies the faithful segment out of the original). */
#ifndef DK_LOCATE_CLI_H
#define DK_LOCATE_CLI_H

#include <dokpim/forensics.h>

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

/* What the library's item manifest says of a matched original. */
typedef struct locate_origin {
    const char *library; /* the library folder (not owned) */
    char *original;      /* absolute path of the original, or NULL */
    char *name;          /* the file name the crew gave it, or NULL */
    char *event;         /* the event's title, or NULL */
    char *date;          /* the event's date, or NULL */
} locate_origin;

/* One clip's answer. */
typedef struct locate_answer {
    const char *clip;
    dk_locate_result result;
    locate_origin *origins; /* one per match */
    char *error;            /* the clip could not be located: why */
    char *plot;             /* the PNG written, or NULL */
    char **extracts;        /* files --extract wrote, NULL-terminated */
} locate_answer;

/* Exit statuses, worst wins in this order (see locate_rank). */
enum {
    LOCATE_FAITHFUL = 0,
    LOCATE_UNREADABLE = 1, /* the clip could not be printed */
    LOCATE_EDITED = 3,
    LOCATE_NOT_FOUND = 4, /* not in the archive */
};

int locate_status(const locate_answer *answer);
int locate_rank(int status);

void locate_origin_load(const char *library, const char *sha256,
                        locate_origin *out);
void locate_origin_clear(locate_origin *origin);

void locate_print_text(const locate_answer *answer);
/* Adds the answer as one element of the open "clips" array. */
void locate_add_json(JsonBuilder *builder, const locate_answer *answer);

/* Draws clip time against original time for the best match (audio and
 * picture segments, findings marked) into a PNG through dk_atomic_*. */
int locate_plot(const char *png, const locate_answer *answer, dk_error *err);

/* Copies the original's stretch the clip maps to (from the key frame at
 * or before it, packets unchanged) into DIR, and returns its path. With a
 * signer, the copy carries Content Credentials naming the original (by
 * sha256) as its parent and the stretch it was cut from. */
struct dk_c2pa_signer;
int locate_extract(const char *dir, const locate_answer *answer,
                   const struct dk_c2pa_signer *signer, char **written,
                   dk_error *err);

#endif
