/* dokpim choose -o LIBRARY [--rating N] [--pick|--reject|--unlabel]
 * [--caption TEXT] [--person NAME]... [--clear-persons] FILE-OR-SHA256...
 * dokpim choose --list -o LIBRARY [--json]
 *
 * The scriptable twin of the gallery: sets the crew's choices (the record
 * of core/lib/choice.c), which the next run or `dokpim publish` writes
 * into the stamped copies. Takes no lock: a record is one atomic file, and
 * a run reads each item's once. */
#include "choice.h"
#include "cli.h"
#include "json.h"
#include "publish.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct choose_edit {
    int rating; /* -1: unchanged */
    gboolean pick, reject, unlabel, clear_persons;
    char *caption; /* NULL: unchanged; "" clears */
    char **persons;
} choose_edit;

static bool is_sha256(const char *text)
{
    g_autofree char *path = dk_choice_path("/", text);
    return path != NULL;
}

static bool has_manifest(const char *root, const char *sha256)
{
    g_autofree char *name = g_strconcat(sha256, ".ini", NULL);
    g_autofree char *path = g_build_filename(root, "items", name, NULL);
    return g_file_test(path, G_FILE_TEST_IS_REGULAR);
}

/* A sha256 as given, or the file's: from the source cache when the file
 * was imported and has not changed since, else hashed. */
static int resolve(const char *root, const char *arg, char hex[65],
                   dk_error *err)
{
    if (is_sha256(arg)) {
        memcpy(hex, arg, 65);
    } else {
        g_autofree char *absolute = g_canonicalize_filename(arg, NULL);
        struct stat st;
        if (stat(absolute, &st) != 0)
            return dk_error_errno(err, DK_ERR_NOT_FOUND, "cannot read",
                                  absolute);
        if (!dk_source_cache_lookup(root, absolute, &st, hex)) {
            int rc = dk_hash_file(absolute, hex, err);
            if (rc < 0)
                return rc;
        }
    }
    if (!has_manifest(root, hex))
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "%s: not an item of %s (no original with sha256 "
                            "%s)",
                            arg, root, hex);
    return 0;
}

static void add_person(GPtrArray *names, const char *name)
{
    g_autofree char *trimmed = g_strstrip(g_strdup(name));
    for (guint i = 0; i < names->len; i++)
        if (strcmp(names->pdata[i], trimmed) == 0)
            return;
    g_ptr_array_add(names, g_steal_pointer(&trimmed));
}

static void apply(const choose_edit *e, dk_choice *c)
{
    if (e->rating >= 0)
        c->rating = e->rating;
    if (e->pick)
        c->label = DK_LABEL_PICK;
    else if (e->reject)
        c->label = DK_LABEL_REJECT;
    else if (e->unlabel)
        c->label = DK_LABEL_NONE;
    if (e->caption) {
        g_free(c->caption);
        c->caption = *e->caption ? g_strdup(e->caption) : NULL;
    }
    if (!e->clear_persons && !e->persons)
        return;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; !e->clear_persons && c->persons && c->persons[i]; i++)
        add_person(names, c->persons[i]);
    for (int i = 0; e->persons && e->persons[i]; i++)
        add_person(names, e->persons[i]);
    g_strfreev(c->persons);
    g_ptr_array_add(names, NULL);
    c->persons = (char **)g_ptr_array_free(names, FALSE);
    if (!c->persons[0]) {
        g_free(c->persons);
        c->persons = NULL;
    }
}

static int choose_one(const char *root, const char *arg, const choose_edit *e)
{
    char hex[65];
    dk_error err = {0};
    dk_choice c = {0};
    int rc = resolve(root, arg, hex, &err);
    if (rc == 0)
        rc = dk_choice_read(root, hex, &c, &err);
    if (rc == 0) {
        apply(e, &c);
        rc = dk_choice_write(root, hex, &c, &err);
    }
    dk_choice_clear(&c);
    if (rc < 0)
        cli_error("%s", err.message);
    return rc;
}

static void print_choice_line(const cli_library_item *item, const dk_choice *c)
{
    g_autofree char *persons =
        c->persons ? g_strjoinv(", ", c->persons) : g_strdup("");
    const char *label = dk_choice_label_name(c->label);
    cli_line(stdout, "", "%s  %d  %-6s  %s  caption: %s  persons: %s",
             item->sha256, c->rating, label ? label : "-",
             item->source ? item->source : item->original,
             c->caption ? c->caption : "", persons);
}

