/* Template expansion and path sanitising: the one expander every plugin
 * uses, so every error class is a row here. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dk_internal.h"
#include "dk_test.h"

static dk_event *event;
static dk_item *item;

static void setup(void)
{
    char *dir = dk_test_tmpdir("tmpl");
    char *path = g_build_filename(dir, "event.ini", NULL);
    const char *text = "[event]\n"
                       "title=Rapat Paripurna: DPRD/Badung\n"
                       "city=Mangupura\n"
                       "date=2024-09-02\n"
                       "timezone=Asia/Makassar\n"
                       "language=id\n"
                       "agency=Prokompim \xE2\x80\x94 Badung\n";
    dk_test_write(path, text, -1);
    dk_error err = {0};
    ck_assert_int_eq(dk_event_load(path, &event, &err), 0);
    item = dk_item_new("/cards/A/IMG_0412.JPG", 7, NULL);
    item->sha256 = g_strdup("ab12");
    /* 06:11:22 UTC = 14:11:22 in Makassar */
    dk_meta_set_string(item->meta, "capture.time", "2024-09-02T06:11:22Z");
    dk_meta_set_string(item->meta, "camera.model", "Canon EOS R6");
    g_free(path);
    g_free(dir);
}

static void teardown(void)
{
    dk_item_free(&item);
    dk_event_free(&event);
    dk_test_cleanup_dirs();
}

typedef struct {
    const char *tmpl;
    dk_template_mode mode;
    const char *expect; /* NULL: must fail */
    const char *error_part;
} expand_case;

static const expand_case cases[] = {
    {"{event.title}", DK_TEMPLATE_TEXT, "Rapat Paripurna: DPRD/Badung", NULL},
    {"{event.city}, {date:%d %B %Y}", DK_TEMPLATE_TEXT,
     "Mangupura, 02 September 2024", NULL},
    {"{date:%A %d %b}", DK_TEMPLATE_TEXT, "Senin 02 Sep", NULL},
    {"{date}", DK_TEMPLATE_TEXT, "2024-09-02", NULL},
    {"{seq:04}", DK_TEMPLATE_TEXT, "0007", NULL},
    {"{seq}", DK_TEMPLATE_TEXT, "7", NULL},
    {"{capture.time:%H%M%S}", DK_TEMPLATE_TEXT, "141122", NULL},
    {"{original.name}|{original.stem}|{original.ext}", DK_TEMPLATE_TEXT,
     "IMG_0412.JPG|IMG_0412|JPG", NULL},
    {"{original.sha256}", DK_TEMPLATE_TEXT, "ab12", NULL},
    {"{camera.model:slug}", DK_TEMPLATE_TEXT, "canon-eos-r6", NULL},
    {"{camera.make}", DK_TEMPLATE_TEXT, "", NULL},
    {"{event.slug}", DK_TEMPLATE_TEXT, "rapat-paripurna-dprd-badung", NULL},
    {"{event.city:upper}", DK_TEMPLATE_TEXT, "MANGUPURA", NULL},
    {"{{literal}} {event.city}", DK_TEMPLATE_TEXT, "{literal} Mangupura", NULL},
    {"{event.agency}", DK_TEMPLATE_TEXT, "Prokompim \xE2\x80\x94 Badung", NULL},
    /* paths: values cannot add folders; literal folders are fine */
    {"{event.title}.jpg", DK_TEMPLATE_PATH, "Rapat Paripurna_ DPRD-Badung.jpg",
     NULL},
    {"web/{date:%Y%m%d}_{seq:04}.jpg", DK_TEMPLATE_PATH,
     "web/20240902_0007.jpg", NULL},
    {"a//b/./c.jpg", DK_TEMPLATE_PATH, "a/b/c.jpg", NULL},
    {"../{event.city}.jpg", DK_TEMPLATE_PATH, NULL, "climbs out"},
    {"web/../../etc/passwd", DK_TEMPLATE_PATH, NULL, "climbs out"},
    {"/etc/{event.city}", DK_TEMPLATE_PATH, NULL, "absolute"},
    {"\x01\x02", DK_TEMPLATE_PATH, NULL, "no usable name"},
    {"tab\there.jpg", DK_TEMPLATE_PATH, "tabhere.jpg", NULL},
    {"what?.jpg", DK_TEMPLATE_PATH, "what_.jpg", NULL},
    {"trailing. ", DK_TEMPLATE_PATH, "trailing", NULL},
    /* errors */
    {"{event.nonsense}", DK_TEMPLATE_TEXT, NULL, "unknown variable"},
    {"{nope}", DK_TEMPLATE_TEXT, NULL, "unknown variable"},
    {"{event.title", DK_TEMPLATE_TEXT, NULL, "without a closing"},
    {"event.title}", DK_TEMPLATE_TEXT, NULL, "without an opening"},
    {"{seq:abc}", DK_TEMPLATE_TEXT, NULL, "does not fit"},
    {"{event.city:shout}", DK_TEMPLATE_TEXT, NULL, "does not fit"},
    {"{a{b}}", DK_TEMPLATE_TEXT, NULL, "inside a variable"},
    /* --set values reach the expander unchecked (found by fuzz_template) */
    {"{date:%\xff\xff}", DK_TEMPLATE_TEXT, NULL, "not valid UTF-8"},
    {"caf\xe9 {seq}", DK_TEMPLATE_TEXT, NULL, "not valid UTF-8"},
    /* a name is not the letter of an open conversion (fuzz_template) */
    {"{date:%0%A}", DK_TEMPLATE_TEXT, "%A", NULL},
    {"{date:%-A %_d %0B}", DK_TEMPLATE_TEXT, "Senin  2 September", NULL},
};

