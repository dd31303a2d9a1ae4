/* dokpim live PIPELINE --event EVENT [-o LIBRARY] [--duration S]
 *              [--set STAGE.OPTION=VALUE]... [--control FIFO] [--json]
 *              [--archive PIPELINE [--archive-set STAGE.OPTION=VALUE]...]
 *
 * Runs the pipeline's one live stage until --duration is over, Ctrl-C or
 * SIGTERM, or a "stop" command. The plugin does the media; this file does
 * what only the command does: the status line (redrawn on a terminal,
 * every STATUS_EVERY seconds otherwise, JSON lines with --json), the
 * operator's commands (single keys on a terminal, stdin lines from a pipe,
 * or a control FIFO), the
 * summary of what was recorded, and --archive: the recording run through a
 * file pipeline (ingest.video + upload.youtube queues it for the channel)
 * as soon as the live ends. */
#include "cli.h"
#include "dk_queue.h"
#include "live_host.h"
#include "live_term.h"
#include "live_web.h"
#include "progress.h"
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATUS_EVERY 10.0 /* seconds between status lines in a log file */

typedef struct live_cli {
    GMutex lock; /* output lines come from the plugin and input threads */
    bool json;
    bool tty;          /* stderr is a terminal: redraw one status line */
    bool status_shown; /* a status line is on screen, without newline */
    double last_status;
    dk_live *session; /* NULL once the live is over: input is ignored */
    live_web *web;    /* --web, or NULL */
} live_cli;

static live_cli cli = {.last_status = -1e9};

static void clear_status(void)
{
    if (cli.status_shown) {
        fputs("\r\033[K", stderr);
        cli.status_shown = false;
    }
}

static void on_status(void *user, const dk_live_status *status, double uptime)
{
    (void)user;
    g_mutex_lock(&cli.lock);
    if (cli.web) {
        g_autofree char *line = dk_live_status_json(status, uptime);
        live_web_status(cli.web, line);
    }
    if (cli.json) {
        g_autofree char *line = dk_live_status_json(status, uptime);
        printf("%s\n", line);
        fflush(stdout);
    } else if (cli.tty || uptime - cli.last_status >= STATUS_EVERY) {
        g_autofree char *line = dk_live_status_line(status, uptime);
        if (cli.tty) {
            /* a line wider than the terminal wraps, and \r then redraws
             * only its last row: the rest would stay on screen, garbled */
            int columns = live_term_columns(STDERR_FILENO);
            if (columns > 1 && g_utf8_strlen(line, -1) >= columns)
                *g_utf8_offset_to_pointer(line, columns - 1) = '\0';
            fprintf(stderr, "\r\033[K%s", line);
            cli.status_shown = true;
        } else {
            fprintf(stderr, "dokpim: %s\n", line);
        }
        cli.last_status = uptime;
    }
    g_mutex_unlock(&cli.lock);
}

static void print_event(dk_live_level level, const char *subject,
                        const char *message, double uptime)
{
    if (cli.web) {
        g_autofree char *line =
            dk_live_event_json(level, subject, message, uptime);
        live_web_event(cli.web, line);
    }
    if (cli.json) {
        g_autofree char *line =
            dk_live_event_json(level, subject, message, uptime);
        printf("%s\n", line);
        fflush(stdout);
        return;
    }
    clear_status();
    unsigned long s = uptime > 0 ? (unsigned long)uptime : 0;
    fprintf(stderr, "dokpim: %02lu:%02lu:%02lu %s%s%s%s%s\n", s / 3600,
            s / 60 % 60, s % 60,
            level == DK_LIVE_INFO ? "" : dk_live_level_name(level),
            level == DK_LIVE_INFO ? "" : ": ", subject ? subject : "",
            subject ? ": " : "", message);
}

static void on_event(void *user, dk_live_level level, const char *subject,
                     const char *message, double uptime)
{
    (void)user;
    g_mutex_lock(&cli.lock);
    print_event(level, subject, message, uptime);
    g_mutex_unlock(&cli.lock);
}

/* Keys from the terminal (live_term_keys_on): each acts when pressed.
 * Nothing is echoed, so the status line stays whole; a key that means
 * nothing gets one short hint, and the rest of what came with it (the
 * bytes of an arrow key or a paste) is skipped. */
