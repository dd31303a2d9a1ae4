/* Pipeline and event validation: every error class gets a row, and each
 * message must name the file, group, key and line. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dk_internal.h"
#include "dk_test.h"
#include "test_plugin.h"

static dk_registry *registry;
static char *dir;

static void setup(void)
{
    dir = dk_test_tmpdir("config");
    registry = dk_registry_new();
    const char *root = g_getenv("DOKPIM_TEST_PLUGINS");
    g_autofree char *good = g_build_filename(root, "good", NULL);
    dk_registry_load_dir(registry, good);
    g_autofree char *ingest =
        g_build_filename(dk_test_plugin_dir(), "ingest.file.so", NULL);
    dk_registry_load_file(registry, ingest, NULL);
    ck_assert_ptr_nonnull(dk_registry_find(registry, "test.options"));
    ck_assert_ptr_nonnull(dk_registry_find(registry, "ingest.file"));
    g_autofree char *logo = g_build_filename(dir, "logo.png", NULL);
    dk_test_write(logo, "png", 3);
}

static void teardown(void)
{
    dk_registry_free(&registry);
    g_free(dir);
    dk_test_cleanup_dirs();
}

/* 230 bytes: 23 × "0123456789" */
#define TEN "0123456789"
#define LONG_TEXT                                                              \
    TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN    \
        TEN TEN TEN TEN TEN

#define HEAD "[pipeline]\nname=T\nstages=in;t\n\n[in]\nplugin=ingest.file\n\n"

typedef struct {
    const char *text;
    const char *set;     /* one --set, or NULL */
    const char *problem; /* NULL: valid */
    int line;            /* expected line in the message, 0: none */
} config_case;

