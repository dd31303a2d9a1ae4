/* dokpim — the plugin ABI.
 *
 * A plugin is a shared module that exports one function, dk_plugin_entry(),
 * returning a pointer to a const dk_plugin descriptor. Declare it with
 * DK_PLUGIN_DEFINE, which also fills in the ABI version and struct size the
 * loader checks. See plugins/example.upper for a complete, commented one. */
#ifndef DOKPIM_PLUGIN_H
#define DOKPIM_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "error.h"
#include "item.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever dk_plugin or a function a plugin calls changes
 * incompatibly; the loader refuses modules built against another value. */
#define DK_ABI_VERSION 2 /* 2: finish() */

/* What a stage does; ingest stages come first in a pipeline and claim the
 * input files, the rest transform the item a claiming stage produced. */
typedef enum dk_stage_kind {
    DK_STAGE_INGEST = 1,
    DK_STAGE_STAMP,
    DK_STAGE_WATERMARK,
    DK_STAGE_TRANSCODE,
    DK_STAGE_EXPORT,
    DK_STAGE_UPLOAD, /* enqueues in process(); uploads in perform() */
    DK_STAGE_LIVE,   /* runs a live session in live(); no items */
} dk_stage_kind;

DK_API const char *dk_stage_kind_name(dk_stage_kind kind);

typedef enum dk_option_type {
    DK_OPT_STRING = 1,    /* free text */
    DK_OPT_TEMPLATE,      /* text with {variables}, checked at config time */
    DK_OPT_PATH_TEMPLATE, /* relative output path template, sanitised */
    DK_OPT_PATH,          /* an existing input file; relative to the config */
    DK_OPT_BOOL,          /* true/false */
    DK_OPT_INT,           /* integer within [min, max] */
    DK_OPT_DOUBLE,        /* number within [min, max] */
    DK_OPT_ENUM,          /* one of `choices`, separated by '|' */
    DK_OPT_LIST,          /* ';'-separated strings */
} dk_option_type;

enum {
    DK_OPTION_REQUIRED = 1 << 0, /* no default: the config must set it */
    DK_OPTION_SECRET = 1 << 1,   /* value is never printed */
    /* DK_OPT_PATH to a file holding secrets (credentials, a key): refused
     * by check and run when others may read it (dk_check_private_file) */
    DK_OPTION_PRIVATE_FILE = 1 << 2,
};

/* One row of a plugin's option table; the table ends with a row whose name
 * is NULL. The core validates every value against its row before any file
 * is touched, so a plugin never parses its own configuration. */
typedef struct dk_option {
    const char *name;
    dk_option_type type;
    const char *default_value; /* NULL: no default (see DK_OPTION_REQUIRED) */
    const char *help;
    double min, max;     /* DK_OPT_INT / DK_OPT_DOUBLE; min == max: no range */
    const char *choices; /* DK_OPT_ENUM: "a|b|c" */
    unsigned flags;
} dk_option;

typedef struct dk_stage dk_stage; /* one configured use of a plugin */
struct dk_job;                    /* dokpim/queue.h */
struct dk_live;                   /* dokpim/live.h */

typedef struct dk_plugin {
    const char *name;    /* "stamp.exif": family.job, unique */
    const char *summary; /* one line for `dokpim plugins` */
    dk_stage_kind stage;
    unsigned kinds; /* DK_KIND_* bits of the items it handles */
    const dk_option *options;

    /* Ingest stages only: a cheap test (usually the extension) whether this
     * plugin claims the file. Content is validated later, in process(). */
    bool (*accepts)(const char *path);
    /* Ingest stages only, optional: read what can be learned of a file into
     * meta, without importing it. `dokpim probe` calls it with a stage that
     * holds the plugin's default options and the event (if one was given),
     * so dk_stage_timezone() and options work as in a run; process() may
     * call it too. */
    int (*probe)(const dk_stage *stage, const char *path, dk_meta *meta,
                 dk_error *err);

    /* Called once per run after validation; *state is passed back to
     * process(), finish() and close(). Optional. */
    int (*open)(const dk_stage *stage, void **state, dk_error *err);
    /* Called for every item, from several worker threads at once. */
    int (*process)(const dk_stage *stage, void *state, dk_item *item,
                   dk_error *err);
    /* Frees the state; cannot fail, so work whose failure matters belongs
     * in finish(). Optional. */
    void (*close)(void *state);

    /* Upload stages only: carries out one queued job; called by
     * `dokpim queue work`, with a stage rebuilt from the options saved in
     * the job. See dokpim/queue.h. */
    int (*perform)(const dk_stage *stage, void *state, struct dk_job *job,
                   dk_error *err);
    /* Live stages only: runs the session until it ends (duration, Ctrl-C,
     * fatal error). See dokpim/live.h. */
    int (*live)(const dk_stage *stage, void *state, struct dk_live *session,
                dk_error *err);
    /* Optional: checks that go beyond one option's row (options that must
     * agree, limits of a remote service), run by `dokpim check`, run and
     * live before any file is touched. Templates may be expanded with a
     * NULL item; a template that needs a file then fails with
     * DK_ERR_CONFIG and can only be checked per item. */
    int (*check)(const dk_stage *stage, dk_error *err);
    /* Optional, not for live stages: called once after every item of a
     * `dokpim run` has been through the pipeline, before close(), for work
     * over the whole batch (a contact sheet, an index). Not called when the
     * run was stopped (dk_cancelled()). A negative return is reported as
     * the stage's failure and makes the run exit 1. */
    int (*finish)(const dk_stage *stage, void *state, dk_error *err);
} dk_plugin;

