/* dokpim locate CLIP... [-o LIBRARY]... [--json] [--plot PNG]
 *                [--extract DIR] [--matches N]
 * dokpim locate --reindex [-o LIBRARY]...
 * A clip circulates re-encoded, cropped, with a word cut out: which
 * original of the archive did it come from, which parts are faithful and
 * where does it depart from what was said? Without -o, every library
 * under ./dokpim-library (where `dokpim run` puts them) is searched. */
#include "cli.h"
#include "json.h"
#include "locate_cli.h"

#include <dokpim/c2pa.h>
#include <dokpim/forensics.h>

#include <string.h>

static const char summary[] =
    "Finds where each clip came from in the libraries' fingerprint indexes\n"
    "and how it departs from the original: cut, inserted, re-ordered,\n"
    "audio replaced, speed changed, each with clip and original times.\n"
    "\n"
    "Exit status: 0 every clip is a faithful part of an original, 3 at\n"
    "least one is edited, 4 at least one is not in the archive, 1 a clip\n"
    "could not be read, 2 usage or a damaged index (the worst wins).";

int locate_rank(int status)
{
    switch (status) {
    case LOCATE_FAITHFUL:
        return 0;
    case LOCATE_EDITED:
        return 1;
    case LOCATE_NOT_FOUND:
        return 2;
    default:
        return 3;
    }
}

int locate_status(const locate_answer *answer)
{
    if (answer->error)
        return LOCATE_UNREADABLE;
    if (!answer->result.n_matches)
        return LOCATE_NOT_FOUND;
    return answer->result.matches[0].alignment.verdict == DK_VERDICT_FAITHFUL
               ? LOCATE_FAITHFUL
               : LOCATE_EDITED;
}

