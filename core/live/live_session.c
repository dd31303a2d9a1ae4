/* The live session: stop requests, the operator's command queue, and the
 * hand-over of reports and finished recordings to the dokpim command. */
#include "live_host.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <dokpim/plugin.h>

struct dk_live {
    dk_live_host host;
    char *library;
    double duration;
    gint64 begin_us; /* monotonic; 0 before dk_live_begin() */
    gint stop;
    GMutex lock; /* guards begin_us, commands and recordings */
    GQueue commands;
    GPtrArray *recordings;
    char *health, *issues_json; /* the service's view; guarded by lock */
    bool on_air;                /* last report had an ingest receiving */
    uint32_t plugin_abi; /* DK_ABI_VERSION the live plugin was built for */
    bool preview_wanted; /* set before the live starts */
    GBytes *preview;     /* the latest programme picture (JPEG), or NULL */
    guint64 preview_seq; /* how many pictures came; guarded by lock */
};

/* The session whose report is being handed to the host on this thread. */
static _Thread_local dk_live *reporting;

dk_live *dk_live_new(const dk_live_host *host, const char *library,
                     double duration)
{
    dk_live *live = g_new0(dk_live, 1);
    if (host)
        live->host = *host;
    live->library = g_strdup(library);
    live->duration = duration > 0 ? duration : 0;
    g_mutex_init(&live->lock);
    g_queue_init(&live->commands);
    live->recordings = g_ptr_array_new_with_free_func(g_free);
    live->plugin_abi = DK_ABI_VERSION;
    return live;
}

void dk_live_set_plugin_abi(dk_live *live, uint32_t abi_version)
{
    live->plugin_abi = abi_version;
}

void dk_live_free(dk_live **live)
{
    if (!live || !*live)
        return;
    dk_live *l = *live;
    g_queue_clear_full(&l->commands, g_free);
    g_ptr_array_free(l->recordings, TRUE);
    if (l->preview)
        g_bytes_unref(l->preview);
    g_mutex_clear(&l->lock);
    g_free(l->health);
    g_free(l->issues_json);
    g_free(l->library);
    g_free(l);
    *live = NULL;
}

double dk_live_duration(const dk_live *live)
{
    return live->duration;
}

void dk_live_begin(dk_live *live)
{
    g_mutex_lock(&live->lock);
    if (!live->begin_us)
        live->begin_us = g_get_monotonic_time();
    g_mutex_unlock(&live->lock);
}

double dk_live_uptime(const dk_live *live)
{
    dk_live *l = (dk_live *)live; /* the lock is not part of the value */
    g_mutex_lock(&l->lock);
    gint64 begin = l->begin_us;
    g_mutex_unlock(&l->lock);
    return begin ? (double)(g_get_monotonic_time() - begin) / 1e6 : 0.0;
}

bool dk_live_stop_requested(const dk_live *live)
{
    if (dk_cancelled() || g_atomic_int_get(&live->stop))
        return true;
    return live->duration > 0 && dk_live_uptime(live) >= live->duration;
}

void dk_live_request_stop(dk_live *live)
{
    g_atomic_int_set(&live->stop, 1);
}

const char *dk_live_library(const dk_live *live)
{
    return live->library;
}

bool dk_live_next_command(dk_live *live, dk_live_command *command)
{
    g_mutex_lock(&live->lock);
    dk_live_command *next = g_queue_pop_head(&live->commands);
    g_mutex_unlock(&live->lock);
    if (!next)
        return false;
    *command = *next;
    g_free(next);
    return true;
}

int dk_live_push_line(dk_live *live, const char *line, dk_error *err)
{
    dk_live_command command;
    bool stop = false;
    int rc = dk_live_parse_command(line, &command, &stop, err);
    if (rc < 0)
        return rc;
    if (stop) {
        dk_live_request_stop(live);
        return 0;
    }
    g_mutex_lock(&live->lock);
    g_queue_push_tail(&live->commands, g_memdup2(&command, sizeof command));
    g_mutex_unlock(&live->lock);
    return 0;
}

/* "On air" is said by the core, from what the plugin reports, so that it
 * means the same for every live plugin: an ingest took the publish and
 * media flows, not merely that the pipeline started. */
static void note_on_air(dk_live *live, const dk_live_status *status)
{
    const dk_live_output_status *live_output = dk_live_on_air(status);
    if (live_output && !live->on_air)
        dk_live_event(live, DK_LIVE_INFO, live_output->name, "on air (%s)",
                      live_output->where);
    else if (!live_output && live->on_air && !dk_live_stop_requested(live))
        dk_live_event(live, DK_LIVE_WARNING, NULL,
                      "off air: no ingest is receiving (the recording goes "
                      "on)");
    live->on_air = live_output != NULL;
}

