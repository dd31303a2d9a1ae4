/* stamp.exif — IPTC IIM through libiptcdata. */
#include "stamp_exif_iim.h"

#include <glib.h>
#include <libiptcdata/iptc-data.h>
#include <libiptcdata/iptc-dataset.h>
#include <libiptcdata/iptc-tag.h>
#include <string.h>

#define IIM_MARKER 0x1C
static const char utf8_mark[] = "\x1b%G"; /* ISO 2022 designation of UTF-8 */

/* libiptcdata trusts the length fields (an extended length can wrap its
 * bounds check), so measure the well-formed prefix before handing it over.
 * Zero padding after the last dataset is normal and ends the stream. */
static int iim_checked_size(const uint8_t *p, size_t size, size_t *valid,
                            dk_error *err)
{
    size_t pos = 0;
    while (pos < size && p[pos] == IIM_MARKER) {
        if (size - pos < 5)
            return dk_error_set(err, DK_ERR_INVALID,
                                "corrupt IPTC: dataset header cut short at "
                                "byte %zu",
                                pos);
        size_t length = ((size_t)p[pos + 3] << 8) | p[pos + 4];
        size_t header = 5;
        if (length & 0x8000) {
            size_t count = length & 0x7FFF;
            if (count == 0 || count > 4 || size - pos - 5 < count)
                return dk_error_set(err, DK_ERR_INVALID,
                                    "corrupt IPTC: bad extended length at "
                                    "byte %zu",
                                    pos);
            length = 0;
            for (size_t i = 0; i < count; i++)
                length = (length << 8) | p[pos + 5 + i];
            header += count;
        }
        if (length > size - pos - header)
            return dk_error_set(err, DK_ERR_INVALID,
                                "corrupt IPTC: dataset %u:%u at byte %zu runs "
                                "past the end of its block",
                                p[pos + 1], p[pos + 2], pos);
        pos += header + length;
    }
    *valid = pos;
    return 0;
}

/* Position of the first dataset that sorts after record:tag, so new
 * datasets land in the IIM order without reordering existing ones. */
static IptcDataSet *first_after(IptcData *data, IptcRecord record, IptcTag tag)
{
    for (unsigned i = 0; i < data->count; i++) {
        IptcDataSet *ds = data->datasets[i];
        if (ds->record > record || (ds->record == record && ds->tag > tag))
            return ds;
    }
    return NULL;
}

static int add_bytes(IptcData *data, IptcRecord record, IptcTag tag,
                     const void *bytes, size_t size, dk_error *err)
{
    IptcDataSet *ds = iptc_dataset_new();
    if (!ds)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    iptc_dataset_set_tag(ds, record, tag);
    int rc = iptc_dataset_set_data(ds, bytes, (unsigned)size,
                                   IPTC_DONT_VALIDATE) < 0;
    IptcDataSet *next = rc ? NULL : first_after(data, record, tag);
    if (!rc)
        rc = next ? iptc_data_add_dataset_before(data, next, ds)
                  : iptc_data_add_dataset(data, ds);
    iptc_dataset_unref(ds);
    return rc ? dk_error_set(err, DK_ERR_NOMEM, "cannot add IPTC dataset") : 0;
}

/* The IptcData fields are public: walking them directly avoids the
 * reference juggling of iptc_data_get_next_dataset(). */
static void remove_all(IptcData *data, IptcRecord record, IptcTag tag)
{
    for (unsigned i = data->count; i-- > 0;) {
        IptcDataSet *ds = data->datasets[i];
        if (ds->record == record && ds->tag == tag)
            iptc_data_remove_dataset(data, ds);
    }
}

static IptcDataSet *find(IptcData *data, IptcRecord record, IptcTag tag)
{
    for (unsigned i = 0; i < data->count; i++)
        if (data->datasets[i]->record == record &&
            data->datasets[i]->tag == tag)
            return data->datasets[i];
    return NULL;
}

/* The IIM maximum of a dataset, in bytes. */
static size_t iim_max(IptcRecord record, IptcTag tag)
{
    const IptcTagInfo *info = iptc_tag_get_info(record, tag);
    return info && info->maxbytes ? info->maxbytes : 2000;
}

