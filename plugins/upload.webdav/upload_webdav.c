/* upload.webdav — queues files for the office's WebDAV storage (Nextcloud,
 * nginx, Apache mod_dav) and sends them with HTTP PUT, MKCOL and MOVE.
 *
 *   [archive]
 *   plugin=upload.webdav
 *   url=https://nas.kantor.example/dav/arsip/
 *   remote-path={date:%Y}/{event.slug}/{original.name}
 *   netrc=/etc/dokpim/nas.netrc
 *
 * The file goes to NAME.dk-part, is read back and compared (size and
 * sha256), then moved to NAME: a half-sent file never carries the real
 * name. Plain WebDAV has no partial PUT, so an interrupted part is sent
 * again from the start. */
#include <dokpim/dokpim.h>
#include <dokpim/storage.h>

#include <curl/curl.h>
#include <string.h>

typedef struct upload_webdav_config {
    dk_storage_options storage; /* url is the first row below */
    const char *netrc;
} upload_webdav_config;

static const dk_option upload_webdav_options[] = {
    {"url", DK_OPT_STRING, NULL,
     "WebDAV folder the files go under (http:// or https://, ending in /)",
     .flags = DK_OPTION_REQUIRED, DK_FIELD(upload_webdav_config, storage.url)},
    {"netrc", DK_OPT_PATH, "",
     "netrc file with the server's login (mode 0600); empty: no login",
     .flags = DK_OPTION_PRIVATE_FILE, DK_FIELD(upload_webdav_config, netrc)},
    DK_STORAGE_OPTIONS(upload_webdav_config, storage),
    {NULL},
};

typedef struct webdav_ctx {
    const upload_webdav_config *config;
    dk_job *job;
    dk_http_client *http;
} webdav_ctx;

static int webdav_setup(void *curl, void *user, dk_error *err)
{
    (void)err;
    webdav_ctx *c = user;
    /* the core refused a netrc others may read when it built the stage */
    const char *netrc = c->config->netrc;
    if (!*netrc)
        return 0;
    curl_easy_setopt(curl, CURLOPT_NETRC, (long)CURL_NETRC_REQUIRED);
    curl_easy_setopt(curl, CURLOPT_NETRC_FILE, netrc);
    return 0;
}

/* One small request; status judged by the caller. */
static int webdav_request(webdav_ctx *c, const char *method, const char *url,
                          const char *const *headers, long *status,
                          int64_t *length, dk_error *err)
{
    dk_http_request request = {.method = method,
                               .url = url,
                               .headers = headers,
                               .stall_seconds =
                                   c->config->storage.retry.stall_seconds,
                               .timeout_seconds = 120,
                               .setup = webdav_setup,
                               .setup_user = c};
    dk_http_response response;
    int rc = dk_http_perform(c->http, &request, &response, err);
    if (rc == 0) {
        *status = response.status;
        const char *value = dk_http_header(&response, "content-length");
        if (length)
            *length = value ? g_ascii_strtoll(value, NULL, 10) : -1;
    }
    dk_http_response_clear(&response);
    return rc;
}

static int judge(long status, const char *what, const char *url, dk_error *err)
{
    if (status >= 200 && status < 300)
        return 0;
    g_autofree char *safe = dk_http_redact(url);
    /* 5xx and 429 may pass; 4xx will not */
    return dk_error_set(
        err, status >= 500 || status == 429 ? DK_ERR_NETWORK : DK_ERR_CONFIG,
        "%s %s: HTTP %ld", what, safe, status);
}

static int webdav_size(void *user, const char *url, int64_t *size,
                       dk_error *err)
{
    long status = 0;
    int rc = webdav_request(user, "HEAD", url, NULL, &status, size, err);
    if (rc < 0)
        return rc;
    if (status == 404) {
        *size = -1;
        return 0;
    }
    return judge(status, "HEAD", url, err);
}

/* MKCOL every folder from the base url (included) down; 405 means it
 * exists already. */