static const config_case cases[] = {
    /* valid, with every type */
    {HEAD "[t]\nplugin=test.options\ntarget=x\ncount=10\nratio=0.25\n"
          "enabled=no\nmode=slow\nwords=a; b ;;c\nlogo=logo.png\n",
     NULL, NULL, 0},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n", "t.count=4", NULL, 0},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n", "t.count=7",
     "count above 5 needs mode=slow", 0},
    /* unknown key (line 9) */
    {HEAD "[t]\nplugin=test.options\ntarget=x\ncuont=3\n", NULL,
     "[t] cuont: unknown option for test.options", 11},
    /* wrong types */
    {HEAD "[t]\nplugin=test.options\ntarget=x\nenabled=maybe\n", NULL,
     "[t] enabled: 'maybe' is not true or false", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\ncount=three\n", NULL,
     "[t] count: 'three' is not a whole number", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\nratio=0,5\n", NULL,
     "[t] ratio: '0,5' is not a number", 11},
    /* out of range */
    {HEAD "[t]\nplugin=test.options\ntarget=x\ncount=11\n", NULL,
     "[t] count: '11' is out of range (1 to 10)", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\nratio=-0.1\n", NULL,
     "out of range (0 to 1)", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\nmode=medium\n", NULL,
     "'medium' is not one of fast|slow", 11},
    /* missing required option */
    {HEAD "[t]\nplugin=test.options\n", NULL,
     "[t] target: required option of test.options is not set", 8},
    /* unknown plugin */
    {HEAD "[t]\nplugin=test.optoins\ntarget=x\n", NULL,
     "[t] plugin: unknown plugin 'test.optoins' (installed:", 9},
    /* templates */
    {HEAD "[t]\nplugin=test.options\ntarget=x\ncaption={event.titel}\n", NULL,
     "unknown variable {event.titel}", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\noutput=../{seq}.jpg\n", NULL,
     "climbs out of its folder", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\noutput=/tmp/{seq}.jpg\n", NULL,
     "is absolute", 11},
    /* input files */
    {HEAD "[t]\nplugin=test.options\ntarget=x\nlogo=missing.png\n", NULL,
     "missing.png' does not exist", 11},
    /* structure */
    {"[pipeline]\nname=T\n", NULL, "[pipeline] stages: missing", 1},
    {"[stages]\nx=1\n", NULL, "no [pipeline] group", 0},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n[extra]\nplugin=x\n", NULL,
     "[extra]: group is not a stage listed", 11},
    {"[pipeline]\nstages=in;in\n[in]\nplugin=ingest.file\n", NULL,
     "stage 'in' is listed twice", 2},
    {"[pipeline]\nstages=in;t\n[in]\nplugin=ingest.file\n", NULL,
     "stage 't' has no [t] group", 2},
    {"[pipeline]\nstages=t;in\n[in]\nplugin=ingest.file\n"
     "[t]\nplugin=test.options\ntarget=x\n",
     NULL, "ingest stage 'in' must come before", 2},
    {"[pipeline]\nstages=t\n[t]\nplugin=test.options\ntarget=x\n", NULL,
     "no ingest stage", 2},
    {"[pipeline]\nstages=in\nstagse=x\n[in]\nplugin=ingest.file\n", NULL,
     "[pipeline] stagse: unknown key", 3},
    {"[pipeline]\nstages=in\n[in]\n", NULL, "[in]: no plugin= key", 3},
    {"[pipeline\nstages=in\n", NULL, "not a key-value pair", 0},
    /* the plugin's own cross-option check runs after the rows pass */
    {HEAD "[t]\nplugin=test.options\ntarget=x\ncount=6\n", NULL,
     "[t]: count above 5 needs mode=slow", 8},
    {HEAD "[t]\nplugin=test.options\ntarget=x\ncount=6\nmode=slow\n", NULL,
     NULL, 0},
    /* --set goes through the same checks */
    {HEAD "[t]\nplugin=test.options\ntarget=x\n", "t.count=99",
     "--set: '99' is out of range", 0},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n", "t.colour=red",
     "--set: unknown option", 0},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n", "nostage.count=2",
     "no stage named 'nostage'", 0},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n", "count=2",
     "expected STAGE.OPTION=VALUE", 0},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n", "t.plugin=ingest.file",
     "cannot change a stage's plugin", 0},
    /* Windows Notepad's byte-order mark */
    {"\xEF\xBB\xBF" HEAD "[t]\nplugin=test.options\ntarget=x\n", NULL, NULL, 0},
    /* GKeyFile would keep the last of two values without a word */
    {HEAD "[t]\nplugin=test.options\ntarget=x\ncount=2\ncount=3\n", NULL,
     "duplicate key \"count\" (first at line 11) in [t]", 12},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n\n[t]\ntarget=y\n", NULL,
     "duplicate key \"target\" (first at line 10) in [t]", 13},
    {"[pipeline]\nstages=in\nstages=in;t\n[in]\nplugin=ingest.file\n", NULL,
     "duplicate key \"stages\" (first at line 2) in [pipeline]", 3},
    /* a name that can come out empty or start with '.' is hidden or
     * extension-less: ".jpg", ".jpg_2"… */
    {HEAD "[t]\nplugin=test.options\ntarget=x\noutput={date:}.jpg\n", NULL,
     "[t] output: template '{date:}.jpg': the name '{date:}.jpg' can start "
     "with '.'",
     11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\noutput={date:%n%n%n}.jpg\n",
     NULL, "can start with '.'", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n"
          "output=web/{date:%n}/{seq}.jpg\n",
     NULL, "the name '{date:%n}' can come out empty", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\noutput=.{seq}.jpg\n", NULL,
     "can start with '.'", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\noutput=.cache/{seq}.jpg\n", NULL,
     "the name '.cache' can start with '.'", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\noutput={camera.model}.jpg\n",
     NULL, "can start with '.'", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n"
          "output={original.ext}/{seq}.jpg\n",
     NULL, "can come out empty", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\noutput=a/{camera.make}\\s\n",
     NULL, "can come out empty", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n", "t.output={date:%n}.jpg",
     "--set: template", 0},
    /* names that are surely there */
    {HEAD "[t]\nplugin=test.options\ntarget=x\n"
          "output={camera.model:slug}/{date:%Y}/{original.stem}.jpg\n",
     NULL, NULL, 0},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n"
          "output=./a//{camera.make}_{seq:04}.{original.ext}\n",
     NULL, NULL, 0},
    {HEAD "[t]\nplugin=test.options\ntarget=x\n"
          "output={{x}}/{date:%n%Y}.jpg\n",
     NULL, NULL, 0},
    /* fixed text no name can hold, whatever the variables give */
    {HEAD "[t]\nplugin=test.options\ntarget=x\noutput=" LONG_TEXT
          "_{seq}.jpg\n",
     NULL, "a name in this template has 235 bytes of fixed text", 11},
    {HEAD "[t]\nplugin=test.options\ntarget=x\noutput=" LONG_TEXT
          "/{seq}.jpg\n",
     NULL, "230 bytes of fixed text", 11},
};

