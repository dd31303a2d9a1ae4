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

/* The plugin ABI is MAJOR.MINOR. A plugin built for the same major and an
 * equal or older minor loads: minors only append optional fields to
 * dk_plugin and dk_option (a zero value keeps the old behaviour) and add
 * functions. Anything else is a new major, and older plugins are refused
 * with a message naming both versions.
 *   3.0: options bound to config fields, roles, item_kinds, open(config)
 *   3.1: dk_plugin.extensions, dk_option set fields (DK_SET_FIELD)
 *   3.2: dk_plugin.finishes
 *   3.3: live figures in dk_live_status and dk_live_output_status,
 *        dk_live_preview */
#define DK_ABI_MAJOR   3
#define DK_ABI_MINOR   3
#define DK_ABI_VERSION ((uint32_t)(DK_ABI_MAJOR << 16 | DK_ABI_MINOR))

/* What a plugin does in a pipeline (its role). Ingest plugins come first
 * and claim the input files; the others transform the item an ingest
 * plugin produced; a live plugin runs a session and sees no items. */
typedef enum dk_plugin_role {
    DK_ROLE_INGEST = 1,
    DK_ROLE_STAMP,
    DK_ROLE_WATERMARK,
    DK_ROLE_TRANSCODE,
    DK_ROLE_EXPORT,
    DK_ROLE_UPLOAD, /* enqueues in process(); uploads in perform() */
    DK_ROLE_LIVE,   /* runs a live session in live(); no items */
} dk_plugin_role;

/* "ingest", "stamp", ... as `dokpim plugins` prints it; NULL if unknown. */
DK_API const char *dk_plugin_role_name(dk_plugin_role role);

/* What the core stores in a bound config field, per option type:
 *   STRING, PATH, DIR    const char *         (PATH, DIR: absolute, "" = unset)
 *   TEMPLATE,
 *   PATH_TEMPLATE        const dk_template *  (see dk_stage_expand)
 *   BOOL                 bool
 *   INT                  int or int64_t       (int: the range must fit)
 *   DOUBLE               double
 *   ENUM                 int: index in choices, 0 for the first
 *   LIST                 const char *const *  (NULL-terminated)
 * The loader refuses a row whose field has the wrong size. */
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
    /* 3.1 addition, last so earlier values keep their numbers */
    DK_OPT_DIR, /* an existing input folder; relative to the config */
} dk_option_type;

enum {
    DK_OPTION_REQUIRED = 1 << 0, /* no default: the config must set it */
    DK_OPTION_SECRET = 1 << 1,   /* value is never printed */
    /* DK_OPT_PATH to a file holding secrets (credentials, a key): refused
     * by check and run when others may read it (dk_check_private_file) */
    DK_OPTION_PRIVATE_FILE = 1 << 2,
};

/* A template option's value, checked when the config was loaded. */
typedef struct dk_template dk_template;
/* The template as written ("" when the option is empty). */
DK_API const char *dk_template_text(const dk_template *tmpl);

/* .field in a row: where the core stores the option's value in the
 * plugin's config struct T (see dk_plugin.config_size). */
#define DK_FIELD(T, member)                                                    \
    .offset = offsetof(T, member), .size = sizeof(((T *)0)->member)
/* .set in a row (3.1): a bool member of T that is true when the config
 * gave the option rather than leaving the default. */
#define DK_SET_FIELD(T, member)                                                \
    .set_offset = offsetof(T, member), .set_size = sizeof(((T *)0)->member)

/* One row of a plugin's option table; the table ends with a row whose name
 * is NULL. The core validates every value against its row before any file
 * is touched, stores it in the plugin's config struct, and a plugin never
 * parses its own configuration:
 *   {.name = "quality", .type = DK_OPT_INT, .default_value = "92",
 *    .help = "JPEG quality", .min = 1, .max = 100,
 *    DK_FIELD(my_config, quality)}, */