/* What a 3.2 plugin passed ends where 3.3 appended its figures. */
#define STATUS_SIZE_3_2 offsetof(dk_live_status, encoder_fps)
#define OUTPUT_SIZE_3_2 offsetof(dk_live_output_status, outage_seconds)

/* A plugin built for an older minor passes its smaller structs: they are
 * copied into this core's layout, with the figures it could not know
 * marked unknown (outputs: steps of its own size). */
static const dk_live_status *current_layout(const dk_live *live,
                                            const dk_live_status *status,
                                            dk_live_status *copy,
                                            dk_live_output_status *outputs,
                                            int max_outputs)
{
    if ((live->plugin_abi & 0xffff) >= 3)
        return status;
    memset(copy, 0, sizeof *copy);
    memcpy(copy, status, STATUS_SIZE_3_2);
    copy->encoder_fps = copy->cpu_percent = NAN;
    copy->audio_level_db[0] = copy->audio_level_db[1] = NAN;
    copy->outage_seconds = NAN;
    copy->n_outputs = MIN(status->n_outputs, max_outputs);
    const char *from = (const char *)status->outputs;
    for (int i = 0; i < copy->n_outputs; i++) {
        memset(&outputs[i], 0, sizeof outputs[i]);
        memcpy(&outputs[i], from + i * OUTPUT_SIZE_3_2, OUTPUT_SIZE_3_2);
        outputs[i].outage_seconds = NAN;
        outputs[i].last_outage_at = -1;
    }
    copy->outputs = outputs;
    return copy;
}

void dk_live_report(dk_live *live, const dk_live_status *status)
{
    dk_live_status copy;
    dk_live_output_status outputs[8];
    status = current_layout(live, status, &copy, outputs,
                            (int)G_N_ELEMENTS(outputs));
    note_on_air(live, status);
    if (!live->host.status)
        return;
    reporting = live;
    live->host.status(live->host.user, status, dk_live_uptime(live));
    reporting = NULL;
}

void dk_live_set_service_health(dk_live *live, const char *health,
                                const char *issues_json)
{
    g_mutex_lock(&live->lock);
    g_free(live->health);
    g_free(live->issues_json);
    live->health = g_strdup(health);
    live->issues_json = g_strdup(issues_json);
    g_mutex_unlock(&live->lock);
}

void dk_live_reporting_health(char **health, char **issues_json)
{
    *health = *issues_json = NULL;
    if (!reporting)
        return;
    g_mutex_lock(&reporting->lock);
    *health = g_strdup(reporting->health);
    *issues_json = g_strdup(reporting->issues_json);
    g_mutex_unlock(&reporting->lock);
}

void dk_live_want_preview(dk_live *live)
{
    live->preview_wanted = true;
}

bool dk_live_preview_wanted(const dk_live *live)
{
    return live->preview_wanted;
}

void dk_live_preview(dk_live *live, const void *jpeg, size_t size)
{
    if (!jpeg || !size)
        return;
    /* copied outside the lock: a reader only ever waits for a swap */
    GBytes *fresh = g_bytes_new(jpeg, size);
    g_mutex_lock(&live->lock);
    GBytes *old = live->preview;
    live->preview = fresh;
    live->preview_seq++;
    g_mutex_unlock(&live->lock);
    if (old)
        g_bytes_unref(old);
}

GBytes *dk_live_preview_latest(dk_live *live, guint64 *seq)
{
    g_mutex_lock(&live->lock);
    GBytes *latest = live->preview ? g_bytes_ref(live->preview) : NULL;
    if (seq)
        *seq = live->preview_seq;
    g_mutex_unlock(&live->lock);
    return latest;
}

void dk_live_event(dk_live *live, dk_live_level level, const char *subject,
                   const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *message = g_strdup_vprintf(fmt, args);
    va_end(args);
    if (live->host.event)
        live->host.event(live->host.user, level, subject, message,
                         dk_live_uptime(live));
}

void dk_live_add_recording(dk_live *live, const char *path)
{
    g_mutex_lock(&live->lock);
    g_ptr_array_add(live->recordings, g_strdup(path));
    g_mutex_unlock(&live->lock);
}

const GPtrArray *dk_live_recordings(const dk_live *live)
{
    return live->recordings;
}

char *dk_live_redact(const char *text, const char *secret)
{
    if (!text)
        return NULL;
    if (!secret || !*secret)
        return g_strdup(text);
    GString *out = g_string_new(NULL);
    size_t n = strlen(secret);
    const char *at;
    while ((at = strstr(text, secret))) {
        g_string_append_len(out, text, at - text);
        g_string_append(out, "*****");
        text = at + n;
    }
    g_string_append(out, text);
    return g_string_free(out, FALSE);
}
