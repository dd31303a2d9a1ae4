/* The crew's choices end to end, through the real dokpim binary and the
 * shipped pipelines/event-photos-publish.conf: `dokpim choose` sets them,
 * `dokpim publish` writes them into the stamped and web copies (judged by
 * exiftool), a changed caption redoes that photo's stages only, and
 * items=picked keeps every photo not picked (a reject above all) out of
 * the web copies. */
#include <check.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test.h"
#include "dk_test_tools.h"

#define CAPTION "Bupati menyapa; warga\nbaris kedua"

typedef struct fixture {
    char *dir, *lib, *in, *pipeline, *event;
    char *sha[3]; /* of p1.jpg, p2.jpg, p3.jpg */
} fixture;

static void teardown(void)
{
    dk_test_cleanup_dirs();
}

static JsonNode *parse(const char *text)
{
    JsonParser *parser = json_parser_new();
    ck_assert_msg(json_parser_load_from_data(parser, text, -1, NULL),
                  "not JSON: %s", text);
    JsonNode *root = json_node_copy(json_parser_get_root(parser));
    g_object_unref(parser);
    return root;
}

/* dokpim ARGS, which must exit 0, with its JSON stdout parsed. */
static JsonNode *dokpim_json(const char *const *args)
{
    char *out = NULL, *err = NULL;
    int status = dk_test_dokpim(args, &out, &err);
    ck_assert_msg(status == 0, "dokpim %s exited %d: %s", args[0], status, err);
    JsonNode *root = parse(out);
    g_free(out);
    g_free(err);
    return root;
}

static void choose(const fixture *f, const char *const *args)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer) "choose");
    g_ptr_array_add(argv, (gpointer) "-o");
    g_ptr_array_add(argv, f->lib);
    for (const char *const *a = args; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    char *err = NULL;
    int status = dk_test_dokpim((const char *const *)argv->pdata, NULL, &err);
    ck_assert_msg(status == 0, "dokpim choose exited %d: %s", status, err);
    g_free(err);
    g_ptr_array_free(argv, TRUE);
}

static JsonNode *publish(const fixture *f)
{
    const char *args[] = {"publish", f->pipeline, "--event", f->event,
                          "-o",      f->lib,      "-q",      "--json",
                          "-j",      "2",         NULL};
    return dokpim_json(args);
}

/* Three photos of the sample event, imported by a first run. */
static void setup_library(fixture *f)
{
    f->dir = dk_test_tmpdir("choose");
    f->lib = g_build_filename(f->dir, "lib", NULL);
    f->in = g_build_filename(f->dir, "in", NULL);
    f->pipeline = dk_test_source_path("pipelines/event-photos-publish.conf");
    f->event = dk_test_source_path("assets/sample-event/event.ini");
    g_free(dk_test_sh_ok("mkdir -p '%s'", f->in));
    for (int i = 0; i < 3; i++)
        g_free(dk_test_sh_ok("/usr/bin/convert -size 480x320 "
                             "gradient:'rgb(%d,90,40)'-navy '%s/p%d.jpg'",
                             40 + 80 * i, f->in, i + 1));
    const char *args[] = {"run", f->pipeline, "--event", f->event,
                          "-o",  f->lib,      "-q",      "--json",
                          "-j",  "2",         f->in,     NULL};
    JsonNode *root = dokpim_json(args);
    JsonArray *items =
        json_object_get_array_member(json_node_get_object(root), "items");
    ck_assert_uint_eq(json_array_get_length(items), 3);
    for (guint i = 0; i < 3; i++) {
        JsonObject *item = json_array_get_object_element(items, i);
        const char *input = json_object_get_string_member(item, "input");
        int n = input[strlen(input) - 5] - '1';
        ck_assert(n >= 0 && n < 3);
        f->sha[n] = g_strdup(json_object_get_string_member(item, "sha256"));
    }
    json_node_unref(root);
}

static void fixture_free(fixture *f)
{
    for (int i = 0; i < 3; i++)
        g_free(f->sha[i]);
    g_free(f->dir);
    g_free(f->lib);
    g_free(f->in);
    g_free(f->pipeline);
    g_free(f->event);
}

static JsonObject *item_of(JsonNode *run, const char *sha256)
{
    JsonArray *items =
        json_object_get_array_member(json_node_get_object(run), "items");
    for (guint i = 0; i < json_array_get_length(items); i++) {
        JsonObject *item = json_array_get_object_element(items, i);
        if (g_strcmp0(json_object_get_string_member(item, "sha256"), sha256) ==
            0)
            return item;
    }
    ck_abort_msg("item %s not in the run", sha256);
    return NULL;
}

