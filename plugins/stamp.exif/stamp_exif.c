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

/* The text options, one row each: option name, member (of
 * stamp_exif_config, and of stamp_exif_fields where the expansion goes),
 * how often XMP writes it (the one format that keeps every value whole;
 * EXIF and IPTC may cut), default, help. A new text field is one row here
 * and one member of stamp_exif_fields for the writers. */
#define STAMP_EXIF_TEXTS(X)                                                    \
    X("artist", artist, 1, "{event.photographer}",                             \
      "EXIF Artist, IPTC By-line, XMP dc:creator")                             \
    X("copyright", copyright, 1, "{event.copyright}",                          \
      "EXIF Copyright, IPTC CopyrightNotice, XMP dc:rights")                   \
    X("caption", caption, 1,                                                   \
      "{event.title} — {event.place}, {event.city}, {date:%d %B %Y}",          \
      "EXIF ImageDescription and UserComment, IPTC Caption-Abstract, XMP "     \
      "dc:description")                                                        \
    X("headline", headline, 1, "{event.title}",                                \
      "IPTC Headline, XMP photoshop:Headline")                                 \
    X("credit", credit, 1, "{event.agency}",                                   \
      "IPTC Credit, XMP photoshop:Credit")                                     \
    X("city", city, 1, "{event.city}", "IPTC City, XMP photoshop:City")        \
    X("location", location, 1, "{event.place}",                                \
      "IPTC Sub-location, XMP Iptc4xmpCore:Location")                          \
    /* twice in XMP: dc:title and Iptc4xmpExt:Event */                         \
    X("event", event, 2, "{event.title}",                                      \
      "IPTC ObjectName, XMP dc:title and Iptc4xmpExt:Event")                   \
    /* expanded into keywords_text, then split into keywords */                \
    X("keywords", keywords_text, 1, "{event.tags}",                            \
      "';'-separated; added to IPTC Keywords and XMP dc:subject")

typedef struct stamp_exif_config {
    const dk_template *output;
#define STAMP_EXIF_MEMBER(name, member, copies, value, text)                   \
    const dk_template *member;
    STAMP_EXIF_TEXTS(STAMP_EXIF_MEMBER)
#undef STAMP_EXIF_MEMBER
    const char *software;
    bool keep_gps;
    int choice_caption; /* stamp_exif_choice_caption */
    bool leader_in_image;
} stamp_exif_config;

/* What the crew's own caption of a photo (choice.caption) does to the
 * caption option's text: the order of "replace|append|ignore". */
enum stamp_exif_choice_caption {
    STAMP_EXIF_CAPTION_REPLACE,
    STAMP_EXIF_CAPTION_APPEND,
    STAMP_EXIF_CAPTION_IGNORE,
};

#define FIELD(member) DK_FIELD(stamp_exif_config, member)
#define STAMP_EXIF_ROW(option, member, copies, value, text)                    \
    {.name = option,                                                           \
     .type = DK_OPT_TEMPLATE,                                                  \
     .default_value = value,                                                   \
     .help = text,                                                             \
     FIELD(member)},
static const dk_option stamp_exif_options[] = {
    {.name = "output",
     .type = DK_OPT_PATH_TEMPLATE,
     .default_value = "{date:%Y%m%d}_{event.slug}_{seq:04}.jpg",
     .help = "name of the stamped full-resolution copy under derived/<stage>/",
     FIELD(output)},
    /* clang-format off */
    STAMP_EXIF_TEXTS(STAMP_EXIF_ROW)
    /* clang-format on */
    {.name = "software",
     .type = DK_OPT_STRING,
     .default_value = "dokpim " DK_VERSION,
     .help = "EXIF Software",
     FIELD(software)},
    {.name = "keep-gps",
     .type = DK_OPT_BOOL,
     .default_value = "true",
     .help = "false removes the GPS tags (EXIF GPS IFD, XMP exif:GPS*)",
     FIELD(keep_gps)},
    {.name = "choice-caption",
     .type = DK_OPT_ENUM,
     .default_value = "append",
     .help = "the photo's own caption (dokpim choose, the gallery): replace "
             "the caption option's text, append to it, or ignore it",
     .choices = "replace|append|ignore",
     FIELD(choice_caption)},
    {.name = "leader-in-image",
     .type = DK_OPT_BOOL,
     .default_value = "true",
     .help = "name the event's leader first in XMP Iptc4xmpExt:PersonInImage, "
             "before the persons chosen for the photo",
     FIELD(leader_in_image)},
    {.name = NULL},
};
#undef STAMP_EXIF_ROW

