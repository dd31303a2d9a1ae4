/* dk_capture_time_from_filename() and dk_meta_set_capture(): every naming
 * scheme, impossible dates, and names that only look like dates. */
#include <check.h>
#include <dokpim/dokpim.h>
#include <string.h>

#include "dk_test.h"

typedef struct name_case {
    const char *name;
    const char *zone;     /* IANA zone the name is read in */
    const char *expected; /* ISO 8601 instant with offset; NULL: no time */
    gboolean date_only;
} name_case;

#define MAKASSAR "Asia/Makassar" /* WITA, +08:00, the sample event's zone */

static const name_case name_cases[] = {
    /* WhatsApp exports (wall clock of the phone) */
    {"WhatsApp Image 2024-09-02 at 14.11.22.jpeg", MAKASSAR,
     "2024-09-02T14:11:22+08:00", FALSE},
    {"WhatsApp Video 2024-09-02 at 14.11.22.mp4", MAKASSAR,
     "2024-09-02T14:11:22+08:00", FALSE},
    {"whatsapp image 2024-09-02 at 14.11.22 (1).JPEG", MAKASSAR,
     "2024-09-02T14:11:22+08:00", FALSE},
    {"WhatsApp Image 2024-09-02 at 2.11.22 PM.jpeg", MAKASSAR,
     "2024-09-02T14:11:22+08:00", FALSE},
    {"WhatsApp Image 2024-09-02 at 12.05.00\u202fAM.jpeg", MAKASSAR,
     "2024-09-02T00:05:00+08:00", FALSE},
    {"WhatsApp Image 2024-09-02 at 12.05.00 PM.jpeg", MAKASSAR,
     "2024-09-02T12:05:00+08:00", FALSE},
    {"/media/hp/WhatsApp/Media/WhatsApp Image 2024-09-02 at 14.11.22.jpeg",
     "Asia/Jakarta", "2024-09-02T14:11:22+07:00", FALSE},
    /* WhatsApp on Android: the day only */
    {"IMG-20240902-WA0012.jpg", MAKASSAR, "2024-09-02T00:00:00+08:00", TRUE},
    {"VID-20240902-WA0003.mp4", MAKASSAR, "2024-09-02T00:00:00+08:00", TRUE},
    {"img-20240902-wa0012 (2).JPG", "UTC", "2024-09-02T00:00:00Z", TRUE},
    /* Android cameras (wall clock) */
    {"IMG_20240902_141122.jpg", MAKASSAR, "2024-09-02T14:11:22+08:00", FALSE},
    {"img_20240902_141122.JPG", MAKASSAR, "2024-09-02T14:11:22+08:00", FALSE},
    {"VID_20240902_141122.mp4", MAKASSAR, "2024-09-02T14:11:22+08:00", FALSE},
    {"IMG_20240902_141122_HDR.jpg", MAKASSAR, "2024-09-02T14:11:22+08:00",
     FALSE},
    {"IMG_20240902_141122~2.jpg", "Asia/Jayapura", "2024-09-02T14:11:22+09:00",
     FALSE},
    {"PANO_20240902_141122.jpg", MAKASSAR, "2024-09-02T14:11:22+08:00", FALSE},
    {"20240902_141122.jpg", MAKASSAR, "2024-09-02T14:11:22+08:00", FALSE},
    {"20240902_141122(0).jpg", MAKASSAR, "2024-09-02T14:11:22+08:00", FALSE},
    {"20240229_235959.jpg", MAKASSAR, "2024-02-29T23:59:59+08:00", FALSE},
    /* Google Pixel: UTC with milliseconds, converted into the zone */
    {"PXL_20240902_061122123.jpg", MAKASSAR, "2024-09-02T14:11:22.123+08:00",
     FALSE},
    {"PXL_20240902_061122123.MP.jpg", "UTC", "2024-09-02T06:11:22.123Z", FALSE},
    {"pxl_20241231_200000000.NIGHT.jpg", MAKASSAR, "2025-01-01T04:00:00+08:00",
     FALSE},
    /* screenshots */
    {"Screenshot_20240902-141122.png", MAKASSAR, "2024-09-02T14:11:22+08:00",
     FALSE},
    {"Screenshot_20240902_141122_WhatsApp.jpg", MAKASSAR,
     "2024-09-02T14:11:22+08:00", FALSE},
    {"Screenshot_2024-09-02-14-11-22-123_com.whatsapp.jpg", MAKASSAR,
     "2024-09-02T14:11:22+08:00", FALSE},
    {"Screenshot 2024-09-02 at 14.11.22.png", MAKASSAR,
     "2024-09-02T14:11:22+08:00", FALSE},
    {"2024-09-02 14.11.22.jpg", MAKASSAR, "2024-09-02T14:11:22+08:00", FALSE},
    /* impossible dates and times */
    {"IMG_20241302_141122.jpg", MAKASSAR, NULL, FALSE},
    {"IMG_20240230_101010.jpg", MAKASSAR, NULL, FALSE},
    {"20230229_101010.jpg", MAKASSAR, NULL, FALSE},
    {"IMG-20240230-WA0001.jpg", MAKASSAR, NULL, FALSE},
    {"IMG-20240001-WA0001.jpg", MAKASSAR, NULL, FALSE},
    {"IMG_20240902_146122.jpg", MAKASSAR, NULL, FALSE},
    {"IMG_20240902_245959.jpg", MAKASSAR, NULL, FALSE},
    {"PXL_20240931_061122123.jpg", MAKASSAR, NULL, FALSE},
    {"WhatsApp Image 2024-09-02 at 25.11.22.jpeg", MAKASSAR, NULL, FALSE},
    {"WhatsApp Image 2024-09-02 at 13.11.22 PM.jpeg", MAKASSAR, NULL, FALSE},
    {"WhatsApp Image 2024-09-02 at 0.11.22 AM.jpeg", MAKASSAR, NULL, FALSE},
    {"WhatsApp Image 2024-02-30 at 10.11.22.jpeg", MAKASSAR, NULL, FALSE},
    /* names that are not capture times */
    {"DSC_0042.JPG", MAKASSAR, NULL, FALSE},
    {"IMG_1234.JPG", MAKASSAR, NULL, FALSE},
    {"foto-bupati.jpg", MAKASSAR, NULL, FALSE},
    {"", MAKASSAR, NULL, FALSE},
    {"IMG_20240902_1411223.jpg", MAKASSAR, NULL, FALSE},
    {"IMG_2024090_141122.jpg", MAKASSAR, NULL, FALSE},
    {"12345678_123456.jpg", MAKASSAR, NULL, FALSE},
    {"copy of IMG_20240902_141122.jpg", MAKASSAR, NULL, FALSE},
    {"IMG_20240902_141122.jpg/notes.txt", MAKASSAR, NULL, FALSE},
    {"\xff\xfe_20240902_141122.jpg", MAKASSAR, NULL, FALSE},
    {"IMG_\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4\xd9\xa0\xd9\xa9\xd9\xa0\xd9\xa2_"
     "141122.jpg",
     MAKASSAR, NULL, FALSE}, /* Arabic-Indic digits are not a date */
};

