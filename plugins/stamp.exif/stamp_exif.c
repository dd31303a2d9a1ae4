/* stamp.exif — write the event's metadata into a stamped copy of each JPEG
 * without touching its pixels.
 *
 *   [stamp]
 *   plugin=stamp.exif
 *   caption={event.title} — {event.place}, {event.city}, {date:%d %B %Y}
 *   keep-gps=false
 *
 * One pass writes the same values to EXIF (libexif), IPTC IIM (libiptcdata,
 * marked UTF-8) and XMP (exempi), merging into the blocks the photo has.
 * The compressed image data is copied byte for byte (stamp_exif_write.c). */
#include <dokpim/dokpim.h>
#include <glib.h>
#include <stddef.h>
#include <string.h>

#include "stamp_exif_fields.h"
#include "stamp_exif_write.h"
#include "stamp_exif_xmp.h"

#ifndef DK_VERSION
#define DK_VERSION "0"
#endif

static const dk_option stamp_exif_options[] = {
    {"output", DK_OPT_PATH_TEMPLATE, "{date:%Y%m%d}_{event.slug}_{seq:04}.jpg",
     "name of the stamped full-resolution copy under derived/<stage>/"},
    {"artist", DK_OPT_TEMPLATE, "{event.photographer}",
     "EXIF Artist, IPTC By-line, XMP dc:creator"},
    {"copyright", DK_OPT_TEMPLATE, "{event.copyright}",
     "EXIF Copyright, IPTC CopyrightNotice, XMP dc:rights"},
    {"caption", DK_OPT_TEMPLATE,
     "{event.title} — {event.place}, {event.city}, {date:%d %B %Y}",
     "EXIF ImageDescription and UserComment, IPTC Caption-Abstract, XMP "
     "dc:description"},
    {"headline", DK_OPT_TEMPLATE, "{event.title}",
     "IPTC Headline, XMP photoshop:Headline"},
    {"credit", DK_OPT_TEMPLATE, "{event.agency}",
     "IPTC Credit, XMP photoshop:Credit"},
    {"city", DK_OPT_TEMPLATE, "{event.city}", "IPTC City, XMP photoshop:City"},
    {"location", DK_OPT_TEMPLATE, "{event.place}",
     "IPTC Sub-location, XMP Iptc4xmpCore:Location"},
    {"event", DK_OPT_TEMPLATE, "{event.title}",
     "IPTC ObjectName, XMP dc:title and Iptc4xmpExt:Event"},
    {"keywords", DK_OPT_TEMPLATE, "{event.tags}",
     "';'-separated; added to IPTC Keywords and XMP dc:subject"},
    {"software", DK_OPT_STRING, "dokpim " DK_VERSION, "EXIF Software"},
    {"keep-gps", DK_OPT_BOOL, "true",
     "false removes the GPS tags (EXIF GPS IFD, XMP exif:GPS*)"},
    {NULL},
};

/* Where each expanded template option goes in the fields. */
static char **field_slot(stamp_exif_fields *f, const char *option)
{
    static const struct {
        const char *option;
        size_t offset;
    } slots[] = {
        {"artist", offsetof(stamp_exif_fields, artist)},
        {"copyright", offsetof(stamp_exif_fields, copyright)},
        {"caption", offsetof(stamp_exif_fields, caption)},
        {"headline", offsetof(stamp_exif_fields, headline)},
        {"credit", offsetof(stamp_exif_fields, credit)},
        {"city", offsetof(stamp_exif_fields, city)},
        {"location", offsetof(stamp_exif_fields, location)},
        {"event", offsetof(stamp_exif_fields, event)},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(slots); i++)
        if (strcmp(slots[i].option, option) == 0)
            return (char **)((char *)f + slots[i].offset);
    return NULL;
}

static int expand(const dk_stage *stage, const char *option,
                  const dk_item *item, char **out, dk_error *err)
{
    int rc = dk_stage_expand(stage, option, item, out, err);
    if (rc)
        return rc;
    if (!g_utf8_validate(*out, -1, NULL))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "option %s expands to text that is not UTF-8",
                            option);
    g_strstrip(*out);
    return 0;
}

/* A capture time from a file name or the file's date is a guess: it may
 * go to XMP/IPTC marked as such, never into EXIF DateTimeOriginal. */
static void read_capture(const dk_item *item, stamp_exif_fields *f)
{
    const dk_meta *meta = dk_item_meta_const(item);
    const char *source = dk_meta_get(meta, "capture.source");
    const char *inferred = dk_meta_get(meta, "capture.inferred");
    f->capture_time = g_strdup(dk_meta_get(meta, "capture.time"));
    f->capture_source = g_strdup(source);
    int64_t offset = 0;
    if (dk_meta_get_int(meta, "capture.clock-offset", &offset))
        f->capture_clock_offset = (long)offset;
    f->capture_inferred = (inferred && (strcmp(inferred, "true") == 0 ||
                                        strcmp(inferred, "1") == 0)) ||
                          (source && strcmp(source, "exif") != 0 &&
                           strcmp(source, "container") != 0);
}

