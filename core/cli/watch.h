/* dokpim watch: the pieces of the folder watcher, one job per file.
 *   watch_names.c   which names are not files yet (copy tools' temporaries)
 *   watch_walk.c    listing a folder tree as `dokpim run` would
 *   watch_tree.c    the inotify watches over the folders and their subfolders
 *   watch_settle.c  when a file is complete: its stat unchanged for a while
 *   watch_batch.c   a batch of settled files: run locally or submit
 *   cmd_watch.c     the command: options, the loop, the report */
#ifndef DK_CLI_WATCH_H
#define DK_CLI_WATCH_H

#include "cli.h"
#include "runner.h"

#include <sys/stat.h>

/* ---- names ---- */

/* Whether a file name is one a copy tool writes before renaming into place
 * (rsync's ".NAME.XXXXXX", "*.part", "*.crdownload", "*.filepart", Office's
 * "~$NAME") or dokpim's own temporary name: never an input, however
 * settled it looks. Hidden names are left out as by `dokpim run`. */
bool watch_name_ignored(const char *name);

/* ---- the inotify set of folders ---- */

typedef struct watch_tree watch_tree;

/* What the tree tells its owner: a file that may have changed (written,
 * closed, moved in, found in a new folder), or that a writer has it open
 * (writing: true until its IN_CLOSE_WRITE), or that events were lost and
 * a full rescan is due (path NULL). */
typedef void (*watch_tree_event)(void *user, const char *path, bool writing,
                                 bool closed);

/* skip: a folder never watched (the library, when inside a watched one).
 * Returns NULL with err set when inotify is not available. */
watch_tree *watch_tree_new(const char *skip, watch_tree_event on_event,
                           void *user, dk_error *err);
void watch_tree_free(watch_tree **tree);
/* Watches folder and every folder below it; each file already inside is
 * passed to on_event (a folder moved in arrives full). Returns how many
 * folders could not be watched (each named in err, the last one wins). */
int watch_tree_add(watch_tree *tree, const char *folder, dk_error *err);
/* The descriptor to poll(). */
int watch_tree_fd(const watch_tree *tree);
/* Reads what is pending and passes it on; returns false when the kernel
 * dropped events (IN_Q_OVERFLOW): the caller rescans. */
bool watch_tree_read(watch_tree *tree);
/* Folders that could not be watched since the last call (the limit of
 * watches, a folder gone): a line each, caller g_ptr_array_unref(). */
GPtrArray *watch_tree_take_problems(watch_tree *tree);

/* ---- walking folders (the rescan, and a folder that appears) ---- */

typedef struct watch_walk_calls {
    /* each folder, before it is listed (may be NULL) */
    void (*folder)(void *user, const char *path);
    /* each regular file (symlinks followed, as `dokpim run` does) */
    void (*file)(void *user, const char *path, const struct stat *st);
    void *user;
} watch_walk_calls;

/* Walks folder recursively, leaving out what is never an input: hidden and
 * copy-tool temporary names (watch_name_ignored), the folder skip (the
 * library), symlinked folders (they can loop). */
void watch_walk(const char *folder, const char *skip,
                const watch_walk_calls *calls);

/* ---- the settle tracker ---- */

typedef struct watch_settle watch_settle;

/* settle: seconds a file's size and mtime must stay unchanged (and no
 * writer have it open, as far as inotify says) before it is taken.
 * warn_after: how long a file may keep changing before its one warning. */
watch_settle *watch_settle_new(double settle, double warn_after);
void watch_settle_free(watch_settle **settle);
/* A file seen (by an event or a scan); writing/closed from inotify. */
void watch_settle_note(watch_settle *settle, const char *path, bool writing,
                       bool closed, gint64 now_us);
/* Forget every "a writer has it open": after lost events nothing says
 * whether the close came, so size and mtime alone decide. */
void watch_settle_forget_writers(watch_settle *settle);
/* Stats every pending file. Settled ones move to ready (paths, caller
 * owns), with their stat in ready_stats (struct stat, same order); a file
 * that kept changing past warn_after is added (once) to still_changing;
 * a file gone is dropped. Returns the microseconds until the next check
 * is useful (or G_MAXINT64 when nothing is pending). */
gint64 watch_settle_poll(watch_settle *settle, gint64 now_us, GPtrArray *ready,
                         GArray *ready_stats, GPtrArray *still_changing);
guint watch_settle_pending(const watch_settle *settle);

/* ---- batches: run or submit ---- */

typedef struct watch_batch_ctx {
    dk_pipeline *pipeline; /* loaded and checked once */
    dk_library *library;   /* local mode: held for the watcher's life */
    /* submit mode (--submit / --queue): what `dokpim submit` is given */
    bool submit;
    const char *queue_url; /* NULL: the library's queue */
    const char *pipeline_path, *event_path, *library_root;
    char **overrides;
    int jobs;
    bool json, quiet;
    int runs;     /* batches processed or submitted */
    int failed;   /* items failed (or refused by submit) over its life */
    int finished; /* items finished (any status) or submitted */
} watch_batch_ctx;

/* Whether batches can go where ctx says (submitting: the queue opens for
 * ctx->library_root), so a watcher refuses at start, not at its first
 * file. 0 or DK_ERR_*. */
int watch_batch_ready(const watch_batch_ctx *ctx, dk_error *err);

/* Processes one batch of settled files (absolute paths, sorted): through
 * dk_run_pipeline on the library, or submitted to the queue. handled gets
 * each path whose outcome is final for the stat it had (done, skipped,
 * duplicate, failed); a cancelled one is left out, to be taken again.
 * Returns 0, or a negative DK_ERR_* with err set when the batch could not
 * run at all (the stages did not open, the queue is not there). */
int watch_process_batch(watch_batch_ctx *ctx, GPtrArray *paths,
                        GPtrArray *handled, dk_error *err);

#endif