START_TEST(test_name_pattern)
{
    const name_case *c = &name_cases[_i];
    GTimeZone *tz = g_time_zone_new_identifier(c->zone);
    ck_assert_msg(tz != NULL, "no zone %s", c->zone);
    gboolean date_only = !c->date_only;
    GDateTime *got = dk_capture_time_from_filename(c->name, tz, &date_only);
    if (!c->expected) {
        char *text = got ? g_date_time_format_iso8601(got) : NULL;
        ck_assert_msg(got == NULL, "\"%s\" gave %s, expected no time", c->name,
                      text);
        ck_assert(!date_only);
        g_free(text);
    } else {
        ck_assert_msg(got != NULL, "\"%s\" gave no time", c->name);
        GDateTime *want = g_date_time_new_from_iso8601(c->expected, NULL);
        ck_assert(want != NULL);
        char *text = g_date_time_format_iso8601(got);
        ck_assert_msg(g_date_time_compare(got, want) == 0 &&
                          g_date_time_get_utc_offset(got) ==
                              g_date_time_get_utc_offset(want),
                      "\"%s\" gave %s, expected %s", c->name, text,
                      c->expected);
        ck_assert_int_eq(date_only, c->date_only);
        g_free(text);
        g_date_time_unref(want);
        g_date_time_unref(got);
    }
    g_time_zone_unref(tz);
}
END_TEST

