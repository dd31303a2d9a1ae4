/* transcode.photo — internal interfaces between the plugin's files.
 *
 * The work for one photo is: map the JPEG, scan its metadata segments,
 * decode once at the smallest DCT scale that still covers the web size,
 * resample to the exact size while applying the EXIF orientation, make the
 * thumbnail from those web pixels, blend the watermark per size, encode,
 * and write each derivative atomically with the metadata the option asks
 * for. transcode_photo_render() does all of that without knowing about
 * stages or items, so tests and the benchmark driver can call it directly. */
#ifndef TRANSCODE_PHOTO_H
#define TRANSCODE_PHOTO_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/error.h>
#include <dokpim/overlay.h>

/* ---- pixels: packed 8-bit RGB ---- */
typedef struct transcode_photo_image {
    int width, height;
    size_t stride; /* bytes per row */
    uint8_t *pixels;
} transcode_photo_image;

/* Allocates width x height RGB (uninitialised); DK_ERR_NOMEM when too big. */
int transcode_photo_image_alloc(transcode_photo_image *image, int width,
                                int height, dk_error *err);
/* Frees the pixels and zeroes image; accepts a zeroed image. */
void transcode_photo_image_clear(transcode_photo_image *image);
/* Size that fits width x height into a long edge of long_edge px, keeping
 * the aspect; never upscales. The long side gets exactly long_edge. */
void transcode_photo_fit(int width, int height, int long_edge, int *out_w,
                         int *out_h);

/* ---- resampling ---- */
/* In the order of the filter option's choices (its ENUM index). */
typedef enum transcode_photo_filter {
    TRANSCODE_PHOTO_FILTER_AREA = 0, /* box: exact area averaging */
    TRANSCODE_PHOTO_FILTER_TRIANGLE, /* tent scaled to the reduction */
    TRANSCODE_PHOTO_FILTER_LANCZOS3,
} transcode_photo_filter;

/* Parses "area", "triangle", "lanczos3"; -1 when unknown. */
int transcode_photo_filter_from_name(const char *name);

/* Resamples src (stored orientation) to out_w x out_h and writes it into
 * dst turned upright for EXIF orientation 1..8 (dst is allocated here:
 * out_w x out_h, or out_h x out_w for 5..8). */
int transcode_photo_resample(const transcode_photo_image *src, int out_w,
                             int out_h, transcode_photo_filter filter,
                             int orientation, transcode_photo_image *dst,
                             dk_error *err);

/* Where stored pixel (x, y) of a width x height image goes in an upright
 * destination with dst_stride bytes per row: at base + x * dx + y * dy
 * bytes, for EXIF orientation 1..8. */
void transcode_photo_orient_steps(int orientation, int width, int height,
                                  size_t dst_stride, ptrdiff_t *base,
                                  ptrdiff_t *dx, ptrdiff_t *dy);

/* Copies rows [y0, y0 + rows) of a stored width x height image into dst,
 * which has the upright size for orientation (1..8). */
void transcode_photo_orient_rows(const uint8_t *src, size_t src_stride, int y0,
                                 int rows, int width, int height,
                                 int orientation, transcode_photo_image *dst);

/* ---- JPEG metadata segments of the source ---- */
typedef struct transcode_photo_segment {
    const uint8_t *payload; /* after the 2-byte length */
    size_t size;
} transcode_photo_segment;

typedef struct transcode_photo_markers {
    transcode_photo_segment exif; /* APP1 "Exif\0\0" (first one) */
    transcode_photo_segment xmp;  /* APP1 standard XMP packet */
    GArray *xmp_extended;         /* APP1 extended XMP chunks */
    GArray *icc;                  /* APP2 ICC_PROFILE chunks, in order */
    GArray *iptc;                 /* APP13 "Photoshop 3.0" */
    bool adobe;                   /* APP14 "Adobe" present */
} transcode_photo_markers;

/* Walks the segments before the first scan. The payload pointers point
 * into data, which must outlive markers. DK_ERR_INVALID when the data is
 * not a JPEG or a segment runs past the end. */
int transcode_photo_markers_scan(const uint8_t *data, size_t size,
                                 transcode_photo_markers *markers,
                                 dk_error *err);
void transcode_photo_markers_clear(transcode_photo_markers *markers);

/* In the order of the metadata option's choices (its ENUM index). */
typedef enum transcode_photo_metadata {
    TRANSCODE_PHOTO_METADATA_KEEP = 0,
    TRANSCODE_PHOTO_METADATA_STRIP,
    TRANSCODE_PHOTO_METADATA_COPYRIGHT_ONLY,
} transcode_photo_metadata;

