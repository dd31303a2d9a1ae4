/* dokpim work [-o LIBRARY] [--until-empty] [--json]: performs the jobs of
 * a queue, processing and uploads alike, one at a time; start one on each
 * machine that sees the library. The loop is `dokpim queue work`'s. */
#include "queue_cli.h"

int cmd_work(int argc, char **argv)
{
    g_autofree char *library = NULL;
    g_autofree char *queue_url = NULL;
    gboolean json = FALSE, until_empty = FALSE;
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
        {"until-empty", 0, 0, G_OPTION_ARG_NONE, &until_empty,
         N_("stop when no job is ready instead of waiting for more (a batch's "
            "finish job still waiting for items is waited for); exit 3 when "
            "jobs remain deferred, 1 when any failed"),
         NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         N_("print the jobs as JSON on stdout at the end"), NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    if (!cli_parse(&argc, &argv, "",
                   "Takes the jobs `dokpim submit` and the upload stages "
                   "recorded and performs\nthem: the pipeline's stages on "
                   "each submitted input, then the batch's\nend-of-run work, "
                   "and the uploads. Several workers may share one library.",
                   entries))
        return DK_EXIT_USAGE;
    if (rest && rest[0]) {
        cli_error("work takes no arguments (got '%s')", rest[0]);
        return DK_EXIT_USAGE;
    }
    dk_queue *queue = NULL;
    if (!queue_open_for_command(queue_url, library, &queue))
        return DK_EXIT_USAGE;
    int status = queue_work(queue, queue_url, until_empty, json);
    dk_queue_close(&queue);
    return status;
}
