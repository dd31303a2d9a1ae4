/* stamp.exif — XMP through exempi: merge the event fields into the packet
 * the camera or an editor left, keep everything else. */
#include "stamp_exif_xmp.h"

#include <exempi/xmp.h>
#include <exempi/xmpconsts.h>
#include <glib.h>
#include <string.h>

#include "stamp_exif_jpeg.h"

#define NS_IPTC_EXT "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"

int stamp_exif_xmp_init(dk_error *err)
{
    if (!xmp_init())
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "cannot start the XMP toolkit (exempi error %d)",
                            xmp_get_error());
    bool ok =
        xmp_register_namespace(NS_IPTC_EXT, "Iptc4xmpExt", NULL) &&
        xmp_register_namespace(STAMP_EXIF_XMP_NS, STAMP_EXIF_XMP_PREFIX, NULL);
    if (!ok) {
        xmp_terminate();
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "cannot register XMP namespaces");
    }
    return 0;
}

void stamp_exif_xmp_terminate(void)
{
    xmp_terminate();
}

static int failed(dk_error *err, const char *what)
{
    return dk_error_set(err, DK_ERR_INTERNAL, "cannot set XMP %s (error %d)",
                        what, xmp_get_error());
}

static int set_simple(XmpPtr xmp, const char *ns, const char *name,
                      const char *value, dk_error *err)
{
    if (!stamp_exif_has(value))
        return 0;
    return xmp_set_property(xmp, ns, name, value, 0) ? 0 : failed(err, name);
}

static int set_lang_alt(XmpPtr xmp, const char *ns, const char *name,
                        const char *value, dk_error *err)
{
    if (!stamp_exif_has(value))
        return 0;
    return xmp_set_localized_text(xmp, ns, name, "", "x-default", value, 0)
               ? 0
               : failed(err, name);
}

/* dc:creator is an ordered list; the photographer replaces it whole. */
static int set_creator(XmpPtr xmp, const char *artist, dk_error *err)
{
    if (!stamp_exif_has(artist))
        return 0;
    xmp_delete_property(xmp, NS_DC, "creator");
    return xmp_append_array_item(xmp, NS_DC, "creator",
                                 XMP_PROP_ARRAY_IS_ORDERED, artist, 0)
               ? 0
               : failed(err, "dc:creator");
}

static bool subject_has(XmpPtr xmp, const char *keyword)
{
    XmpStringPtr item = xmp_string_new();
    bool found = false;
    for (int32_t i = 1;
         !found && xmp_get_array_item(xmp, NS_DC, "subject", i, item, NULL);
         i++)
        found = strcmp(xmp_string_cstr(item), keyword) == 0;
    xmp_string_free(item);
    return found;
}

/* dc:subject is a bag: add the event's keywords to what is there. */
static int merge_subject(XmpPtr xmp, char **keywords, dk_error *err)
{
    for (char **k = keywords; k && *k; k++) {
        if (subject_has(xmp, *k))
            continue;
        if (!xmp_append_array_item(xmp, NS_DC, "subject",
                                   XMP_PROP_ARRAY_IS_UNORDERED, *k, 0))
            return failed(err, "dc:subject");
    }
    return 0;
}

/* photoshop:DateCreated takes the capture time whatever its source; when
 * it was inferred (file name, file time) that is said beside it, since
 * EXIF DateTimeOriginal is never written from a guess, and so is a clock
 * correction, which makes it differ from the camera's EXIF time. */
static int set_created(XmpPtr xmp, const stamp_exif_fields *f, dk_error *err)
{
    GDateTime *time = f->capture_time
                          ? g_date_time_new_from_iso8601(f->capture_time, NULL)
                          : NULL;
    if (!time)
        return 0;
    char *text = g_date_time_format(time, "%Y-%m-%dT%H:%M:%S%:z");
    g_date_time_unref(time);
    int rc = set_simple(xmp, NS_PHOTOSHOP, "DateCreated", text, err);
    g_free(text);
    if (rc == 0 && f->capture_inferred) {
        rc = set_simple(xmp, STAMP_EXIF_XMP_NS, "CaptureTimeInferred", "True",
                        err);
        if (rc == 0)
            rc = set_simple(xmp, STAMP_EXIF_XMP_NS, "CaptureTimeSource",
                            f->capture_source ? f->capture_source : "unknown",
                            err);
    } else {
        xmp_delete_property(xmp, STAMP_EXIF_XMP_NS, "CaptureTimeInferred");
        xmp_delete_property(xmp, STAMP_EXIF_XMP_NS, "CaptureTimeSource");
    }
    if (rc == 0 && f->capture_clock_offset) {
        char *seconds = g_strdup_printf("%+ld", f->capture_clock_offset);
        rc = set_simple(xmp, STAMP_EXIF_XMP_NS, "CaptureClockOffset", seconds,
                        err);
        g_free(seconds);
    } else if (rc == 0) {
        xmp_delete_property(xmp, STAMP_EXIF_XMP_NS, "CaptureClockOffset");
    }
    return rc;
}

