/* The one place a batch of settled files leaves the watcher: run through
 * the pipeline here, or (with --queue) submitted as processing jobs for
 * `dokpim work` on any machine. Everything before this point (events,
 * rescans, settling) is the same for both. */
#include "dk_queue.h"
#include "json.h"
#include "process_job.h"
#include "progress.h"
#include "watch.h"

#include <stdio.h>

typedef struct batch_report {
    watch_batch_ctx *ctx;
    cli_progress progress;
} batch_report;

/* Serialised by the runner: lines from different items never interleave. */
static void on_result(void *user, const dk_result *r, int finished, int total)
{
    batch_report *report = user;
    progress_on_result(&report->progress, r, finished, total);
    if (!report->ctx->json)
        return;
    JsonBuilder *builder = json_builder_new();
    json_builder_begin_object(builder);
    json_add_string(builder, "type", "item");
    json_builder_set_member_name(builder, "batch");
    json_builder_add_int_value(builder, report->ctx->runs);
    json_builder_set_member_name(builder, "item");
    json_add_result(builder, r);
    json_builder_end_object(builder);
    json_print_line(builder);
    g_object_unref(builder);
}

static void print_batch_summary(const watch_batch_ctx *ctx, const dk_run *run)
{
    cli_note(dk_ngettext("batch %d: %u item: %d done, %d skipped, %d "
                         "duplicate, %d failed%s",
                         "batch %d: %u items: %d done, %d skipped, %d "
                         "duplicate, %d failed%s",
                         run->results->len),
             ctx->runs, run->results->len, run->counts[DK_STATUS_DONE],
             run->counts[DK_STATUS_SKIPPED], run->counts[DK_STATUS_DUPLICATE],
             run->counts[DK_STATUS_FAILED],
             run->counts[DK_STATUS_CANCELLED]
                 ? _(", some not finished (stopped)")
                 : "");
    if (!ctx->json)
        return;
    JsonBuilder *builder = json_builder_new();
    json_builder_begin_object(builder);
    json_add_string(builder, "type", "batch");
    json_builder_set_member_name(builder, "batch");
    json_builder_add_int_value(builder, ctx->runs);
    json_builder_set_member_name(builder, "counts");
    json_builder_begin_object(builder);
    for (int s = DK_STATUS_DONE; s <= DK_STATUS_CANCELLED; s++) {
        json_builder_set_member_name(builder, dk_status_name(s));
        json_builder_add_int_value(builder, run->counts[s]);
    }
    json_builder_end_object(builder);
    json_builder_end_object(builder);
    json_print_line(builder);
    g_object_unref(builder);
}

/* Items the library holds: new items of the next batch number on from
 * there, across batches and restarts, so {seq} names do not collide. */
static int library_items(const dk_library *library)
{
    g_autofree char *items = g_build_filename(library->root, "items", NULL);
    GDir *dir = g_dir_open(items, 0, NULL);
    int count = 0;
    if (!dir)
        return 0;
    const char *name;
    while ((name = g_dir_read_name(dir)))
        count += g_str_has_suffix(name, ".ini");
    g_dir_close(dir);
    return count;
}

static int run_locally(watch_batch_ctx *ctx, GPtrArray *paths,
                       GPtrArray *handled, dk_error *err)
{
    ctx->runs++;
    batch_report report = {.ctx = ctx};
    progress_init(&report.progress, ctx->quiet);
    int base = library_items(ctx->library);
    g_autofree int *seqs = g_new(int, paths->len ? paths->len : 1);
    for (guint i = 0; i < paths->len; i++)
        seqs[i] = base + (int)i + 1;
    dk_run_options options = {.jobs = ctx->jobs,
                              .seqs = seqs,
                              .on_result = on_result,
                              .user = &report,
                              .upload_queued = dk_queue_upload_known};
    dk_run *run = NULL;
    int rc = dk_run_pipeline(ctx->pipeline, ctx->library, paths, &options, &run,
                             err);
    progress_finish(&report.progress);
    if (rc < 0)
        return rc;
    progress_report_stage_errors(run);
    for (guint i = 0; i < run->results->len; i++) {
        const dk_result *r = run->results->pdata[i];
        /* a stopped item is taken again by the next watcher */
        if (r->status != DK_STATUS_CANCELLED)
            g_ptr_array_add(handled, g_strdup(r->item->source_path));
    }
    ctx->failed += run->counts[DK_STATUS_FAILED] + (int)run->stage_errors->len;
    ctx->finished += (int)run->results->len - run->counts[DK_STATUS_CANCELLED];
    print_batch_summary(ctx, run);
    dk_run_free(&run);
    return 0;
}

