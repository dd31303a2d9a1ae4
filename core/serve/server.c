/* The server: listening, routing a request to the API, the event stream,
 * the library's files or the pages, and the replies. */
#include "serve_internal.h"

#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

static void route_free(serve_route *r)
{
    g_free(r->method);
    g_free(r->prefix);
    g_free(r);
}

void dk_server_route(dk_server *s, const char *method, const char *prefix,
                     dk_server_handler h, void *user)
{
    serve_route *r = g_new0(serve_route, 1);
    r->method = g_strdup(method);
    r->prefix = g_strdup(prefix);
    r->handler = h;
    r->user = user;
    g_ptr_array_add(s->routes, r);
}

void dk_server_reply_json(SoupServerMessage *msg, int status, JsonNode *node)
{
    g_autofree char *text = json_to_string(node, FALSE);
    json_node_unref(node);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                 "Cache-Control", "no-store");
    soup_server_message_set_status(msg, status, NULL);
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY,
                                     text, strlen(text));
}

void dk_server_reply_error(SoupServerMessage *msg, int status, const char *fmt,
                           ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, args);
    va_end(args);
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "error");
    json_builder_add_string_value(b, text);
    json_builder_end_object(b);
    dk_server_reply_json(msg, status, json_builder_get_root(b));
    g_object_unref(b);
}

static bool path_under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 &&
           (path[n] == '\0' || path[n] == '/' || prefix[n - 1] == '/');
}

/* The route of the longest prefix covering path; when that prefix is
 * routed for other methods only, *other_method says so (405). */
static const serve_route *find_route(const dk_server *s, const char *method,
                                     const char *path, bool *other_method)
{
    const serve_route *best = NULL;
    size_t longest = 0;
    for (guint i = 0; i < s->routes->len; i++) {
        const serve_route *r = s->routes->pdata[i];
        if (path_under(path, r->prefix) && strlen(r->prefix) > longest)
            longest = strlen(r->prefix);
    }
    for (guint i = 0; i < s->routes->len; i++) {
        const serve_route *r = s->routes->pdata[i];
        if (strlen(r->prefix) == longest && path_under(path, r->prefix) &&
            !strcmp(r->method, method))
            best = r;
    }
    *other_method = longest > 0 && !best;
    return best;
}

static JsonNode *parse_body(SoupServerMessage *msg)
{
    g_autoptr(GBytes) bytes =
        soup_message_body_flatten(soup_server_message_get_request_body(msg));
    gsize size = 0;
    const char *data = g_bytes_get_data(bytes, &size);
    if (size == 0) {
        serve_refuse(msg, SOUP_STATUS_BAD_REQUEST, "empty body (JSON needed)");
        return NULL;
    }
    JsonParser *parser = json_parser_new();
    GError *error = NULL;
    JsonNode *root = NULL;
    if (json_parser_load_from_data(parser, data, (gssize)size, &error))
        root = json_node_copy(json_parser_get_root(parser));
    else {
        g_autofree char *why = g_strdup_printf("bad JSON: %s", error->message);
        serve_refuse(msg, SOUP_STATUS_BAD_REQUEST, why);
        g_error_free(error);
    }
    g_object_unref(parser);
    return root;
}

static void api_request(dk_server *s, SoupServerMessage *msg,
                        const char *method, const char *path)
{
    bool other_method = false;
    const serve_route *r = find_route(s, method, path, &other_method);
    if (!r && !strcmp(method, "HEAD"))
        r = find_route(s, "GET", path, &other_method);
    if (!r) {
        serve_refuse(msg,
                     other_method ? SOUP_STATUS_METHOD_NOT_ALLOWED
                                  : SOUP_STATUS_NOT_FOUND,
                     other_method ? "method not allowed here" : "no such API");
        return;
    }
    JsonNode *body = NULL;
    if (!strcmp(method, "POST") && !(body = parse_body(msg)))
        return;
    r->handler(s, msg, path, body, r->user);
    if (body)
        json_node_unref(body);
}

