/* core/queue/oauth.c: any answer of the token and device endpoints, read
 * as a token refresh, a device-code start and a device-code poll. */
#include <string.h>
#include <time.h>

#include "answers.h"
#include "fuzz_answer.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static dk_oauth_credentials credentials = {
        .path = "/home/dokpim/.config/dokpim/youtube.json",
        .client_id = "1234.apps.googleusercontent.com",
        .client_secret = "secret",
        .refresh_token = "1//refresh",
        .token_uri = DK_OAUTH_GOOGLE_TOKEN_URI,
        .device_uri = DK_OAUTH_GOOGLE_DEVICE_URI,
    };
    dk_http_response response;
    fuzz_answer_read(data, size, &response);
    const char *body = response.body->str;
    size_t length = response.body->len;
    long status = response.status;

    char *token = NULL;
    int64_t expires_at = 0;
    bool revoked = false;
    dk_error err = {0};
    int rc = dk_oauth_read_token_answer(&credentials, status, body, length,
                                        &token, &expires_at, &revoked, &err);
    FUZZ_CHECK(rc == 0 ? token && *token && !revoked
                       : !token && err.message[0] != '\0');
    FUZZ_CHECK(rc != 0 || expires_at >= (int64_t)time(NULL) - 1);
    FUZZ_CHECK(!revoked || rc == DK_ERR_CONFIG);
    g_free(token);

    dk_oauth_device *device = NULL;
    rc = dk_oauth_read_device_answer(status, body, length, &device, &err);
    FUZZ_CHECK(rc == 0 ? device && device->device_code && device->user_code &&
                             device->verification_url
                       : !device);
    FUZZ_CHECK(!device || (device->interval >= 0 &&
                           device->expires_at >= (int64_t)time(NULL) - 1));
    dk_oauth_device fallback = {.interval = 5,
                                .expires_at = (int64_t)time(NULL) + 600};
    char *refresh = NULL;
    rc = dk_oauth_read_poll_answer(status, body, length,
                                   device ? device : &fallback, &refresh, &err);
    FUZZ_CHECK(rc == 0 ? refresh != NULL : !refresh);
    g_free(refresh);
    dk_oauth_device_free(&device);
    dk_http_response_clear(&response);
    return 0;
}