typedef struct dk_option {
    const char *name;
    dk_option_type type;
    const char *default_value; /* NULL: no default (see DK_OPTION_REQUIRED) */
    const char *help;
    double min, max;     /* DK_OPT_INT / DK_OPT_DOUBLE; min == max: no range */
    const char *choices; /* DK_OPT_ENUM: "a|b|c" */
    unsigned flags;
    /* 3.0: the bound field (DK_FIELD); size 0: not stored, for options the
     * core reads itself (storage targets, see dokpim/storage.h) */
    size_t offset, size;
    /* 3.1: the "was set" field (DK_SET_FIELD); size 0: none */
    size_t set_offset, set_size;
} dk_option;

typedef struct dk_stage dk_stage; /* one configured use of a plugin: a group
                                     of a pipeline config, with its values */
struct dk_job;                    /* dokpim/queue.h */
struct dk_live;                   /* dokpim/live.h */

/* The order of callbacks for a run: check() once (also by `dokpim check`),
 * open() once, process() per item from several threads, finish() once,
 * close() once. For uploads, `dokpim queue work` rebuilds the stage from
 * the options saved with the job and calls check(), open(), perform() per
 * job, close(). */
typedef struct dk_plugin {
    const char *name;    /* "stamp.exif": family.job, unique */
    const char *summary; /* one line for `dokpim plugins` */
    dk_plugin_role role;
    /* DK_KIND_* bits of the items it handles; live plugins leave it 0 */
    unsigned item_kinds;
    const dk_option *options;
    /* sizeof the struct the options are bound into (0: none); the core
     * allocates it zeroed, fills it, and owns every pointer in it. */
    size_t config_size;

    /* Ingest plugins: a cheap test (usually the extension) whether this
     * plugin claims the file; content is validated later, in process().
     * Optional from 3.1 when extensions is set. */
    bool (*accepts)(const char *path);
    /* Ingest plugins only, optional: read what can be learned of a file into
     * meta, without importing it. `dokpim probe` calls it with a stage that
     * holds the plugin's default options and the event (if one was given),
     * so dk_stage_timezone() and dk_stage_config() work as in a run;
     * process() may call it too. */
    int (*probe)(const dk_stage *stage, const char *path, dk_meta *meta,
                 dk_error *err);

    /* Optional: what no single option's row can say (options that must
     * agree, limits of a remote service, a logo that must decode). Runs
     * before any file is touched, and is the only place such rules live:
     * open() may rely on them and must not check them again. May read
     * files the config names; must not write, connect or keep anything.
     * Templates may be expanded with a NULL item; one that needs a file
     * then fails with DK_ERR_CONFIG and can only be checked per item. */
    int (*check)(const dk_stage *stage, const void *config, dk_error *err);
    /* Called once per run after check(); acquires what the run needs
     * (decoded logos, connections, caches). *state is passed back to
     * process(), perform(), live(), finish() and close(). Optional. */
    int (*open)(const dk_stage *stage, const void *config, void **state,
                dk_error *err);
    /* Called for every item, from several worker threads at once. */
    int (*process)(const dk_stage *stage, void *state, dk_item *item,
                   dk_error *err);
    /* Frees the state; cannot fail, so work whose failure matters belongs
     * in finish(). Optional. */
    void (*close)(void *state);

    /* Upload plugins only: carries out one queued job; called by
     * `dokpim queue work`, with a stage rebuilt from the options saved in
     * the job. See dokpim/queue.h. */
    int (*perform)(const dk_stage *stage, void *state, struct dk_job *job,
                   dk_error *err);
    /* Live plugins only: runs the session until it ends (duration, Ctrl-C,
     * fatal error). See dokpim/live.h. */
    int (*live)(const dk_stage *stage, void *state, struct dk_live *session,
                dk_error *err);
    /* Optional, not for live plugins: called once after every item of a
     * `dokpim run` has been through the pipeline, before close(), for work
     * over the whole batch (a contact sheet, an index). Not called when the
     * run was stopped (dk_cancelled()). A negative return is reported as
     * the stage's failure and makes the run exit 1. */
    int (*finish)(const dk_stage *stage, void *state, dk_error *err);

    /* 3.1, ingest plugins: the file name extensions claimed, without dots,
     * separated by '|' ("jpg|jpeg"), compared without regard to case. When
     * set and accepts is NULL, the core decides from them alone. */
    const char *extensions;

    /* 3.2, optional: whether finish() has work to do with this stage's
     * options (a contact sheet only when one was asked for). Workers of a
     * queue give a batch's end-of-run work to one job, which runs
     * process() again on every item of the stages that say yes so that
     * their finish() sees the whole batch; a stage whose finish() would do
     * nothing should say no. NULL: yes whenever finish is set. */
    bool (*finishes)(const dk_stage *stage, const void *config);
} dk_plugin;