static void handle_request(SoupServer *soup, SoupServerMessage *msg,
                           const char *decoded_path, GHashTable *query,
                           gpointer data)
{
    (void)soup;
    (void)query;
    dk_server *s = data;
    if (soup_server_message_get_status(msg) != 0)
        return; /* refused by the early check */
    const char *method = soup_server_message_get_method(msg);
    /* the raw path, decoded here: a %00 is refused rather than cut */
    const char *raw = g_uri_get_path(soup_server_message_get_uri(msg));
    g_autofree char *path = g_uri_unescape_string(raw, NULL);
    (void)decoded_path;
    if (!path || strchr(path, '\n') || strchr(path, '\r')) {
        serve_refuse(msg, SOUP_STATUS_BAD_REQUEST, "badly encoded path");
        return;
    }
    bool reading = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (!strcmp(path, "/api/events") && !strcmp(method, "GET"))
        serve_events_attach(s->events, msg);
    else if (path_under(path, "/api"))
        api_request(s, msg, method, path);
    else if (!reading)
        serve_refuse(msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                     "files and pages are read only");
    else if (g_str_has_prefix(path, "/files/"))
        serve_library_file(s, msg, path + strlen("/files/"));
    else if (s->web_fd < 0)
        serve_refuse(msg, SOUP_STATUS_NOT_FOUND, "no pages installed");
    else
        serve_file_beneath(msg, s->web_fd,
                           strcmp(path, "/") ? path + 1 : "index.html",
                           "no-cache");
}

static void early_check(SoupServer *soup, SoupServerMessage *msg,
                        const char *path, GHashTable *query, gpointer data)
{
    (void)soup;
    (void)path;
    (void)query;
    serve_access_check(data, msg);
}

/* What a page asks first: the value its changes carry as X-Dokpim-Token
 * (the cookie that proved the token is HttpOnly, so a script never holds
 * the token itself). */
static void session(dk_server *s, SoupServerMessage *msg, const char *path,
                    JsonNode *body, void *user)
{
    (void)path;
    (void)body;
    (void)user;
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "csrf");
    json_builder_add_string_value(b, s->csrf);
    json_builder_end_object(b);
    dk_server_reply_json(msg, SOUP_STATUS_OK, json_builder_get_root(b));
    g_object_unref(b);
}

/* "HOST:PORT" ("[::1]:8080" for IPv6) into an address; NULL after err. */
static GSocketAddress *parse_listen(const char *listen, bool lan, dk_error *err)
{
    const char *colon = strrchr(listen, ':');
    char *end = NULL;
    guint64 port = colon ? g_ascii_strtoull(colon + 1, &end, 10) : 0;
    if (!colon || !colon[1] || *end || port > 65535) {
        dk_error_set(err, DK_ERR_CONFIG,
                     "--listen %s: expected ADDRESS:PORT, e.g. "
                     "127.0.0.1:8080",
                     listen);
        return NULL;
    }
    g_autofree char *host = g_strndup(listen, colon - listen);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    GInetAddress *address = g_inet_address_new_from_string(host);
    if (!address) {
        dk_error_set(err, DK_ERR_CONFIG,
                     "--listen %s: '%s' is not an IP address", listen, host);
        return NULL;
    }
    if (!lan && !g_inet_address_get_is_loopback(address)) {
        dk_error_set(err, DK_ERR_CONFIG,
                     "--listen %s is reachable from other machines: add "
                     "--lan to mean it (the token is then needed from every "
                     "phone)",
                     listen);
        g_object_unref(address);
        return NULL;
    }
    GSocketAddress *socket_address =
        g_inet_socket_address_new(address, (guint16)port);
    g_object_unref(address);
    return socket_address;
}

/* The address a phone on the LAN reaches for a wildcard listen: this
 * machine's first IPv4 address that is not loopback. */
