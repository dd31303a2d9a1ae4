/* The choices record (core/lib/choice.c): what the crew decided about one
 * item survives a write and a read byte for byte, a damaged record is
 * reported with its file, and a write is all or nothing. */
#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "choice.h"
#include "dk_internal.h"
#include "dk_test.h"

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void teardown(void)
{
    dk_test_cleanup_dirs();
}

static void assert_same(const dk_choice *a, const dk_choice *b)
{
    ck_assert_int_eq(a->rating, b->rating);
    ck_assert_int_eq(a->label, b->label);
    ck_assert_str_eq(a->caption ? a->caption : "(null)",
                     b->caption ? b->caption : "(null)");
    guint na = a->persons ? g_strv_length(a->persons) : 0;
    guint nb = b->persons ? g_strv_length(b->persons) : 0;
    ck_assert_uint_eq(na, nb);
    for (guint i = 0; i < na; i++)
        ck_assert_str_eq(a->persons[i], b->persons[i]);
}

static char *persons_a[] = {"Ani Yudhoyono", "Budi, S.H.; M.M.",
                            "Drs. H. Čeněk; \\ backslash", NULL};
static char *persons_b[] = {"Wayan", NULL};
static const dk_choice round_trips[] = {
    {5, DK_LABEL_PICK, "Gubernur meninjau pasar; harga cabai\nbaris dua\n",
     persons_a},
    {1, DK_LABEL_REJECT, NULL, NULL},
    {0, DK_LABEL_NONE, "  spasi di depan, tab\tdan \"kutip\" — é", NULL},
    {3, DK_LABEL_NONE, NULL, persons_b},
};

START_TEST(choice_round_trips)
{
    char *lib = dk_test_tmpdir("choice");
    dk_error err = {0};
    const dk_choice *in = &round_trips[_i];
    ck_assert_msg(dk_choice_write(lib, SHA, in, &err) == 0, "%s", err.message);
    dk_choice out = {0};
    ck_assert_msg(dk_choice_read(lib, SHA, &out, &err) == 0, "%s", err.message);
    assert_same(in, &out);
    /* where contract 1 says, with the time it was set */
    g_autofree char *path =
        g_build_filename(lib, "choices", "01", SHA ".ini", NULL);
    g_autofree char *text = dk_test_read(path, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "[choice]"));
    ck_assert_ptr_nonnull(strstr(text, "\nupdated=20"));
    ck_assert_ptr_nonnull(strstr(text, "Z\n"));
    dk_choice_clear(&out);
    g_free(lib);
}
END_TEST

START_TEST(no_record_is_an_empty_choice_and_empty_removes)
{
    char *lib = dk_test_tmpdir("choice");
    dk_error err = {0};
    dk_choice out = {.rating = 9};
    ck_assert_int_eq(dk_choice_read(lib, SHA, &out, &err), 0);
    ck_assert(dk_choice_is_empty(&out));
    ck_assert_ptr_null(dk_choice_digest(&out));
    dk_choice c = {.rating = 2};
    ck_assert_int_eq(dk_choice_write(lib, SHA, &c, &err), 0);
    g_autofree char *path = dk_choice_path(lib, SHA);
    ck_assert(g_file_test(path, G_FILE_TEST_EXISTS));
    dk_choice none = {0};
    ck_assert_int_eq(dk_choice_write(lib, SHA, &none, &err), 0);
    ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(dk_choice_read(lib, SHA, &out, &err), 0);
    ck_assert(dk_choice_is_empty(&out));
    g_free(lib);
}
END_TEST

static const struct {
    const char *text;
    const char *why;
} damaged[] = {
    {"[choice]\nrating=six\n", "rating is not a number"},
    {"[choice]\nrating=7\n", "rating is not 0..5"},
    {"[choice]\nrating=-1\n", "rating is not 0..5"},
    {"[choice]\nlabel=maybe\n", "label is not pick or reject"},
    {"[other]\nrating=1\n", "no [choice] group"},
    {"rating=1\n", "damaged choices record"},
    {"[choice]\ncaption=\xff\xfe\n", "damaged choices record"},
    {"[choice]\nrating=1\nrating=2\n", "duplicate key"},
};

START_TEST(damaged_record_names_the_file)
{
    char *lib = dk_test_tmpdir("choice");
    g_autofree char *path = dk_choice_path(lib, SHA);
    g_autofree char *dir = g_path_get_dirname(path);
    g_mkdir_with_parents(dir, 0755);
    dk_test_write(path, damaged[_i].text, -1);
    dk_error err = {0};
    dk_choice out = {0};
    ck_assert_int_lt(dk_choice_read(lib, SHA, &out, &err), 0);
    ck_assert_msg(strstr(err.message, path) != NULL, "%s", err.message);
    ck_assert_msg(strstr(err.message, damaged[_i].why) != NULL, "%s",
                  err.message);
    ck_assert(dk_choice_is_empty(&out));
    g_free(lib);
}
END_TEST

static char *bad_names[] = {"two\nlines", NULL};
static char *empty_name[] = {"", NULL};
static const dk_choice refused[] = {
    {6, DK_LABEL_NONE, NULL, NULL},      {-1, DK_LABEL_NONE, NULL, NULL},
    {0, (dk_choice_label)7, NULL, NULL}, {0, DK_LABEL_NONE, "\xc3\x28", NULL},
    {0, DK_LABEL_NONE, NULL, bad_names}, {0, DK_LABEL_NONE, NULL, empty_name},
};

