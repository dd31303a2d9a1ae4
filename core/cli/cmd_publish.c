/* dokpim publish PIPELINE --event EVENT -o LIBRARY [-j N] [--set ...]
 * [--json]: runs a pipeline over the library's own originals, the items
 * its manifests list, not over a card again. With items=picked on the web
 * stage (pipelines/event-photos-publish.conf) that makes and queues the
 * crew's picks only; what was done before is skipped as in any re-run. A
 * command of its own rather than `run --from-library`: run's inputs are
 * required and mean files to import, publish has none. */
#include "cli.h"
#include "dk_queue.h"
#include "json.h"
#include "progress.h"
#include "publish.h"

#include <stdio.h>
#include <string.h>

/* dk_pipeline_load's problems as one error: the first, and a count. */
static int pipeline_error(GPtrArray *problems, dk_error *err)
{
    if (!problems->len)
        return dk_error_set(err, DK_ERR_CONFIG, "the pipeline did not load");
    if (problems->len == 1)
        return dk_error_set(err, DK_ERR_CONFIG, "%s",
                            (char *)problems->pdata[0]);
    return dk_error_set(err, DK_ERR_CONFIG, "%s (and %u more problems)",
                        (char *)problems->pdata[0], problems->len - 1);
}

int cli_publish(const char *pipeline_path, const char *event_path,
                const char *library_given, const cli_publish_options *o,
                dk_error *err)
{
    /* inputs must read as the paths the runner knows its originals by */
    g_autofree char *library_root =
        g_canonicalize_filename(library_given, NULL);
    dk_event *event = NULL;
    dk_registry *registry = NULL;
    dk_pipeline *pipeline = NULL;
    dk_library *library = NULL;
    dk_run *run = NULL;
    GPtrArray *inputs = NULL;
    GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
    int rc = event_path ? dk_event_load(event_path, &event, err) : 0;
    if (!event_path)
        event = dk_event_new_empty();
    if (rc < 0)
        goto out;
    registry = dk_registry_load_default();
    if (dk_pipeline_load(pipeline_path, registry, event,
                         (const char *const *)o->overrides, &pipeline,
                         problems) < 0) {
        rc = pipeline_error(problems, err);
        goto out;
    }
    if (pipeline->is_live) {
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "%s is a live pipeline: start it with dokpim live",
                          pipeline_path);
        goto out;
    }
    GPtrArray *items = cli_library_items(library_root);
    inputs = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < items->len; i++)
        g_ptr_array_add(
            inputs, g_strdup(((cli_library_item *)items->pdata[i])->original));
    g_ptr_array_unref(items);
    if (!inputs->len) {
        rc = dk_error_set(err, DK_ERR_NOT_FOUND,
                          "%s: no items in this library (run the event's "
                          "files through a pipeline first)",
                          library_root);
        goto out;
    }
    rc = dk_library_open(library_root, &library, err);
    if (rc < 0)
        goto out;
    dk_run_options options = {.jobs = o->jobs,
                              .on_result = o->on_result,
                              .user = o->user,
                              .upload_queued = dk_queue_upload_known};
    rc = dk_run_pipeline(pipeline, library, inputs, &options, &run, err);
    if (rc == 0 && o->on_done)
        o->on_done(o->user, pipeline, library, run);
out:
    if (inputs)
        g_ptr_array_free(inputs, TRUE);
    g_ptr_array_free(problems, TRUE);
    dk_run_free(&run);
    dk_library_free(&library);
    dk_pipeline_free(&pipeline);
    dk_registry_free(&registry);
    dk_event_free(&event);
    return rc;
}

typedef struct publish_cli {
    cli_progress progress;
    bool json;
    int status;
} publish_cli;

static void on_result(void *user, const dk_result *r, int finished, int total)
{
    publish_cli *cli = user;
    progress_on_result(&cli->progress, r, finished, total);
}

static void on_done(void *user, const dk_pipeline *pipeline,
                    const dk_library *library, const dk_run *run)
{
    publish_cli *cli = user;
    progress_finish(&cli->progress);
    progress_report_stage_errors(run);
    cli_note("%u items: %d done, %d skipped, %d failed", run->results->len,
             run->counts[DK_STATUS_DONE], run->counts[DK_STATUS_SKIPPED],
             run->counts[DK_STATUS_FAILED]);
    if (cli->json)
        json_print_run(pipeline, library, run);
    cli->status = progress_run_status(run);
}

int cmd_publish(int argc, char **argv)
{
    g_autofree char *event_path = NULL;
    g_autofree char *library_path = NULL;
    g_auto(GStrv) overrides = NULL;
    g_auto(GStrv) rest = NULL;
    int jobs = 0;
    gboolean json = FALSE, quiet = FALSE;
    GOptionEntry entries[] = {
        {"event", 'e', 0, G_OPTION_ARG_FILENAME, &event_path,
         N_("event file (required)"), "EVENT"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &library_path,
         N_("library folder (required)"), "LIBRARY"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
         N_("worker threads (default: number of cores)"), "N"},
        {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &overrides,
         N_("override an option, e.g. web.items=not-rejected (repeatable)"),
         "STAGE.OPTION=VALUE"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         N_("print a JSON summary on stdout"), NULL},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
         N_("only report problems and the summary"), NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    if (!cli_parse(&argc, &argv, "PIPELINE",
                   "Runs PIPELINE over the originals LIBRARY already holds "
                   "(no new files):\nwith items=picked on a stage, only the "
                   "photos picked with dokpim choose\nor the gallery go "
                   "through it.",
                   entries))
        return DK_EXIT_USAGE;
    if (!rest || !rest[0] || rest[1]) {
        cli_error("publish needs one pipeline (see --help)");
        return DK_EXIT_USAGE;
    }
    if (!event_path || !library_path) {
        cli_error("publish needs --event EVENT and -o LIBRARY");
        return DK_EXIT_USAGE;
    }
    if (jobs < 0 || jobs > 256) {
        cli_error("-j %d: use 1 to 256 workers", jobs);
        return DK_EXIT_USAGE;
    }
    cli_install_signal_thread("stopping after the files in progress");
    publish_cli cli = {.json = json, .status = DK_EXIT_USAGE};
    progress_init(&cli.progress, quiet);
    cli_publish_options options = {.overrides = overrides,
                                   .jobs = jobs,
                                   .on_result = on_result,
                                   .on_done = on_done,
                                   .user = &cli};
    dk_error err = {0};
    if (cli_publish(rest[0], event_path, library_path, &options, &err) < 0) {
        progress_finish(&cli.progress);
        cli_error("%s", err.message);
        return err.code == DK_ERR_CONFIG ? DK_EXIT_USAGE : DK_EXIT_ITEMS_FAILED;
    }
    return cli.status;
}