static char *lan_host(void)
{
    struct ifaddrs *list = NULL;
    char *host = NULL;
    if (getifaddrs(&list) != 0)
        return NULL;
    for (struct ifaddrs *i = list; i && !host; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        GInetAddress *a = g_inet_address_new_from_bytes(
            (const guint8 *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
            G_SOCKET_FAMILY_IPV4);
        if (!g_inet_address_get_is_loopback(a))
            host = g_inet_address_to_string(a);
        g_object_unref(a);
    }
    freeifaddrs(list);
    return host;
}

static char *bound_url(SoupServer *soup, GInetSocketAddress *wanted)
{
    GSList *uris = soup_server_get_uris(soup);
    int port = uris ? g_uri_get_port(uris->data) : 0;
    g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
    GInetAddress *address = g_inet_socket_address_get_address(wanted);
    g_autofree char *host = NULL;
    if (g_inet_address_get_is_any(address))
        host = lan_host();
    if (!host)
        host = g_inet_address_to_string(address);
    bool v6 = strchr(host, ':') != NULL;
    return g_strdup_printf("http://%s%s%s:%d/", v6 ? "[" : "", host,
                           v6 ? "]" : "", port);
}

static int open_dir(const char *path, const char *what, int *fd, dk_error *err)
{
    *fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0)
        return dk_error_errno(err, DK_ERR_CONFIG, what, path);
    return 0;
}

int dk_server_start(const dk_server_options *o, GMainContext *ctx,
                    dk_server **out, dk_error *err)
{
    *out = NULL;
    GSocketAddress *address =
        parse_listen(o->listen ? o->listen : "127.0.0.1:8080", o->lan, err);
    if (!address)
        return DK_ERR_CONFIG;
    dk_server *s = g_new0(dk_server, 1);
    s->library_fd = s->web_fd = -1;
    s->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
    s->routes = g_ptr_array_new_with_free_func((GDestroyNotify)route_free);
    s->library = g_strdup(o->library);
    int rc = serve_token_load(o, &s->token, err);
    if (rc == 0 && o->library)
        rc = open_dir(o->library, "library", &s->library_fd, err);
    if (rc == 0 && o->web_root)
        rc = open_dir(o->web_root, "pages", &s->web_fd, err);
    if (rc < 0) {
        g_object_unref(address);
        dk_server_stop(s);
        return rc;
    }
    s->csrf = serve_csrf_value(s->token);
    dk_server_route(s, "GET", "/api/session", session, NULL);
    s->events = serve_events_new(s->ctx);
    /* the listening socket's sources attach to the thread-default
     * context: make it ctx while listening */
    g_main_context_push_thread_default(s->ctx);
    s->soup = soup_server_new("server-header", "dokpim", NULL);
    soup_server_add_early_handler(s->soup, NULL, early_check, s, NULL);
    soup_server_add_handler(s->soup, NULL, handle_request, s, NULL);
    GError *error = NULL;
    gboolean listening = soup_server_listen(s->soup, address, 0, &error);
    g_main_context_pop_thread_default(s->ctx);
    if (!listening) {
        g_autofree char *where =
            g_socket_connectable_to_string(G_SOCKET_CONNECTABLE(address));
        dk_error_set(err, DK_ERR_CONFIG, "cannot listen on %s: %s", where,
                     error->message);
        g_error_free(error);
        g_object_unref(address);
        dk_server_stop(s);
        return DK_ERR_CONFIG;
    }
    s->url = bound_url(s->soup, G_INET_SOCKET_ADDRESS(address));
    g_object_unref(address);
    *out = s;
    return 0;
}

void dk_server_stop(dk_server *s)
{
    if (!s)
        return;
    if (s->soup) {
        soup_server_disconnect(s->soup);
        g_object_unref(s->soup);
    }
    serve_events_free(s->events);
    if (s->library_fd >= 0)
        close(s->library_fd);
    if (s->web_fd >= 0)
        close(s->web_fd);
    g_ptr_array_free(s->routes, TRUE);
    if (s->token)
        memset(s->token, 0, strlen(s->token));
    g_free(s->token);
    g_free(s->csrf);
    g_free(s->library);
    g_free(s->url);
    g_main_context_unref(s->ctx);
    g_free(s);
}

const char *dk_server_url(const dk_server *s)
{
    return s->url;
}
const char *dk_server_token(const dk_server *s)
{
    return s->token;
}
const char *dk_server_library(const dk_server *s)
{
    return s->library;
}

void dk_server_push(dk_server *s, const char *event, const char *json)
{
    serve_events_send(s->events, event, json);
}

unsigned dk_server_event_clients(const dk_server *s)
{
    return serve_events_count(s->events);
}