/* The envelope the entry point returns. Its first two members never move,
 * so the loader can always read the version before it trusts the rest. */
typedef struct dk_plugin_module {
    uint32_t abi_version; /* DK_ABI_VERSION the module was built against */
    uint32_t struct_size; /* sizeof(dk_plugin) it was built with */
    const dk_plugin *plugin;
    uint32_t option_size; /* sizeof(dk_option) it was built with */
} dk_plugin_module;

/* The one symbol a plugin module exports. */
#define DK_PLUGIN_ENTRY_SYMBOL "dk_plugin_entry"
typedef const dk_plugin_module *(*dk_plugin_entry_fn)(void);

/* DK_PLUGIN_DEFINE(stamp_exif) = { .name = "stamp.exif", ... };
 * defines the descriptor and the exported entry point around it. */
#define DK_PLUGIN_DEFINE(id)                                                   \
    static const dk_plugin id##_descriptor;                                    \
    static const dk_plugin_module id##_module = {                              \
        DK_ABI_VERSION, (uint32_t)sizeof(dk_plugin), &id##_descriptor,         \
        (uint32_t)sizeof(dk_option)};                                          \
    __attribute__((visibility("default"))) const dk_plugin_module *            \
    dk_plugin_entry(void);                                                     \
    const dk_plugin_module *dk_plugin_entry(void)                              \
    {                                                                          \
        return &id##_module;                                                   \
    }                                                                          \
    static const dk_plugin id##_descriptor

/* The plugin's config struct, filled from the validated options (the same
 * pointer open() and check() receive); NULL when config_size is 0. Owned by
 * the stage, read-only, valid until the run ends. */
DK_API const void *dk_stage_config(const dk_stage *stage);

DK_API const char *dk_stage_name(const dk_stage *stage);

/* Option values by name, for the core's own helpers that serve many
 * plugins (storage targets); plugins read their config struct instead.
 * Asking for an option the plugin did not declare is a programming error:
 * it logs a g_critical (fatal in debug builds and in the tests) and
 * returns the zero value. Strings are owned by the stage. */
DK_API const char *dk_stage_string(const dk_stage *stage, const char *option);
DK_API bool dk_stage_bool(const dk_stage *stage, const char *option);
DK_API int64_t dk_stage_int(const dk_stage *stage, const char *option);
DK_API double dk_stage_double(const dk_stage *stage, const char *option);

/* Expands a template option for one item (NULL: for `check`, fails with
 * DK_ERR_CONFIG on variables that need an item). *out is the caller's to
 * g_free(). */
DK_API int dk_stage_expand(const dk_stage *stage, const dk_template *tmpl,
                           const dk_item *item, char **out, dk_error *err);

/* Expands a DK_OPT_PATH_TEMPLATE option for one item into a free, sanitised
 * path under the library's derived/<stage>/ folder, reserved for this item
 * so that parallel workers never pick the same name. *out is the caller's
 * to g_free(); write to it through dk_atomic_* only. */
DK_API int dk_stage_output_path(const dk_stage *stage, const dk_template *tmpl,
                                const dk_item *item, char **out, dk_error *err);
/* dk_stage_output_path with the file name's extension replaced by
 * extension ("mov", no dot; NULL keeps the template's): for an output
 * whose format follows the content, such as a stamped clip whose sound
 * only QuickTime can carry. */
DK_API int dk_stage_output_path_ext(const dk_stage *stage,
                                    const dk_template *tmpl,
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
