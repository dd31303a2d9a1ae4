/* One request to the YouTube Data API with the caller's access token. The
 * upload's retries and quota (upload.youtube) and the live's lifecycle
 * (live.youtube) are built on it; refreshing the token is theirs, since
 * they keep it for different lengths of time. */
#include "youtube_reply.h"

#include <string.h>

int youtube_send_bearer(dk_http_client *http, const char *token,
                        const dk_http_request *request, youtube_reply *reply,
                        dk_error *err)
{
    g_autofree char *auth = g_strconcat("Authorization: Bearer ", token, NULL);
    GPtrArray *headers = g_ptr_array_new();
    g_ptr_array_add(headers, auth);
    for (const char *const *h = request->headers; h && *h; h++)
        g_ptr_array_add(headers, (gpointer)*h);
    g_ptr_array_add(headers, NULL);
    dk_http_request with_auth = *request;
    with_auth.headers = (const char *const *)headers->pdata;
    int rc = dk_http_perform(http, &with_auth, &reply->http, err);
    g_ptr_array_free(headers, TRUE);
    /* the access token is a secret: no copy left in freed memory */
    memset(auth, 0, strlen(auth));
    if (rc == 0)
        youtube_reply_read(reply);
    return rc;
}
