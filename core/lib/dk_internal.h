/* Private to libdokpim and the dokpim command: the structures behind the
 * opaque public types. Plugins never see this file. Only the functions the
 * dokpim command, the other core libraries, tests or fuzzers call carry
 * DK_PRIVATE_API (exported); the rest stay inside libdokpim. */
#ifndef DK_INTERNAL_H
#define DK_INTERNAL_H

#include <glib.h>
#include <sys/stat.h>

#include <dokpim/dokpim.h>

#include "dk_private_api.h"

/* ---- error helpers ---- */
/* dk_error_set with strerror(errno) appended. */
DK_PRIVATE_API int dk_error_errno(dk_error *err, int code, const char *what,
                                  const char *path);

/* ---- metadata ---- */
typedef enum {
    DK_META_STRING,
    DK_META_INT,
    DK_META_DOUBLE,
    DK_META_BOOL
} dk_meta_type;

typedef struct dk_meta_value {
    dk_meta_type type;
    char *text; /* always set: the value as text */
    int64_t i;
    double d;
    bool b;
} dk_meta_value;

struct dk_meta {
    GHashTable *values; /* key -> dk_meta_value */
};

/* Sorted keys (g_list_free, not the strings). */
DK_PRIVATE_API GList *dk_meta_sorted_keys(const dk_meta *meta);
DK_PRIVATE_API const dk_meta_value *dk_meta_lookup(const dk_meta *meta,
                                                   const char *key);
dk_meta *dk_meta_copy(const dk_meta *meta);
/* "s:text", "i:12", "d:1.5", "b:true" <-> values, for manifests. */
DK_PRIVATE_API char *dk_meta_value_encode(const dk_meta_value *value);
DK_PRIVATE_API void dk_meta_set_encoded(dk_meta *meta, const char *key,
                                        const char *encoded);

/* ---- names ----
 * The longest file or folder name a path template may produce, in bytes:
 * NAME_MAX (255) less what dokpim adds to a stored name: the atomic
 * writer's temporary name (".NAME.dk-tmp-XXXXXX": 15 bytes), a collision
 * number ("_9999") and a sibling file's suffix (".json", 8 bytes kept). */
#define DK_NAME_BYTES (255 - 15 - 5 - 8)

/* ---- key files ----
 * GKeyFile parses; this only remembers on which line each group and key
 * stands, so messages can say "event.ini:7". */
typedef struct dk_keyfile_lines dk_keyfile_lines;
dk_keyfile_lines *dk_keyfile_lines_scan(const char *text);
/* 0 when unknown; key NULL asks for the group header. */
int dk_keyfile_line(const dk_keyfile_lines *lines, const char *group,
                    const char *key);
void dk_keyfile_lines_free(dk_keyfile_lines *lines);
/* Loads path into keyfile and lines; err says file and GLib's reason. */
int dk_keyfile_load(const char *path, GKeyFile **keyfile,
                    dk_keyfile_lines **lines, dk_error *err);
/* "file:line: " or "file: " */
char *dk_keyfile_where(const char *path, const dk_keyfile_lines *lines,
                       const char *group, const char *key);

/* ---- event ---- */
typedef struct dk_event {
    char *path;         /* NULL for the empty event of `check` without one */
    GHashTable *fields; /* field -> value, only those the file sets */
    GDateTime *date;    /* event date, 00:00 in tz; NULL if unset */
    GTimeZone *tz;
    char *slug;
    char *fingerprint; /* sha256 over the fields */
} dk_event;

extern const char *const dk_event_fields[];
DK_PRIVATE_API int dk_event_load(const char *path, dk_event **out,
                                 dk_error *err);
DK_PRIVATE_API dk_event *dk_event_new_empty(void);
DK_PRIVATE_API void dk_event_free(dk_event **event);
DK_PRIVATE_API const char *dk_event_get(const dk_event *event,
                                        const char *field);

