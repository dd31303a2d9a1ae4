/* libcurl behind dokpim/http.h. */
#include <dokpim/http.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "answers.h"

#define BODY_LIMIT (1 << 20)

struct dk_http_client {
    CURL *easy;
    bool sent; /* the last request reached the server */
};

static gpointer global_init(gpointer unused)
{
    (void)unused;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return NULL;
}

dk_http_client *dk_http_client_new(void)
{
    static GOnce once = G_ONCE_INIT;
    g_once(&once, global_init, NULL);
    dk_http_client *client = g_new0(dk_http_client, 1);
    client->easy = curl_easy_init();
    if (!client->easy) {
        g_free(client);
        return NULL;
    }
    return client;
}

void dk_http_client_free(dk_http_client **client)
{
    if (!client || !*client)
        return;
    curl_easy_cleanup((*client)->easy);
    g_free(*client);
    *client = NULL;
}

int dk_http_open_state(const dk_stage *stage, const void *config, void **state,
                       dk_error *err)
{
    (void)stage, (void)config;
    dk_http_client *client = dk_http_client_new();
    if (!client)
        return dk_error_set(err, DK_ERR_NOMEM, "cannot start libcurl");
    *state = client;
    return 0;
}

void dk_http_close_state(void *state)
{
    dk_http_client *client = state;
    dk_http_client_free(&client);
}

void dk_http_response_clear(dk_http_response *response)
{
    if (response->body)
        g_string_free(response->body, TRUE);
    if (response->headers)
        g_hash_table_destroy(response->headers);
    memset(response, 0, sizeof *response);
}

const char *dk_http_header(const dk_http_response *response, const char *name)
{
    if (!response->headers)
        return NULL;
    g_autofree char *lower = g_ascii_strdown(name, -1);
    return g_hash_table_lookup(response->headers, lower);
}

char *dk_http_redact(const char *url)
{
    if (!url)
        return g_strdup("(none)");
    const char *query = strpbrk(url, "?#");
    g_autofree char *bare = query ? g_strndup(url, query - url) : g_strdup(url);
    const char *scheme = strstr(bare, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    if (at && (!slash || at < slash))
        return g_strdup_printf("%.*s://%s", (int)(scheme - bare), bare, at + 1);
    return g_steal_pointer(&bare);
}

char *dk_http_escape(const char *text)
{
    return g_uri_escape_string(text, NULL, FALSE);
}

typedef struct transfer {
    const dk_http_request *request;
    dk_http_response *response;
    int fd;
    int64_t offset; /* next file byte to send */
    int64_t left;
    int read_errno;
    bool cancelled;
} transfer;

static size_t read_body(char *buffer, size_t size, size_t count, void *user)
{
    transfer *t = user;
    size_t want = size * count;
    if ((int64_t)want > t->left)
        want = (size_t)t->left;
    if (want == 0)
        return 0;
    ssize_t got = pread(t->fd, buffer, want, t->offset);
    if (got <= 0) {
        t->read_errno = got < 0 ? errno : EIO;
        return CURL_READFUNC_ABORT;
    }
    t->offset += got;
    t->left -= got;
    t->response->uploaded += got;
    return (size_t)got;
}

static size_t write_body(char *data, size_t size, size_t count, void *user)
{
    transfer *t = user;
    size_t n = size * count;
    if (t->request->sink)
        t->request->sink(t->request->sink_user, data, n);
    else if (t->response->body->len < BODY_LIMIT)
        g_string_append_len(t->response->body, data, n);
    return n;
}

void dk_http_response_take_header(dk_http_response *response, const char *data,
                                  size_t length)
{
    g_autofree char *line = g_strndup(data, length);
    g_strchomp(line);
    /* a new status line (after 100 Continue, a redirect): start again */
    if (g_str_has_prefix(line, "HTTP/"))
        g_hash_table_remove_all(response->headers);
    const char *colon = strchr(line, ':');
    if (colon) {
        char *name = g_ascii_strdown(line, colon - line);
        char *value = g_strstrip(g_strdup(colon + 1));
        g_hash_table_replace(response->headers, name, value);
    }
}

static size_t read_header(char *data, size_t size, size_t count, void *user)
{
    transfer *t = user;
    size_t n = size * count;
    dk_http_response_take_header(t->response, data, n);
    return n;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    transfer *t = user;
    /* the job's own stop too: its lease lost, another worker has it */
    if (t->request->job ? dk_job_cancelled(t->request->job) : dk_cancelled()) {
        t->cancelled = true;
        return 1;
    }
    const dk_http_request *r = t->request;
    if (r->job && r->upload_path)
        dk_job_progress(r->job, r->progress_base + t->response->uploaded,
                        dk_job_size(r->job));
    return 0;
}

static int transport_error(CURLcode code, const char *errbuf, const transfer *t,
                           const char *url, dk_error *err)
{
    g_autofree char *safe = dk_http_redact(url);
    if (t->cancelled)
        return dk_error_set(err, DK_ERR_CANCELLED, "%s",
                            dk_cancelled()
                                ? "stopped by the user"
                                : "stopped: the job's lease was lost");
    if (t->read_errno)
        return dk_error_set(err, DK_ERR_IO, "%s: cannot read: %s",
                            t->request->upload_path, g_strerror(t->read_errno));
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(code);
    int rc = code == CURLE_OPERATION_TIMEDOUT ? DK_ERR_TIMEOUT : DK_ERR_NETWORK;
    if (code == CURLE_LOGIN_DENIED || code == CURLE_REMOTE_ACCESS_DENIED ||
        code == CURLE_PEER_FAILED_VERIFICATION ||
        code == CURLE_SSL_CACERT_BADFILE || code == CURLE_QUOTE_ERROR)
        rc = DK_ERR_CONFIG; /* retrying will not help */
    if (code == CURLE_REMOTE_FILE_NOT_FOUND)
        rc = DK_ERR_NOT_FOUND;
    return dk_error_set(err, rc, "%s: %s", safe, detail);
}

/* Whether a failed request may have reached the server. Failures before
 * a connection stood (name lookup, connect, TLS handshake, a timeout
 * with no request byte out) did not; anything later might have. */
static bool reached_server(CURL *easy, CURLcode code)
{
    switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return false;
    case CURLE_OPERATION_TIMEDOUT: {
        long request_bytes = 0;
        curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_bytes);
        return request_bytes > 0;
    }
    default:
        return true;
    }
}

