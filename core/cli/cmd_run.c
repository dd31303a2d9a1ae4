/* dokpim run PIPELINE --event EVENT [-o LIBRARY] [-j N] [--set ...] INPUT... */
#include "cli.h"
#include "dk_queue.h"
#include "json.h"
#include "process_job.h"
#include "progress.h"

#include <stdio.h>

static void print_summary(const dk_run *run, const dk_library *library)
{
    GString *line = g_string_new(NULL);
    g_string_append_printf(
        line,
        dk_ngettext("%u item: %d done, %d skipped, %d duplicate, %d failed",
                    "%u items: %d done, %d skipped, %d duplicate, %d failed",
                    run->results->len),
        run->results->len, run->counts[DK_STATUS_DONE],
        run->counts[DK_STATUS_SKIPPED], run->counts[DK_STATUS_DUPLICATE],
        run->counts[DK_STATUS_FAILED]);
    unsigned warned = 0;
    for (guint i = 0; i < run->results->len; i++)
        warned +=
            ((const dk_result *)run->results->pdata[i])->item->warnings->len >
            0;
    if (warned)
        g_string_append_printf(line, _(", %u with warnings"), warned);
    if (run->stage_errors->len)
        g_string_append_printf(line,
                               dk_ngettext(", %u stage failed",
                                           ", %u stages failed",
                                           run->stage_errors->len),
                               run->stage_errors->len);
    if (run->counts[DK_STATUS_CANCELLED])
        g_string_append_printf(line, _(", %d not finished (stopped)"),
                               run->counts[DK_STATUS_CANCELLED]);
    else if (run->stopped)
        g_string_append(line,
                        _(", stopped before the stages' end-of-run work"));
    cli_note("%s", line->str);
    g_string_free(line, TRUE);
    cli_note("outputs in %s/derived (originals in %s/originals)", library->root,
             library->root);
}

int cmd_run(int argc, char **argv)
{
    g_autofree char *event_path = NULL;
    g_autofree char *library_path = NULL;
    g_autofree char *queue_url = NULL;
    g_auto(GStrv) overrides = NULL;
    g_auto(GStrv) rest = NULL;
    int jobs = 0;
    gboolean json = FALSE, quiet = FALSE, submit = FALSE;
    GOptionEntry entries[] = {
        {"event", 'e', 0, G_OPTION_ARG_FILENAME, &event_path,
         N_("event file (required)"), "EVENT"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &library_path,
         N_("library folder (default: ./dokpim-library/DATE_EVENT)"),
         "LIBRARY"},
        {"queue", 0, 0, G_OPTION_ARG_STRING, &queue_url,
         N_("upload jobs go to this queue: postgresql://... shared by several "
            "machines, or sqlite:PATH (default: $DOKPIM_QUEUE, else the one "
            "the "
            "library remembers, else LIBRARY/queue.db)"),
         "URL"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
         N_("worker threads (default: number of cores)"), "N"},
        {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &overrides,
         N_("override an option, e.g. web.web-size=1600 (repeatable)"),
         "STAGE.OPTION=VALUE"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         N_("print a JSON summary on stdout"), NULL},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
         N_("only report problems and the summary"), NULL},
        {"submit", 0, 0, G_OPTION_ARG_NONE, &submit,
         N_("record the batch for `dokpim work` instead of running it here "
            "(as dokpim submit)"),
         NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    bool parsed =
        cli_parse(&argc, &argv, "PIPELINE INPUT...",
                  "Runs every INPUT (files, or folders searched recursively) "
                  "through the\nstages of PIPELINE, writing into the event's "
                  "library folder.",
                  entries);
    if (!parsed)
        return DK_EXIT_USAGE;
    if (!rest || !rest[0] || !rest[1]) {
        cli_error("run needs a pipeline and at least one input (see --help)");
        return DK_EXIT_USAGE;
    }
    if (!event_path) {
        cli_error("run needs --event EVENT (the event file)");
        return DK_EXIT_USAGE;
    }
    if (jobs < 0 || jobs > 256) {
        cli_error("-j %d: use 1 to 256 workers", jobs);
        return DK_EXIT_USAGE;
    }
    if (submit) {
        submit_request request = {.pipeline = rest[0],
                                  .event = event_path,
                                  .library = library_path,
                                  .overrides = overrides,
                                  .inputs = (const char *const *)rest + 1,
                                  .queue_url = queue_url,
                                  .json = json,
                                  .quiet = quiet};
        return submit_batch(&request);
    }
    int status = DK_EXIT_USAGE;
    dk_event *event = NULL;
    dk_registry *registry = NULL;
    dk_pipeline *pipeline = NULL;
    dk_library *library = NULL;
    dk_run *run = NULL;
    dk_error err = {0};
    char *root = NULL;
    bool loaded = cli_load_batch(event_path, rest[0], overrides, library_path,
                                 &event, &registry, &pipeline, &root);
    g_free(library_path);
    library_path = root;
    if (!loaded)
        goto out;
    if (dk_library_open(library_path, &library, &err) < 0) {
        cli_error("%s", err.message);
        goto out;
    }
    /* a URL the library does not know is refused once, before any file */
    if (dk_queue_check_url(queue_url, library->root, &err) < 0) {
        cli_error("%s", err.message);
        goto out;
    }
    library->queue_url = g_steal_pointer(&queue_url);
    GPtrArray *notes = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *inputs =
        dk_collect_inputs((const char *const *)rest + 1, library->root, notes);
    /* worded like the runner's own skipped lines: not failures, not silent */
    for (guint i = 0; i < notes->len; i++)
        fprintf(stderr, _("dokpim: skipped: %s\n"), (char *)notes->pdata[i]);
    g_ptr_array_free(notes, TRUE);
    cli_install_signal_thread("stopping after the files in progress");
    cli_progress progress;
    progress_init(&progress, quiet);
    dk_run_options options = {.jobs = jobs,
                              .on_result = progress_on_result,
                              .user = &progress,
                              .upload_queued = dk_queue_upload_known};
    int rc = dk_run_pipeline(pipeline, library, inputs, &options, &run, &err);
    progress_finish(&progress);
    g_ptr_array_free(inputs, TRUE);
    if (rc < 0) {
        cli_error("%s", err.message);
        goto out;
    }
    progress_report_stage_errors(run);
    print_summary(run, library);
    if (json)
        json_print_run(pipeline, library, run);
    status = progress_run_status(run);
out:
    dk_run_free(&run);
    dk_library_free(&library);
    dk_pipeline_free(&pipeline);
    dk_registry_free(&registry);
    dk_event_free(&event);
    return status;
}