/* One JSON line per submitted batch; submit_batch() names each refused
 * input on stderr itself. */
static void print_submitted(const watch_batch_ctx *ctx, GPtrArray *paths,
                            int status)
{
    cli_note(dk_ngettext("batch %d: %u file submitted%s",
                         "batch %d: %u files submitted%s", paths->len),
             ctx->runs, paths->len,
             status == DK_EXIT_OK ? "" : _(", some refused"));
    if (!ctx->json)
        return;
    JsonBuilder *builder = json_builder_new();
    json_builder_begin_object(builder);
    json_add_string(builder, "type", "submitted");
    json_builder_set_member_name(builder, "batch");
    json_builder_add_int_value(builder, ctx->runs);
    json_add_string(builder, "status",
                    status == DK_EXIT_OK ? "submitted" : "some refused");
    json_builder_set_member_name(builder, "inputs");
    json_builder_begin_array(builder);
    for (guint i = 0; i < paths->len; i++)
        json_add_string(builder, NULL, paths->pdata[i]);
    json_builder_end_array(builder);
    json_builder_end_object(builder);
    json_print_line(builder);
    g_object_unref(builder);
}

/* `dokpim submit` of the batch: the queue dedupes by content and work, so
 * a restarted watcher submitting a file again adds no job. */
static int submit(watch_batch_ctx *ctx, GPtrArray *paths, GPtrArray *handled,
                  dk_error *err)
{
    ctx->runs++;
    g_ptr_array_add(paths, NULL); /* NULL-terminated for the request */
    submit_request request = {.pipeline = ctx->pipeline_path,
                              .event = ctx->event_path,
                              .library = ctx->library_root,
                              .overrides = ctx->overrides,
                              .inputs = (const char *const *)paths->pdata,
                              .queue_url = ctx->queue_url,
                              .quiet = true};
    int status = submit_batch(&request);
    g_ptr_array_remove_index(paths, paths->len - 1);
    if (status == DK_EXIT_USAGE) /* the queue or the config: nothing recorded */
        return dk_error_set(err, DK_ERR_CONFIG,
                            "batch %d could not be submitted (see above)",
                            ctx->runs);
    /* a refused input had its line; like a failed item, it waits for a
     * change rather than being submitted again and again */
    for (guint i = 0; i < paths->len; i++)
        g_ptr_array_add(handled, g_strdup(paths->pdata[i]));
    ctx->finished += (int)paths->len;
    ctx->failed += status != DK_EXIT_OK;
    print_submitted(ctx, paths, status);
    return 0;
}

int watch_batch_ready(const watch_batch_ctx *ctx, dk_error *err)
{
    if (!ctx->submit)
        return 0;
    /* a queue that cannot be reached, or a URL the library does not
     * remember, is refused now rather than at the first file */
    dk_queue *queue = NULL;
    int rc =
        dk_queue_open_url(ctx->queue_url, ctx->library_root, true, &queue, err);
    dk_queue_close(&queue);
    return rc;
}

int watch_process_batch(watch_batch_ctx *ctx, GPtrArray *paths,
                        GPtrArray *handled, dk_error *err)
{
    if (ctx->submit)
        return submit(ctx, paths, handled, err);
    return run_locally(ctx, paths, handled, err);
}