/* Appends the complete marker segments (0xFF, marker, length, payload) the
 * derivative should carry to out: for keep, EXIF with Orientation reset to
 * 1 and the pixel dimensions updated, XMP with tiff:Orientation reset, the
 * IPTC block; for copyright-only a minimal EXIF + XMP with Artist and
 * Copyright; for every mode the ICC profile of a colour (3-component)
 * source, since dropping it would change how the pixels look. */
void transcode_photo_metadata_build(const transcode_photo_markers *markers,
                                    transcode_photo_metadata mode,
                                    bool keep_icc, int width, int height,
                                    GByteArray *out);

/* ---- EXIF (TIFF structure inside APP1) ---- */
/* Patches a private copy of an EXIF APP1 payload in place: Orientation
 * becomes 1, PixelXDimension/PixelYDimension become width/height, and the
 * IFD1 thumbnail (stored in the old orientation) is unlinked. Either byte
 * order. Returns false when the structure is malformed. */
bool transcode_photo_exif_patch(uint8_t *payload, size_t size, int width,
                                int height);
/* The raw bytes of an ASCII tag of IFD0 (trailing NULs dropped), or NULL. */
GBytes *transcode_photo_exif_ascii(const uint8_t *payload, size_t size,
                                   uint16_t tag);
/* A minimal EXIF APP1 payload (with "Exif\0\0") holding only Artist and
 * Copyright (either may be NULL) and the tags a JPEG's EXIF must have,
 * built with libexif; NULL when both are NULL. */
GBytes *transcode_photo_exif_build_copyright(GBytes *artist, GBytes *copyright,
                                             int width, int height);

/* ---- decoding and encoding ---- */
typedef struct transcode_photo_jpeg {
    void *handle; /* tjhandle */
    const uint8_t *data;
    size_t size;
    int width, height; /* as stored */
    int colorspace;    /* TJCS_* */
    int subsampling;   /* TJSAMP_* */
} transcode_photo_jpeg;

/* Reads the header; DK_ERR_INVALID with a one-line reason when the data
 * is not a decodable JPEG. */
int transcode_photo_jpeg_open(transcode_photo_jpeg *jpeg, const uint8_t *data,
                              size_t size, dk_error *err);
void transcode_photo_jpeg_close(transcode_photo_jpeg *jpeg);

/* Decodes to RGB at the smallest DCT scale (<= 1) whose size is at least
 * min_w x min_h. Greyscale expands to RGB; CMYK/YCCK is converted, with
 * inverted values when the file has an Adobe marker (Photoshop's way).
 * Truncated or corrupt entropy data is an error, not a grey image. */
int transcode_photo_jpeg_decode(transcode_photo_jpeg *jpeg, int min_w,
                                int min_h, bool adobe_inverted,
                                transcode_photo_image *out, dk_error *err);

/* Encodes image (4:2:0, quality 1..100) and writes it to path through
 * dk_atomic, with the marker segments in `markers` (may be NULL) placed
 * after the JFIF header. */
int transcode_photo_write_jpeg(const char *path,
                               const transcode_photo_image *image, int quality,
                               const GByteArray *markers, dk_error *err);

/* ---- overlays shared by the photos of a run ---- */
typedef struct transcode_photo_overlays transcode_photo_overlays;

transcode_photo_overlays *transcode_photo_overlays_new(void);
void transcode_photo_overlays_free(transcode_photo_overlays **cache);
/* The overlay for spec on an upright width x height image: from the cache
 * when it was rendered before, else rendered now (and kept, while the
 * cache has room). *out is valid until the cache is freed; when *owned is
 * set the caller must dk_overlay_free() it after use. cache may be NULL:
 * then every call renders. Thread-safe. */
int transcode_photo_overlays_get(transcode_photo_overlays *cache,
                                 const dk_overlay_spec *spec, int width,
                                 int height, const dk_overlay **out,
                                 dk_overlay **owned, dk_error *err);

/* ---- one photo, every derivative from one decode ---- */
typedef struct transcode_photo_job {
    const char *input;
    int orientation; /* EXIF 1..8 */
    transcode_photo_filter filter;
    transcode_photo_metadata metadata;
    const dk_overlay_spec *overlay;     /* NULL: no watermark */
    transcode_photo_overlays *overlays; /* may be NULL: render per photo */

    const char *web_path;
    int web_size, web_quality;
    const char *thumb_path; /* NULL: no thumbnail */
    int thumb_size, thumb_quality;
} transcode_photo_job;

typedef struct transcode_photo_result {
    int web_width, web_height;
    int thumb_width, thumb_height;
    int decoded_width, decoded_height; /* after DCT scaling */
} transcode_photo_result;

int transcode_photo_render(const transcode_photo_job *job,
                           transcode_photo_result *result, dk_error *err);

#endif