START_TEST(expands_each_case)
{
    const expand_case *c = &cases[_i];
    char *out = NULL;
    dk_error err = {0};
    int rc = dk_template_expand(c->tmpl, event, item, c->mode, &out, &err);
    if (c->expect) {
        ck_assert_msg(rc == 0, "'%s' failed: %s", c->tmpl, err.message);
        ck_assert_str_eq(out, c->expect);
    } else {
        ck_assert_msg(rc < 0, "'%s' should fail, gave '%s'", c->tmpl, out);
        ck_assert_msg(strstr(err.message, c->error_part),
                      "'%s': message '%s' lacks '%s'", c->tmpl, err.message,
                      c->error_part);
    }
    g_free(out);
}
END_TEST

START_TEST(check_matches_expand_for_syntax)
{
    /* what check accepts must expand; what it rejects must not */
    const expand_case *c = &cases[_i];
    dk_error err = {0};
    int checked = dk_template_check(c->tmpl, &err);
    if (checked < 0) {
        char *out = NULL;
        ck_assert_int_lt(
            dk_template_expand(c->tmpl, event, item, c->mode, &out, &err), 0);
    }
}
END_TEST

START_TEST(check_with_event_reports_missing_fields)
{
    dk_error err = {0};
    ck_assert_int_eq(dk_template_check_with_event("{event.city}", event, &err),
                     0);
    ck_assert_int_lt(
        dk_template_check_with_event("{event.photographer}", event, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.message, "does not set photographer"));
}
END_TEST

START_TEST(english_names_when_language_is_not_id)
{
    g_hash_table_replace(event->fields, g_strdup("language"), g_strdup("en"));
    char *out = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_template_expand("{date:%A %d %B %Y}", event, item,
                                        DK_TEMPLATE_TEXT, &out, &err),
                     0);
    ck_assert_str_eq(out, "Monday 02 September 2024");
    g_free(out);
}
END_TEST

START_TEST(capture_time_missing_is_an_item_error)
{
    g_hash_table_remove(item->meta->values, "capture.time");
    char *out = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_template_expand("{capture.time}", event, item,
                                        DK_TEMPLATE_TEXT, &out, &err),
                     DK_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.message, "no capture time"));
}
END_TEST