/* The text options as data, for the loops over them (expand each per
 * photo, add up what XMP must carry). */
typedef struct stamp_exif_text {
    const char *option;
    size_t config; /* offset of its template in stamp_exif_config */
    size_t fields; /* offset of its expansion in stamp_exif_fields */
    size_t xmp_copies;
} stamp_exif_text;

/* _Generic: a row whose fields member is not a char * does not compile,
 * so the loops can store through the offset. */
#define STAMP_EXIF_TEXT(name, member, copies, value, text)                     \
    {name, offsetof(stamp_exif_config, member),                                \
     _Generic(((stamp_exif_fields *)0)->member,                                \
         char *: offsetof(stamp_exif_fields, member)),                         \
     copies},
static const stamp_exif_text stamp_exif_texts[] = {
    STAMP_EXIF_TEXTS(STAMP_EXIF_TEXT)};
#undef STAMP_EXIF_TEXT

static const dk_template *text_template(const stamp_exif_config *c,
                                        const stamp_exif_text *t)
{
    return *(const dk_template *const *)((const char *)c + t->config);
}

static int expand(const dk_stage *stage, const stamp_exif_text *t,
                  const dk_item *item, char **out, dk_error *err)
{
    int rc = dk_stage_expand(stage, text_template(dk_stage_config(stage), t),
                             item, out, err);
    if (rc)
        return rc;
    if (!g_utf8_validate(*out, -1, NULL))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "option %s expands to text that is not UTF-8",
                            t->option);
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

/* The caption option's text with the crew's caption of the photo, after
 * an em dash as between the default caption's own parts: the event line
 * first (what every photo of the event shares), then what this one
 * shows. No option: a leading space would not survive the key file. */
#define STAMP_EXIF_CAPTION_SEPARATOR " \u2014 "
static void combine_caption(const stamp_exif_config *c, const dk_meta *meta,
                            stamp_exif_fields *f)
{
    const char *own = dk_meta_get(meta, "choice.caption");
    if (!stamp_exif_has(own) || c->choice_caption == STAMP_EXIF_CAPTION_IGNORE)
        return;
    char *caption =
        c->choice_caption == STAMP_EXIF_CAPTION_REPLACE ||
                !stamp_exif_has(f->caption)
            ? g_strdup(own)
            : g_strconcat(f->caption, STAMP_EXIF_CAPTION_SEPARATOR, own, NULL);
    g_free(f->caption);
    f->caption = caption;
}

/* The leader (when leader-in-image) then the chosen persons, each once. */
static char **persons_in_image(const dk_stage *stage,
                               const stamp_exif_config *c, const dk_meta *meta)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *leader =
        c->leader_in_image ? dk_stage_event(stage, "leader") : NULL;
    if (stamp_exif_has(leader))
        g_ptr_array_add(names, g_strstrip(g_strdup(leader)));
    const char *chosen = dk_meta_get(meta, "choice.persons");
    char **split = g_strsplit(chosen ? chosen : "", "\n", -1);
    for (char **p = split; *p; p++) {
        bool seen = !**p;
        for (guint i = 0; i < names->len && !seen; i++)
            seen = strcmp(names->pdata[i], *p) == 0;
        if (!seen)
            g_ptr_array_add(names, g_strdup(*p));
    }
    g_strfreev(split);
    if (!names->len) {
        g_ptr_array_unref(names);
        return NULL;
    }
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

static void read_choice(const dk_stage *stage, const dk_item *item,
                        stamp_exif_fields *f)
{
    const stamp_exif_config *c = dk_stage_config(stage);
    const dk_meta *meta = dk_item_meta_const(item);
    const char *label = dk_meta_get(meta, "choice.label");
    int64_t rating = 0;
    dk_meta_get_int(meta, "choice.rating", &rating);
    bool reject = label && strcmp(label, "reject") == 0;
    f->rating = reject ? -1 : rating >= 1 && rating <= 5 ? (int)rating : 0;
    if (label)
        f->label = g_strdup(reject ? "Reject" : "Pick");
    f->persons = persons_in_image(stage, c, meta);
    combine_caption(c, meta, f);
}

