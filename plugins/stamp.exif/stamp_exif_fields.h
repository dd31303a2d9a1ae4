/* stamp.exif — the values one stamping pass writes, already expanded from
 * the option templates, and the UTF-8-safe shortening every block needs. */
#ifndef STAMP_EXIF_FIELDS_H
#define STAMP_EXIF_FIELDS_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Every string is UTF-8, owned by the struct and may be NULL or "" (then
 * the field is left as the source had it). */
typedef struct stamp_exif_fields {
    char *artist;    /* EXIF Artist, IPTC By-line, XMP dc:creator */
    char *copyright; /* EXIF Copyright, IPTC CopyrightNotice, dc:rights */
    char *caption;   /* ImageDescription, UserComment, Caption-Abstract,
                        dc:description */
    char *headline;  /* IPTC Headline, photoshop:Headline */
    char *credit;    /* IPTC Credit, photoshop:Credit */
    char *city;      /* IPTC City, photoshop:City */
    char *location;  /* IPTC Sub-location, Iptc4xmpCore:Location */
    char *event;     /* IPTC ObjectName, dc:title, Iptc4xmpExt:Event */
    char *software;  /* EXIF Software */
    char **keywords; /* NULL-terminated; IPTC Keywords, dc:subject */
    /* the keywords option as expanded, before the split into keywords */
    char *keywords_text;
    /* capture.time of the item (ISO 8601 with offset), NULL when unknown;
     * inferred when it came from a file name or file time rather than the
     * camera, which decides where it may be written. */
    char *capture_time;
    char *capture_source;
    bool capture_inferred;
    /* seconds ingest moved a camera's wrong clock by (capture.clock-offset);
     * the camera's own EXIF time stays, so XMP records the correction */
    long capture_clock_offset;
    bool keep_gps;
    /* the crew's choice (the item's choice.* meta): xmp:Rating 1..5, -1
     * for a reject, 0 leaves the photo's own; xmp:Label; the people shown
     * (Iptc4xmpExt:PersonInImage, NULL-terminated, NULL: leave it) */
    int rating;
    char *label;
    char **persons;
} stamp_exif_fields;

/* Frees the strings and zeroes the struct. */
void stamp_exif_fields_clear(stamp_exif_fields *fields);

/* Splits a ';'-separated list into trimmed, non-empty, distinct entries
 * (NULL-terminated; g_strfreev). */
char **stamp_exif_split_keywords(const char *list);

/* Length in bytes of the longest prefix of text that fits in max_bytes and
 * ends on a character boundary, backing off further so a base character is
 * never separated from its combining marks or a ZWJ sequence. */
size_t stamp_exif_utf8_fit(const char *text, size_t max_bytes);

/* Like stamp_exif_utf8_fit, but when the cut falls inside a word and a
 * space lies in the second half of the room, ends at that word instead,
 * without trailing spaces or separators: "Puspem Badun" reads as a typo,
 * "Puspem" as a shorter name. Scripts without spaces cut by character. */
size_t stamp_exif_utf8_fit_words(const char *text, size_t max_bytes);

/* Builds a block with the caption cut to a length and says whether it
 * fits: 1 fits, 0 too large, negative DK_ERR_* on failure. */
typedef int (*stamp_exif_try_fn)(void *context, size_t caption_length);

/* Calls try with the whole caption, and when that is too large finds the
 * longest caption prefix (cut by stamp_exif_utf8_fit) that fits, by
 * bisection, ending with a call for that length so the caller keeps its
 * result; *kept is that length. DK_ERR_UNSUPPORTED (no message) when even
 * an empty caption does not fit. */
int stamp_exif_fit_caption(const char *caption, stamp_exif_try_fn try_length,
                           void *context, size_t *kept);

/* Appends one warning line (printf-style) to warnings, which may be NULL:
 * the plugin hands each to dk_item_warn(). */
void stamp_exif_warn(GPtrArray *warnings, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Warns that what ended up as field, cut to kept bytes for format (e.g.
 * "IPTC Credit", 32), was longer (whole bytes); nothing when it was not
 * cut; why says what limits format ("the IIM limit; the full text is in
 * XMP"). */
void stamp_exif_warn_cut(GPtrArray *warnings, const char *field,
                         const char *format, size_t whole, size_t kept,
                         const char *why);

/* True when text is non-empty. */
static inline bool stamp_exif_has(const char *text)
{
    return text && *text;
}

#endif
