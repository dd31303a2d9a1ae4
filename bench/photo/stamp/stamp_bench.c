/* The stamp stage alone: stamp_exif_stamp_file() over a batch, one thread,
 * with the sample event's values, so run.sh can set it against `cp` of the
 * same batch. Built by run.sh against the build tree.
 *
 *   stamp_bench OUT_DIR PHOTO...                                          */
#include <glib.h>
#include <stdio.h>

#include "stamp_exif_write.h"
#include "stamp_exif_xmp.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s OUT_DIR PHOTO...\n", argv[0]);
        return 2;
    }
    dk_error err = {0};
    if (stamp_exif_xmp_init(&err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    stamp_exif_fields f = {
        .artist = g_strdup("Ni Komang Ayu Pradnyani"),
        .copyright = g_strdup("© 2025 Pemerintah Kabupaten Badung"),
        .caption = g_strdup("Rapat Koordinasi Penanganan Sampah Se-Kabupaten "
                            "Badung — Ruang Kriya Gosana, Puspem Badung, "
                            "Mangupura, 14 Maret 2025"),
        .headline = g_strdup("Rapat Koordinasi Penanganan Sampah"),
        .credit = g_strdup("Bagian Prokompim Setda Kabupaten Badung"),
        .city = g_strdup("Mangupura"),
        .location = g_strdup("Ruang Kriya Gosana, Puspem Badung"),
        .event = g_strdup("Rapat Koordinasi Penanganan Sampah"),
        .software = g_strdup("dokpim bench"),
        .keywords = stamp_exif_split_keywords("Badung;Bupati;sampah"),
        .capture_time = g_strdup("2025-03-14T10:11:22+08:00"),
        .capture_source = g_strdup("exif"),
        .keep_gps = true,
    };
    int failed = 0;
    for (int i = 2; i < argc; i++) {
        char *base = g_path_get_basename(argv[i]);
        char *out = g_build_filename(argv[1], base, NULL);
        if (stamp_exif_stamp_file(argv[i], out, &f, NULL, &err) != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], err.message);
            failed++;
        }
        g_free(out);
        g_free(base);
    }
    stamp_exif_fields_clear(&f);
    stamp_exif_xmp_terminate();
    return failed ? 1 : 0;
}
