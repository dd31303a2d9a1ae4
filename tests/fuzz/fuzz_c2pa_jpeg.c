/* core/c2pa: locating a JPEG's C2PA manifest store among its APP11
 * segments and reassembling it, on any bytes. A span found lies inside
 * the data and covers whole segments; a store read back is a whole JUMBF
 * superbox no longer than its segments. */
#include <dokpim/c2pa.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    dk_c2pa_jpeg_span span;
    dk_error err = {0};
    int rc = dk_c2pa_jpeg_find(data, size, &span, &err);
    if (rc < 0) {
        FUZZ_CHECK(err.message[0] != '\0');
        return 0;
    }
    if (span.segments == 0)
        return 0;
    FUZZ_CHECK(span.offset + span.length <= size);
    FUZZ_CHECK(data[span.offset] == 0xFF && data[span.offset + 1] == 0xEB);
    uint8_t *store = NULL;
    size_t store_len = 0;
    rc = dk_c2pa_jpeg_read_store(data, size, &span, &store, &store_len, &err);
    if (rc < 0) {
        FUZZ_CHECK(err.message[0] != '\0' && store == NULL);
        return 0;
    }
    FUZZ_CHECK(store_len >= 8 && store_len <= span.length);
    FUZZ_CHECK(memcmp(store + 4, "jumb", 4) == 0);
    g_free(store);
    return 0;
}