/* The envelope the entry point returns. Its layout never changes, so the
 * loader can always read the version before it trusts the descriptor. */
typedef struct dk_plugin_module {
    uint32_t abi_version; /* DK_ABI_VERSION the module was built against */
    uint32_t struct_size; /* sizeof(dk_plugin) it was built with */
    const dk_plugin *plugin;
} dk_plugin_module;

/* The one symbol a plugin module exports. */
#define DK_PLUGIN_ENTRY_SYMBOL "dk_plugin_entry"
typedef const dk_plugin_module *(*dk_plugin_entry_fn)(void);

/* DK_PLUGIN_DEFINE(stamp_exif) = { .name = "stamp.exif", ... };
 * defines the descriptor and the exported entry point around it. */
#define DK_PLUGIN_DEFINE(id)                                                   \
    static const dk_plugin id##_descriptor;                                    \
    static const dk_plugin_module id##_module = {                              \
        DK_ABI_VERSION, (uint32_t)sizeof(dk_plugin), &id##_descriptor};        \
    __attribute__((visibility("default"))) const dk_plugin_module *            \
    dk_plugin_entry(void);                                                     \
    const dk_plugin_module *dk_plugin_entry(void)                              \
    {                                                                          \
        return &id##_module;                                                   \
    }                                                                          \
    static const dk_plugin id##_descriptor

/* Option values, already validated. Asking for an option the plugin did not
 * declare returns the zero value: that is a bug in the plugin. The returned
 * strings are owned by the stage and live until the run ends. */
DK_API const char *dk_stage_name(const dk_stage *stage);
DK_API const char *dk_stage_string(const dk_stage *stage, const char *option);
DK_API bool dk_stage_bool(const dk_stage *stage, const char *option);
DK_API int64_t dk_stage_int(const dk_stage *stage, const char *option);
DK_API double dk_stage_double(const dk_stage *stage, const char *option);
/* NULL-terminated; owned by the stage. */
DK_API const char *const *dk_stage_list(const dk_stage *stage,
                                        const char *option);
/* true when the config (or --set) gave a value rather than the default. */
DK_API bool dk_stage_is_set(const dk_stage *stage, const char *option);

/* Expands a DK_OPT_TEMPLATE option for one item. *out is the caller's to
 * g_free(). */
DK_API int dk_stage_expand(const dk_stage *stage, const char *option,
                           const dk_item *item, char **out, dk_error *err);

/* Expands a DK_OPT_PATH_TEMPLATE option for one item into a free, sanitised
 * path under the library's derived/<stage>/ folder, reserved for this item
 * so that parallel workers never pick the same name. *out is the caller's
 * to g_free(); write to it through dk_atomic_* only. */
DK_API int dk_stage_output_path(const dk_stage *stage, const char *option,
                                const dk_item *item, char **out, dk_error *err);
/* dk_stage_output_path with the file name's extension replaced by
 * extension ("mov", no dot; NULL keeps the template's): for an output
 * whose format follows the content, such as a stamped clip whose sound
 * only QuickTime can carry. */
DK_API int dk_stage_output_path_ext(const dk_stage *stage, const char *option,
                                    const dk_item *item, const char *extension,
                                    char **out, dk_error *err);

/* Value of an event field ("title", "city", ...), or NULL. */
DK_API const char *dk_stage_event(const dk_stage *stage, const char *field);

/* The event's time zone (event.timezone, else the machine's); owned by the
 * stage. Capture times without an offset are read in it. */
DK_API GTimeZone *dk_stage_timezone(const dk_stage *stage);

/* The library folder of this run (absolute). */
DK_API const char *dk_stage_library(const dk_stage *stage);

/* True once the user asked to stop (Ctrl-C): long operations should check
 * it and return DK_ERR_CANCELLED. */
DK_API bool dk_cancelled(void);

#ifdef __cplusplus
}
#endif
#endif
