/* /api/events: server-sent events. Each client's connection is taken from
 * libsoup and written to asynchronously, one write at a time, from a
 * bounded queue: a client that stops reading fills its queue and is
 * dropped, so whoever pushes (the live pipeline's thread) never waits. */
#include "serve_internal.h"

#include <string.h>

#define CLIENT_QUEUE_MAX 256       /* events waiting for one client */
#define CLIENT_BYTES_MAX (1 << 20) /* or bytes */

typedef struct client {
    serve_events *events;
    GIOStream *stream;
    GCancellable *cancel;
    GQueue pending; /* GBytes */
    size_t pending_bytes;
    bool writing;
    bool reading; /* watching for the client to hang up */
    bool closing;
    bool closed;
} client;

struct serve_events {
    GMainContext *ctx;
    GList *clients;
    gint count; /* read from any thread */
};

serve_events *serve_events_new(GMainContext *ctx)
{
    serve_events *e = g_new0(serve_events, 1);
    e->ctx = g_main_context_ref(ctx);
    return e;
}

static void client_free(client *c)
{
    g_queue_clear_full(&c->pending, (GDestroyNotify)g_bytes_unref);
    g_object_unref(c->cancel);
    g_object_unref(c->stream);
    g_free(c);
}

static void closed(GObject *source, GAsyncResult *result, gpointer data)
{
    g_io_stream_close_finish(G_IO_STREAM(source), result, NULL);
    client_free(data);
}

/* Closes and frees c once no read or write of it is in flight. */
static void close_when_idle(client *c)
{
    if (!c->closing || c->writing || c->reading || c->closed)
        return;
    c->closed = true;
    g_io_stream_close_async(c->stream, G_PRIORITY_DEFAULT, NULL, closed, c);
}

static void client_drop(client *c)
{
    if (c->closing)
        return;
    c->closing = true;
    serve_events *e = c->events;
    e->clients = g_list_remove(e->clients, c);
    g_atomic_int_dec_and_test(&e->count);
    g_cancellable_cancel(c->cancel);
    close_when_idle(c);
}

/* A client sends nothing after its request: what ends this read is the
 * client going away (EOF or an error), which frees it at once rather
 * than at the next event. */
static void watch_hangup(client *c);

static void heard(GObject *source, GAsyncResult *result, gpointer data)
{
    client *c = data;
    c->reading = false;
    GBytes *bytes =
        g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), result, NULL);
    bool more = bytes && g_bytes_get_size(bytes) > 0;
    if (bytes)
        g_bytes_unref(bytes);
    if (more && !c->closing)
        watch_hangup(c);
    else
        client_drop(c);
    close_when_idle(c);
}

static void watch_hangup(client *c)
{
    c->reading = true;
    g_input_stream_read_bytes_async(g_io_stream_get_input_stream(c->stream),
                                    512, G_PRIORITY_DEFAULT, c->cancel, heard,
                                    c);
}

static void write_next(client *c);

static void written(GObject *source, GAsyncResult *result, gpointer data)
{
    client *c = data;
    c->writing = false;
    gboolean ok = g_output_stream_write_all_finish(G_OUTPUT_STREAM(source),
                                                   result, NULL, NULL);
    if (c->closing) {
        g_io_stream_close_async(c->stream, G_PRIORITY_DEFAULT, NULL, closed, c);
        return;
    }
    GBytes *done = g_queue_pop_head(&c->pending);
    c->pending_bytes -= g_bytes_get_size(done);
    g_bytes_unref(done);
    if (!ok)
        client_drop(c);
    else
        write_next(c);
}

static void write_next(client *c)
{
    GBytes *next = g_queue_peek_head(&c->pending);
    if (c->writing || c->closing || !next)
        return;
    c->writing = true;
    gsize size = 0;
    const void *data = g_bytes_get_data(next, &size);
    g_output_stream_write_all_async(g_io_stream_get_output_stream(c->stream),
                                    data, size, G_PRIORITY_DEFAULT, c->cancel,
                                    written, c);
}

static void client_queue(client *c, GBytes *bytes)
{
    if (c->pending.length >= CLIENT_QUEUE_MAX ||
        c->pending_bytes + g_bytes_get_size(bytes) > CLIENT_BYTES_MAX) {
        g_log("dokpim-serve", G_LOG_LEVEL_MESSAGE,
              "dropped an event client that stopped reading");
        client_drop(c);
        return;
    }
    g_queue_push_tail(&c->pending, g_bytes_ref(bytes));
    c->pending_bytes += g_bytes_get_size(bytes);
    write_next(c);
}

void serve_events_attach(serve_events *e, SoupServerMessage *msg)
{
    /* the response is ours from here: libsoup writes nothing more */
    GIOStream *stream = soup_server_message_steal_connection(msg);
    if (!stream)
        return;
    client *c = g_new0(client, 1);
    c->events = e;
    c->stream = stream;
    c->cancel = g_cancellable_new();
    g_queue_init(&c->pending);
    e->clients = g_list_prepend(e->clients, c);
    g_atomic_int_inc(&e->count);
    static const char head[] = "HTTP/1.1 200 OK\r\n"
                               "Content-Type: text/event-stream\r\n"
                               "Cache-Control: no-store\r\n"
                               "X-Content-Type-Options: nosniff\r\n"
                               "Connection: close\r\n\r\n"
                               ": dokpim events\n\n";
    GBytes *bytes = g_bytes_new_static(head, sizeof head - 1);
    watch_hangup(c);
    client_queue(c, bytes);
    g_bytes_unref(bytes);
}

unsigned serve_events_count(const serve_events *e)
{
    return e ? (unsigned)g_atomic_int_get(&e->count) : 0;
}

typedef struct push {
    serve_events *events;
    GBytes *bytes;
} push;

static gboolean push_on_context(gpointer data)
{
    push *p = data;
    GList *copy = g_list_copy(p->events->clients);
    for (GList *l = copy; l; l = l->next)
        client_queue(l->data, p->bytes);
    g_list_free(copy);
    return G_SOURCE_REMOVE;
}

static void push_free(gpointer data)
{
    push *p = data;
    g_bytes_unref(p->bytes);
    g_free(p);
}

void serve_events_send(serve_events *e, const char *event, const char *json)
{
    /* one data line: a JSON text with newlines would end the event */
    g_autofree char *data = g_strdup(json ? json : "null");
    g_strdelimit(data, "\r\n", ' ');
    push *p = g_new0(push, 1);
    p->events = e;
    char *text = g_strdup_printf("event: %s\ndata: %s\n\n", event, data);
    p->bytes = g_bytes_new_take(text, strlen(text));
    g_main_context_invoke_full(e->ctx, G_PRIORITY_DEFAULT, push_on_context, p,
                               push_free);
}

void serve_events_free(serve_events *e)
{
    if (!e)
        return;
    while (e->clients)
        client_drop(e->clients->data);
    /* let pending closes and pushes run before the context goes */
    while (g_main_context_iteration(e->ctx, FALSE))
        ;
    g_main_context_unref(e->ctx);
    g_free(e);
}