/* "ran", "done before" or "skipped" (NULL: the stage is not listed). */
static const char *stage_status(JsonObject *item, const char *stage,
                                const char **reason)
{
    JsonArray *stages = json_object_get_array_member(item, "stages");
    for (guint i = 0; i < json_array_get_length(stages); i++) {
        JsonObject *s = json_array_get_object_element(stages, i);
        if (strcmp(json_object_get_string_member(s, "stage"), stage) != 0)
            continue;
        if (reason)
            *reason = json_object_get_string_member(s, "reason");
        return json_object_get_string_member(s, "status");
    }
    return NULL;
}

/* The path of the item's derivative with role (NULL: none). */
static const char *derivative(JsonObject *item, const char *role)
{
    JsonArray *ds = json_object_get_array_member(item, "derivatives");
    const char *found = NULL;
    for (guint i = 0; i < json_array_get_length(ds); i++) {
        JsonObject *d = json_array_get_object_element(ds, i);
        if (strcmp(json_object_get_string_member(d, "role"), role) == 0)
            found = json_object_get_string_member(d, "path");
    }
    return found;
}

static const char *const choice_tags[] = {"-XMP:Rating",
                                          "-XMP:Label",
                                          "-XMP:Description",
                                          "-XMP:PersonInImage",
                                          "-IPTC:Caption-Abstract",
                                          "-EXIF:ImageDescription",
                                          "-validate",
                                          "-warning",
                                          "-a",
                                          NULL};

/* What exiftool reads of the choice in path, against what was chosen. */
static void assert_choice_in(const char *path, int rating, const char *label,
                             const char *caption_end,
                             const char *const *persons)
{
    JsonObject *o = dk_test_exiftool(path, choice_tags);
    ck_assert_msg(o != NULL, "exiftool could not read %s", path);
    /* no stars chosen: no rating written (the camera wrote none) */
    if (rating)
        ck_assert_int_eq(json_object_get_int_member(o, "Rating"), rating);
    else
        ck_assert(!json_object_has_member(o, "Rating"));
    ck_assert_str_eq(json_object_get_string_member(o, "Label"), label);
    ck_assert_str_eq(json_object_get_string_member(o, "Validate"), "OK");
    static const char *const captions[] = {"Description", "Caption-Abstract",
                                           "ImageDescription"};
    for (size_t i = 0; caption_end && i < G_N_ELEMENTS(captions); i++) {
        const char *text = json_object_get_string_member(o, captions[i]);
        ck_assert_msg(text && g_str_has_suffix(text, caption_end),
                      "%s of %s: %s", captions[i], path, text);
        /* appended to the event line, not instead of it */
        ck_assert_msg(g_str_has_prefix(text, "Rapat Koordinasi"), "%s", text);
    }
    JsonNode *who = json_object_get_member(o, "PersonInImage");
    ck_assert_ptr_nonnull(who);
    JsonArray *names =
        JSON_NODE_HOLDS_ARRAY(who) ? json_node_get_array(who) : NULL;
    guint n = names ? json_array_get_length(names) : 1;
    ck_assert_uint_eq(n, g_strv_length((char **)persons));
    for (guint i = 0; i < n; i++)
        ck_assert_str_eq(names ? json_array_get_string_element(names, i)
                               : json_node_get_string(who),
                         persons[i]);
    json_object_unref(o);
}

