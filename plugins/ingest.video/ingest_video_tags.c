/* ingest.video — where and with what a clip was shot, from the container
 * tags phones write (QuickTime ©xyz / Apple mdta keys / Android keys). */
#include <math.h>
#include <string.h>

#include "ingest_video.h"

static const char *const tags_location_keys[] = {
    "com.apple.quicktime.location.ISO6709", "location", "location-eng", NULL};
static const char *const tags_make_keys[] = {
    "com.apple.quicktime.make", "com.android.manufacturer", "make", NULL};
static const char *const tags_model_keys[] = {
    "com.apple.quicktime.model", "com.android.model", "model", NULL};

static const char *tags_first(const AVDictionary *tags, const char *const *keys)
{
    for (int i = 0; keys[i]; i++) {
        const AVDictionaryEntry *entry = av_dict_get(tags, keys[i], NULL, 0);
        if (entry && entry->value && *entry->value)
            return entry->value;
    }
    return NULL;
}

/* One signed ISO 6709 number: ±DD.D, ±DDMM.M or ±DDMMSS.S, with
 * degree_digits 2 for latitude, 3 for longitude, 0 for altitude (metres,
 * any number of digits). Returns the character after it, or NULL. */
static const char *tags_iso6709_number(const char *p, int degree_digits,
                                       double *value)
{
    if (*p != '+' && *p != '-')
        return NULL;
    double sign = *p == '-' ? -1.0 : 1.0;
    const char *start = ++p;
    while (g_ascii_isdigit(*p))
        p++;
    int digits = (int)(p - start);
    if (*p == '.') {
        p++;
        while (g_ascii_isdigit(*p))
            p++;
    }
    if (digits == 0 || p - start > 32)
        return NULL;
    char number_text[40];
    memcpy(number_text, start, (size_t)(p - start));
    number_text[p - start] = '\0';
    double number = g_ascii_strtod(number_text, NULL);

    double degrees;
    if (degree_digits == 0 || digits == degree_digits) {
        degrees = number;
    } else if (digits == degree_digits + 2) {
        double whole = floor(number / 100.0);
        degrees = whole + (number - whole * 100.0) / 60.0;
    } else if (digits == degree_digits + 4) {
        double whole = floor(number / 10000.0);
        double rest = number - whole * 10000.0;
        double minutes = floor(rest / 100.0);
        degrees = whole + minutes / 60.0 + (rest - minutes * 100.0) / 3600.0;
    } else {
        return NULL;
    }
    *value = sign * degrees;
    return p;
}

gboolean ingest_video_parse_iso6709(const char *text, double *latitude,
                                    double *longitude, double *altitude,
                                    gboolean *has_altitude)
{
    *has_altitude = FALSE;
    const char *p = tags_iso6709_number(text, 2, latitude);
    if (p)
        p = tags_iso6709_number(p, 3, longitude);
    if (!p || fabs(*latitude) > 90.0 || fabs(*longitude) > 180.0)
        return FALSE;
    if (*p == '+' || *p == '-') {
        p = tags_iso6709_number(p, 0, altitude);
        if (!p)
            return FALSE;
        *has_altitude = TRUE;
    }
    /* the terminating '/' (and an optional "CRS..." before it) */
    return *p == '\0' || *p == '/' || g_str_has_prefix(p, "CRS");
}

void ingest_video_read_tags(const AVFormatContext *ctx, dk_meta *meta)
{
    const char *location = tags_first(ctx->metadata, tags_location_keys);
    double latitude, longitude, altitude;
    gboolean has_altitude;
    if (location && ingest_video_parse_iso6709(location, &latitude, &longitude,
                                               &altitude, &has_altitude)) {
        dk_meta_set_double(meta, "gps.latitude", latitude);
        dk_meta_set_double(meta, "gps.longitude", longitude);
        if (has_altitude)
            dk_meta_set_double(meta, "gps.altitude", altitude);
    }
    const char *make = tags_first(ctx->metadata, tags_make_keys);
    if (make)
        dk_meta_set_string(meta, "camera.make", make);
    const char *model = tags_first(ctx->metadata, tags_model_keys);
    if (model)
        dk_meta_set_string(meta, "camera.model", model);
}
