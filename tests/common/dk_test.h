/* Shared helpers for dokpim's Check suites: temp folders, running the real
 * dokpim binary, reading files, asking independent tools. */
#ifndef DK_TEST_H
#define DK_TEST_H

#include <glib.h>
#include <stdbool.h>

/* A fresh folder under $TMPDIR, removed by dk_test_cleanup_dirs(). */
char *dk_test_tmpdir(const char *tag);
void dk_test_cleanup_dirs(void);

/* Paths from the environment CTest sets (see cmake/Dokpim.cmake). */
const char *dk_test_bin(void);                   /* the dokpim binary */
const char *dk_test_source_dir(void);            /* project root */
const char *dk_test_plugin_dir(void);            /* built plugins */
char *dk_test_source_path(const char *relative); /* g_free() */

/* Runs argv (NULL-terminated) and waits; captures stdout/stderr when the
 * pointers are non-NULL (g_free() them). Returns the exit status, or -1 if
 * it could not run or died from a signal. timeout_s kills a hung child. */
int dk_test_run(const char *const *argv, char **out, char **err, int timeout_s);
/* dk_test_run with "dokpim" + args, environment pointing at the build tree. */
int dk_test_dokpim(const char *const *args, char **out, char **err);
/* Runs a shell command line (sh -c); same return as dk_test_run. */
int dk_test_sh(const char *cmdline, char **out, char **err);
/* Fails the current test with the message, which also goes to stderr:
 * a suite's setup in main() runs outside Check, which reports no
 * assertion there. */
G_GNUC_NORETURN void dk_test_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* The shell command line fmt makes, for a command the test depends on
 * (making a sample, asking a tool that must answer): fails the test,
 * naming the command, its status and its stderr, unless it exits 0.
 * Returns its stdout without the white space around it (g_free()). */
char *dk_test_sh_ok(const char *fmt, ...)
    G_GNUC_PRINTF(1, 2) G_GNUC_WARN_UNUSED_RESULT;
/* Starts argv (PATH searched, stdout and stderr to /dev/null) without
 * waiting, for a test that interrupts it; fails the test if it cannot. */
GPid dk_test_spawn(const char *const *argv);
/* Sends sig to pid (0: none) and waits for it: its exit status, or
 * -signal when a signal ended it. */
int dk_test_reap(GPid pid, int sig);

/* True when the program is on PATH; suites that need it fail loudly
 * rather than skip, because the install script provides it. */
bool dk_test_have(const char *program);

char *dk_test_read(const char *path, gsize *len); /* g_free(); NULL on error */
/* Entries of a folder (hidden ones too); 0 when it cannot be read. */
int dk_test_count_files(const char *dir);
void dk_test_write(const char *path, const void *data, gssize len);
char *dk_test_sha256(const char *path); /* g_free() */

/* Writes rules to dir/lsan.supp and adds it to LSAN_OPTIONS, so that the
 * dokpim children a suite starts under ASan ignore them too. */
void dk_test_lsan_suppress(const char *dir, const char *rules);

/* A full disk: a 200 KiB tmpfs mounted on a fresh folder and filled to
 * the last block, for tests of what a write that finds no space says.
 * Call both from a TCase's unchecked fixture (it runs in the parent, so a
 * failed test in its forked child still leaves nothing mounted). The
 * folder is the suite's; NULL when the tests must skip: mounting needs
 * root. */
void dk_test_full_disk_mount(void);
const char *dk_test_full_disk(void);
void dk_test_full_disk_release(void);
/* A TCase named "full disk" with that unchecked fixture, for the tests
 * that call dk_test_full_disk(). */
typedef struct TCase TCase;
TCase *dk_test_full_disk_tcase(void);

/* Runs every test of suite (check.h's Suite), removes the suite's temp
 * folders, and returns main()'s exit status: 0 when all passed. */
typedef struct Suite Suite;
int dk_test_run_suite(Suite *suite);

/* The plain progress lines `dokpim run` printed on stderr for one file,
 * "dokpim: FILE  NN% NOTE": fails the test unless each comes before the
 * file's "done" line and the percentages rise, never past 100. Returns
 * how many there were; *last gets the final percentage (-1: none). */
int dk_test_progress_lines(const char *err, const char *file, const char *note,
                           int *last);

#endif
