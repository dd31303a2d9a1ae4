/* dokpim watch PIPELINE --event EVENT -o LIBRARY FOLDER...
 *
 * Processes files as they land in the folders (a card copied in, a WhatsApp
 * export, a NAS share), for as long as it runs. Events (inotify) make it
 * quick; a periodic rescan makes it sure (network mounts raise no events,
 * and a full kernel queue drops them). A file is taken once complete
 * (watch_settle.c) and at most once for the stat it has; what an earlier
 * watcher or run finished the library's own re-run logic skips, so a
 * restart neither repeats work nor misses what arrived meanwhile. */
#include "json.h"
#include "watch.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

/* The longest the loop sleeps: how soon it notices Ctrl-C. */
#define TICK_US (200 * 1000)

typedef struct watcher {
    char **folders;   /* absolute */
    const char *skip; /* the library root */
    watch_settle *settle;
    watch_tree *tree;    /* NULL: rescans only */
    GHashTable *handled; /* path -> stat identity it was handled with */
    GHashTable *batch;   /* path -> struct stat when settled */
    gint64 batch_since;
    bool json;
} watcher;

/* dev, inode, size and mtime: what "the same file as handled" means.
 * ctime is left out: a chmod or a new hard link is not new content. */
static char *identity(const struct stat *st)
{
    return g_strdup_printf(
        "%" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 ".%09ld",
        (uint64_t)st->st_dev, (uint64_t)st->st_ino, (int64_t)st->st_size,
        (int64_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

static bool already_handled(const watcher *w, const char *path,
                            const struct stat *st)
{
    const char *seen = g_hash_table_lookup(w->handled, path);
    if (!seen)
        return false;
    g_autofree char *now = identity(st);
    return strcmp(seen, now) == 0;
}

static void warn(const watcher *w, const char *path, const char *message)
{
    cli_warning("%s: %s", path, message);
    if (!w->json)
        return;
    JsonBuilder *builder = json_builder_new();
    json_builder_begin_object(builder);
    json_add_string(builder, "type", "warning");
    json_add_string(builder, "path", path);
    json_add_string(builder, "message", message);
    json_builder_end_object(builder);
    json_print_line(builder);
    g_object_unref(builder);
}

static void on_tree_event(void *user, const char *path, bool writing,
                          bool closed)
{
    watcher *w = user;
    struct stat st;
    if (!writing && stat(path, &st) == 0 && already_handled(w, path, &st))
        return; /* a chmod, a touch that changed nothing we compare */
    watch_settle_note(w->settle, path, writing, closed, g_get_monotonic_time());
}

static void on_scanned(void *user, const char *path, const struct stat *st)
{
    watcher *w = user;
    if (!already_handled(w, path, st))
        watch_settle_note(w->settle, path, false, false,
                          g_get_monotonic_time());
}

/* With inotify, a rescan also adds the watch of any folder whose creation
 * was among the events lost (adding a watch twice keeps the first). */
static void rescan(watcher *w)
{
    watch_walk_calls calls = {.file = on_scanned, .user = w};
    for (int i = 0; w->folders[i]; i++) {
        if (w->tree)
            watch_tree_add(w->tree, w->folders[i], &(dk_error){0});
        else
            watch_walk(w->folders[i], w->skip, &calls);
    }
}

static void report_tree_problems(watcher *w)
{
    if (!w->tree)
        return;
    GPtrArray *problems = watch_tree_take_problems(w->tree);
    for (guint i = 0; i < problems->len; i++)
        warn(w, "watch", problems->pdata[i]);
    g_ptr_array_unref(problems);
}

/* Settled files join the batch; the first one starts its --batch-wait. */
static gint64 gather_settled(watcher *w, gint64 now)
{
    GPtrArray *ready = g_ptr_array_new_with_free_func(g_free);
    GArray *stats = g_array_new(FALSE, FALSE, sizeof(struct stat));
    GPtrArray *changing = g_ptr_array_new_with_free_func(g_free);
    gint64 next = watch_settle_poll(w->settle, now, ready, stats, changing);
    for (guint i = 0; i < changing->len; i++)
        warn(w, changing->pdata[i],
             _("still changing; it is taken once its size and time stay "
               "unchanged for the settle time"));
    for (guint i = 0; i < ready->len; i++) {
        const struct stat *st = &g_array_index(stats, struct stat, i);
        if (already_handled(w, ready->pdata[i], st))
            continue;
        if (!g_hash_table_size(w->batch))
            w->batch_since = now;
        g_hash_table_replace(w->batch, g_strdup(ready->pdata[i]),
                             g_memdup2(st, sizeof *st));
    }
    g_ptr_array_unref(ready);
    g_array_unref(stats);
    g_ptr_array_unref(changing);
    return next;
}

static int compare_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file that changed while it waited for its batch is not complete after
 * all: back to settling (an event may have put it there already). */
static void drop_changed(watcher *w)
{
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, w->batch);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        struct stat st;
        g_autofree char *then = identity(value);
        g_autofree char *now = stat(key, &st) == 0 ? identity(&st) : NULL;
        if (now && strcmp(then, now) == 0)
            continue;
        watch_settle_note(w->settle, key, false, false, g_get_monotonic_time());
        g_hash_table_iter_remove(&iter);
    }
}

/* Runs the batch; remembers each file handled with the stat it settled
 * with, so neither events nor rescans feed it again until it changes. */
static int flush_batch(watcher *w, watch_batch_ctx *ctx, dk_error *err)
{
    drop_changed(w);
    if (!g_hash_table_size(w->batch))
        return 0;
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter iter;
    gpointer key;
    g_hash_table_iter_init(&iter, w->batch);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_ptr_array_add(paths, g_strdup(key));
    g_ptr_array_sort(paths, compare_paths); /* {seq} follows names */
    GPtrArray *handled = g_ptr_array_new_with_free_func(g_free);
    int rc = watch_process_batch(ctx, paths, handled, err);
    for (guint i = 0; i < handled->len; i++) {
        const struct stat *st =
            g_hash_table_lookup(w->batch, handled->pdata[i]);
        if (st)
            g_hash_table_replace(w->handled, g_strdup(handled->pdata[i]),
                                 identity(st));
    }
    g_hash_table_remove_all(w->batch);
    g_ptr_array_unref(handled);
    g_ptr_array_unref(paths);
    return rc;
}

static void wait_for_events(watcher *w, gint64 timeout_us)
{
    timeout_us = CLAMP(timeout_us, 1000, TICK_US);
    if (!w->tree) {
        g_usleep((gulong)timeout_us);
        return;
    }
    struct pollfd pfd = {.fd = watch_tree_fd(w->tree), .events = POLLIN};
    if (poll(&pfd, 1, (int)(timeout_us / 1000)) <= 0)
        return;
    if (!watch_tree_read(w->tree)) {
        /* the kernel's queue overflowed: what it dropped is unknown, so
         * every folder is listed again and closes no longer awaited */
        warn(w, "watch",
             _("inotify dropped events (queue overflow); rescanning now"));
        watch_settle_forget_writers(w->settle);
        rescan(w);
    }
    report_tree_problems(w);
}

typedef struct watch_timing {
    double settle, rescan, batch_wait;
    bool once;
} watch_timing;

/* The loop: until stopped, or for --once until the first settle time has
 * passed. Returns 0, or < 0 when a batch could not run at all. */
static int watch_loop(watcher *w, watch_batch_ctx *ctx,
                      const watch_timing *timing, dk_error *err)
{
    gint64 rescan_us = (gint64)(timing->rescan * G_USEC_PER_SEC);
    gint64 batch_wait_us = (gint64)(timing->batch_wait * G_USEC_PER_SEC);
    gint64 start = g_get_monotonic_time();
    gint64 once_end = start + (gint64)(timing->settle * G_USEC_PER_SEC);
    gint64 next_rescan = start + rescan_us;
    while (!dk_cancelled()) {
        gint64 now = g_get_monotonic_time();
        if (!timing->once && now >= next_rescan) {
            rescan(w);
            next_rescan = now + rescan_us;
        }
        gint64 next = gather_settled(w, now);
        bool last = timing->once && now >= once_end;
        guint batched = g_hash_table_size(w->batch);
        if (batched && (last || now - w->batch_since >= batch_wait_us)) {
            int rc = flush_batch(w, ctx, err);
            if (rc < 0)
                return rc;
            continue; /* time passed while it ran */
        }
        if (last)
            break;
        if (batched)
            next = MIN(next, w->batch_since + batch_wait_us - now);
        next = MIN(next, timing->once ? once_end - now : next_rescan - now);
        wait_for_events(w, next);
    }
    return 0;
}

/* --once leaves what did not settle for the next run, and says so. */
static void report_unsettled(const watcher *w, const watch_timing *timing)
{
    if (!timing->once || dk_cancelled() || !watch_settle_pending(w->settle))
        return;
    guint pending = watch_settle_pending(w->settle);
    cli_note(dk_ngettext("%u file still changing, left for the next run",
                         "%u files still changing, left for the next run",
                         pending),
             pending);
}

static bool check_folders(char **folders)
{
    for (int i = 0; folders[i]; i++)
        if (!g_file_test(folders[i], G_FILE_TEST_IS_DIR)) {
            cli_error("%s: not a folder (watch takes folders)", folders[i]);
            return false;
        }
    return true;
}

/* A library inside a watched folder is skipped; a watched folder inside
 * the library would feed the stages their own outputs, for ever. */
static bool folders_outside(char **folders, const char *root)
{
    size_t n = strlen(root);
    for (int i = 0; folders[i]; i++)
        if (strncmp(folders[i], root, n) == 0 &&
            (folders[i][n] == '/' || !folders[i][n])) {
            cli_error("%s: is inside the library %s; watch the folders the "
                      "files come from",
                      folders[i], root);
            return false;
        }
    return true;
}

static bool start_watching(watcher *w, bool use_inotify)
{
    if (!use_inotify) {
        rescan(w);
        return true;
    }
    dk_error err = {0};
    w->tree = watch_tree_new(w->skip, on_tree_event, w, &err);
    if (!w->tree) {
        cli_error("%s", err.message);
        return false;
    }
    /* the watches go in first, then each folder is listed: the full scan
     * a (re)start needs, with nothing landing unseen in between */
    rescan(w);
    report_tree_problems(w);
    return true;
}

static void watcher_free(watcher *w)
{
    watch_tree_free(&w->tree);
    watch_settle_free(&w->settle);
    g_hash_table_destroy(w->handled);
    g_hash_table_destroy(w->batch);
    g_strfreev(w->folders);
}

static bool valid_seconds(const char *option, double value, double min)
{
    if (value >= min && value <= 24 * 3600)
        return true;
    cli_error("%s %g: use %g to 86400 seconds", option, value, min);
    return false;
}

int cmd_watch(int argc, char **argv)
{
    g_autofree char *event_path = NULL;
    g_autofree char *library_path = NULL;
    g_autofree char *queue_url = NULL;
    g_auto(GStrv) overrides = NULL;
    g_auto(GStrv) rest = NULL;
    int jobs = 0;
    double settle = 2, rescan_every = 30, batch_wait = 1;
    gboolean json = FALSE, quiet = FALSE, once = FALSE, no_inotify = FALSE;
    gboolean submit = FALSE;
    GOptionEntry entries[] = {
        {"event", 'e', 0, G_OPTION_ARG_FILENAME, &event_path,
         N_("event file (required)"), "EVENT"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &library_path,
         N_("library folder (default: ./dokpim-library/DATE_EVENT)"),
         "LIBRARY"},
        {"settle", 0, 0, G_OPTION_ARG_DOUBLE, &settle,
         N_("seconds a file's size and time must stay unchanged (default 2)"),
         "SECONDS"},
        {"rescan", 0, 0, G_OPTION_ARG_DOUBLE, &rescan_every,
         N_("seconds between full rescans, for network mounts (default 30)"),
         "SECONDS"},
        {"batch-wait", 0, 0, G_OPTION_ARG_DOUBLE, &batch_wait,
         N_("seconds to gather settled files into one run (default 1)"),
         "SECONDS"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
         N_("worker threads (default: number of cores)"), "N"},
        {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &overrides,
         N_("override an option, e.g. web.web-size=1600 (repeatable)"),
         "STAGE.OPTION=VALUE"},
        {"submit", 0, 0, G_OPTION_ARG_NONE, &submit,
         N_("record settled files as jobs for dokpim work (as dokpim submit) "
            "instead of running them here"),
         NULL},
        {"queue", 0, 0, G_OPTION_ARG_STRING, &queue_url,
         N_("submit to this queue: postgresql://... shared by several machines "
            "(implies --submit)"),
         "URL"},
        {"once", 0, 0, G_OPTION_ARG_NONE, &once,
         N_("scan, process what is settled, exit (for cron)"), NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         N_("one JSON line per finished item, warning and batch on stdout"),
         NULL},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
         N_("only report problems and batch summaries"), NULL},
        /* tests: what a network mount looks like (no events at all) */
        {"no-inotify", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &no_inotify,
         NULL, NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    bool parsed = cli_parse(
        &argc, &argv, "PIPELINE FOLDER...",
        "Watches each FOLDER (and the folders in it) and runs every file "
        "that lands\nthere through PIPELINE once it is complete, until "
        "Ctrl-C or SIGTERM.",
        entries);
    if (!parsed)
        return DK_EXIT_USAGE;
    if (!rest || !rest[0] || !rest[1]) {
        cli_error("watch needs a pipeline and at least one folder (see "
                  "--help)");
        return DK_EXIT_USAGE;
    }
    if (!event_path) {
        cli_error("watch needs --event EVENT (the event file)");
        return DK_EXIT_USAGE;
    }
    if (jobs < 0 || jobs > 256) {
        cli_error("-j %d: use 1 to 256 workers", jobs);
        return DK_EXIT_USAGE;
    }
    if (!valid_seconds("--settle", settle, 0) ||
        !valid_seconds("--rescan", rescan_every, 0.1) ||
        !valid_seconds("--batch-wait", batch_wait, 0) ||
        !check_folders(rest + 1))
        return DK_EXIT_USAGE;

    int status = DK_EXIT_USAGE;
    dk_event *event = NULL;
    dk_registry *registry = NULL;
    dk_pipeline *pipeline = NULL;
    dk_library *library = NULL;
    dk_error err = {0};
    watcher w = {
        .settle = watch_settle_new(settle, MAX(10 * settle, 1.0)),
        .handled =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
        .batch = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
        .json = json,
    };
    w.folders = g_new0(char *, g_strv_length(rest));
    for (int i = 1; rest[i]; i++)
        w.folders[i - 1] = g_canonicalize_filename(rest[i], NULL);
    watch_batch_ctx ctx = {.submit = submit || queue_url,
                           .queue_url = queue_url,
                           .pipeline_path = rest[0],
                           .event_path = event_path,
                           .overrides = overrides,
                           .jobs = jobs,
                           .json = json,
                           .quiet = quiet};
    char *root = NULL;
    bool loaded = cli_load_batch(event_path, rest[0], overrides, library_path,
                                 &event, &registry, &pipeline, &root);
    g_free(library_path);
    library_path = root;
    if (!loaded)
        goto out;
    /* held for the watcher's life: a `dokpim run` on the same library is
     * refused while it watches, as two runs are. Submitting, the workers
     * hold it (shared) as they run the jobs. */
    if (ctx.submit && g_mkdir_with_parents(library_path, 0755) != 0) {
        cli_error("cannot create folder %s: %s", library_path,
                  g_strerror(errno));
        goto out;
    }
    if (!ctx.submit && dk_library_open(library_path, &library, &err) < 0) {
        cli_error("%s", err.message);
        goto out;
    }
    if (!folders_outside(w.folders, library_path))
        goto out;
    w.skip = library_path;
    ctx.pipeline = pipeline;
    ctx.library = library;
    ctx.library_root = library_path;
    if (watch_batch_ready(&ctx, &err) < 0) {
        cli_error("%s", err.message);
        goto out;
    }
    cli_install_signal_thread("stopping after the files in progress");
    if (!start_watching(&w, !once && !no_inotify))
        goto out;
    if (!once)
        cli_note(dk_ngettext("watching %u folder into %s (settle %g s, "
                             "rescan %g s%s); Ctrl-C stops",
                             "watching %u folders into %s (settle %g s, "
                             "rescan %g s%s); Ctrl-C stops",
                             g_strv_length(w.folders)),
                 g_strv_length(w.folders), library_path, settle, rescan_every,
                 w.tree ? "" : _(", no inotify"));
    watch_timing timing = {.settle = settle,
                           .rescan = rescan_every,
                           .batch_wait = batch_wait,
                           .once = once};
    if (watch_loop(&w, &ctx, &timing, &err) < 0) {
        cli_error("%s", err.message);
        goto out;
    }
    report_unsettled(&w, &timing);
    char *items = g_strdup_printf(
        dk_ngettext("%d item", "%d items", ctx.finished), ctx.finished);
    char *runs =
        g_strdup_printf(dk_ngettext("%d run", "%d runs", ctx.runs), ctx.runs);
    /* TRANSLATORS: "done"/"stopped": "4 items" in "2 runs", 1 failed */
    cli_note("%s: %s in %s, %d failed", once ? _("done") : _("stopped"), items,
             runs, ctx.failed);
    g_free(items);
    g_free(runs);
    /* A stopped service did its job: each failure had its line. A --once
     * run answers like `dokpim run`, for cron. */
    status = once && ctx.failed ? DK_EXIT_ITEMS_FAILED : DK_EXIT_OK;
out:
    watcher_free(&w);
    dk_library_free(&library);
    dk_pipeline_free(&pipeline);
    dk_registry_free(&registry);
    dk_event_free(&event);
    return status;
}
