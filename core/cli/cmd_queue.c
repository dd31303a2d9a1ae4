/* dokpim queue list|show|retry|cancel|purge-done|work [-o LIBRARY]
 * [--queue URL] */
#include "queue_cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool parse_id(const char *text, int64_t *id)
{
    char *end = NULL;
    *id = text ? g_ascii_strtoll(text, &end, 10) : 0;
    if (!text || !*text || *end || *id <= 0) {
        cli_error("'%s' is not a job number (see dokpim queue list)",
                  text ? text : "");
        return false;
    }
    return true;
}

static int list_jobs(dk_queue *queue, bool json)
{
    GPtrArray *records =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    dk_error err = {0};
    int status = DK_EXIT_OK;
    if (dk_queue_list(queue, records, &err) < 0) {
        cli_error("%s", err.message);
        status = DK_EXIT_ITEMS_FAILED;
    } else if (json) {
        queue_print_json(queue, records);
    } else {
        queue_print_table(records);
    }
    g_ptr_array_free(records, TRUE);
    return status;
}

static int show_job(dk_queue *queue, int64_t id, bool json)
{
    queue_record *record = NULL;
    dk_error err = {0};
    if (dk_queue_get(queue, id, &record, &err) < 0) {
        cli_error("%s", err.message);
        return DK_EXIT_ITEMS_FAILED;
    }
    if (json) {
        GPtrArray *one = g_ptr_array_new();
        g_ptr_array_add(one, record);
        queue_print_json(queue, one);
        g_ptr_array_free(one, TRUE);
    } else {
        GPtrArray *steps =
            g_ptr_array_new_with_free_func((GDestroyNotify)queue_step_free);
        dk_queue_steps(queue, id, steps, &err);
        queue_print_details(record, steps);
        g_ptr_array_free(steps, TRUE);
    }
    queue_record_free(record);
    return DK_EXIT_OK;
}

static int change_job(dk_queue *queue, const char *action, int64_t id,
                      bool force)
{
    dk_error err = {0};
    int rc = strcmp(action, "retry") == 0
                 ? dk_queue_retry(queue, id, force, &err)
                 : dk_queue_cancel(queue, id, &err);
    if (rc < 0) {
        cli_error("%s", err.message);
        return DK_EXIT_ITEMS_FAILED;
    }
    fprintf(stderr,
            strcmp(action, "retry") == 0
                ? _("dokpim: job %" PRId64 " queued again\n")
                : _("dokpim: job %" PRId64 " cancelled\n"),
            id);
    return DK_EXIT_OK;
}

static int purge(dk_queue *queue)
{
    int count = 0;
    dk_error err = {0};
    if (dk_queue_purge_done(queue, &count, &err) < 0) {
        cli_error("%s", err.message);
        return DK_EXIT_ITEMS_FAILED;
    }
    fprintf(stderr,
            dk_ngettext("dokpim: removed %d finished job (the ledger still "
                        "remembers what was sent)\n",
                        "dokpim: removed %d finished jobs (the ledger still "
                        "remembers what was sent)\n",
                        count),
            count);
    return DK_EXIT_OK;
}

static const char *const actions[] = {"list",       "show", "retry", "cancel",
                                      "purge-done", "work", NULL};

int cmd_queue(int argc, char **argv)
{
    g_autofree char *library = NULL;
    g_autofree char *queue_url = NULL;
    gboolean json = FALSE, force = FALSE, until_empty = FALSE;
    g_auto(GStrv) rest = NULL;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &library,
         N_("library folder holding queue.db (default: the current folder)"),
         "LIBRARY"},
        {"queue", 0, 0, G_OPTION_ARG_STRING, &queue_url,
         N_("the queue: postgresql://... (shared by several machines) or "
            "sqlite:PATH (default: $DOKPIM_QUEUE, else the one the library "
            "remembers, else LIBRARY/queue.db); without -o, every library's "
            "jobs"),
         "URL"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         N_("list, show, work: print JSON on stdout"), NULL},
        {"force", 0, 0, G_OPTION_ARG_NONE, &force,
         N_("retry: send the file again even though it was sent"), NULL},
        {"until-empty", 0, 0, G_OPTION_ARG_NONE, &until_empty,
         N_("work: stop when no job is ready instead of waiting for more; exit "
            "3 when jobs remain deferred (quota day, network), 1 when any "
            "failed"),
         NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    bool parsed = cli_parse(
        &argc, &argv, "list|show ID|retry ID|cancel ID|purge-done|work",
        "The upload queue of a library. Upload stages of `dokpim run` add\n"
        "jobs; `work` performs them (Ctrl-C stops after saving where each\n"
        "upload is; the next `work` resumes it).",
        entries);
    if (!parsed)
        return DK_EXIT_USAGE;
    const char *action = rest && rest[0] ? rest[0] : "list";
    if (!g_strv_contains(actions, action)) {
        cli_error("unknown queue action '%s' (list, show, retry, cancel, "
                  "purge-done, work)",
                  action);
        return DK_EXIT_USAGE;
    }
    bool needs_id = !strcmp(action, "show") || !strcmp(action, "retry") ||
                    !strcmp(action, "cancel");
    int64_t id = 0;
    if (needs_id && !parse_id(rest[1], &id))
        return DK_EXIT_USAGE;
    if (rest && rest[0] && rest[needs_id ? 1 : 0] && rest[needs_id ? 2 : 1]) {
        cli_error("too many arguments for queue %s", action);
        return DK_EXIT_USAGE;
    }
    dk_queue *queue = NULL;
    if (!queue_open_for_command(queue_url, library, &queue))
        return DK_EXIT_USAGE;
    int status;
    if (!strcmp(action, "list"))
        status = list_jobs(queue, json);
    else if (!strcmp(action, "show"))
        status = show_job(queue, id, json);
    else if (needs_id)
        status = change_job(queue, action, id, force);
    else if (!strcmp(action, "purge-done"))
        status = purge(queue);
    else
        status = queue_work(queue, queue_url, until_empty, json);
    dk_queue_close(&queue);
    return status;
}
