/* doctor: the clock is synchronised. Signatures carry the signing time,
 * the YouTube quota day and the queue's leases are reckoned by it, and
 * capture times are judged against it. */
#include "doctor.h"

#include <string.h>
#include <sys/timex.h>

/* A clock error estimated above this is worth a warning even when the
 * kernel calls the clock synchronised. */
#define CLOCK_MAX_ERROR_US 500000L

static const char *const sync_advice =
    N_("enable time synchronisation: systemctl enable --now systemd-timesyncd "
       "(or chrony)");

/* The container manager's name when this runs in one, else NULL. A
 * container shares the host's clock and cannot set it. */
static char *container_name(void)
{
    if (g_file_test("/.dockerenv", G_FILE_TEST_EXISTS))
        return g_strdup("docker");
    if (g_file_test("/run/.containerenv", G_FILE_TEST_EXISTS))
        return g_strdup("podman");
    const char *env = g_getenv("container");
    if (env && *env)
        return g_strdup(env);
    g_autofree char *detect = g_find_program_in_path("systemd-detect-virt");
    g_autofree char *out = NULL;
    int status = -1;
    const char *argv[] = {detect, "--container", NULL};
    if (detect &&
        g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, NULL) &&
        g_spawn_check_wait_status(status, NULL) && out)
        return g_strstrip(g_steal_pointer(&out));
    return NULL;
}

/* timedatectl's answer: 1 synchronised, 0 not, -1 it cannot tell (no
 * systemd as init, no D-Bus, not installed). */
static int timedatectl_synchronised(void)
{
    g_autofree char *program = g_find_program_in_path("timedatectl");
    if (!program)
        return -1;
    const char *argv[] = {program,           "show",    "-p",
                          "NTPSynchronized", "--value", NULL};
    g_autofree char *out = NULL;
    int status = -1;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, &out, NULL, &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL) || !out)
        return -1;
    g_strstrip(out);
    if (strcmp(out, "yes") == 0)
        return 1;
    return strcmp(out, "no") == 0 ? 0 : -1;
}

void doctor_check_clock(doctor *d)
{
    g_autofree char *container = container_name();
    g_autofree char *where =
        container ? g_strdup_printf(" (in a %s container: the host keeps "
                                    "the clock)",
                                    container)
                  : g_strdup("");
    int synced = timedatectl_synchronised();
    if (synced == 1) {
        doctor_add(d, DOCTOR_OK, "clock", NULL, "synchronised (timedatectl)%s",
                   where);
        return;
    }
    if (synced == 0) {
        doctor_add(d, container ? DOCTOR_WARN : DOCTOR_FAIL, "clock",
                   container ? N_("synchronise the host's clock") : sync_advice,
                   "not synchronised (timedatectl: NTPSynchronized=no)%s",
                   where);
        return;
    }
    /* no timedatectl answer: the kernel's own view, which an NTP daemon
     * (timesyncd, chrony, ntpd) keeps up to date */
    struct timex tx = {.modes = 0};
    int state = adjtimex(&tx);
    if (state < 0) {
        doctor_add(d, DOCTOR_WARN, "clock",
                   N_("check the time by hand (date -u) against a good clock"),
                   "cannot tell whether the clock is synchronised "
                   "(timedatectl has no answer, adjtimex failed)%s",
                   where);
        return;
    }
    if (state == TIME_ERROR || (tx.status & STA_UNSYNC)) {
        doctor_add(d, container ? DOCTOR_WARN : DOCTOR_FAIL, "clock",
                   container ? N_("synchronise the host's clock") : sync_advice,
                   "the kernel says the clock is not synchronised "
                   "(adjtimex: STA_UNSYNC)%s",
                   where);
        return;
    }
    if (tx.maxerror > CLOCK_MAX_ERROR_US) {
        doctor_add(d, DOCTOR_WARN, "clock",
                   N_("check the time source (chronyc tracking, timedatectl "
                      "timesync-status)"),
                   "synchronised, but the kernel estimates an error up to "
                   "%.1f s%s",
                   tx.maxerror / 1e6, where);
        return;
    }
    doctor_add(d, DOCTOR_OK, "clock", NULL,
               "synchronised (adjtimex: error under %.0f ms)%s",
               tx.maxerror / 1e3, where);
}
