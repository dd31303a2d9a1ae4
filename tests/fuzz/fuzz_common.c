#include "fuzz_common.h"

#include "dk_internal.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *scratch;

static void remove_tree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
            !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            remove_tree(child);
        else
            g_unlink(child);
    }
    if (dir)
        g_dir_close(dir);
    g_rmdir(path);
}

static void remove_scratch(void)
{
    if (scratch)
        remove_tree(scratch);
    g_free(scratch);
    scratch = NULL;
}

/* abort() rather than GLib's breakpoint trap: libFuzzer saves the input
 * of an abort, not of a SIGTRAP. */
static GLogWriterOutput write_log(GLogLevelFlags level, const GLogField *fields,
                                  gsize count, gpointer user)
{
    GLogWriterOutput out =
        g_log_writer_standard_streams(level, fields, count, user);
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        abort();
    return out;
}

void fuzz_init(void)
{
    static gsize done;
    if (!g_once_init_enter(&done))
        return;
    g_log_set_writer_func(write_log, NULL, NULL);
    scratch = g_dir_make_tmp("dokpim-fuzz-XXXXXX", NULL);
    if (!scratch)
        fuzz_fail(__FILE__, __LINE__, "cannot make a scratch folder");
    atexit(remove_scratch);
    g_once_init_leave(&done, 1);
}

const char *fuzz_tmpdir(void)
{
    fuzz_init();
    return scratch;
}

void fuzz_memfile_open(fuzz_memfile *file, const uint8_t *data, size_t size)
{
    file->fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (file->fd < 0)
        fuzz_fail(__FILE__, __LINE__, "memfd_create");
    for (size_t done = 0; done < size;) {
        ssize_t n = write(file->fd, data + done, size - done);
        if (n <= 0)
            fuzz_fail(__FILE__, __LINE__, "write to memfd");
        done += (size_t)n;
    }
    g_snprintf(file->path, sizeof file->path, "/proc/self/fd/%d", file->fd);
}

void fuzz_memfile_close(fuzz_memfile *file)
{
    if (file->fd >= 0)
        close(file->fd);
    file->fd = -1;
}

char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
    char *path = g_build_filename(fuzz_tmpdir(), name, NULL);
    if (!g_file_set_contents(path, (const char *)data, (gssize)size, NULL))
        fuzz_fail(__FILE__, __LINE__, "cannot write a scratch file");
    return path;
}

char *fuzz_string(const uint8_t *data, size_t size)
{
    char *text = g_malloc(size + 1);
    if (size)
        memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

void fuzz_split(const uint8_t *data, size_t size, const char *separator,
                const uint8_t **tail, size_t *head_size, size_t *tail_size)
{
    size_t n = strlen(separator);
    const uint8_t *at = size >= n ? memmem(data, size, separator, n) : NULL;
    if (!at) {
        *head_size = size;
        *tail = data + size;
        *tail_size = 0;
        return;
    }
    *head_size = (size_t)(at - data);
    *tail = at + n;
    *tail_size = size - *head_size - n;
}

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}

/* A copy of assets/sample-event/event.ini, so a harness needs no source
 * tree at run time. */
static const char sample_event[] =
    "[event]\n"
    "title=Rapat Koordinasi Penanganan Sampah Se-Kabupaten Badung\n"
    "leader=I Gede Wirasatya Arimbawa\n"
    "role=Bupati Badung\n"
    "agency=Bagian Prokompim Setda Kabupaten Badung\n"
    "place=Ruang Kriya Gosana, Puspem Badung\n"
    "city=Mangupura\n"
    "date=2025-03-14\n"
    "timezone=Asia/Makassar\n"
    "photographer=Ni Komang Ayu Pradnyani\n"
    "copyright=\xc2\xa9 2025 Pemerintah Kabupaten Badung\n"
    "tags=Badung;Bupati;sampah;lingkungan;rapat koordinasi\n"
    "language=id\n";

const struct dk_event *fuzz_sample_event(void)
{
    static dk_event *event;
    if (event)
        return event;
    g_autofree char *path =
        fuzz_write_file("sample-event.ini", (const uint8_t *)sample_event,
                        strlen(sample_event));
    dk_error err = {0};
    if (dk_event_load(path, &event, &err) < 0)
        fuzz_fail(__FILE__, __LINE__, err.message);
    return event;
}

void fuzz_check_warnings(const GPtrArray *warnings)
{
    for (guint i = 0; warnings && i < warnings->len; i++) {
        const char *text = warnings->pdata[i];
        if (!text || !g_utf8_validate(text, -1, NULL) || strchr(text, '\n')) {
            g_autofree char *shown = text ? g_strescape(text, NULL) : NULL;
            g_autofree char *why = g_strdup_printf(
                "warning is not one UTF-8 line: \"%s\"", shown ? shown : "");
            fuzz_fail(__FILE__, __LINE__, why);
        }
    }
}
