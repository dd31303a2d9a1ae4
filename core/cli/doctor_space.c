/* doctor: free space where dokpim writes, each library and the temporary
 * folder (GStreamer and the encoders write there before a rename). */
#include "doctor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/statvfs.h>

#define GIB ((uint64_t)1 << 30)

/* The thresholds, in one place: an event's clips need some gigabytes, so
 * below WARN a crew should make room before the next event, and below FAIL
 * a day's footage will not fit. */
typedef struct space_limits {
    uint64_t warn_bytes;
    double warn_percent;
    uint64_t fail_bytes;
} space_limits;

static const space_limits default_limits = {
    .warn_bytes = 5 * GIB,
    .warn_percent = 10.0,
    .fail_bytes = 1 * GIB,
};

/* DOKPIM_DOCTOR_SPACE=WARN_BYTES:WARN_PERCENT:FAIL_BYTES, undocumented:
 * a test cannot make a filesystem with a few GiB left, but can move the
 * limits above what the filesystem has. */
static space_limits limits(void)
{
    space_limits l = default_limits;
    const char *env = g_getenv("DOKPIM_DOCTOR_SPACE");
    unsigned long long warn = 0, fail = 0;
    double percent = 0;
    if (env && sscanf(env, "%llu:%lf:%llu", &warn, &percent, &fail) == 3) {
        l.warn_bytes = warn;
        l.warn_percent = percent;
        l.fail_bytes = fail;
    }
    return l;
}

static void check_folder(doctor *d, const char *what, const char *path,
                         const space_limits *l)
{
    struct statvfs st;
    if (statvfs(path, &st) != 0) {
        doctor_add(d, DOCTOR_FAIL, "space",
                   errno == ENOENT ? N_("create it, or give the right -o")
                                   : N_("check the folder and its mount"),
                   "%s %s: %s", what, path, g_strerror(errno));
        return;
    }
    uint64_t free_bytes = (uint64_t)st.f_bavail * st.f_frsize;
    uint64_t total = (uint64_t)st.f_blocks * st.f_frsize;
    double percent = total ? 100.0 * (double)free_bytes / (double)total : 0;
    double gib = (double)free_bytes / (double)GIB;
    doctor_status status = DOCTOR_OK;
    if (free_bytes < l->fail_bytes)
        status = DOCTOR_FAIL;
    else if (free_bytes < l->warn_bytes || percent < l->warn_percent)
        status = DOCTOR_WARN;
    if (status == DOCTOR_OK) {
        doctor_add(d, status, "space", NULL, "%s %s: %.1f GiB free (%.0f%%)",
                   what, path, gib, percent);
        return;
    }
    g_autofree char *limit =
        status == DOCTOR_FAIL
            ? g_strdup_printf("FAIL under %.1f GiB",
                              (double)l->fail_bytes / (double)GIB)
            : g_strdup_printf("warn under %.1f GiB or %.0f%%",
                              (double)l->warn_bytes / (double)GIB,
                              l->warn_percent);
    doctor_add(d, status, "space",
               N_("free space there (move finished events to the archive) "
                  "before the next event"),
               "%s %s: %.1f GiB free (%.0f%%), %s", what, path, gib, percent,
               limit);
}

void doctor_check_space(doctor *d)
{
    space_limits l = limits();
    for (int i = 0; d->libraries && d->libraries[i]; i++)
        check_folder(d, "library", d->libraries[i], &l);
    check_folder(d, "temporary folder", g_get_tmp_dir(), &l);
}
