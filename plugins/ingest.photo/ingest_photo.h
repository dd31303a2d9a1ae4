/* ingest.photo — the pieces behind the plugin, one job per file:
 *   ingest_photo_sniff.c    what a file's first bytes say it is
 *   ingest_photo_jpeg.c     structural JPEG check (markers, no decode)
 *   ingest_photo_exif.c     EXIF facts through libexif
 *   ingest_photo_heif.c     HEIF/HEIC dimensions and EXIF through libheif
 *   ingest_photo_clock.c    the per-camera clock-offset table
 *   ingest_photo_inspect.c  all of the above into an item's metadata
 *   ingest_photo.c          the plugin descriptor and its callbacks */
#ifndef INGEST_PHOTO_H
#define INGEST_PHOTO_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/dokpim.h>

/* ---- content sniffing ---- */
typedef enum ingest_photo_format {
    INGEST_PHOTO_UNKNOWN = 0,
    INGEST_PHOTO_JPEG,
    INGEST_PHOTO_HEIF,
    INGEST_PHOTO_OTHER, /* recognised, but not a photo format we read */
} ingest_photo_format;

/* Classifies a file from its first bytes. *looks_like names what it is
 * ("PNG", "text", ...) for messages; static text, never NULL. */
ingest_photo_format ingest_photo_sniff(const uint8_t *head, size_t len,
                                       const char **looks_like);

/* ---- JPEG structure ---- */
/* The largest image we accept: libjpeg-turbo's own dimension limit, and a
 * pixel budget that keeps one decode of it within a worker's memory. */
#define INGEST_PHOTO_MAX_SIDE   65500
#define INGEST_PHOTO_MAX_PIXELS (250LL * 1000 * 1000)

typedef struct ingest_photo_jpeg {
    int width, height;
    int components; /* 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK */
    bool progressive;
    int adobe_transform; /* from an Adobe APP14 segment; -1 without one */
    bool jfif;
    uint64_t exif_offset; /* where the TIFF header of APP1 Exif starts */
    uint32_t exif_size;   /* 0: no EXIF segment */
    uint64_t end;         /* offset just past the EOI marker */
} ingest_photo_jpeg;

/* Walks the markers of the JPEG in fd (size bytes) without decoding: every
 * segment inside the file, one supported frame header with sane
 * dimensions, a scan, and an EOI after the entropy-coded data. Reads the
 * file once, sequentially. Returns 0 or DK_ERR_INVALID /
 * DK_ERR_UNSUPPORTED / DK_ERR_IO with a one-line message. */
int ingest_photo_jpeg_scan(int fd, uint64_t size, ingest_photo_jpeg *info,
                           dk_error *err);

/* "grey", "ycbcr", "rgb", "cmyk" or "ycck" from components + markers. */
const char *ingest_photo_jpeg_colorspace(const ingest_photo_jpeg *info);

/* ---- EXIF ---- */
typedef struct ingest_photo_exif {
    GDateTime *capture; /* the camera's capture time, or NULL */
    char *make, *model; /* trimmed, valid UTF-8, or NULL */
    int orientation;    /* 1..8; 0 when absent or invalid */
    bool has_position;
    double latitude, longitude; /* decimal degrees, south/west negative */
    bool has_altitude;
    double altitude; /* metres; below sea level negative */
    /* every problem found, one line each ("EXIF: ..."), or NULL */
    GPtrArray *warnings;
} ingest_photo_exif;

/* Reads a TIFF-structured EXIF block (starting at the "II"/"MM" byte-order
 * mark) held in container ("APP1 segment", "EXIF block": for messages).
 * Times without an offset tag are read in tz. Never fails: what cannot be
 * read, or is implausible (a 1970 clock, GPS 0/0), is left unset or kept as
 * the README says and explained in out->warnings. */
void ingest_photo_exif_read(const uint8_t *tiff, size_t size,
                            const char *container, GTimeZone *tz,
                            ingest_photo_exif *out);
void ingest_photo_exif_clear(ingest_photo_exif *exif);

/* ---- HEIF ---- */
typedef struct ingest_photo_heif {
    int width, height;                 /* as coded (ispe) */
    int display_width, display_height; /* after the file's rotation */
    uint8_t *exif;                     /* TIFF-structured block, or NULL */
    size_t exif_size;
} ingest_photo_heif;

/* DK_ERR_UNSUPPORTED when built without libheif. */
int ingest_photo_heif_read(const char *path, ingest_photo_heif *out,
                           dk_error *err);
void ingest_photo_heif_clear(ingest_photo_heif *heif);

/* ---- camera clock offsets ---- */
typedef struct ingest_photo_clocks ingest_photo_clocks;

/* Parses "Canon EOS R6=+00:05:30" / "NIKON CORPORATION NIKON Z 6=-90"
 * entries; DK_ERR_CONFIG naming the bad entry. entries may be NULL. */
int ingest_photo_clocks_parse(const char *const *entries,
                              ingest_photo_clocks **out, dk_error *err);
void ingest_photo_clocks_free(ingest_photo_clocks **clocks);
/* The offset in seconds for a camera (make + model beats model alone). */
bool ingest_photo_clocks_lookup(const ingest_photo_clocks *clocks,
                                const char *make, const char *model,
                                int64_t *seconds);

/* ---- the whole inspection ---- */
/* Validates the photo at path and stores what it learned in meta (the keys
 * are listed in README.md). tz reads times that carry no offset; clocks
 * may be NULL. What was salvaged or is implausible is appended to warnings
 * (g_strdup'd lines; NULL: only the first goes to meta's exif.warning).
 * The file is only read. */
int ingest_photo_inspect(const char *path, GTimeZone *tz,
                         const ingest_photo_clocks *clocks, dk_meta *meta,
                         GPtrArray *warnings, dk_error *err);

#endif