static int collect_fields(const dk_stage *stage, const dk_item *item,
                          stamp_exif_fields *f, dk_error *err)
{
    const stamp_exif_config *c = dk_stage_config(stage);
    int rc = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(stamp_exif_texts) && rc == 0; i++) {
        const stamp_exif_text *t = &stamp_exif_texts[i];
        rc = expand(stage, t, item, (char **)((char *)f + t->fields), err);
    }
    if (rc == 0)
        f->keywords = stamp_exif_split_keywords(f->keywords_text);
    f->software = g_strdup(c->software);
    f->keep_gps = c->keep_gps;
    read_capture(item, f);
    if (rc == 0)
        read_choice(stage, item, f);
    return rc;
}

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

/* The bytes a text option will write at least: its expansion when that
 * needs no file, else its fixed text. */
static size_t least_bytes(const dk_stage *stage, const dk_template *tmpl)
{
    char *text = NULL;
    dk_error ignored = {0};
    if (dk_stage_expand(stage, tmpl, NULL, &text, &ignored) < 0) {
        g_free(text);
        return literal_bytes(dk_template_text(tmpl));
    }
    size_t n = strlen(g_strstrip(text));
    g_free(text);
    return n;
}

/* "artist, copyright, ... and keywords", for the message. */
static char *text_option_names(void)
{
    GString *names = g_string_new(NULL);
    size_t n = G_N_ELEMENTS(stamp_exif_texts);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(names, "%s%s",
                               i == 0       ? ""
                               : i == n - 1 ? " and "
                                            : ", ",
                               stamp_exif_texts[i].option);
    return g_string_free(names, FALSE);
}

/* A value too long for the XMP packet could only fail or be cut on every
 * photo: refused here, before any file is touched. Shorter ones that only
 * EXIF or IPTC cannot carry are cut per photo, with a warning. */
static int stamp_exif_check(const dk_stage *stage, const void *config,
                            dk_error *err)
{
    const size_t max = STAMP_EXIF_XMP_VALUES_MAX;
    size_t total = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(stamp_exif_texts); i++) {
        const stamp_exif_text *t = &stamp_exif_texts[i];
        size_t bytes = least_bytes(stage, text_template(config, t));
        total += bytes * t->xmp_copies;
        if (bytes * t->xmp_copies > max)
            return dk_error_set(
                err, DK_ERR_CONFIG,
                "%s: %zu bytes after expansion%s, more than the %zu %03zu "
                "bytes an APP1 XMP packet can carry",
                t->option, bytes,
                t->xmp_copies > 1
                    ? " (written twice: dc:title, Iptc4xmpExt:Event)"
                    : "",
                max / 1000, max % 1000);
    }
    if (total > max) {
        g_autofree char *names = text_option_names();
        return dk_error_set(err, DK_ERR_CONFIG,
                            "%s: %zu bytes together after expansion, more "
                            "than the %zu %03zu bytes an APP1 XMP packet can "
                            "carry",
                            names, total, max / 1000, max % 1000);
    }
    return 0;
}

static int stamp_exif_open(const dk_stage *stage, const void *config,
                           void **state, dk_error *err)
{
    (void)stage;
    (void)config;
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
    const stamp_exif_config *c = dk_stage_config(stage);
    stamp_exif_fields fields = {0};
    char *output = NULL;
    int rc = collect_fields(stage, item, &fields, err);
    if (rc == 0)
        rc = dk_stage_output_path(stage, c->output, item, &output, err);
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
    .role = DK_ROLE_STAMP,
    .item_kinds = DK_KIND_PHOTO,
    .options = stamp_exif_options,
    .config_size = sizeof(stamp_exif_config),
    .check = stamp_exif_check,
    .open = stamp_exif_open,
    .process = stamp_exif_process,
    .close = stamp_exif_close,
};
