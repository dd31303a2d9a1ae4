#include "trial_rig.h"
#include "dk_test.h"
#include "dk_upload_rig.h"

#include <check.h>
#include <dokpim/queue.h>
#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

/* ---- the suite's PostgreSQL server ---- */

static char *pg_dir;   /* postgres.sh's folder */
static char *pg_base;  /* "postgresql://USER@127.0.0.1:PORT/" */
static int pg_watcher; /* the suite's process, which the server dies with */

static char *postgres_script(void)
{
    return dk_test_source_path("tests/servers/postgres.sh");
}

/* The port in pg_base. */
static int pg_port(void)
{
    const char *colon = strrchr(pg_base, ':');
    return colon ? atoi(colon + 1) : 0;
}

/* The suite's server reached on another port (a proxy's); db is the
 * database and what follows it. */
static char *url_on_port(int port, const char *db)
{
    const char *colon = strrchr(pg_base, ':');
    return g_strdup_printf("%.*s:%d/%s", (int)(colon - pg_base), pg_base, port,
                           db);
}

void trial_pg_start(void)
{
    /* not dk_test_tmpdir(): each trial's clean-up removes those, and
     * the trials run in children that inherit the list */
    pg_dir = g_dir_make_tmp("dokpim-trials-pg-XXXXXX", NULL);
    if (!pg_dir)
        dk_test_fail("cannot make a folder for PostgreSQL");
    /* the server dies with this process, however the suite ends */
    pg_watcher = (int)getpid();
    g_autofree char *self = g_strdup_printf("%d", pg_watcher);
    g_setenv("DK_WATCH_PID", self, TRUE);
    g_autofree char *script = postgres_script();
    g_autofree char *out =
        dk_test_sh_ok("'%s' start '%s' | grep -o 'postgres[a-z]*://[^ ]*' "
                      "| tail -n 1",
                      script, pg_dir);
    char *slash = strrchr(out, '/');
    if (!slash || slash < out + strlen("postgresql://"))
        dk_test_fail("postgres.sh printed no URL: '%s'", out);
    pg_base = g_strndup(out, slash + 1 - out);
}

void trial_pg_stop(void)
{
    if (!pg_dir)
        return;
    g_autofree char *script = postgres_script();
    g_autofree char *cmd = g_strdup_printf("'%s' stop '%s'", script, pg_dir);
    if (dk_test_sh(cmd, NULL, NULL) != 0)
        fprintf(stderr, "trials: %s failed\n", cmd);
    g_autofree char *remove = g_strdup_printf("rm -rf '%s'", pg_dir);
    if (dk_test_sh(remove, NULL, NULL) != 0)
        fprintf(stderr, "trials: could not remove %s\n", pg_dir);
    g_clear_pointer(&pg_dir, g_free);
    g_clear_pointer(&pg_base, g_free);
}

void trial_pg_restart(void)
{
    /* postgres.sh has no restart: pg_ctl on its cluster, as the user the
     * cluster belongs to (nobody when the tests run as root) */
    g_free(dk_test_sh_ok(
        "d='%s'; u=$(stat -c %%U \"$d/data\"); "
        "set -- pg_ctl -D \"$d/data\" -l \"$d/run/server.log\" -m fast "
        "-w -t 30 restart; "
        "if [ \"$(id -u)\" -eq 0 ]; then runuser -u \"$u\" -- \"$@\"; "
        "else \"$@\"; fi >/dev/null",
        pg_dir));
    /* the new postmaster must die with the suite too */
    g_autofree char *watch =
        dk_test_source_path("tests/servers/watch-parent.sh");
    g_autofree char *suite = g_strdup_printf("%d", pg_watcher);
    g_autofree char *cmd = g_strdup_printf(
        "DK_WATCH_PID=%s '%s' \"$(head -n 1 '%s/data/postmaster.pid')\"", suite,
        watch, pg_dir);
    g_free(dk_test_sh_ok("%s", cmd));
}