static void add_choice_json(JsonBuilder *b, const cli_library_item *item,
                            const dk_choice *c)
{
    json_builder_begin_object(b);
    json_add_string(b, "sha256", item->sha256);
    json_add_string(b, "source", item->source);
    json_add_string(b, "original", item->original);
    json_builder_set_member_name(b, "rating");
    json_builder_add_int_value(b, c->rating);
    json_add_string(b, "label", dk_choice_label_name(c->label));
    json_add_string(b, "caption", c->caption);
    json_builder_set_member_name(b, "persons");
    json_builder_begin_array(b);
    for (int i = 0; c->persons && c->persons[i]; i++)
        json_add_string(b, NULL, c->persons[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);
}

/* Every item of the library with its choice (unrated ones too, so a
 * script sees what is left to cull). A damaged record is named and the
 * listing goes on. */
static int list_choices(const char *root, bool json)
{
    GPtrArray *items = cli_library_items(root);
    JsonBuilder *b = json ? json_builder_new() : NULL;
    if (b)
        json_builder_begin_array(b);
    int status = DK_EXIT_OK;
    for (guint i = 0; i < items->len; i++) {
        const cli_library_item *item = items->pdata[i];
        dk_error err = {0};
        dk_choice c = {0};
        if (dk_choice_read(root, item->sha256, &c, &err) < 0) {
            cli_error("%s", err.message);
            status = DK_EXIT_ITEMS_FAILED;
            continue;
        }
        if (b)
            add_choice_json(b, item, &c);
        else
            print_choice_line(item, &c);
        dk_choice_clear(&c);
    }
    if (b) {
        json_builder_end_array(b);
        json_print(b);
        g_object_unref(b);
    }
    g_ptr_array_unref(items);
    return status;
}

int cmd_choose(int argc, char **argv)
{
    g_autofree char *library_path = NULL;
    g_auto(GStrv) rest = NULL;
    choose_edit e = {.rating = -1};
    gboolean list = FALSE, json = FALSE;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &library_path,
         N_("library folder (required)"), "LIBRARY"},
        {"rating", 'r', 0, G_OPTION_ARG_INT, &e.rating,
         N_("stars, 1 to 5 (0: unrated)"), "N"},
        {"pick", 'p', 0, G_OPTION_ARG_NONE, &e.pick, N_("label it a pick"),
         NULL},
        {"reject", 'x', 0, G_OPTION_ARG_NONE, &e.reject,
         N_("label it a reject"), NULL},
        {"unlabel", 0, 0, G_OPTION_ARG_NONE, &e.unlabel,
         N_("neither pick nor reject"), NULL},
        {"caption", 'c', 0, G_OPTION_ARG_STRING, &e.caption,
         N_("the photo's own caption (\"\" removes it)"), "TEXT"},
        {"person", 0, 0, G_OPTION_ARG_STRING_ARRAY, &e.persons,
         N_("a person shown in it (repeatable; added to those set)"), "NAME"},
        {"clear-persons", 0, 0, G_OPTION_ARG_NONE, &e.clear_persons,
         N_("forget the persons set before (then --person adds anew)"), NULL},
        {"list", 'l', 0, G_OPTION_ARG_NONE, &list,
         N_("print every item of the library with its choice"), NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("--list as JSON"), NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    if (!cli_parse(&argc, &argv, "FILE-OR-SHA256...",
                   "Sets the crew's choices for photos of a library: stars, "
                   "pick or reject,\na caption of its own and the people "
                   "shown. A FILE is found by its content\n(an original, or "
                   "a file that was imported); the next run writes them in.",
                   entries))
        return DK_EXIT_USAGE;
    if (!library_path) {
        cli_error("choose needs -o LIBRARY");
        return DK_EXIT_USAGE;
    }
    g_autofree char *root = g_canonicalize_filename(library_path, NULL);
    g_autofree char *items_dir = g_build_filename(root, "items", NULL);
    if (!g_file_test(items_dir, G_FILE_TEST_IS_DIR)) {
        cli_error("%s: not a dokpim library (no items/ folder)", root);
        return DK_EXIT_USAGE;
    }
    if (list)
        return list_choices(root, json);
    if (!rest || !rest[0]) {
        cli_error("choose needs at least one FILE or SHA256 (or --list)");
        return DK_EXIT_USAGE;
    }
    if (e.rating > 5 || e.rating < -1) {
        cli_error("--rating %d: use 1 to 5 stars, or 0 for unrated", e.rating);
        return DK_EXIT_USAGE;
    }
    if (e.pick + e.reject + e.unlabel > 1) {
        cli_error("--pick, --reject and --unlabel exclude each other");
        return DK_EXIT_USAGE;
    }
    int failed = 0;
    for (int i = 0; rest[i]; i++)
        failed += choose_one(root, rest[i], &e) < 0;
    g_free(e.caption);
    g_strfreev(e.persons);
    return failed ? DK_EXIT_ITEMS_FAILED : DK_EXIT_OK;
}