START_TEST(publish_writes_choices_and_makes_web_copies_of_picks_only)
{
    fixture f = {0};
    setup_library(&f);
    const char *p1[] = {"--rating", "4",        "--pick",     "--caption",
                        CAPTION,    "--person", "Budi, S.H.", "--person",
                        "Ani;Wati", f.sha[0],   NULL};
    choose(&f, p1);
    g_autofree char *p3_path = g_build_filename(f.in, "p3.jpg", NULL);
    const char *p3[] = {"--reject", "--rating", "2", p3_path, NULL};
    choose(&f, p3); /* found by its file, not its sha256 */
    JsonNode *run = publish(&f);

    JsonObject *picked = item_of(run, f.sha[0]);
    ck_assert_str_eq(stage_status(picked, "stamp", NULL), "ran");
    ck_assert_str_eq(stage_status(picked, "web", NULL), "ran");
    const char *who[] = {"I Gede Wirasatya Arimbawa", "Budi, S.H.", "Ani;Wati",
                         NULL};
    assert_choice_in(derivative(picked, "stamped"), 4, "Pick",
                     " \u2014 " CAPTION, who);
    assert_choice_in(derivative(picked, "web"), 4, "Pick", " \u2014 " CAPTION,
                     who);

    const char *reason = NULL;
    JsonObject *plain = item_of(run, f.sha[1]);
    ck_assert_str_eq(stage_status(plain, "stamp", NULL), "done before");
    ck_assert_str_eq(stage_status(plain, "web", &reason), "skipped");
    ck_assert_str_eq(reason, "not picked (items=picked)");
    ck_assert_ptr_null(derivative(plain, "web"));

    JsonObject *rejected = item_of(run, f.sha[2]);
    ck_assert_str_eq(stage_status(rejected, "stamp", NULL), "ran");
    ck_assert_str_eq(stage_status(rejected, "web", NULL), "skipped");
    ck_assert_ptr_null(derivative(rejected, "web"));
    const char *leader[] = {"I Gede Wirasatya Arimbawa", NULL};
    /* a reject is rating -1, whatever stars it had */
    assert_choice_in(derivative(rejected, "stamped"), -1, "Reject", NULL,
                     leader);

    /* the first run, before any choice, made no web copy at all */
    g_autofree char *web =
        g_build_filename(f.lib, "derived", "web", "web", NULL);
    ck_assert_int_eq(dk_test_count_files(web), 1);
    json_node_unref(run);
    fixture_free(&f);
}
END_TEST

START_TEST(changed_caption_redoes_only_that_photo)
{
    fixture f = {0};
    setup_library(&f);
    const char *pick1[] = {"--pick", "--caption", "pertama", f.sha[0], NULL};
    const char *pick2[] = {"--pick", f.sha[1], NULL};
    choose(&f, pick1);
    choose(&f, pick2);
    json_node_unref(publish(&f));
    const char *again[] = {"--caption", "kedua", f.sha[0], NULL};
    choose(&f, again);
    JsonNode *run = publish(&f);
    static const char *const stages[] = {"stamp", "watermark", "web"};
    JsonObject *changed = item_of(run, f.sha[0]);
    JsonObject *same = item_of(run, f.sha[1]);
    JsonObject *other = item_of(run, f.sha[2]);
    for (size_t i = 0; i < G_N_ELEMENTS(stages); i++) {
        ck_assert_str_eq(stage_status(changed, stages[i], NULL), "ran");
        ck_assert_str_eq(stage_status(same, stages[i], NULL), "done before");
    }
    ck_assert_str_eq(json_object_get_string_member(changed, "status"), "done");
    ck_assert_str_eq(json_object_get_string_member(same, "status"), "skipped");
    ck_assert_str_eq(stage_status(other, "stamp", NULL), "done before");
    ck_assert_str_eq(stage_status(other, "web", NULL), "skipped");
    const char *who[] = {"I Gede Wirasatya Arimbawa", NULL};
    assert_choice_in(derivative(changed, "web"), 0 /* no stars */, "Pick",
                     " \u2014 kedua", who);
    /* the manifest records what the stages were given */
    g_autofree char *manifest =
        g_strdup_printf("%s/items/%s.ini", f.lib, f.sha[0]);
    g_autofree char *text = dk_test_read(manifest, NULL);
    ck_assert_ptr_nonnull(strstr(text, "meta.choice.caption=s:kedua"));
    json_node_unref(run);

    /* unchanged: nothing runs */
    run = publish(&f);
    for (int i = 0; i < 3; i++) {
        JsonObject *item = item_of(run, f.sha[i]);
        ck_assert_str_eq(json_object_get_string_member(item, "status"),
                         "skipped");
        ck_assert_str_eq(stage_status(item, "stamp", NULL), "done before");
    }
    json_node_unref(run);
    fixture_free(&f);
}
END_TEST

