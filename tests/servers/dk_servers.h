/* Real servers on 127.0.0.1 for the upload tests: the local YouTube
 * protocol stand-in, nginx with WebDAV, a user-level sshd for SFTP. Each
 * starts on a free port in a folder of its own and is stopped by the
 * test. The launch scripts beside this file are shared with bench/. */
#ifndef DK_SERVERS_H
#define DK_SERVERS_H

#include <glib.h>
#include <stdbool.h>

typedef struct dk_server {
    int port;
    int pid;
    char *dir;  /* the server's files (g_free) */
    char *base; /* "http://127.0.0.1:PORT" or "sftp://127.0.0.1:PORT" */
} dk_server;

/* script: "youtube-standin.sh", "nginx-dav.sh", "sshd-user.sh" or
 * "postgres.sh" (its URL is the third word it prints, also in DIR/url;
 * test_queue runs it itself, with `stop DIR` for a fast shutdown);
 * args: extra arguments (NULL-terminated, may be NULL). Fails the test
 * when the server cannot start. */
void dk_server_start(dk_server *server, const char *script,
                     const char *const *args);
/* Stops the server (SIGTERM, then SIGKILL) and waits until it is gone;
 * server->dir is freed (the folder stays until dk_test_cleanup_dirs()).
 * Stopping twice is harmless. */
void dk_server_stop(dk_server *server);

/* GETs base + path with curl; the body (g_free) or NULL. */
char *dk_server_get(const dk_server *server, const char *path);

#endif
