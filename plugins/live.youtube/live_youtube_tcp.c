/* Noticing a dead link within seconds. A push whose peer vanished without
 * a reset (a cable pulled, a NAT gone, a server hung) goes on "sending" for
 * as long as the socket buffers take bytes: megabytes, tens of seconds.
 * The kernel knows better: TCP_INFO says when the peer last acknowledged
 * anything and whether it still takes data. rtmp2sink does not expose its
 * socket, but it is one of this process's descriptors: the TCP connection
 * to the ingest's host and port. Main loop only. */
#include "live_youtube.h"

#include <dirent.h>
#include <gio/gio.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static GPtrArray *watches; /* every live_youtube_tcp in use */

/* The peer of a TCP socket, or NULL. */
static GInetSocketAddress *peer_of(int fd)
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    int type = 0;
    socklen_t type_len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) < 0 ||
        type != SOCK_STREAM ||
        getpeername(fd, (struct sockaddr *)&addr, &len) < 0 ||
        (addr.ss_family != AF_INET && addr.ss_family != AF_INET6))
        return NULL;
    return G_INET_SOCKET_ADDRESS(g_socket_address_new_from_native(&addr, len));
}

/* Connected to the watch's port, and to one of its host's addresses once
 * they are known (primary and backup may share a port). */
static bool matches(const live_youtube_tcp *tcp, int fd)
{
    GInetSocketAddress *peer = peer_of(fd);
    if (!peer)
        return false;
    bool ok = g_inet_socket_address_get_port(peer) == tcp->port;
    if (ok && tcp->addresses) {
        ok = false;
        GInetAddress *ip = g_inet_socket_address_get_address(peer);
        for (GList *a = tcp->addresses; a && !ok; a = a->next)
            ok = g_inet_address_equal(a->data, ip);
    }
    g_object_unref(peer);
    return ok;
}

static void on_resolved(GObject *resolver, GAsyncResult *result, gpointer data)
{
    GError *error = NULL;
    GList *addresses =
        g_resolver_lookup_by_name_finish(G_RESOLVER(resolver), result, &error);
    /* cancelled means tcp is gone (GTask reports the cancel even when the
     * lookup had finished); a failed lookup leaves the port alone to go by */
    if (error) {
        g_error_free(error);
        return;
    }
    live_youtube_tcp *tcp = data;
    tcp->addresses = addresses;
}

void live_youtube_tcp_init(live_youtube_tcp *tcp, const char *host, int port)
{
    memset(tcp, 0, sizeof *tcp);
    tcp->fd = -1;
    tcp->port = port;
    if (!watches)
        watches = g_ptr_array_new();
    g_ptr_array_add(watches, tcp);
    /* asynchronous: a DNS outage must not stall the main loop */
    GInetAddress *literal = g_inet_address_new_from_string(host);
    if (literal) {
        tcp->addresses = g_list_append(NULL, literal);
        return;
    }
    tcp->cancel = g_cancellable_new();
    GResolver *resolver = g_resolver_get_default();
    g_resolver_lookup_by_name_async(resolver, host, tcp->cancel, on_resolved,
                                    tcp);
    g_object_unref(resolver);
}

void live_youtube_tcp_clear(live_youtube_tcp *tcp)
{
    if (tcp->cancel) {
        /* the callback may still come: it must not touch tcp */
        g_cancellable_cancel(tcp->cancel);
        g_clear_object(&tcp->cancel);
    }
    g_resolver_free_addresses(tcp->addresses);
    tcp->addresses = NULL;
    if (watches)
        g_ptr_array_remove(watches, tcp);
}

void live_youtube_tcp_forget(live_youtube_tcp *tcp)
{
    tcp->fd = -1;
    tcp->zero_since = 0;
}

/* The newest (highest) matching descriptor no other watch has. */
static int find(const live_youtube_tcp *tcp)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int best = -1;
    for (struct dirent *e; (e = readdir(dir));) {
        char *end = NULL;
        long fd = strtol(e->d_name, &end, 10);
        if (!*e->d_name || *end || fd <= best || fd == dirfd(dir))
            continue;
        bool taken = false;
        for (guint i = 0; i < watches->len; i++) {
            const live_youtube_tcp *other = watches->pdata[i];
            taken |= other != tcp && other->fd == fd;
        }
        if (!taken && matches(tcp, (int)fd))
            best = (int)fd;
    }
    closedir(dir);
    return best;
}

bool live_youtube_tcp_dead(live_youtube_tcp *tcp, double timeout, char **why)
{
    *why = NULL;
    if (tcp->fd < 0 || !matches(tcp, tcp->fd)) {
        live_youtube_tcp_forget(tcp);
        tcp->fd = find(tcp);
        if (tcp->fd < 0)
            return false;
    }
    struct tcp_info info;
    memset(&info, 0, sizeof info);
    socklen_t len = sizeof info;
    if (getsockopt(tcp->fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0)
        return false;
    if (info.tcpi_unacked > 0 && info.tcpi_last_ack_recv > timeout * 1000) {
        *why = g_strdup_printf("the server has acknowledged nothing for "
                               "%.0f s: the link is dead",
                               info.tcpi_last_ack_recv / 1000.0);
        return true;
    }
    /* a window closed for that long: the server takes nothing (kernels
     * before 5.4 do not report the window: len says so) */
    bool window_known = len >= offsetof(struct tcp_info, tcpi_snd_wnd) +
                                   sizeof info.tcpi_snd_wnd;
    gint64 now = g_get_monotonic_time();
    if (!window_known || info.tcpi_snd_wnd > 0) {
        tcp->zero_since = 0;
        return false;
    }
    if (!tcp->zero_since)
        tcp->zero_since = now;
    if ((now - tcp->zero_since) / 1e6 <= timeout)
        return false;
    *why = g_strdup_printf("the server has taken no data for %.0f s: it is "
                           "not keeping up or has hung",
                           (now - tcp->zero_since) / 1e6);
    return true;
}
