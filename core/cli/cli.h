/* The dokpim command: shared pieces of its subcommands. Only the CLI prints;
 * the library reports through return codes and dk_error. */
#ifndef DK_CLI_H
#define DK_CLI_H

#include "dk_internal.h"

#include <stdio.h>

/* Exit statuses scripts can rely on. */
enum {
    DK_EXIT_OK = 0,
    DK_EXIT_ITEMS_FAILED = 1,
    DK_EXIT_USAGE = 2,
    DK_EXIT_DEFERRED = 3, /* queue work --until-empty: jobs wait for later */
    DK_EXIT_INTERRUPTED = 130,
};

int cmd_run(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_work(int argc, char **argv);
int cmd_plugins(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_queue(int argc, char **argv);
int cmd_youtube(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_archive(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_locate(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_choose(int argc, char **argv);
int cmd_publish(int argc, char **argv);

/* Every line the CLI prints with text from outside (file names, messages)
 * goes through these: the formatted text is escaped with dk_escape_text(),
 * so each is exactly one line and no terminal control gets through.
 * cli_line: prefix (the CLI's own, printed as is: it may clear a bar) then
 * the escaped text and a newline on stream. */
void cli_line(FILE *stream, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "dokpim: error: ...", "dokpim: warning: ...", "dokpim: ..." on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Loads the plugins and warns about every module it refused. */
dk_registry *cli_load_plugins(void);

/* Parses a command's argv with entries (usage: "PIPELINE INPUT...",
 * summary: the --help text); on error prints it with the usage hint and
 * returns false. */
bool cli_parse(int *argc, char ***argv, const char *usage, const char *summary,
               const GOptionEntry *entries);

/* The library folder: the one given, or ./dokpim-library/DATE_EVENT-SLUG,
 * where `run` and `live` both put an event's files. g_free(). */
char *cli_library_path(const char *given, const dk_event *event);

/* Loads the event file (NULL: none) or prints why not. */
bool cli_load_event(const char *path, dk_event **event);

/* Loads and validates the pipeline, printing every problem found. */
bool cli_load_pipeline(const char *path, const dk_registry *registry,
                       const dk_event *event, char **overrides,
                       dk_pipeline **pipeline);

/* What run, watch and submit load before touching a file: the event, the
 * plugins, a pipeline that is not live (it goes to dokpim live), and the
 * library folder (given or the event's default; g_free() *library). False
 * after printing what is wrong; the caller frees what was loaded. */
bool cli_load_batch(const char *event_path, const char *pipeline_path,
                    char **overrides, const char *library_given,
                    dk_event **event, dk_registry **registry,
                    dk_pipeline **pipeline, char **library);

/* Ctrl-C / SIGTERM: the first asks the command to stop (dk_cancel_request)
 * and prints `stopping`, what that means for it ("stopping after the files
 * in progress"); the second ends the process at once. Call before
 * starting threads. */
void cli_install_signal_thread(const char *stopping);

/* g_thread_new() that returns once the thread runs. The CLI's helper
 * threads are never joined, and a command that ends at once must not exit
 * while one is still starting: LeakSanitizer's exit-time scan then finds
 * a thread half set up and fails the process with status 1 (seen in CI as
 * `dokpim youtube auth` exiting 1 instead of 2, 4 runs in 200). Keep the
 * reference (or g_thread_unref() it) as with g_thread_new(). */
GThread *cli_thread_start(const char *name, GThreadFunc func, gpointer data);

/* Where this dokpim's shipped folder NAME is (pipelines, web): source_dir
 * for the build tree's binary, PREFIX/share/dokpim/NAME beside an installed
 * (and maybe moved) one, else install_dir. g_free(). */
char *cli_shipped_dir(const char *source_dir, const char *name,
                      const char *install_dir);

#endif
