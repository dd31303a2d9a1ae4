/* dokpim audit LIBRARY [--json] [-j N]: re-hashes every original and every
 * recorded derivative, and names each file that changed or went missing.
 * Meant for a nightly cron job: exit 0 only when everything is intact. */
#include "audit.h"
#include "cli.h"
#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *what(const dk_audit_file *f)
{
    return f->original ? "original" : "derivative";
}

/* One line per problem, escaped like every line the CLI prints. */
static void print_problem(const dk_audit_file *f)
{
    switch (f->problem) {
    case DK_AUDIT_CHANGED:
        if (f->expected_size >= 0 && f->expected_size != f->size)
            cli_line(stdout, "",
                     "%s changed: %s: expected sha256 %s (%" PRId64
                     " bytes), found %s (%" PRId64 " bytes)",
                     what(f), f->path, f->expected, f->expected_size, f->found,
                     f->size);
        else
            cli_line(stdout, "", "%s changed: %s: expected sha256 %s, found %s",
                     what(f), f->path, f->expected, f->found);
        break;
    case DK_AUDIT_MISSING:
        if (f->original)
            cli_line(stdout, "", "original missing: %s (item %s)", f->path,
                     f->item);
        else
            cli_line(stdout, "",
                     "derivative missing: %s (written by [%s] for item %s)",
                     f->path, f->stage ? f->stage : "?", f->item);
        break;
    case DK_AUDIT_UNREADABLE:
        cli_line(stdout, "", "%s unreadable: %s: %s", what(f), f->path,
                 f->error ? f->error : "");
        break;
    case DK_AUDIT_INTACT:
        break;
    }
}

static void print_summary(const dk_audit *audit)
{
    int counts[DK_AUDIT_UNREADABLE + 1] = {0};
    for (guint i = 0; i < audit->files->len; i++)
        counts[((const dk_audit_file *)audit->files->pdata[i])->problem]++;
    double mb = (double)audit->bytes / 1e6;
    GString *line = g_string_new(NULL);
    g_autofree char *originals = g_strdup_printf(
        dk_ngettext("%d original", "%d originals", audit->originals),
        audit->originals);
    g_autofree char *derivatives = g_strdup_printf(
        dk_ngettext("%d derivative", "%d derivatives", audit->derivatives),
        audit->derivatives);
    /* TRANSLATORS: library: "3 originals" and "5 derivatives", MB, seconds */
    g_string_append_printf(line, _("%s: %s and %s, %.1f MB hashed in %.2f s"),
                           audit->root, originals, derivatives, mb,
                           audit->seconds);
    if (audit->seconds > 0)
        g_string_append_printf(line, " (%.0f MB/s)", mb / audit->seconds);
    if (audit->cancelled)
        g_string_append(line, _(": stopped before the end"));
    else if (!audit->problems)
        g_string_append(line, _(": all intact"));
    else
        g_string_append_printf(line,
                               dk_ngettext(": %d problem (%d changed, %d "
                                           "missing, %d unreadable)",
                                           ": %d problems (%d changed, %d "
                                           "missing, %d unreadable)",
                                           audit->problems),
                               audit->problems, counts[DK_AUDIT_CHANGED],
                               counts[DK_AUDIT_MISSING],
                               counts[DK_AUDIT_UNREADABLE]);
    if (audit->unhashed)
        g_string_append_printf(
            line,
            dk_ngettext("; %d derivative recorded without a sha256 (by an "
                        "older dokpim) only checked to exist",
                        "; %d derivatives recorded without a sha256 (by an "
                        "older dokpim) only checked to exist",
                        audit->unhashed),
            audit->unhashed);
    cli_line(stdout, "", "%s", line->str);
    g_string_free(line, TRUE);
}

static void add_int(JsonBuilder *builder, const char *name, int64_t value)
{
    json_builder_set_member_name(builder, name);
    json_builder_add_int_value(builder, value);
}

