/* dokpim archive LIBRARY --bag OUT [--copy] [--event EVENT] [--json]
 * dokpim archive --validate BAG [--json]
 * Archive packages in BagIt (RFC 8493), the format archives and
 * repositories take in, and the check anyone can rerun on one. */
#include "bag.h"
#include "cli.h"
#include "json.h"

#include <inttypes.h>
#include <stdio.h>

static void print_written(const char *out, const dk_bag_stats *s, bool json)
{
    if (json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_add_string(b, "bag", out);
        json_builder_set_member_name(b, "files");
        json_builder_add_int_value(b, (gint64)s->files);
        json_builder_set_member_name(b, "bytes");
        json_builder_add_int_value(b, (gint64)s->bytes);
        json_builder_set_member_name(b, "linked");
        json_builder_add_int_value(b, (gint64)s->linked);
        json_builder_set_member_name(b, "reflinked");
        json_builder_add_int_value(b, (gint64)s->reflinked);
        json_builder_set_member_name(b, "copied");
        json_builder_add_int_value(b, (gint64)s->copied);
        json_builder_end_object(b);
        json_print(b);
        g_object_unref(b);
        return;
    }
    g_autofree char *size = g_format_size(s->bytes);
    cli_line(stdout, "",
             "bag %s: %" PRIu64 " files, %s (%" PRIu64 " hard-linked, %" PRIu64
             " reflinked, %" PRIu64 " copied)",
             out, s->files, size, s->linked, s->reflinked, s->copied);
}

static int write_bag(const char *library, const char *out, bool copy,
                     const char *event_path, int jobs, bool json)
{
    dk_event *event = NULL;
    if (!cli_load_event(event_path, &event))
        return DK_EXIT_USAGE;
    dk_bag_options options = {.copy = copy, .jobs = jobs, .event = event};
    dk_bag_stats stats;
    dk_error err = {0};
    cli_install_signal_thread("stopping: the unfinished bag is removed");
    int rc = dk_bag_write(library, out, &options, &stats, &err);
    dk_event_free(&event);
    if (rc == DK_ERR_CANCELLED)
        return DK_EXIT_INTERRUPTED;
    if (rc < 0) {
        cli_error("%s", err.message);
        return DK_EXIT_ITEMS_FAILED;
    }
    print_written(out, &stats, json);
    return DK_EXIT_OK;
}

static void print_report(const char *bag, const dk_bag_report *r, bool json)
{
    GPtrArray *problems = r->problems;
    if (json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_add_string(b, "bag", bag);
        json_builder_set_member_name(b, "valid");
        json_builder_add_boolean_value(b, problems->len == 0);
        json_builder_set_member_name(b, "files");
        json_builder_add_int_value(b, (gint64)r->files);
        json_builder_set_member_name(b, "bytes");
        json_builder_add_int_value(b, (gint64)r->bytes);
        json_builder_set_member_name(b, "problems");
        json_builder_begin_array(b);
        for (guint i = 0; i < problems->len; i++) {
            const dk_bag_problem *p = problems->pdata[i];
            json_builder_begin_object(b);
            json_add_string(b, "file", p->file);
            json_add_string(b, "problem", p->problem);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        json_print(b);
        g_object_unref(b);
        return;
    }
    for (guint i = 0; i < problems->len; i++) {
        const dk_bag_problem *p = problems->pdata[i];
        cli_line(stdout, "", "%s: %s", p->file, p->problem);
    }
    g_autofree char *size = g_format_size(r->bytes);
    if (problems->len)
        cli_note("%s is NOT a valid bag: %u problems", bag, problems->len);
    else
        cli_note("%s is a valid bag: %" PRIu64 " files, %s", bag, r->files,
                 size);
}

static int validate_bag(const char *bag, int jobs, bool json)
{
    dk_bag_report report;
    dk_error err = {0};
    if (dk_bag_validate(bag, jobs, &report, &err) < 0) {
        cli_error("%s", err.message);
        dk_bag_report_clear(&report);
        return DK_EXIT_ITEMS_FAILED;
    }
    print_report(bag, &report, json);
    int status = report.problems->len ? DK_EXIT_ITEMS_FAILED : DK_EXIT_OK;
    dk_bag_report_clear(&report);
    return status;
}

int cmd_archive(int argc, char **argv)
{
    g_autofree char *bag = NULL, *validate = NULL, *event_path = NULL;
    g_auto(GStrv) rest = NULL;
    gboolean copy = FALSE, json = FALSE;
    int jobs = 0;
    GOptionEntry entries[] = {
        {"bag", 0, 0, G_OPTION_ARG_FILENAME, &bag,
         N_("write a BagIt bag of LIBRARY into OUT (which must not exist)"),
         "OUT"},
        {"copy", 0, 0, G_OPTION_ARG_NONE, &copy,
         N_("copy files even where hard links would do"), NULL},
        {"event", 'e', 0, G_OPTION_ARG_FILENAME, &event_path,
         N_("an event to describe in bag-info.txt besides those the library "
            "records"),
         "EVENT"},
        {"validate", 0, 0, G_OPTION_ARG_FILENAME, &validate,
         N_("check the bag BAG: completeness and every checksum"), "BAG"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
         N_("files read at once (default: one per processor)"), "N"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("print JSON on stdout"),
         NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    bool parsed = cli_parse(
        &argc, &argv, "LIBRARY --bag OUT | --validate BAG",
        "Writes a BagIt (RFC 8493) archive package of a library: its "
        "originals,\nderivatives and item manifests under data/, SHA-512 and "
        "SHA-256 manifests,\nand bag-info.txt describing the events. OUT is "
        "built as OUT.partial-XXXXXX\nand renamed when complete; files are "
        "hard-linked when OUT is on the\nlibrary's file system (--copy to "
        "copy). --validate checks any bag: every\nfile listed and present, "
        "Payload-Oxum, every checksum; each problem is\nnamed on its own "
        "line and the exit status is 1.",
        entries);
    if (!parsed)
        return DK_EXIT_USAGE;
    if (jobs < 0 || jobs > 256) {
        cli_error("--jobs must be 1 to 256");
        return DK_EXIT_USAGE;
    }
    if (validate && !bag && !rest)
        return validate_bag(validate, jobs, json);
    if (bag && !validate && rest && rest[0] && !rest[1])
        return write_bag(rest[0], bag, copy, event_path, jobs, json);
    cli_error("archive needs LIBRARY --bag OUT, or --validate BAG alone "
              "(see --help)");
    return DK_EXIT_USAGE;
}