START_TEST(bad_choice_is_refused_before_any_write)
{
    char *lib = dk_test_tmpdir("choice");
    dk_error err = {0};
    dk_choice keep = {.rating = 4, .label = DK_LABEL_PICK};
    ck_assert_int_eq(dk_choice_write(lib, SHA, &keep, &err), 0);
    ck_assert_int_eq(dk_choice_write(lib, SHA, &refused[_i], &err),
                     DK_ERR_INVALID);
    ck_assert(err.message[0]);
    dk_choice out = {0};
    ck_assert_int_eq(dk_choice_read(lib, SHA, &out, &err), 0);
    assert_same(&keep, &out);
    /* a malformed sha256 could name a path outside choices/ */
    ck_assert_int_eq(dk_choice_write(lib, "../../etc/passwd", &keep, &err),
                     DK_ERR_INVALID);
    ck_assert_int_eq(dk_choice_write(lib, "0123ABCD", &keep, &err),
                     DK_ERR_INVALID);
    dk_choice_clear(&out);
    g_free(lib);
}
END_TEST

START_TEST(write_is_atomic)
{
    char *lib = dk_test_tmpdir("choice");
    dk_error err = {0};
    dk_choice first = {.rating = 2, .caption = "first"};
    ck_assert_int_eq(dk_choice_write(lib, SHA, &first, &err), 0);
    g_autofree char *path = dk_choice_path(lib, SHA);
    g_autofree char *dir = g_path_get_dirname(path);
    struct stat before, after;
    ck_assert_int_eq(stat(path, &before), 0);
    /* a new file renamed over the old: a reader holding the old one
     * never sees half a record */
    dk_choice second = {.rating = 3, .caption = "second"};
    ck_assert_int_eq(dk_choice_write(lib, SHA, &second, &err), 0);
    ck_assert_int_eq(stat(path, &after), 0);
    ck_assert(before.st_ino != after.st_ino);
    ck_assert_int_eq(dk_test_count_files(dir), 1); /* no temp left */
    /* a write that cannot finish leaves the previous record whole */
    if (geteuid() != 0) {
        ck_assert_int_eq(chmod(dir, 0555), 0);
        dk_choice third = {.rating = 5, .caption = "third"};
        ck_assert_int_lt(dk_choice_write(lib, SHA, &third, &err), 0);
        chmod(dir, 0755);
        dk_choice out = {0};
        ck_assert_int_eq(dk_choice_read(lib, SHA, &out, &err), 0);
        assert_same(&second, &out);
        dk_choice_clear(&out);
    }
    g_free(lib);
}
END_TEST

START_TEST(digest_follows_every_field_but_the_time)
{
    char *p1[] = {"A", "B", NULL};
    char *p2[] = {"A;B", NULL};
    char *p3[] = {"AB", NULL};
    const dk_choice variants[] = {
        {1, DK_LABEL_NONE, NULL, NULL}, {2, DK_LABEL_NONE, NULL, NULL},
        {1, DK_LABEL_PICK, NULL, NULL}, {1, DK_LABEL_REJECT, NULL, NULL},
        {1, DK_LABEL_NONE, "x", NULL},  {1, DK_LABEL_NONE, "x ", NULL},
        {1, DK_LABEL_NONE, NULL, p1},   {1, DK_LABEL_NONE, NULL, p2},
        {1, DK_LABEL_NONE, NULL, p3},
    };
    GHashTable *seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(variants); i++) {
        char *d = dk_choice_digest(&variants[i]);
        ck_assert_ptr_nonnull(d);
        ck_assert_msg(!g_hash_table_contains(seen, d), "variant %zu", i);
        g_hash_table_add(seen, d);
    }
    g_hash_table_destroy(seen);
    /* read back later (another `updated`), the digest is the same */
    char *lib = dk_test_tmpdir("choice");
    dk_error err = {0};
    ck_assert_int_eq(dk_choice_write(lib, SHA, &variants[6], &err), 0);
    dk_choice out = {0};
    ck_assert_int_eq(dk_choice_read(lib, SHA, &out, &err), 0);
    g_autofree char *a = dk_choice_digest(&variants[6]);
    g_autofree char *b = dk_choice_digest(&out);
    ck_assert_str_eq(a, b);
    dk_choice_clear(&out);
    g_free(lib);
}
END_TEST

START_TEST(label_names_parse_back)
{
    ck_assert_str_eq(dk_choice_label_name(DK_LABEL_PICK), "pick");
    ck_assert_str_eq(dk_choice_label_name(DK_LABEL_REJECT), "reject");
    ck_assert_ptr_null(dk_choice_label_name(DK_LABEL_NONE));
    dk_choice_label l = DK_LABEL_NONE;
    ck_assert_int_eq(dk_choice_label_parse("Pick", &l), 0);
    ck_assert_int_eq(l, DK_LABEL_PICK);
    ck_assert_int_eq(dk_choice_label_parse("reject", &l), 0);
    ck_assert_int_eq(l, DK_LABEL_REJECT);
    ck_assert_int_eq(dk_choice_label_parse("select", &l), DK_ERR_INVALID);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("choice");
    TCase *tc = tcase_create("record");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_loop_test(tc, choice_round_trips, 0, G_N_ELEMENTS(round_trips));
    tcase_add_test(tc, no_record_is_an_empty_choice_and_empty_removes);
    tcase_add_loop_test(tc, damaged_record_names_the_file, 0,
                        G_N_ELEMENTS(damaged));
    tcase_add_loop_test(tc, bad_choice_is_refused_before_any_write, 0,
                        G_N_ELEMENTS(refused));
    tcase_add_test(tc, write_is_atomic);
    tcase_add_test(tc, digest_follows_every_field_but_the_time);
    tcase_add_test(tc, label_names_parse_back);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
