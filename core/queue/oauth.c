/* OAuth 2.0 behind dokpim/oauth.h: credentials file, refresh, device flow.
 * Nothing here ever puts a token or secret in a message. */
#include <dokpim/oauth.h>

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <dokpim/fileio.h>

#include "answers.h"

/* The longest lifetime an answer may give a token or a code: a year. */
#define ANSWER_SECONDS_MAX (366LL * 24 * 3600)

static char *member_string(JsonObject *object, const char *name)
{
    if (!object || !json_object_has_member(object, name))
        return NULL;
    JsonNode *node = json_object_get_member(object, name);
    if (!JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    const char *text = json_node_get_string(node);
    return text && *text ? g_strdup(text) : NULL;
}

/* A count of seconds (a JSON number or a numeric string) within [0, max];
 * def when it is absent or anything else: the answer comes from a server,
 * and the caller adds it to the clock. */
static int64_t member_seconds(JsonObject *object, const char *name, int64_t def,
                              int64_t max)
{
    if (!object || !json_object_has_member(object, name))
        return def;
    JsonNode *node = json_object_get_member(object, name);
    if (!JSON_NODE_HOLDS_VALUE(node))
        return def;
    GType type = json_node_get_value_type(node);
    if (type == G_TYPE_INT64) {
        int64_t value = json_node_get_int(node);
        return value >= 0 && value <= max ? value : def;
    }
    if (type == G_TYPE_DOUBLE) {
        double value = json_node_get_double(node);
        /* false for NaN too */
        return value >= 0 && value <= (double)max ? (int64_t)value : def;
    }
    guint64 value = 0;
    if (type == G_TYPE_STRING &&
        g_ascii_string_to_unsigned(json_node_get_string(node), 10, 0,
                                   (guint64)max, &value, NULL))
        return (int64_t)value;
    return def;
}

/* Parses text as a JSON object; NULL when it is not one. */
static JsonObject *parse_object(const char *text, gssize length,
                                JsonParser **parser)
{
    *parser = json_parser_new();
    if (!json_parser_load_from_data(*parser, text, length, NULL))
        return NULL;
    JsonNode *root = json_parser_get_root(*parser);
    return root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root)
                                                : NULL;
}

void dk_oauth_free(dk_oauth_credentials **credentials)
{
    if (!credentials || !*credentials)
        return;
    dk_oauth_credentials *c = *credentials;
    g_free(c->path);
    g_free(c->client_id);
    g_free(c->client_secret);
    if (c->refresh_token) /* do not leave it in freed memory */
        memset(c->refresh_token, 0, strlen(c->refresh_token));
    g_free(c->refresh_token);
    g_free(c->token_uri);
    g_free(c->device_uri);
    g_free(c);
    *credentials = NULL;
}

int dk_oauth_load(const char *path, bool need_refresh_token,
                  dk_oauth_credentials **out, dk_error *err)
{
    *out = NULL;
    if (dk_check_private_file(path, err) < 0)
        return dk_error_prefix(err, "credentials file ");
    g_autofree char *text = NULL;
    gsize length = 0;
    if (!g_file_get_contents(path, &text, &length, NULL))
        return dk_error_set(err, DK_ERR_IO, "cannot read credentials file %s",
                            path);
    JsonParser *parser = NULL;
    JsonObject *root = parse_object(text, (gssize)length, &parser);
    if (!root) {
        g_object_unref(parser);
        return dk_error_set(err, DK_ERR_CONFIG,
                            "credentials file %s is not a JSON object", path);
    }
    JsonObject *object = root;
    if (json_object_has_member(root, "installed") &&
        JSON_NODE_HOLDS_OBJECT(json_object_get_member(root, "installed")))
        object = json_object_get_object_member(root, "installed");
    dk_oauth_credentials *c = g_new0(dk_oauth_credentials, 1);
    c->path = g_strdup(path);
    c->client_id = member_string(object, "client_id");
    c->client_secret = member_string(object, "client_secret");
    c->refresh_token = member_string(object, "refresh_token");
    if (!c->refresh_token && object != root)
        c->refresh_token = member_string(root, "refresh_token");
    c->token_uri = member_string(object, "token_uri");
    c->device_uri = member_string(object, "device_uri");
    if (!c->device_uri && object != root)
        c->device_uri = member_string(root, "device_uri");
    if (!c->token_uri)
        c->token_uri = g_strdup(DK_OAUTH_GOOGLE_TOKEN_URI);
    if (!c->device_uri)
        c->device_uri = g_strdup(DK_OAUTH_GOOGLE_DEVICE_URI);
    g_object_unref(parser);
    int rc = 0;
    if (!c->client_id || !c->client_secret)
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "credentials file %s needs client_id and "
                          "client_secret",
                          path);
    else if (need_refresh_token && !c->refresh_token)
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "credentials file %s has no refresh_token yet; run: "
                          "dokpim youtube auth %s",
                          path, path);
    if (rc < 0) {
        dk_oauth_free(&c);
        return rc;
    }
    *out = c;
    return 0;
}