/* Where the event's text goes, and what the warnings call it. */
typedef struct iim_field {
    IptcTag tag;
    const char *text;
    const char *option;  /* the stamp.exif option, NULL for our own */
    const char *dataset; /* the name exiftool shows */
} iim_field;

/* How long text may be in the dataset: its IIM maximum, cut at a word
 * where it can; a cut is a warning naming the option and the dataset. */
static size_t fit_text(const char *option, const char *dataset, size_t max,
                       const char *text, GPtrArray *warnings)
{
    size_t length = stamp_exif_utf8_fit_words(text, max);
    char *why = g_strdup_printf("the IIM limit of %s is %zu bytes; the full "
                                "text is in XMP",
                                dataset, max);
    char *format = g_strdup_printf("IPTC %s", dataset);
    if (option)
        stamp_exif_warn_cut(warnings, option, format, strlen(text), length,
                            why);
    g_free(format);
    g_free(why);
    return length;
}

static int replace_text(IptcData *data, IptcRecord record,
                        const iim_field *field, GPtrArray *warnings,
                        dk_error *err)
{
    if (!stamp_exif_has(field->text))
        return 0;
    remove_all(data, record, field->tag);
    size_t length =
        fit_text(field->option, field->dataset, iim_max(record, field->tag),
                 field->text, warnings);
    return add_bytes(data, record, field->tag, field->text, length, err);
}

static bool has_value(IptcData *data, IptcRecord record, IptcTag tag,
                      const char *text, size_t length)
{
    for (unsigned i = 0; i < data->count; i++) {
        IptcDataSet *ds = data->datasets[i];
        if (ds->record == record && ds->tag == tag && ds->size == length &&
            memcmp(ds->data, text, length) == 0)
            return true;
    }
    return false;
}

