/* GET /api/i18n.js: the pages' messages as a script, so a page has them before
 * its own script runs (a fetch would draw the page in English first).
 *
 * The language: DOKPIM_LANGUAGE, else LANGUAGE (which the event's
 * language= sets through dk_i18n_use_language, as for the command line),
 * else the browser's Accept-Language, else English. Only a language with
 * a catalogue file is served; any other falls back to English. */
#include "serve_i18n.h"

#include "cli.h"

#include <string.h>

/* The first language tag's primary subtag, lowercased, if it is 2-3
 * letters ("id-ID,id;q=0.9" gives "id"); else NULL. */
static char *primary_language(const char *list)
{
    if (!list)
        return NULL;
    size_t n = 0;
    while (g_ascii_isalpha(list[n]) && n < 4)
        n++;
    if (n < 2 || n > 3)
        return NULL;
    return g_ascii_strdown(list, (gssize)n);
}

static char *messages_file(const char *language)
{
    g_autofree char *dir = cli_shipped_dir(DK_BUILD_WEB_I18N_DIR, "web/i18n",
                                           DK_INSTALL_WEB_DIR "/i18n");
    g_autofree char *name = g_strconcat(language, ".json", NULL);
    char *path = g_build_filename(dir, name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return path;
    g_free(path);
    return NULL;
}

static void get_messages(dk_server *s, SoupServerMessage *msg, const char *path,
                         JsonNode *body, void *user)
{
    (void)s;
    (void)path;
    (void)body;
    (void)user;
    SoupMessageHeaders *request = soup_server_message_get_request_headers(msg);
    const char *wishes[] = {
        g_getenv("DOKPIM_LANGUAGE"),
        g_getenv("LANGUAGE"),
        soup_message_headers_get_one(request, "Accept-Language"),
    };
    g_autofree char *file = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(wishes) && !file; i++) {
        g_autofree char *language = primary_language(wishes[i]);
        if (language)
            file = messages_file(language);
    }
    g_autofree char *json = NULL;
    if (file && !g_file_get_contents(file, &json, NULL, NULL))
        json = NULL;
    /* the files are the build's own JSON; "{}" when none: English */
    g_autofree char *script =
        g_strdup_printf("window.DK_MESSAGES = %s;\n", json ? json : "{}");
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    soup_message_headers_replace(headers, "Cache-Control", "no-cache");
    soup_message_headers_replace(headers, "Vary", "Accept-Language");
    soup_server_message_set_response(msg, "text/javascript; charset=utf-8",
                                     SOUP_MEMORY_COPY, script, strlen(script));
    soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
}

void serve_i18n_attach(dk_server *server)
{
    dk_server_route(server, "GET", "/api/i18n.js", get_messages, NULL);
}
