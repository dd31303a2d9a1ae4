/* The EXIF facts ingest needs, read with libexif. A photo with unreadable
 * EXIF is still a photo: nothing here fails, problems become a warning.
 * libexif bounds-checks offsets and counts and stops IFD recursion; we
 * additionally check every entry's format and size before reading it. */
#include "ingest_photo.h"

#include <libexif/exif-data.h>
#include <libexif/exif-log.h>
#include <string.h>

/* libexif reports the damage it routes around (IFD loops, counts and
 * offsets past the end) only as debug messages; these phrases (libexif
 * 0.6.22 to 0.6.24) mark the ones that mean the block is damaged. */
static const char *const exif_damage_phrases[] = {
    "Short data",       "past end of buffer", "Recursive entry",
    "multiple times",   "Deep recursion",     "Bogus",
    "Unknown encoding", "too short",
};

static bool exif_message_is_damage(ExifLogCode code, const char *format)
{
    if (code == EXIF_LOG_CODE_CORRUPT_DATA || code == EXIF_LOG_CODE_NO_MEMORY)
        return true;
    for (size_t i = 0; i < G_N_ELEMENTS(exif_damage_phrases); i++)
        if (strstr(format, exif_damage_phrases[i]))
            return true;
    return false;
}

/* Keeps the first damage report libexif logs. */
static void exif_log_first(ExifLog *log, ExifLogCode code, const char *domain,
                           const char *format, va_list args, void *data)
{
    (void)log;
    (void)domain;
    char **first = data;
    if (*first || !format || !exif_message_is_damage(code, format))
        return;
    char *message = g_strdup_vprintf(format, args);
    *first = g_strconcat("damaged EXIF: ", message, NULL);
    g_free(message);
}

