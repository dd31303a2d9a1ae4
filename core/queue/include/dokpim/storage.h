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

/* verify=: how a sent part is checked before it is renamed. */
typedef enum dk_storage_verify {
    DK_STORAGE_VERIFY_SHA256, /* read back and compare sha256 */
    DK_STORAGE_VERIFY_SIZE,   /* size only */
} dk_storage_verify;

/* The options every storage plugin shares, a member of its config struct.
 * url is bound by the plugin's own url row (its help names the protocol);
 * the others by DK_STORAGE_OPTIONS. */
typedef struct dk_storage_options {
    const char *url;                /* folder the files go under */
    const dk_template *remote_path; /* remote-path */
    const char *role;               /* role */
    int verify;                     /* verify: dk_storage_verify */
    dk_retry_options retry;         /* retry-wait, retries, stall-timeout */
} dk_storage_options;

/* The rows of the shared options, filling member (a dk_storage_options)
 * of config struct T; put them at the end of the table, after the
 * plugin's own url= (bound to member.url) and login rows:
 *   {"url", ..., DK_FIELD(my_config, storage.url)}, {"netrc", ...},
 *   DK_STORAGE_OPTIONS(my_config, storage), {NULL} */
#define DK_STORAGE_OPTIONS(T, member)                                          \
    {"remote-path", DK_OPT_PATH_TEMPLATE,                                      \
     "{date:%Y}/{event.slug}/{original.name}", "path of the file under url",   \
     DK_FIELD(T, member.remote_path)},                                         \
        {"role", DK_OPT_STRING, "",                                            \
         "role of the derivative to send (e.g. web); empty: the current "      \
         "file",                                                               \
         DK_FIELD(T, member.role)},                                            \
        {"verify",                                                             \
         DK_OPT_ENUM,                                                          \
         "sha256",                                                             \
         "check after sending: read back and compare sha256, or size only",    \
         .choices = "sha256|size",                                             \
         DK_FIELD(T, member.verify)},                                          \
        DK_RETRY_OPTIONS(T, member.retry)

/* process() of a storage plugin: queues the item for the stage's url and
 * remote-path (frozen for the item). The ledger target is scheme + url +
 * the naming rule: the same content sent by the same rule to the same
 * folder is sent once. name is what the worker shows ("WebDAV"). */
DK_API int dk_storage_enqueue(const dk_stage *stage,
                              const dk_storage_options *options, dk_item *item,
                              const char *scheme, const char *name,
                              dk_error *err);

/* perform() of a storage plugin: the shared options made into a target
 * for the job's frozen remote-path, then dk_storage_send(). */
DK_API int dk_storage_perform(const dk_storage_options *options, dk_job *job,
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
