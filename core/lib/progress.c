/* Forwards progress reports to whoever shows them (the CLI). */
#include "dk_internal.h"

static GMutex sink_lock;
static dk_progress_sink current_sink;
static void *current_user;

void dk_progress_set_sink(dk_progress_sink sink, void *user)
{
    g_mutex_lock(&sink_lock);
    current_sink = sink;
    current_user = user;
    g_mutex_unlock(&sink_lock);
}

void dk_progress(const dk_item *item, double fraction, const char *note)
{
    g_mutex_lock(&sink_lock);
    if (current_sink)
        current_sink(current_user, item, fraction, note);
    g_mutex_unlock(&sink_lock);
}
