/* Private to libdokpim-queue: how its HTTP and OAuth clients read what a
 * server answered, apart from the requests that fetch it, so each reader
 * can be driven with any bytes (tests/fuzz) without a server. */
#ifndef DK_QUEUE_ANSWERS_H
#define DK_QUEUE_ANSWERS_H

#include <dokpim/http.h>
#include <dokpim/oauth.h>

#include "dk_private_api.h"

/* One header line as libcurl hands it over (length bytes, not
 * NUL-terminated, with its CRLF) into response->headers: "Name: value"
 * under the lower-case name; a status line starts the headers again. */
DK_PRIVATE_API void dk_http_response_take_header(dk_http_response *response,
                                                 const char *line,
                                                 size_t length);

/* The token endpoint's answer to a refresh (status, JSON body): as
 * dk_oauth_access_token(). */
DK_PRIVATE_API int
dk_oauth_read_token_answer(const dk_oauth_credentials *credentials, long status,
                           const char *answer, size_t length, char **token,
                           int64_t *expires_at, bool *revoked, dk_error *err);
/* The device endpoint's answer: as dk_oauth_device_start(). */
DK_PRIVATE_API int dk_oauth_read_device_answer(long status, const char *answer,
                                               size_t length,
                                               dk_oauth_device **out,
                                               dk_error *err);
/* The token endpoint's answer to a device-code poll: as
 * dk_oauth_device_poll(). */
DK_PRIVATE_API int dk_oauth_read_poll_answer(long status, const char *answer,
                                             size_t length,
                                             dk_oauth_device *device,
                                             char **refresh_token,
                                             dk_error *err);

#endif
