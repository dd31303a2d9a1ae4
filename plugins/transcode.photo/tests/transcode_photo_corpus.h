/* Photos for the transcode.photo suites, generated at test time with
 * ImageMagick and exiftool, and ways to look at results with them. */
#ifndef TRANSCODE_PHOTO_CORPUS_H
#define TRANSCODE_PHOTO_CORPUS_H

#include <glib.h>
#include <stdbool.h>

/* A picture that looks visual_w x visual_h upright, with a red, green,
 * blue and yellow block in its top-left, top-right, bottom-left and
 * bottom-right corners on grey; stored turned so that EXIF orientation
 * 1..8 (written by exiftool) shows it upright. convert_options go to the
 * final ImageMagick write (e.g. "-interlace JPEG", "-colorspace CMYK"). */
void tp_make_corners(const char *path, int visual_w, int visual_h,
                     int orientation, const char *convert_options);

/* Every tag exiftool reads from path, keyed "Group1:Tag" ("IFD0:Artist",
 * "XMP-dc:Creator", "IPTC:By-line"), values as numbers (-n), plus its
 * -validate verdict as "ExifTool:Validate" ("errors warnings minor", so
 * "0 0 0" is clean) and the first "ExifTool:Warning". One exiftool run per
 * file. g_hash_table_unref() it. */
GHashTable *tp_tags(const char *path);
/* The value of key in tags, or "" when absent. */
const char *tp_tag(GHashTable *tags, const char *key);

/* Stored size as ImageMagick's identify reads it. */
void tp_identify(const char *path, int *width, int *height);

/* Stored pixels (no orientation applied) as packed RGB. */
typedef struct tp_pixels {
    int w, h;
    guint8 *rgb;
} tp_pixels;

tp_pixels tp_load(const char *path);
void tp_pixels_free(tp_pixels *p);
/* Mean colour of the 5x5 block around (fx * w, fy * h). */
void tp_sample(const tp_pixels *p, double fx, double fy, int rgb[3]);

typedef enum tp_colour {
    TP_RED,
    TP_GREEN,
    TP_BLUE,
    TP_YELLOW,
    TP_GREY,
    TP_OTHER
} tp_colour;

/* Classifies a sample with generous tolerances (JPEG, chroma 4:2:0). */
tp_colour tp_classify(const int rgb[3]);
const char *tp_colour_name(tp_colour c);

#endif
