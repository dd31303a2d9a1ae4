/* core/queue: an answer's header lines as libcurl hands them to the
 * client (http.c), and what the upload targets make of server-given text:
 * the redacted URL of a Location, a storage URL built on it (storage.c). */
#include <string.h>

#include "fuzz_answer.h"
#include "fuzz_common.h"

#include <dokpim/storage.h>

static const char *const names[] = {"location", "Range", "CONTENT-TYPE",
                                    "content-length", "x-guploader-uploadid"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    dk_http_response response;
    fuzz_answer_read(data, size, &response);
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, response.headers);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        const char *name = key;
        for (const char *c = name; *c; c++)
            FUZZ_CHECK(!g_ascii_isupper(*c));
        FUZZ_CHECK(dk_http_header(&response, name) == value);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        const char *header = dk_http_header(&response, names[i]);
        if (!header)
            continue;
        g_autofree char *safe = dk_http_redact(header);
        FUZZ_CHECK(safe && !strchr(safe, '?') && !strchr(safe, '#'));
        g_autofree char *url = dk_storage_url(header, response.body->str);
        FUZZ_CHECK(g_str_has_prefix(url, header));
        g_autofree char *escaped = dk_http_escape(header);
        FUZZ_CHECK(escaped && !strchr(escaped, '&') && !strchr(escaped, ' '));
    }
    g_autofree char *safe = dk_http_redact(response.body->str);
    FUZZ_CHECK(safe);
    dk_http_response_clear(&response);
    return 0;
}
