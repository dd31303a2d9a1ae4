/* The cases only several machines sharing one PostgreSQL queue have, with
 * real processes and a real upload (WebDAV through nginx, slowed by
 * tcp_cut_proxy so that a signal lands mid-upload): two workers racing,
 * a worker SIGKILLed or SIGSTOPped past its lease, the database restarted,
 * the network to it cut, clock skew between workers. Every trial ends with
 * the file's exact bytes on the server, sent once, and one job done once.
 * The figures (takeover times) go to stderr as "trials: ..." lines. */
#include "dk_test.h"
#include "dk_upload_rig.h"
#include "trial_rig.h"

#include <check.h>
#include <dokpim/queue.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* Short leases, so that a dead worker's job is taken back in seconds. */
#define LEASE 2
/* 12 MB at 4 MB/s: three seconds of upload to interrupt. Not less: the
 * sender's kernel holds up to 4 MB (tcp_wmem) beyond what the proxy let
 * through, and a worker killed then still delivers that. */
#define SLOW_SIZE (12 * 1000 * 1000)
#define SLOW_RATE 4e6
/* Interrupted once the proxy passed this much: the worker has handed at
 * most 6 MB to its socket then, half the file. */
#define MID_UPLOAD (2 * 1000 * 1000)

static gint64 first_job(trial *t)
{
    return trial_sql_int(t, "SELECT min(id) FROM jobs");
}

static bool mid_upload(trial *t, void *arg)
{
    (void)arg;
    return trial_proxy_sent(&t->dav_proxy) >= MID_UPLOAD;
}

/* The database's clock, unix seconds (the clock leases are kept by). */
static gint64 server_now(trial *t)
{
    return trial_sql_int(
        t, "SELECT floor(extract(epoch FROM clock_timestamp()))::bigint");
}

static gint64 lease_until(trial *t, gint64 id)
{
    return trial_sql_int(
        t, "SELECT lease_until FROM jobs WHERE id = %" G_GINT64_FORMAT, id);
}

typedef struct holder {
    gint64 id;
    const char *host;
} holder;

/* job id is running under a worker of host */
static bool held_by(trial *t, void *arg)
{
    const holder *h = arg;
    g_autofree char *owner = trial_owner(t, h->id);
    g_autofree char *prefix = g_strconcat(h->host, ":", NULL);
    return g_str_has_prefix(owner, prefix);
}

static bool all_done(trial *t, void *arg)
{
    (void)arg;
    return trial_sql_int(t, "SELECT count(*) FROM jobs WHERE state <> %d",
                         (int)DK_JOB_DONE) == 0;
}

/* A job's row as the database has it, for comparing before and after. */
static char *job_row(trial *t, gint64 id)
{
    return trial_sql(t,
                     "SELECT state, attempts, fence, progress, "
                     "coalesce(remote_id, ''), coalesce(lease_owner, '') "
                     "FROM jobs WHERE id = %" G_GINT64_FORMAT,
                     id);
}

/* The N of the worker's closing "dokpim: N done, ..." line; -1 when it
 * printed none. */
static int worker_done_count(trial *t, int worker)
{
    g_autofree char *log = trial_worker_log(t, worker);
    gchar **lines = g_strsplit(log ? log : "", "\n", -1);
    int done = -1;
    for (int i = 0; lines[i]; i++) {
        int n = 0;
        char word[8];
        if (sscanf(lines[i], "dokpim: %d %7s", &n, word) == 2 &&
            strcmp(word, "done,") == 0)
            done = n;
    }
    g_strfreev(lines);
    return done;
}

/* Ctrl-C for a worker that waits for more work: it ends within the
 * half second dk_cancelled() promises, as interrupted (130). */
static void stop_idle_worker(trial *t, int worker)
{
    trial_worker_signal(t, worker, SIGTERM);
    ck_assert_int_eq(trial_worker_wait(t, worker, 5), 130);
}

static double seconds_since(gint64 start)
{
    return (double)(g_get_monotonic_time() - start) / 1e6;
}

/* Two workers on two machines start together on many small jobs: each
 * job is taken once (one attempt, one claim), sent once. */
