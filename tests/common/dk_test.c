#include "dk_test.h"

#include <check.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static GPtrArray *created_dirs;

char *dk_test_tmpdir(const char *tag)
{
    char *tmpl = g_strdup_printf("dokpim-%s-XXXXXX", tag ? tag : "test");
    GError *error = NULL;
    char *dir = g_dir_make_tmp(tmpl, &error);
    g_free(tmpl);
    if (!dir) {
        fprintf(stderr, "dk_test_tmpdir: %s\n", error->message);
        abort();
    }
    if (!created_dirs)
        created_dirs = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(created_dirs, g_strdup(dir));
    return dir;
}

void dk_test_cleanup_dirs(void)
{
    if (!created_dirs || g_getenv("DOKPIM_KEEP_TEST_DIRS"))
        return;
    for (guint i = 0; i < created_dirs->len; i++) {
        /* read-only originals need write permission back to be removed */
        char *cmd = g_strdup_printf(
            "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'",
            (char *)created_dirs->pdata[i], (char *)created_dirs->pdata[i]);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n",
                    (char *)created_dirs->pdata[i]);
        g_free(cmd);
    }
    g_ptr_array_set_size(created_dirs, 0);
}

static const char *env_or_die(const char *name)
{
    const char *value = g_getenv(name);
    if (!value || !*value) {
        fprintf(stderr, "%s is not set: run the tests through ctest\n", name);
        abort();
    }
    return value;
}

const char *dk_test_bin(void)
{
    return env_or_die("DOKPIM_BIN");
}

const char *dk_test_source_dir(void)
{
    return env_or_die("DOKPIM_SOURCE_DIR");
}

const char *dk_test_plugin_dir(void)
{
    return env_or_die("DOKPIM_PLUGIN_DIR");
}

char *dk_test_source_path(const char *relative)
{
    return g_build_filename(dk_test_source_dir(), relative, NULL);
}

int dk_test_run(const char *const *argv, char **out, char **err, int timeout_s)
{
    GError *error = NULL;
    char *child_out = NULL, *child_err = NULL;
    int status = 0;
    /* timeout(1) turns a hang into a failure instead of a stuck suite */
    GPtrArray *full = g_ptr_array_new();
    char *limit = g_strdup_printf("%d", timeout_s > 0 ? timeout_s : 120);
    g_ptr_array_add(full, "timeout");
    g_ptr_array_add(full, "-s");
    g_ptr_array_add(full, "KILL");
    g_ptr_array_add(full, limit);
    for (const char *const *a = argv; *a; a++)
        g_ptr_array_add(full, (gpointer)*a);
    g_ptr_array_add(full, NULL);
    gboolean ok =
        g_spawn_sync(NULL, (char **)full->pdata, NULL, G_SPAWN_SEARCH_PATH,
                     NULL, NULL, &child_out, &child_err, &status, &error);
    g_ptr_array_free(full, TRUE);
    g_free(limit);
    if (!ok) {
        fprintf(stderr, "cannot run %s: %s\n", argv[0], error->message);
        g_error_free(error);
        return -1;
    }
    if (out)
        *out = child_out;
    else
        g_free(child_out);
    if (err)
        *err = child_err;
    else
        g_free(child_err);
    if (!WIFEXITED(status))
        return -1;
    /* 137 = killed by timeout -s KILL */
    return WEXITSTATUS(status) == 137 ? -1 : WEXITSTATUS(status);
}

int dk_test_dokpim(const char *const *args, char **out, char **err)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)dk_test_bin());
    for (const char *const *a = args; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    int status = dk_test_run((const char *const *)argv->pdata, out, err, 300);
    g_ptr_array_free(argv, TRUE);
    return status;
}

int dk_test_sh(const char *cmdline, char **out, char **err)
{
    const char *argv[] = {"sh", "-c", cmdline, NULL};
    return dk_test_run(argv, out, err, 300);
}

void dk_test_fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *message = g_strdup_vprintf(fmt, args);
    va_end(args);
    fprintf(stderr, "%s\n", message);
    ck_abort_msg("%s", message);
}

char *dk_test_sh_ok(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *cmd = g_strdup_vprintf(fmt, args);
    va_end(args);
    char *out = NULL;
    g_autofree char *err = NULL;
    int status = dk_test_sh(cmd, &out, &err);
    if (status != 0)
        dk_test_fail("`%s` -> %d: %s", cmd, status, err ? err : "");
    return g_strstrip(out);
}

GPid dk_test_spawn(const char *const *argv)
{
    GPid pid = 0;
    GError *error = NULL;
    if (!g_spawn_async(NULL, (char **)argv, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                           G_SPAWN_STDOUT_TO_DEV_NULL |
                           G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, &pid, &error))
        dk_test_fail("cannot start %s: %s", argv[0], error->message);
    return pid;
}

int dk_test_reap(GPid pid, int sig)
{
    if (sig)
        kill(pid, sig);
    int raw = 0;
    while (waitpid(pid, &raw, 0) < 0 && errno == EINTR)
        ;
    g_spawn_close_pid(pid);
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -WTERMSIG(raw);
}

bool dk_test_have(const char *program)
{
    char *path = g_find_program_in_path(program);
    bool found = path != NULL;
    g_free(path);
    return found;
}

