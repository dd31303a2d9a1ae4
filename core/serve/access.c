/* Who may use the server: the token (made once, kept 0600), the cookie the
 * pages carry, the rules for changes (POST, JSON, X-Dokpim-Token, our own
 * Origin) and the size of bodies. */
#include "serve_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#define G_LOG_DOMAIN_SERVE "dokpim-serve"
#define TOKEN_MIN_CHARS    22 /* 128 bits of base64url */

void serve_refuse(SoupServerMessage *msg, int status, const char *why)
{
    const char *raw = g_uri_get_path(soup_server_message_get_uri(msg));
    g_autofree char *path = dk_escape_text(raw);
    g_log(G_LOG_DOMAIN_SERVE, G_LOG_LEVEL_MESSAGE, "refused %s %s: %s",
          soup_server_message_get_method(msg), path, why);
    /* a refused body may be unread: do not parse it as the next request */
    soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                 "Connection", "close");
    dk_server_reply_error(msg, status, "%s", why);
}

static char *new_token(dk_error *err)
{
    guint8 random[32];
    if (getrandom(random, sizeof random, 0) != (ssize_t)sizeof random) {
        dk_error_errno(err, DK_ERR_IO, "random bytes for the token", "");
        return NULL;
    }
    char *text = g_base64_encode(random, sizeof random);
    memset(random, 0, sizeof random);
    g_strdelimit(text, "+", '-');
    g_strdelimit(text, "/", '_');
    char *pad = strchr(text, '=');
    if (pad)
        *pad = '\0';
    return text;
}

static int read_token(const char *path, char **token, dk_error *err)
{
    int rc = dk_check_private_file(path, err);
    if (rc < 0)
        return rc;
    char *text = NULL;
    GError *error = NULL;
    if (!g_file_get_contents(path, &text, NULL, &error)) {
        rc = dk_error_set(err, DK_ERR_IO, "%s: %s", path, error->message);
        g_error_free(error);
        return rc;
    }
    g_strstrip(text);
    size_t n = strlen(text);
    if (n < TOKEN_MIN_CHARS || strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "abcdefghijklmnopqrstuvwxyz"
                                            "0123456789-_") != n) {
        g_free(text);
        return dk_error_set(err, DK_ERR_CONFIG,
                            "%s: not a token (at least %d letters, digits, "
                            "'-' or '_'); remove it to have a new one made",
                            path, TOKEN_MIN_CHARS);
    }
    *token = text;
    return 0;
}

int serve_token_load(const dk_server_options *o, char **token, dk_error *err)
{
    g_autofree char *default_path =
        o->library ? g_build_filename(o->library, "serve", "token", NULL)
                   : NULL;
    const char *path = o->token_file ? o->token_file : default_path;
    if (!path)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "no library and no token file: nowhere to keep "
                            "the token");
    if (g_file_test(path, G_FILE_TEST_EXISTS))
        return read_token(path, token, err);
    g_autofree char *dir = g_path_get_dirname(path);
    if (g_mkdir_with_parents(dir, 0700) != 0)
        return dk_error_errno(err, DK_ERR_IO, "folder for the token", dir);
    char *made = new_token(err);
    if (!made)
        return DK_ERR_IO;
    GError *error = NULL;
    g_autofree char *line = g_strconcat(made, "\n", NULL);
    /* temp file and rename, born 0600: never readable by others */
    if (!g_file_set_contents_full(
            path, line, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error)) {
        int rc = dk_error_set(err, DK_ERR_IO, "%s: %s", path, error->message);
        g_error_free(error);
        g_free(made);
        return rc;
    }
    *token = made;
    return 0;
}

char *serve_csrf_value(const char *token)
{
    return g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)token,
                                     strlen(token), "dokpim page", -1);
}

/* Compares in time that does not depend on where they differ. */
static bool same_secret(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (!b || strlen(b) != n)
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static char *cookie_token(SoupServerMessage *msg)
{
    const char *header = soup_message_headers_get_one(
        soup_server_message_get_request_headers(msg), "Cookie");
    if (!header)
        return NULL;
    GHashTable *cookies = soup_header_parse_semi_param_list(header);
    char *value = g_strdup(g_hash_table_lookup(cookies, "dokpim_token"));
    soup_header_free_param_list(cookies);
    return value;
}

static char *offered_token(SoupServerMessage *msg)
{
    const char *auth = soup_message_headers_get_one(
        soup_server_message_get_request_headers(msg), "Authorization");
    if (auth && g_ascii_strncasecmp(auth, "Bearer ", 7) == 0)
        return g_strdup(auth + 7);
    return cookie_token(msg);
}

static char *url_token(SoupServerMessage *msg)
{
    const char *query = g_uri_get_query(soup_server_message_get_uri(msg));
    if (!query)
        return NULL;
    GHashTable *params =
        g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL);
    char *token =
        params ? g_strdup(g_hash_table_lookup(params, "token")) : NULL;
    if (params)
        g_hash_table_unref(params);
    return token;
}