START_TEST(validates_each_case)
{
    const config_case *c = &cases[_i];
    g_autofree char *path = g_build_filename(dir, "p.conf", NULL);
    dk_test_write(path, c->text, -1);
    GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
    const char *overrides[] = {c->set, NULL};
    dk_pipeline *pipeline = NULL;
    int rc =
        dk_pipeline_load(path, registry, NULL, overrides, &pipeline, problems);
    if (!c->problem) {
        ck_assert_msg(rc == 0, "case %d: %s", _i,
                      problems->len ? (char *)problems->pdata[0] : "?");
    } else {
        ck_assert_msg(rc == DK_ERR_CONFIG && problems->len > 0,
                      "case %d should fail", _i);
        bool found = false;
        for (guint i = 0; i < problems->len; i++) {
            const char *line = problems->pdata[i];
            if (!strstr(line, c->problem))
                continue;
            found = true;
            ck_assert_msg(strstr(line, path), "'%s' does not name the file",
                          line);
            if (c->line) {
                g_autofree char *where = g_strdup_printf("p.conf:%d:", c->line);
                ck_assert_msg(strstr(line, where), "'%s' lacks %s", line,
                              where);
            }
        }
        ck_assert_msg(found, "case %d: no problem says '%s' (first: %s)", _i,
                      c->problem, (char *)problems->pdata[0]);
        ck_assert_ptr_null(pipeline);
    }
    dk_pipeline_free(&pipeline);
    g_ptr_array_free(problems, TRUE);
}
END_TEST

START_TEST(values_are_parsed_for_plugins)
{
    g_autofree char *path = g_build_filename(dir, "p.conf", NULL);
    dk_test_write(path, cases[0].text, -1);
    GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
    dk_pipeline *pipeline = NULL;
    const char *overrides[] = {"t.label=from --set", NULL};
    ck_assert_int_eq(
        dk_pipeline_load(path, registry, NULL, overrides, &pipeline, problems),
        0);
    const dk_stage *t = pipeline->stages->pdata[1];
    /* what the plugin gets: its config struct, every field typed */
    const test_config *c = dk_stage_config(t);
    ck_assert_int_eq(c->count, 10);
    ck_assert_double_eq_tol(c->ratio, 0.25, 1e-12);
    ck_assert(!c->enabled);
    ck_assert_int_eq(c->mode, 1); /* "slow", the second choice */
    ck_assert_str_eq(c->label, "from --set");
    ck_assert(c->label_set);
    ck_assert(!c->delay_ms_set);
    ck_assert_int_eq(c->delay_ms, 0);
    ck_assert_str_eq(dk_template_text(c->caption), "{event.title} #{seq:03}");
    ck_assert_str_eq(c->words[0], "a");
    ck_assert_str_eq(c->words[1], "b");
    ck_assert_str_eq(c->words[2], "c");
    ck_assert_ptr_null(c->words[3]);
    /* files resolve against the config's folder */
    g_autofree char *logo = g_build_filename(dir, "logo.png", NULL);
    g_autofree char *canon = g_canonicalize_filename(logo, NULL);
    ck_assert_str_eq(c->logo, canon);
    /* the name accessors the core's helpers use agree with the struct */
    ck_assert_int_eq(dk_stage_int(t, "count"), 10);
    ck_assert_str_eq(dk_stage_string(t, "logo"), canon);
    dk_pipeline_free(&pipeline);
    g_ptr_array_free(problems, TRUE);
}
END_TEST

