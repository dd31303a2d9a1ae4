/* Plugins built only for the loader and runner tests. One source, several
 * modules: the TEST_VARIANT define picks what is wrong with each. */
#include <dokpim/dokpim.h>

#include "test_plugin.h"

#include <string.h>
#include <unistd.h>

#define F(member) DK_FIELD(test_config, member)
__attribute__((unused)) static const dk_option test_options[] = {
    {"label", DK_OPT_STRING, "x", "free text", F(label),
     DK_SET_FIELD(test_config, label_set)},
    {"caption", DK_OPT_TEMPLATE, "{event.title} #{seq:03}", "a template",
     F(caption)},
    {"output", DK_OPT_PATH_TEMPLATE, "{original.stem}.out", "output name",
     F(output)},
    {"logo", DK_OPT_PATH, "", "an input file", F(logo)},
    {"enabled", DK_OPT_BOOL, "true", "a switch", F(enabled)},
    {"count", DK_OPT_INT, "3", "a whole number", 1, 10, F(count)},
#if TEST_VARIANT == 4
    {"ratio", DK_OPT_DOUBLE, "not-a-number", "a broken default", 0, 1,
     F(ratio)},
#else
    {"ratio", DK_OPT_DOUBLE, "0.5", "a fraction", 0, 1, F(ratio)},
#endif
    {"mode", DK_OPT_ENUM, "fast", "a choice", 0, 0, "fast|slow", F(mode)},
    {"words", DK_OPT_LIST, "a;b", "a list", F(words)},
    {"target", DK_OPT_STRING, NULL, "required text", 0, 0, NULL,
     DK_OPTION_REQUIRED, F(target)},
    {"delay-ms", DK_OPT_INT, "0", "sleep per item", 0, 60000, F(delay_ms),
     DK_SET_FIELD(test_config, delay_ms_set)},
    {"fail-finish", DK_OPT_BOOL, "false", "make finish() fail", F(fail_finish)},
#if TEST_VARIANT == 8
    /* a misspelt read must not go unnoticed: the row is not bound, and
     * process() asks the core for it by a name nobody declared */
    {"unbound", DK_OPT_INT, "1", "read by name", 0, 9},
#endif
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
    const test_config *config = dk_stage_config(stage);
#if TEST_VARIANT == 8
    if (strstr(name, "misspelt"))
        return (int)dk_stage_int(stage, "delya-ms");
#endif
    int64_t delay = config->delay_ms;
    for (int64_t waited = 0; waited < delay; waited += 10) {
        if (dk_cancelled())
            return dk_error_set(err, DK_ERR_CANCELLED, "cancelled");
        usleep(10000);
    }
    g_autofree char *caption = NULL, *path = NULL;
    int rc = dk_stage_expand(stage, config->caption, item, &caption, err);
    if (rc == 0)
        rc = dk_stage_output_path(stage, config->output, item, &path, err);
    if (rc == 0) {
        g_autofree char *words = g_strjoinv(",", (char **)config->words);
        g_autofree char *text = g_strdup_printf(
            "%s|%s|%s|count=%d ratio=%g mode=%d enabled=%d words=%s\n", caption,
            config->label, config->target, config->count, config->ratio,
            config->mode, config->enabled, words);
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
                                              const void *config, dk_error *err)
{
    (void)stage;
    const test_config *c = config;
    if (c->count > 5 && c->mode == 0)
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
    const test_config *config = dk_stage_config(stage);
    if (config->fail_finish)
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
                                      .role = DK_ROLE_TRANSCODE,
                                      .item_kinds = DK_KIND_ANY,
                                      .process = test_process};
static const dk_plugin_module test_module = {(DK_ABI_MAJOR + 1) << 16,
                                             sizeof(dk_plugin), &test_plugin,
                                             sizeof(dk_option)};
__attribute__((visibility("default"))) const dk_plugin_module *
dk_plugin_entry(void);
const dk_plugin_module *dk_plugin_entry(void)
{
    return &test_module;
}
#elif TEST_VARIANT == 6
/* the next minor of this ABI: it may rely on fields this core ignores */
static const dk_plugin test_plugin = {.name = "test.newer",
                                      .summary = "from the next minor",
                                      .role = DK_ROLE_TRANSCODE,
                                      .item_kinds = DK_KIND_ANY,
                                      .process = test_process};
static const dk_plugin_module test_module = {
    DK_ABI_VERSION + 1, sizeof(dk_plugin), &test_plugin, sizeof(dk_option)};
__attribute__((visibility("default"))) const dk_plugin_module *
dk_plugin_entry(void);
const dk_plugin_module *dk_plugin_entry(void)
{
    return &test_module;
}
#elif TEST_VARIANT == 9
/* built for ABI 2, whose envelope held a bare version number */
static const dk_plugin test_plugin = {.name = "test.abi2",
                                      .summary = "from ABI 2",
                                      .role = DK_ROLE_TRANSCODE,
                                      .item_kinds = DK_KIND_ANY,
                                      .process = test_process};
static const dk_plugin_module test_module = {2, 200, &test_plugin, 0};
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
#define TEST_ROLE DK_ROLE_LIVE
#define TEST_LIVE test_live
#else
#define TEST_ROLE DK_ROLE_TRANSCODE
#define TEST_LIVE NULL
#endif
DK_PLUGIN_DEFINE(test_options) = {
    .name = "test.options",
    .summary = "test plugin with one option of every type",
    .role = TEST_ROLE,
    .item_kinds = DK_KIND_ANY,
    .options = test_options,
    .config_size = sizeof(test_config),
    .process = test_process,
    .live = TEST_LIVE,
    .check = test_check,
    .finish = test_finish,
};
#endif