/* ---- templates ---- */
typedef enum { DK_TEMPLATE_TEXT, DK_TEMPLATE_PATH } dk_template_mode;
/* With an event: also checks that every {event.X} it uses is set. */
DK_PRIVATE_API int dk_template_check_with_event(const char *tmpl,
                                                const dk_event *event,
                                                dk_error *err);
/* For path templates (after the checks above): every name the template
 * makes must surely be non-empty, must not start with '.', and its fixed
 * text must fit DK_NAME_BYTES. Event fields are judged by the event's
 * values when event was loaded from a file. */
int dk_template_check_path(const char *tmpl, const dk_event *event,
                           dk_error *err);
/* What a slug that comes out empty becomes, in paths and text alike. */
#define DK_EMPTY_SLUG "untitled"
/* dk_slugify, but DK_EMPTY_SLUG instead of "". */
char *dk_slugify_or_untitled(const char *text);
DK_PRIVATE_API int dk_template_expand(const char *tmpl, const dk_event *event,
                                      const dk_item *item,
                                      dk_template_mode mode, char **out,
                                      dk_error *err);

/* ---- items ---- */
typedef struct dk_derivative {
    char *stage;
    char *role;
    char *path;   /* absolute */
    char *sha256; /* of the file as registered; NULL from an old manifest */
    char *earlier_sha256; /* before a later stage rewrote it in place */
    int64_t size;         /* bytes as registered; -1 when not recorded */
    char *plugin;         /* the stage's plugin; NULL from an old manifest */
    char *settings; /* its options, secrets left out (dk_stage.settings) */
} dk_derivative;

typedef struct dk_warning {
    char *stage;
    char *message;
} dk_warning;

/* A job an upload stage queued (or found queued) for the item. The key
 * finds the job again (see dk_queue_upload_key); the manifest keeps it so
 * that a re-run can ask the queue whether the job is still there. */
typedef struct dk_queued {
    char *stage;
    char *key;
    bool added; /* a new job to send, not one the queue or ledger had */
} dk_queued;

struct dk_library;

struct dk_item {
    char *source_path;
    char *sha256;
    char *original_path;
    char *current_path;
    unsigned kind;
    int seq;
    dk_meta *meta;
    GPtrArray *derivatives; /* dk_derivative */
    GPtrArray *warnings;    /* dk_warning, in the order they were raised */
    GPtrArray *queued;      /* dk_queued, jobs queued in this run */
    struct dk_library *library;
    const char *running_stage;  /* name of the stage in process() */
    const char *running_plugin; /* and its plugin and settings */
    const char *running_settings;
    GHashTable *previous_outputs; /* paths this item wrote in earlier runs */
    /* The library original holds the bytes of sha256: this run copied
     * them there (its stat then is in original_stat) or checked them. */
    bool original_verified;
    struct stat original_stat;
};

DK_PRIVATE_API dk_item *dk_item_new(const char *source_path, int seq,
                                    struct dk_library *library);
DK_PRIVATE_API void dk_item_free(dk_item **item);
void dk_derivative_free(gpointer derivative);
/* Adds a warning under an explicit stage name (the manifest restores
 * them); the cap of DK_ITEM_WARNINGS_MAX per stage applies. */
void dk_item_add_warning(dk_item *item, const char *stage, const char *message);
/* Records a job the stage queued for the item (dk_queue_enqueue). */
DK_PRIVATE_API void dk_item_add_queued(dk_item *item, const char *stage,
                                       const char *key, bool added);

/* ---- files ---- */
/* mkdir -p */
int dk_mkdirs(const char *path, dk_error *err);
/* Copies src to an atomic dst while hashing it; hex may be NULL. */
int dk_copy_and_hash(const char *src, const char *const *dsts, int ndst,
                     char hex[65], dk_error *err);

/* One read of a file for every digest and copy wanted of it (hash.c):
 * the disk, not the hashing, is what an import or an archive waits for.
 * The digests are OpenSSL's, initialised by the caller and finished by it;
 * each buffer also goes to every output. A failure says "cannot read
 * NAME" or "cannot write NAME" (without the name when it is NULL: the
 * caller adds it). */
