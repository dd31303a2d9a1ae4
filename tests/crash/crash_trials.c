/* Kill moments and killed children; see crash_trials.h. */
#include "crash_trials.h"

#include "dk_test.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void crash_tally_print(const char *name, const crash_tally *tally)
{
    printf("crash %s: trials %d, mid-write %d, missed %d, failures %d\n", name,
           tally->trials, tally->mid_write, tally->missed, tally->failures);
    fflush(stdout);
}

int crash_param(const char *name, int fallback)
{
    const char *text = g_getenv(name);
    if (!text || !*text)
        return fallback;
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (*end || value < 0 || value > 1000000) {
        fprintf(stderr, "%s=%s is not a count; using %d\n", name, text,
                fallback);
        return fallback;
    }
    return (int)value;
}

GRand *crash_rand(const char *name)
{
    const char *text = g_getenv("DK_CRASH_SEED");
    guint32 seed = text && *text ? (guint32)strtoul(text, NULL, 10)
                                 : g_random_int() ^ (guint32)getpid();
    printf("crash %s: seed %u (DK_CRASH_SEED=%u replays it)\n", name, seed,
           seed);
    fflush(stdout);
    return g_rand_new_with_seed(seed);
}

static int exit_status(int raw)
{
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -WTERMSIG(raw);
}

bool crash_kill_after(const char *const *argv, gint64 delay_us, int *status)
{
    GPid pid = dk_test_spawn(argv);
    gint64 until = g_get_monotonic_time() + delay_us;
    int raw = 0;
    /* short naps: the moment is the seeded one, not a multiple of them */
    for (gint64 now; (now = g_get_monotonic_time()) < until;) {
        if (waitpid(pid, &raw, WNOHANG) == pid) {
            *status = exit_status(raw);
            g_spawn_close_pid(pid);
            return false;
        }
        g_usleep(MIN(until - now, 2000));
    }
    /* it may have exited on its own between the last look and the kill */
    *status = dk_test_reap(pid, SIGKILL);
    return *status == -SIGKILL;
}

double crash_run_timed(const char *const *argv, int timeout_s)
{
    gint64 start = g_get_monotonic_time();
    GPid pid = dk_test_spawn(argv);
    gint64 limit = start + (gint64)timeout_s * G_USEC_PER_SEC;
    int raw = 0;
    while (waitpid(pid, &raw, WNOHANG) != pid) {
        if (g_get_monotonic_time() > limit) {
            kill(pid, SIGKILL);
            waitpid(pid, &raw, 0);
            break;
        }
        g_usleep(2000);
    }
    g_spawn_close_pid(pid);
    double seconds = (g_get_monotonic_time() - start) / 1e6;
    return exit_status(raw) == 0 ? seconds : -1;
}

void crash_fail(crash_tally *tally, const char *trial, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, args);
    va_end(args);
    fprintf(stderr, "crash FAILURE (%s): %s\n", trial, text);
    tally->failures++;
}
