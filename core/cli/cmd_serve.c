/* dokpim serve -o LIBRARY [--listen ADDR] [--lan] [--token-file F]: the
 * crew's pages and their API on a GLib main loop, until Ctrl-C or
 * SIGTERM. */
#include "cli.h"
#include "serve.h"
#include "serve_i18n.h"
#include "serve_publish.h"
#include "serve_queue.h"

#include <glib-unix.h>
#include <stdio.h>
#include <unistd.h>

static gboolean quit(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_CONTINUE;
}

static void log_line(const char *domain, GLogLevelFlags level,
                     const char *message, gpointer data)
{
    (void)domain;
    (void)level;
    (void)data;
    cli_note("%s", message);
}

/* The one place the token is shown: the address to open, and its QR code
 * for a phone's camera. */
static void print_address(const dk_server *s, bool lan)
{
    g_autofree char *url =
        g_strdup_printf("%s?token=%s", dk_server_url(s), dk_server_token(s));
    printf("dokpim: serving at %s\nopen: %s\n", dk_server_url(s), url);
    if (lan || isatty(STDOUT_FILENO)) {
        g_autofree char *qr = dk_server_qr_text(url);
        if (qr)
            printf("%s", qr);
    }
    printf("(Ctrl-C stops)\n");
    fflush(stdout);
}

int cmd_serve(int argc, char **argv)
{
    g_autofree char *library = NULL;
    g_autofree char *listen = NULL;
    g_autofree char *token_file = NULL;
    gboolean lan = FALSE;
    g_autofree char *event = NULL;
    g_autofree char *pipeline = NULL;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &library,
         N_("the event's library folder"), "LIBRARY"},
        {"listen", 0, 0, G_OPTION_ARG_STRING, &listen,
         N_("address and port (default 127.0.0.1:8080; port 0: any free one)"),
         "ADDR:PORT"},
        {"lan", 0, 0, G_OPTION_ARG_NONE, &lan,
         N_("allow a non-loopback --listen, for phones on the same network"),
         NULL},
        {"token-file", 0, 0, G_OPTION_ARG_FILENAME, &token_file,
         N_("where the access token is kept (default LIBRARY/serve/token, "
            "made once, mode 0600)"),
         "FILE"},
        {"event", 0, 0, G_OPTION_ARG_FILENAME, &event,
         N_("the event file the gallery's Publish picks runs with (default: "
            "the event the library's manifests recorded)"),
         "EVENT"},
        {"pipeline", 0, 0, G_OPTION_ARG_FILENAME, &pipeline,
         N_("the pipeline Publish picks runs (default: the shipped "
            "event-photos-publish.conf)"),
         "PIPELINE"},
        {NULL}};
    if (!cli_parse(&argc, &argv, "-o LIBRARY",
                   "The crew's web page: gallery, live control and queue.\n"
                   "Every request needs the token printed at start.",
                   entries))
        return DK_EXIT_USAGE;
    if (argc > 1) {
        cli_error("unexpected argument '%s'", argv[1]);
        return DK_EXIT_USAGE;
    }
    if (!library) {
        cli_error("serve needs -o LIBRARY");
        return DK_EXIT_USAGE;
    }
    g_autofree char *web =
        cli_shipped_dir(DK_SOURCE_WEB_DIR, "web", DK_INSTALL_WEB_DIR);
    dk_server_options options = {
        .listen = listen,
        .lan = lan,
        .token_file = token_file,
        .library = library,
        .web_root = web,
    };
    g_log_set_handler("dokpim-serve", G_LOG_LEVEL_MASK, log_line, NULL);
    dk_server *server = NULL;
    dk_error err = {0};
    if (dk_server_start(&options, NULL, &server, &err) < 0) {
        cli_error("%s", err.message);
        return DK_EXIT_USAGE;
    }
    serve_publish publish = {
        .library = library, .pipeline = pipeline, .event = event};
    gallery_options gallery_opts;
    serve_publish_options(&publish, &gallery_opts);
    gallery *photos = gallery_attach(server, &gallery_opts);
    serve_queue *queue = serve_queue_attach(server, library);
    serve_i18n_attach(server);
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    guint on_int = g_unix_signal_add(SIGINT, quit, loop);
    guint on_term = g_unix_signal_add(SIGTERM, quit, loop);
    print_address(server, lan);
    g_main_loop_run(loop);
    g_source_remove(on_int);
    g_source_remove(on_term);
    serve_queue_free(queue);
    dk_server_stop(server);
    gallery_free(&photos);
    serve_publish_clear(&publish);
    g_main_loop_unref(loop);
    cli_note("stopped");
    return DK_EXIT_OK;
}
