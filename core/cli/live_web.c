/* The live control page's API in the live process (see live_web.h). */
#include "live_web.h"
#include "cli.h"
#include "serve.h"
#include "serve_i18n.h"

#include <string.h>

struct live_web {
    dk_server *server;
    dk_live *live; /* outlives the web: stopped before it is freed */
    live_web_command command;
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    GMutex lock; /* guards status */
    char *status;
};

static void get_status(dk_server *s, SoupServerMessage *msg, const char *path,
                       JsonNode *body, void *user)
{
    (void)s;
    (void)path;
    (void)body;
    live_web *web = user;
    g_mutex_lock(&web->lock);
    g_autofree char *text = g_strdup(web->status ? web->status : "{}");
    g_mutex_unlock(&web->lock);
    JsonNode *node = json_from_string(text, NULL);
    dk_server_reply_json(msg, SOUP_STATUS_OK,
                         node ? node : json_node_new(JSON_NODE_NULL));
}

static void get_preview(dk_server *s, SoupServerMessage *msg, const char *path,
                        JsonNode *body, void *user)
{
    (void)s;
    (void)path;
    (void)body;
    live_web *web = user;
    GBytes *jpeg = dk_live_preview_latest(web->live, NULL);
    if (!jpeg) {
        dk_server_reply_error(msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                              "no picture yet");
        return;
    }
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    soup_message_headers_replace(headers, "Cache-Control", "no-store");
    gsize size = 0;
    const void *data = g_bytes_get_data(jpeg, &size);
    soup_server_message_set_response(msg, "image/jpeg", SOUP_MEMORY_COPY, data,
                                     size);
    soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
    g_bytes_unref(jpeg);
}

/* {"command": "lower-third"|"slate"|"clock"|"stop", "value": "on"|"off"|
 * "toggle"} becomes the line the keys and the FIFO give; the parser that
 * checks those checks this too. */
static void post_command(dk_server *s, SoupServerMessage *msg, const char *path,
                         JsonNode *body, void *user)
{
    (void)s;
    (void)path;
    live_web *web = user;
    JsonObject *o = body && JSON_NODE_HOLDS_OBJECT(body)
                        ? json_node_get_object(body)
                        : NULL;
    const char *command =
        o && json_object_has_member(o, "command")
            ? json_node_get_string(json_object_get_member(o, "command"))
            : NULL;
    const char *value =
        o && json_object_has_member(o, "value")
            ? json_node_get_string(json_object_get_member(o, "value"))
            : NULL;
    /* one word each: a space inside would let the value add words */
    if (!command || strpbrk(command, " \t\r\n") ||
        (value && strpbrk(value, " \t\r\n"))) {
        dk_server_reply_error(msg, SOUP_STATUS_BAD_REQUEST,
                              "give {\"command\": \"lower-third\", \"value\": "
                              "\"toggle\"} (or slate, clock, stop)");
        return;
    }
    g_autofree char *line =
        g_strdup_printf("%s %s", command, value ? value : "");
    dk_error err = {0};
    if (web->command(line, &err) < 0) {
        dk_server_reply_error(msg,
                              err.code == DK_ERR_CANCELLED
                                  ? SOUP_STATUS_CONFLICT
                                  : SOUP_STATUS_BAD_REQUEST,
                              "%s", err.message);
        return;
    }
    JsonNode *ok = json_from_string("{\"queued\":true}", NULL);
    dk_server_reply_json(msg, SOUP_STATUS_OK, ok);
}

static gboolean quit_loop(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static gpointer serve_thread(gpointer data)
{
    live_web *web = data;
    g_main_context_push_thread_default(web->ctx);
    g_main_loop_run(web->loop);
    g_main_context_pop_thread_default(web->ctx);
    return NULL;
}

live_web *live_web_start(const char *listen, bool lan, const char *library,
                         dk_live *live, live_web_command command)
{
    live_web *web = g_new0(live_web, 1);
    web->live = live;
    web->command = command;
    g_mutex_init(&web->lock);
    web->ctx = g_main_context_new();
    web->loop = g_main_loop_new(web->ctx, FALSE);
    g_autofree char *pages =
        cli_shipped_dir(DK_SOURCE_WEB_DIR, "web", DK_INSTALL_WEB_DIR);
    dk_server_options options = {
        .listen = listen,
        .lan = lan,
        .library = library,
        .web_root = pages,
    };
    /* the server's folder (the token's) goes in the library, which a live
     * only makes once its recording starts */
    g_mkdir_with_parents(library, 0755);
    dk_error err = {0};
    if (dk_server_start(&options, web->ctx, &web->server, &err) < 0) {
        cli_error("--web: %s", err.message);
        live_web_stop(&web);
        return NULL;
    }
    serve_i18n_attach(web->server);
    dk_server_route(web->server, "GET", "/api/live/status", get_status, web);
    dk_server_route(web->server, "GET", "/api/live/preview.jpg", get_preview,
                    web);
    dk_server_route(web->server, "POST", "/api/live/command", post_command,
                    web);
    /* the one place the token is shown, as `dokpim serve` shows it */
    cli_note("live control at %slive.html?token=%s", dk_server_url(web->server),
             dk_server_token(web->server));
    dk_live_want_preview(live);
    web->thread = cli_thread_start("dokpim-web", serve_thread, web);
    return web;
}

void live_web_status(live_web *web, const char *json)
{
    if (!web)
        return;
    g_mutex_lock(&web->lock);
    g_free(web->status);
    web->status = g_strdup(json);
    g_mutex_unlock(&web->lock);
    dk_server_push(web->server, "live", json);
}

void live_web_event(live_web *web, const char *json)
{
    if (web)
        dk_server_push(web->server, "live-event", json);
}

void live_web_stop(live_web **webp)
{
    live_web *web = webp ? *webp : NULL;
    if (!web)
        return;
    if (web->server)
        dk_server_push(web->server, "live-ended", "{}");
    if (web->thread) {
        /* what was pushed goes out before the loop ends: the quit is
         * queued behind it on the server's context */
        g_main_context_invoke(web->ctx, quit_loop, web->loop);
        g_thread_join(web->thread);
    }
    /* the server's context is this thread's now */
    g_main_context_push_thread_default(web->ctx);
    dk_server_stop(web->server);
    g_main_context_pop_thread_default(web->ctx);
    g_main_loop_unref(web->loop);
    g_main_context_unref(web->ctx);
    g_free(web->status);
    g_mutex_clear(&web->lock);
    g_free(web);
    *webp = NULL;
}
