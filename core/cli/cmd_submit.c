/* dokpim submit PIPELINE --event EVENT -o LIBRARY [--set ...] INPUT...
 * (and `dokpim run ... --submit`): the batch recorded as processing jobs
 * for `dokpim work` on any machine, instead of being run here. */
#include "cli.h"
#include "json.h"
#include "process_job.h"
#include "runner.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

typedef struct submit_tally {
    int submitted, already, refused;
    GArray *ids;      /* int64_t: every item job of the batch */
    GPtrArray *shas;  /* their content, for the finish job's identity */
    JsonBuilder *out; /* --json: one element per input */
} submit_tally;

/* The content of an input, from the library's source cache when the file
 * is unchanged since it was last hashed for this library. */
static int hash_input(const char *root, const char *path, struct stat *st,
                      char hex[65], dk_error *err)
{
    int rc = dk_input_file_check(path, st, err);
    if (rc < 0)
        return rc;
    if (dk_source_cache_lookup(root, path, st, hex))
        return 0;
    rc = dk_hash_file(path, hex, err);
    if (rc == 0)
        dk_source_cache_store(root, path, st, hex);
    return rc;
}

static queue_record *new_record(const char *plugin, const process_spec *spec,
                                const dk_pipeline *pipeline, const char *path,
                                const char *sha256, const struct stat *st)
{
    queue_record *r = g_new0(queue_record, 1);
    r->plugin = g_strdup(plugin);
    r->stage = g_strdup(pipeline->name ? pipeline->name : "pipeline");
    r->target = process_spec_target(spec, plugin);
    r->library = g_strdup(spec->library);
    r->path = g_strdup(path);
    r->sha256 = g_strdup(sha256);
    r->size = st->st_size;
    r->mtime = st->st_mtime;
    r->state = DK_JOB_QUEUED;
    r->options = process_spec_to_json(spec);
    /* what `queue work` and `queue show` name the job by */
    g_autofree char *name =
        g_strdup_printf("%s (%s)", process_job_kind(plugin), r->stage);
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_add_string(b, "source", path);
    json_add_string(b, "target-name", name);
    json_builder_end_object(b);
    r->meta = json_text(b, false);
    g_object_unref(b);
    return r;
}

static void report_input(submit_tally *tally, const char *path, int64_t id,
                         const char *outcome, const char *problem)
{
    if (problem)
        cli_error("%s: %s", path, problem);
    if (!tally->out)
        return;
    JsonBuilder *b = tally->out;
    json_builder_begin_object(b);
    json_add_string(b, "path", path);
    json_add_string(b, "result", outcome);
    json_builder_set_member_name(b, "job");
    if (id)
        json_builder_add_int_value(b, id);
    else
        json_builder_add_null_value(b);
    json_add_string(b, "error", problem);
    json_builder_end_object(b);
}

static void submit_input(dk_queue *queue, const process_spec *batch,
                         const dk_pipeline *pipeline, const char *path, int seq,
                         submit_tally *tally)
{
    struct stat st;
    char hex[65];
    dk_error err = {0};
    if (hash_input(batch->library, path, &st, hex, &err) < 0) {
        tally->refused++;
        report_input(tally, path, 0, "refused", err.message);
        return;
    }
    process_spec spec = *batch;
    spec.seq = seq;
    queue_record *r =
        new_record(DK_JOB_PROCESS, &spec, pipeline, path, hex, &st);
    bool added = false;
    if (queue->backend->insert(queue->db, r, &added, &err) < 0) {
        tally->refused++;
        report_input(tally, path, 0, "refused", err.message);
    } else {
        if (added)
            tally->submitted++;
        else
            tally->already++;
        g_array_append_val(tally->ids, r->id);
        g_ptr_array_add(tally->shas, g_strdup(hex));
        report_input(tally, path, r->id, added ? "submitted" : "already", NULL);
    }
    queue_record_free(r);
}

static int compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_finish(const dk_pipeline *pipeline)
{
    for (guint i = 0; i < pipeline->stages->len; i++)
        if (dk_stage_finishes(pipeline->stages->pdata[i]))
            return true;
    return false;
}

/* The batch's finish job: the same batch (the same items for the same
 * work) submitted again is the same job. */
