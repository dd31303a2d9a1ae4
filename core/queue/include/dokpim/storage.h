/* dokpim — sending a file to a storage server (WebDAV, SFTP) so that it
 * appears whole or not at all: the bytes go to NAME.dk-part (resumed from
 * its remote size where the protocol can append, sent again where it
 * cannot), the part is checked against the local size and sha256, then
 * renamed to NAME. A file already at NAME with the same size and hash is
 * taken as sent. The plugins supply the protocol operations; the policy
 * (order, checks, retries with the core's retry policy) lives here once. */
#ifndef DOKPIM_STORAGE_H
#define DOKPIM_STORAGE_H

#include <dokpim/export.h>
#include <dokpim/http.h>
#include <dokpim/plugin.h>
#include <dokpim/queue.h>
#include <dokpim/retry.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_storage_ops {
    /* Size of a remote file; -1 when it does not exist. */
    int (*size)(void *ctx, const char *url, int64_t *size, dk_error *err);
    /* Makes the folders above url (optional). */
    int (*make_parents)(void *ctx, const char *url, dk_error *err);
    /* Sends the job's file from offset to the end; offset > 0 appends
     * (only called when can_append). */
    int (*send)(void *ctx, const char *url, int64_t offset, dk_error *err);
    int (*remove)(void *ctx, const char *url, dk_error *err);
    /* Renames from to to, replacing to. */
    int (*rename)(void *ctx, const char *from, const char *to, dk_error *err);
    /* Credentials and protocol settings for the GET that reads a file back
     * (dk_http_request.setup); may be NULL. */
    int (*setup)(void *curl, void *ctx, dk_error *err);
    bool can_append;
} dk_storage_ops;

typedef struct dk_storage_target {
    const dk_storage_ops *ops;
    void *ctx;
    dk_http_client *http;
    const char *url;  /* final remote URL */
    bool verify_hash; /* read the part back and compare sha256 */
    dk_retry_policy policy;
    long stall_seconds;
} dk_storage_target;

/* The option rows every storage plugin shares; put them at the end of
 * its table, after its own url= and login rows:
 *   static const dk_option x_options[] = {{"url", ...}, DK_STORAGE_OPTIONS,
 *                                         {NULL}}; */
#define DK_STORAGE_OPTIONS                                                     \
    {"remote-path", DK_OPT_PATH_TEMPLATE,                                      \
     "{date:%Y}/{event.slug}/{original.name}", "path of the file under url"},  \
        {"role", DK_OPT_STRING, "",                                            \
         "role of the derivative to send (e.g. web); empty: the current "      \
         "file"},                                                              \
        {"verify", DK_OPT_ENUM, "sha256",                                      \
         "check after sending: read back and compare sha256, or size only",    \
         .choices = "sha256|size"},                                            \
        {"retry-wait", DK_OPT_DOUBLE,                                          \
         "2",          "first wait before a retry, seconds",                   \
         0.01,         600},                                                   \
        {"retries", DK_OPT_INT,                                                \
         "10",      "retries before the job waits for a later run",            \
         1,         1000},                                                     \
    {                                                                          \
        "stall-timeout", DK_OPT_INT, "60",                                     \
            "seconds without progress before a connection counts as broken",   \
            1, 3600                                                            \
    }

/* process() of a storage plugin: queues the item for the stage's url and
 * remote-path (frozen for the item). The ledger target is scheme + url +
 * the naming rule: the same content sent by the same rule to the same
 * folder is sent once. name is what the worker shows ("WebDAV"). */
DK_API int dk_storage_enqueue(const dk_stage *stage, dk_item *item,
                              const char *scheme, const char *name,
                              dk_error *err);

/* perform() of a storage plugin: the shared options read into a target
 * for the job's frozen remote-path, then dk_storage_send(). */
DK_API int dk_storage_perform(const dk_stage *stage, dk_job *job,
                              const dk_storage_ops *ops, void *ctx,
                              dk_http_client *http, dk_error *err);

/* base (a folder URL) + a relative path, each path segment percent-
 * encoded. Caller g_free()s. */
DK_API char *dk_storage_url(const char *base, const char *path);

/* The PUT that an ops->send uses: the job's file from offset to its end
 * to url, its progress reported from offset. The caller adds what its
 * protocol needs (setup, stall_seconds). */
DK_API dk_http_request dk_storage_put_request(dk_job *job, const char *url,
                                              int64_t offset);

/* Sends the job's file to target->url as described above and records the
 * URL as the job's remote id. Network failures are retried with the
 * policy; a part whose size or hash does not match is removed and sent
 * again once, then the job fails. */
DK_API int dk_storage_send(dk_job *job, const dk_storage_target *target,
                           dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