static char *form(const char *const *pairs)
{
    GString *body = g_string_new(NULL);
    for (int i = 0; pairs[i]; i += 2) {
        g_autofree char *value = dk_http_escape(pairs[i + 1]);
        g_string_append_printf(body, "%s%s=%s", i ? "&" : "", pairs[i], value);
    }
    return g_string_free(body, FALSE);
}

/* POSTs a form; *status and *answer (g_free) are the HTTP status and
 * body of the reply. */
static int post_form(dk_http_client *client, const char *url,
                     const char *const *pairs, long *status, char **answer,
                     size_t *answer_length, dk_error *err)
{
    *answer = NULL;
    *answer_length = 0;
    g_autofree char *body = form(pairs);
    static const char *const headers[] = {
        "Content-Type: application/x-www-form-urlencoded", NULL};
    dk_http_request request = {.method = "POST",
                               .url = url,
                               .headers = headers,
                               .body = body,
                               .body_length = strlen(body),
                               .timeout_seconds = 60};
    dk_http_response response;
    int rc = dk_http_perform(client, &request, &response, err);
    memset(body, 0, strlen(body)); /* it held the secret */
    if (rc == 0) {
        *status = response.status;
        *answer_length = response.body->len;
        *answer = g_string_free(response.body, FALSE);
        response.body = NULL;
    }
    dk_http_response_clear(&response);
    return rc;
}

/* Frees an answer that may hold a token. */
static void answer_free(char *answer, size_t length)
{
    if (answer)
        memset(answer, 0, length);
    g_free(answer);
}

static char *error_text(JsonObject *object, long status)
{
    g_autofree char *code = member_string(object, "error");
    g_autofree char *description = member_string(object, "error_description");
    if (code && description)
        return g_strdup_printf("%s (%s)", code, description);
    if (code)
        return g_steal_pointer(&code);
    return g_strdup_printf("HTTP %ld", status);
}

int dk_oauth_read_token_answer(const dk_oauth_credentials *c, long status,
                               const char *answer, size_t length, char **token,
                               int64_t *expires_at, bool *revoked,
                               dk_error *err)
{
    *token = NULL;
    *revoked = false;
    JsonParser *parser = NULL;
    JsonObject *object = parse_object(answer, (gssize)length, &parser);
    int rc = 0;
    g_autofree char *code = member_string(object, "error");
    if (status == 200 && object &&
        (*token = member_string(object, "access_token"))) {
        *expires_at =
            (int64_t)time(NULL) +
            member_seconds(object, "expires_in", 3600, ANSWER_SECONDS_MAX);
    } else if (code && (strcmp(code, "invalid_grant") == 0 ||
                        strcmp(code, "unauthorized_client") == 0)) {
        *revoked = true;
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "the refresh token in %s was expired or revoked "
                          "by Google; run: dokpim youtube auth %s",
                          c->path, c->path);
    } else {
        g_autofree char *why = error_text(object, status);
        rc = dk_error_set(err,
                          status >= 500 || status == 429 ? DK_ERR_NETWORK
                                                         : DK_ERR_CONFIG,
                          "token refresh refused: %s", why);
    }
    g_clear_object(&parser);
    return rc;
}

int dk_oauth_access_token(dk_http_client *client, const dk_oauth_credentials *c,
                          char **token, int64_t *expires_at, bool *revoked,
                          dk_error *err)
{
    *token = NULL;
    *revoked = false;
    const char *pairs[] = {"grant_type",    "refresh_token",  "client_id",
                           c->client_id,    "client_secret",  c->client_secret,
                           "refresh_token", c->refresh_token, NULL};
    long status = 0;
    char *answer = NULL;
    size_t length = 0;
    int rc =
        post_form(client, c->token_uri, pairs, &status, &answer, &length, err);
    if (rc < 0)
        return dk_error_prefix(err, "token refresh: ");
    rc = dk_oauth_read_token_answer(c, status, answer, length, token,
                                    expires_at, revoked, err);
    answer_free(answer, length);
    return rc;
}

void dk_oauth_device_free(dk_oauth_device **device)
{
    if (!device || !*device)
        return;
    dk_oauth_device *d = *device;
    g_free(d->device_code);
    g_free(d->user_code);
    g_free(d->verification_url);
    g_free(d);
    *device = NULL;
}

