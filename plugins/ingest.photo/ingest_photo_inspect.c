/* One photo from path to metadata: what the content is, whether it is
 * sound, what its EXIF says, and when it was taken (EXIF, else the file
 * name, else the file's modification time: dk_capture_resolve). Only reads
 * the file. */
#include "ingest_photo.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Everything the format readers found, before it becomes metadata. */
typedef struct photo_facts {
    const char *format; /* "jpeg" or "heif" */
    int width, height;  /* stored pixels */
    int display_width, display_height;
    bool has_exif_block;
    ingest_photo_exif exif;
} photo_facts;

static bool extension_is_heif(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (g_ascii_strcasecmp(dot, ".heic") == 0 ||
                   g_ascii_strcasecmp(dot, ".heif") == 0 ||
                   g_ascii_strcasecmp(dot, ".hif") == 0);
}

static int read_jpeg(int fd, uint64_t size, GTimeZone *tz, photo_facts *facts,
                     dk_meta *meta, dk_error *err)
{
    ingest_photo_jpeg jpeg;
    int rc = ingest_photo_jpeg_scan(fd, size, &jpeg, err);
    if (rc < 0)
        return rc;
    facts->format = "jpeg";
    facts->width = facts->display_width = jpeg.width;
    facts->height = facts->display_height = jpeg.height;
    dk_meta_set_int(meta, "image.components", jpeg.components);
    dk_meta_set_string(meta, "image.colorspace",
                       ingest_photo_jpeg_colorspace(&jpeg));
    dk_meta_set_bool(meta, "image.progressive", jpeg.progressive);
    if (jpeg.exif_size == 0)
        return 0;
    facts->has_exif_block = true;
    uint8_t *block = g_malloc(jpeg.exif_size);
    ssize_t got = pread(fd, block, jpeg.exif_size, (off_t)jpeg.exif_offset);
    if (got == (ssize_t)jpeg.exif_size) {
        ingest_photo_exif_read(block, jpeg.exif_size, "APP1 segment", tz,
                               &facts->exif);
    } else {
        facts->exif.warnings = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(facts->exif.warnings,
                        g_strdup("EXIF: the block could not be read"));
    }
    g_free(block);
    return 0;
}

static int read_heif(const char *path, GTimeZone *tz, photo_facts *facts,
                     dk_error *err)
{
    ingest_photo_heif heif;
    int rc = ingest_photo_heif_read(path, &heif, err);
    if (rc < 0)
        return rc;
    facts->format = "heif";
    facts->width = heif.width;
    facts->height = heif.height;
    /* libheif applies the file's own rotation (irot/imir); EXIF
     * orientation in a HEIF is informational only */
    facts->display_width = heif.display_width;
    facts->display_height = heif.display_height;
    if (heif.exif) {
        facts->has_exif_block = true;
        ingest_photo_exif_read(heif.exif, heif.exif_size, "EXIF block", tz,
                               &facts->exif);
    }
    ingest_photo_heif_clear(&heif);
    return 0;
}

/* Checks what the file is and hands it to the right reader. */
static int read_photo(const char *path, int fd, uint64_t size, GTimeZone *tz,
                      photo_facts *facts, dk_meta *meta, dk_error *err)
{
    uint8_t head[64];
    ssize_t got = pread(fd, head, sizeof head, 0);
    if (got < 0)
        return dk_error_set(err, DK_ERR_IO, "cannot read: %s",
                            g_strerror(errno));
    const char *looks_like = NULL;
    ingest_photo_format format =
        ingest_photo_sniff(head, (size_t)got, &looks_like);
    /* by content, not name: phones do save HEIC under .jpg */
    if (format == INGEST_PHOTO_JPEG)
        return read_jpeg(fd, size, tz, facts, meta, err);
    if (format == INGEST_PHOTO_HEIF)
        return read_heif(path, tz, facts, err);
    return dk_error_set(err, DK_ERR_INVALID, "not a %s (looks like %s)",
                        extension_is_heif(path) ? "HEIF image" : "JPEG",
                        looks_like);
}