/* The libraries `dokpim run` made under ./dokpim-library. */
static char **default_libraries(void)
{
    GPtrArray *found = g_ptr_array_new();
    g_autofree char *cwd = g_get_current_dir();
    g_autofree char *root = g_build_filename(cwd, "dokpim-library", NULL);
    GDir *dir = g_dir_open(root, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        char *path = g_build_filename(root, name, NULL);
        g_autofree char *items = g_build_filename(path, "items", NULL);
        if (g_file_test(items, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(found, path);
        else
            g_free(path);
    }
    if (dir)
        g_dir_close(dir);
    g_ptr_array_sort(found, (GCompareFunc)g_strcmp0);
    g_ptr_array_add(found, NULL);
    return (char **)g_ptr_array_free(found, FALSE);
}

/* Prints saved but never indexed (a run stopped between the two) would
 * be invisible to locate: say so rather than answer "not in the archive"
 * for them. */
static void warn_unindexed(const char *library, const dk_print_index *index)
{
    size_t indexed = 0;
    uint64_t entries = 0, bytes = 0;
    dk_print_index_stats(index, &indexed, &entries, &bytes);
    g_autofree char *prints = g_build_filename(library, "prints", NULL);
    size_t saved = 0;
    GDir *top = g_dir_open(prints, 0, NULL);
    const char *name;
    while (top && (name = g_dir_read_name(top))) {
        if (strlen(name) != 2)
            continue;
        g_autofree char *sub = g_build_filename(prints, name, NULL);
        GDir *d = g_dir_open(sub, 0, NULL);
        const char *f;
        while (d && (f = g_dir_read_name(d)))
            saved += g_str_has_suffix(f, ".dkfp") && strlen(f) == 69;
        if (d)
            g_dir_close(d);
    }
    if (top)
        g_dir_close(top);
    if (saved > indexed)
        cli_warning("%s: %zu of %zu prints are not in the index: run dokpim "
                    "locate --reindex",
                    library, saved - indexed, saved);
}

/* A print the rebuild had to leave out: named, and counted. */
static void skipped_print(void *data, const char *message)
{
    (*(size_t *)data)++;
    cli_warning("%s", message);
}

static int reindex(char **libraries)
{
    int status = DK_EXIT_OK;
    for (size_t i = 0; libraries[i]; i++) {
        dk_error err = {0};
        dk_print_index *index = NULL;
        size_t skipped = 0;
        if (dk_print_index_rebuild(libraries[i], skipped_print, &skipped,
                                   &err) < 0 ||
            dk_print_index_open(libraries[i], &index, &err) < 0) {
            cli_error("%s", err.message);
            status = DK_EXIT_ITEMS_FAILED;
            continue;
        }
        size_t items = 0;
        uint64_t entries = 0, bytes = 0;
        dk_print_index_stats(index, &items, &entries, &bytes);
        g_autofree char *size = g_format_size(bytes);
        cli_line(stdout, "",
                 "%s: index rebuilt: %zu items, %" G_GUINT64_FORMAT
                 " entries, %s",
                 libraries[i], items, entries, size);
        dk_print_index_close(index);
        if (skipped) {
            cli_warning("%s: %zu damaged prints left out: print their "
                        "originals again (dokpim run with fingerprint.media)",
                        libraries[i], skipped);
            status = DK_EXIT_ITEMS_FAILED;
        }
    }
    return status;
}

typedef struct locate_run {
    char **libraries;
    dk_print_index **indexes;
    size_t n;
    const char *plot;
    const char *extract;
    const dk_c2pa_signer *signer; /* --sign: for the --extract copies */
    int matches;
    size_t clips;
} locate_run;

static int open_indexes(locate_run *run)
{
    run->n = g_strv_length(run->libraries);
    run->indexes = g_new0(dk_print_index *, run->n ? run->n : 1);
    for (size_t i = 0; i < run->n; i++) {
        dk_error err = {0};
        if (dk_print_index_open(run->libraries[i], &run->indexes[i], &err) <
            0) {
            cli_error("%s", err.message);
            return -1;
        }
        warn_unindexed(run->libraries[i], run->indexes[i]);
    }
    return 0;
}

/* --plot for several clips: PNG, PNG-2.png, PNG-3.png ... */
static char *plot_name(const char *plot, size_t nth)
{
    if (nth == 0)
        return g_strdup(plot);
    const char *dot = strrchr(plot, '.');
    const char *slash = strrchr(plot, '/');
    size_t stem =
        dot && (!slash || dot > slash) ? (size_t)(dot - plot) : strlen(plot);
    return g_strdup_printf("%.*s-%zu%s", (int)stem, plot, nth + 1, plot + stem);
}

static void answer_outputs(const locate_run *run, size_t nth, locate_answer *a)
{
    dk_error err = {0};
    if (run->plot && !a->error) {
        char *png = plot_name(run->plot, nth);
        if (locate_plot(png, a, &err) < 0) {
            cli_error("%s", err.message);
            g_free(png);
        } else {
            a->plot = png;
        }
    }
    if (run->extract && a->result.n_matches) {
        char *written = NULL;
        if (locate_extract(run->extract, a, run->signer, &written, &err) < 0)
            cli_error("%s", err.message);
        else {
            a->extracts = g_new0(char *, 2);
            a->extracts[0] = written;
        }
    }
}

static void locate_one(const locate_run *run, size_t nth, locate_answer *a)
{
    dk_error err = {0};
    if (dk_locate(a->clip, run->indexes, run->n, (size_t)run->matches,
                  &a->result, &err) < 0) {
        a->error = g_strdup_printf("%s: %s", a->clip, err.message);
        return;
    }
    a->origins = g_new0(locate_origin, a->result.n_matches + 1);
    for (size_t m = 0; m < a->result.n_matches; m++) {
        const dk_locate_match *match = &a->result.matches[m];
        locate_origin_load(run->libraries[match->index], match->sha256,
                           &a->origins[m]);
    }
    answer_outputs(run, nth, a);
}

static void answer_clear(locate_answer *a)
{
    for (size_t m = 0; a->origins && m < a->result.n_matches; m++)
        locate_origin_clear(&a->origins[m]);
    g_free(a->origins);
    dk_locate_result_clear(&a->result);
    g_free(a->error);
    g_free(a->plot);
    g_strfreev(a->extracts);
}

static int locate_all(locate_run *run, char **clips, bool json)
{
    JsonBuilder *b = json ? json_builder_new() : NULL;
    if (b) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "clips");
        json_builder_begin_array(b);
    }
    int worst = LOCATE_FAITHFUL;
    for (size_t i = 0; clips[i]; i++) {
        locate_answer a = {.clip = clips[i]};
        locate_one(run, i, &a);
        if (b)
            locate_add_json(b, &a);
        else
            locate_print_text(&a);
        int status = locate_status(&a);
        if (locate_rank(status) > locate_rank(worst))
            worst = status;
        answer_clear(&a);
    }
    if (b) {
        json_builder_end_array(b);
        json_builder_set_member_name(b, "status");
        json_builder_add_int_value(b, worst);
        json_builder_end_object(b);
        json_print(b);
        g_object_unref(b);
    }
    return worst;
}

