/* CPU pressure for the load test: busy loops in child processes, several
 * per core, as on a cheap laptop that also runs a browser and a compiler.
 * Each one ends by itself (alarm) after at most `seconds`, and dies with
 * the test process (PR_SET_PDEATHSIG), so a failed or killed test leaves
 * nothing spinning. */
#include <check.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_test.h"

GArray *live_hog_start(int per_core, unsigned seconds)
{
    GArray *hogs = g_array_new(FALSE, FALSE, sizeof(pid_t));
    int n = per_core * (int)g_get_num_processors();
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            /* only async-signal-safe calls in the child of a threaded
             * process */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            alarm(seconds);
            for (volatile unsigned long spin = 0;; spin++)
                ;
        }
        g_array_append_val(hogs, pid);
    }
    return hogs;
}

void live_hog_stop(GArray **hogs)
{
    if (!*hogs)
        return;
    for (guint i = 0; i < (*hogs)->len; i++) {
        pid_t pid = g_array_index(*hogs, pid_t, i);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    g_array_unref(*hogs);
    *hogs = NULL;
}