typedef struct {
    const char *text;
    const char *problem;
} event_case;

#define EVENT_HEAD "[event]\ntitle=T\ndate=2024-09-02\n"

static const event_case event_cases[] = {
    {EVENT_HEAD "timezone=Asia/Makassar\n", NULL},
    {EVENT_HEAD "timezone=UTC\n", NULL},
    {EVENT_HEAD "timezone=Etc/GMT+8\n", NULL},
    {EVENT_HEAD "timezone=America/Argentina/Buenos_Aires\n", NULL},
    /* a zone is a name, never a path */
    {EVENT_HEAD "timezone=../../../../../../etc/passwd\n",
     "event.ini:4: [event] timezone: unknown time zone"},
    {EVENT_HEAD "timezone=/etc/passwd\n", "event.ini:4: [event] timezone"},
    {EVENT_HEAD "timezone=/usr/share/zoneinfo/Asia/Makassar\n",
     "event.ini:4: [event] timezone: unknown time zone"},
    {EVENT_HEAD "timezone=../zoneinfo/Asia/Makassar\n",
     "event.ini:4: [event] timezone"},
    {EVENT_HEAD "timezone=Asia/../Asia/Makassar\n",
     "event.ini:4: [event] timezone"},
    {EVENT_HEAD "timezone=./UTC\n", "event.ini:4: [event] timezone"},
    {EVENT_HEAD "timezone=Asia//Makassar\n", "event.ini:4: [event] timezone"},
    {EVENT_HEAD "timezone=Asia/Makassar/\n", "event.ini:4: [event] timezone"},
    {EVENT_HEAD "timezone=+08:00\n", "event.ini:4: [event] timezone"},
    /* Windows Notepad's byte-order mark */
    {"\xEF\xBB\xBF" EVENT_HEAD "timezone=Asia/Makassar\n", NULL},
    {"\xEF\xBB\xBF[event]\ntitle=T\ndate=2024-09-02\ntitle=U\n",
     "event.ini:4: duplicate key \"title\" (first at line 2) in [event]"},
    {"[event]\ntitle=T\n\n# again\ndate=2024-09-02\n[event]\ntitle = U\n",
     "event.ini:7: duplicate key \"title\" (first at line 2)"},
    {"[event]\ntitle=T\ndate=2024-09-02\nleadr=X\n",
     "event.ini:4: [event] leadr: unknown key"},
    {"[event]\ntitle=T\ndate=2024-02-30\n", "event.ini:3: [event] date"},
    {"[event]\ntitle=T\ndate=02/09/2024\n", "is not a date like 2024-09-02"},
    {"[event]\ntitle=T\ndate=2024-09-02\ntimezone=Bali/Denpasar\n",
     "unknown time zone 'Bali/Denpasar'"},
    {"[event]\ntitle=T\ndate=2024-09-02\nlanguage=Indonesian\n",
     "is not a language tag"},
    {"[event]\ndate=2024-09-02\n", "[event] title: required"},
    {"[acara]\ntitle=T\n", "unknown group [acara]"},
    {"title=T\n", "event.ini"},
    {"[event]\ntitle=\xff\xfe\n", "not valid UTF-8"},
};

START_TEST(validates_each_event)
{
    const event_case *c = &event_cases[_i];
    g_autofree char *path = g_build_filename(dir, "event.ini", NULL);
    dk_test_write(path, c->text, -1);
    dk_event *event = NULL;
    dk_error err = {0};
    int rc = dk_event_load(path, &event, &err);
    if (!c->problem) {
        ck_assert_msg(rc == 0, "%s", err.message);
        ck_assert_str_eq(event->slug, "t");
    } else {
        ck_assert_int_eq(rc, DK_ERR_CONFIG);
        ck_assert_msg(strstr(err.message, c->problem), "'%s' lacks '%s'",
                      err.message, c->problem);
    }
    dk_event_free(&event);
}
END_TEST

