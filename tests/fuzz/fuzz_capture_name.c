/* core/lib/capture_name.c: a capture time from any file name (the bytes
 * as a path), recorded into metadata the way ingest does. */
#include <string.h>

#include "fuzz_common.h"

#include <dokpim/dokpim.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static GTimeZone *zones[2];
    if (!zones[0]) {
        zones[0] = g_time_zone_new_identifier("Asia/Makassar");
        zones[1] = g_time_zone_new_identifier("America/Los_Angeles");
    }
    g_autofree char *path = fuzz_string(data, size);
    for (size_t i = 0; i < G_N_ELEMENTS(zones); i++) {
        gboolean date_only = TRUE;
        GDateTime *when =
            dk_capture_time_from_filename(path, zones[i], &date_only);
        if (!when) {
            FUZZ_CHECK(!date_only);
            continue;
        }
        int year = g_date_time_get_year(when);
        FUZZ_CHECK(year >= 1969 && year <= 2101);
        dk_meta *meta = dk_meta_new();
        dk_meta_set_capture(meta, when, "filename");
        const char *text = dk_meta_get(meta, "capture.time");
        FUZZ_CHECK(text);
        GDateTime *back = g_date_time_new_from_iso8601(text, NULL);
        FUZZ_CHECK(back && g_date_time_equal(back, when));
        g_date_time_unref(back);
        dk_meta_free(&meta);
        g_date_time_unref(when);
    }
    return 0;
}
