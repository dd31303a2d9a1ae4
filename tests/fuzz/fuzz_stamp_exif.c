/* stamp.exif: stamping any bytes as a JPEG file, which reads and rewrites
 * its EXIF (libexif), XMP (exempi), Photoshop resources with the IPTC IIM
 * (libiptcdata) and MPF index. A stamped file must be a JPEG this plugin
 * walks again, with the image data byte for byte the input's, and must
 * stamp again (its own blocks read back). */
#include <glib/gstdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "stamp_exif_jpeg.h"
#include "stamp_exif_write.h"
#include "stamp_exif_xmp.h"

static char *keywords[] = {"rapat", "Bali", "koordinasi", NULL};

static stamp_exif_fields fields = {
    .artist = "Made Wirawan",
    .copyright = "\xc2\xa9 Pemprov Bali",
    .caption = "Rapat koordinasi di Denpasar \xe1\xac\xa7\xe1\xac\xb8",
    .headline = "Rapat",
    .credit = "Biro Dokpim",
    .city = "Denpasar",
    .location = "Gedung Jaya Sabha",
    .event = "Rapat Koordinasi",
    .software = "dokpim",
    .keywords = keywords,
    .capture_time = "2024-09-02T14:11:22+08:00",
    .capture_source = "filename",
    .capture_inferred = true,
    .capture_clock_offset = 90,
};

static void check_output(const uint8_t *in, size_t in_size, const char *path)
{
    g_autofree char *out = NULL;
    gsize out_size = 0;
    FUZZ_CHECK(g_file_get_contents(path, &out, &out_size, NULL));
    stamp_exif_layout before, after;
    dk_error err = {0};
    FUZZ_CHECK(stamp_exif_jpeg_scan(in, in_size, &before, &err) == 0);
    if (stamp_exif_jpeg_scan((const uint8_t *)out, out_size, &after, &err) != 0)
        fuzz_fail(__FILE__, __LINE__, err.message);
    size_t tail = in_size - before.scan_offset;
    FUZZ_CHECK(out_size - after.scan_offset == tail);
    FUZZ_CHECK(memcmp(out + after.scan_offset, in + before.scan_offset, tail) ==
               0);
    stamp_exif_layout_clear(&before);
    stamp_exif_layout_clear(&after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static char *output, *again;
    if (!output) {
        dk_error err = {0};
        if (stamp_exif_xmp_init(&err) < 0)
            fuzz_fail(__FILE__, __LINE__, err.message);
        output = g_build_filename(fuzz_tmpdir(), "stamped.jpg", NULL);
        again = g_build_filename(fuzz_tmpdir(), "stamped-again.jpg", NULL);
    }
    fields.keep_gps = size > 0 && (data[size - 1] & 1);
    fuzz_memfile file;
    fuzz_memfile_open(&file, data, size);
    dk_error err = {0};
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    int rc = stamp_exif_stamp_file(file.path, output, &fields, warnings, &err);
    fuzz_check_warnings(warnings);
    g_ptr_array_unref(warnings);
    if (rc == 0) {
        check_output(data, size, output);
        warnings = g_ptr_array_new_with_free_func(g_free);
        if (stamp_exif_stamp_file(output, again, &fields, warnings, &err) != 0)
            fuzz_fail(__FILE__, __LINE__, err.message);
        fuzz_check_warnings(warnings);
        g_ptr_array_unref(warnings);
    } else {
        FUZZ_CHECK(rc < 0 && err.message[0] != '\0');
    }
    g_unlink(output);
    g_unlink(again);
    fuzz_memfile_close(&file);
    return 0;
}