START_TEST(test_two_workers_race)
{
    trial t;
    trial_setup setup = {.files = 24, .size = 64 * 1024};
    trial_up(&t, &setup);
    gint64 start = g_get_monotonic_time();
    int a = trial_worker_start(&t, "machine-a", NULL, true, LEASE);
    int b = trial_worker_start(&t, "machine-b", NULL, true, LEASE);
    ck_assert_int_eq(trial_worker_wait(&t, a, 40), 0);
    ck_assert_int_eq(trial_worker_wait(&t, b, 40), 0);
    double took = seconds_since(start);
    trial_assert_all_delivered(&t);
    ck_assert_int_eq(
        trial_sql_int(&t, "SELECT count(*) FROM jobs WHERE attempts <> 1 "
                          "OR fence <> 1"),
        0);
    int by_a = worker_done_count(&t, a), by_b = worker_done_count(&t, b);
    ck_assert_int_eq(by_a + by_b, setup.files);
    fprintf(stderr,
            "trials: race: 24 jobs in %.2f s, machine-a did %d, "
            "machine-b %d, none twice\n",
            took, by_a, by_b);
    trial_down(&t);
}
END_TEST

/* kill -9 mid-upload on machine-a: machine-b, which cannot ask whether a
 * pid on machine-a lives, takes the job once the lease ran out, and sends
 * it whole. */
START_TEST(test_sigkill_past_lease)
{
    trial t;
    trial_setup setup = {.files = 1, .size = SLOW_SIZE, .rate = SLOW_RATE};
    trial_up(&t, &setup);
    gint64 id = first_job(&t);
    int a = trial_worker_start(&t, "machine-a", NULL, true, LEASE);
    trial_wait(20, mid_upload, &t, NULL, "2 MB of the upload sent");
    /* an idle worker on the other machine, waiting for work */
    int b = trial_worker_start(&t, "machine-b", NULL, false, LEASE);
    trial_worker_signal(&t, a, SIGKILL);
    gint64 killed = g_get_monotonic_time();
    ck_assert_int_eq(trial_worker_wait(&t, a, 5), -SIGKILL);
    /* nobody renews it any more */
    gint64 until = lease_until(&t, id);
    holder h = {id, "machine-b"};
    double takeover = trial_wait(30, held_by, &t, &h, "machine-b took the job");
    /* claimed before this moment: if that was before the lease ran out,
     * machine-b took a live lease */
    gint64 seen = server_now(&t);
    ck_assert_msg(seen >= until,
                  "machine-b took the job at %" G_GINT64_FORMAT
                  " or before; machine-a's lease ran until %" G_GINT64_FORMAT,
                  seen, until);
    trial_wait(30, all_done, &t, NULL, "the job done");
    double total = seconds_since(killed);
    stop_idle_worker(&t, b);
    trial_assert_all_delivered(&t);
    ck_assert_int_eq(trial_sql_int(&t,
                                   "SELECT fence FROM jobs WHERE id = "
                                   "%" G_GINT64_FORMAT,
                                   id),
                     2);
    fprintf(stderr,
            "trials: SIGKILL: machine-b took the job %.2f s after the kill "
            "(lease %d s), done %.2f s after it\n",
            takeover, LEASE, total);
    trial_down(&t);
}
END_TEST

/* SIGSTOP mid-upload past the lease: machine-b, whose worker comes by
 * every 0.2 s (--until-empty), finds the lease live until it ran out, then
 * takes the job and finishes it; then machine-a goes on (SIGCONT), finds
 * its lease lost and changes nothing: not the row, not the ledger, not the
 * file. */
