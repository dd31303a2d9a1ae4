/* tcp_cut_proxy: a loopback TCP forwarder the tests can take the network
 * away from. It listens on 127.0.0.1 (a port the kernel picks, written to
 * --port-file) and forwards every connection to 127.0.0.1:--to.
 *
 *   SIGUSR1  cut: every connection is reset now (RST both ways) and new
 *            ones are refused (the listening socket is closed), the way a
 *            dead link looks once TCP has given up
 *   SIGHUP   black hole: connections stay open but no byte moves either
 *            way and new ones are not answered, the way a pulled cable
 *            looks before TCP has given up
 *   SIGUSR2  back: listening again on the same port, bytes move again
 *
 * --rate BYTES limits each direction to BYTES per second in all, so that a
 * test can make an upload last long enough to interrupt it. --status FILE
 * is rewritten (temporary name, rename) about ten times a second with
 * "UP DOWN CONNECTIONS MODE": bytes forwarded towards the server and back,
 * connections accepted so far, and cut|hole|open, so a test can wait for
 * "mid-upload" without guessing from the clock.
 *
 * A test tool: one thread, poll(), no dependencies beyond libc. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAIRS 64
#define BUFFER    65536

typedef enum { MODE_OPEN, MODE_CUT, MODE_HOLE } proxy_mode;

/* One direction of a connection: bytes read from `from` wait in buf until
 * they are written to `to`. */
typedef struct flow {
    int from, to;
    char buf[BUFFER];
    size_t len, sent;
    bool eof; /* `from` said it has no more; `to` gets a FIN once drained */
} flow;

typedef struct pair {
    bool used;
    int client, server;
    flow up, down; /* client -> server, server -> client */
} pair;

/* The two rate buckets: bytes each direction may still move now. */
typedef struct bucket {
    double tokens;
    double rate; /* 0: unlimited */
} bucket;

static volatile sig_atomic_t want_cut, want_hole, want_open;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        want_cut = 1;
    else if (sig == SIGHUP)
        want_hole = 1;
    else if (sig == SIGUSR2)
        want_open = 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

/* Set with --rate: how much a client's connection may hold in the
 * kernel on our side (0: the kernel's choice). */
static int receive_buffer;

/* Listens on port (0: any free one); the socket, or -1. */
static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* on the listening socket, so that accepted ones start with it (the
     * window is agreed at the handshake) */
    if (receive_buffer > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer,
                   sizeof receive_buffer);
    struct sockaddr_in addr = loopback(port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(fd, 16) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
        return -1;
    return ntohs(addr.sin_port);
}

/* Closing with a zero linger sends RST: the peer learns at once that the
 * connection is gone, as after a link failure TCP noticed. */
static void reset(int fd)
{
    struct linger hard = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close(fd);
}

static void pair_drop(pair *p)
{
    reset(p->client);
    reset(p->server);
    p->used = false;
}

/* A blocking connect on loopback answers at once, but one of our signals
 * can interrupt it (EINTR): the connection then goes on in the background,
 * so wait for it and read how it ended instead of giving up. */
static int connect_to(int fd, const struct sockaddr_in *addr)
{
    if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) == 0)
        return 0;
    if (errno != EINTR)
        return -1;
    struct pollfd wait = {.fd = fd, .events = POLLOUT};
    int ready;
    while ((ready = poll(&wait, 1, 5000)) < 0 && errno == EINTR)
        ;
    int failure = 0;
    socklen_t size = sizeof failure;
    if (ready <= 0 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size) != 0)
        return -1;
    errno = failure;
    return failure ? -1 : 0;
}

