/* dokpim doctor: the checks of a machine, one file per topic, and the one
 * list of findings they all add to. Each finding is one line a crew member
 * can act on: what was found and what to do about it. */
#ifndef DK_CLI_DOCTOR_H
#define DK_CLI_DOCTOR_H

#include "cli.h"

typedef enum {
    DOCTOR_OK,
    DOCTOR_WARN, /* worth a look; the exit status stays 0 */
    DOCTOR_FAIL, /* the machine cannot do part of its job: exit 1 */
} doctor_status;

/* What the command was asked to look at, and what it found. */
typedef struct doctor {
    char **libraries;      /* -o LIBRARY..., absolute */
    const char *queue_url; /* --queue URL, or NULL */
    char **pipelines;      /* --pipeline P... */
    dk_registry *registry; /* the plugins, loaded once */
    /* secret files the pipelines name: absolute path -> who names it */
    GHashTable *secrets;
    GPtrArray *findings; /* doctor_finding */
} doctor;

typedef struct doctor_finding {
    char *check; /* topic: "plugins", "space", ... */
    doctor_status status;
    char *message;
    char *advice; /* what to do; "" when nothing */
} doctor_finding;

/* Adds a finding; advice may be NULL (nothing to do). */
void doctor_add(doctor *d, doctor_status status, const char *check,
                const char *advice, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The worst status found so far. */
doctor_status doctor_worst(const doctor *d);
/* "ok    plugins: ... — ..." lines on stdout, or the --json array. */
void doctor_print_text(const doctor *d);
void doctor_print_json(const doctor *d);

/* The topics, in the order they are printed. */
void doctor_check_plugins(doctor *d);
void doctor_check_pipelines(doctor *d);
void doctor_check_media(doctor *d);
void doctor_check_fonts(doctor *d);
void doctor_check_secrets(doctor *d);
void doctor_check_space(doctor *d);
void doctor_check_queue(doctor *d);
void doctor_check_clock(doctor *d);

/* The shipped pipelines (*.conf of the folder dokpim ships them in: the
 * source tree for a build-tree binary, PREFIX/share/dokpim/pipelines for
 * an installed one), sorted; empty when none is found. g_ptr_array_unref. */
GPtrArray *doctor_shipped_pipelines(void);

/* The stages of a pipeline file and the plugins they name, in pairs:
 * {stage, plugin, stage, plugin, ..., NULL}; NULL when the file is not a
 * key file (the loader says why). g_strfreev(). */
GStrv doctor_pipeline_stages(const char *path);

/* "STAGE.OPTION=PATH" for the secrets a pipeline leaves to the machine
 * (an OAuth credentials file, a stream key, a signing identity) when they
 * are at the default places under ~/.config/dokpim, so that the shipped
 * pipelines are checked the way this machine would run them. */
GStrv doctor_default_overrides(const char *pipeline_path);
/* Records the secret files a loaded pipeline's stages name (the options
 * flagged DK_OPTION_PRIVATE_FILE, a stream key, the keys of a signing
 * identity folder) in d->secrets, for doctor_check_secrets(). */
void doctor_note_secrets(doctor *d, const dk_pipeline *pipeline);

#endif