/* GLib would open the "zone" and wait for a writer for ever */
START_TEST(timezone_never_opens_a_fifo)
{
    g_autofree char *fifo = g_build_filename(dir, "zone", NULL);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    g_autofree char *path = g_build_filename(dir, "event.ini", NULL);
    const char *names[] = {fifo, "../../../../../../../../../../", NULL};
    for (int i = 0; names[i]; i++) {
        g_autofree char *zone =
            i ? g_strconcat(names[i], fifo, NULL) : g_strdup(names[i]);
        g_autofree char *text =
            g_strdup_printf(EVENT_HEAD "timezone=%s\n", zone);
        dk_test_write(path, text, -1);
        dk_event *event = NULL;
        dk_error err = {0};
        ck_assert_int_eq(dk_event_load(path, &event, &err), DK_ERR_CONFIG);
        ck_assert_msg(strstr(err.message, "event.ini:4: [event] timezone"),
                      "%s", err.message);
        ck_assert_ptr_null(event);
    }
}
END_TEST

START_TEST(templates_are_checked_against_the_event)
{
    g_autofree char *event_path = g_build_filename(dir, "event.ini", NULL);
    dk_test_write(event_path, "[event]\ntitle=T\ndate=2024-09-02\n", -1);
    dk_event *event = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_event_load(event_path, &event, &err), 0);
    g_autofree char *path = g_build_filename(dir, "p.conf", NULL);
    dk_test_write(path,
                  HEAD "[t]\nplugin=test.options\ntarget=x\n"
                       "caption={event.photographer}\n",
                  -1);
    GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
    dk_pipeline *pipeline = NULL;
    ck_assert_int_eq(
        dk_pipeline_load(path, registry, event, NULL, &pipeline, problems),
        DK_ERR_CONFIG);
    ck_assert_ptr_nonnull(
        strstr(problems->pdata[0], "does not set photographer"));
    g_ptr_array_free(problems, TRUE);
    dk_event_free(&event);

    /* a path template is judged by the values this event gives */
    dk_test_write(event_path, "[event]\ntitle=T\ndate=2024-09-02\ncity=...\n",
                  -1);
    ck_assert_int_eq(dk_event_load(event_path, &event, &err), 0);
    dk_test_write(path,
                  HEAD "[t]\nplugin=test.options\ntarget=x\n"
                       "output={event.city}/{seq}.jpg\n",
                  -1);
    problems = g_ptr_array_new_with_free_func(g_free);
    ck_assert_int_eq(
        dk_pipeline_load(path, registry, event, NULL, &pipeline, problems),
        DK_ERR_CONFIG);
    ck_assert_msg(strstr(problems->pdata[0], "p.conf:11: [t] output: "
                                             "template '{event.city}/{seq}"
                                             ".jpg': the name '{event.city}' "
                                             "can come out empty"),
                  "%s", (char *)problems->pdata[0]);
    ck_assert_uint_eq(problems->len, 1);
    g_ptr_array_free(problems, TRUE);
    dk_event_free(&event);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("validation");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, validates_each_case, 0, G_N_ELEMENTS(cases));
    tcase_add_test(tc, values_are_parsed_for_plugins);
    tcase_add_loop_test(tc, validates_each_event, 0, G_N_ELEMENTS(event_cases));
    tcase_add_test(tc, templates_are_checked_against_the_event);
    suite_add_tcase(s, tc);
    /* a hang here is the bug: fail in seconds, not at the suite's limit */
    TCase *fifo = tcase_create("timezone-fifo");
    tcase_add_checked_fixture(fifo, setup, teardown);
    tcase_set_timeout(fifo, 10);
    tcase_add_test(fifo, timezone_never_opens_a_fifo);
    suite_add_tcase(s, fifo);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