static gpointer key_thread(gpointer data)
{
    int fd = GPOINTER_TO_INT(data);
    unsigned char keys[64];
    ssize_t n;
    while ((n = read(fd, keys, sizeof keys)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        g_mutex_lock(&cli.lock);
        for (ssize_t i = 0; i < n && cli.session; i++) {
            int key = live_term_key(keys[i]);
            if (key > 0) {
                char line[2] = {(char)key, '\0'};
                dk_live_push_line(cli.session, line, NULL);
            } else if (key < 0) {
                clear_status();
                cli_note("keys: l lower third, s slate, c clock, q stop");
                break;
            }
        }
        g_mutex_unlock(&cli.lock);
    }
    close(fd);
    return NULL;
}

/* Reads command lines from fd until end of file; bad lines get a warning
 * and the live goes on. */
static gpointer input_thread(gpointer data)
{
    int fd = GPOINTER_TO_INT(data);
    FILE *in = fdopen(fd, "r");
    if (!in)
        return NULL;
    char line[256];
    while (fgets(line, sizeof line, in)) {
        dk_error err = {0};
        g_mutex_lock(&cli.lock);
        int rc = cli.session ? dk_live_push_line(cli.session, line, &err) : 0;
        if (rc == DK_ERR_INVALID) {
            clear_status();
            cli_warning("%s", err.message);
        }
        g_mutex_unlock(&cli.lock);
    }
    fclose(in);
    return NULL;
}

/* A command from the live page: the same queue as the keys. */
static int web_command(const char *line, dk_error *err)
{
    g_mutex_lock(&cli.lock);
    int rc = cli.session
                 ? dk_live_push_line(cli.session, line, err)
                 : dk_error_set(err, DK_ERR_CANCELLED, "the live is over");
    g_mutex_unlock(&cli.lock);
    return rc;
}

/* --web takes an optional address. */
static char *web_listen;
static gboolean web_wanted;
static gboolean parse_web(const char *name, const char *value, gpointer data,
                          GError **error)
{
    (void)name;
    (void)data;
    (void)error;
    web_wanted = TRUE;
    g_free(web_listen);
    web_listen = g_strdup(value);
    return TRUE;
}

/* A FIFO a dashboard writes commands to. Opened read-write so that it never
 * reports end of file when a writer closes it. */
static bool open_control(const char *path, int *fd)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        if (errno != ENOENT || mkfifo(path, 0600) < 0) {
            cli_error("--control %s: %s", path, g_strerror(errno));
            return false;
        }
    } else if (!S_ISFIFO(st.st_mode)) {
        cli_error("--control %s: not a FIFO (remove it, or name a new path)",
                  path);
        return false;
    }
    *fd = open(path, O_RDWR | O_CLOEXEC);
    if (*fd < 0) {
        cli_error("--control %s: %s", path, g_strerror(errno));
        return false;
    }
    return true;
}

static void print_recordings(const dk_live *session)
{
    const GPtrArray *files = dk_live_recordings(session);
    for (guint i = 0; i < files->len; i++) {
        const char *path = files->pdata[i];
        struct stat st;
        double mb = stat(path, &st) == 0 ? st.st_size / 1e6 : 0;
        if (cli.json) {
            g_autofree char *text = g_strdup_printf("recorded %s", path);
            print_event(DK_LIVE_INFO, "recording", text,
                        dk_live_uptime(session));
        } else {
            fprintf(stderr, "dokpim: recorded %s (%.1f MB)\n", path, mb);
        }
    }
}

/* `dokpim run ARCHIVE --event EVENT -o LIBRARY RECORDING...`, in-process,
 * right after the live. */
static int archive_recordings(dk_pipeline *archive, const char *library_path,
                              const GPtrArray *recordings)
{
    dk_error err = {0};
    dk_library *library = NULL;
    if (dk_library_open(library_path, &library, &err) < 0) {
        cli_error("archive: %s; run it later with dokpim run %s", err.message,
                  archive->path);
        return DK_EXIT_ITEMS_FAILED;
    }
    fprintf(stderr, "dokpim: archiving the recording with %s\n", archive->path);
    /* the Ctrl-C that ended the live must not cancel the archive too */
    dk_cancel_reset();
    GPtrArray *inputs = dk_collect_inputs(
        (const char *const *)recordings->pdata, library->root, NULL);
    cli_progress progress;
    progress_init(&progress, false);
    dk_run_options options = {.on_result = progress_on_result,
                              .user = &progress,
                              .upload_queued = dk_queue_upload_known};
    dk_run *run = NULL;
    int rc = dk_run_pipeline(archive, library, inputs, &options, &run, &err);
    progress_finish(&progress);
    g_ptr_array_free(inputs, TRUE);
    int status = DK_EXIT_OK;
    if (rc < 0) {
        cli_error("archive: %s", err.message);
        status = DK_EXIT_ITEMS_FAILED;
    } else {
        progress_report_stage_errors(run);
        if (run->counts[DK_STATUS_FAILED] || run->counts[DK_STATUS_CANCELLED] ||
            run->stage_errors->len || run->stopped)
            status = DK_EXIT_ITEMS_FAILED;
    }
    dk_run_free(&run);
    dk_library_free(&library);
    return status;
}

