/* dokpim doctor [-o LIBRARY]... [--queue URL] [--pipeline P]... [--json]:
 * whether this machine can do the crew's work — plugins, the media
 * elements and fonts the pipelines need, private secrets, free space, the
 * queue, the clock — before an event rather than during it. */
#include "doctor.h"

static void finding_free(gpointer data)
{
    doctor_finding *f = data;
    g_free(f->check);
    g_free(f->message);
    g_free(f->advice);
    g_free(f);
}

int cmd_doctor(int argc, char **argv)
{
    g_auto(GStrv) libraries = NULL;
    g_auto(GStrv) pipelines = NULL;
    g_autofree char *queue_url = NULL;
    gboolean json = FALSE;
    g_auto(GStrv) rest = NULL;
    GOptionEntry entries[] = {
        {"library", 'o', 0, G_OPTION_ARG_FILENAME_ARRAY, &libraries,
         N_("a library folder to check: free space, queue, keys (repeatable)"),
         "LIBRARY"},
        {"queue", 0, 0, G_OPTION_ARG_STRING, &queue_url,
         N_("the queue to check besides the libraries' own"), "URL"},
        {"pipeline", 'p', 0, G_OPTION_ARG_FILENAME_ARRAY, &pipelines,
         N_("a pipeline to check besides the shipped ones (repeatable)"), "P"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         N_("print an array of {check, status, message, advice}"), NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    bool parsed = cli_parse(
        &argc, &argv, "",
        "Checks this machine: plugins load, the shipped (and --pipeline) "
        "pipelines pass\n`dokpim check`, the GStreamer elements and FFmpeg "
        "codecs they use exist, the\noverlay's fonts cover Latin, Balinese "
        "and Arabic, secret files are private,\nthere is free space, the "
        "queue opens at the expected schema, the clock is\nsynchronised. "
        "One line per finding: ok, warn or FAIL, what was found and what\n"
        "to do.\n\nExit status: 0 when nothing FAILed (warnings alone "
        "still give 0), 1 when\nsomething FAILed, 2 on a usage error.",
        entries);
    if (!parsed)
        return DK_EXIT_USAGE;
    if (rest && rest[0]) {
        cli_error("doctor takes no arguments; libraries go with -o (see "
                  "--help)");
        return DK_EXIT_USAGE;
    }
    for (int i = 0; libraries && libraries[i]; i++) {
        char *canon = g_canonicalize_filename(libraries[i], NULL);
        g_free(libraries[i]);
        libraries[i] = canon;
    }
    doctor d = {
        .libraries = libraries,
        .queue_url = queue_url,
        .pipelines = pipelines,
        .registry = dk_registry_load_default(),
        .findings = g_ptr_array_new_with_free_func(finding_free),
        .secrets =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
    };
    doctor_check_plugins(&d);
    doctor_check_pipelines(&d);
    doctor_check_media(&d);
    doctor_check_fonts(&d);
    doctor_check_secrets(&d);
    doctor_check_space(&d);
    doctor_check_queue(&d);
    doctor_check_clock(&d);
    if (json)
        doctor_print_json(&d);
    else
        doctor_print_text(&d);
    int status =
        doctor_worst(&d) == DOCTOR_FAIL ? DK_EXIT_ITEMS_FAILED : DK_EXIT_OK;
    g_ptr_array_free(d.findings, TRUE);
    g_hash_table_destroy(d.secrets);
    dk_registry_free(&d.registry);
    return status;
}
