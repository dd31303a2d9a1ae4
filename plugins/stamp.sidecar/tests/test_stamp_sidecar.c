/* stamp.sidecar through the real dokpim binary (ingest.file + stamp.sidecar):
 * the copy holds the input's bytes; the NAME.json beside it, read back by
 * Python's strict JSON parser (not the json-glib that wrote it), holds the
 * event's fields, the caption, the original name, the sha256 and the
 * capture time, with hostile names and values intact; outputs are
 * replaced by rename, a re-run skips, a full disk leaves no partial
 * sidecar, and bad options are refused before any file is touched. */
#include <check.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "dk_test.h"

static char *dir, *event_path, *pipeline_path, *input_dir;

/* A tab, quotes, a backslash and UTF-8: what JSON must escape or carry */
static const char hostile_name[] = "tab\there \"q\" \\ \xC3\xA9.txt";
static const char *const input_names[] = {"a.txt", "empty.bin", hostile_name};
static const char *const input_texts[] = {"hello\n", "", "x"};

/* The fields the plugin copies into "event", as event.ini sets them; the
 * ones it does not set (leader, role, ...) must be absent. */
#define EVENT                                                                  \
    "[event]\n"                                                                \
    "title=Rapat \"Paripurna\" \\\\ DPRD\\nSidang I\n"                         \
    "date=2025-03-14\n"                                                        \
    "timezone=Asia/Makassar\n"                                                 \
    "city=Mangupura\n"                                                         \
    "photographer=Ni Komang \xC3\x81yu\n"                                      \
    "language=id\n"

static void setup(void)
{
    dir = dk_test_tmpdir("sidecar");
    g_setenv("DOKPIM_NO_BAR", "1", TRUE);
    event_path = g_build_filename(dir, "event.ini", NULL);
    dk_test_write(event_path, EVENT, -1);
    pipeline_path = g_build_filename(dir, "p.conf", NULL);
    dk_test_write(pipeline_path,
                  "[pipeline]\nname=Sidecar test\nstages=in;sidecar\n"
                  "[in]\nplugin=ingest.file\n[sidecar]\nplugin=stamp.sidecar\n",
                  -1);
    input_dir = g_build_filename(dir, "in", NULL);
    for (guint i = 0; i < G_N_ELEMENTS(input_names); i++) {
        g_autofree char *path =
            g_build_filename(input_dir, input_names[i], NULL);
        dk_test_write(path, input_texts[i], -1);
        /* 2025-03-14 10:11:22 UTC: the capture time ingest.file reads */
        struct utimbuf when = {1741947082, 1741947082};
        ck_assert_int_eq(g_utime(path, &when), 0);
    }
}

static void teardown(void)
{
    g_clear_pointer(&dir, g_free);
    g_clear_pointer(&event_path, g_free);
    g_clear_pointer(&pipeline_path, g_free);
    g_clear_pointer(&input_dir, g_free);
    dk_test_cleanup_dirs();
}

/* `dokpim run --json` over the inputs into lib, with one --set when set
 * is non-NULL. Returns the exit status; *summary gets the parsed JSON
 * (json_object_unref()) when it is asked for and the run printed one. */
static int run(const char *lib, const char *set, JsonObject **summary,
               char **err)
{
    const char *args[] = {"run",     pipeline_path,
                          "--event", event_path,
                          "-o",      lib,
                          "--json",  set ? "--set" : input_dir,
                          set,       set ? input_dir : NULL,
                          NULL};
    g_autofree char *out = NULL;
    int status = dk_test_dokpim(args, &out, err);
    if (summary) {
        g_autoptr(JsonParser) parser = json_parser_new();
        ck_assert_msg(json_parser_load_from_data(parser, out, -1, NULL),
                      "not JSON: %s", out);
        *summary =
            json_object_ref(json_node_get_object(json_parser_get_root(parser)));
    }
    return status;
}

/* The summary's item for the input named name. */
static JsonObject *item_for(JsonObject *summary, const char *name)
{
    JsonArray *items = json_object_get_array_member(summary, "items");
    for (guint i = 0; i < json_array_get_length(items); i++) {
        JsonObject *item = json_array_get_object_element(items, i);
        g_autofree char *base =
            g_path_get_basename(json_object_get_string_member(item, "input"));
        if (strcmp(base, name) == 0)
            return item;
    }
    ck_abort_msg("no item for %s", name);
    return NULL;
}