/* A NULL zone means the machine's; a NULL date_only is allowed. */
START_TEST(test_name_defaults)
{
    GDateTime *got =
        dk_capture_time_from_filename("IMG_20240902_141122.jpg", NULL, NULL);
    ck_assert(got != NULL);
    ck_assert_int_eq(g_date_time_get_hour(got), 14);
    GTimeZone *local = g_time_zone_new_local();
    GDateTime *same = g_date_time_new(local, 2024, 9, 2, 14, 11, 22);
    ck_assert(g_date_time_equal(got, same));
    g_date_time_unref(same);
    g_time_zone_unref(local);
    g_date_time_unref(got);
    ck_assert(dk_capture_time_from_filename(NULL, NULL, NULL) == NULL);
}
END_TEST

/* Matching from several threads at once, as ingest workers do. */
static gpointer parse_many(gpointer data)
{
    GTimeZone *tz = data;
    gpointer failures = GINT_TO_POINTER(0);
    for (int i = 0; i < 2000; i++) {
        GDateTime *t = dk_capture_time_from_filename(
            "PXL_20240902_061122123.jpg", tz, NULL);
        if (!t || g_date_time_get_hour(t) != 14)
            failures = GINT_TO_POINTER(1);
        if (t)
            g_date_time_unref(t);
    }
    return failures;
}

START_TEST(test_name_threads)
{
    GTimeZone *tz = g_time_zone_new_identifier(MAKASSAR);
    GThread *threads[4];
    for (int i = 0; i < 4; i++)
        threads[i] = g_thread_new("parse", parse_many, tz);
    for (int i = 0; i < 4; i++)
        ck_assert_ptr_null(g_thread_join(threads[i]));
    g_time_zone_unref(tz);
}
END_TEST

typedef struct capture_case {
    const char *iso;    /* the time stored */
    const char *source; /* the source stored */
    const char *text;   /* capture.time as written */
    const char *inferred;
} capture_case;

static const capture_case capture_cases[] = {
    {"2024-09-02T14:11:22+08:00", "exif", "2024-09-02T14:11:22+08:00", "false"},
    {"2024-09-02T14:11:22.250+07:00", "exif", "2024-09-02T14:11:22.25+07:00",
     "false"},
    {"2024-09-02T14:11:22.000001Z", "container",
     "2024-09-02T14:11:22.000001+00:00", "false"},
    {"2024-09-02T00:00:00+08:00", "filename", "2024-09-02T00:00:00+08:00",
     "true"},
    {"2023-05-06T15:08:09-05:30", "file-time", "2023-05-06T15:08:09-05:30",
     "true"},
};

START_TEST(test_meta_set_capture)
{
    const capture_case *c = &capture_cases[_i];
    dk_meta *meta = dk_meta_new();
    GDateTime *t = g_date_time_new_from_iso8601(c->iso, NULL);
    ck_assert(t != NULL);
    dk_meta_set_capture(meta, t, c->source);
    ck_assert_str_eq(dk_meta_get(meta, "capture.time"), c->text);
    ck_assert_str_eq(dk_meta_get(meta, "capture.source"), c->source);
    ck_assert_str_eq(dk_meta_get(meta, "capture.inferred"), c->inferred);
    /* what we write reads back as the same instant */
    GDateTime *back =
        g_date_time_new_from_iso8601(dk_meta_get(meta, "capture.time"), NULL);
    ck_assert(back != NULL && g_date_time_equal(back, t));
    g_date_time_unref(back);
    g_date_time_unref(t);
    dk_meta_free(&meta);
}
END_TEST

static Suite *capture_name_suite(void)
{
    Suite *s = suite_create("capture_name");
    TCase *tc = tcase_create("patterns");
    tcase_add_loop_test(tc, test_name_pattern, 0, G_N_ELEMENTS(name_cases));
    tcase_add_test(tc, test_name_defaults);
    tcase_add_test(tc, test_name_threads);
    tcase_add_loop_test(tc, test_meta_set_capture, 0,
                        G_N_ELEMENTS(capture_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(capture_name_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : 0;
}