int cmd_locate(int argc, char **argv)
{
    g_auto(GStrv) rest = NULL;
    g_auto(GStrv) libraries = NULL;
    g_autofree char *plot = NULL;
    g_autofree char *extract = NULL;
    g_autofree char *sign = NULL;
    gboolean json = FALSE, rebuild = FALSE;
    int matches = 3;
    GOptionEntry entries[] = {
        {"library", 'o', 0, G_OPTION_ARG_FILENAME_ARRAY, &libraries,
         "search LIBRARY (repeatable; default: every library under "
         "./dokpim-library)",
         "LIBRARY"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON on stdout", NULL},
        {"plot", 0, 0, G_OPTION_ARG_FILENAME, &plot,
         "draw the alignment into PNG (clip time against original time)",
         "PNG"},
        {"extract", 0, 0, G_OPTION_ARG_FILENAME, &extract,
         "copy the original's matching stretch into DIR", "DIR"},
        {"sign", 0, 0, G_OPTION_ARG_FILENAME, &sign,
         "sign the --extract copies with the office key in KEYS (dokpim "
         "keys init): Content Credentials naming the original",
         "KEYS"},
        {"matches", 'n', 0, G_OPTION_ARG_INT, &matches,
         "report up to N originals per clip (default 3)", "N"},
        {"reindex", 0, 0, G_OPTION_ARG_NONE, &rebuild,
         "rebuild the libraries' indexes from their print files", NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    if (!cli_parse(&argc, &argv, "CLIP...", summary, entries))
        return DK_EXIT_USAGE;
    if (matches < 1 || matches > 50) {
        cli_error("--matches must be 1..50, not %d", matches);
        return DK_EXIT_USAGE;
    }
    if (!libraries || !libraries[0]) {
        g_strfreev(libraries);
        libraries = default_libraries();
    }
    for (size_t i = 0; libraries[i]; i++) {
        char *absolute = g_canonicalize_filename(libraries[i], NULL);
        g_free(libraries[i]);
        libraries[i] = absolute;
    }
    if (!libraries[0]) {
        cli_error("no library to search: give -o LIBRARY (none under "
                  "./dokpim-library)");
        return DK_EXIT_USAGE;
    }
    int status = rebuild ? reindex(libraries) : DK_EXIT_OK;
    if (!rest || !rest[0]) {
        if (rebuild)
            return status;
        cli_error("locate needs at least one clip (see --help)");
        return DK_EXIT_USAGE;
    }
    if (status != DK_EXIT_OK)
        return DK_EXIT_USAGE;
    if (sign && !extract) {
        cli_error("--sign signs what --extract writes: give --extract DIR");
        return DK_EXIT_USAGE;
    }
    dk_c2pa_signer *signer = NULL;
    dk_error err = {0};
    if (sign && dk_c2pa_signer_load(sign, NULL, &signer, &err) < 0) {
        cli_error("%s", err.message);
        return DK_EXIT_USAGE;
    }
    locate_run run = {.libraries = libraries,
                      .plot = plot,
                      .extract = extract,
                      .signer = signer,
                      .matches = matches};
    if (open_indexes(&run) == 0)
        status = locate_all(&run, rest, json);
    else
        status = DK_EXIT_USAGE;
    dk_c2pa_signer_free(signer);
    for (size_t i = 0; i < run.n; i++)
        dk_print_index_close(run.indexes[i]);
    g_free(run.indexes);
    return status;
}
