/* Runs items through the stages on a pool of worker threads. A failing item
 * is recorded and set aside; the others go on. */
#include "runner.h"
#include "fixity.h"
#include "item_choice.h"
#include "manifest.h"

#include <string.h>
#include <sys/stat.h>

const char *dk_status_name(dk_status status)
{
    static const char *const names[] = {"pending",   "done",   "skipped",
                                        "duplicate", "failed", "cancelled"};
    return names[status];
}

static bool is_hidden(const char *name)
{
    return name[0] == '.';
}

static void collect(const char *path, const char *library_root, GPtrArray *out,
                    GPtrArray *notes)
{
    if (library_root && strcmp(path, library_root) == 0)
        return; /* never ingest our own outputs */
    g_autofree char *base = g_path_get_basename(path);
    if (dk_is_temp_name(base)) {
        /* left by an interrupted run (ours, or another copy of dokpim's
         * writing here): half a file, never an input, but not silently */
        if (notes)
            g_ptr_array_add(notes,
                            g_strdup_printf("%s: a temporary file of dokpim's "
                                            "(an unfinished write), not an "
                                            "input",
                                            path));
        return;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        g_ptr_array_add(out, g_strdup(path));
        return;
    }
    GDir *dir = g_dir_open(path, 0, NULL);
    if (!dir) {
        g_ptr_array_add(out, g_strdup(path)); /* reported when processed */
        return;
    }
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        if (is_hidden(name) && !dk_is_temp_name(name))
            continue;
        g_autofree char *child = g_build_filename(path, name, NULL);
        /* symlinked folders could loop; linked files are fine */
        if (g_file_test(child, G_FILE_TEST_IS_SYMLINK) &&
            g_file_test(child, G_FILE_TEST_IS_DIR))
            continue;
        collect(child, library_root, out, notes);
    }
    g_dir_close(dir);
}

static int compare_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *dk_collect_inputs(const char *const *inputs,
                             const char *library_root, GPtrArray *notes)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; inputs && inputs[i]; i++) {
        g_autofree char *absolute = g_canonicalize_filename(inputs[i], NULL);
        GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
        collect(absolute, library_root, found, notes);
        g_ptr_array_sort(found, compare_paths);
        for (guint j = 0; j < found->len; j++)
            g_ptr_array_add(out, g_strdup(found->pdata[j]));
        g_ptr_array_free(found, TRUE);
    }
    if (notes) /* each note starts with its path; folders list in any order */
        g_ptr_array_sort(notes, compare_paths);
    return out;
}

typedef struct run_ctx {
    dk_pipeline *pipeline;
    dk_library *library;
    GPtrArray *results;
    const dk_run_options *options;
    void (*phase)(struct run_ctx *ctx, dk_result *r);
    gint next;
    int finished;
    GMutex report_lock;
} run_ctx;

static void fail(dk_result *r, const char *stage, const char *message)
{
    r->status = DK_STATUS_FAILED;
    r->stage = g_strdup(stage);
    r->message = g_strdup(message);
}

static dk_stage *claiming_stage(dk_pipeline *pipeline, const char *path)
{
    for (guint i = 0; i < pipeline->stages->len; i++) {
        dk_stage *stage = pipeline->stages->pdata[i];
        if (stage->plugin->role != DK_ROLE_INGEST)
            break;
        if (dk_plugin_accepts(stage->plugin, path))
            return stage;
    }
    return NULL;
}

static int stage_index(const dk_pipeline *pipeline, const dk_stage *stage)
{
    for (guint i = 0; i < pipeline->stages->len; i++)
        if (pipeline->stages->pdata[i] == stage)
            return (int)i + 1;
    return 0;
}

