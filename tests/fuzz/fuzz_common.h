/* What the fuzz harnesses share. Each fuzz_<name>.c defines
 * LLVMFuzzerTestOneInput(); built with -DDOKPIM_FUZZ=ON and clang it links
 * libFuzzer, in every other build it links driver.c, which replays the
 * saved crash inputs (regressions/<name>/) and the seed corpus as a ctest.
 *
 * A harness may abort() when an invariant fails (a successful parse that
 * produced something its own reader refuses): that is a finding too. */
#ifndef DK_FUZZ_COMMON_H
#define DK_FUZZ_COMMON_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Once per process: GLib criticals (a g_return_if_fail tripped by
 * parsed data) become crashes, and the harness's scratch folder. */
void fuzz_init(void);

/* A folder of this process, removed at exit. */
const char *fuzz_tmpdir(void);
/* Every warning a parser raised must be printable text: one UTF-8 line
 * each. warnings may be NULL (none raised). */
void fuzz_check_warnings(const GPtrArray *warnings);

/* data as a file in memory: an fd and a path ("/proc/self/fd/N") that
 * opens it. Close the fd with fuzz_memfile_close(). */
typedef struct fuzz_memfile {
    int fd;
    char path[64];
} fuzz_memfile;
void fuzz_memfile_open(fuzz_memfile *file, const uint8_t *data, size_t size);
void fuzz_memfile_close(fuzz_memfile *file);

/* data as a named file in fuzz_tmpdir(); returns its path (g_free). */
char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

/* data as a NUL-terminated string (g_free); embedded NULs stay. */
char *fuzz_string(const uint8_t *data, size_t size);

/* Splits data at the first occurrence of separator: head before, tail
 * after (tail empty when there is none). */
void fuzz_split(const uint8_t *data, size_t size, const char *separator,
                const uint8_t **tail, size_t *head_size, size_t *tail_size);

/* Aborts with a message: an invariant the parser promised is broken. */
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fuzz_fail(__FILE__, __LINE__, #cond);                              \
    } while (0)
G_NORETURN void fuzz_fail(const char *file, int line, const char *what);

/* The sample event (assets/sample-event/event.ini) loaded once, as an
 * opaque dk_event * (dk_internal.h). */
struct dk_event;
const struct dk_event *fuzz_sample_event(void);

#endif
