#include "fuzz_answer.h"

#include <string.h>

#include "answers.h"

void fuzz_answer_read(const uint8_t *data, size_t size,
                      dk_http_response *response)
{
    memset(response, 0, sizeof *response);
    response->length = -1;
    response->headers =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    size_t at = 0;
    for (; at < size && g_ascii_isdigit(data[at]) && at < 3; at++)
        response->status = response->status * 10 + (data[at] - '0');
    /* header lines, each handed over with its line end as libcurl does,
     * up to the empty line */
    bool first = true;
    while (at < size) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t end = nl ? (size_t)(nl - data) + 1 : size;
        size_t text = end - at;
        bool blank = text <= 2 && (data[at] == '\n' || data[at] == '\r');
        if (!first && blank) {
            at = end;
            break;
        }
        if (!first)
            dk_http_response_take_header(response, (const char *)data + at,
                                         text);
        first = false;
        at = end;
    }
    response->body =
        g_string_new_len((const char *)data + at, (gssize)(size - at));
}
