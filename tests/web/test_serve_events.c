/* The event stream of dokpim_serve in process: a client that reads gets
 * every event, a client that never reads is dropped once its queue is
 * full, and dk_server_push never waits for either (the live pipeline's
 * thread calls it). */
#include "dk_test.h"
#include "serve.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct rig {
    char *dir;
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    dk_server *server;
    int port;
    const char *token;
} rig;

static gpointer run_loop(gpointer data)
{
    rig *r = data;
    g_main_context_push_thread_default(r->ctx);
    g_main_loop_run(r->loop);
    g_main_context_pop_thread_default(r->ctx);
    return NULL;
}

static void rig_start(rig *r)
{
    r->dir = dk_test_tmpdir("serve-events");
    g_autofree char *token_file = g_build_filename(r->dir, "token", NULL);
    dk_server_options o = {
        .listen = "127.0.0.1:0", .token_file = token_file, .library = r->dir};
    r->ctx = g_main_context_new();
    dk_error err = {0};
    ck_assert_msg(dk_server_start(&o, r->ctx, &r->server, &err) == 0, "%s",
                  err.message);
    const char *url = dk_server_url(r->server);
    r->port = atoi(strrchr(url, ':') + 1);
    r->token = dk_server_token(r->server);
    r->loop = g_main_loop_new(r->ctx, FALSE);
    r->thread = g_thread_new("serve-loop", run_loop, r);
}

static gboolean quit(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static void rig_stop(rig *r)
{
    g_main_context_invoke(r->ctx, quit, r->loop);
    g_thread_join(r->thread);
    dk_server_stop(r->server);
    g_main_loop_unref(r->loop);
    g_main_context_unref(r->ctx);
    g_free(r->dir);
}

/* A connected socket that sent the request for path; rcvbuf > 0 makes
 * its receive buffer that small (a phone on a bad network). */
static int request(const rig *r, const char *path, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)r->port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    g_autofree char *text = g_strdup_printf(
        "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer "
        "%s\r\nConnection: close\r\n\r\n",
        path, r->port, r->token);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    return fd;
}

/* Reads fd until want appears count times, EOF or seconds pass. */
static int read_until(int fd, const char *want, int count, double seconds)
{
    GString *got = g_string_new(NULL);
    struct timeval tv = {.tv_usec = 100000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    gint64 end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);
    int seen = 0;
    while (g_get_monotonic_time() < end && seen < count) {
        char buf[65536];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0)
            break;
        if (n > 0)
            g_string_append_len(got, buf, n);
        seen = 0;
        for (const char *p = got->str; (p = strstr(p, want)); p++)
            seen++;
    }
    g_string_free(got, TRUE);
    return seen;
}

static bool wait_clients(const rig *r, unsigned want, double seconds)
{
    gint64 end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);
    while (dk_server_event_clients(r->server) != want) {
        if (g_get_monotonic_time() > end)
            return false;
        g_usleep(10000);
    }
    return true;
}

START_TEST(reader_gets_every_event)
{
    rig r = {0};
    rig_start(&r);
    int fd = request(&r, "/api/events", 0);
    ck_assert(wait_clients(&r, 1, 5));
    for (int i = 0; i < 100; i++)
        dk_server_push(r.server, "tick", "{\"n\": 1,\n \"more\": true}");
    /* a JSON text with a newline still makes one data line */
    ck_assert_int_eq(read_until(fd,
                                "event: tick\ndata: {\"n\": 1,  \"more\": "
                                "true}\n\n",
                                100, 5),
                     100);
    close(fd);
    ck_assert(wait_clients(&r, 0, 5));
    rig_stop(&r);
}
END_TEST

START_TEST(stalled_client_dropped_pusher_never_waits)
{
    rig r = {0};
    rig_start(&r);
    int stalled = request(&r, "/api/events", 4096);
    ck_assert(wait_clients(&r, 1, 5));
    g_autofree char *big = g_strnfill(8192, 'x');
    g_autofree char *json = g_strdup_printf("\"%s\"", big);
    gint64 slowest = 0, start = g_get_monotonic_time();
    for (int i = 0; i < 2000; i++) {
        gint64 t = g_get_monotonic_time();
        dk_server_push(r.server, "preview", json);
        slowest = MAX(slowest, g_get_monotonic_time() - t);
    }
    gint64 total = g_get_monotonic_time() - start;
    ck_assert_msg(slowest < 50000, "one push took %" G_GINT64_FORMAT " us",
                  slowest);
    ck_assert_msg(total < 2000000, "2000 pushes took %" G_GINT64_FORMAT " us",
                  total);
    /* 16 MB for a client reading nothing: dropped, its memory freed */
    ck_assert_msg(wait_clients(&r, 0, 5), "the stalled client is still kept");
    /* and the server answers others */
    int other = request(&r, "/api/session", 0);
    ck_assert_int_eq(read_until(other, "HTTP/1.1 200 OK", 1, 5), 1);
    close(other);
    close(stalled);
    rig_stop(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("serve_events");
    TCase *tc = tcase_create("events");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, reader_gets_every_event);
    tcase_add_test(tc, stalled_client_dropped_pusher_never_waits);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    dk_test_cleanup_dirs();
    return failed ? 1 : 0;
}