static void pair_open(pair *pairs, int client, int target_port)
{
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = loopback(target_port);
    if (server < 0 || connect_to(server, &addr) != 0) {
        fprintf(stderr, "tcp_cut_proxy: cannot reach port %d: %s\n",
                target_port, strerror(errno));
        if (server >= 0)
            close(server);
        reset(client);
        return;
    }
    for (int i = 0; i < MAX_PAIRS; i++) {
        if (pairs[i].used)
            continue;
        pair *p = &pairs[i];
        memset(p, 0, sizeof *p);
        p->used = true;
        p->client = client;
        p->server = server;
        p->up.from = client;
        p->up.to = server;
        p->down.from = server;
        p->down.to = client;
        int one = 1;
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return;
    }
    fprintf(stderr, "tcp_cut_proxy: more than %d connections\n", MAX_PAIRS);
    reset(client);
    reset(server);
}

/* Moves what it can of one direction; false when the connection broke. */
static bool flow_step(flow *f, short revents_from, short revents_to, bucket *b,
                      uint64_t *moved)
{
    if (f->len == 0 && !f->eof && (revents_from & (POLLIN | POLLHUP))) {
        size_t room = sizeof f->buf;
        if (b->rate > 0 && b->tokens < (double)room)
            room = (size_t)b->tokens;
        if (room > 0) {
            ssize_t n = read(f->from, f->buf, room);
            if (n < 0 && errno != EINTR && errno != EAGAIN)
                return false;
            if (n == 0) {
                f->eof = true;
                shutdown(f->to, SHUT_WR);
            }
            if (n > 0) {
                f->len = (size_t)n;
                f->sent = 0;
                if (b->rate > 0)
                    b->tokens -= (double)n;
            }
        }
    }
    if (f->len > f->sent && (revents_to & POLLOUT)) {
        ssize_t n = write(f->to, f->buf + f->sent, f->len - f->sent);
        if (n < 0 && errno != EINTR && errno != EAGAIN)
            return false;
        if (n > 0) {
            f->sent += (size_t)n;
            *moved += (uint64_t)n;
        }
        if (f->sent == f->len)
            f->len = f->sent = 0;
    }
    return true;
}

static const char *mode_name(proxy_mode mode)
{
    return mode == MODE_CUT ? "cut" : mode == MODE_HOLE ? "hole" : "open";
}

static void write_status(const char *path, uint64_t up, uint64_t down,
                         unsigned accepted, proxy_mode mode)
{
    if (!path)
        return;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%llu %llu %u %s\n", (unsigned long long)up,
            (unsigned long long)down, accepted, mode_name(mode));
    if (fclose(f) == 0)
        rename(tmp, path);
}