struct evp_md_ctx_st; /* OpenSSL's EVP_MD_CTX */
typedef struct dk_read_pass {
    int in;
    const char *in_name;
    struct evp_md_ctx_st *const *sums;
    int n_sums;
    const int *outs;
    const char *const *out_names; /* may be NULL */
    int n_outs;
    /* the outputs are flushed before they are renamed: start the disk on
     * each chunk as it is written */
    bool start_flush;
} dk_read_pass;
/* Reads pass->in to its end; *size (may be NULL) gets the bytes read. */
int dk_read_pass_run(const dk_read_pass *pass, guint64 *size, dk_error *err);

/* 0 when path is a regular file the process may read (*st, which may be
 * NULL, gets its stat); otherwise a negative code and err says what it is
 * instead, without the path: "is a folder", "is a FIFO (named pipe), not a
 * file", "symlink loop (...)", "dangling symlink (...)", "permission
 * denied". Never opens path, so a FIFO or device cannot block. */
DK_PRIVATE_API int dk_input_file_check(const char *path, struct stat *st,
                                       dk_error *err);

/* dk_atomic_commit, but renamed to final_path instead of the path given at
 * open (content-addressed names are known only after hashing). */
int dk_atomic_commit_as(dk_atomic **file, const char *final_path,
                        dk_error *err);

/* ---- text (escape.c) ---- */
/* text made safe for one line on a terminal or in a log, C-style: a
 * backslash doubled, newline, carriage return and tab as \n \r \t, every
 * other byte of a control character (C0, DEL, C1) and every byte that is
 * not valid UTF-8 as \xNN; the rest (valid UTF-8) as is. The result is
 * valid UTF-8, and unescaping it gives back the exact bytes. NULL for
 * NULL; g_free(). */
DK_PRIVATE_API char *dk_escape_text(const char *text);

/* ---- source cache (source_cache.c) ---- */
/* The file as a stat tells it apart: device, inode, size, mtime and ctime
 * (to the nanosecond). Equal strings: the same, unchanged file. g_free(). */
char *dk_stat_identity(const struct stat *st);
/* The sha256 a source had when it was last imported into root, if its
 * stat (device, inode, size, mtime, ctime) still matches. */
DK_PRIVATE_API bool dk_source_cache_lookup(const char *root, const char *source,
                                           const struct stat *st, char hex[65]);
/* Records it; skipped for a file changed less than a second ago. */
DK_PRIVATE_API void dk_source_cache_store(const char *root, const char *source,
                                          const struct stat *st,
                                          const char hex[65]);

/* ---- library folder ---- */
typedef struct dk_library {
    char *root;
    int lock_fd;
    GMutex lock;
    GHashTable *claimed;  /* sha256 -> first source path in this run */
    GHashTable *reserved; /* output path -> owning item */
    GHashTable *listed;   /* outputs any manifest names; read when needed */
    bool worker;          /* opened by dk_library_open_worker */
    /* The queue the run's upload jobs go to (`dokpim run --queue URL`);
     * NULL: the library's own rule (see dk_queue_open_url). */
    char *queue_url;
    /* That queue, opened by the first enqueue and kept for the run: a
     * PostgreSQL connection per job would cost a connection, a login and
     * round trips to the server each time. Owned by libdokpim-queue,
     * which sets queue_close; queue_lock serialises the run's threads. */
    void *queue;
    void (*queue_close)(void *queue);
    GMutex queue_lock;
} dk_library;

/* Creates the folder layout, takes the library lock (one dokpim at a time)
 * and sweeps temp files an interrupted run left behind. */
DK_PRIVATE_API int dk_library_open(const char *root, dk_library **out,
                                   dk_error *err);
/* For the workers of a queue (`dokpim work`), each running one item at a
 * time beside others: the layout, the lock taken shared (a `dokpim run`
 * holding it waits for them, and they for it), no sweep of temp files
 * (they may be another worker's live output), and every output name
 * reserved on disk as well (LIBRARY/.names), so that two processes never
 * pick one name. */
