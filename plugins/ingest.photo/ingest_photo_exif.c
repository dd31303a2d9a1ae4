/* The EXIF facts ingest needs, read with libexif. A photo with unreadable
 * EXIF is still a photo: nothing here fails, problems become warnings.
 * The block is loaded through the shared dk_exif_load(), which names every
 * entry or IFD a damaged block loses; we additionally check every entry's
 * format and size before reading it. */
#include "ingest_photo.h"

#include <libexif/exif-data.h>
#include <string.h>

#include "exif_load.h"

/* Takes message (one problem) into out->warnings. */
static void add_warning(ingest_photo_exif *out, char *message)
{
    if (!message)
        return;
    /* one line of valid UTF-8, whatever the file put into it */
    char *valid = g_utf8_make_valid(message, -1);
    g_free(message);
    for (char *c = valid; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    if (!out->warnings)
        out->warnings = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(out->warnings, g_strstrip(valid));
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

/* A camera whose clock was never set starts it at its epoch (1970, 2000,
 * ...); no digital camera took a photo before 1990. */
#define PLAUSIBLE_YEAR_MIN 1990

/* Warns about a capture time no camera with a set clock writes; the time
 * is kept (it still orders the camera's photos), the warning says so. */
static void check_plausible(const struct exif_time_tags *tags, const char *text,
                            GDateTime *when, ingest_photo_exif *out)
{
    GDateTime *now = g_date_time_new_now_utc();
    GDateTime *tomorrow = g_date_time_add_days(now, 1);
    if (g_date_time_get_year(when) < PLAUSIBLE_YEAR_MIN)
        add_warning(out, g_strdup_printf(
                             "EXIF: %s %s is before %d: the camera clock was "
                             "likely unset; the time is kept",
                             tags->name, text, PLAUSIBLE_YEAR_MIN));
    else if (g_date_time_compare(when, tomorrow) > 0)
        add_warning(out, g_strdup_printf(
                             "EXIF: %s %s is more than a day in the future: "
                             "the camera clock is wrong; the time is kept",
                             tags->name, text));
    g_date_time_unref(tomorrow);
    g_date_time_unref(now);
}

/* "YYYY:MM:DD HH:MM:SS" (separators not checked: some writers use '-').
 * A blank value means "unknown" and is no error; the all-zero placeholder
 * of a camera whose clock was never set is unknown too, but said. */
static GDateTime *parse_exif_time(ExifData *data,
                                  const struct exif_time_tags *tags,
                                  GTimeZone *tz, ingest_photo_exif *out)
{
    g_autofree char *text =
        entry_text(find_entry(data, EXIF_IFD_EXIF, tags->datetime));
    if (!text || strspn(text, ": -") == strlen(text))
        return NULL;
    if (strspn(text, "0: -") == strlen(text)) {
        add_warning(out, g_strdup_printf("EXIF: %s is the placeholder \"%s\" "
                                         "(camera clock never set); not used",
                                         tags->name, text));
        return NULL;
    }
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
        add_warning(out, g_strdup_printf("EXIF: %s \"%s\" is not a valid time",
                                         tags->name, text));
    else
        check_plausible(tags, text, result, out);
    return result;
}

static void read_orientation(ExifData *data, ExifByteOrder order,
                             ingest_photo_exif *out)
{
    ExifEntry *entry = find_entry(data, EXIF_IFD_0, EXIF_TAG_ORIENTATION);
    if (!entry)
        return;
    if (entry->format != EXIF_FORMAT_SHORT || entry->size < 2 || !entry->data) {
        add_warning(out, g_strdup("EXIF: Orientation has the wrong type"));
        return;
    }
    unsigned value = exif_get_short(entry->data, order);
    if (value >= 1 && value <= 8)
        out->orientation = (int)value;
    else
        add_warning(out, g_strdup_printf("EXIF: Orientation %u is out of range",
                                         value));
}

/* One coordinate of the GPS IFD. */
static const struct gps_axis {
    ExifTag ref, tag;
    double limit;
    const char *name;
} gps_axes[2] = {
    {EXIF_TAG_GPS_LATITUDE_REF, EXIF_TAG_GPS_LATITUDE, 90, "latitude"},
    {EXIF_TAG_GPS_LONGITUDE_REF, EXIF_TAG_GPS_LONGITUDE, 180, "longitude"},
};

/* Degrees from the three degree/minute/second rationals and N/S/E/W;
 * false, with a warning, when they cannot be read or lie off the globe. */
static bool read_coordinate(ExifData *data, ExifByteOrder order,
                            const struct gps_axis *axis, ingest_photo_exif *out,
                            double *degrees_out)
{
    double dms[3];
    g_autofree char *ref =
        entry_text(find_entry(data, EXIF_IFD_GPS, axis->ref));
    if (!ref || !entry_rationals(find_entry(data, EXIF_IFD_GPS, axis->tag),
                                 order, dms, 3)) {
        add_warning(out, g_strdup_printf("EXIF: GPS %s is unreadable; the "
                                         "position is not used",
                                         axis->name));
        return false;
    }
    double degrees = dms[0] + dms[1] / 60.0 + dms[2] / 3600.0;
    if (dms[0] < 0 || dms[1] < 0 || dms[2] < 0 || degrees > axis->limit) {
        add_warning(out, g_strdup_printf("EXIF: GPS %s %.6f is out of range "
                                         "(at most %.0f degrees); the position "
                                         "is not used",
                                         axis->name, degrees, axis->limit));
        return false;
    }
    char hemisphere = g_ascii_toupper(ref[0]);
    *degrees_out = hemisphere == 'S' || hemisphere == 'W' ? -degrees : degrees;
    return true;
}

static void read_gps(ExifData *data, ExifByteOrder order,
                     ingest_photo_exif *out)
{
    bool has_position = find_entry(data, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE) ||
                        find_entry(data, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE);
    double lat = 0, lon = 0;
    bool ok = has_position &&
              read_coordinate(data, order, &gps_axes[0], out, &lat) &&
              read_coordinate(data, order, &gps_axes[1], out, &lon);
    /* cameras without a fix write zeros; no event is held at 0°N 0°E */
    if (ok && lat == 0 && lon == 0)
        add_warning(out, g_strdup("EXIF: GPS position is 0, 0 (the camera "
                                  "had no fix); not used"));
    else if (ok) {
        out->has_position = true;
        out->latitude = lat;
        out->longitude = lon;
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

void ingest_photo_exif_read(const uint8_t *tiff, size_t size,
                            const char *container, GTimeZone *tz,
                            ingest_photo_exif *out)
{
    memset(out, 0, sizeof *out);
    /* an APP1 segment holds at most 64 KiB; anything larger is not EXIF */
    if (!tiff || size > 0xFFFF) {
        add_warning(out, g_strdup_printf("EXIF: a %zu-byte block is no EXIF "
                                         "block; ignored",
                                         size));
        return;
    }
    GPtrArray *repairs = g_ptr_array_new_with_free_func(g_free);
    ExifData *data = exif_data_new();
    dk_error err = {0};
    if (dk_exif_load(data, tiff, size, container, repairs, &err) < 0)
        add_warning(out, g_strdup_printf("%s; ignored", err.message));
    for (guint i = 0; i < repairs->len; i++)
        add_warning(out, g_strdup(repairs->pdata[i]));
    g_ptr_array_unref(repairs);
    ExifByteOrder order = exif_data_get_byte_order(data);
    for (size_t i = 0; i < G_N_ELEMENTS(exif_time_tags) && !out->capture; i++)
        out->capture = parse_exif_time(data, &exif_time_tags[i], tz, out);
    out->make = entry_text(find_entry(data, EXIF_IFD_0, EXIF_TAG_MAKE));
    out->model = entry_text(find_entry(data, EXIF_IFD_0, EXIF_TAG_MODEL));
    read_orientation(data, order, out);
    read_gps(data, order, out);
    exif_data_unref(data);
}

void ingest_photo_exif_clear(ingest_photo_exif *exif)
{
    if (!exif)
        return;
    if (exif->capture)
        g_date_time_unref(exif->capture);
    g_free(exif->make);
    g_free(exif->model);
    if (exif->warnings)
        g_ptr_array_unref(exif->warnings);
    memset(exif, 0, sizeof *exif);
}