static int run_live(const dk_stage *stage_const, dk_live *session)
{
    dk_stage *stage = (dk_stage *)stage_const;
    const dk_plugin *plugin = stage->plugin;
    dk_error err = {0};
    if (plugin->open &&
        plugin->open(stage, stage->config, &stage->state, &err) < 0) {
        cli_error("%s: %s", stage->name, err.message);
        return err.code == DK_ERR_CONFIG ? DK_EXIT_USAGE : DK_EXIT_ITEMS_FAILED;
    }
    stage->opened = true;
    int rc = plugin->live(stage, stage->state, session, &err);
    g_mutex_lock(&cli.lock);
    if (cli.status_shown)
        fputc('\n', stderr);
    cli.status_shown = false;
    cli.session = NULL;  /* late input lines are dropped from here on */
    live_term_restore(); /* the archive step after it takes no keys */
    live_web *web = cli.web;
    cli.web = NULL;
    g_mutex_unlock(&cli.lock);
    live_web_stop(&web);
    if (plugin->close)
        plugin->close(stage->state);
    stage->opened = false;
    stage->state = NULL;
    print_recordings(session);
    if (rc < 0 && rc != DK_ERR_CANCELLED) {
        cli_error("%s: %s", stage->name, err.message);
        return err.code == DK_ERR_CONFIG ? DK_EXIT_USAGE : DK_EXIT_ITEMS_FAILED;
    }
    return DK_EXIT_OK;
}