/* The crew's choice. xmp:Rating is what Lightroom, Bridge, Photo Mechanic
 * and exiftool read as stars, with -1 for a reject (Lightroom's own
 * convention; no XMP flag for a pick is shared between tools). xmp:Label
 * takes "Pick" or "Reject" as text: Lightroom shows and filters it as a
 * custom label, Photo Mechanic reads xmp:Label as its colour class name.
 * A photo not rated or labelled by the crew keeps what the camera wrote. */
static int set_choice(XmpPtr xmp, const stamp_exif_fields *f, dk_error *err)
{
    int rc = 0;
    if (f->rating) {
        char rating[8];
        g_snprintf(rating, sizeof rating, "%d", f->rating);
        rc = set_simple(xmp, NS_XAP, "Rating", rating, err);
    }
    if (rc == 0)
        rc = set_simple(xmp, NS_XAP, "Label", f->label, err);
    if (rc != 0 || !f->persons || !f->persons[0])
        return rc;
    /* a bag of names, replaced whole: the crew's list is the whole list */
    xmp_delete_property(xmp, NS_IPTC_EXT, "PersonInImage");
    for (char **p = f->persons; *p; p++)
        if (!xmp_append_array_item(xmp, NS_IPTC_EXT, "PersonInImage",
                                   XMP_PROP_ARRAY_IS_UNORDERED, *p, 0))
            return failed(err, "Iptc4xmpExt:PersonInImage");
    return 0;
}

/* Cameras and phones mirror GPS into exif:GPS* properties too. */
static void drop_gps(XmpPtr xmp)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    XmpIteratorPtr it =
        xmp_iterator_new(xmp, NS_EXIF, NULL, XMP_ITER_JUSTCHILDREN);
    XmpStringPtr schema = xmp_string_new(), path = xmp_string_new();
    while (it && xmp_iterator_next(it, schema, path, NULL, NULL)) {
        const char *name = strchr(xmp_string_cstr(path), ':');
        name = name ? name + 1 : xmp_string_cstr(path);
        if (g_str_has_prefix(name, "GPS"))
            g_ptr_array_add(names, g_strdup(name));
    }
    if (it)
        xmp_iterator_free(it);
    xmp_string_free(schema);
    xmp_string_free(path);
    for (guint i = 0; i < names->len; i++)
        xmp_delete_property(xmp, NS_EXIF, names->pdata[i]);
    g_ptr_array_unref(names);
}

static int set_fields(XmpPtr xmp, const stamp_exif_fields *f, dk_error *err)
{
    /* dc:description is set by try_caption(), which may shorten it */
    int rc = set_lang_alt(xmp, NS_DC, "title", f->event, err);
    if (rc == 0)
        rc = set_lang_alt(xmp, NS_DC, "rights", f->copyright, err);
    if (rc == 0)
        rc = set_creator(xmp, f->artist, err);
    if (rc == 0)
        rc = merge_subject(xmp, f->keywords, err);
    if (rc == 0)
        rc = set_simple(xmp, NS_PHOTOSHOP, "Headline", f->headline, err);
    if (rc == 0)
        rc = set_simple(xmp, NS_PHOTOSHOP, "Credit", f->credit, err);
    if (rc == 0)
        rc = set_simple(xmp, NS_PHOTOSHOP, "City", f->city, err);
    if (rc == 0)
        rc = set_simple(xmp, NS_IPTC4XMP, "Location", f->location, err);
    if (rc == 0)
        rc = set_lang_alt(xmp, NS_IPTC_EXT, "Event", f->event, err);
    if (rc == 0 && stamp_exif_has(f->copyright))
        rc = set_simple(xmp, NS_XAP_RIGHTS, "Marked", "True", err);
    if (rc == 0)
        rc = set_created(xmp, f, err);
    if (rc == 0)
        rc = set_choice(xmp, f, err);
    if (rc == 0 && !f->keep_gps)
        drop_gps(xmp);
    return rc;
}

typedef struct xmp_attempt {
    XmpPtr xmp;
    const char *caption;
    uint8_t *out;
    size_t out_size;
    dk_error *err;
} xmp_attempt;

/* stamp_exif_try_fn: the packet with dc:description cut to length, with
 * the usual 2 KiB of padding for in-place editors, else without padding
 * and in compact form. */
