/* The install tree works on its own, and a third party can build a plugin
 * outside the dokpim tree from the installed header and pkg-config file. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test.h"

START_TEST(installed_tree_runs_an_out_of_tree_plugin)
{
    char *dir = dk_test_tmpdir("install");
    const char *build = g_getenv("DOKPIM_BUILD_DIR");
    ck_assert_ptr_nonnull(build);
    const char *sanitize = g_getenv("DOKPIM_SANITIZE");
    bool asan =
        sanitize && (strcmp(sanitize, "ON") == 0 || strcmp(sanitize, "1") == 0);
    g_autofree char *script = g_strdup_printf(
        "set -e\n"
        "T='%s'; SRC='%s'; BUILD='%s'\n"
        "cmake --install \"$BUILD\" --prefix \"$T/prefix\" >/dev/null\n"
        "LIBDIR=$(ls -d \"$T\"/prefix/lib*/pkgconfig | head -n 1)\n"
        "export PKG_CONFIG_PATH=\"$LIBDIR\"\n"
        "FLAGS=$(pkg-config "
        "--cflags --libs dokpim)\n"
        /* each subsystem library has its own module, and it resolves */
        "for m in dokpim-overlay dokpim-queue dokpim-live; do\n"
        "  pkg-config --libs \"$m\" | grep -q -- \"-l$m\"\n"
        "  test -e \"$(pkg-config --variable=libdir \"$m\")/lib$m.so\"\n"
        "done\n"
        "mkdir -p \"$T/thirdparty\"\n"
        "cc -std=c11 -Wall -Wextra -Werror -shared -fPIC %s "
        "-o \"$T/thirdparty/example.caption.so\" "
        "\"$SRC/plugins/example.caption/example_caption.c\" $FLAGS\n"
        "test -f \"$T/prefix/include/dokpim/dokpim.h\"\n"
        "cd \"$T\"\n"
        "env -u DOKPIM_PLUGIN_PATH \"$T/prefix/bin/dokpim\" plugins "
        "> plugins.txt\n"
        "grep -q '^ingest.file ' plugins.txt\n"
        "DOKPIM_PLUGIN_PATH=\"$T/thirdparty\" \"$T/prefix/bin/dokpim\" "
        "plugins example.caption > show.txt 2> warn.txt\n"
        "grep -q \"module:  $T/thirdparty/example.caption.so\" show.txt\n"
        "grep -q 'a second plugin named example.caption' warn.txt\n"
        "printf '[event]\\ntitle=Sidang\\ncity=Mangupura\\ndate=2025-03-14\\n'"
        " > event.ini\n"
        "printf '[pipeline]\\nstages=in;cap\\n[in]\\nplugin=ingest.file\\n"
        "[cap]\\nplugin=example.caption\\nuppercase=true\\n' > p.conf\n"
        "mkdir in && echo x > in/photo.jpg\n"
        /* two modules with one name: a run must refuse to guess */
        "if DOKPIM_PLUGIN_PATH=\"$T/thirdparty\" \"$T/prefix/bin/dokpim\" run "
        "p.conf --event event.ini -o lib in 2> amb.txt; then exit 3; fi\n"
        "grep -q 'plugin example.caption is ambiguous' amb.txt\n"
        /* the same source under its own name runs from the install */
        "mkdir renamed && sed 's/\"example.caption\"/\"thirdparty.caption\"/' "
        "\"$SRC/plugins/example.caption/example_caption.c\" > renamed/p.c\n"
        "cc -std=c11 -shared -fPIC %s -o renamed/thirdparty.caption.so "
        "renamed/p.c $FLAGS\n"
        "sed -i 's/=example.caption/=thirdparty.caption/' p.conf\n"
        "DOKPIM_PLUGIN_PATH=\"$T/renamed\" \"$T/prefix/bin/dokpim\" run "
        "p.conf --event event.ini -o lib in 2>/dev/null\n"
        "cat lib/derived/cap/photo.txt\n",
        dir, dk_test_source_dir(), build,
        asan ? "-fsanitize=address,undefined" : "",
        asan ? "-fsanitize=address,undefined" : "");
    char *out = NULL, *err = NULL;
    int status = dk_test_sh(script, &out, &err);
    ck_assert_msg(status == 0, "install test failed (%d):\n%s\n%s", status, out,
                  err);
    ck_assert_str_eq(out, "SIDANG — MANGUPURA (PHOTO.JPG)\n");
    g_free(out);
    g_free(err);
    g_free(dir);
    dk_test_cleanup_dirs();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("install");
    TCase *tc = tcase_create("tree");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, installed_tree_runs_an_out_of_tree_plugin);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
