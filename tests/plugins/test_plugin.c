/* Plugins built only for the loader and runner tests. One source, several
 * modules: the TEST_VARIANT define picks what is wrong with each. */
#include <dokpim/dokpim.h>

#include <string.h>
#include <unistd.h>

__attribute__((unused)) static const dk_option test_options[] = {
    {"label", DK_OPT_STRING, "x", "free text"},
    {"caption", DK_OPT_TEMPLATE, "{event.title} #{seq:03}", "a template"},
    {"output", DK_OPT_PATH_TEMPLATE, "{original.stem}.out", "output name"},
    {"logo", DK_OPT_PATH, "", "an input file"},
    {"enabled", DK_OPT_BOOL, "true", "a switch"},
    {"count", DK_OPT_INT, "3", "a whole number", 1, 10},
#if TEST_VARIANT == 4
    {"ratio", DK_OPT_DOUBLE, "not-a-number", "a broken default", 0, 1},
#else
    {"ratio", DK_OPT_DOUBLE, "0.5", "a fraction", 0, 1},
#endif
    {"mode", DK_OPT_ENUM, "fast", "a choice", 0, 0, "fast|slow"},
    {"words", DK_OPT_LIST, "a;b", "a list"},
    {"target", DK_OPT_STRING, NULL, "required text", 0, 0, NULL,
     DK_OPTION_REQUIRED},
    {"delay-ms", DK_OPT_INT, "0", "sleep per item", 0, 60000},
    {"fail-finish", DK_OPT_BOOL, "false", "make finish() fail"},
    {NULL},
};

/* Writes the caption to the output; fails on purpose for files whose name
 * contains "fail", so tests can see a batch go on past a bad item, and
 * warns for names containing "warn", as a stage that salvaged something;
 * reports progress for names containing "progress". */
static int test_process(const dk_stage *stage, void *state, dk_item *item,
                        dk_error *err)
{
    (void)state;
    g_autofree char *name = g_path_get_basename(dk_item_source_path(item));
    if (strstr(name, "fail"))
        return dk_error_set(err, DK_ERR_INVALID, "refusing %s on purpose",
                            name);
    if (strstr(name, "progress"))
        dk_progress(item, 0.5, "halfway");
    int64_t delay = dk_stage_int(stage, "delay-ms");
    for (int64_t waited = 0; waited < delay; waited += 10) {
        if (dk_cancelled())
            return dk_error_set(err, DK_ERR_CANCELLED, "cancelled");
        usleep(10000);
    }
    g_autofree char *caption = NULL, *path = NULL;
    int rc = dk_stage_expand(stage, "caption", item, &caption, err);
    if (rc == 0)
        rc = dk_stage_output_path(stage, "output", item, &path, err);
    if (rc == 0) {
        g_autofree char *text = g_strdup_printf(
            "%s|%s|%s\n", caption, dk_stage_string(stage, "label"),
            dk_stage_string(stage, "target"));
        rc = dk_atomic_write_file(path, text, strlen(text), err);
    }
    if (rc == 0)
        rc = dk_item_add_derivative(item, "out", path, true, err);
    if (rc == 0 && strstr(name, "warn")) {
        dk_item_warn(item, "salvaged %s on purpose", name);
        dk_item_warn(item, "second note");
    }
    return rc;
}

/* A cross-option rule no single row can express. */
__attribute__((unused)) static int test_check(const dk_stage *stage,
                                              dk_error *err)
{
    if (dk_stage_int(stage, "count") > 5 &&
        strcmp(dk_stage_string(stage, "mode"), "fast") == 0)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "count above 5 needs mode=slow");
    return 0;
}

/* Marks the batch done with derived/<stage>/finished.txt, so tests can
 * see whether it ran; fails on purpose with fail-finish=true. */
__attribute__((unused)) static int test_finish(const dk_stage *stage,
                                               void *state, dk_error *err)
{
    (void)state;
    if (dk_stage_bool(stage, "fail-finish"))
        return dk_error_set(err, DK_ERR_IO, "refusing to finish on purpose");
    g_autofree char *path =
        g_build_filename(dk_stage_library(stage), "derived",
                         dk_stage_name(stage), "finished.txt", NULL);
    return dk_atomic_write_file(path, "finished\n", 9, err);
}

#if TEST_VARIANT == 1
/* wrong ABI: the envelope by hand, claiming a future version */
static const dk_plugin test_plugin = {.name = "test.future",
                                      .summary = "from the future",
                                      .stage = DK_STAGE_TRANSCODE,
                                      .kinds = DK_KIND_ANY,
                                      .process = test_process};
static const dk_plugin_module test_module = {DK_ABI_VERSION + 998,
                                             sizeof(dk_plugin), &test_plugin};
__attribute__((visibility("default"))) const dk_plugin_module *
dk_plugin_entry(void);
const dk_plugin_module *dk_plugin_entry(void)
{
    return &test_module;
}
#elif TEST_VARIANT == 2
/* no entry point at all: some other shared library */
__attribute__((visibility("default"))) int not_a_plugin(void);
int not_a_plugin(void)
{
    return test_process(NULL, NULL, NULL, NULL);
}
#else
#if TEST_VARIANT == 5
/* the same plugin declared live: live sessions never call finish(), so
 * the loader refuses it */
static int test_live(const dk_stage *stage, void *state,
                     struct dk_live *session, dk_error *err)
{
    (void)stage, (void)state, (void)session, (void)err;
    return 0;
}
#define TEST_STAGE DK_STAGE_LIVE
#define TEST_LIVE  test_live
#else
#define TEST_STAGE DK_STAGE_TRANSCODE
#define TEST_LIVE  NULL
#endif
DK_PLUGIN_DEFINE(test_options) = {
    .name = "test.options",
    .summary = "test plugin with one option of every type",
    .stage = TEST_STAGE,
    .kinds = DK_KIND_ANY,
    .options = test_options,
    .process = test_process,
    .live = TEST_LIVE,
    .check = test_check,
    .finish = test_finish,
};
#endif