int dk_oauth_read_device_answer(long status, const char *answer, size_t length,
                                dk_oauth_device **out, dk_error *err)
{
    *out = NULL;
    JsonParser *parser = NULL;
    JsonObject *object = parse_object(answer, (gssize)length, &parser);
    dk_oauth_device *d = g_new0(dk_oauth_device, 1);
    d->device_code = member_string(object, "device_code");
    d->user_code = member_string(object, "user_code");
    d->verification_url = member_string(object, "verification_url");
    if (!d->verification_url)
        d->verification_url = member_string(object, "verification_uri");
    d->interval = (int)member_seconds(object, "interval", 5, 600);
    d->expires_at =
        (int64_t)time(NULL) +
        member_seconds(object, "expires_in", 1800, ANSWER_SECONDS_MAX);
    int rc = 0;
    if (status != 200 || !d->device_code || !d->user_code ||
        !d->verification_url) {
        g_autofree char *why = error_text(object, status);
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "device authorization refused: %s", why);
        dk_oauth_device_free(&d);
    }
    *out = d;
    g_clear_object(&parser);
    return rc;
}

int dk_oauth_device_start(dk_http_client *client, const dk_oauth_credentials *c,
                          const char *scope, dk_oauth_device **out,
                          dk_error *err)
{
    *out = NULL;
    const char *pairs[] = {"client_id", c->client_id, "scope", scope, NULL};
    long status = 0;
    char *answer = NULL;
    size_t length = 0;
    int rc =
        post_form(client, c->device_uri, pairs, &status, &answer, &length, err);
    if (rc == 0)
        rc = dk_oauth_read_device_answer(status, answer, length, out, err);
    answer_free(answer, length);
    return rc;
}

int dk_oauth_read_poll_answer(long status, const char *answer, size_t length,
                              dk_oauth_device *device, char **refresh_token,
                              dk_error *err)
{
    *refresh_token = NULL;
    JsonParser *parser = NULL;
    JsonObject *object = parse_object(answer, (gssize)length, &parser);
    int rc;
    g_autofree char *code = member_string(object, "error");
    if (status == 200 && object &&
        (*refresh_token = member_string(object, "refresh_token"))) {
        rc = 0;
    } else if (code && strcmp(code, "authorization_pending") == 0) {
        rc = 1;
    } else if (code && strcmp(code, "slow_down") == 0) {
        device->interval += 5;
        rc = 1;
    } else {
        g_autofree char *why = error_text(object, status);
        rc = dk_error_set(err, DK_ERR_CONFIG, "authorization failed: %s", why);
    }
    g_clear_object(&parser);
    return rc;
}

int dk_oauth_device_poll(dk_http_client *client, const dk_oauth_credentials *c,
                         dk_oauth_device *device, char **refresh_token,
                         dk_error *err)
{
    *refresh_token = NULL;
    if ((int64_t)time(NULL) > device->expires_at)
        return dk_error_set(err, DK_ERR_TIMEOUT,
                            "the code expired before it was entered; run the "
                            "command again");
    const char *pairs[] = {"client_id",
                           c->client_id,
                           "client_secret",
                           c->client_secret,
                           "device_code",
                           device->device_code,
                           "grant_type",
                           "urn:ietf:params:oauth:grant-type:device_code",
                           NULL};
    long status = 0;
    char *answer = NULL;
    size_t length = 0;
    int rc =
        post_form(client, c->token_uri, pairs, &status, &answer, &length, err);
    if (rc == 0)
        rc = dk_oauth_read_poll_answer(status, answer, length, device,
                                       refresh_token, err);
    answer_free(answer, length);
    return rc;
}

int dk_oauth_save(const dk_oauth_credentials *c, const char *refresh_token,
                  dk_error *err)
{
    JsonBuilder *builder = json_builder_new();
    json_builder_begin_object(builder);
    const char *fields[][2] = {{"client_id", c->client_id},
                               {"client_secret", c->client_secret},
                               {"refresh_token", refresh_token},
                               {"token_uri", c->token_uri},
                               {"device_uri", c->device_uri}};
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        json_builder_set_member_name(builder, fields[i][0]);
        json_builder_add_string_value(builder, fields[i][1]);
    }
    json_builder_end_object(builder);
    JsonGenerator *generator = json_generator_new();
    JsonNode *root = json_builder_get_root(builder);
    json_generator_set_root(generator, root);
    json_generator_set_pretty(generator, TRUE);
    gsize length = 0;
    char *text = json_generator_to_data(generator, &length);
    json_node_unref(root);
    g_object_unref(generator);
    g_object_unref(builder);

    dk_atomic *file = NULL;
    int rc = dk_atomic_open(c->path, &file, err);
    /* restrict before a byte of the secret is written */
    if (rc == 0 && chmod(dk_atomic_temp_path(file), 0600) != 0)
        rc = dk_error_set(err, DK_ERR_IO, "cannot restrict %s to mode 0600",
                          dk_atomic_temp_path(file));
    if (rc == 0 && (fwrite(text, 1, length, dk_atomic_stream(file)) != length ||
                    fputc('\n', dk_atomic_stream(file)) == EOF))
        rc = dk_error_set(err, DK_ERR_IO, "cannot write %s", c->path);
    if (rc == 0)
        rc = dk_atomic_commit(&file, err);
    else
        dk_atomic_abort(&file);
    memset(text, 0, length);
    g_free(text);
    return rc;
}