static int run_stage(const run_ctx *ctx, dk_stage *stage, dk_item *item,
                     dk_error *err)
{
    dk_error_clear(err);
    if (ctx->options && ctx->options->on_stage) {
        int rc = ctx->options->on_stage(ctx->options->user, item, stage,
                                        stage_index(ctx->pipeline, stage),
                                        (int)ctx->pipeline->stages->len, err);
        if (rc < 0)
            return err->code = rc;
    }
    item->running_stage = stage->name;
    item->running_plugin = stage->plugin->name;
    item->running_settings = stage->settings;
    int rc = stage->plugin->process(stage, stage->state, item, err);
    item->running_stage = item->running_plugin = NULL;
    item->running_settings = NULL;
    if (rc < 0 && !err->message[0])
        dk_error_set(err, rc, "%s", dk_strerror(rc));
    if (rc < 0)
        err->code = rc;
    return rc;
}

/* A recorded upload stage still holds while the queue has every job it
 * queued: queue.db deleted or emptied must not make a re-run skip the
 * upload for good. A manifest from before jobs were recorded runs the
 * stage once more (enqueueing finds the existing job). */
static bool upload_still_queued(const run_ctx *ctx, const dk_manifest *m,
                                const dk_stage *stage)
{
    if (stage->plugin->role != DK_ROLE_UPLOAD || !ctx->options ||
        !ctx->options->upload_queued)
        return true;
    gchar **keys = dk_manifest_queued(m, stage->name);
    bool held = keys != NULL;
    for (int i = 0; held && keys[i]; i++) {
        dk_error err = {0};
        held = ctx->options->upload_queued(ctx->library, keys[i], &err) == 1;
    }
    g_strfreev(keys);
    return held;
}

static bool requeued(const dk_item *item, const dk_stage *stage)
{
    for (guint i = 0; i < item->queued->len; i++) {
        const dk_queued *q = item->queued->pdata[i];
        if (q->added && strcmp(q->stage, stage->name) == 0)
            return true;
    }
    return false;
}

static void outcome_free(gpointer data)
{
    dk_stage_outcome *o = data;
    g_free(o->stage);
    g_free(o->reason);
    g_free(o);
}

static void add_outcome(dk_result *r, const dk_stage *stage, const char *status,
                        const char *reason)
{
    dk_stage_outcome *o = g_new0(dk_stage_outcome, 1);
    o->stage = g_strdup(stage->name);
    o->status = status;
    o->reason = g_strdup(reason);
    g_ptr_array_add(r->stages, o);
}

/* Later stages: skip what a previous run finished with the same settings,
 * run the rest, record each in the manifest as it completes. A stage whose
 * items= keeps this item out is skipped, and so is every stage after it:
 * they would work on what it did not make (an upload after a web copy
 * made of picks only must not send the others). */
static void run_later_stages(run_ctx *ctx, dk_result *r, dk_manifest *m,
                             const char *chain_start, const dk_choice *choice)
{
    dk_item *item = r->item;
    g_autofree char *chain = g_strdup(chain_start);
    const char *left_out = NULL;
    for (guint i = 0; i < ctx->pipeline->stages->len; i++) {
        dk_stage *stage = ctx->pipeline->stages->pdata[i];
        if (stage->plugin->role == DK_ROLE_INGEST ||
            !(stage->plugin->item_kinds & item->kind))
            continue;
        const char *why = NULL;
        if (!left_out && !dk_items_filter_admits(stage->items, choice, &why))
            left_out = stage->name;
        if (left_out) {
            g_autofree char *reason =
                why ? g_strdup(why)
                    : g_strdup_printf("comes after stage %s, which this "
                                      "item was kept out of",
                                      left_out);
            add_outcome(r, stage, "skipped", reason);
            continue;
        }
        if (dk_cancelled()) {
            r->status = DK_STATUS_CANCELLED;
            r->message = g_strdup("stopped before it finished");
            return;
        }
        /* chained: changing an earlier stage redoes the ones after it */
        g_autofree char *joined = g_strconcat(chain, stage->fingerprint, NULL);
        char *next =
            g_compute_checksum_for_string(G_CHECKSUM_SHA256, joined, -1);
        g_free(chain);
        chain = next;
        bool recorded = dk_manifest_has_stage(m, stage->name, chain);
        bool replay = ctx->options && ctx->options->replay_finishing &&
                      dk_stage_finishes(stage);
        if (recorded && !replay && upload_still_queued(ctx, m, stage) &&
            dk_manifest_restore(m, stage->name, chain, item)) {
            add_outcome(r, stage, "done before", NULL);
            continue;
        }
        guint first = item->derivatives->len;
        dk_error err = {0};
        /* the first stage that does work reads the original (directly or
         * through what it wrote before): its bytes must still be those
         * the item's sha256 names */
        if (!item->original_verified &&
            dk_fixity_check_original(m, item, &err) < 0) {
            fail(r, stage->name, err.message);
            return;
        }
        if (run_stage(ctx, stage, item, &err) < 0) {
            if (err.code == DK_ERR_CANCELLED) {
                r->status = DK_STATUS_CANCELLED;
                r->message = g_strdup(err.message);
            } else {
                fail(r, stage->name, err.message);
            }
            return;
        }
        r->stages_run++;
        add_outcome(r, stage, "ran", NULL);
        dk_manifest_record(m, stage->name, chain, item, first);
        /* after recording: this run's news, not repeated by later runs */
        if (recorded && requeued(item, stage))
            dk_item_add_warning(item, stage->name,
                                "re-queued: the queue had no job for this "
                                "upload");
        if (dk_manifest_save(m, &err) < 0) {
            fail(r, stage->name, err.message);
            return;
        }
    }
}