static int usage(void)
{
    fprintf(stderr, "usage: tcp_cut_proxy --to PORT --port-file FILE "
                    "[--rate BYTES] [--status FILE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    int target = 0;
    double rate = 0;
    const char *port_file = NULL, *status_file = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--to") == 0)
            target = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--rate") == 0)
            rate = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--port-file") == 0)
            port_file = argv[i + 1];
        else if (strcmp(argv[i], "--status") == 0)
            status_file = argv[i + 1];
        else
            return usage();
    }
    if (target <= 0 || !port_file || argc % 2 == 0)
        return usage();
    /* A slow link holds little in flight. Without this, loopback's
     * megabytes of socket buffers would swallow a whole test upload at
     * once: the sender would have "sent" everything (and a sender killed
     * then would still deliver it all) while we trickle it on. */
    if (rate > 0)
        receive_buffer = 32 * 1024;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int listener = listen_on(0);
    int port = listener >= 0 ? bound_port(listener) : -1;
    if (port <= 0) {
        fprintf(stderr, "tcp_cut_proxy: cannot listen: %s\n", strerror(errno));
        return 1;
    }
    /* under a temporary name first: a reader must never see half a
     * number */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *pf = fopen(tmp, "w");
    if (!pf || fprintf(pf, "%d\n", port) < 0 || fclose(pf) != 0 ||
        rename(tmp, port_file) != 0) {
        fprintf(stderr, "tcp_cut_proxy: cannot write %s\n", port_file);
        return 1;
    }

    static pair pairs[MAX_PAIRS];
    proxy_mode mode = MODE_OPEN;
    bucket up_bucket = {rate, rate}, down_bucket = {rate, rate};
    uint64_t up = 0, down = 0;
    unsigned accepted = 0;
    double last_fill = now_seconds(), last_status = 0;
    for (;;) {
        if (want_cut) {
            want_cut = 0;
            mode = MODE_CUT;
            for (int i = 0; i < MAX_PAIRS; i++)
                if (pairs[i].used)
                    pair_drop(&pairs[i]);
            if (listener >= 0)
                close(listener);
            listener = -1;
        }
        if (want_hole) {
            want_hole = 0;
            mode = MODE_HOLE;
        }
        if (want_open) {
            want_open = 0;
            mode = MODE_OPEN;
        }
        /* the port must be the same one: the clients were told it */
        if (mode != MODE_CUT && listener < 0)
            listener = listen_on(port);

        double now = now_seconds();
        if (rate > 0) {
            /* at most a tenth of a second's worth saved up: a steady
             * stream, not bursts */
            double add = (now - last_fill) * rate;
            up_bucket.tokens = up_bucket.tokens + add;
            down_bucket.tokens = down_bucket.tokens + add;
            if (up_bucket.tokens > rate / 10 + 1)
                up_bucket.tokens = rate / 10 + 1;
            if (down_bucket.tokens > rate / 10 + 1)
                down_bucket.tokens = rate / 10 + 1;
        }
        last_fill = now;
        if (now - last_status >= 0.1) {
            write_status(status_file, up, down, accepted, mode);
            last_status = now;
        }

        struct pollfd fds[1 + 2 * MAX_PAIRS];
        int n = 0;
        bool moving = mode == MODE_OPEN;
        fds[n++] = (struct pollfd){
            .fd = listener >= 0 && moving ? listener : -1, .events = POLLIN};
        for (int i = 0; i < MAX_PAIRS; i++) {
            pair *p = &pairs[i];
            short c = 0, s = 0;
            if (p->used && moving) {
                bool up_room = up_bucket.rate <= 0 || up_bucket.tokens >= 1;
                bool down_room =
                    down_bucket.rate <= 0 || down_bucket.tokens >= 1;
                if (p->up.len == 0 && !p->up.eof && up_room)
                    c |= POLLIN;
                if (p->down.len == 0 && !p->down.eof && down_room)
                    s |= POLLIN;
                if (p->up.len > 0)
                    s |= POLLOUT;
                if (p->down.len > 0)
                    c |= POLLOUT;
            }
            /* in the black hole nothing is looked at, not even a hang-up:
             * the peers must not learn anything */
            bool watch = p->used && moving;
            fds[n++] =
                (struct pollfd){.fd = watch ? p->client : -1, .events = c};
            fds[n++] =
                (struct pollfd){.fd = watch ? p->server : -1, .events = s};
        }
        /* short: rate tokens refill and signals are looked at often */
        int ready = poll(fds, (nfds_t)n, 10);
        if (ready < 0 && errno != EINTR) {
            fprintf(stderr, "tcp_cut_proxy: poll: %s\n", strerror(errno));
            return 1;
        }
        if (ready <= 0 || !moving)
            continue;
        if (fds[0].revents & POLLIN) {
            int client = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
            if (client >= 0) {
                accepted++;
                pair_open(pairs, client, target);
            }
        }
        for (int i = 0; i < MAX_PAIRS; i++) {
            pair *p = &pairs[i];
            if (!p->used)
                continue;
            short c = fds[1 + 2 * i].revents, s = fds[2 + 2 * i].revents;
            if (((c | s) & (POLLERR | POLLNVAL)) ||
                !flow_step(&p->up, c, s, &up_bucket, &up) ||
                !flow_step(&p->down, s, c, &down_bucket, &down)) {
                pair_drop(p);
                continue;
            }
            /* both sides said goodbye and everything was delivered */
            if (p->up.eof && p->down.eof && p->up.len == 0 &&
                p->down.len == 0) {
                close(p->client);
                close(p->server);
                p->used = false;
            }
        }
    }
}
