/* dokpim check PIPELINE [--event EVENT] [--set STAGE.OPTION=VALUE]... */
#include "cli.h"

#include <stdio.h>

int cmd_check(int argc, char **argv)
{
    g_autofree char *event_path = NULL;
    g_auto(GStrv) overrides = NULL;
    g_auto(GStrv) rest = NULL;
    GOptionEntry entries[] = {
        {"event", 'e', 0, G_OPTION_ARG_FILENAME, &event_path,
         N_("also check the event file, and that templates only use fields "
            "it sets"),
         "EVENT"},
        {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &overrides,
         N_("override an option (repeatable)"), "STAGE.OPTION=VALUE"},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    bool parsed = cli_parse(&argc, &argv, "PIPELINE",
                            "Validates a pipeline without touching any "
                            "file: plugins, option names,\ntypes, "
                            "ranges, templates and input files.",
                            entries);
    if (!parsed)
        return DK_EXIT_USAGE;
    if (!rest || !rest[0] || rest[1]) {
        cli_error("check needs exactly one pipeline file (see --help)");
        return DK_EXIT_USAGE;
    }
    dk_event *event = NULL;
    if (!cli_load_event(event_path, &event))
        return DK_EXIT_USAGE;
    dk_registry *registry = cli_load_plugins();
    dk_pipeline *pipeline = NULL;
    bool ok = cli_load_pipeline(rest[0], registry, event_path ? event : NULL,
                                overrides, &pipeline);
    if (ok) {
        GString *line = g_string_new(NULL);
        g_string_append_printf(
            line,
            dk_ngettext("%s: OK: %s, %u stage:", "%s: OK: %s, %u stages:",
                        pipeline->stages->len),
            rest[0], pipeline->name ? pipeline->name : _("(unnamed)"),
            pipeline->stages->len);
        for (guint i = 0; i < pipeline->stages->len; i++) {
            const dk_stage *stage = pipeline->stages->pdata[i];
            g_string_append_printf(line, "%s %s (%s)", i ? "," : "",
                                   stage->name, stage->plugin->name);
        }
        cli_line(stdout, "", "%s", line->str);
        g_string_free(line, TRUE);
    }
    dk_pipeline_free(&pipeline);
    dk_registry_free(&registry);
    dk_event_free(&event);
    return ok ? DK_EXIT_OK : DK_EXIT_USAGE;
}
