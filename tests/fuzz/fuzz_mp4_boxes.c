/* ingest.video: the walk over an MP4/MOV file's top-level boxes (any bytes
 * as a file), and the ISO 6709 location a clip's tags carry (the same bytes
 * as text). */
#include <math.h>
#include <string.h>

#include "fuzz_common.h"
#include "ingest_video.h"
#include "video_boxes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    fuzz_memfile file;
    fuzz_memfile_open(&file, data, size);
    video_boxes boxes;
    dk_error err = {0};
    FUZZ_CHECK(video_boxes_scan(file.path, &boxes, &err) == 0);
    FUZZ_CHECK(boxes.file_size == (int64_t)size);
    FUZZ_CHECK(boxes.boxes >= 0 && boxes.boxes <= (int64_t)size / 8 + 1);
    FUZZ_CHECK(!boxes.has_moov || boxes.iso_bmff);
    FUZZ_CHECK(boxes.cut_type[4] == '\0');
    fuzz_memfile_close(&file);

    g_autofree char *text = fuzz_string(data, size);
    double latitude = 0, longitude = 0, altitude = 0;
    gboolean has_altitude = FALSE;
    if (ingest_video_parse_iso6709(text, &latitude, &longitude, &altitude,
                                   &has_altitude)) {
        FUZZ_CHECK(fabs(latitude) <= 90.0 && fabs(longitude) <= 180.0);
        FUZZ_CHECK(!has_altitude || !isnan(altitude));
    }
    return 0;
}