DK_PRIVATE_API int dk_library_open_worker(const char *root, dk_library **out,
                                          dk_error *err);
/* For commands that only read a library (audit): takes its lock shared,
 * so no run changes it meanwhile, and creates or sweeps nothing. Refuses
 * a folder without items/ or originals/ (not a library). */
DK_PRIVATE_API int dk_library_open_shared(const char *root, dk_library **out,
                                          dk_error *err);
DK_PRIVATE_API void dk_library_free(dk_library **library);
/* Forgets what the previous run on this open library claimed and reserved
 * (its items are freed: a reused address must not own their names), and
 * what it read of the manifests, which that run has added to. Called by
 * dk_run_pipeline, so one open library can carry many runs (the watcher). */
void dk_library_begin_run(dk_library *library);
/* Claims a hash for this run: NULL when first, else the first source. */
const char *dk_library_claim(dk_library *library, const char *sha256,
                             const char *source);
DK_PRIVATE_API int dk_library_reserve(dk_library *library, const dk_item *item,
                                      const char *candidate, char **chosen,
                                      dk_error *err);
char *dk_library_relative(const dk_library *library, const char *path);
char *dk_library_absolute(const dk_library *library, const char *relative);
char *dk_library_manifest_path(const dk_library *library, const char *sha256);

/* ---- plugin registry ---- */
/* A vetted module. The descriptor and option rows are copies in this
 * core's layout (zero-filled past what an older minor declared), so the
 * rest of the core never looks at the module's own structs. */
typedef struct dk_loaded_plugin {
    const dk_plugin *plugin; /* &descriptor */
    dk_plugin descriptor;
    dk_option *options; /* copies, NULL-name terminated */
    uint32_t abi_version;
    char *path;
} dk_loaded_plugin;

typedef struct dk_registry {
    GPtrArray *plugins;        /* dk_loaded_plugin, in load order */
    GPtrArray *problems;       /* char*: one line per refused module */
    GHashTable *by_name;       /* name -> dk_loaded_plugin */
    GHashTable *refused_names; /* name -> path of a refused duplicate */
} dk_registry;

DK_PRIVATE_API dk_registry *dk_registry_new(void);
DK_PRIVATE_API void dk_registry_free(dk_registry **registry);
/* The folders searched, in order: DOKPIM_PLUGIN_PATH (absolute entries
 * only), the build tree when this binary runs from it, the install
 * prefix. Never the current folder. */
DK_PRIVATE_API GPtrArray *dk_plugin_search_path(void);
/* Loads every *.so in dir (sorted); problems are recorded, not fatal. */
DK_PRIVATE_API void dk_registry_load_dir(dk_registry *registry,
                                         const char *dir);
/* Loads one module; returns the refusal (also recorded) as an error. */
DK_PRIVATE_API int dk_registry_load_file(dk_registry *registry,
                                         const char *path, dk_error *err);
DK_PRIVATE_API dk_registry *dk_registry_load_default(void);
DK_PRIVATE_API const dk_loaded_plugin *
dk_registry_find(const dk_registry *registry, const char *name);

/* Validates one option value against its row; resolved gets the parsed
 * form for PATH (absolute path). Used for defaults, configs and --set. */
DK_PRIVATE_API int dk_option_validate(const dk_option *option,
                                      const char *value, const char *base_dir,
                                      const dk_event *event, char **resolved,
                                      dk_error *err);

/* ---- pipelines and stages ---- */
struct dk_template {
    const char *text;   /* the option value's text */
    const char *option; /* its option's name, for messages */
};

typedef struct dk_option_value {
    const dk_option *option;
    char *text;     /* as written (or the default) */
    char *resolved; /* PATH: absolute path; others: NULL */
    bool is_set;
    bool b;
    int64_t i;
    double d;
    int choice; /* ENUM: index in choices */
    char **list;
    dk_template tmpl; /* TEMPLATE, PATH_TEMPLATE */
} dk_option_value;

typedef struct dk_pipeline dk_pipeline;