/* Phase 1, in parallel: claim, validate, read and import each file. */
static void ingest_item(run_ctx *ctx, dk_result *r)
{
    dk_item *item = r->item;
    dk_error err = {0};
    if (dk_input_file_check(item->source_path, NULL, &err) < 0) {
        fail(r, NULL, err.message);
        return;
    }
    dk_stage *ingest = claiming_stage(ctx->pipeline, item->source_path);
    if (!ingest) {
        r->status = DK_STATUS_SKIPPED;
        r->message = g_strdup("no ingest stage of this pipeline takes this "
                              "kind of file");
        return;
    }
    if (run_stage(ctx, ingest, item, &err) < 0) {
        if (err.code == DK_ERR_CANCELLED) {
            r->status = DK_STATUS_CANCELLED;
            r->message = g_strdup(err.message);
        } else {
            fail(r, ingest->name, err.message);
        }
        return;
    }
    if (!item->sha256)
        fail(r, ingest->name,
             "plugin did not import the original (a bug in the plugin)");
    r->ingest = ingest;
}

/* The input is the library's copy of the original (`dokpim publish` runs
 * a pipeline over the originals): the item itself, not a new source. */
static bool is_own_original(const dk_item *item)
{
    return item->original_path &&
           strcmp(item->source_path, item->original_path) == 0;
}

/* Phase 2, in input order so the outcome does not depend on -j: the first
 * input with some content owns it; later copies are duplicates. */
static void resolve_duplicates(run_ctx *ctx)
{
    for (guint i = 0; i < ctx->results->len; i++) {
        dk_result *r = ctx->results->pdata[i];
        if (r->status != DK_STATUS_PENDING)
            continue;
        dk_item *item = r->item;
        const char *first =
            dk_library_claim(ctx->library, item->sha256, item->source_path);
        if (first) {
            r->status = DK_STATUS_DUPLICATE;
            r->message = g_strdup_printf("same content as %s", first);
            continue;
        }
        dk_manifest *m = dk_manifest_load(ctx->library, item->sha256);
        gchar **sources = dk_manifest_sources(m);
        if (is_own_original(item)) {
            r->manifest = m; /* dokpim publish: the library's own item */
        } else if (sources && sources[0] &&
                   !g_strv_contains((const char *const *)sources,
                                    item->source_path)) {
            r->status = DK_STATUS_DUPLICATE;
            r->message =
                g_strdup_printf("already in the library from %s", sources[0]);
            dk_manifest_free(&m);
        } else {
            r->manifest = m;
        }
        g_strfreev(sources);
    }
}