static void add_problem(JsonBuilder *builder, const dk_audit *audit,
                        const dk_audit_file *f)
{
    json_builder_begin_object(builder);
    json_add_string(builder, "path", f->path);
    size_t n = strlen(audit->root);
    bool inside = strncmp(f->path, audit->root, n) == 0 && f->path[n] == '/';
    json_add_string(builder, "relative", inside ? f->path + n + 1 : f->path);
    json_add_string(builder, "kind", what(f));
    json_add_string(builder, "problem", dk_audit_problem_name(f->problem));
    json_add_string(builder, "item", f->item);
    json_add_string(builder, "stage", f->stage);
    json_add_string(builder, "role", f->role);
    json_add_string(builder, "expected_sha256", f->expected);
    json_add_string(builder, "found_sha256", f->found[0] ? f->found : NULL);
    if (f->expected_size >= 0)
        add_int(builder, "expected_size", f->expected_size);
    if (f->size >= 0)
        add_int(builder, "size", f->size);
    json_add_string(builder, "error", f->error);
    json_builder_end_object(builder);
}

static void print_json(const dk_audit *audit)
{
    JsonBuilder *builder = json_builder_new();
    json_builder_begin_object(builder);
    json_add_string(builder, "library", audit->root);
    json_builder_set_member_name(builder, "intact");
    json_builder_add_boolean_value(builder,
                                   !audit->problems && !audit->cancelled);
    add_int(builder, "originals", audit->originals);
    add_int(builder, "derivatives", audit->derivatives);
    add_int(builder, "unhashed_derivatives", audit->unhashed);
    add_int(builder, "bytes_hashed", audit->bytes);
    json_builder_set_member_name(builder, "seconds");
    json_builder_add_double_value(builder, audit->seconds);
    json_builder_set_member_name(builder, "cancelled");
    json_builder_add_boolean_value(builder, audit->cancelled);
    json_builder_set_member_name(builder, "problems");
    json_builder_begin_array(builder);
    for (guint i = 0; i < audit->files->len; i++) {
        const dk_audit_file *f = audit->files->pdata[i];
        if (f->problem)
            add_problem(builder, audit, f);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);
    json_print(builder);
    g_object_unref(builder);
}

int cmd_audit(int argc, char **argv)
{
    g_auto(GStrv) rest = NULL;
    int jobs = 2;
    gboolean json = FALSE;
    GOptionEntry entries[] = {{"json", 0, 0, G_OPTION_ARG_NONE, &json,
                               N_("print JSON on stdout"), NULL},
                              {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
                               N_("files hashed at once (default: 2)"), "N"},
                              {G_OPTION_REMAINING, 0, 0,
                               G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL},
                              {NULL}};
    bool parsed = cli_parse(
        &argc, &argv, "LIBRARY",
        "Re-hashes every original of LIBRARY and every derivative its item "
        "manifests\nrecord with a sha256, and names each file that changed, "
        "went missing or\ncannot be read, one line each. Nothing is written. "
        "Exit status: 0 all\nintact, 1 a problem was found, 2 usage error or "
        "no library to audit.",
        entries);
    if (!parsed)
        return DK_EXIT_USAGE;
    if (!rest || !rest[0] || rest[1]) {
        cli_error("audit needs exactly one library folder (see --help)");
        return DK_EXIT_USAGE;
    }
    if (jobs < 1 || jobs > 256) {
        cli_error("-j %d: use 1 to 256 threads", jobs);
        return DK_EXIT_USAGE;
    }
    cli_install_signal_thread("stopping after the files being hashed");
    dk_audit *audit = NULL;
    dk_error err = {0};
    if (dk_audit_library(rest[0], jobs, &audit, &err) < 0) {
        cli_error("%s", err.message);
        return DK_EXIT_USAGE;
    }
    if (json) {
        print_json(audit);
    } else {
        for (guint i = 0; i < audit->files->len; i++)
            print_problem(audit->files->pdata[i]);
        print_summary(audit);
    }
    int status = audit->cancelled  ? DK_EXIT_INTERRUPTED
                 : audit->problems ? DK_EXIT_ITEMS_FAILED
                                   : DK_EXIT_OK;
    dk_audit_free(&audit);
    return status;
}
