/* upload.sftp — queues files for a storage server reached over SSH and
 * sends them with SFTP (libcurl + libssh2), key login and a known_hosts
 * check.
 *
 *   [archive]
 *   plugin=upload.sftp
 *   url=sftp://arsip.kantor.example/srv/arsip/
 *   user=dokpim
 *   key=/etc/dokpim/arsip_ed25519
 *   known-hosts=/etc/dokpim/known_hosts
 *
 * The file goes to NAME.dk-part; an interrupted part is continued from its
 * size on the server (SFTP can append), checked (size, sha256) and then
 * renamed to NAME. */
#include <dokpim/dokpim.h>
#include <dokpim/storage.h>

#include <curl/curl.h>
#include <string.h>

typedef struct upload_sftp_config {
    dk_storage_options storage; /* url is the first row below */
    const char *user;
    const char *key;
    const char *known_hosts;
} upload_sftp_config;

static const dk_option upload_sftp_options[] = {
    {"url", DK_OPT_STRING, NULL,
     "folder on the server: sftp://HOST[:PORT]/absolute/path/",
     .flags = DK_OPTION_REQUIRED, DK_FIELD(upload_sftp_config, storage.url)},
    {"user", DK_OPT_STRING, "", "login name (empty: the current user)",
     DK_FIELD(upload_sftp_config, user)},
    {"key", DK_OPT_PATH, NULL,
     "private key file for the login (mode 0600; KEY.pub beside it)",
     .flags = DK_OPTION_REQUIRED | DK_OPTION_PRIVATE_FILE,
     DK_FIELD(upload_sftp_config, key)},
    {"known-hosts", DK_OPT_PATH, "",
     "known_hosts file the server's key must be in (empty: "
     "~/.ssh/known_hosts)",
     DK_FIELD(upload_sftp_config, known_hosts)},
    DK_STORAGE_OPTIONS(upload_sftp_config, storage),
    {NULL},
};

/* What open() acquires for a job: the connection and the login. */
typedef struct sftp_state {
    dk_http_client *http;
    char *known_hosts;
    char *public_key; /* NULL: libcurl derives it */
    const char *user;
} sftp_state;

typedef struct sftp_ctx {
    const upload_sftp_config *config;
    const sftp_state *state;
    dk_job *job;
    /* per request */
    struct curl_slist *quote;
    bool append;
    bool make_dirs;
} sftp_ctx;

/* Accepts the host only when known_hosts has its key; never asks. */
static int sftp_key_check(CURL *easy, const struct curl_khkey *known,
                          const struct curl_khkey *found,
                          enum curl_khmatch match, void *user)
{
    (void)easy, (void)known, (void)found, (void)user;
    return match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT;
}

static int sftp_setup(void *curl, void *user, dk_error *err)
{
    (void)err;
    sftp_ctx *c = user;
    curl_easy_setopt(curl, CURLOPT_SSH_AUTH_TYPES,
                     (long)CURLSSH_AUTH_PUBLICKEY);
    curl_easy_setopt(curl, CURLOPT_SSH_PRIVATE_KEYFILE, c->config->key);
    if (c->state->public_key)
        curl_easy_setopt(curl, CURLOPT_SSH_PUBLIC_KEYFILE,
                         c->state->public_key);
    curl_easy_setopt(curl, CURLOPT_SSH_KNOWNHOSTS, c->state->known_hosts);
    curl_easy_setopt(curl, CURLOPT_SSH_KEYFUNCTION, sftp_key_check);
    curl_easy_setopt(curl, CURLOPT_USERNAME, c->state->user);
    if (c->quote)
        curl_easy_setopt(curl, CURLOPT_QUOTE, c->quote);
    if (c->append)
        curl_easy_setopt(curl, CURLOPT_APPEND, 1L);
    if (c->make_dirs)
        curl_easy_setopt(curl, CURLOPT_FTP_CREATE_MISSING_DIRS,
                         (long)CURLFTP_CREATE_DIR_RETRY);
    return 0;
}

static int sftp_perform(sftp_ctx *c, dk_http_request *request,
                        dk_http_response *response, dk_error *err)
{
    request->stall_seconds = c->config->storage.retry.stall_seconds;
    request->setup = sftp_setup;
    request->setup_user = c;
    int rc = dk_http_perform(c->state->http, request, response, err);
    c->append = c->make_dirs = false;
    if (c->quote)
        curl_slist_free_all(c->quote);
    c->quote = NULL;
    return rc;
}

/* The path part of an sftp:// URL, for quote commands. */
static char *server_path(const char *url)
{
    const char *host = strstr(url, "://");
    const char *slash = host ? strchr(host + 3, '/') : NULL;
    return g_uri_unescape_string(slash ? slash : "/", NULL);
}

static int sftp_size(void *user, const char *url, int64_t *size, dk_error *err)
{
    *size = -1;
    dk_http_request request = {
        .method = "HEAD", .url = url, .timeout_seconds = 120};
    dk_http_response response;
    int rc = sftp_perform(user, &request, &response, err);
    if (rc == 0)
        *size = response.length;
    dk_http_response_clear(&response);
    if (rc == DK_ERR_NOT_FOUND) {
        dk_error_clear(err);
        return 0;
    }
    return rc;
}

/* Runs SFTP commands ("rm PATH", "rename A B"; '*' first: may fail) on a
 * connection to the server, transferring nothing. */