static int try_caption(void *context, size_t length)
{
    static const struct {
        uint32_t options, padding;
    } forms[] = {{0, 2048}, {XMP_SERIAL_USECOMPACTFORMAT, 0}};
    xmp_attempt *a = context;
    a->out_size = 0;
    if (stamp_exif_has(a->caption)) {
        char *cut = g_strndup(a->caption, length);
        bool set = xmp_set_localized_text(a->xmp, NS_DC, "description", "",
                                          "x-default", cut, 0);
        g_free(cut);
        if (!set)
            return failed(a->err, "dc:description");
    }
    XmpStringPtr text = xmp_string_new();
    int fits = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(forms) && !fits; i++) {
        if (!xmp_serialize(a->xmp, text, forms[i].options, forms[i].padding)) {
            fits = failed(a->err, "packet");
            break;
        }
        a->out_size = xmp_string_len(text);
        fits = a->out_size <= STAMP_EXIF_SEGMENT_MAX - STAMP_EXIF_XMP_ID_LEN;
    }
    if (fits > 0) {
        g_free(a->out);
        a->out = g_memdup2(xmp_string_cstr(text), a->out_size);
    }
    xmp_string_free(text);
    return fits;
}

/* Why the packet cannot be parsed, checked before exempi sees it: exempi
 * prints its own "XML parsing failure" on stderr, naming no file, and the
 * XMP toolkit refuses any DOCTYPE (entity expansion attacks). NULL when the
 * packet is well-formed XML. */
static char *packet_problem(const uint8_t *source, size_t size)
{
    /* writers pad the packet with spaces, some with NULs */
    while (size > 0 &&
           (source[size - 1] == '\0' || g_ascii_isspace(source[size - 1])))
        size--;
    if (g_strstr_len((const char *)source, (gssize)size, "<!DOCTYPE") ||
        g_strstr_len((const char *)source, (gssize)size, "<!ENTITY"))
        return g_strdup("it declares a DOCTYPE, which XMP forbids");
    static const GMarkupParser no_callbacks = {0};
    GMarkupParseContext *context =
        g_markup_parse_context_new(&no_callbacks, 0, NULL, NULL);
    GError *error = NULL;
    char *problem = NULL;
    if (!g_markup_parse_context_parse(context, (const char *)source,
                                      (gssize)size, &error) ||
        !g_markup_parse_context_end_parse(context, &error)) {
        /* GLib quotes the offending bytes, which may not be UTF-8 and may
         * span lines: a warning is one line of text */
        g_autofree char *reason = g_utf8_make_valid(error->message, -1);
        g_strdelimit(reason, "\n\r\t", ' ');
        problem = g_strdup_printf("it is not well-formed XML (%s)", reason);
        g_error_free(error);
    }
    g_markup_parse_context_free(context);
    return problem;
}

/* The packet to merge into: the photo's own, or a fresh one when it has
 * none or its own cannot be read (then the warning says it was dropped). */
static XmpPtr open_packet(const uint8_t *source, size_t size,
                          GPtrArray *warnings)
{
    if (!source)
        return xmp_new_empty();
    char *problem = packet_problem(source, size);
    XmpPtr xmp = problem ? NULL : xmp_new((const char *)source, size);
    if (!xmp && !problem)
        problem = g_strdup_printf("it is not valid RDF/XML (exempi error %d)",
                                  xmp_get_error());
    if (problem) {
        stamp_exif_warn(warnings,
                        "XMP: the photo's packet was dropped and a fresh one "
                        "written: %s",
                        problem);
        g_free(problem);
        xmp = xmp_new_empty();
    }
    return xmp;
}

int stamp_exif_build_xmp(const uint8_t *source, size_t source_size,
                         const stamp_exif_fields *fields, uint8_t **out,
                         size_t *out_size, GPtrArray *warnings, dk_error *err)
{
    *out = NULL;
    *out_size = 0;
    XmpPtr xmp = open_packet(source, source_size, warnings);
    if (!xmp)
        return dk_error_set(err, DK_ERR_NOMEM,
                            "cannot create an XMP packet (%d)",
                            xmp_get_error());
    int rc = set_fields(xmp, fields, err);
    /* only a caption can be long enough not to fit one segment */
    xmp_attempt attempt = {.xmp = xmp, .caption = fields->caption, .err = err};
    size_t kept = 0;
    if (rc == 0)
        rc = stamp_exif_fit_caption(fields->caption, try_caption, &attempt,
                                    &kept);
    if (rc == 0)
        stamp_exif_warn_cut(warnings, "caption", "XMP",
                            fields->caption ? strlen(fields->caption) : 0, kept,
                            "the packet must fit one APP1 segment; extended "
                            "XMP is not written");
    if (rc == DK_ERR_UNSUPPORTED)
        dk_error_set(err, rc,
                     "XMP packet is %zu bytes, more than one APP1 segment "
                     "holds (%d); extended XMP is not written",
                     attempt.out_size,
                     STAMP_EXIF_SEGMENT_MAX - STAMP_EXIF_XMP_ID_LEN);
    if (rc == 0) {
        *out = attempt.out;
        *out_size = attempt.out_size;
    } else {
        g_free(attempt.out);
    }
    xmp_free(xmp);
    return rc;
}
