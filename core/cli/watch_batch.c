/* The one place a batch of settled files leaves the watcher: run through
 * the pipeline here, or (with --queue) submitted as processing jobs for
 * `dokpim work` on any machine. Everything before this point (events,
 * rescans, settling) is the same for both. */
#include "dk_queue.h"
#include "json.h"
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
    cli_note("batch %d: %u item%s: %d done, %d skipped, %d duplicate, %d "
             "failed%s",
             ctx->runs, run->results->len, run->results->len == 1 ? "" : "s",
             run->counts[DK_STATUS_DONE], run->counts[DK_STATUS_SKIPPED],
             run->counts[DK_STATUS_DUPLICATE], run->counts[DK_STATUS_FAILED],
             run->counts[DK_STATUS_CANCELLED] ? ", some not finished (stopped)"
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
    dk_run_options options = {.jobs = ctx->jobs,
                              .seq_base = library_items(ctx->library),
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

int watch_batch_ready(const watch_batch_ctx *ctx, dk_error *err)
{
    if (ctx->queue_url)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "--queue %s: submitting to a queue is not "
                            "available yet in this build; watch without "
                            "--queue to process here",
                            ctx->queue_url);
    return 0;
}

int watch_process_batch(watch_batch_ctx *ctx, GPtrArray *paths,
                        GPtrArray *handled, dk_error *err)
{
    int rc = watch_batch_ready(ctx, err);
    if (rc < 0)
        return rc;
    return run_locally(ctx, paths, handled, err);
}