START_TEST(test_sigstop_past_lease)
{
    trial t;
    trial_setup setup = {.files = 1, .size = SLOW_SIZE, .rate = SLOW_RATE};
    trial_up(&t, &setup);
    gint64 id = first_job(&t);
    int a = trial_worker_start(&t, "machine-a", NULL, true, LEASE);
    trial_wait(20, mid_upload, &t, NULL, "2 MB of the upload sent");
    trial_worker_signal(&t, a, SIGSTOP);
    gint64 stopped = g_get_monotonic_time();
    /* its heartbeat is stopped too */
    gint64 until = lease_until(&t, id);
    double takeover = 0;
    for (int rounds = 0;; rounds++) {
        ck_assert_msg(rounds < 40 && seconds_since(stopped) < 20,
                      "machine-b never took the job");
        double started = seconds_since(stopped);
        int b = trial_worker_start(&t, "machine-b", NULL, true, LEASE);
        ck_assert_int_eq(trial_worker_wait(&t, b, 30), 0);
        /* a run over before the lease ran out must have taken nothing */
        gint64 ended = server_now(&t);
        int done = worker_done_count(&t, b);
        ck_assert_msg(done == 0 || ended >= until,
                      "machine-b took the job by %" G_GINT64_FORMAT
                      "; machine-a's lease ran until %" G_GINT64_FORMAT,
                      ended, until);
        if (done == 1) {
            takeover = started;
            break;
        }
        ck_assert_int_eq(done, 0);
        g_usleep(200000);
    }
    ck_assert(all_done(&t, NULL));
    g_autofree char *before = job_row(&t, id);
    trial_worker_signal(&t, a, SIGCONT);
    gint64 resumed = g_get_monotonic_time();
    int status = trial_worker_wait(&t, a, 30);
    double gave_up = seconds_since(resumed);
    g_autofree char *after = job_row(&t, id);
    ck_assert_str_eq(after, before);
    g_autofree char *log = trial_worker_log(&t, a);
    ck_assert_msg(log && strstr(log, "no longer ours"),
                  "machine-a did not say it lost the lease: %.1000s", log);
    trial_assert_all_delivered(&t);
    ck_assert_int_eq(trial_sql_int(&t,
                                   "SELECT fence FROM jobs WHERE id = "
                                   "%" G_GINT64_FORMAT,
                                   id),
                     2);
    fprintf(stderr,
            "trials: SIGSTOP: machine-b took the job %.2f s after the stop "
            "(lease %d s); machine-a, continued %.2f s after the stop, "
            "stopped %.2f s later (exit %d), row unchanged\n",
            takeover, LEASE, (double)(resumed - stopped) / 1e6, gave_up,
            status);
    trial_down(&t);
}
END_TEST

/* How the database goes away mid-upload. */
typedef enum { RESTART, CUT, BLACK_HOLE } outage;

static const struct outage_case {
    const char *name;
    outage how;
    double seconds; /* network away this long */
} outages[] = {
    {"pg_ctl restart", RESTART, 0},
    {"connection reset, refused 1.5 s", CUT, 1.5},
    /* shorter than the lease: the connections live through it */
    {"black hole 1 s", BLACK_HOLE, 1.0},
};

/* The worker reconnects, or fails the write clearly and a replacement on
 * the same machine goes on: either way the job ends done once. */
START_TEST(test_database_outage)
{
    const struct outage_case *c = &outages[_i];
    trial t;
    /* the restart too: the proxy counts the worker's connections */
    trial_setup setup = {.files = 1,
                         .size = SLOW_SIZE,
                         .rate = SLOW_RATE,
                         .db_through_proxy = true};
    trial_up(&t, &setup);
    int a = trial_worker_start(&t, "machine-a", NULL, true, LEASE);
    trial_wait(20, mid_upload, &t, NULL, "2 MB of the upload sent");
    int before = trial_proxy_accepted(&t.db_proxy);
    gint64 start = g_get_monotonic_time();
    if (c->how == RESTART) {
        trial_pg_restart();
    } else {
        trial_proxy_signal(&t.db_proxy, c->how == CUT ? SIGUSR1 : SIGHUP);
        g_usleep((gulong)(c->seconds * 1e6));
        trial_proxy_signal(&t.db_proxy, SIGUSR2);
    }
    double away = seconds_since(start);
    int status = trial_worker_wait(&t, a, 40);
    /* the worker's own connections (the job's, the heartbeat's): new ones
     * after a restart or a reset, the same ones through a black hole */
    int reconnected = trial_proxy_accepted(&t.db_proxy) - before;
    if (c->how == BLACK_HOLE)
        ck_assert_int_eq(reconnected, 0);
    else
        ck_assert_int_gt(reconnected, 0);
    int replacements = 0;
    /* a deferred job (network back-off, DOKPIM_QUEUE_RETRY_WAIT) or one
     * left running by a worker that gave up: the next worker finishes it */
    while (!all_done(&t, NULL)) {
        ck_assert_msg(replacements < 10 && seconds_since(start) < 40,
                      "%s: the job is not done after %d more workers", c->name,
                      replacements);
        g_usleep(300000);
        int next = trial_worker_start(&t, "machine-a", NULL, true, LEASE);
        trial_worker_wait(&t, next, 30);
        replacements++;
    }
    double total = seconds_since(start);
    g_autofree char *log = trial_worker_log(&t, a);
    if (status != 0 && status != 3)
        ck_assert_msg(log && *log, "worker exit %d, said nothing", status);
    trial_assert_all_delivered(&t);
    gint64 attempts = trial_sql_int(&t, "SELECT attempts FROM jobs");
    fprintf(stderr,
            "trials: %s (%.1f s): worker exit %d, %d new connection(s), "
            "%d replacement(s), %" G_GINT64_FORMAT " attempt(s), done %.2f s "
            "after the outage began\n",
            c->name, away, status, reconnected, replacements, attempts, total);
    if (status != 0) {
        const char *last = log ? g_strrstr(log, "dokpim") : NULL;
        fprintf(stderr, "trials:   its last words: %.300s\n",
                last ? last : "(none)");
    }
    trial_down(&t);
}
END_TEST