static int submit_finish(dk_queue *queue, const process_spec *batch,
                         const dk_pipeline *pipeline, submit_tally *tally,
                         int64_t *id, dk_error *err)
{
    *id = 0;
    if (!tally->ids->len || !has_finish(pipeline))
        return 0;
    struct stat st;
    if (stat(batch->pipeline, &st) != 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot read", batch->pipeline);
    g_ptr_array_sort(tally->shas, compare_strings);
    GString *identity = g_string_new(batch->pipeline_sha256);
    for (guint i = 0; i < tally->shas->len; i++)
        g_string_append_printf(identity, " %s", (char *)tally->shas->pdata[i]);
    g_autofree char *sha256 = g_compute_checksum_for_string(
        G_CHECKSUM_SHA256, identity->str, (gssize)identity->len);
    g_string_free(identity, TRUE);
    process_spec spec = *batch;
    spec.items = tally->ids;
    queue_record *r = new_record(DK_JOB_FINISH, &spec, pipeline,
                                 batch->pipeline, sha256, &st);
    bool added = false;
    int rc = queue->backend->insert(queue->db, r, &added, err);
    if (rc == 0)
        *id = r->id;
    queue_record_free(r);
    return rc;
}

static void print_json(const submit_tally *tally, const char *library,
                       int64_t finish_id)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_add_string(b, "library", library);
    const struct {
        const char *name;
        int value;
    } counts[] = {{"submitted", tally->submitted},
                  {"already", tally->already},
                  {"refused", tally->refused}};
    for (size_t i = 0; i < G_N_ELEMENTS(counts); i++) {
        json_builder_set_member_name(b, counts[i].name);
        json_builder_add_int_value(b, counts[i].value);
    }
    json_builder_set_member_name(b, "finish_job");
    if (finish_id)
        json_builder_add_int_value(b, finish_id);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "inputs");
    json_builder_add_value(b, json_builder_get_root(tally->out));
    json_builder_end_object(b);
    json_print(b);
    g_object_unref(b);
}

/* Fills the batch's spec: absolute paths and the files' hashes now. */
static bool describe_batch(const submit_request *request, const char *root,
                           process_spec *spec)
{
    spec->library = g_strdup(root);
    spec->pipeline = g_canonicalize_filename(request->pipeline, NULL);
    spec->event = g_canonicalize_filename(request->event, NULL);
    spec->overrides = g_strdupv(request->overrides);
    char hex[65];
    dk_error err = {0};
    if (dk_hash_file(spec->pipeline, hex, &err) < 0) {
        cli_error("%s", err.message);
        return false;
    }
    spec->pipeline_sha256 = g_strdup(hex);
    if (dk_hash_file(spec->event, hex, &err) < 0) {
        cli_error("%s", err.message);
        return false;
    }
    spec->event_sha256 = g_strdup(hex);
    return true;
}

static int record_batch(dk_queue *queue, const submit_request *request,
                        const process_spec *batch, const dk_pipeline *pipeline)
{
    GPtrArray *notes = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *inputs =
        dk_collect_inputs(request->inputs, batch->library, notes);
    for (guint i = 0; i < notes->len; i++)
        cli_note("skipped: %s", (char *)notes->pdata[i]);
    g_ptr_array_free(notes, TRUE);
    submit_tally tally = {.ids = g_array_new(FALSE, FALSE, sizeof(int64_t)),
                          .shas = g_ptr_array_new_with_free_func(g_free)};
    if (request->json) {
        tally.out = json_builder_new();
        json_builder_begin_array(tally.out);
    }
    /* numbered as `dokpim run` numbers them: {seq} comes out the same */
    for (guint i = 0; i < inputs->len; i++)
        submit_input(queue, batch, pipeline, inputs->pdata[i], (int)i + 1,
                     &tally);
    int64_t finish_id = 0;
    dk_error err = {0};
    int status = DK_EXIT_OK;
    if (submit_finish(queue, batch, pipeline, &tally, &finish_id, &err) < 0) {
        cli_error("the batch's finish job: %s", err.message);
        status = DK_EXIT_ITEMS_FAILED;
    }
    if (tally.refused)
        status = DK_EXIT_ITEMS_FAILED;
    if (tally.refused)
        cli_note("%d submitted, %d already queued or done, %d refused",
                 tally.submitted, tally.already, tally.refused);
    else
        cli_note("%d submitted, %d already queued or done", tally.submitted,
                 tally.already);
    if (finish_id && !request->quiet)
        cli_note("job %" PRId64 " finishes the batch once its items "
                 "are done; run `dokpim work -o %s` on each machine",
                 finish_id, batch->library);
    if (tally.out) {
        json_builder_end_array(tally.out);
        print_json(&tally, batch->library, finish_id);
        g_object_unref(tally.out);
    }
    g_array_free(tally.ids, TRUE);
    g_ptr_array_free(tally.shas, TRUE);
    g_ptr_array_free(inputs, TRUE);
    return status;
}