/* ---- processes ---- */

/* fork + exec with the trial's rules: dies with the test (a failed
 * assertion ends the test process at once), output to log, optionally
 * its own host name. */
static GPid spawn(const char *const *argv, char **envp, const char *host,
                  const char *log)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        dk_test_fail("fork: %s", strerror(errno));
    if (pid > 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    int in = open("/dev/null", O_RDONLY);
    int out =
        open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0)
        _exit(125);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    /* another machine, as far as the lease owner name "host:pid" goes;
     * without root, a user namespace may still allow it */
    if (host && unshare(CLONE_NEWUTS) != 0 &&
        unshare(CLONE_NEWUSER | CLONE_NEWUTS) != 0) {
        dprintf(2, "trial: no UTS namespace for host %s: %s\n", host,
                strerror(errno));
        _exit(126);
    }
    if (host && sethostname(host, strlen(host)) != 0) {
        dprintf(2, "trial: cannot name the host %s: %s\n", host,
                strerror(errno));
        _exit(126);
    }
    execve(argv[0], (char *const *)argv, envp);
    _exit(127);
}

static int reap(GPid pid, bool wait_for_it)
{
    int raw = 0;
    pid_t got;
    while ((got = waitpid(pid, &raw, wait_for_it ? 0 : WNOHANG)) < 0 &&
           errno == EINTR)
        ;
    if (got == 0)
        return INT32_MIN; /* still running */
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -WTERMSIG(raw);
}

static void kill_and_reap(GPid pid)
{
    if (pid <= 0)
        return;
    /* a stopped process dies of SIGKILL too; SIGCONT is for its threads'
     * sake, harmless */
    kill(pid, SIGKILL);
    kill(pid, SIGCONT);
    reap(pid, true);
}

/* ---- the proxy ---- */

static void proxy_start(trial *t, trial_proxy *proxy, const char *name,
                        int to_port, double rate)
{
    const char *program = g_getenv("DK_TCP_CUT_PROXY");
    if (!program)
        dk_test_fail("DK_TCP_CUT_PROXY is not set: run through ctest");
    g_autofree char *port_file = g_strdup_printf("%s/%s.port", t->dir, name);
    proxy->status = g_strdup_printf("%s/%s.status", t->dir, name);
    g_autofree char *log = g_strdup_printf("%s/%s.log", t->dir, name);
    g_autofree char *to = g_strdup_printf("%d", to_port);
    g_autofree char *limit = g_strdup_printf("%.0f", rate);
    const char *argv[] = {
        program,    "--to",        to,       "--port-file", port_file,
        "--status", proxy->status, "--rate", limit,         NULL};
    char **envp = g_get_environ();
    proxy->pid = spawn(argv, envp, NULL, log);
    g_strfreev(envp);
    /* 30 s: a loaded machine (ctest -j2 beside other builds) is slow to
     * start anything */
    for (int i = 0; i < 3000 && !proxy->port; i++) {
        g_autofree char *text = dk_test_read(port_file, NULL);
        if (text)
            proxy->port = atoi(text);
        else
            g_usleep(10000);
    }
    ck_assert_msg(proxy->port > 0, "%s proxy did not start", name);
}

gint64 trial_proxy_sent(const trial_proxy *proxy)
{
    g_autofree char *text = dk_test_read(proxy->status, NULL);
    return text ? g_ascii_strtoll(text, NULL, 10) : 0;
}

int trial_proxy_accepted(const trial_proxy *proxy)
{
    g_autofree char *text = dk_test_read(proxy->status, NULL);
    unsigned long long up = 0, down = 0;
    unsigned accepted = 0;
    if (!text || sscanf(text, "%llu %llu %u", &up, &down, &accepted) != 3)
        return 0;
    return (int)accepted;
}

void trial_proxy_signal(trial_proxy *proxy, int sig)
{
    ck_assert_int_eq(kill(proxy->pid, sig), 0);
}