/* Seconds left on the lease of the job host runs, by the database's
 * clock; fails when it runs none. */
static gint64 lease_left(trial *t, const char *host)
{
    g_autofree char *left =
        trial_sql(t,
                  "SELECT lease_until - "
                  "floor(extract(epoch FROM clock_timestamp()))::bigint "
                  "FROM jobs WHERE state = %d AND lease_owner LIKE '%s:%%'",
                  (int)DK_JOB_RUNNING, host);
    ck_assert_msg(*left && !strchr(left, '\n'), "%s runs %s", host,
                  *left ? "more than one job" : "no job");
    return g_ascii_strtoll(left, NULL, 10);
}

static bool runs_a_job(trial *t, void *host)
{
    return trial_sql_int(t,
                         "SELECT count(*) FROM jobs WHERE state = %d "
                         "AND lease_owner LIKE '%s:%%'",
                         (int)DK_JOB_RUNNING, (const char *)host) > 0;
}

/* Clocks two hours apart: machine-b (two hours behind) and machine-c (two
 * hours ahead) each take a job while machine-a has the first. Neither may
 * take a live lease, and their own leases run LEASE seconds by the
 * server's clock: not two hours past (others would take the job at once)
 * nor two hours ahead (a crashed worker's job would wait two hours). The
 * WebDAV server is out of reach (black hole) until all three hold a job,
 * so that none finishes early and takes a second. */
START_TEST(test_clock_skew)
{
    trial t;
    trial_setup setup = {.files = 3, .size = 1000 * 1000};
    trial_up(&t, &setup);
    trial_proxy_signal(&t.dav_proxy, SIGHUP);
    static const struct {
        const char *host, *clock;
    } machines[] = {
        {"machine-a", NULL}, {"machine-b", "-2h"}, {"machine-c", "+2h"}};
    int workers[3];
    for (int m = 0; m < 3; m++) {
        workers[m] = trial_worker_start(&t, machines[m].host, machines[m].clock,
                                        true, LEASE);
        trial_wait(20, runs_a_job, &t, (void *)machines[m].host,
                   "each machine took a job");
    }
    /* renewed meanwhile by every heartbeat, by the server's clock */
    g_usleep(LEASE * G_USEC_PER_SEC);
    for (int m = 0; m < 3; m++) {
        gint64 left = lease_left(&t, machines[m].host);
        ck_assert_msg(left >= 0 && left <= LEASE + 1,
                      "%s (clock %s) holds a lease of %" G_GINT64_FORMAT
                      " s by the server's clock",
                      machines[m].host,
                      machines[m].clock ? machines[m].clock : "right", left);
    }
    trial_proxy_signal(&t.dav_proxy, SIGUSR2);
    for (int m = 0; m < 3; m++) {
        ck_assert_int_eq(trial_worker_wait(&t, workers[m], 30), 0);
        /* the one it took, none of the others' */
        ck_assert_int_eq(worker_done_count(&t, workers[m]), 1);
    }
    trial_assert_all_delivered(&t);
    ck_assert_int_eq(
        trial_sql_int(&t, "SELECT count(*) FROM jobs WHERE attempts <> 1 "
                          "OR fence <> 1"),
        0);
    fprintf(stderr,
            "trials: clock skew: -2h and +2h workers held leases of "
            "at most %d s by the server's clock, took no live one; "
            "one claim per job\n",
            LEASE);
    trial_down(&t);
}
END_TEST

int main(void)
{
    trial_pg_start();
    Suite *suite = suite_create("queue trials");
    TCase *tc = tcase_create("many machines");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, test_two_workers_race);
    tcase_add_test(tc, test_sigkill_past_lease);
    tcase_add_test(tc, test_sigstop_past_lease);
    tcase_add_loop_test(tc, test_database_outage, 0, G_N_ELEMENTS(outages));
    tcase_add_test(tc, test_clock_skew);
    suite_add_tcase(suite, tc);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    /* the server before its folder */
    trial_pg_stop();
    dk_test_cleanup_dirs();
    return failed ? 1 : 0;
}