int dk_test_count_files(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    int n = 0;
    while (d && g_dir_read_name(d))
        n++;
    if (d)
        g_dir_close(d);
    return n;
}

char *dk_test_read(const char *path, gsize *len)
{
    char *data = NULL;
    if (!g_file_get_contents(path, &data, len, NULL))
        return NULL;
    return data;
}

void dk_test_write(const char *path, const void *data, gssize len)
{
    char *dir = g_path_get_dirname(path);
    g_mkdir_with_parents(dir, 0755);
    g_free(dir);
    if (!g_file_set_contents(path, data, len, NULL)) {
        fprintf(stderr, "cannot write %s\n", path);
        abort();
    }
}

char *dk_test_sha256(const char *path)
{
    gsize len = 0;
    char *data = dk_test_read(path, &len);
    if (!data)
        return NULL;
    char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                            (const guchar *)data, len);
    g_free(data);
    return hex;
}

void dk_test_lsan_suppress(const char *dir, const char *rules)
{
    char *supp = g_build_filename(dir, "lsan.supp", NULL);
    /* LeakSanitizer reads one suppressions file: the last one named. Keep
     * the rules of a file already named (the project's, see
     * cmake/Dokpim.cmake) in the new one, or they would stop applying. */
    const char *old = g_getenv("LSAN_OPTIONS");
    const char *named = old ? strstr(old, "suppressions=") : NULL;
    GString *all = g_string_new(NULL);
    if (named) {
        named += strlen("suppressions=");
        char *path = g_strndup(named, strcspn(named, ":"));
        char *text = NULL;
        if (g_file_get_contents(path, &text, NULL, NULL))
            g_string_append_printf(all, "%s\n", text);
        g_free(text);
        g_free(path);
    }
    g_string_append(all, rules);
    dk_test_write(supp, all->str, -1);
    g_string_free(all, TRUE);
    char *lsan = g_strdup_printf("%s%ssuppressions=%s:print_suppressions=0",
                                 old ? old : "", old ? ":" : "", supp);
    g_setenv("LSAN_OPTIONS", lsan, TRUE);
    g_free(lsan);
    g_free(supp);
}

int dk_test_run_suite(Suite *suite)
{
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    dk_test_cleanup_dirs();
    return failed ? 1 : 0;
}

int dk_test_progress_lines(const char *err, const char *file, const char *note,
                           int *last)
{
    g_autofree char *done_line = g_strdup_printf("done %s", file);
    g_autofree char *head = g_strdup_printf("dokpim: %s ", file);
    const char *done = strstr(err, done_line);
    ck_assert_msg(done, "no \"%s\" in: %s", done_line, err);
    int lines = 0;
    *last = -1;
    for (const char *at = err; (at = strstr(at, head)) != NULL; at++) {
        const char *rest = at + strlen(head);
        char *end = NULL;
        long percent = strtol(rest, &end, 10);
        if (end == rest || end[0] != '%' || end[1] != ' ' ||
            strncmp(end + 2, note, strlen(note)) != 0)
            continue;
        char after = end[2 + strlen(note)];
        if (after != '\n' && after != '\0')
            continue;
        ck_assert_msg(at < done, "progress after the item was done: %s", err);
        ck_assert_msg(percent > *last && percent <= 100, "%ld%% after %d%%: %s",
                      percent, *last, err);
        *last = (int)percent;
        lines++;
    }
    return lines;
}

static char *full_disk;

const char *dk_test_full_disk(void)
{
    if (!full_disk)
        fprintf(stderr, "skipped: mounting a full tmpfs needs root\n");
    return full_disk;
}

void dk_test_full_disk_mount(void)
{
    if (geteuid() != 0)
        return;
    dk_test_full_disk_release();
    char *dir = g_dir_make_tmp("dokpim-full-XXXXXX", NULL);
    char *q = dir ? g_shell_quote(dir) : NULL;
    char *mount =
        dir ? g_strdup_printf("mount -t tmpfs -o size=200k tmpfs %s", q) : NULL;
    if (!dir || dk_test_sh(mount, NULL, NULL) != 0) {
        fprintf(stderr, "cannot mount a tmpfs on %s\n", dir ? dir : "?");
        abort();
    }
    full_disk = dir;
    /* dd stops at ENOSPC: the disk is full */
    char *fill = g_strdup_printf(
        "dd if=/dev/zero of=%s/filler bs=4096 2>/dev/null; true", q);
    dk_test_sh(fill, NULL, NULL);
    g_free(fill);
    g_free(mount);
    g_free(q);
}

void dk_test_full_disk_release(void)
{
    if (!full_disk)
        return;
    char *q = g_shell_quote(full_disk);
    char *cmd = g_strdup_printf("umount %s && rmdir %s", q, q);
    dk_test_sh(cmd, NULL, NULL);
    g_free(cmd);
    g_free(q);
    g_free(full_disk);
    full_disk = NULL;
}

TCase *dk_test_full_disk_tcase(void)
{
    TCase *tc = tcase_create("full disk");
    tcase_add_unchecked_fixture(tc, dk_test_full_disk_mount,
                                dk_test_full_disk_release);
    return tc;
}
