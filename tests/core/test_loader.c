/* The plugin loader: a good module loads; each kind of bad module is
 * refused with a message naming its file; the search path never includes
 * the current folder. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dk_internal.h"
#include "dk_test.h"
#include "test_plugin_3_0.h"

static char *module(const char *variant)
{
    const char *root = g_getenv("DOKPIM_TEST_PLUGINS");
    ck_assert_ptr_nonnull(root);
    g_autofree char *name = g_strdup_printf("test.%s.so", variant);
    return g_build_filename(root, variant, name, NULL);
}

static const char *problem_about(dk_registry *registry, const char *path)
{
    for (guint i = 0; i < registry->problems->len; i++)
        if (strstr(registry->problems->pdata[i], path))
            return registry->problems->pdata[i];
    return NULL;
}

typedef struct {
    const char *variant;
    int expect; /* 0: loads */
    const char *message_part;
} load_case;

static const load_case cases[] = {
    {"good", 0, NULL},
    {"badabi", DK_ERR_ABI, "built for plugin ABI 4.0"}, /* next major */
    {"abi2", DK_ERR_ABI, "built for plugin ABI 2.0"},
    {"abi2", DK_ERR_ABI, "rebuild the plugin against this dokpim"},
    {"nosymbol", DK_ERR_ABI, "no dk_plugin_entry() entry point"},
    {"baddefault", DK_ERR_ABI, "default of option 'ratio'"},
    {"livefinish", DK_ERR_ABI, "live plugin with finish()"},
};

START_TEST(loads_or_refuses_each_module)
{
    const load_case *c = &cases[_i];
    g_autofree char *path = module(c->variant);
    dk_registry *registry = dk_registry_new();
    dk_error err = {0};
    int rc = dk_registry_load_file(registry, path, &err);
    ck_assert_int_eq(rc, c->expect);
    if (c->expect) {
        const char *line = problem_about(registry, path);
        ck_assert_msg(line != NULL, "no problem line names %s", path);
        ck_assert_msg(strstr(line, c->message_part), "'%s' lacks '%s'", line,
                      c->message_part);
        ck_assert_int_eq(registry->plugins->len, 0);
    } else {
        ck_assert_ptr_nonnull(dk_registry_find(registry, "test.options"));
    }
    dk_registry_free(&registry);
}
END_TEST

START_TEST(refuses_a_second_plugin_with_the_same_name)
{
    g_autofree char *good = module("good");
    g_autofree char *dup = module("duplicate");
    dk_registry *registry = dk_registry_new();
    dk_error err = {0};
    ck_assert_int_eq(dk_registry_load_file(registry, good, &err), 0);
    ck_assert_int_eq(dk_registry_load_file(registry, dup, &err), DK_ERR_EXISTS);
    const char *line = problem_about(registry, dup);
    ck_assert_ptr_nonnull(line);
    ck_assert_ptr_nonnull(strstr(line, "a second plugin named test.options"));
    ck_assert_ptr_nonnull(strstr(line, good)); /* names the first, too */
    /* the first stays usable, the name is marked ambiguous */
    ck_assert_str_eq(dk_registry_find(registry, "test.options")->path, good);
    ck_assert(g_hash_table_contains(registry->refused_names, "test.options"));
    dk_registry_free(&registry);
}
END_TEST

START_TEST(search_path_skips_relative_and_current_folder)
{
    const char *root = g_getenv("DOKPIM_TEST_PLUGINS");
    g_autofree char *good = g_build_filename(root, "good", NULL);
    g_autofree char *env = g_strdup_printf(".:plugins::%s", good);
    g_setenv("DOKPIM_PLUGIN_PATH", env, TRUE);
    GPtrArray *dirs = dk_plugin_search_path();
    ck_assert_str_eq(dirs->pdata[0], good);
    for (guint i = 0; i < dirs->len; i++)
        ck_assert(g_path_is_absolute(dirs->pdata[i]));
    g_ptr_array_free(dirs, TRUE);
    /* a plugin in the current folder is never picked up */
    g_setenv("DOKPIM_PLUGIN_PATH", ".", TRUE);
    g_autofree char *cwd = g_get_current_dir();
    ck_assert_int_eq(chdir(good), 0);
    dk_registry *registry = dk_registry_load_default();
    ck_assert_ptr_null(dk_registry_find(registry, "test.options"));
    dk_registry_free(&registry);
    ck_assert_int_eq(chdir(cwd), 0);
    g_unsetenv("DOKPIM_PLUGIN_PATH");
}
END_TEST

START_TEST(loads_a_folder_in_name_order)
{
    const char *root = g_getenv("DOKPIM_TEST_PLUGINS");
    g_autofree char *good = g_build_filename(root, "good", NULL);
    g_autofree char *bad = g_build_filename(root, "badabi", NULL);
    g_autofree char *env = g_strdup_printf("%s:%s", good, bad);
    g_setenv("DOKPIM_PLUGIN_PATH", env, TRUE);
    dk_registry *registry = dk_registry_load_default();
    ck_assert_ptr_nonnull(dk_registry_find(registry, "test.options"));
    g_autofree char *bad_file = module("badabi");
    ck_assert_ptr_nonnull(problem_about(registry, bad_file));
    dk_registry_free(&registry);
    g_unsetenv("DOKPIM_PLUGIN_PATH");
}
END_TEST