/* A stage's items= key: which items it runs on, by their choice. */
typedef enum dk_items_filter {
    DK_ITEMS_ALL = 0,
    DK_ITEMS_PICKED,
    DK_ITEMS_NOT_REJECTED,
} dk_items_filter;

struct dk_stage {
    char *name;
    const dk_plugin *plugin;
    const char *module_path;
    GHashTable *values;    /* option name -> dk_option_value */
    dk_pipeline *pipeline; /* NULL for a probe stage */
    const dk_event *event; /* borrowed; may be NULL */
    void *config;          /* plugin->config_size bytes, see dk_stage_bind */
    void *state;
    bool opened;
    char *fingerprint; /* plugin + options, not chained */
    /* "name=value; ..." of its options for provenance records: never a
     * DK_OPTION_SECRET or PRIVATE_FILE value, files by their name only */
    char *settings;
    dk_items_filter items; /* items= (core key beside plugin=) */
};

struct dk_pipeline {
    char *path;
    char *name;
    char *description;
    GPtrArray *stages;     /* dk_stage, in order; ingest stages first */
    const dk_event *event; /* borrowed */
    dk_library *library;   /* borrowed, set by the runner */
    bool is_live;          /* only live stages: for `dokpim live` */
};

/* Parses and validates a pipeline. overrides are "STAGE.OPTION=VALUE".
 * Every problem found is appended to problems (one line each, naming file,
 * group, key and line); returns DK_ERR_CONFIG when there is any. */
DK_PRIVATE_API int dk_pipeline_load(const char *path,
                                    const dk_registry *registry,
                                    const dk_event *event,
                                    const char *const *overrides,
                                    dk_pipeline **out, GPtrArray *problems);
DK_PRIVATE_API void dk_pipeline_free(dk_pipeline **pipeline);
/* A stage with the plugin's defaults, for `dokpim probe`. */
DK_PRIVATE_API dk_stage *dk_stage_new_default(const dk_plugin *plugin,
                                              const dk_event *event,
                                              dk_error *err);
DK_PRIVATE_API void dk_stage_free(dk_stage *stage);
DK_PRIVATE_API void dk_option_value_parse(dk_option_value *value);
/* Whether an ingest plugin claims path: its accepts(), else its
 * extensions. */
DK_PRIVATE_API bool dk_plugin_accepts(const dk_plugin *plugin,
                                      const char *path);
/* The row of plugin's option name, or NULL. */
DK_PRIVATE_API const dk_option *dk_plugin_option(const dk_plugin *plugin,
                                                 const char *name);
/* Gives the stage option's value (text as written, resolved PATH taken
 * over), parsed; replaces an earlier one. */
DK_PRIVATE_API void dk_stage_set_value(dk_stage *stage, const dk_option *option,
                                       const char *text, char *resolved,
                                       bool is_set);
/* Fills stage->config from the values (again, after values changed). */
DK_PRIVATE_API void dk_stage_bind(dk_stage *stage);
/* Checks that the rows' bound fields fit the config struct and their
 * types; for the loader. */
int dk_option_check_binding(const dk_option *option, size_t config_size,
                            dk_error *err);
DK_PRIVATE_API const dk_option_value *dk_stage_value(const dk_stage *stage,
                                                     const char *option);
/* Whether the stage's finish() has work with its options (dk_plugin
 * finishes, 3.2): the batch's end-of-run work in a queue replays only
 * these. */
DK_PRIVATE_API bool dk_stage_finishes(const dk_stage *stage);

/* ---- progress ---- */
typedef void (*dk_progress_sink)(void *user, const dk_item *item,
                                 double fraction, const char *note);
/* Where dk_progress() goes; NULL drops it (the default: the library never
 * prints). */
DK_PRIVATE_API void dk_progress_set_sink(dk_progress_sink sink, void *user);

/* ---- cancellation ---- */
DK_PRIVATE_API void dk_cancel_request(void);
DK_PRIVATE_API void dk_cancel_reset(void);
/* Sleeps up to seconds; returns false when woken by cancellation. */
DK_PRIVATE_API bool dk_cancel_sleep(double seconds);

#endif