bool dk_http_request_sent(const dk_http_client *client)
{
    return client->sent;
}

static void set_method(CURL *easy, const dk_http_request *r, bool has_file)
{
    const char *method = r->method;
    if (has_file) {
        curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE,
                         (curl_off_t)r->upload_length);
        if (method && strcmp(method, "PUT") != 0)
            curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    } else if (r->body) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)r->body_length);
        if (method && strcmp(method, "POST") != 0)
            curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    } else if (method && strcmp(method, "PUT") == 0) {
        /* an empty PUT, e.g. a resumable upload's status query */
        curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)0);
    } else if (method && strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (method && strcmp(method, "GET") != 0) {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    }
}

int dk_http_perform(dk_http_client *client, const dk_http_request *r,
                    dk_http_response *response, dk_error *err)
{
    memset(response, 0, sizeof *response);
    response->length = -1;
    response->body = g_string_new(NULL);
    response->headers =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    transfer t = {.request = r, .response = response, .fd = -1};
    bool has_file = r->upload_path != NULL;
    if (has_file) {
        t.fd = open(r->upload_path, O_RDONLY | O_CLOEXEC);
        if (t.fd < 0)
            return dk_error_set(err, DK_ERR_IO, "%s: cannot open: %s",
                                r->upload_path, g_strerror(errno));
        t.offset = r->upload_offset;
        t.left = r->upload_length;
    }
    CURL *easy = client->easy;
    curl_easy_reset(easy); /* keeps the connection cache */
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(easy, CURLOPT_URL, r->url);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                     r->stall_seconds > 0 ? r->stall_seconds : 60L);
    if (r->timeout_seconds > 0)
        curl_easy_setopt(easy, CURLOPT_TIMEOUT, r->timeout_seconds);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "dokpim/" DK_VERSION);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, read_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(easy, CURLOPT_READDATA, &t);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &t);
    /* big pieces move faster over fast links */
    curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, 2L * 1024 * 1024);
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 512L * 1024);
    set_method(easy, r, has_file);

    struct curl_slist *headers = NULL;
    for (const char *const *h = r->headers; h && *h; h++)
        headers = curl_slist_append(headers, *h);
    /* no 100-continue round trip before each chunk */
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);

    int rc = 0;
    client->sent = false;
    if (r->setup)
        rc = r->setup(easy, r->setup_user, err);
    if (rc == 0) {
        CURLcode code = curl_easy_perform(easy);
        client->sent = code == CURLE_OK || reached_server(easy, code);
        if (code != CURLE_OK) {
            rc = transport_error(code, errbuf, &t, r->url, err);
        } else {
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response->status);
            curl_off_t length = -1;
            curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
                              &length);
            response->length = length;
            if (r->job && has_file)
                dk_job_progress(r->job, r->progress_base + response->uploaded,
                                dk_job_size(r->job));
        }
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    if (t.fd >= 0)
        close(t.fd);
    return rc;
}