/* Phase 3, in parallel: the stages after ingest. */
static void finish_item(run_ctx *ctx, dk_result *r)
{
    dk_item *item = r->item;
    dk_manifest *m = r->manifest;
    dk_error err = {0};
    item->previous_outputs =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    dk_manifest_collect_outputs(m, item->previous_outputs);
    if (!is_own_original(item))
        dk_manifest_add_source(m, item->source_path);
    dk_manifest_set_item(m, item);
    if (item->original_verified)
        dk_manifest_set_original_stat(m, &item->original_stat);
    dk_manifest_set_event(m, ctx->pipeline->event);
    /* the ingest stage runs every time (it must hash to find the manifest),
     * but it only counts as work the first time or with new settings */
    if (!dk_manifest_has_stage(m, r->ingest->name, r->ingest->fingerprint))
        r->stages_run++;
    dk_manifest_record(m, r->ingest->name, r->ingest->fingerprint, item, 0);
    if (dk_manifest_save(m, &err) < 0) {
        fail(r, r->ingest->name, err.message);
        return;
    }
    /* the crew's choice: read after the ingest record (it belongs to the
     * later stages' inputs, not to what ingest read from the file) */
    dk_choice choice = {0};
    if (dk_item_load_choice(item, &choice, &err) < 0) {
        fail(r, r->ingest->name, err.message);
        return;
    }
    g_autofree char *chain = dk_choice_chain(r->ingest->fingerprint, &choice);
    run_later_stages(ctx, r, m, chain, &choice);
    dk_choice_clear(&choice);
    if (r->status != DK_STATUS_PENDING)
        return;
    r->status = r->stages_run ? DK_STATUS_DONE : DK_STATUS_SKIPPED;
    for (guint i = 0; i < r->stages->len && !r->message; i++) {
        const dk_stage_outcome *o = r->stages->pdata[i];
        if (strcmp(o->status, "skipped") == 0)
            r->message =
                g_strdup_printf("stage %s skipped: %s", o->stage, o->reason);
    }
    if (!r->stages_run && !r->message)
        r->message = g_strdup("already done in an earlier run");
}

static void report(run_ctx *ctx, dk_result *r)
{
    g_mutex_lock(&ctx->report_lock);
    ctx->finished++;
    if (ctx->options && ctx->options->on_result)
        ctx->options->on_result(ctx->options->user, r, ctx->finished,
                                (int)ctx->results->len);
    g_mutex_unlock(&ctx->report_lock);
}

static gpointer worker(gpointer data)
{
    run_ctx *ctx = data;
    for (;;) {
        gint index = g_atomic_int_add(&ctx->next, 1);
        if (index >= (gint)ctx->results->len)
            break;
        dk_result *r = ctx->results->pdata[index];
        if (r->status != DK_STATUS_PENDING)
            continue;
        if (dk_cancelled()) {
            r->status = DK_STATUS_CANCELLED;
            r->message = g_strdup("not started: the run was stopped");
        } else {
            ctx->phase(ctx, r);
        }
        if (r->status != DK_STATUS_PENDING)
            report(ctx, r);
    }
    return NULL;
}

static void run_phase(run_ctx *ctx, int jobs,
                      void (*phase)(run_ctx *ctx, dk_result *r))
{
    ctx->phase = phase;
    g_atomic_int_set(&ctx->next, 0);
    GThread **threads = g_new0(GThread *, jobs);
    for (int i = 0; i < jobs; i++)
        threads[i] = g_thread_new("dokpim-worker", worker, ctx);
    for (int i = 0; i < jobs; i++)
        g_thread_join(threads[i]);
    g_free(threads);
}

static void result_free(gpointer data)
{
    dk_result *r = data;
    dk_item_free(&r->item);
    dk_manifest_free(&r->manifest);
    g_ptr_array_free(r->stages, TRUE);
    g_free(r->stage);
    g_free(r->message);
    g_free(r);
}

void dk_pipeline_close_stages(dk_pipeline *pipeline)
{
    for (guint i = 0; i < pipeline->stages->len; i++) {
        dk_stage *stage = pipeline->stages->pdata[i];
        if (stage->opened && stage->plugin->close)
            stage->plugin->close(stage->state);
        stage->opened = false;
        stage->state = NULL;
    }
}

