/* The figures a control page shows beside the pushes (ABI 3.3): encoder
 * frames per second, the process's CPU, the programme's sound level per
 * channel, the free disk where the recording goes, and the time the live
 * was off air. Everything here runs on the main loop (bus watch and
 * ticks), so nothing needs a lock. */
#include "live_youtube.h"

#include <math.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>

static gint64 cpu_us(void)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) < 0)
        return -1;
    return (gint64)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) *
               G_USEC_PER_SEC +
           usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

void live_youtube_figures_init(live_youtube_figures *f)
{
    memset(f, 0, sizeof *f);
    f->last_us = g_get_monotonic_time();
    f->last_cpu_us = cpu_us();
    f->peak_db[0] = f->peak_db[1] = -INFINITY;
    f->fps = f->cpu = f->db[0] = f->db[1] = NAN;
}

bool live_youtube_figures_message(live_youtube_figures *f, GstMessage *message)
{
    if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT)
        return false;
    const GstStructure *s = gst_message_get_structure(message);
    if (!s || !gst_structure_has_name(s, "level"))
        return false;
    const GValue *peaks = gst_structure_get_value(s, "peak");
    if (!peaks || !G_VALUE_HOLDS_BOXED(peaks))
        return true;
    /* level still posts a GValueArray; there is no other form of it */
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    GValueArray *array = g_value_get_boxed(peaks);
    for (guint i = 0; array && i < array->n_values && i < 2; i++) {
        double db = g_value_get_double(g_value_array_get_nth(array, i));
        if (db > f->peak_db[i])
            f->peak_db[i] = db;
        f->have_level = true;
    }
    G_GNUC_END_IGNORE_DEPRECATIONS
    return true;
}

void live_youtube_figures_on_air(live_youtube_figures *f, bool on_air)
{
    gint64 now = g_get_monotonic_time();
    if (on_air) {
        if (f->off_air_since)
            f->outage_us += now - f->off_air_since;
        f->off_air_since = 0;
        f->been_on_air = true;
    } else if (f->been_on_air && !f->off_air_since) {
        f->off_air_since = now;
    }
}

static double level(double db)
{
    return db > DK_LIVE_SILENCE_DB ? db : DK_LIVE_SILENCE_DB;
}

/* Rates over at least half a second: the report right after the stop
 * comes a moment after the last one and repeats its figures. */
static void measure(live_youtube_figures *f, uint64_t frames)
{
    gint64 now = g_get_monotonic_time();
    double dt = (now - f->last_us) / 1e6;
    if (dt < 0.5)
        return;
    gint64 cpu = cpu_us();
    f->fps = frames >= f->last_frames ? (frames - f->last_frames) / dt : NAN;
    f->cpu = cpu >= 0 && f->last_cpu_us >= 0 ? (cpu - f->last_cpu_us) / 1e4 / dt
                                             : NAN;
    f->last_us = now;
    f->last_cpu_us = cpu;
    f->last_frames = frames;
    for (int i = 0; i < 2; i++) {
        f->db[i] = f->have_level ? level(f->peak_db[i]) : NAN;
        f->peak_db[i] = -INFINITY;
    }
    f->have_level = false;
}

void live_youtube_figures_fill(live_youtube_figures *f, uint64_t frames,
                               const char *recording, dk_live_status *status)
{
    measure(f, frames);
    status->encoder_fps = f->fps;
    status->cpu_percent = f->cpu;
    status->audio_level_db[0] = f->db[0];
    status->audio_level_db[1] = f->db[1];
    status->free_disk_bytes = 0;
    if (recording) {
        g_autofree char *dir = g_path_get_dirname(recording);
        struct statvfs fs;
        if (statvfs(dir, &fs) == 0)
            status->free_disk_bytes = (uint64_t)fs.f_bavail * fs.f_frsize;
    }
    gint64 now = g_get_monotonic_time();
    status->outage_seconds =
        (f->outage_us + (f->off_air_since ? now - f->off_air_since : 0)) / 1e6;
}