static int webdav_make_parents(void *user, const char *url, dk_error *err)
{
    webdav_ctx *c = user;
    const char *base = c->config->storage.url;
    size_t start = strlen(base);
    while (start > 0 && base[start - 1] == '/')
        start--;
    for (const char *slash = strchr(url + start, '/'); slash;
         slash = strchr(slash + 1, '/')) {
        g_autofree char *folder = g_strndup(url, slash - url + 1);
        long status = 0;
        int rc = webdav_request(c, "MKCOL", folder, NULL, &status, NULL, err);
        if (rc < 0)
            return rc;
        if (status != 405 && status != 301)
            rc = judge(status, "MKCOL", folder, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int webdav_send(void *user, const char *url, int64_t offset,
                       dk_error *err)
{
    webdav_ctx *c = user;
    dk_http_request request = dk_storage_put_request(c->job, url, offset);
    request.stall_seconds = c->config->storage.retry.stall_seconds;
    request.setup = webdav_setup;
    request.setup_user = c;
    dk_http_response response;
    int rc = dk_http_perform(c->http, &request, &response, err);
    if (rc == 0)
        rc = judge(response.status, "PUT", url, err);
    dk_http_response_clear(&response);
    return rc;
}

static int webdav_remove(void *user, const char *url, dk_error *err)
{
    long status = 0;
    int rc = webdav_request(user, "DELETE", url, NULL, &status, NULL, err);
    if (rc == 0 && status != 404)
        rc = judge(status, "DELETE", url, err);
    return rc;
}

static int webdav_rename(void *user, const char *from, const char *to,
                         dk_error *err)
{
    g_autofree char *destination = g_strconcat("Destination: ", to, NULL);
    const char *headers[] = {destination, "Overwrite: T", NULL};
    long status = 0;
    int rc = webdav_request(user, "MOVE", from, headers, &status, NULL, err);
    if (rc == 0)
        rc = judge(status, "MOVE", from, err);
    return rc;
}

static const dk_storage_ops webdav_ops = {
    .size = webdav_size,
    .make_parents = webdav_make_parents,
    .send = webdav_send,
    .remove = webdav_remove,
    .rename = webdav_rename,
    .setup = webdav_setup,
    .can_append = false,
};

static int upload_webdav_check(const dk_stage *stage, const void *config,
                               dk_error *err)
{
    (void)stage;
    const upload_webdav_config *c = config;
    const char *url = c->storage.url;
    if (!g_str_has_prefix(url, "http://") && !g_str_has_prefix(url, "https://"))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "url '%s' is not an http:// or https:// address",
                            url);
    if (strchr(url, '@'))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "put the login in a netrc file, not in the url");
    return 0;
}

static int upload_webdav_process(const dk_stage *stage, void *state,
                                 dk_item *item, dk_error *err)
{
    (void)state;
    const upload_webdav_config *c = dk_stage_config(stage);
    return dk_storage_enqueue(stage, &c->storage, item, "webdav", "WebDAV",
                              err);
}

static int upload_webdav_perform(const dk_stage *stage, void *state,
                                 dk_job *job, dk_error *err)
{
    webdav_ctx ctx = {
        .config = dk_stage_config(stage), .job = job, .http = state};
    return dk_storage_perform(&ctx.config->storage, job, &webdav_ops, &ctx,
                              ctx.http, err);
}

DK_PLUGIN_DEFINE(upload_webdav) = {
    .name = "upload.webdav",
    .summary = "queue files for WebDAV storage; checked, atomic upload",
    .role = DK_ROLE_UPLOAD,
    .item_kinds = DK_KIND_ANY,
    .options = upload_webdav_options,
    .config_size = sizeof(upload_webdav_config),
    .check = upload_webdav_check,
    .open = dk_http_open_state, /* the job's connection */
    .process = upload_webdav_process,
    .perform = upload_webdav_perform,
    .close = dk_http_close_state,
};
