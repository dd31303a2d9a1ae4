/* dk_storage_send: part file, resume or restart, check, rename. */
#include <dokpim/storage.h>
#include <inttypes.h>

#include <openssl/evp.h>
#include <string.h>

static void hash_data(void *user, const void *data, size_t length)
{
    EVP_DigestUpdate(user, data, length);
}

/* Reads a remote file back through libcurl and hashes it. OpenSSL, not
 * GLib: with the CPU's SHA instructions it hashes five times faster, and
 * this pass is what checking costs on a fast link. */
static int remote_sha256(const dk_storage_target *t, dk_job *job,
                         const char *url, char hex[65], dk_error *err)
{
    EVP_MD_CTX *sum = EVP_MD_CTX_new();
    if (!sum || EVP_DigestInit_ex(sum, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(sum);
        return dk_error_set(err, DK_ERR_NOMEM, "cannot start sha256");
    }
    dk_http_request request = {.url = url,
                               .sink = hash_data,
                               .sink_user = sum,
                               .stall_seconds = t->stall_seconds,
                               .setup = t->ops->setup,
                               .setup_user = t->ctx};
    dk_http_response response;
    int rc = dk_http_perform(t->http, &request, &response, err);
    if (rc == 0 && response.status >= 300) {
        g_autofree char *safe = dk_http_redact(url);
        rc = dk_error_set(err, DK_ERR_NETWORK, "%s: HTTP %ld reading it back",
                          safe, response.status);
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (rc == 0 && EVP_DigestFinal_ex(sum, digest, &length) == 1)
        for (unsigned int i = 0; i < length && i < 32; i++)
            g_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    dk_http_response_clear(&response);
    EVP_MD_CTX_free(sum);
    (void)job;
    return rc;
}

/* true when url holds exactly the job's file. */
static int matches(const dk_storage_target *t, dk_job *job, const char *url,
                   bool *same, dk_error *err)
{
    *same = false;
    int64_t size = -1;
    int rc = t->ops->size(t->ctx, url, &size, err);
    if (rc < 0 || size != dk_job_size(job))
        return rc;
    if (!t->verify_hash) {
        *same = true;
        return 0;
    }
    char hex[65];
    rc = remote_sha256(t, job, url, hex, err);
    if (rc == 0)
        *same = strcmp(hex, dk_job_sha256(job)) == 0;
    return rc;
}

/* Sends the part, resuming where the protocol allows. */
static int send_part(const dk_storage_target *t, dk_job *job, const char *part,
                     dk_error *err)
{
    int64_t have = -1;
    int rc = t->ops->size(t->ctx, part, &have, err);
    if (rc < 0)
        return rc;
    int64_t size = dk_job_size(job);
    if (have > size || (have > 0 && !t->ops->can_append)) {
        rc = t->ops->remove(t->ctx, part, err);
        have = -1;
    }
    if (rc == 0 && have < 0 && t->ops->make_parents)
        rc = t->ops->make_parents(t->ctx, part, err);
    if (rc < 0)
        return rc;
    int64_t from = have > 0 ? have : 0;
    if (from > 0)
        dk_job_note(job, "resuming at byte %" PRId64, from);
    /* the part is the session: a restarted worker finds it again */
    rc = dk_job_save_session(job, part, from, err);
    if (rc == 0 && (from < size || have < 0))
        rc = t->ops->send(t->ctx, part, from, err);
    return rc;
}

static int attempt(const dk_storage_target *t, dk_job *job, const char *part,
                   bool *bad_part, dk_error *err)
{
    *bad_part = false;
    int rc = send_part(t, job, part, err);
    bool same = false;
    if (rc == 0)
        rc = matches(t, job, part, &same, err);
    if (rc == 0 && !same) {
        *bad_part = true;
        t->ops->remove(t->ctx, part, NULL);
        dk_job_save_session(job, NULL, 0, NULL);
        return dk_error_set(err, DK_ERR_INVALID,
                            "the copy on the server differs from the file "
                            "(size or sha256)");
    }
    if (rc == 0)
        rc = t->ops->rename(t->ctx, part, t->url, err);
    return rc;
}

int dk_storage_send(dk_job *job, const dk_storage_target *t, dk_error *err)
{
    g_autofree char *part = g_strconcat(t->url, ".dk-part", NULL);
    bool same = false;
    /* sent by a run that was killed before it could record it */
    int rc = matches(t, job, t->url, &same, err);
    dk_retry retry;
    dk_retry_init(&retry, &t->policy);
    bool resent = false;
    while (rc == 0 && !same) {
        bool bad_part = false;
        rc = attempt(t, job, part, &bad_part, err);
        if (rc == 0)
            break;
        if (bad_part && !resent) {
            dk_job_note(job, "%s; sending it again", err->message);
            resent = true;
            rc = 0;
            continue;
        }
        if (rc != DK_ERR_NETWORK && rc != DK_ERR_TIMEOUT)
            return rc;
        g_autofree char *why = g_strdup(err->message);
        rc = dk_retry_wait(&retry, why, err);
        if (rc == DK_ERR_TIMEOUT)
            rc = DK_ERR_NETWORK;
    }
    if (rc < 0)
        return rc;
    g_autofree char *safe = dk_http_redact(t->url);
    rc = dk_job_set_remote_id(job, safe, err);
    if (rc == 0)
        rc = dk_job_save_session(job, NULL, dk_job_size(job), err);
    return rc;
}

char *dk_storage_url(const char *base, const char *path)
{
    GString *url = g_string_new(base);
    if (url->len && url->str[url->len - 1] != '/')
        g_string_append_c(url, '/');
    gchar **parts = g_strsplit(path ? path : "", "/", -1);
    bool first = true;
    for (int i = 0; parts[i]; i++) {
        if (!*parts[i])
            continue;
        g_autofree char *escaped = g_uri_escape_string(parts[i], NULL, FALSE);
        g_string_append_printf(url, "%s%s", first ? "" : "/", escaped);
        first = false;
    }
    g_strfreev(parts);
    return g_string_free(url, FALSE);
}

dk_http_request dk_storage_put_request(dk_job *job, const char *url,
                                       int64_t offset)
{
    return (dk_http_request){
        .method = "PUT",
        .url = url,
        .upload_path = dk_job_path(job),
        .upload_offset = offset,
        .upload_length = dk_job_size(job) - offset,
        .job = job,
        .progress_base = offset,
    };
}

int dk_storage_enqueue(const dk_stage *stage, const dk_storage_options *options,
                       dk_item *item, const char *scheme, const char *name,
                       dk_error *err)
{
    g_autofree char *target =
        g_strconcat(scheme, ":", options->url, " ",
                    dk_template_text(options->remote_path), NULL);
    dk_meta *meta = dk_meta_new();
    dk_meta_set_string(meta, "target-name", name);
    dk_enqueue_request request = {
        .role = options->role, .target = target, .meta = meta};
    int rc = dk_queue_enqueue(stage, item, &request, NULL, NULL, err);
    dk_meta_free(&meta);
    return rc;
}

int dk_storage_perform(const dk_storage_options *options, dk_job *job,
                       const dk_storage_ops *ops, void *ctx,
                       dk_http_client *http, dk_error *err)
{
    if (!http)
        return dk_error_set(err, DK_ERR_NOMEM, "cannot start libcurl");
    g_autofree char *url =
        dk_storage_url(options->url, dk_job_meta(job, "remote-path"));
    dk_storage_target target = {
        .ops = ops,
        .ctx = ctx,
        .http = http,
        .url = url,
        .verify_hash = options->verify == DK_STORAGE_VERIFY_SHA256,
        .policy = dk_retry_policy_from_options(&options->retry),
        .stall_seconds = options->retry.stall_seconds,
    };
    return dk_storage_send(job, &target, err);
}