static int sftp_commands(sftp_ctx *c, const char *url,
                         const char *const *commands, dk_error *err)
{
    const char *host_end = strstr(url, "://");
    host_end = host_end ? strchr(host_end + 3, '/') : NULL;
    g_autofree char *root =
        host_end ? g_strndup(url, host_end - url + 1) : g_strdup(url);
    for (int i = 0; commands[i]; i++)
        c->quote = curl_slist_append(c->quote, commands[i]);
    dk_http_request request = {
        .method = "HEAD", .url = root, .timeout_seconds = 120};
    dk_http_response response;
    int rc = sftp_perform(c, &request, &response, err);
    dk_http_response_clear(&response);
    return rc;
}

static char *quoted(const char *path)
{
    /* libcurl's SFTP quote parser takes "..." with \" escapes */
    GString *out = g_string_new("\"");
    for (const char *p = path; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
    return g_string_free(out, FALSE);
}

static int sftp_remove(void *user, const char *url, dk_error *err)
{
    g_autofree char *path = server_path(url);
    g_autofree char *arg = quoted(path);
    g_autofree char *command = g_strconcat("*rm ", arg, NULL);
    const char *commands[] = {command, NULL};
    return sftp_commands(user, url, commands, err);
}

static int sftp_rename(void *user, const char *from, const char *to,
                       dk_error *err)
{
    g_autofree char *a = server_path(from);
    g_autofree char *b = server_path(to);
    g_autofree char *qa = quoted(a);
    g_autofree char *qb = quoted(b);
    /* SFTP rename will not replace: remove an old copy first */
    g_autofree char *remove = g_strconcat("*rm ", qb, NULL);
    g_autofree char *rename = g_strconcat("rename ", qa, " ", qb, NULL);
    const char *commands[] = {remove, rename, NULL};
    return sftp_commands(user, from, commands, err);
}

static int sftp_send(void *user, const char *url, int64_t offset, dk_error *err)
{
    sftp_ctx *c = user;
    c->append = offset > 0;
    c->make_dirs = true;
    dk_http_request request = dk_storage_put_request(c->job, url, offset);
    dk_http_response response;
    int rc = sftp_perform(c, &request, &response, err);
    dk_http_response_clear(&response);
    return rc;
}

static const dk_storage_ops sftp_ops = {
    .size = sftp_size,
    .send = sftp_send,
    .remove = sftp_remove,
    .rename = sftp_rename,
    .setup = sftp_setup,
    .can_append = true,
};

static int upload_sftp_check(const dk_stage *stage, const void *config,
                             dk_error *err)
{
    (void)stage;
    /* the key's mode is the core's check (DK_OPTION_PRIVATE_FILE) */
    const char *url = ((const upload_sftp_config *)config)->storage.url;
    if (!g_str_has_prefix(url, "sftp://") || !strchr(url + 7, '/'))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "url '%s' is not sftp://HOST/absolute/path/", url);
    return 0;
}

static void upload_sftp_close(void *state)
{
    sftp_state *s = state;
    if (!s)
        return;
    dk_http_client_free(&s->http);
    g_free(s->known_hosts);
    g_free(s->public_key);
    g_free(s);
}

static int upload_sftp_open(const dk_stage *stage, const void *config,
                            void **state, dk_error *err)
{
    (void)stage;
    const upload_sftp_config *c = config;
    sftp_state *s = g_new0(sftp_state, 1);
    s->http = dk_http_client_new();
    if (!s->http) {
        upload_sftp_close(s);
        return dk_error_set(err, DK_ERR_NOMEM, "cannot start libcurl");
    }
    s->known_hosts =
        *c->known_hosts
            ? g_strdup(c->known_hosts)
            : g_build_filename(g_get_home_dir(), ".ssh", "known_hosts", NULL);
    s->public_key = g_strconcat(c->key, ".pub", NULL);
    if (!g_file_test(s->public_key, G_FILE_TEST_EXISTS))
        g_clear_pointer(&s->public_key, g_free);
    s->user = *c->user ? c->user : g_get_user_name();
    *state = s;
    return 0;
}

static int upload_sftp_process(const dk_stage *stage, void *state,
                               dk_item *item, dk_error *err)
{
    (void)state;
    const upload_sftp_config *c = dk_stage_config(stage);
    return dk_storage_enqueue(stage, &c->storage, item, "sftp", "SFTP", err);
}

static int upload_sftp_perform(const dk_stage *stage, void *state, dk_job *job,
                               dk_error *err)
{
    const sftp_state *s = state;
    sftp_ctx ctx = {.config = dk_stage_config(stage), .state = s, .job = job};
    return dk_storage_perform(&ctx.config->storage, job, &sftp_ops, &ctx,
                              s->http, err);
}

DK_PLUGIN_DEFINE(upload_sftp) = {
    .name = "upload.sftp",
    .summary = "queue files for an SFTP server; resumed, checked, atomic",
    .role = DK_ROLE_UPLOAD,
    .item_kinds = DK_KIND_ANY,
    .options = upload_sftp_options,
    .config_size = sizeof(upload_sftp_config),
    .check = upload_sftp_check,
    .open = upload_sftp_open,
    .process = upload_sftp_process,
    .perform = upload_sftp_perform,
    .close = upload_sftp_close,
};