START_TEST(slugify_transliterates)
{
    char *slug = dk_slugify("  Pelantikan Pejabat — Kabupaten Badung! ");
    ck_assert_str_eq(slug, "pelantikan-pejabat-kabupaten-badung");
    g_free(slug);
    slug = dk_slugify("Café Déjà Vu");
    ck_assert_str_eq(slug, "cafe-deja-vu");
    g_free(slug);
}
END_TEST

/* Loads an event with this title (and the fixture's other fields). */
static dk_event *event_titled(const char *title)
{
    char *dir = dk_test_tmpdir("tmpl-title");
    g_autofree char *path = g_build_filename(dir, "event.ini", NULL);
    g_autofree char *text = g_strdup_printf(
        "[event]\ntitle=%s\ndate=2024-09-02\nlanguage=id\n", title);
    dk_test_write(path, text, -1);
    g_free(dir);
    dk_event *loaded = NULL;
    dk_error err = {0};
    ck_assert_msg(dk_event_load(path, &loaded, &err) == 0, "%s", err.message);
    return loaded;
}

typedef struct {
    const char *title;
    const char *source;
    const char *tmpl;
    dk_template_mode mode;
    const char *expect;
} fallback_case;

static const fallback_case fallback_cases[] = {
    {"!!! ???", "/in/IMG_1.JPG", "{date:%Y%m%d}_{event.slug}_{seq:04}.jpg",
     DK_TEMPLATE_PATH, "20240902_untitled_0007.jpg"},
    {"!!! ???", "/in/IMG_1.JPG", "{event.slug}", DK_TEMPLATE_TEXT, "untitled"},
    {"!!!", "/in/IMG_1.JPG", "{event.title:slug}/{seq}.jpg", DK_TEMPLATE_PATH,
     "untitled/7.jpg"},
    {"T", "/in/!!!.JPG", "{original.stem:slug}_{seq}.jpg", DK_TEMPLATE_PATH,
     "untitled_7.jpg"},
    {"T", "/in/\xE2\x80\x94.JPG", "{original.stem:slug}.jpg", DK_TEMPLATE_PATH,
     "untitled.jpg"},
    /* the stem ".." loses its dots: never the hidden ".jpg" */
    {"T", "/in/...jpg", "{original.stem}.jpg", DK_TEMPLATE_PATH,
     "untitled.jpg"},
    {"T", "/in/...", "{original.name}", DK_TEMPLATE_PATH, "untitled"},
    /* a value that is there stays as it was */
    {"T", "/in/.hidden", "{original.name}", DK_TEMPLATE_PATH, "hidden"},
    {"T", "/in/IMG_1.JPG", "{camera.make}", DK_TEMPLATE_TEXT, ""},
};

START_TEST(empty_names_get_a_fallback)
{
    const fallback_case *c = &fallback_cases[_i];
    dk_event *titled = event_titled(c->title);
    dk_item *named = dk_item_new(c->source, 7, NULL);
    char *out = NULL;
    dk_error err = {0};
    ck_assert_msg(
        dk_template_expand(c->tmpl, titled, named, c->mode, &out, &err) == 0,
        "%s", err.message);
    ck_assert_str_eq(out, c->expect);
    g_free(out);
    dk_item_free(&named);
    dk_event_free(&titled);
}
END_TEST

/* What dokpim adds to a stored name: the atomic writer's temporary name
 * (".NAME.dk-tmp-XXXXXX", 15 bytes), a collision number up to "_9999" and
 * stamp.sidecar's ".json"; all of it must fit NAME_MAX. */
#define ADDED_BYTES (15 + 5 + 5)

static const char indonesian_title[] =
    "Rapat Paripurna DPRD Kabupaten Badung \xE2\x80\x94 Penyampaian "
    "Pemandangan Umum Fraksi-fraksi terhadap Ranperda tentang Perubahan "
    "APBD Tahun Anggaran 2025 serta Penetapan Keputusan Dewan mengenai "
    "Pembentukan Panitia Khusus Pengawasan Pembangunan \xE2\x80\x94 "
    "Mangupura, S\xC3\xA9nin";