START_TEST(refuses_a_newer_minor_naming_both_versions)
{
    g_autofree char *path = module("newer");
    dk_registry *registry = dk_registry_new();
    ck_assert_int_eq(dk_registry_load_file(registry, path, NULL), DK_ERR_ABI);
    g_autofree char *expect = g_strdup_printf(
        "%s: refused: built for plugin ABI %d.%d, this dokpim speaks ABI "
        "%d.%d: update dokpim",
        path, DK_ABI_MAJOR, DK_ABI_MINOR + 1, DK_ABI_MAJOR, DK_ABI_MINOR);
    const char *line = problem_about(registry, path);
    ck_assert_ptr_nonnull(line);
    ck_assert_msg(g_str_has_prefix(line, expect), "'%s' is not '%s...'", line,
                  expect);
    dk_registry_free(&registry);
}
END_TEST

/* test.old was compiled against tests/abi/3.0: smaller descriptor, smaller
 * option rows. Its values must land in its config exactly as a current
 * plugin's would, and the fields 3.0 lacked must read as zero. */
START_TEST(loads_a_plugin_built_for_an_older_minor)
{
    g_autofree char *path = module("old");
    dk_registry *registry = dk_registry_new();
    dk_error err = {0};
    ck_assert_int_eq(dk_registry_load_file(registry, path, &err), 0);
    const dk_loaded_plugin *lp = dk_registry_find(registry, "test.old");
    ck_assert_ptr_nonnull(lp);
    ck_assert_uint_eq(lp->abi_version, (uint32_t)DK_ABI_MAJOR << 16);
    ck_assert_ptr_null(lp->plugin->extensions);
    int rows = 0;
    for (const dk_option *o = lp->plugin->options; o->name; o++, rows++)
        ck_assert_uint_eq(o->set_size, 0);
    ck_assert_int_eq(rows, 5);
    ck_assert_str_eq(lp->plugin->options[2].choices, "fast|slow|off");
    dk_stage *stage = dk_stage_new_default(lp->plugin, NULL, &err);
    const test_old_config *config = dk_stage_config(stage);
    ck_assert_str_eq(config->label, "old");
    ck_assert_int_eq(config->count, 7);
    ck_assert_int_eq(config->mode, 1);
    ck_assert_str_eq(dk_template_text(config->caption), "{event.title}");
    ck_assert(config->loud);
    dk_stage_free(stage);
    dk_registry_free(&registry);
}
END_TEST

/* A plugin that reads an option by a name it never declared is stopped
 * with a critical naming plugin and option, not handed a silent 0. */
START_TEST(an_undeclared_option_read_is_caught)
{
    g_autofree char *dir = dk_test_tmpdir("misspelt");
    const char *root = g_getenv("DOKPIM_TEST_PLUGINS");
    g_autofree char *env =
        g_strdup_printf("%s/misspelt:%s", root, dk_test_plugin_dir());
    g_setenv("DOKPIM_PLUGIN_PATH", env, TRUE);
    g_setenv("G_DEBUG", "fatal-criticals", TRUE);
    g_autofree char *conf = g_build_filename(dir, "p.conf", NULL);
    dk_test_write(conf,
                  "[pipeline]\nname=m\nstages=in;t\n\n[in]\nplugin=ingest."
                  "file\n\n[t]\nplugin=test.options\ntarget=x\n",
                  -1);
    g_autofree char *event = g_build_filename(dir, "event.ini", NULL);
    dk_test_write(event, "[event]\ntitle=T\ndate=2024-09-02\n", -1);
    g_autofree char *input = g_build_filename(dir, "in", "misspelt.txt", NULL);
    dk_test_write(input, "x\n", -1);
    g_autofree char *in_dir = g_path_get_dirname(input);
    g_autofree char *lib = g_build_filename(dir, "lib", NULL);
    const char *args[] = {"run", conf, "--event", event,  "-o",
                          lib,   "-j", "1",       in_dir, NULL};
    g_autofree char *out = NULL, *errors = NULL;
    int status = dk_test_dokpim(args, &out, &errors);
    g_unsetenv("G_DEBUG");
    g_unsetenv("DOKPIM_PLUGIN_PATH");
    ck_assert_msg(status != 0 && status != 1, "exit %d:\n%s", status, errors);
    ck_assert_msg(strstr(errors, "plugin test.options asked for undeclared "
                                 "option 'delya-ms'"),
                  "%s", errors);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("modules");
    tcase_add_loop_test(tc, loads_or_refuses_each_module, 0,
                        G_N_ELEMENTS(cases));
    tcase_add_test(tc, refuses_a_second_plugin_with_the_same_name);
    tcase_add_test(tc, search_path_skips_relative_and_current_folder);
    tcase_add_test(tc, loads_a_folder_in_name_order);
    tcase_add_test(tc, refuses_a_newer_minor_naming_both_versions);
    tcase_add_test(tc, loads_a_plugin_built_for_an_older_minor);
    tcase_add_test(tc, an_undeclared_option_read_is_caught);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
