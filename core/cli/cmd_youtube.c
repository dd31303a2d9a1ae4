/* dokpim youtube auth CREDENTIALS: gets the refresh token once, with the
 * OAuth device-code flow (works on a machine without a browser: the user
 * opens the address on a phone and types the code). */
#include "cli.h"

#include <dokpim/oauth.h>
#include <stdio.h>
#include <string.h>

/* Playlist insertion needs more than youtube.upload; the device flow only
 * grants the broader scope anyway. */
#define YOUTUBE_SCOPE "https://www.googleapis.com/auth/youtube"

static int authorize(const char *path)
{
    dk_oauth_credentials *credentials = NULL;
    dk_error err = {0};
    if (dk_oauth_load(path, false, &credentials, &err) < 0) {
        cli_error("%s", err.message);
        return DK_EXIT_USAGE;
    }
    /* only now: a refusal above needs no thread */
    cli_install_signal_thread("stopping");
    dk_http_client *client = dk_http_client_new();
    dk_oauth_device *device = NULL;
    char *refresh = NULL;
    int status = DK_EXIT_ITEMS_FAILED;
    if (dk_oauth_device_start(client, credentials, YOUTUBE_SCOPE, &device,
                              &err) < 0) {
        cli_error("%s", err.message);
        goto out;
    }
    fprintf(stderr,
            "dokpim: on any phone or computer, open\n\n    %s\n\n"
            "and enter the code\n\n    %s\n\nthen allow access for the "
            "channel's Google account. Waiting...\n",
            device->verification_url, device->user_code);
    int rc;
    while ((rc = dk_oauth_device_poll(client, credentials, device, &refresh,
                                      &err)) == 1) {
        if (!dk_cancel_sleep(device->interval)) {
            cli_error("stopped before access was granted");
            status = DK_EXIT_INTERRUPTED;
            goto out;
        }
    }
    if (rc < 0) {
        cli_error("%s", err.message);
        goto out;
    }
    if (dk_oauth_save(credentials, refresh, &err) < 0) {
        cli_error("%s", err.message);
        goto out;
    }
    fprintf(stderr,
            "dokpim: access granted; %s now holds the refresh token "
            "(mode 0600)\n",
            path);
    status = DK_EXIT_OK;
out:
    if (refresh)
        memset(refresh, 0, strlen(refresh));
    g_free(refresh);
    dk_oauth_device_free(&device);
    dk_http_client_free(&client);
    dk_oauth_free(&credentials);
    return status;
}

int cmd_youtube(int argc, char **argv)
{
    g_auto(GStrv) rest = NULL;
    GOptionEntry entries[] = {{G_OPTION_REMAINING, 0, 0,
                               G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL},
                              {NULL}};
    bool parsed = cli_parse(
        &argc, &argv, "auth CREDENTIALS",
        "auth: asks Google for a refresh token with the device-code flow and\n"
        "writes it into CREDENTIALS (a JSON file with client_id and\n"
        "client_secret, mode 0600) for the upload.youtube stage.",
        entries);
    if (!parsed)
        return DK_EXIT_USAGE;
    if (!rest || !rest[0] || strcmp(rest[0], "auth") != 0 || !rest[1] ||
        rest[2]) {
        cli_error("usage: dokpim youtube auth CREDENTIALS");
        return DK_EXIT_USAGE;
    }
    return authorize(rest[1]);
}
