/* dokpim — OAuth 2.0 for installed apps: a credentials file holding a
 * client id, client secret and refresh token (never group/world
 * readable), access tokens from the refresh token, and the device-code
 * flow that gets the refresh token once on a machine without a browser.
 * Tokens never appear in messages. */
#ifndef DOKPIM_OAUTH_H
#define DOKPIM_OAUTH_H

#include <stdbool.h>
#include <stdint.h>

#include <dokpim/export.h>
#include <dokpim/http.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DK_OAUTH_GOOGLE_TOKEN_URI  "https://oauth2.googleapis.com/token"
#define DK_OAUTH_GOOGLE_DEVICE_URI "https://oauth2.googleapis.com/device/code"

typedef struct dk_oauth_credentials {
    char *path;
    char *client_id;
    char *client_secret;
    char *refresh_token; /* NULL before `dokpim youtube auth` */
    char *token_uri;     /* default Google's */
    char *device_uri;    /* default Google's */
} dk_oauth_credentials;

/* Reads a JSON credentials file: client_id, client_secret, refresh_token,
 * optional token_uri / device_uri, at the top level or inside
 * "installed" (the file Google's console downloads). Refuses a file that
 * others may read. need_refresh_token: refuse one without it, telling the
 * user to run `dokpim youtube auth`. */
DK_API int dk_oauth_load(const char *path, bool need_refresh_token,
                         dk_oauth_credentials **out, dk_error *err);
DK_API void dk_oauth_free(dk_oauth_credentials **credentials);

/* An access token (caller g_free()s) valid until *expires_at (unix time).
 * A refresh token Google expired or revoked (invalid_grant) returns
 * DK_ERR_CONFIG with *revoked set and a message telling the user to run
 * `dokpim youtube auth` again; transport failures DK_ERR_NETWORK. */
DK_API int dk_oauth_access_token(dk_http_client *client,
                                 const dk_oauth_credentials *credentials,
                                 char **token, int64_t *expires_at,
                                 bool *revoked, dk_error *err);

typedef struct dk_oauth_device {
    char *device_code;
    char *user_code;        /* what the user types */
    char *verification_url; /* where the user types it */
    int interval;           /* seconds between polls */
    int64_t expires_at;
} dk_oauth_device;

DK_API int dk_oauth_device_start(dk_http_client *client,
                                 const dk_oauth_credentials *credentials,
                                 const char *scope, dk_oauth_device **out,
                                 dk_error *err);
DK_API void dk_oauth_device_free(dk_oauth_device **device);
/* 0 and *refresh_token once the user agreed; 1 while pending (wait
 * device->interval, which slow_down raises); an error when denied or
 * expired. */
DK_API int dk_oauth_device_poll(dk_http_client *client,
                                const dk_oauth_credentials *credentials,
                                dk_oauth_device *device, char **refresh_token,
                                dk_error *err);
/* Writes the credentials with this refresh token back to their file,
 * atomically and with mode 0600. */
DK_API int dk_oauth_save(const dk_oauth_credentials *credentials,
                         const char *refresh_token, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