START_TEST(choose_lists_and_refuses_bad_requests)
{
    fixture f = {0};
    setup_library(&f);
    const char *set[] = {"--rating", "5", "--person", "A",
                         "--person", "B", f.sha[1],   NULL};
    choose(&f, set);
    const char *more[] = {"--person", "C", "--person", "A", f.sha[1], NULL};
    choose(&f, more);
    const char *list[] = {"choose", "--list", "-o", f.lib, "--json", NULL};
    JsonNode *listed = dokpim_json(list);
    JsonArray *all = json_node_get_array(listed);
    ck_assert_uint_eq(json_array_get_length(all), 3);
    bool found = false;
    for (guint i = 0; i < 3; i++) {
        JsonObject *o = json_array_get_object_element(all, i);
        if (strcmp(json_object_get_string_member(o, "sha256"), f.sha[1]) != 0)
            continue;
        found = true;
        ck_assert_int_eq(json_object_get_int_member(o, "rating"), 5);
        JsonArray *p = json_object_get_array_member(o, "persons");
        ck_assert_uint_eq(json_array_get_length(p), 3); /* A, B, C */
        ck_assert_str_eq(json_array_get_string_element(p, 2), "C");
        ck_assert(g_str_has_suffix(json_object_get_string_member(o, "source"),
                                   "p2.jpg"));
    }
    ck_assert(found);
    json_node_unref(listed);

    static const struct {
        const char *args[4];
        int status;
        const char *says;
    } refused[] = {
        {{"--rating", "7", NULL}, 2, "--rating 7"},
        {{"--pick", "--reject", NULL}, 2, "exclude each other"},
        {{"--person", "two\nlines", NULL}, 1, "not one line"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        const char *argv[8] = {"choose", "-o", f.lib};
        int n = 3;
        for (int a = 0; refused[i].args[a]; a++)
            argv[n++] = refused[i].args[a];
        argv[n++] = f.sha[0];
        char *err = NULL;
        ck_assert_int_eq(dk_test_dokpim(argv, NULL, &err), refused[i].status);
        ck_assert_msg(strstr(err, refused[i].says), "%s", err);
        g_free(err);
    }
    /* a file that is not in the library is named */
    g_autofree char *stranger = g_build_filename(f.dir, "stranger.jpg", NULL);
    g_free(dk_test_sh_ok("/usr/bin/convert -size 8x8 xc:red '%s'", stranger));
    const char *unknown[] = {"choose", "-o", f.lib, "--pick", stranger, NULL};
    char *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(unknown, NULL, &err), 1);
    ck_assert_msg(strstr(err, stranger) && strstr(err, "not an item"), "%s",
                  err);
    g_free(err);

    /* a damaged record: listing names it, a run sets that photo aside */
    g_autofree char *record =
        g_strdup_printf("%s/choices/%.2s/%s.ini", f.lib, f.sha[2], f.sha[2]);
    g_free(dk_test_sh_ok("mkdir -p \"$(dirname '%s')\" && printf "
                         "'[choice]\\nrating=9\\n' > '%s'",
                         record, record));
    err = NULL;
    ck_assert_int_eq(dk_test_dokpim(list, NULL, &err), 1);
    ck_assert_msg(strstr(err, record), "%s", err);
    g_free(err);
    const char *args[] = {"publish", f.pipeline, "--event", f.event, "-o",
                          f.lib,     "-q",       "--json",  NULL};
    char *out = NULL;
    err = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, &out, &err), 1);
    JsonNode *run = parse(out);
    JsonObject *bad = item_of(run, f.sha[2]);
    ck_assert_str_eq(json_object_get_string_member(bad, "status"), "failed");
    ck_assert_ptr_nonnull(
        strstr(json_object_get_string_member(bad, "error"), record));
    ck_assert_str_eq(
        json_object_get_string_member(item_of(run, f.sha[0]), "status"),
        "skipped");
    json_node_unref(run);
    g_free(out);
    g_free(err);
    fixture_free(&f);
}
END_TEST

START_TEST(items_key_is_checked_with_the_pipeline)
{
    g_autofree char *pipeline =
        dk_test_source_path("pipelines/event-photos-publish.conf");
    g_autofree char *event =
        dk_test_source_path("assets/sample-event/event.ini");
    static const struct {
        const char *set;
        const char *says;
    } bad[] = {
        {"web.items=favourites", "not all, picked or not-rejected"},
        {"ingest.items=picked", "an ingest stage runs on every file"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        const char *args[] = {"check", pipeline,   "--event", event,
                              "--set", bad[i].set, NULL};
        char *err = NULL;
        ck_assert_int_ne(dk_test_dokpim(args, NULL, &err), 0);
        ck_assert_msg(strstr(err, bad[i].says), "%s", err);
        g_free(err);
    }
    const char *good[] = {"check", pipeline, "--event",
                          event,   "--set",  "web.items=not-rejected",
                          NULL};
    char *err = NULL;
    ck_assert_msg(dk_test_dokpim(good, NULL, &err) == 0, "%s", err);
    g_free(err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("choose");
    TCase *tc = tcase_create("choices");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc,
                   publish_writes_choices_and_makes_web_copies_of_picks_only);
    tcase_add_test(tc, changed_caption_redoes_only_that_photo);
    tcase_add_test(tc, choose_lists_and_refuses_bad_requests);
    tcase_add_test(tc, items_key_is_checked_with_the_pipeline);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
