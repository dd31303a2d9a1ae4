/* dokpim — libcurl, set up once the way every upload target needs it:
 * timeouts that catch stalled links, progress into the job's bar,
 * cancellation on Ctrl-C, a file range streamed from disk (never loaded
 * whole), answers captured for the caller to judge. Used by the upload
 * plugins (HTTP, WebDAV, SFTP) and by `dokpim youtube auth`. */
#ifndef DOKPIM_HTTP_H
#define DOKPIM_HTTP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <dokpim/export.h>
#include <dokpim/queue.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One connection cache: requests through the same client reuse it. */
typedef struct dk_http_client dk_http_client;

DK_API dk_http_client *dk_http_client_new(void);
DK_API void dk_http_client_free(dk_http_client **client);

/* open() and close() of an upload plugin whose state is the job's
 * connection (a dk_http_client): `.open = dk_http_open_state,
 * .close = dk_http_close_state`, or called from its own open(). */
DK_API int dk_http_open_state(const dk_stage *stage, const void *config,
                              void **state, dk_error *err);
DK_API void dk_http_close_state(void *state);

typedef struct dk_http_request {
    const char *method; /* NULL: GET, or PUT when a file range is sent */
    const char *url;
    const char *const *headers; /* "Name: value", NULL-terminated */
    /* A body from memory ... */
    const char *body;
    size_t body_length;
    /* ... or a range of a file, read as it is sent. */
    const char *upload_path;
    int64_t upload_offset;
    int64_t upload_length;
    /* Received bytes go to this function instead of the response body
     * (e.g. to hash a file read back without storing it). */
    void (*sink)(void *user, const void *data, size_t length);
    void *sink_user;
    /* Progress to this job: sent bytes are reported as progress_base +
     * sent, out of the job's size. */
    dk_job *job;
    int64_t progress_base;
    /* Give up when fewer than 1 byte/s moved for this long (0: 60 s). */
    long stall_seconds;
    /* Whole request limit in seconds (0: none; uploads can take hours). */
    long timeout_seconds;
    /* Protocol-specific settings (SSH keys, append, create folders), on
     * the CURL* handle given as void* to keep curl.h out of this header. */
    int (*setup)(void *curl, void *user, dk_error *err);
    void *setup_user;
} dk_http_request;

typedef struct dk_http_response {
    long status;         /* HTTP status; 0 for protocols without one */
    GString *body;       /* the answer (at most 1 MiB kept) */
    GHashTable *headers; /* lower-case name -> value, final response only */
    int64_t uploaded;    /* bytes of the body sent in this request */
    int64_t length;      /* size of the resource libcurl learned, -1: none
                            (HEAD on http, NOBODY on sftp) */
} dk_http_response;

/* Runs one request. Returns 0 whenever an answer came, whatever its
 * status; DK_ERR_NETWORK for a connection that failed or broke,
 * DK_ERR_NOT_FOUND for a missing remote file (sftp://, file://),
 * DK_ERR_TIMEOUT for a stall, DK_ERR_CANCELLED on Ctrl-C, DK_ERR_IO when
 * the file cannot be read. resp is cleared first; free with
 * dk_http_response_clear(). URLs in messages lose their query string. */
DK_API int dk_http_perform(dk_http_client *client,
                           const dk_http_request *request,
                           dk_http_response *response, dk_error *err);
DK_API void dk_http_response_clear(dk_http_response *response);
/* Whether the client's last dk_http_perform() reached the server: false
 * when it failed before any of the request left (no name lookup, refused
 * connection, failed TLS handshake, timeout before sending), so the
 * server cannot have acted on it (or counted it against a quota). */
DK_API bool dk_http_request_sent(const dk_http_client *client);
/* A header of the final response (name in any case), or NULL. */
DK_API const char *dk_http_header(const dk_http_response *response,
                                  const char *name);

/* The URL without query string or user info, safe to print: session URIs
 * and signed links carry capabilities there. Caller g_free()s. */
DK_API char *dk_http_redact(const char *url);

/* Escapes a string for a form body or a query. Caller g_free()s. */
DK_API char *dk_http_escape(const char *text);

#ifdef __cplusplus
}
#endif
#endif