/* ---- a trial ---- */

static void make_inputs(trial *t, const trial_setup *setup)
{
    g_mkdir_with_parents(t->inputs, 0755);
    for (int i = 0; i < setup->files; i++) {
        g_autofree char *path =
            g_strdup_printf("%s/clip-%02d.bin", t->inputs, i);
        g_free(dk_test_sh_ok("head -c %" G_GINT64_FORMAT " /dev/urandom > '%s'",
                             setup->size, path));
    }
}

void trial_up(trial *t, const trial_setup *setup)
{
    memset(t, 0, sizeof *t);
    t->files = setup->files;
    t->dir = dk_test_tmpdir("trial");
    t->library = g_build_filename(t->dir, "library", NULL);
    t->inputs = g_build_filename(t->dir, "inputs", NULL);
    make_inputs(t, setup);

    static const char *const dav_args[] = {"--access-log", NULL};
    dk_server_start(&t->dav, "nginx-dav.sh", dav_args);
    proxy_start(t, &t->dav_proxy, "dav", t->dav.port, setup->rate);

    /* a queue of its own (a schema first in the search path): the trials
     * must not see each other's jobs */
    static int trials;
    g_autofree char *schema =
        g_strdup_printf("trial_%ld_%d", (long)getpid(), trials++);
    g_free(dk_test_sh_ok("psql -X -q -v ON_ERROR_STOP=1 -d '%spostgres' "
                         "-c 'CREATE SCHEMA %s'",
                         pg_base, schema));
    g_autofree char *db =
        g_strdup_printf("postgres?options=-csearch_path%%3D%s", schema);
    t->db_url = g_strconcat(pg_base, db, NULL);
    t->queue_url = g_strdup(t->db_url);
    if (setup->db_through_proxy) {
        proxy_start(t, &t->db_proxy, "db", pg_port(), 0);
        g_free(t->queue_url);
        t->queue_url = url_on_port(t->db_proxy.port, db);
    }

    t->event = g_build_filename(t->dir, "event.ini", NULL);
    dk_test_write(t->event,
                  "[event]\ntitle=Rapat Paripurna DPRD\ndate=2024-09-02\n", -1);
    t->pipeline = g_build_filename(t->dir, "archive.conf", NULL);
    /* verify=size: reading the part back would go through the slow proxy
     * again; stall-timeout above the longest pause a trial makes */
    g_autofree char *conf = g_strdup_printf(
        "[pipeline]\nstages=ingest;archive\n[ingest]\nplugin=ingest.file\n"
        "[archive]\nplugin=upload.webdav\nurl=http://127.0.0.1:%d/arsip/\n"
        "remote-path={original.name}\nverify=size\nretry-wait=0.1\n"
        "retries=3\nstall-timeout=20\n",
        t->dav_proxy.port);
    dk_test_write(t->pipeline, conf, -1);
    /* the run queues the way the workers will reach the database: the
     * library remembers the URL its jobs went to */
    g_setenv("DOKPIM_QUEUE", t->queue_url, TRUE);
    dk_rig_queue(t->pipeline, t->event, t->library, t->inputs);
    ck_assert_int_eq(trial_sql_int(t, "SELECT count(*) FROM jobs"),
                     setup->files);
}

void trial_down(trial *t)
{
    for (int i = 0; i < t->n_workers; i++) {
        if (!t->workers[i].done)
            kill_and_reap(t->workers[i].pid);
        g_free(t->workers[i].host);
        g_free(t->workers[i].log);
    }
    kill_and_reap(t->dav_proxy.pid);
    kill_and_reap(t->db_proxy.pid);
    g_free(t->dav_proxy.status);
    g_free(t->db_proxy.status);
    dk_server_stop(&t->dav);
    g_free(t->dir);
    g_free(t->library);
    g_free(t->pipeline);
    g_free(t->event);
    g_free(t->inputs);
    g_free(t->queue_url);
    g_free(t->db_url);
    dk_test_cleanup_dirs();
}