/* After the last item: work over the whole batch. One stage failing does
 * not keep the others from finishing theirs. */
static void finish_stages(dk_pipeline *pipeline, GPtrArray *stage_errors)
{
    for (guint i = 0; i < pipeline->stages->len; i++) {
        dk_stage *stage = pipeline->stages->pdata[i];
        if (!stage->opened || !stage->plugin->finish)
            continue;
        dk_error err = {0};
        int rc = stage->plugin->finish(stage, stage->state, &err);
        if (rc < 0 && !err.message[0])
            dk_error_set(&err, rc, "%s", dk_strerror(rc));
        if (rc < 0)
            g_ptr_array_add(stage_errors,
                            g_strdup_printf("stage [%s] (%s): %s", stage->name,
                                            stage->plugin->name, err.message));
    }
}

static int open_stages(dk_pipeline *pipeline, dk_error *err)
{
    for (guint i = 0; i < pipeline->stages->len; i++) {
        dk_stage *stage = pipeline->stages->pdata[i];
        int rc = 0;
        if (stage->plugin->open)
            rc = stage->plugin->open(stage, stage->config, &stage->state, err);
        if (rc < 0) {
            dk_error_prefix(err, "stage [%s] (%s): ", stage->name,
                            stage->plugin->name);
            dk_pipeline_close_stages(pipeline);
            return rc;
        }
        stage->opened = true;
    }
    return 0;
}

int dk_run_pipeline(dk_pipeline *pipeline, dk_library *library,
                    GPtrArray *inputs, const dk_run_options *options,
                    dk_run **out, dk_error *err)
{
    *out = NULL;
    dk_library_begin_run(library);
    pipeline->library = library;
    bool keep_open = options && options->keep_open;
    bool opened = pipeline->stages->len &&
                  ((dk_stage *)pipeline->stages->pdata[0])->opened;
    int rc = keep_open && opened ? 0 : open_stages(pipeline, err);
    if (rc < 0)
        return rc;
    run_ctx ctx = {
        .pipeline = pipeline, .library = library, .options = options};
    g_mutex_init(&ctx.report_lock);
    ctx.results = g_ptr_array_new_with_free_func(result_free);
    for (guint i = 0; i < inputs->len; i++) {
        dk_result *r = g_new0(dk_result, 1);
        r->stages = g_ptr_array_new_with_free_func(outcome_free);
        int seq = options && options->seqs ? options->seqs[i] : (int)i + 1;
        r->item = dk_item_new(inputs->pdata[i], seq, library);
        g_ptr_array_add(ctx.results, r);
    }
    int jobs = options && options->jobs > 0 ? options->jobs
                                            : (int)g_get_num_processors();
    if (jobs > (int)inputs->len)
        jobs = inputs->len ? (int)inputs->len : 1;
    run_phase(&ctx, jobs, ingest_item);
    resolve_duplicates(&ctx);
    for (guint i = 0; i < ctx.results->len; i++) {
        dk_result *r = ctx.results->pdata[i];
        if (r->status == DK_STATUS_DUPLICATE)
            report(&ctx, r);
    }
    run_phase(&ctx, jobs, finish_item);
    dk_run *run = g_new0(dk_run, 1);
    run->stage_errors = g_ptr_array_new_with_free_func(g_free);
    run->stopped = dk_cancelled();
    if (!run->stopped && !(options && options->skip_finish))
        finish_stages(pipeline, run->stage_errors);
    if (keep_open)
        pipeline->library = NULL; /* freed by the caller; set again next run */
    else
        dk_pipeline_close_stages(pipeline);
    g_mutex_clear(&ctx.report_lock);

    run->results = ctx.results;
    for (guint i = 0; i < run->results->len; i++)
        run->counts[((dk_result *)run->results->pdata[i])->status]++;
    *out = run;
    return 0;
}

void dk_run_free(dk_run **run)
{
    if (!run || !*run)
        return;
    g_ptr_array_free((*run)->results, TRUE);
    g_ptr_array_free((*run)->stage_errors, TRUE);
    g_free(*run);
    *run = NULL;
}