/* The camera's EXIF time, corrected by its clock offset, goes first in
 * the core's chain (then the file name, then the file time). */
static int store_capture_time(const char *path, GTimeZone *tz,
                              const photo_facts *facts,
                              const ingest_photo_clocks *clocks, dk_meta *meta,
                              dk_error *err)
{
    GDateTime *exif = NULL;
    int64_t offset = 0;
    if (facts->exif.capture &&
        ingest_photo_clocks_lookup(clocks, facts->exif.make, facts->exif.model,
                                   &offset)) {
        exif = g_date_time_add_seconds(facts->exif.capture, (gdouble)offset);
        dk_meta_set_int(meta, "capture.clock-offset", offset);
    } else if (facts->exif.capture) {
        exif = g_date_time_ref(facts->exif.capture);
    }
    int rc = dk_capture_resolve(path, exif, "exif", tz, meta, err);
    if (exif)
        g_date_time_unref(exif);
    return rc;
}

static void store_facts(const photo_facts *facts, dk_meta *meta)
{
    const ingest_photo_exif *exif = &facts->exif;
    int orientation = exif->orientation ? exif->orientation : 1;
    dk_meta_set_string(meta, "image.format", facts->format);
    dk_meta_set_int(meta, "image.width", facts->width);
    dk_meta_set_int(meta, "image.height", facts->height);
    dk_meta_set_int(meta, "image.orientation", orientation);
    /* orientations 5-8 turn the picture a quarter: width and height swap
     * on screen (JPEG only; libheif already reports HEIF turned) */
    bool turned = g_strcmp0(facts->format, "jpeg") == 0 && orientation >= 5;
    dk_meta_set_int(meta, "display.width",
                    turned ? facts->display_height : facts->display_width);
    dk_meta_set_int(meta, "display.height",
                    turned ? facts->display_width : facts->display_height);
    dk_meta_set_bool(meta, "jpeg.exif", facts->has_exif_block);
    if (exif->make)
        dk_meta_set_string(meta, "camera.make", exif->make);
    if (exif->model)
        dk_meta_set_string(meta, "camera.model", exif->model);
    if (exif->has_position) {
        dk_meta_set_double(meta, "gps.latitude", exif->latitude);
        dk_meta_set_double(meta, "gps.longitude", exif->longitude);
    }
    if (exif->has_altitude)
        dk_meta_set_double(meta, "gps.altitude", exif->altitude);
    if (exif->warnings)
        dk_meta_set_string(meta, "exif.warning", exif->warnings->pdata[0]);
}

int ingest_photo_inspect(const char *path, GTimeZone *tz,
                         const ingest_photo_clocks *clocks, dk_meta *meta,
                         GPtrArray *warnings, dk_error *err)
{
    /* O_NONBLOCK: a FIFO given as input must not hang the worker; it has
     * no effect on regular files */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return dk_error_set(err, errno == ENOENT ? DK_ERR_NOT_FOUND : DK_ERR_IO,
                            "cannot open: %s", g_strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0)
        rc = dk_error_set(err, DK_ERR_IO, "cannot stat: %s", g_strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = dk_error_set(err, DK_ERR_INVALID, "not a regular file");
    else if (st.st_size == 0)
        rc = dk_error_set(err, DK_ERR_INVALID, "empty file");
    photo_facts facts = {0};
    if (rc == 0)
        rc = read_photo(path, fd, (uint64_t)st.st_size, tz, &facts, meta, err);
    close(fd);
    if (rc == 0) {
        store_facts(&facts, meta);
        rc = store_capture_time(path, tz, &facts, clocks, meta, err);
    }
    for (guint i = 0; rc == 0 && warnings && facts.exif.warnings &&
                      i < facts.exif.warnings->len;
         i++)
        g_ptr_array_add(warnings, g_strdup(facts.exif.warnings->pdata[i]));
    ingest_photo_exif_clear(&facts.exif);
    return rc;
}
