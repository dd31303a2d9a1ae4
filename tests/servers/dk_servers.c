#include "dk_servers.h"
#include "dk_test.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Gone, or a zombie nobody reaped yet: either way it serves no more. */
static bool gone(int pid)
{
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return true;
    g_autofree char *stat_path = g_strdup_printf("/proc/%d/stat", pid);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(stat_path, &text, NULL, NULL))
        return true;
    const char *close = strrchr(text, ')');
    return close && close[1] == ' ' && close[2] == 'Z';
}

static void stop_pid(int pid)
{
    kill(pid, SIGTERM);
    for (int i = 0; i < 100 && !gone(pid); i++)
        g_usleep(50000);
    if (!gone(pid))
        kill(pid, SIGKILL);
}

void dk_server_start(dk_server *server, const char *script,
                     const char *const *args)
{
    memset(server, 0, sizeof *server);
    server->dir = dk_test_tmpdir("server");
    g_autofree char *relative =
        g_build_filename("tests", "servers", script, NULL);
    g_autofree char *path = dk_test_source_path(relative);
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, path);
    g_ptr_array_add(argv, server->dir);
    for (const char *const *a = args; a && *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    /* the server stops by itself when this test process ends, even when
     * a failed assertion leaves before dk_server_stop() */
    g_autofree char *self = g_strdup_printf("%d", (int)getpid());
    g_setenv("DK_WATCH_PID", self, TRUE);
    char *out = NULL, *err = NULL;
    int status = dk_test_run((const char *const *)argv->pdata, &out, &err, 60);
    g_ptr_array_free(argv, TRUE);
    ck_assert_msg(status == 0, "%s did not start: %s", script, err ? err : "");
    ck_assert_msg(sscanf(out, "%d %d", &server->port, &server->pid) == 2,
                  "%s printed '%s'", script, out);
    server->base =
        g_strdup_printf("%s://127.0.0.1:%d",
                        strstr(script, "sshd") ? "sftp" : "http", server->port);
    g_free(out);
    g_free(err);
}

void dk_server_stop(dk_server *server)
{
    if (server->pid > 0) {
        stop_pid(server->pid);
    }
    g_free(server->base);
    server->base = NULL;
    server->pid = 0;
    /* the folder itself goes with dk_test_cleanup_dirs() */
    g_free(server->dir);
    server->dir = NULL;
}

char *dk_server_get(const dk_server *server, const char *path)
{
    g_autofree char *url = g_strconcat(server->base, path, NULL);
    const char *argv[] = {"curl", "-sf", url, NULL};
    char *out = NULL;
    if (dk_test_run(argv, &out, NULL, 30) != 0) {
        g_free(out);
        return NULL;
    }
    return out;
}