int submit_batch(const submit_request *request)
{
    int status = DK_EXIT_USAGE;
    dk_event *event = NULL;
    dk_registry *registry = NULL;
    dk_pipeline *pipeline = NULL;
    dk_queue *queue = NULL;
    process_spec batch = {0};
    dk_error err = {0};
    char *root = NULL;
    /* everything a worker would refuse is refused now, before any job */
    if (!cli_load_batch(request->event, request->pipeline, request->overrides,
                        request->library, &event, &registry, &pipeline, &root))
        goto out;
    if (g_mkdir_with_parents(root, 0755) != 0) {
        cli_error("cannot create folder %s: %s", root, g_strerror(errno));
        goto out;
    }
    if (!describe_batch(request, root, &batch))
        goto out;
    if (dk_queue_open_url(request->queue_url, root, true, &queue, &err) < 0) {
        cli_error("%s", err.message);
        goto out;
    }
    status = record_batch(queue, request, &batch, pipeline);
out:
    g_free(root);
    dk_queue_close(&queue);
    process_spec_clear(&batch);
    dk_pipeline_free(&pipeline);
    dk_registry_free(&registry);
    dk_event_free(&event);
    return status;
}

int cmd_submit(int argc, char **argv)
{
    g_autofree char *event = NULL;
    g_autofree char *library = NULL;
    g_autofree char *queue_url = NULL;
    g_auto(GStrv) overrides = NULL;
    g_auto(GStrv) rest = NULL;
    gboolean json = FALSE, quiet = FALSE;
    GOptionEntry entries[] = {
        {"event", 'e', 0, G_OPTION_ARG_FILENAME, &event,
         N_("event file (required)"), "EVENT"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &library,
         N_("library folder (default: ./dokpim-library/DATE_EVENT); on a mount "
            "every worker sees at the same path"),
         "LIBRARY"},
        {"queue", 0, 0, G_OPTION_ARG_STRING, &queue_url,
         N_("the queue the workers take jobs from: postgresql://... (several "
            "machines) or sqlite:PATH (default: $DOKPIM_QUEUE, else the one "
            "the library remembers, else LIBRARY/queue.db)"),
         "URL"},
        {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &overrides,
         N_("override an option, e.g. web.web-size=1600 (repeatable)"),
         "STAGE.OPTION=VALUE"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         N_("print a JSON summary on stdout"), NULL},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
         N_("only report problems and the summary"), NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    if (!cli_parse(&argc, &argv, "PIPELINE INPUT...",
                   "Records every INPUT (files, or folders searched "
                   "recursively) as a job\nfor `dokpim work`, which runs "
                   "PIPELINE's stages on it on any machine\nthat sees the "
                   "library and the inputs at the same paths.",
                   entries))
        return DK_EXIT_USAGE;
    if (!rest || !rest[0] || !rest[1]) {
        cli_error("submit needs a pipeline and at least one input (see "
                  "--help)");
        return DK_EXIT_USAGE;
    }
    if (!event) {
        cli_error("submit needs --event EVENT (the event file)");
        return DK_EXIT_USAGE;
    }
    submit_request request = {.pipeline = rest[0],
                              .event = event,
                              .library = library,
                              .overrides = overrides,
                              .inputs = (const char *const *)rest + 1,
                              .queue_url = queue_url,
                              .json = json,
                              .quiet = quiet};
    return submit_batch(&request);
}
