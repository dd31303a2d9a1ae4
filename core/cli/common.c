#include "cli.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The one place the CLI's lines are written: a name or a library's message
 * may hold a newline, a terminal escape or bytes that are not UTF-8, and
 * must neither split the line nor reach the terminal as a command. */
static void vline(FILE *stream, const char *prefix, const char *fmt,
                  va_list args)
{
    g_autofree char *text = g_strdup_vprintf(fmt, args);
    g_autofree char *safe = dk_escape_text(text);
    fprintf(stream, "%s%s\n", prefix, safe);
}

void cli_line(FILE *stream, const char *prefix, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vline(stream, prefix, fmt, args);
    va_end(args);
}

void cli_error(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vline(stderr, "dokpim: error: ", fmt, args);
    va_end(args);
}

void cli_warning(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vline(stderr, "dokpim: warning: ", fmt, args);
    va_end(args);
}

void cli_note(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vline(stderr, "dokpim: ", fmt, args);
    va_end(args);
}

dk_registry *cli_load_plugins(void)
{
    dk_registry *registry = dk_registry_load_default();
    for (guint i = 0; i < registry->problems->len; i++)
        cli_warning("%s", (char *)registry->problems->pdata[i]);
    return registry;
}

bool cli_parse(int *argc, char ***argv, const char *usage, const char *summary,
               const GOptionEntry *entries)
{
    GOptionContext *context = g_option_context_new(usage);
    g_option_context_set_summary(context, summary);
    g_option_context_add_main_entries(context, entries, NULL);
    GError *error = NULL;
    bool parsed = g_option_context_parse(context, argc, argv, &error);
    if (!parsed) {
        cli_error("%s (see --help)", error->message);
        g_error_free(error);
    }
    g_option_context_free(context);
    return parsed;
}

char *cli_library_path(const char *given, const dk_event *event)
{
    if (given)
        return g_canonicalize_filename(given, NULL);
    g_autofree char *date = g_date_time_format(event->date, "%Y-%m-%d");
    /* the slug is ASCII: cutting bytes keeps it whole; a long title must
     * not make the folder name too long to create */
    g_autofree char *name = g_strdup_printf(
        "%s_%.*s", date, DK_NAME_BYTES - (int)strlen(date) - 1, event->slug);
    g_autofree char *cwd = g_get_current_dir();
    return g_build_filename(cwd, "dokpim-library", name, NULL);
}

bool cli_load_event(const char *path, dk_event **event)
{
    *event = NULL;
    if (!path) {
        *event = dk_event_new_empty();
        return true;
    }
    dk_error err = {0};
    if (dk_event_load(path, event, &err) < 0) {
        cli_error("%s", err.message);
        return false;
    }
    return true;
}

bool cli_load_batch(const char *event_path, const char *pipeline_path,
                    char **overrides, const char *library_given,
                    dk_event **event, dk_registry **registry,
                    dk_pipeline **pipeline, char **library)
{
    *library = NULL;
    if (!cli_load_event(event_path, event))
        return false;
    *registry = cli_load_plugins();
    if (!cli_load_pipeline(pipeline_path, *registry, *event, overrides,
                           pipeline))
        return false;
    if ((*pipeline)->is_live) {
        cli_error("%s is a live pipeline: start it with dokpim live",
                  pipeline_path);
        return false;
    }
    *library = cli_library_path(library_given, *event);
    return true;
}

bool cli_load_pipeline(const char *path, const dk_registry *registry,
                       const dk_event *event, char **overrides,
                       dk_pipeline **pipeline)
{
    GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
    int rc =
        dk_pipeline_load(path, registry, event, (const char *const *)overrides,
                         pipeline, problems);
    for (guint i = 0; i < problems->len; i++)
        cli_error("%s", (char *)problems->pdata[i]);
    g_ptr_array_free(problems, TRUE);
    return rc == 0;
}

/* What the first Ctrl-C does, in the words of the command that runs. */
static const char *stopping_note;

static gpointer signal_thread(gpointer data)
{
    sigset_t *set = data;
    int signo = 0;
    for (int count = 0;; count++) {
        if (sigwait(set, &signo) != 0)
            continue;
        if (count > 0) {
            static const char msg[] = "\ndokpim: stopped at once; temp files "
                                      "are cleaned up on the next run\n";
            ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
            (void)ignored;
            _exit(DK_EXIT_INTERRUPTED);
        }
        fprintf(stderr, "\ndokpim: %s (press Ctrl-C again to stop at once)\n",
                stopping_note);
        dk_cancel_request();
    }
    return NULL;
}

void cli_install_signal_thread(const char *stopping)
{
    stopping_note = stopping;
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    static GThread *thread;
    if (!thread)
        thread = cli_thread_start("dokpim-signals", signal_thread, &set);
}

/* What a thread started by cli_thread_start() runs first. */
typedef struct thread_start {
    GThreadFunc func;
    gpointer data;
    GMutex lock;
    GCond cond;
    bool running;
} thread_start;

static gpointer run_started(gpointer data)
{
    thread_start *start = data;
    GThreadFunc func = start->func;
    gpointer user = start->data;
    g_mutex_lock(&start->lock);
    start->running = true;
    g_cond_signal(&start->cond);
    g_mutex_unlock(&start->lock);
    return func(user);
}

GThread *cli_thread_start(const char *name, GThreadFunc func, gpointer data)
{
    thread_start start = {.func = func, .data = data};
    g_mutex_init(&start.lock);
    g_cond_init(&start.cond);
    GThread *thread = g_thread_new(name, run_started, &start);
    g_mutex_lock(&start.lock);
    while (!start.running)
        g_cond_wait(&start.cond, &start.lock);
    g_mutex_unlock(&start.lock);
    g_cond_clear(&start.cond);
    g_mutex_clear(&start.lock);
    return thread;
}

static char *executable_dir(void)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    return exe ? g_path_get_dirname(exe) : NULL;
}

char *cli_shipped_dir(const char *source_dir, const char *name,
                      const char *install_dir)
{
    g_autofree char *exe_dir = executable_dir();
    if (exe_dir && strcmp(exe_dir, DK_BUILD_BIN_DIR) == 0)
        return g_strdup(source_dir);
    if (exe_dir && g_str_has_suffix(exe_dir, "/" DK_INSTALL_BINDIR)) {
        g_autofree char *prefix = g_path_get_dirname(exe_dir);
        char *dir =
            g_build_filename(prefix, DK_INSTALL_DATADIR, "dokpim", name, NULL);
        if (g_file_test(dir, G_FILE_TEST_IS_DIR))
            return dir;
        g_free(dir);
    }
    return g_strdup(install_dir);
}
