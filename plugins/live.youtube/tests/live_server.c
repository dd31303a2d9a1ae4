/* nginx-rtmp per test, through the launcher the benchmark and operators
 * use too, and dokpim run in the background with its output in files. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dk_test.h"
#include "live_test.h"

static char *launcher(void)
{
    return dk_test_source_path("tests/servers/nginx-rtmp/nginx-rtmp.sh");
}

static char *value_of(const char *output, const char *name)
{
    g_autofree char *prefix = g_strconcat(name, "=", NULL);
    g_auto(GStrv) lines = g_strsplit(output, "\n", -1);
    for (char **l = lines; *l; l++)
        if (g_str_has_prefix(*l, prefix))
            return g_strdup(*l + strlen(prefix));
    return NULL;
}

static void run_start(live_server *server, const char *extra)
{
    g_autofree char *script = launcher();
    g_autofree char *cmd =
        g_strdup_printf("'%s' start '%s' %s", script, server->dir, extra);
    g_autofree char *out = NULL, *err = NULL;
    int rc = dk_test_sh(cmd, &out, &err);
    ck_assert_msg(rc == 0, "nginx-rtmp did not start: %s", err);
    g_free(server->rtmp_url);
    g_free(server->rtmps_url);
    g_free(server->ca_file);
    server->rtmp_url = value_of(out, "RTMP_URL");
    server->rtmps_url = value_of(out, "RTMPS_URL");
    server->ca_file = value_of(out, "CA_FILE");
    ck_assert_ptr_nonnull(server->rtmp_url);
}

void live_server_start(live_server *server, const char *root, const char *key,
                       bool tls)
{
    memset(server, 0, sizeof *server);
    g_autofree char *tmpl = g_build_filename(root, "nginx-XXXXXX", NULL);
    server->dir = g_mkdtemp(g_steal_pointer(&tmpl));
    ck_assert_ptr_nonnull(server->dir);
    g_autofree char *extra = g_strdup_printf(
        "%s%s %s", key ? "--key " : "", key ? key : "", tls ? "--tls" : "");
    run_start(server, extra);
}

void live_server_restart(live_server *server)
{
    run_start(server, "");
}

void live_server_stop(live_server *server)
{
    g_autofree char *script = launcher();
    g_autofree char *cmd =
        g_strdup_printf("'%s' stop '%s'", script, server->dir);
    ck_assert_int_eq(dk_test_sh(cmd, NULL, NULL), 0);
}

void live_server_clear(live_server *server)
{
    g_free(server->dir);
    g_free(server->rtmp_url);
    g_free(server->rtmps_url);
    g_free(server->ca_file);
    memset(server, 0, sizeof *server);
}

void live_server_stop_all(const char *root)
{
    g_autofree char *script = launcher();
    g_autofree char *cmd = g_strdup_printf(
        "for d in '%s'/nginx-*; do [ -f \"$d/nginx.pid\" ] && '%s' stop "
        "\"$d\"; done; true",
        root, script);
    dk_test_sh(cmd, NULL, NULL);
}

static gint by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static GPtrArray *files_in(const char *dir, const char *suffix)
{
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    for (const char *name; d && (name = g_dir_read_name(d));)
        if (g_str_has_suffix(name, suffix))
            g_ptr_array_add(files, g_build_filename(dir, name, NULL));
    if (d)
        g_dir_close(d);
    g_ptr_array_sort(files, by_name);
    return files;
}

GPtrArray *live_server_streams(const live_server *server)
{
    /* record_unique names carry the start time in seconds: sorting by
     * name sorts by time */
    g_autofree char *rec = g_build_filename(server->dir, "rec", NULL);
    return files_in(rec, ".flv");
}

GPtrArray *live_recordings(const char *library)
{
    g_autofree char *dir = g_build_filename(library, "live", NULL);
    GPtrArray *files = files_in(dir, ".mkv");
    GPtrArray *mp4 = files_in(dir, ".mp4");
    for (guint i = 0; i < mp4->len; i++)
        g_ptr_array_add(files, g_strdup(mp4->pdata[i]));
    g_ptr_array_unref(mp4);
    return files;
}

void live_proc_spawn(live_proc *proc, const char *dir, const char *tag,
                     const char *const *argv)
{
    memset(proc, 0, sizeof *proc);
    g_autofree char *out_name = g_strconcat(tag, ".out", NULL);
    g_autofree char *err_name = g_strconcat(tag, ".err", NULL);
    proc->out_path = g_build_filename(dir, out_name, NULL);
    proc->err_path = g_build_filename(dir, err_name, NULL);
    int out = open(proc->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(proc->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert(out >= 0 && err >= 0);
    GError *error = NULL;
    proc->started = g_get_monotonic_time();
    gboolean ok =
        g_spawn_async_with_fds(NULL, (char **)argv, NULL,
                               G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                                   G_SPAWN_STDIN_FROM_DEV_NULL,
                               NULL, NULL, &proc->pid, -1, out, err, &error);
    close(out);
    close(err);
    ck_assert_msg(ok, "cannot start %s: %s", argv[0],
                  error ? error->message : "");
}

void live_proc_start(live_proc *proc, const char *dir, const char *const *args)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)dk_test_bin());
    for (const char *const *a = args; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    live_proc_spawn(proc, dir, "dokpim", (const char *const *)argv->pdata);
    g_ptr_array_free(argv, TRUE);
}

int live_proc_wait(live_proc *proc, int timeout_s, double *seconds)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * 1000000;
    int status = 0;
    for (;;) {
        pid_t done = waitpid(proc->pid, &status, WNOHANG);
        if (done == proc->pid)
            break;
        if (g_get_monotonic_time() > deadline) {
            kill(proc->pid, SIGKILL);
            waitpid(proc->pid, &status, 0);
            proc->pid = 0;
            return -1;
        }
        g_usleep(20000);
    }
    if (seconds)
        *seconds = (g_get_monotonic_time() - proc->started) / 1e6;
    proc->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void live_proc_signal(live_proc *proc, int signo)
{
    ck_assert(proc->pid > 0);
    kill(proc->pid, signo);
}

char *live_proc_stdout(const live_proc *proc)
{
    char *text = dk_test_read(proc->out_path, NULL);
    return text ? text : g_strdup("");
}

bool live_proc_wait_output(const live_proc *proc, const char *text,
                           int timeout_s)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * 1000000;
    do {
        g_autofree char *out = live_proc_stdout(proc);
        if (strstr(out, text))
            return true;
        g_usleep(20000);
    } while (g_get_monotonic_time() < deadline);
    return false;
}

char *live_proc_output(const live_proc *proc)
{
    g_autofree char *out = live_proc_stdout(proc);
    g_autofree char *err = dk_test_read(proc->err_path, NULL);
    return g_strconcat(out, err ? err : "", NULL);
}

void live_proc_clear(live_proc *proc)
{
    if (proc->pid > 0) {
        kill(proc->pid, SIGKILL);
        waitpid(proc->pid, NULL, 0);
    }
    g_free(proc->out_path);
    g_free(proc->err_path);
    memset(proc, 0, sizeof *proc);
}