static void set_warning(ingest_photo_exif *out, char *message)
{
    if (out->warning || !message) {
        g_free(message);
        return;
    }
    /* one line of valid UTF-8, whatever the file put into it */
    char *valid = g_utf8_make_valid(message, -1);
    g_free(message);
    for (char *c = valid; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    out->warning = g_strstrip(valid);
}

static ExifEntry *find_entry(ExifData *data, ExifIfd ifd, ExifTag tag)
{
    return data->ifd[ifd] ? exif_content_get_entry(data->ifd[ifd], tag) : NULL;
}

/* An ASCII entry as trimmed, valid UTF-8; NULL when absent or blank. */
static char *entry_text(ExifEntry *entry)
{
    if (!entry || entry->format != EXIF_FORMAT_ASCII || !entry->data ||
        entry->size == 0)
        return NULL;
    size_t len = strnlen((const char *)entry->data, entry->size);
    char *raw = g_strndup((const char *)entry->data, len);
    char *text = g_utf8_make_valid(raw, -1);
    g_free(raw);
    for (char *c = text; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    g_strstrip(text);
    if (!*text) {
        g_free(text);
        return NULL;
    }
    return text;
}

/* count values of an unsigned or signed RATIONAL entry as doubles; false
 * when the entry is missing, short, or divides by zero. */
static bool entry_rationals(ExifEntry *entry, ExifByteOrder order,
                            double *values, unsigned count)
{
    if (!entry || !entry->data || entry->components < count ||
        entry->size < 8u * count)
        return false;
    for (unsigned i = 0; i < count; i++) {
        const unsigned char *p = entry->data + 8 * i;
        if (entry->format == EXIF_FORMAT_RATIONAL) {
            ExifRational r = exif_get_rational(p, order);
            if (r.denominator == 0)
                return false;
            values[i] = (double)r.numerator / r.denominator;
        } else if (entry->format == EXIF_FORMAT_SRATIONAL) {
            ExifSRational r = exif_get_srational(p, order);
            if (r.denominator == 0)
                return false;
            values[i] = (double)r.numerator / r.denominator;
        } else {
            return false;
        }
    }
    return true;
}

/* Digits of text[at..at+n) as a number, or -1. */
static int fixed_digits(const char *text, size_t at, size_t n)
{
    int value = 0;
    for (size_t i = at; i < at + n; i++) {
        if (!g_ascii_isdigit(text[i]))
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

/* "+07:00" / "-05:30" into seconds east of UTC; false when unusable. */
static bool parse_offset(const char *text, int *seconds)
{
    if (!text || strlen(text) < 6 || (text[0] != '+' && text[0] != '-'))
        return false;
    int hours = fixed_digits(text, 1, 2), minutes = fixed_digits(text, 4, 2);
    if (hours < 0 || minutes < 0 || hours > 14 || minutes > 59)
        return false;
    *seconds = (hours * 3600 + minutes * 60) * (text[0] == '-' ? -1 : 1);
    return true;
}

/* SubSecTime digits ("25", "123456") as microseconds. */
static int parse_subsec(const char *text)
{
    if (!text)
        return 0;
    int micro = 0, digits = 0;
    for (const char *c = text; g_ascii_isdigit(*c) && digits < 6; c++) {
        micro = micro * 10 + (*c - '0');
        digits++;
    }
    for (; digits < 6; digits++)
        micro *= 10;
    return micro;
}

/* One of the EXIF capture-time triples (time, its offset, its fraction). */
static const struct exif_time_tags {
    ExifTag datetime, offset, subsec;
    const char *name;
} exif_time_tags[] = {
    {EXIF_TAG_DATE_TIME_ORIGINAL, EXIF_TAG_OFFSET_TIME_ORIGINAL,
     EXIF_TAG_SUB_SEC_TIME_ORIGINAL, "DateTimeOriginal"},
    {EXIF_TAG_DATE_TIME_DIGITIZED, EXIF_TAG_OFFSET_TIME_DIGITIZED,
     EXIF_TAG_SUB_SEC_TIME_DIGITIZED, "DateTimeDigitized"},
};

/* "YYYY:MM:DD HH:MM:SS" (separators not checked: some writers use '-').
 * Blank or all-zero values mean "unknown" and are no error. */
static GDateTime *parse_exif_time(ExifData *data,
                                  const struct exif_time_tags *tags,
                                  GTimeZone *tz, ingest_photo_exif *out)
{
    g_autofree char *text =
        entry_text(find_entry(data, EXIF_IFD_EXIF, tags->datetime));
    if (!text || strspn(text, "0: -") == strlen(text))
        return NULL;
    int f[6] = {-1, -1, -1, -1, -1, -1};
    static const size_t at[6] = {0, 5, 8, 11, 14, 17};
    static const size_t width[6] = {4, 2, 2, 2, 2, 2};
    if (strlen(text) >= 19)
        for (int i = 0; i < 6; i++)
            f[i] = fixed_digits(text, at[i], width[i]);
    GDateTime *result = NULL;
    if (f[0] >= 1 && f[3] >= 0 && f[3] < 24 && f[4] >= 0 && f[4] < 60 &&
        f[5] >= 0 && f[5] < 60) {
        g_autofree char *offset_text =
            entry_text(find_entry(data, EXIF_IFD_EXIF, tags->offset));
        int offset = 0;
        GTimeZone *zone = parse_offset(offset_text, &offset)
                              ? g_time_zone_new_offset(offset)
                              : g_time_zone_ref(tz);
        GDateTime *whole =
            g_date_time_new(zone, f[0], f[1], f[2], f[3], f[4], f[5]);
        g_time_zone_unref(zone);
        if (whole) {
            g_autofree char *subsec =
                entry_text(find_entry(data, EXIF_IFD_EXIF, tags->subsec));
            result = g_date_time_add(whole, parse_subsec(subsec));
            g_date_time_unref(whole);
        }
    }
    if (!result)
        set_warning(out, g_strdup_printf("%s \"%s\" is not a valid time",
                                         tags->name, text));
    return result;
}

static void read_orientation(ExifData *data, ExifByteOrder order,
                             ingest_photo_exif *out)
{
    ExifEntry *entry = find_entry(data, EXIF_IFD_0, EXIF_TAG_ORIENTATION);
    if (!entry)
        return;
    if (entry->format != EXIF_FORMAT_SHORT || entry->size < 2 || !entry->data) {
        set_warning(out, g_strdup("Orientation has the wrong type"));
        return;
    }
    unsigned value = exif_get_short(entry->data, order);
    if (value >= 1 && value <= 8)
        out->orientation = (int)value;
    else
        set_warning(out,
                    g_strdup_printf("Orientation %u is out of range", value));
}

/* Degrees from the three degree/minute/second rationals and N/S/E/W. */
static bool read_coordinate(ExifData *data, ExifByteOrder order,
                            ExifTag ref_tag, ExifTag tag, double limit,
                            double *out)
{
    double dms[3];
    g_autofree char *ref = entry_text(find_entry(data, EXIF_IFD_GPS, ref_tag));
    if (!ref ||
        !entry_rationals(find_entry(data, EXIF_IFD_GPS, tag), order, dms, 3))
        return false;
    double degrees = dms[0] + dms[1] / 60.0 + dms[2] / 3600.0;
    if (degrees > limit)
        return false;
    char hemisphere = g_ascii_toupper(ref[0]);
    *out = hemisphere == 'S' || hemisphere == 'W' ? -degrees : degrees;
    return true;
}

static void read_gps(ExifData *data, ExifByteOrder order,
                     ingest_photo_exif *out)
{
    if (!data->ifd[EXIF_IFD_GPS] || data->ifd[EXIF_IFD_GPS]->count == 0)
        return;
    double lat = 0, lon = 0;
    bool ok = read_coordinate(data, order, EXIF_TAG_GPS_LATITUDE_REF,
                              EXIF_TAG_GPS_LATITUDE, 90, &lat) &&
              read_coordinate(data, order, EXIF_TAG_GPS_LONGITUDE_REF,
                              EXIF_TAG_GPS_LONGITUDE, 180, &lon);
    /* cameras without a fix write zeros; no event is held at 0°N 0°E */
    if (ok && (lat != 0 || lon != 0)) {
        out->has_position = true;
        out->latitude = lat;
        out->longitude = lon;
    } else if (find_entry(data, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE)) {
        set_warning(out, g_strdup("GPS position is unreadable"));
    }
    double altitude;
    if (entry_rationals(find_entry(data, EXIF_IFD_GPS, EXIF_TAG_GPS_ALTITUDE),
                        order, &altitude, 1)) {
        ExifEntry *ref =
            find_entry(data, EXIF_IFD_GPS, EXIF_TAG_GPS_ALTITUDE_REF);
        bool below = ref && ref->format == EXIF_FORMAT_BYTE && ref->data &&
                     ref->size >= 1 && ref->data[0] == 1;
        out->has_altitude = true;
        out->altitude = below ? -altitude : altitude;
    }
}

static bool exif_is_empty(ExifData *data)
{
    for (int i = 0; i < EXIF_IFD_COUNT; i++)
        if (data->ifd[i] && data->ifd[i]->count > 0)
            return false;
    return true;
}

void ingest_photo_exif_read(const uint8_t *tiff, size_t size, GTimeZone *tz,
                            ingest_photo_exif *out)
{
    memset(out, 0, sizeof *out);
    /* an APP1 segment holds at most 64 KiB; anything larger is not EXIF */
    if (!tiff || size < 8 || size > 0xFFFF) {
        set_warning(out, g_strdup("EXIF block has an impossible size"));
        return;
    }
    /* libexif wants the "Exif\0\0" header in front of the TIFF data */
    uint8_t *block = g_malloc(size + 6);
    memcpy(block, "Exif\0\0", 6);
    memcpy(block + 6, tiff, size);

    char *first_problem = NULL;
    ExifLog *log = exif_log_new();
    exif_log_set_func(log, exif_log_first, &first_problem);
    ExifData *data = exif_data_new();
    exif_data_log(data, log);
    /* Read what is there, as it is: "following the specification" makes
     * libexif invent mandatory tags, and unknown-tag filtering would drop
     * tags newer than this libexif. */
    exif_data_unset_option(data, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_unset_option(data, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
    exif_data_load_data(data, block, (unsigned)(size + 6));
    g_free(block);

    if (exif_is_empty(data)) {
        set_warning(out, first_problem ? first_problem
                                       : g_strdup("EXIF block is unreadable"));
        first_problem = NULL;
    } else {
        ExifByteOrder order = exif_data_get_byte_order(data);
        for (size_t i = 0; i < G_N_ELEMENTS(exif_time_tags) && !out->capture;
             i++)
            out->capture = parse_exif_time(data, &exif_time_tags[i], tz, out);
        out->make = entry_text(find_entry(data, EXIF_IFD_0, EXIF_TAG_MAKE));
        out->model = entry_text(find_entry(data, EXIF_IFD_0, EXIF_TAG_MODEL));
        read_orientation(data, order, out);
        read_gps(data, order, out);
        set_warning(out, first_problem);
        first_problem = NULL;
    }
    exif_data_unref(data);
    exif_log_unref(log);
}

void ingest_photo_exif_clear(ingest_photo_exif *exif)
{
    if (!exif)
        return;
    if (exif->capture)
        g_date_time_unref(exif->capture);
    g_free(exif->make);
    g_free(exif->model);
    g_free(exif->warning);
    memset(exif, 0, sizeof *exif);
}
