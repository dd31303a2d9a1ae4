/* The queue trials' rig: one PostgreSQL server for the suite, and per
 * trial a queue of its own (a schema), nginx with WebDAV behind a rate-limited
 * tcp_cut_proxy (so an upload lasts long enough to interrupt), a library with
 * files queued for it, and `dokpim queue work` processes started as if on other
 * machines (a host name of their own in a UTS namespace, a clock off by
 * libfaketime). Everything a trial starts dies with it, even when an
 * assertion ends it early: the children get PR_SET_PDEATHSIG, the servers
 * watch-parent.sh. */
#ifndef TRIAL_RIG_H
#define TRIAL_RIG_H

#include <glib.h>
#include <stdbool.h>

#include "dk_servers.h"

/* The suite's server (main(), outside the tests). */
void trial_pg_start(void);
void trial_pg_stop(void);
/* pg_ctl restart of the suite's server: every connection is dropped. */
void trial_pg_restart(void);

typedef struct trial_proxy {
    GPid pid;
    int port;
    char *status; /* its --status file (g_free) */
} trial_proxy;

typedef struct trial_worker {
    GPid pid;
    char *host;
    char *log; /* its stderr (g_free) */
    bool done; /* reaped */
    int status;
} trial_worker;

typedef struct trial {
    char *dir, *library, *pipeline, *event, *inputs;
    char *db_url;    /* the trial's own queue (a schema), straight */
    char *queue_url; /* DOKPIM_QUEUE: db_url, or through db_proxy */
    dk_server dav;   /* nginx, access log on */
    trial_proxy dav_proxy;
    trial_proxy db_proxy; /* port 0: the workers talk to PostgreSQL */
    trial_worker workers[64];
    int n_workers;
    int files;
} trial;

typedef struct trial_setup {
    int files;   /* clip-00.bin ... */
    gint64 size; /* bytes each */
    double rate; /* bytes/s towards the WebDAV server, 0: no limit */
    bool db_through_proxy;
} trial_setup;

/* Servers, database, library; the files are queued by `dokpim run`. */
void trial_up(trial *t, const trial_setup *setup);
/* Kills every process of the trial and stops its servers. */
void trial_down(trial *t);

/* `dokpim queue work -o LIBRARY [--until-empty]` on host (a UTS
 * namespace), with clock_offset ("+2h", "-2h"; NULL: the real clock) and
 * DOKPIM_LEASE_SECONDS=lease; returns its index. */
int trial_worker_start(trial *t, const char *host, const char *clock_offset,
                       bool until_empty, int lease);
void trial_worker_signal(trial *t, int worker, int sig);
/* Waits for the worker to exit, failing the trial after seconds; its exit
 * status (-signal when a signal ended it). */
int trial_worker_wait(trial *t, int worker, double seconds);
/* The worker's stderr so far (g_free). */
char *trial_worker_log(trial *t, int worker);
/* Every worker's stderr to ours, before a failure is reported (Check's
 * messages must stay short). */
void trial_dump_logs(trial *t);

/* Polls cond every 20 ms until it holds; fails the trial naming what
 * after seconds. Returns how long it took. */
double trial_wait(double seconds, bool (*cond)(trial *t, void *arg), trial *t,
                  void *arg, const char *what);

/* Bytes the proxy forwarded towards the server so far. */
gint64 trial_proxy_sent(const trial_proxy *proxy);
/* Connections it accepted so far. */
int trial_proxy_accepted(const trial_proxy *proxy);
void trial_proxy_signal(trial_proxy *proxy, int sig);

/* psql on the trial's database (never through the proxy): the output, stripped
 * (g_free). */
char *trial_sql(trial *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
gint64 trial_sql_int(trial *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Who holds job id now ("" when nobody), by the database (g_free). */
char *trial_owner(trial *t, gint64 id);

/* Requests of method with status 2xx the server logged for path's end
 * (e.g. "clip-03.bin.dk-part"). */
int trial_requests(trial *t, const char *method, const char *path_end);
/* Every file is on the server, whole, exactly once sent (one PUT and one
 * MOVE that succeeded), and its job is done. */
void trial_assert_all_delivered(trial *t);

#endif