/* Each name of path (a "/"-separated relative path). */
static void assert_names_fit(const char *path)
{
    ck_assert_msg(g_utf8_validate(path, -1, NULL), "'%s' is cut mid-character",
                  path);
    gchar **names = g_strsplit(path, "/", -1);
    for (int i = 0; names[i]; i++)
        ck_assert_msg(strlen(names[i]) + ADDED_BYTES <= 255,
                      "'%s' (%zu bytes) leaves no room for dokpim's suffixes",
                      names[i], strlen(names[i]));
    g_strfreev(names);
}

START_TEST(long_names_fit_with_dokpim_suffixes)
{
    /* the pad moves the cut across every byte of a multi-byte character */
    int pad = _i % 3;
    GString *title = g_string_new(NULL);
    for (int i = 0; i < pad; i++)
        g_string_append_c(title, 'x');
    if (_i < 3) {
        g_string_append(title, indonesian_title);
    } else {
        for (int i = 0; i < 80; i++)
            g_string_append(title, "\xE2\x80\x94"); /* an em dash */
    }
    ck_assert_uint_ge(title->len, 240);
    dk_event *titled = event_titled(title->str);
    GString *source = g_string_new("/in/");
    g_string_append(source, title->str);
    g_string_append(source, ".JPG");
    dk_item *named = dk_item_new(source->str, 7, NULL);

    char *out = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_template_expand("{event.title}.jpg", titled, named,
                                        DK_TEMPLATE_PATH, &out, &err),
                     0);
    assert_names_fit(out);
    ck_assert(g_str_has_suffix(out, ".jpg"));
    /* cut as little as the limit needs, at a character boundary */
    ck_assert_uint_ge(strlen(out), 255 - 15 - 5 - 8 - 3);
    ck_assert(strncmp(title->str, out, strlen(out) - 4) == 0);
    g_free(out);

    /* pipelines/archive-batch.conf's names */
    ck_assert_int_eq(dk_template_expand("{seq:05}_{original.name}", titled,
                                        named, DK_TEMPLATE_PATH, &out, &err),
                     0);
    assert_names_fit(out);
    ck_assert(g_str_has_prefix(out, "00007_"));
    ck_assert(g_str_has_suffix(out, ".JPG"));
    g_free(out);
    ck_assert_int_eq(dk_template_expand("{original.stem}", titled, named,
                                        DK_TEMPLATE_PATH, &out, &err),
                     0);
    assert_names_fit(out);
    g_free(out);

    /* folders are names too; the file in them keeps its own */
    ck_assert_int_eq(dk_template_expand("{date:%Y}/{event.title}/{seq}.jpg",
                                        titled, named, DK_TEMPLATE_PATH, &out,
                                        &err),
                     0);
    assert_names_fit(out);
    ck_assert(g_str_has_prefix(out, "2024/"));
    ck_assert(g_str_has_suffix(out, "/7.jpg"));
    g_free(out);

    dk_item_free(&named);
    dk_event_free(&titled);
    g_string_free(source, TRUE);
    g_string_free(title, TRUE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("template");
    TCase *tc = tcase_create("expand");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, expands_each_case, 0, G_N_ELEMENTS(cases));
    tcase_add_loop_test(tc, check_matches_expand_for_syntax, 0,
                        G_N_ELEMENTS(cases));
    tcase_add_test(tc, check_with_event_reports_missing_fields);
    tcase_add_test(tc, english_names_when_language_is_not_id);
    tcase_add_test(tc, capture_time_missing_is_an_item_error);
    tcase_add_test(tc, slugify_transliterates);
    tcase_add_loop_test(tc, empty_names_get_a_fallback, 0,
                        G_N_ELEMENTS(fallback_cases));
    tcase_add_loop_test(tc, long_names_fit_with_dokpim_suffixes, 0, 6);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
