/* Temp-file-then-rename: an output either appears whole or not at all. */
#include "dk_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_INFIX ".dk-tmp-"

struct dk_atomic {
    char *final_path;
    char *temp_path;
    FILE *stream;
};

bool dk_is_temp_name(const char *name)
{
    return name && strstr(name, TEMP_INFIX) != NULL;
}

int dk_mkdirs(const char *path, dk_error *err)
{
    if (g_mkdir_with_parents(path, 0755) != 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot create folder", path);
    return 0;
}

/* Data must be on disk before the rename makes it visible, or a power cut
 * could leave a complete-looking name over an empty file. */
static int flush_data(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fdatasync(fd);
    close(fd);
    return rc;
}

/* umask() can only be read by setting it, and workers create files all the
 * time: setting it to 0 even for an instant could give another thread's
 * new folder mode 0777. Linux shows it in /proc/self/status; read it once. */
static mode_t process_umask(void)
{
    static gsize done;
    static mode_t mask = 022;
    if (g_once_init_enter(&done)) {
        g_autofree char *status = NULL;
        const char *line = NULL;
        if (g_file_get_contents("/proc/self/status", &status, NULL, NULL))
            line = strstr(status, "\nUmask:");
        if (line)
            mask = (mode_t)strtoul(line + strlen("\nUmask:"), NULL, 8);
        g_once_init_leave(&done, 1);
    }
    return mask;
}

int dk_atomic_open(const char *final_path, dk_atomic **out, dk_error *err)
{
    *out = NULL;
    g_autofree char *dir = g_path_get_dirname(final_path);
    g_autofree char *base = g_path_get_basename(final_path);
    int rc = dk_mkdirs(dir, err);
    if (rc < 0)
        return rc;
    /* Keep the extension last: some libraries pick a format from it. The
     * leading dot hides half-written files from people browsing. */
    const char *dot = strrchr(base, '.');
    g_autofree char *stem =
        dot && dot != base ? g_strndup(base, dot - base) : g_strdup(base);
    const char *ext = dot && dot != base ? dot : "";
    g_autofree char *name =
        g_strdup_printf(".%s" TEMP_INFIX "XXXXXX%s", stem, ext);
    char *temp_path = g_build_filename(dir, name, NULL);
    int fd = g_mkstemp_full(temp_path, O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = dk_error_errno(err, DK_ERR_IO, "cannot create", temp_path);
        g_free(temp_path);
        return rc;
    }
    /* mkstemp makes 0600; outputs are ordinary files */
    if (fchmod(fd, 0666 & ~process_umask()) != 0) {
        /* not fatal: the file is still ours and complete */
    }
    dk_atomic *file = g_new0(dk_atomic, 1);
    file->final_path = g_strdup(final_path);
    file->temp_path = temp_path;
    file->stream = fdopen(fd, "w+b");
    if (!file->stream) {
        close(fd);
        rc = dk_error_errno(err, DK_ERR_IO, "cannot open", temp_path);
        dk_atomic_abort(&file);
        return rc;
    }
    *out = file;
    return 0;
}

const char *dk_atomic_temp_path(const dk_atomic *file)
{
    return file->temp_path;
}

FILE *dk_atomic_stream(dk_atomic *file)
{
    return file->stream;
}

static void atomic_release(dk_atomic **file)
{
    g_free((*file)->final_path);
    g_free((*file)->temp_path);
    g_free(*file);
    *file = NULL;
}

int dk_atomic_commit(dk_atomic **filep, dk_error *err)
{
    return dk_atomic_commit_as(filep, (*filep)->final_path, err);
}

int dk_atomic_commit_as(dk_atomic **filep, const char *final_path,
                        dk_error *err)
{
    dk_atomic *file = *filep;
    g_autofree char *target = g_strdup(final_path);
    int rc = 0;
    if (file->stream) {
        bool write_failed = ferror(file->stream) != 0;
        if (fclose(file->stream) != 0 || write_failed) {
            file->stream = NULL;
            rc = dk_error_errno(err, DK_ERR_IO, "cannot write", target);
            dk_atomic_abort(filep);
            return rc;
        }
        file->stream = NULL;
    }
    /* Reopen by name: a library may have rewritten the temp file itself. */
    if (flush_data(file->temp_path) != 0) {
        rc = dk_error_errno(err, DK_ERR_IO, "cannot flush", target);
        dk_atomic_abort(filep);
        return rc;
    }
    if (rename(file->temp_path, target) != 0) {
        rc = dk_error_errno(err, DK_ERR_IO, "cannot rename into", target);
        dk_atomic_abort(filep);
        return rc;
    }
    /* No fsync of the folder: if a crash loses the rename, the old state
     * stays, and the manifest (renamed after the outputs it lists, and
     * checked against the files on every run) sends the work round again.
     * That keeps "old or new, never half" at one flush per file. */
    atomic_release(filep);
    return 0;
}

void dk_atomic_abort(dk_atomic **filep)
{
    if (!filep || !*filep)
        return;
    dk_atomic *file = *filep;
    if (file->stream)
        fclose(file->stream);
    g_unlink(file->temp_path);
    atomic_release(filep);
}

int dk_atomic_write_file(const char *final_path, const void *data, size_t size,
                         dk_error *err)
{
    dk_atomic *file = NULL;
    int rc = dk_atomic_open(final_path, &file, err);
    if (rc < 0)
        return rc;
    if (size && fwrite(data, 1, size, file->stream) != size) {
        rc = dk_error_errno(err, DK_ERR_IO, "cannot write", final_path);
        dk_atomic_abort(&file);
        return rc;
    }
    return dk_atomic_commit(&file, err);
}

int dk_atomic_copy_file(const char *src, const char *final_path, dk_error *err)
{
    dk_atomic *file = NULL;
    int rc = dk_atomic_open(final_path, &file, err);
    if (rc < 0)
        return rc;
    const char *temp = file->temp_path;
    rc = dk_copy_and_hash(src, &temp, 1, NULL, err);
    if (rc < 0) {
        dk_atomic_abort(&file);
        return rc;
    }
    return dk_atomic_commit(&file, err);
}