/* The page opened with ?token=: keep the token in a cookie the page's
 * scripts cannot read, and send the browser to the same page without it,
 * so it leaves the address bar and the history. */
static void set_cookie_and_redirect(SoupServerMessage *msg)
{
    g_autofree char *token = url_token(msg);
    SoupMessageHeaders *out = soup_server_message_get_response_headers(msg);
    g_autofree char *cookie = g_strdup_printf(
        "dokpim_token=%s; Path=/; HttpOnly; SameSite=Strict", token);
    soup_message_headers_append(out, "Set-Cookie", cookie);
    soup_message_headers_replace(out, "Cache-Control", "no-store");
    soup_server_message_set_redirect(
        msg, SOUP_STATUS_SEE_OTHER,
        g_uri_get_path(soup_server_message_get_uri(msg)));
}

/* An Origin other than the address this request was sent to is another
 * site's page driving the browser. */
static bool foreign_origin(SoupServerMessage *msg)
{
    SoupMessageHeaders *in = soup_server_message_get_request_headers(msg);
    const char *origin = soup_message_headers_get_one(in, "Origin");
    const char *host = soup_message_headers_get_one(in, "Host");
    if (!origin)
        return false;
    g_autofree char *own = g_strconcat("http://", host ? host : "", NULL);
    return g_ascii_strcasecmp(origin, own) != 0;
}

static bool change_allowed(dk_server *s, SoupServerMessage *msg)
{
    SoupMessageHeaders *in = soup_server_message_get_request_headers(msg);
    const char *type = soup_message_headers_get_content_type(in, NULL);
    if (!type || g_ascii_strcasecmp(type, "application/json") != 0) {
        serve_refuse(msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                     "a change needs Content-Type: application/json");
        return false;
    }
    const char *header = soup_message_headers_get_one(in, "X-Dokpim-Token");
    if (!header ||
        !(same_secret(s->csrf, header) || same_secret(s->token, header))) {
        serve_refuse(msg, SOUP_STATUS_FORBIDDEN,
                     "a change needs the X-Dokpim-Token header");
        return false;
    }
    if (soup_message_headers_get_encoding(in) != SOUP_ENCODING_CONTENT_LENGTH) {
        serve_refuse(msg, SOUP_STATUS_LENGTH_REQUIRED,
                     "a change needs a Content-Length");
        return false;
    }
    if (soup_message_headers_get_content_length(in) > SERVE_BODY_MAX) {
        serve_refuse(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                     "body over 1 MiB");
        return false;
    }
    return true;
}

bool serve_access_check(dk_server *s, SoupServerMessage *msg)
{
    const char *method = soup_server_message_get_method(msg);
    bool post = !strcmp(method, "POST");
    if (!post && strcmp(method, "GET") && strcmp(method, "HEAD")) {
        serve_refuse(msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                     "only GET, HEAD and POST");
        return false;
    }
    g_autofree char *from_url = url_token(msg);
    if (from_url) {
        if (post || !same_secret(s->token, from_url)) {
            serve_refuse(msg, SOUP_STATUS_FORBIDDEN, "wrong token in the URL");
            return false;
        }
        set_cookie_and_redirect(msg);
        return false;
    }
    g_autofree char *offered = offered_token(msg);
    if (!offered) {
        serve_refuse(msg, SOUP_STATUS_UNAUTHORIZED,
                     "no token (open the URL dokpim serve printed)");
        return false;
    }
    if (!same_secret(s->token, offered)) {
        serve_refuse(msg, SOUP_STATUS_FORBIDDEN, "wrong token");
        return false;
    }
    if (foreign_origin(msg)) {
        serve_refuse(msg, SOUP_STATUS_FORBIDDEN, "request from another site");
        return false;
    }
    return !post || change_allowed(s, msg);
}
