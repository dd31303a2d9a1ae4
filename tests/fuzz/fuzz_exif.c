/* EXIF blocks (TIFF structure) as both photo plugins read them:
 * ingest.photo's facts reader, and stamp.exif's rewrite, whose output must
 * fit one segment and read back as EXIF. */
#include <string.h>

#include "fuzz_common.h"
#include "ingest_photo.h"
#include "stamp_exif_exif.h"
#include "stamp_exif_jpeg.h"

static void read_facts(const uint8_t *tiff, size_t size, GTimeZone *tz)
{
    ingest_photo_exif exif;
    ingest_photo_exif_read(tiff, size, "APP1 segment", tz, &exif);
    FUZZ_CHECK(exif.orientation >= 0 && exif.orientation <= 8);
    FUZZ_CHECK(!exif.make || g_utf8_validate(exif.make, -1, NULL));
    fuzz_check_warnings(exif.warnings);
    ingest_photo_exif_clear(&exif);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static GTimeZone *tz;
    if (!tz)
        tz = g_time_zone_new_identifier("Asia/Makassar");
    read_facts(data, size, tz);

    char *keywords[] = {"rapat", "Bali", NULL};
    stamp_exif_fields fields = {
        .artist = "Made Wirawan",
        .copyright = "Pemprov Bali",
        .caption = "Rapat koordinasi \xc3\xa9t\xc3\xa9 di Denpasar",
        .software = "dokpim",
        .keywords = keywords,
        .keep_gps = size > 0 && (data[0] & 1),
    };
    uint8_t *block = g_malloc(size + STAMP_EXIF_EXIF_ID_LEN);
    memcpy(block, STAMP_EXIF_EXIF_ID, STAMP_EXIF_EXIF_ID_LEN);
    if (size)
        memcpy(block + STAMP_EXIF_EXIF_ID_LEN, data, size);
    uint8_t *out = NULL;
    size_t out_size = 0;
    dk_error err = {0};
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    int rc =
        stamp_exif_build_exif(block, size + STAMP_EXIF_EXIF_ID_LEN, &fields,
                              640, 480, &out, &out_size, warnings, &err);
    fuzz_check_warnings(warnings);
    g_ptr_array_unref(warnings);
    if (rc == 0) {
        FUZZ_CHECK(out && out_size <= STAMP_EXIF_SEGMENT_MAX);
        FUZZ_CHECK(out_size > STAMP_EXIF_EXIF_ID_LEN &&
                   memcmp(out, STAMP_EXIF_EXIF_ID, STAMP_EXIF_EXIF_ID_LEN) ==
                       0);
        ingest_photo_exif again;
        ingest_photo_exif_read(out + STAMP_EXIF_EXIF_ID_LEN,
                               out_size - STAMP_EXIF_EXIF_ID_LEN,
                               "APP1 segment", tz, &again);
        ingest_photo_exif_clear(&again);
    } else {
        FUZZ_CHECK(rc < 0 && err.message[0] != '\0' && !out);
    }
    g_free(out);
    g_free(block);
    return 0;
}