static int collect_fields(const dk_stage *stage, const dk_item *item,
                          stamp_exif_fields *f, dk_error *err)
{
    static const char *const texts[] = {"artist",   "copyright", "caption",
                                        "headline", "credit",    "city",
                                        "location", "event"};
    int rc = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(texts) && rc == 0; i++)
        rc = expand(stage, texts[i], item, field_slot(f, texts[i]), err);
    char *keywords = NULL;
    if (rc == 0)
        rc = expand(stage, "keywords", item, &keywords, err);
    if (rc == 0)
        f->keywords = stamp_exif_split_keywords(keywords);
    g_free(keywords);
    f->software = g_strdup(dk_stage_string(stage, "software"));
    f->keep_gps = dk_stage_bool(stage, "keep-gps");
    read_capture(item, f);
    return rc;
}

/* The text options and how often each is written into the XMP packet,
 * the one format that keeps every value whole (EXIF and IPTC may cut). */
static const struct {
    const char *option;
    int xmp_copies;
} stamp_exif_xmp_texts[] = {
    {"artist", 1},   {"copyright", 1}, {"caption", 1},
    {"headline", 1}, {"credit", 1},    {"city", 1},
    {"location", 1}, {"event", 2}, /* dc:title and Iptc4xmpExt:Event */
    {"keywords", 1},
};

/* Bytes of a template outside its {variables} ("{{" and "}}" count one):
 * what every expansion has at least. */
static size_t literal_bytes(const char *template_text)
{
    size_t n = 0;
    for (const char *c = template_text; c && *c; c++) {
        if ((c[0] == '{' && c[1] == '{') || (c[0] == '}' && c[1] == '}')) {
            c++;
        } else if (*c == '{') {
            const char *end = strchr(c, '}');
            if (!end)
                break;
            c = end;
            continue;
        }
        n++;
    }
    return n;
}

/* The bytes option will write at least: its expansion when that needs no
 * file, else its fixed text. */
static size_t least_bytes(const dk_stage *stage, const char *option)
{
    char *text = NULL;
    dk_error ignored = {0};
    if (dk_stage_expand(stage, option, NULL, &text, &ignored) < 0) {
        g_free(text);
        return literal_bytes(dk_stage_string(stage, option));
    }
    size_t n = strlen(g_strstrip(text));
    g_free(text);
    return n;
}

/* A value too long for the XMP packet could only fail or be cut on every
 * photo: refused here, before any file is touched. Shorter ones that only
 * EXIF or IPTC cannot carry are cut per photo, with a warning. */
static int stamp_exif_check(const dk_stage *stage, dk_error *err)
{
    const size_t max = STAMP_EXIF_XMP_VALUES_MAX;
    size_t total = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(stamp_exif_xmp_texts); i++) {
        const char *option = stamp_exif_xmp_texts[i].option;
        int copies = stamp_exif_xmp_texts[i].xmp_copies;
        size_t bytes = least_bytes(stage, option);
        total += bytes * (size_t)copies;
        if (bytes * (size_t)copies > max)
            return dk_error_set(
                err, DK_ERR_CONFIG,
                "%s: %zu bytes after expansion%s, more than the %zu %03zu "
                "bytes an APP1 XMP packet can carry",
                option, bytes,
                copies > 1 ? " (written twice: dc:title, Iptc4xmpExt:Event)"
                           : "",
                max / 1000, max % 1000);
    }
    if (total > max)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "artist, copyright, caption, headline, credit, "
                            "city, location, event and keywords: %zu bytes "
                            "together after expansion, more than the %zu %03zu "
                            "bytes an APP1 XMP packet can carry",
                            total, max / 1000, max % 1000);
    return 0;
}

static int stamp_exif_open(const dk_stage *stage, void **state, dk_error *err)
{
    (void)stage;
    static int started;
    int rc = stamp_exif_xmp_init(err);
    *state = rc == 0 ? &started : NULL;
    return rc;
}

static void stamp_exif_close(void *state)
{
    if (state)
        stamp_exif_xmp_terminate();
}

static int stamp_exif_process(const dk_stage *stage, void *state, dk_item *item,
                              dk_error *err)
{
    (void)state;
    /* ingest.photo also takes HEIC, which has no JPEG segments to rewrite */
    const char *format = dk_meta_get(dk_item_meta_const(item), "image.format");
    if (format && g_ascii_strcasecmp(format, "jpeg") != 0)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "stamp.exif writes JPEG only, this photo is %s",
                            format);
    stamp_exif_fields fields = {0};
    char *output = NULL;
    int rc = collect_fields(stage, item, &fields, err);
    if (rc == 0)
        rc = dk_stage_output_path(stage, "output", item, &output, err);
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    if (rc == 0)
        rc = stamp_exif_stamp_file(dk_item_current_path(item), output, &fields,
                                   warnings, err);
    for (guint i = 0; rc == 0 && i < warnings->len; i++)
        dk_item_warn(item, "%s", (const char *)warnings->pdata[i]);
    g_ptr_array_unref(warnings);
    if (rc == 0)
        rc = dk_item_add_derivative(item, "stamped", output, true, err);
    g_free(output);
    stamp_exif_fields_clear(&fields);
    return rc;
}

DK_PLUGIN_DEFINE(stamp_exif) = {
    .name = "stamp.exif",
    .summary = "write event metadata into JPEG EXIF/IPTC/XMP without "
               "touching the pixels",
    .stage = DK_STAGE_STAMP,
    .kinds = DK_KIND_PHOTO,
    .options = stamp_exif_options,
    .check = stamp_exif_check,
    .open = stamp_exif_open,
    .process = stamp_exif_process,
    .close = stamp_exif_close,
};