static int merge_keywords(IptcData *data, char **keywords, GPtrArray *warnings,
                          dk_error *err)
{
    size_t max = iim_max(IPTC_RECORD_APP_2, IPTC_TAG_KEYWORDS);
    for (char **k = keywords; k && *k; k++) {
        size_t length = fit_text("keywords", "Keywords", max, *k, warnings);
        if (has_value(data, IPTC_RECORD_APP_2, IPTC_TAG_KEYWORDS, *k, length))
            continue;
        int rc = add_bytes(data, IPTC_RECORD_APP_2, IPTC_TAG_KEYWORDS, *k,
                           length, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Text written before the UTF-8 mark was almost always Latin-1 or its
 * Windows superset; convert it so the mark we add does not lie. */
static void convert_legacy_text(IptcData *data)
{
    for (unsigned i = 0; i < data->count; i++) {
        IptcDataSet *ds = data->datasets[i];
        if (ds->record != IPTC_RECORD_APP_2 ||
            iptc_dataset_get_format(ds) != IPTC_FORMAT_STRING || !ds->size ||
            g_utf8_validate((const char *)ds->data, ds->size, NULL))
            continue;
        gsize written = 0;
        char *utf8 = g_convert((const char *)ds->data, ds->size, "UTF-8",
                               "WINDOWS-1252", NULL, &written, NULL);
        if (!utf8)
            utf8 = g_convert((const char *)ds->data, ds->size, "UTF-8",
                             "ISO-8859-1", NULL, &written, NULL);
        if (utf8)
            iptc_dataset_set_data(ds, (const unsigned char *)utf8,
                                  (unsigned)written, IPTC_DONT_VALIDATE);
        g_free(utf8);
    }
}

static int ensure_version(IptcData *data, IptcRecord record, dk_error *err)
{
    if (find(data, record, 0))
        return 0;
    static const uint8_t version[2] = {0, 4}; /* IIM 4 */
    return add_bytes(data, record, 0, version, sizeof(version), err);
}

static int mark_utf8(IptcData *data, dk_error *err)
{
    IptcDataSet *ds =
        find(data, IPTC_RECORD_OBJECT_ENV, IPTC_TAG_CHARACTER_SET);
    if (ds && ds->size == 3 && memcmp(ds->data, utf8_mark, 3) == 0)
        return 0;
    convert_legacy_text(data);
    remove_all(data, IPTC_RECORD_OBJECT_ENV, IPTC_TAG_CHARACTER_SET);
    int rc = ensure_version(data, IPTC_RECORD_OBJECT_ENV, err);
    return rc ? rc
              : add_bytes(data, IPTC_RECORD_OBJECT_ENV, IPTC_TAG_CHARACTER_SET,
                          utf8_mark, 3, err);
}

/* DateCreated CCYYMMDD and TimeCreated HHMMSS+HHMM from capture.time. */
static int set_created(IptcData *data, const char *iso, dk_error *err)
{
    GDateTime *time = iso ? g_date_time_new_from_iso8601(iso, NULL) : NULL;
    if (!time)
        return 0;
    char *date = g_date_time_format(time, "%Y%m%d");
    char *clock = g_date_time_format(time, "%H%M%S%z");
    const iim_field created[] = {
        {IPTC_TAG_DATE_CREATED, date, NULL, "DateCreated"},
        {IPTC_TAG_TIME_CREATED, clock, NULL, "TimeCreated"},
    };
    int rc = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(created) && rc == 0; i++)
        rc = replace_text(data, IPTC_RECORD_APP_2, &created[i], NULL, err);
    g_free(date);
    g_free(clock);
    g_date_time_unref(time);
    return rc;
}

static int set_fields(IptcData *data, const stamp_exif_fields *f,
                      GPtrArray *warnings, dk_error *err)
{
    const iim_field texts[] = {
        {IPTC_TAG_OBJECT_NAME, f->event, "event", "ObjectName"},
        {IPTC_TAG_BYLINE, f->artist, "artist", "By-line"},
        {IPTC_TAG_CITY, f->city, "city", "City"},
        {IPTC_TAG_SUBLOCATION, f->location, "location", "Sub-location"},
        {IPTC_TAG_HEADLINE, f->headline, "headline", "Headline"},
        {IPTC_TAG_CREDIT, f->credit, "credit", "Credit"},
        {IPTC_TAG_COPYRIGHT_NOTICE, f->copyright, "copyright",
         "CopyrightNotice"},
        {IPTC_TAG_CAPTION, f->caption, "caption", "Caption-Abstract"},
    };
    int rc = mark_utf8(data, err);
    if (rc == 0)
        rc = ensure_version(data, IPTC_RECORD_APP_2, err);
    for (size_t i = 0; i < G_N_ELEMENTS(texts) && rc == 0; i++)
        rc = replace_text(data, IPTC_RECORD_APP_2, &texts[i], warnings, err);
    if (rc == 0)
        rc = merge_keywords(data, f->keywords, warnings, err);
    if (rc == 0)
        rc = set_created(data, f->capture_time, err);
    return rc;
}

int stamp_exif_build_iim(const uint8_t *source, size_t source_size,
                         const stamp_exif_fields *fields, uint8_t **out,
                         size_t *out_size, GPtrArray *warnings, dk_error *err)
{
    *out = NULL;
    *out_size = 0;
    size_t valid = 0;
    int rc = source ? iim_checked_size(source, source_size, &valid, err) : 0;
    if (rc)
        return rc;
    IptcData *data = iptc_data_new();
    if (!data)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    if (valid && iptc_data_load(data, source, (unsigned)valid) < 0)
        rc = dk_error_set(err, DK_ERR_INVALID, "corrupt IPTC block");
    if (rc == 0)
        rc = set_fields(data, fields, warnings, err);
    unsigned char *bytes = NULL;
    unsigned size = 0;
    if (rc == 0 && iptc_data_save(data, &bytes, &size) < 0)
        rc = dk_error_set(err, DK_ERR_NOMEM, "cannot write the IPTC block");
    if (rc == 0) {
        *out = g_memdup2(bytes, size);
        *out_size = size;
    }
    iptc_data_free_buf(data, bytes);
    iptc_data_unref(data);
    return rc;
}
