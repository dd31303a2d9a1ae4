/* core/jpeg: the marker walk over any bytes, from memory and from a file.
 * Both walks must agree segment for segment, payload for payload, and end
 * with the same result: the photo plugins use one or the other. */
#include <string.h>

#include "fuzz_common.h"
#include "jpeg_segments.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    fuzz_memfile file;
    fuzz_memfile_open(&file, data, size);
    dk_jpeg_walk memory, disk;
    dk_jpeg_walk_memory(&memory, data, size);
    dk_jpeg_walk_file(&disk, file.fd, size);
    for (;;) {
        dk_jpeg_segment a, b;
        dk_error err_a = {0}, err_b = {0};
        int rc_a = dk_jpeg_walk_next(&memory, &a, &err_a);
        int rc_b = dk_jpeg_walk_next(&disk, &b, &err_b);
        FUZZ_CHECK(rc_a == rc_b);
        if (rc_a < 0) {
            FUZZ_CHECK(err_a.message[0] != '\0');
            FUZZ_CHECK(strcmp(err_a.message, err_b.message) == 0);
            break;
        }
        FUZZ_CHECK(a.marker == b.marker && a.start == b.start &&
                   a.offset == b.offset && a.length == b.length &&
                   a.end == b.end && a.payload_offset == b.payload_offset);
        FUZZ_CHECK(a.start <= a.offset && a.offset < a.end && a.end <= size);
        FUZZ_CHECK(a.payload_offset + a.length == a.end);
        const uint8_t *pa = NULL, *pb = NULL;
        FUZZ_CHECK(dk_jpeg_walk_payload(&memory, &a, &pa, &err_a) == 0);
        FUZZ_CHECK(dk_jpeg_walk_payload(&disk, &b, &pb, &err_b) == 0);
        FUZZ_CHECK(memcmp(pa, data + a.payload_offset, a.length) == 0);
        FUZZ_CHECK(memcmp(pb, data + a.payload_offset, a.length) == 0);
        char name[8];
        FUZZ_CHECK(dk_jpeg_marker_name(a.marker, name) != NULL);
        if (a.marker == DK_JPEG_EOI)
            break;
    }
    dk_jpeg_walk_clear(&memory);
    dk_jpeg_walk_clear(&disk);
    fuzz_memfile_close(&file);
    return 0;
}