int trial_worker_start(trial *t, const char *host, const char *clock_offset,
                       bool until_empty, int lease)
{
    ck_assert_int_lt(t->n_workers, (int)G_N_ELEMENTS(t->workers));
    int index = t->n_workers++;
    trial_worker *w = &t->workers[index];
    w->host = g_strdup(host);
    w->log = g_strdup_printf("%s/worker-%d-%s.log", t->dir, index, host);
    char **envp = g_get_environ();
    envp = g_environ_setenv(envp, "DOKPIM_QUEUE", t->queue_url, TRUE);
    g_autofree char *seconds = g_strdup_printf("%d", lease);
    envp = g_environ_setenv(envp, "DOKPIM_LEASE_SECONDS", seconds, TRUE);
    envp = g_environ_setenv(envp, "DOKPIM_NO_BAR", "1", TRUE);
    /* a network failure is tried again soon, not in 30 s */
    envp = g_environ_setenv(envp, "DOKPIM_QUEUE_RETRY_WAIT", "0.5", TRUE);
    if (clock_offset) {
        envp = g_environ_setenv(envp, "LD_PRELOAD", FAKETIME_LIB, TRUE);
        envp = g_environ_setenv(envp, "FAKETIME", clock_offset, TRUE);
        /* only the wall clock is off: files keep their times (the worker
         * compares the file's mtime with the queued one) and the
         * monotonic clock its timeouts run on stays as it is */
        envp = g_environ_setenv(envp, "NO_FAKE_STAT", "1", TRUE);
        envp = g_environ_setenv(envp, "DONT_FAKE_MONOTONIC", "1", TRUE);
        /* libfaketime comes before the sanitizer runtime in the sanitizer
         * build; it intercepts nothing ASan needs */
        const char *asan = g_environ_getenv(envp, "ASAN_OPTIONS");
        g_autofree char *options =
            g_strconcat(asan ? asan : "", asan ? ":" : "",
                        "verify_asan_link_order=0", NULL);
        envp = g_environ_setenv(envp, "ASAN_OPTIONS", options, TRUE);
    }
    const char *argv[] = {dk_test_bin(), "queue",
                          "work",        "-o",
                          t->library,    until_empty ? "--until-empty" : NULL,
                          NULL};
    w->pid = spawn(argv, envp, host, w->log);
    g_strfreev(envp);
    return index;
}

void trial_worker_signal(trial *t, int worker, int sig)
{
    ck_assert_int_eq(kill(t->workers[worker].pid, sig), 0);
}

int trial_worker_wait(trial *t, int worker, double seconds)
{
    trial_worker *w = &t->workers[worker];
    if (w->done)
        return w->status;
    for (double waited = 0; waited < seconds; waited += 0.02) {
        int status = reap(w->pid, false);
        if (status != INT32_MIN) {
            w->done = true;
            w->status = status;
            return status;
        }
        g_usleep(20000);
    }
    trial_dump_logs(t);
    dk_test_fail("worker %d (%s) still running after %.0f s (logs above)",
                 worker, w->host, seconds);
}

void trial_dump_logs(trial *t)
{
    for (int i = 0; i < t->n_workers; i++) {
        g_autofree char *log = trial_worker_log(t, i);
        fprintf(stderr, "--- worker %d (%s):\n%s\n", i, t->workers[i].host,
                log ? log : "");
    }
}

char *trial_worker_log(trial *t, int worker)
{
    return dk_test_read(t->workers[worker].log, NULL);
}

double trial_wait(double seconds, bool (*cond)(trial *t, void *arg), trial *t,
                  void *arg, const char *what)
{
    gint64 start = g_get_monotonic_time();
    for (;;) {
        if (cond(t, arg))
            return (double)(g_get_monotonic_time() - start) / 1e6;
        if (g_get_monotonic_time() - start > (gint64)(seconds * 1e6))
            break;
        g_usleep(20000);
    }
    trial_dump_logs(t);
    dk_test_fail("%s: not after %.0f s (logs above)", what, seconds);
}

