/* One process-wide "please stop" flag. The CLI sets it from its signal
 * thread; long waits (retries) are woken at once rather than polled. */
#include "dk_internal.h"

static gint cancel_flag;
static GMutex cancel_lock;
static GCond cancel_cond;

bool dk_cancelled(void)
{
    return g_atomic_int_get(&cancel_flag) != 0;
}

void dk_cancel_request(void)
{
    g_mutex_lock(&cancel_lock);
    g_atomic_int_set(&cancel_flag, 1);
    g_cond_broadcast(&cancel_cond);
    g_mutex_unlock(&cancel_lock);
}

void dk_cancel_reset(void)
{
    g_atomic_int_set(&cancel_flag, 0);
}

bool dk_cancel_sleep(double seconds)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)(seconds * 1e6);
    g_mutex_lock(&cancel_lock);
    while (!dk_cancelled())
        if (!g_cond_wait_until(&cancel_cond, &cancel_lock, deadline))
            break;
    bool completed = !dk_cancelled();
    g_mutex_unlock(&cancel_lock);
    return completed;
}