int cmd_live(int argc, char **argv)
{
    g_autofree char *event_path = NULL;
    g_autofree char *library_path = NULL;
    g_autofree char *control_path = NULL;
    g_autofree char *archive_path = NULL;
    g_auto(GStrv) overrides = NULL;
    g_auto(GStrv) archive_overrides = NULL;
    g_auto(GStrv) rest = NULL;
    double duration = 0;
    gboolean json = FALSE;
    gboolean lan = FALSE;
    GOptionEntry entries[] = {
        {"event", 'e', 0, G_OPTION_ARG_FILENAME, &event_path,
         N_("event file (required)"), "EVENT"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &library_path,
         N_("library folder (default: ./dokpim-library/DATE_EVENT)"),
         "LIBRARY"},
        {"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration,
         N_("end the live after SECONDS (default: run until Ctrl-C)"),
         "SECONDS"},
        {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &overrides,
         N_("override an option, e.g. youtube.preset=1080p30 (repeatable)"),
         "STAGE.OPTION=VALUE"},
        {"control", 0, 0, G_OPTION_ARG_FILENAME, &control_path,
         N_("also read commands from this FIFO (created if missing)"), "FIFO"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         N_("print status and events as JSON lines on stdout"), NULL},
        {"web", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK,
         (gpointer)parse_web,
         N_("serve the live control page (default 127.0.0.1:8080; the address "
            "with its token is printed)"),
         "ADDR:PORT"},
        {"lan", 0, 0, G_OPTION_ARG_NONE, &lan,
         N_("allow a non-loopback --web address, for phones on the network"),
         NULL},
        {"archive", 0, 0, G_OPTION_ARG_FILENAME, &archive_path,
         N_("after the live, run this file pipeline on the recording (e.g. "
            "ingest.video + upload.youtube: queued for the channel)"),
         "PIPELINE"},
        {"archive-set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &archive_overrides,
         N_("override an option of the archive pipeline (repeatable)"),
         "STAGE.OPTION=VALUE"},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    bool parsed = cli_parse(
        &argc, &argv, "PIPELINE",
        "Goes live with the live stage of PIPELINE: capture, overlay, "
        "encode, push to the\n"
        "RTMP(S) ingests and record locally, until --duration, Ctrl-C or "
        "SIGTERM.\n\n"
        "While live, press a key (on a terminal; from a pipe or the "
        "--control FIFO,\n"
        "write the command and a newline):\n"
        "  l, lower-third [on|off]   show or hide the lower third\n"
        "  s, slate [on|off]         replace the camera with the slate\n"
        "  c, clock [on|off]         show or hide the clock\n"
        "  q, stop                   end the live (the recording is "
        "finalised)",
        entries);
    if (!parsed)
        return DK_EXIT_USAGE;
    if (!rest || !rest[0] || rest[1]) {
        cli_error("live needs exactly one pipeline file (see --help)");
        return DK_EXIT_USAGE;
    }
    if (!event_path) {
        cli_error("live needs --event EVENT (the event file)");
        return DK_EXIT_USAGE;
    }
    if (duration < 0) {
        cli_error("--duration %g: give a number of seconds, or 0 for no "
                  "limit",
                  duration);
        return DK_EXIT_USAGE;
    }
    int status = DK_EXIT_USAGE;
    dk_event *event = NULL;
    dk_registry *registry = NULL;
    dk_pipeline *pipeline = NULL;
    dk_pipeline *archive = NULL;
    dk_live *session = NULL;
    g_autofree char *library = NULL;
    int control_fd = -1;
    if (!cli_load_event(event_path, &event))
        goto out;
    registry = cli_load_plugins();
    if (!cli_load_pipeline(rest[0], registry, event, overrides, &pipeline))
        goto out;
    if (!pipeline->is_live) {
        cli_error("%s has no live stage: process files with dokpim run",
                  rest[0]);
        goto out;
    }
    if (pipeline->stages->len != 1) {
        cli_error("%s: a live pipeline has one live stage, this one has %u",
                  rest[0], pipeline->stages->len);
        goto out;
    }
    /* the archive pipeline is checked now, not after a three-hour live */
    if (archive_overrides && !archive_path) {
        cli_error("--archive-set needs --archive PIPELINE");
        goto out;
    }
    if (archive_path) {
        if (!cli_load_pipeline(archive_path, registry, event, archive_overrides,
                               &archive))
            goto out;
        if (archive->is_live) {
            cli_error("--archive %s: that is a live pipeline; give a file "
                      "pipeline (ingest.video + upload.youtube)",
                      archive_path);
            goto out;
        }
    }
    if (control_path && !open_control(control_path, &control_fd))
        goto out;
    library = cli_library_path(library_path, event);

    cli.json = json;
    cli.tty = !json && isatty(STDERR_FILENO);
    g_mutex_init(&cli.lock);
    dk_live_host host = {.status = on_status, .event = on_event};
    session = dk_live_new(&host, library, duration);
    const dk_stage *live_stage = pipeline->stages->pdata[0];
    const dk_loaded_plugin *loaded =
        g_hash_table_lookup(registry->by_name, live_stage->plugin->name);
    if (loaded)
        dk_live_set_plugin_abi(session, loaded->abi_version);
    cli.session = session;
    if (web_wanted) {
        cli.web =
            live_web_start(web_listen, lan, library, session, web_command);
        if (!cli.web)
            goto out;
    }
    cli_install_signal_thread("ending the live: closing the recording");
    /* Input threads are never joined: they sit in read() until the process
     * ends, and touch the session only under the lock while it is set. */
    cli_on_exit_at_once(live_term_restore);
    bool keys = live_term_keys_on(STDIN_FILENO);
    g_thread_unref(cli_thread_start(
        "dokpim-stdin", keys ? key_thread : input_thread,
        GINT_TO_POINTER(fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0))));
    if (control_fd >= 0)
        g_thread_unref(cli_thread_start("dokpim-control", input_thread,
                                        GINT_TO_POINTER(control_fd)));
    status = run_live(pipeline->stages->pdata[0], session);
    const GPtrArray *recordings = dk_live_recordings(session);
    if (archive && recordings->len) {
        GPtrArray *paths = g_ptr_array_new();
        for (guint i = 0; i < recordings->len; i++)
            g_ptr_array_add(paths, recordings->pdata[i]);
        g_ptr_array_add(paths, NULL);
        int archived = archive_recordings(archive, library, paths);
        g_ptr_array_free(paths, TRUE);
        if (status == DK_EXIT_OK)
            status = archived;
    }

out:
    live_term_restore();
    live_web_stop(&cli.web);
    g_clear_pointer(&web_listen, g_free);
    if (session) {
        g_mutex_lock(&cli.lock);
        cli.session = NULL;
        g_mutex_unlock(&cli.lock);
        dk_live_free(&session);
    }
    dk_pipeline_free(&pipeline);
    dk_pipeline_free(&archive);
    dk_registry_free(&registry);
    dk_event_free(&event);
    return status;
}