/* ---- what the database and the server say ---- */

static char *sql_v(trial *t, const char *fmt, va_list args)
{
    g_autofree char *sql = g_strdup_vprintf(fmt, args);
    /* through the environment: no quoting to get wrong */
    g_setenv("TRIAL_SQL", sql, TRUE);
    g_setenv("TRIAL_DB", t->db_url, TRUE);
    return dk_test_sh_ok("psql -X -q -A -t -v ON_ERROR_STOP=1 "
                         "-d \"$TRIAL_DB\" -c \"$TRIAL_SQL\"");
}

char *trial_sql(trial *t, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *out = sql_v(t, fmt, args);
    va_end(args);
    return out;
}

gint64 trial_sql_int(trial *t, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *out = sql_v(t, fmt, args);
    va_end(args);
    char *end = NULL;
    gint64 value = g_ascii_strtoll(out, &end, 10);
    ck_assert_msg(end && end != out && !*end, "not a number: '%s'", out);
    return value;
}

char *trial_owner(trial *t, gint64 id)
{
    return trial_sql(t,
                     "SELECT coalesce(lease_owner, '') FROM jobs "
                     "WHERE id = %" G_GINT64_FORMAT " AND state = %d",
                     id, (int)DK_JOB_RUNNING);
}

int trial_requests(trial *t, const char *method, const char *path_end)
{
    g_autofree char *path = g_build_filename(t->dav.dir, "access.log", NULL);
    g_autofree char *text = dk_test_read(path, NULL);
    int count = 0;
    gchar **lines = g_strsplit(text ? text : "", "\n", -1);
    for (int i = 0; lines[i]; i++) {
        gchar **f = g_strsplit(lines[i], " ", -1);
        if (g_strv_length(f) >= 3 && strcmp(f[0], method) == 0 &&
            g_str_has_suffix(f[1], path_end) && f[2][0] == '2')
            count++;
        g_strfreev(f);
    }
    g_strfreev(lines);
    return count;
}

void trial_assert_all_delivered(trial *t)
{
    for (int i = 0; i < t->files; i++) {
        g_autofree char *name = g_strdup_printf("clip-%02d.bin", i);
        g_autofree char *input = g_build_filename(t->inputs, name, NULL);
        g_autofree char *remote =
            g_build_filename(t->dav.dir, "www", "arsip", name, NULL);
        g_autofree char *want = dk_test_sha256(input);
        g_autofree char *got = dk_test_sha256(remote);
        ck_assert_msg(got && strcmp(got, want) == 0, "%s: %s, not %s", remote,
                      got ? got : "missing", want);
        g_autofree char *part = g_strconcat(name, ".dk-part", NULL);
        ck_assert_msg(trial_requests(t, "PUT", part) == 1 &&
                          trial_requests(t, "MOVE", part) == 1,
                      "%s sent %d times, moved into place %d times", name,
                      trial_requests(t, "PUT", part),
                      trial_requests(t, "MOVE", part));
    }
    /* done by the queue's own account, in one job each */
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(dk_rig_dokpim(&out, &err, "queue", "list", "--json", "-o",
                                   t->library, NULL),
                     0);
    JsonNode *root = dk_rig_parse(out);
    JsonArray *jobs = json_node_get_array(root);
    ck_assert_int_eq(json_array_get_length(jobs), t->files);
    for (guint i = 0; i < json_array_get_length(jobs); i++) {
        JsonObject *job = json_array_get_object_element(jobs, i);
        ck_assert_str_eq(dk_rig_text(job, "state"), "done");
    }
    json_node_unref(root);
    g_free(out);
    g_free(err);
    ck_assert_int_eq(trial_sql_int(t, "SELECT count(*) FROM ledger"), t->files);
}