/* The path of the item's derivative of role ("copy", "sidecar"). */
static const char *derivative(JsonObject *item, const char *role)
{
    JsonArray *list = json_object_get_array_member(item, "derivatives");
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *d = json_array_get_object_element(list, i);
        if (strcmp(json_object_get_string_member(d, "stage"), "sidecar") == 0 &&
            strcmp(json_object_get_string_member(d, "role"), role) == 0)
            return json_object_get_string_member(d, "path");
    }
    ck_abort_msg("no %s derivative", role);
    return NULL;
}

/* The sidecar as Python's json module reads it: strict UTF-8, no raw
 * control characters in strings, no key twice. Printed back with every
 * non-ASCII character escaped, so json-glib only parses plain ASCII here
 * and cannot agree with its own writer's mistakes. */
static JsonObject *read_sidecar(const char *path)
{
    static const char script[] =
        "import json, sys\n"
        "def pairs(p):\n"
        "    keys = [k for k, _ in p]\n"
        "    if len(keys) != len(set(keys)):\n"
        "        sys.exit('a key twice: %r' % keys)\n"
        "    return dict(p)\n"
        "with open(sys.argv[1], encoding='utf-8', errors='strict') as f:\n"
        "    d = json.load(f, object_pairs_hook=pairs)\n"
        "print(json.dumps(d, ensure_ascii=True))\n";
    const char *argv[] = {"/usr/bin/python3", "-c", script, path, NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = dk_test_run(argv, &out, &err, 60);
    ck_assert_msg(status == 0, "%s is not strict JSON: %s", path, err);
    g_autoptr(JsonParser) parser = json_parser_new();
    ck_assert(json_parser_load_from_data(parser, out, -1, NULL));
    JsonNode *root = json_parser_get_root(parser);
    ck_assert_msg(JSON_NODE_HOLDS_OBJECT(root), "%s: not an object", path);
    return json_object_ref(json_node_get_object(root));
}

static const char *text(JsonObject *o, const char *member)
{
    ck_assert_msg(json_object_has_member(o, member), "no \"%s\"", member);
    return json_object_get_string_member(o, member);
}

/* Member names of o, sorted and joined with ',' (g_free()). */
static char *member_names(JsonObject *o)
{
    GList *names =
        g_list_sort(json_object_get_members(o), (GCompareFunc)strcmp);
    GString *joined = g_string_new(NULL);
    for (GList *l = names; l; l = l->next)
        g_string_append_printf(joined, "%s%s", joined->len ? "," : "",
                               (char *)l->data);
    g_list_free(names);
    return g_string_free(joined, FALSE);
}

/* The event's fields as GKeyFile reads event.ini: what "event" must hold. */
static GKeyFile *event_file(void)
{
    GKeyFile *kf = g_key_file_new();
    ck_assert(g_key_file_load_from_file(kf, event_path, 0, NULL));
    return kf;
}

START_TEST(copy_and_sidecar_hold_the_file_and_the_event)
{
    g_autofree char *lib = g_build_filename(dir, "lib", NULL);
    JsonObject *summary = NULL;
    g_autofree char *err = NULL;
    ck_assert_msg(run(lib, NULL, &summary, &err) == 0, "%s", err);
    g_autoptr(GKeyFile) kf = event_file();
    g_autofree char *title = g_key_file_get_string(kf, "event", "title", NULL);
    g_autofree char *city = g_key_file_get_string(kf, "event", "city", NULL);
    for (guint i = 0; i < G_N_ELEMENTS(input_names); i++) {
        const char *name = input_names[i];
        JsonObject *item = item_for(summary, name);
        ck_assert_str_eq(text(item, "status"), "done");
        g_autofree char *input = g_build_filename(input_dir, name, NULL);
        g_autofree char *input_hash = dk_test_sha256(input);
        const char *copy = derivative(item, "copy");
        const char *sidecar = derivative(item, "sidecar");
        /* the copy is the input, byte for byte, under the library */
        g_autofree char *copy_hash = dk_test_sha256(copy);
        ck_assert_pstr_eq(copy_hash, input_hash);
        g_autofree char *derived = g_build_filename(lib, "derived", "sidecar",
                                                    G_DIR_SEPARATOR_S, NULL);
        ck_assert_msg(g_str_has_prefix(copy, derived), "copy at %s", copy);
        g_autofree char *beside = g_strconcat(copy, ".json", NULL);
        ck_assert_str_eq(sidecar, beside);

        JsonObject *o = read_sidecar(sidecar);
        g_autofree char *top = member_names(o);
        ck_assert_str_eq(top, "caption,capture_source,capture_time,event,"
                              "original_name,sha256");
        ck_assert_str_eq(text(o, "original_name"), name);
        ck_assert_str_eq(text(o, "sha256"), input_hash);
        ck_assert_str_eq(text(o, "sha256"), text(item, "sha256"));
        /* the plugin's default caption, {event.title} — {event.city} */
        g_autofree char *caption = g_strdup_printf("%s — %s", title, city);
        ck_assert_str_eq(text(o, "caption"), caption);
        /* the file's time, in the event's zone (+08:00) */
        ck_assert_str_eq(text(o, "capture_time"), "2025-03-14T18:11:22+08:00");
        ck_assert_str_eq(text(o, "capture_source"), "file-time");

        JsonObject *event = json_object_get_object_member(o, "event");
        ck_assert_ptr_nonnull(event);
        g_autofree char *fields = member_names(event);
        /* timezone is not one of the fields it copies */
        ck_assert_str_eq(fields, "city,date,language,photographer,title");
        GList *names = json_object_get_members(event);
        for (GList *l = names; l; l = l->next) {
            g_autofree char *want =
                g_key_file_get_string(kf, "event", l->data, NULL);
            ck_assert_str_eq(text(event, l->data), want);
        }
        g_list_free(names);
        json_object_unref(o);
    }
    json_object_unref(summary);
}
END_TEST

/* st_ino and the modification time in nanoseconds, as one string. */
static char *identity(const char *path)
{
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0, "%s: %s", path, g_strerror(errno));
    return g_strdup_printf("%ju@%jd.%09ld", (uintmax_t)st.st_ino,
                           (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

/* Temporary files (NAME.dk-tmp-XXXXXX) anywhere under folder. */
static int temp_files_under(const char *folder)
{
    g_autofree char *out =
        dk_test_sh_ok("find '%s' -name '*.dk-tmp-*' | wc -l", folder);
    return atoi(out);
}

START_TEST(rerun_skips_and_leaves_the_sidecar_alone)
{
    g_autofree char *lib = g_build_filename(dir, "lib", NULL);
    JsonObject *first = NULL, *second = NULL;
    ck_assert_int_eq(run(lib, NULL, &first, NULL), 0);
    JsonObject *item = item_for(first, "a.txt");
    g_autofree char *sidecar = g_strdup(derivative(item, "sidecar"));
    g_autofree char *copy = g_strdup(derivative(item, "copy"));
    g_autofree char *sidecar_before = identity(sidecar);
    g_autofree char *copy_before = identity(copy);
    g_autofree char *text_before = dk_test_read(sidecar, NULL);
    g_usleep(20000); /* a rewrite would show in the nanoseconds */

    ck_assert_int_eq(run(lib, NULL, &second, NULL), 0);
    JsonObject *counts = json_object_get_object_member(second, "counts");
    ck_assert_int_eq(json_object_get_int_member(counts, "skipped"),
                     G_N_ELEMENTS(input_names));
    ck_assert_int_eq(json_object_get_int_member(counts, "done"), 0);
    ck_assert_str_eq(text(item_for(second, "a.txt"), "status"), "skipped");
    g_autofree char *sidecar_after = identity(sidecar);
    g_autofree char *copy_after = identity(copy);
    ck_assert_str_eq(sidecar_after, sidecar_before);
    ck_assert_str_eq(copy_after, copy_before);
    g_autofree char *text_after = dk_test_read(sidecar, NULL);
    ck_assert_str_eq(text_after, text_before);
    json_object_unref(first);
    json_object_unref(second);
}
END_TEST

/* A changed caption redoes the stage: the new sidecar replaces the old by
 * rename, so a reader holding the old file (here a hard link to it) still
 * has the whole old text, never a truncated or mixed one. */
START_TEST(changed_caption_replaces_the_sidecar_by_rename)
{
    g_autofree char *lib = g_build_filename(dir, "lib", NULL);
    JsonObject *first = NULL, *second = NULL;
    ck_assert_int_eq(run(lib, NULL, &first, NULL), 0);
    g_autofree char *sidecar =
        g_strdup(derivative(item_for(first, hostile_name), "sidecar"));
    g_autofree char *held = g_build_filename(dir, "held.json", NULL);
    ck_assert_int_eq(link(sidecar, held), 0);
    g_autofree char *old_text = dk_test_read(sidecar, NULL);

    g_autofree char *err = NULL;
    ck_assert_msg(
        run(lib, "sidecar.caption=Baru: {event.city}", &second, &err) == 0,
        "%s", err);
    JsonObject *item = item_for(second, hostile_name);
    ck_assert_str_eq(text(item, "status"), "done");
    ck_assert_str_eq(derivative(item, "sidecar"), sidecar);
    JsonObject *o = read_sidecar(sidecar);
    ck_assert_str_eq(text(o, "caption"), "Baru: Mangupura");
    json_object_unref(o);
    /* the old file is untouched, and is no longer the sidecar */
    g_autofree char *held_text = dk_test_read(held, NULL);
    ck_assert_str_eq(held_text, old_text);
    g_autofree char *held_id = identity(held), *new_id = identity(sidecar);
    ck_assert_str_ne(held_id, new_id);
    ck_assert_int_eq(temp_files_under(lib), 0);
    json_object_unref(first);
    json_object_unref(second);
}
END_TEST

/* derived/sidecar on a full disk: the empty input's copy needs no block
 * and is made, the sidecar does not fit. The item fails naming the
 * sidecar and ENOSPC, and nothing is left under the sidecar's name or a
 * temporary one. */
START_TEST(full_disk_leaves_no_partial_sidecar)
{
    const char *full = dk_test_full_disk();
    if (!full)
        return;
    g_autofree char *lib = g_build_filename(dir, "lib", NULL);
    g_autofree char *derived = g_build_filename(lib, "derived", NULL);
    ck_assert_int_eq(g_mkdir_with_parents(derived, 0755), 0);
    g_autofree char *stage = g_build_filename(derived, "sidecar", NULL);
    ck_assert_int_eq(symlink(full, stage), 0);
    g_autofree char *only_empty = g_build_filename(dir, "only-empty", NULL);
    g_autofree char *empty = g_build_filename(only_empty, "empty.bin", NULL);
    dk_test_write(empty, "", 0);
    g_free(input_dir);
    input_dir = g_strdup(only_empty);

    g_autofree char *err = NULL;
    ck_assert_int_eq(run(lib, NULL, NULL, &err), 1);
    ck_assert_msg(strstr(err, "sidecar") && strstr(err, ".json") &&
                      strstr(err, g_strerror(ENOSPC)),
                  "stderr: %s", err);
    g_autofree char *left = dk_test_sh_ok(
        "find '%s' \\( -name '*.json' -o -name '*.dk-tmp-*' \\) -print", full);
    ck_assert_msg(!*left, "left on the full disk: %s", left);
}
END_TEST

/* ---- bad options and events: refused before any file is touched ---- */
typedef struct bad_case {
    const char *set;   /* --set for the sidecar stage */
    const char *event; /* event.ini instead of EVENT, or NULL */
    const char *says;  /* what stderr must name */
} bad_case;

static const bad_case bad_cases[] = {
    {.set = "sidecar.output=../../escape/{original.name}",
     .says = "[sidecar] output"},
    {.set = "sidecar.output=/tmp/elsewhere/{original.name}",
     .says = "[sidecar] output"},
    {.set = "sidecar.output={event.nothing}.txt", .says = "[sidecar] output"},
    {.set = "sidecar.caption={bogus}", .says = "[sidecar] caption"},
    {.set = "sidecar.captoin=x", .says = "[sidecar] captoin"},
    /* the default caption wants {event.city} */
    {.event = "[event]\ntitle=T\ndate=2025-03-14\ntimezone=Asia/Makassar\n",
     .says = "city"},
};

START_TEST(bad_option_is_refused_before_any_file)
{
    const bad_case *c = &bad_cases[_i];
    if (c->event)
        dk_test_write(event_path, c->event, -1);
    g_autofree char *lib = g_build_filename(dir, "lib", NULL);
    g_autofree char *err = NULL;
    int status = run(lib, c->set, NULL, &err);
    ck_assert_msg(status == 2, "%s: exit %d: %s", c->says, status, err);
    ck_assert_msg(strstr(err, c->says), "want '%s' in: %s", c->says, err);
    g_autofree char *derived = g_build_filename(lib, "derived", NULL);
    ck_assert_msg(!g_file_test(derived, G_FILE_TEST_EXISTS), "%s: %s was made",
                  c->says, derived);
}
END_TEST

static Suite *stamp_sidecar_suite(void)
{
    Suite *s = suite_create("stamp.sidecar");
    TCase *tc = tcase_create("run");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, copy_and_sidecar_hold_the_file_and_the_event);
    tcase_add_test(tc, rerun_skips_and_leaves_the_sidecar_alone);
    tcase_add_test(tc, changed_caption_replaces_the_sidecar_by_rename);
    tcase_add_loop_test(tc, bad_option_is_refused_before_any_file, 0,
                        G_N_ELEMENTS(bad_cases));
    suite_add_tcase(s, tc);
    TCase *full = dk_test_full_disk_tcase();
    tcase_add_checked_fixture(full, setup, teardown);
    tcase_add_test(full, full_disk_leaves_no_partial_sidecar);
    suite_add_tcase(s, full);
    return s;
}

int main(void)
{
    return dk_test_run_suite(stamp_sidecar_suite());
}
