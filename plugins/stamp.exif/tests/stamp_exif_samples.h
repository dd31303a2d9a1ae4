/* Test photos for stamp.exif, made at test time with the tools crews'
 * files come from (ImageMagick, libvips, exiftool), and the independent
 * views the tests judge outputs with. */
#ifndef STAMP_EXIF_SAMPLES_H
#define STAMP_EXIF_SAMPLES_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

/* What a sample carries before stamping. */
typedef enum stamp_exif_sample_kind {
    SAMPLE_BARE,   /* JFIF only, no metadata at all */
    SAMPLE_CAMERA, /* big-endian camera EXIF + thumbnail + GPS, ICC, IPTC
                      with another Photoshop resource, XMP */
    SAMPLE_INTEL,  /* the same with little-endian EXIF */
    SAMPLE_PHONE,  /* EXIF without a capture time, as messaging apps leave */
    SAMPLE_PROGRESSIVE, /* bare, but progressive, CMYK, greyscale, or with */
    SAMPLE_CMYK,        /* restart markers: other scan structures whose   */
    SAMPLE_GRAY,        /* data must come through untouched as well       */
    SAMPLE_RESTART,
    SAMPLE_KINDS
} stamp_exif_sample_kind;

/* Makes dir/name of the given kind (width x height); aborts the test
 * program when a tool fails. g_free() the path. */
char *stamp_exif_sample(const char *dir, const char *name,
                        stamp_exif_sample_kind kind, int width, int height);

/* A copy of jpeg (SOI first) with one marker segment inserted after SOI;
 * unref it. */
GByteArray *stamp_exif_insert_segment(const GByteArray *jpeg, guint8 marker,
                                      const void *payload, gsize size);
/* Appends one marker segment (marker, length, payload) to out. */
void stamp_exif_put_segment(GByteArray *out, guint8 marker, const void *payload,
                            gsize size);

/* A test's own look at the marker structure, written separately from the
 * plugin's walker so one cannot hide the other's mistakes. */
typedef struct stamp_exif_facts {
    bool ok;           /* SOI ... SOS walked without a problem */
    gsize sos;         /* offset of the first SOS marker */
    int exif, xmp;     /* APP1 segments of each kind */
    int photoshop;     /* APP13 Photoshop segments */
    int iim_resources; /* 8BIM 0x0404 resources in them */
    int icc;           /* APP2 ICC_PROFILE segments */
    int jfif_index;    /* position of APP0 JFIF among segments, -1 if none */
} stamp_exif_facts;

stamp_exif_facts stamp_exif_inspect(const char *path);

/* sha256 of the bytes from the first SOS marker to the end of the file. */
char *stamp_exif_scan_sha256(const char *path);

/* The exiftool options the tests read tags with, for dk_test_exiftool():
 * every tag, by group, IPTC as UTF-8. */
extern const char *const stamp_exif_tags[];
/* "OK" or exiftool's warnings and errors for -validate, one per line. */
char *stamp_exif_validate(const char *path);

/* The member as text ("" when absent; arrays joined with ';'). */
char *stamp_exif_member(JsonObject *object, const char *name);

#endif
