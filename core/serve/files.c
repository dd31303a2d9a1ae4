/* Files the server sends: the pages and the library's derived files, each
 * opened with openat2(RESOLVE_BENEATH) below its folder, so no "..", link
 * or absolute path leads out of it. */
#include "serve_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
    const char *suffix;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".webp", "image/webp"},
    {".mp4", "video/mp4"},
    {".pdf", "application/pdf"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *content_type(const char *name)
{
    g_autofree char *lower = g_ascii_strdown(name, -1);
    for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
        if (g_str_has_suffix(lower, types[i].suffix))
            return types[i].type;
    return "application/octet-stream";
}

/* A relative path of plain names: no absolute path, no "." or ".."
 * component, no empty name, no control character. */
static const char *bad_path(const char *rel)
{
    if (!*rel)
        return "empty path";
    if (rel[0] == '/')
        return "absolute path";
    for (const char *c = rel; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return "control character in path";
    g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
    for (char **p = parts; *p; p++)
        if (!**p || !strcmp(*p, ".") || !strcmp(*p, ".."))
            return "'..', '.' or empty name in path";
    return NULL;
}

static int open_beneath(int root_fd, const char *rel)
{
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof how);
}

void serve_file_beneath(SoupServerMessage *msg, int root_fd, const char *rel,
                        const char *cache_control)
{
    const char *why = bad_path(rel);
    if (why) {
        serve_refuse(msg, SOUP_STATUS_BAD_REQUEST, why);
        return;
    }
    int fd = open_beneath(root_fd, rel);
    if (fd < 0) {
        bool outside = errno == EXDEV || errno == ELOOP;
        serve_refuse(msg,
                     outside ? SOUP_STATUS_FORBIDDEN : SOUP_STATUS_NOT_FOUND,
                     outside ? "leads out of its folder" : "no such file");
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        serve_refuse(msg, SOUP_STATUS_NOT_FOUND, "not a file");
        return;
    }
    SoupMessageHeaders *in = soup_server_message_get_request_headers(msg);
    SoupMessageHeaders *out = soup_server_message_get_response_headers(msg);
    g_autofree char *etag =
        g_strdup_printf("\"%llx-%llx-%lx\"", (unsigned long long)st.st_ino,
                        (unsigned long long)st.st_size,
                        (long)st.st_mtim.tv_sec ^ (long)st.st_mtim.tv_nsec);
    soup_message_headers_replace(out, "ETag", etag);
    soup_message_headers_replace(out, "Cache-Control", cache_control);
    soup_message_headers_replace(out, "X-Content-Type-Options", "nosniff");
    const char *match = soup_message_headers_get_one(in, "If-None-Match");
    if (match && !strcmp(match, etag)) {
        close(fd);
        soup_server_message_set_status(msg, SOUP_STATUS_NOT_MODIFIED, NULL);
        return;
    }
    GBytes *bytes = NULL;
    if (st.st_size == 0) {
        bytes = g_bytes_new_static("", 0);
    } else {
        GError *error = NULL;
        GMappedFile *map = g_mapped_file_new_from_fd(fd, FALSE, &error);
        if (!map) {
            close(fd);
            serve_refuse(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                         "cannot read the file");
            g_error_free(error);
            return;
        }
        bytes = g_mapped_file_get_bytes(map);
        g_mapped_file_unref(map);
    }
    close(fd);
    soup_message_headers_set_content_type(out, content_type(rel), NULL);
    soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
    soup_message_body_append_bytes(soup_server_message_get_response_body(msg),
                                   bytes);
    g_bytes_unref(bytes);
}

void serve_library_file(dk_server *s, SoupServerMessage *msg, const char *rel)
{
    /* the derived files (web copies, thumbnails) only: never the keys,
     * the queue, the token or a settings file that may hold a secret */
    if (s->library_fd < 0 || !g_str_has_prefix(rel, "derived/") ||
        g_str_has_suffix(rel, ".ini")) {
        serve_refuse(msg, SOUP_STATUS_FORBIDDEN,
                     "only the library's derived files are served");
        return;
    }
    serve_file_beneath(msg, s->library_fd, rel, "private, max-age=60");
}
