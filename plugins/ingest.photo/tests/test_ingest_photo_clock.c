/* The clock-offsets option: how entries parse, which are refused, and
 * which camera each one applies to. */
#include <check.h>
#include <string.h>

#include "ingest_photo.h"

typedef struct clock_case {
    const char *entry;
    int64_t seconds; /* when valid */
    bool valid;
} clock_case;

static const clock_case clock_cases[] = {
    {"Canon EOS R6=+00:05:30", 330, true},
    {"Canon EOS R6=-90", -90, true},
    {"Canon EOS R6=90", 90, true},
    {"Canon EOS R6 = -1:00", -3600, true},
    {"  NIKON Z 6=+01:02:03  ", 3723, true},
    {"Canon EOS R6=-00:00:01", -1, true},
    {"SONY ILCE-7M3=+788918400", 788918400, true}, /* a reset clock: 25 y */
    {"Canon EOS R6", 0, false},
    {"=+30", 0, false},
    {"Canon EOS R6=", 0, false},
    {"Canon EOS R6=+5m", 0, false},
    {"Canon EOS R6=+00:60:00", 0, false},
    {"Canon EOS R6=+00:5:30", 0, false},
    {"Canon EOS R6=1:2:3:4", 0, false},
    {"Canon EOS R6=--30", 0, false},
    {"Canon EOS R6=99999999999999", 0, false},
};

START_TEST(test_clock_entry)
{
    const clock_case *c = &clock_cases[_i];
    const char *entries[] = {c->entry, NULL};
    ingest_photo_clocks *clocks = NULL;
    dk_error err = {0};
    int rc = ingest_photo_clocks_parse(entries, &clocks, &err);
    if (!c->valid) {
        ck_assert_msg(rc == DK_ERR_CONFIG, "\"%s\" was accepted", c->entry);
        ck_assert_ptr_null(clocks);
        ck_assert_msg(strstr(err.message, "clock-offsets") != NULL, "%s",
                      err.message);
        return;
    }
    ck_assert_msg(rc == 0, "\"%s\": %s", c->entry, err.message);
    /* the camera is the entry's left side, in any case and spacing */
    char *camera =
        g_strstrip(g_strndup(c->entry, strrchr(c->entry, '=') - c->entry));
    char *shouted = g_ascii_strup(camera, -1);
    int64_t seconds = 0;
    ck_assert(ingest_photo_clocks_lookup(clocks, NULL, shouted, &seconds));
    ck_assert_int_eq(seconds, c->seconds);
    ck_assert(
        !ingest_photo_clocks_lookup(clocks, NULL, "Other Camera", &seconds));
    g_free(shouted);
    g_free(camera);
    ingest_photo_clocks_free(&clocks);
}
END_TEST

/* Model alone, make + model, the more specific one winning, duplicates. */
START_TEST(test_clock_matching)
{
    const char *entries[] = {"NIKON Z 6=10", "NIKON CORPORATION NIKON Z 6=20",
                             "Canon EOS R6=30", "", NULL};
    ingest_photo_clocks *clocks = NULL;
    dk_error err = {0};
    ck_assert_int_eq(ingest_photo_clocks_parse(entries, &clocks, &err), 0);
    int64_t s = 0;
    ck_assert(ingest_photo_clocks_lookup(clocks, "NIKON CORPORATION",
                                         "NIKON Z 6", &s));
    ck_assert_int_eq(s, 20);
    ck_assert(ingest_photo_clocks_lookup(clocks, "Nikon", "NIKON Z 6", &s));
    ck_assert_int_eq(s, 10);
    ck_assert(ingest_photo_clocks_lookup(clocks, "Canon", "Canon EOS R6", &s));
    ck_assert_int_eq(s, 30);
    ck_assert(
        ingest_photo_clocks_lookup(clocks, "Canon  ", " canon  eos r6", &s));
    ck_assert(!ingest_photo_clocks_lookup(clocks, "Canon", NULL, &s));
    ck_assert(!ingest_photo_clocks_lookup(NULL, "Canon", "Canon EOS R6", &s));
    ingest_photo_clocks_free(&clocks);
    ingest_photo_clocks_free(&clocks); /* NULL is fine */

    const char *twice[] = {"Canon EOS R6=1", "canon eos r6=2", NULL};
    ck_assert_int_eq(ingest_photo_clocks_parse(twice, &clocks, &err),
                     DK_ERR_CONFIG);
    ck_assert(strstr(err.message, "twice") != NULL);

    ck_assert_int_eq(ingest_photo_clocks_parse(NULL, &clocks, &err), 0);
    ck_assert(!ingest_photo_clocks_lookup(clocks, "Canon", "Canon EOS R6", &s));
    ingest_photo_clocks_free(&clocks);
}
END_TEST

static Suite *clock_suite(void)
{
    Suite *s = suite_create("ingest_photo_clock");
    TCase *tc = tcase_create("clock-offsets");
    tcase_add_loop_test(tc, test_clock_entry, 0, G_N_ELEMENTS(clock_cases));
    tcase_add_test(tc, test_clock_matching);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(clock_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : 0;
}
