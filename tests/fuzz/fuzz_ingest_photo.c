/* ingest.photo: a whole inspection (content sniffing, the structural JPEG
 * check, EXIF through libexif, the capture-time chain) of any bytes as a
 * file. HEIF goes to libheif, a third-party decoder, and is left out. */
#include <string.h>

#include "fuzz_common.h"
#include "ingest_photo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static GTimeZone *tz;
    static ingest_photo_clocks *clocks;
    if (!tz) {
        static const char *const entries[] = {"Canon Canon EOS R6=+00:05:30",
                                              "NIKON Z 6=-90", NULL};
        tz = g_time_zone_new_identifier("Asia/Makassar");
        dk_error err = {0};
        if (ingest_photo_clocks_parse(entries, &clocks, &err) < 0)
            fuzz_fail(__FILE__, __LINE__, err.message);
    }
    const char *looks_like = NULL;
    if (ingest_photo_sniff(data, size < 64 ? size : 64, &looks_like) ==
        INGEST_PHOTO_HEIF)
        return 0;
    fuzz_memfile file;
    fuzz_memfile_open(&file, data, size);
    dk_meta *meta = dk_meta_new();
    dk_error err = {0};
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    int rc = ingest_photo_inspect(file.path, tz, clocks, meta, warnings, &err);
    fuzz_check_warnings(warnings);
    g_ptr_array_unref(warnings);
    if (rc == 0) {
        const char *width = dk_meta_get(meta, "image.width");
        FUZZ_CHECK(width && strcmp(width, "0") != 0);
        FUZZ_CHECK(dk_meta_get(meta, "capture.time") != NULL);
        const char *warning = dk_meta_get(meta, "exif.warning");
        FUZZ_CHECK(!warning || g_utf8_validate(warning, -1, NULL));
    } else {
        FUZZ_CHECK(rc < 0 && err.message[0] != '\0');
    }
    dk_meta_free(&meta);
    fuzz_memfile_close(&file);
    return 0;
}
