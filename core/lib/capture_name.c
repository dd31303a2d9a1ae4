/* Capture times recovered from file names. Phones and messaging apps strip
 * EXIF but keep the moment in the name; each pattern below is one naming
 * scheme, read by one table row so a new scheme is one new row. */
#include <dokpim/capture.h>

#include <string.h>

enum {
    NAME_UTC = 1 << 0,       /* the name is in UTC, not wall-clock time */
    NAME_DATE_ONLY = 1 << 1, /* the name has a date but no time of day */
};

/* Groups: y mo d (always), h mi s (unless date-only), ms, ampm (optional).
 * [0-9] rather than \d: GRegex matches Unicode digits with \d. (?![0-9])
 * after the last field stops "IMG_20240902_1411223" from matching. */
static const struct name_pattern {
    const char *regex;
    unsigned flags;
} name_patterns[] = {
    /* WhatsApp Image 2024-09-02 at 14.11.22.jpeg, Screenshot 2024-09-02 at
     * 2.11.22 PM.png (macOS puts U+202F before AM/PM since Ventura) */
    {"^(?:whatsapp (?:image|video|audio|gif)|screen ?shot) "
     "(?<y>[0-9]{4})-(?<mo>[0-9]{2})-(?<d>[0-9]{2}) at "
     "(?<h>[0-9]{1,2})\\.(?<mi>[0-9]{2})\\.(?<s>[0-9]{2})(?![0-9])"
     "(?:[ \\x{202F}]?(?<ampm>[ap]m)\\b)?",
     0},
    /* IMG-20240902-WA0012.jpg, VID-20240902-WA0003.mp4: WhatsApp on
     * Android keeps only the day */
    {"^(?:img|vid|aud|ptt|stk|doc)-(?<y>[0-9]{4})(?<mo>[0-9]{2})"
     "(?<d>[0-9]{2})-wa[0-9]+",
     NAME_DATE_ONLY},
    /* PXL_20240902_061122123.jpg: Google Pixel names are UTC, with ms */
    {"^pxl_(?<y>[0-9]{4})(?<mo>[0-9]{2})(?<d>[0-9]{2})_"
     "(?<h>[0-9]{2})(?<mi>[0-9]{2})(?<s>[0-9]{2})(?<ms>[0-9]{3})(?![0-9])",
     NAME_UTC},
    /* IMG_20240902_141122.jpg, VID_20240902_141122.mp4, 20240902_141122.jpg
     * (Samsung), Screenshot_20240902-141122.png and friends */
    {"^(?:(?:img|vid|pano|mvimg|screenshot|screenrecorder|screen_recording)"
     "[_-])?(?<y>[0-9]{4})(?<mo>[0-9]{2})(?<d>[0-9]{2})[_-]"
     "(?<h>[0-9]{2})(?<mi>[0-9]{2})(?<s>[0-9]{2})(?![0-9])",
     0},
    /* Screenshot_2024-09-02-14-11-22-123_com.whatsapp.jpg (MIUI),
     * 2024-09-02 14.11.22.jpg (Dropbox camera uploads) */
    {"^(?:screenshot[_ ])?(?<y>[0-9]{4})-(?<mo>[0-9]{2})-(?<d>[0-9]{2})"
     "[ _-](?<h>[0-9]{2})[.:-](?<mi>[0-9]{2})[.:-](?<s>[0-9]{2})(?![0-9])",
     0},
};

#define NAME_PATTERN_COUNT G_N_ELEMENTS(name_patterns)

/* Compiled once and shared: a GRegex is immutable and safe to match from
 * several worker threads. */
static GRegex *const *compiled_patterns(void)
{
    static GRegex *regexes[NAME_PATTERN_COUNT];
    static gsize ready;
    if (g_once_init_enter(&ready)) {
        for (size_t i = 0; i < NAME_PATTERN_COUNT; i++) {
            regexes[i] =
                g_regex_new(name_patterns[i].regex,
                            G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
            /* the table is ours: a pattern that does not compile is a bug */
            g_assert(regexes[i] != NULL);
        }
        g_once_init_leave(&ready, 1);
    }
    return regexes;
}

/* A named group as a number; -1 when the group did not take part. */
static int group_number(GMatchInfo *match, const char *name)
{
    char *text = g_match_info_fetch_named(match, name);
    int value = -1;
    if (text && *text) {
        guint64 parsed = 0;
        if (g_ascii_string_to_unsigned(text, 10, 0, 9999, &parsed, NULL))
            value = (int)parsed;
    }
    g_free(text);
    return value;
}

/* 12-hour clock to 24-hour; -1 when the hour cannot carry AM/PM. */
static int hour_from_ampm(int hour, GMatchInfo *match)
{
    char *ampm = g_match_info_fetch_named(match, "ampm");
    int result = hour;
    if (ampm && *ampm) {
        if (hour < 1 || hour > 12)
            result = -1;
        else if (g_ascii_tolower(ampm[0]) == 'p')
            result = hour == 12 ? 12 : hour + 12;
        else
            result = hour == 12 ? 0 : hour;
    }
    g_free(ampm);
    return result;
}

static GDateTime *time_from_match(GMatchInfo *match, unsigned flags,
                                  GTimeZone *tz)
{
    int year = group_number(match, "y");
    int month = group_number(match, "mo");
    int day = group_number(match, "d");
    int hour = 0, minute = 0, second = 0, millis = 0;
    if (!(flags & NAME_DATE_ONLY)) {
        hour = hour_from_ampm(group_number(match, "h"), match);
        minute = group_number(match, "mi");
        second = group_number(match, "s");
        millis = group_number(match, "ms");
        if (millis < 0)
            millis = 0;
    }
    /* Digits that merely look like a date (counters, hashes) rarely fall in
     * the digital-camera era; g_date_time_new() rejects the rest (month 13,
     * 30 February, hour 25). */
    if (year < 1970 || year > 2100 || hour < 0 || minute < 0 || second < 0 ||
        hour > 23 || minute > 59 || second > 59)
        return NULL;
    double seconds = second + millis / 1000.0;
    if (!(flags & NAME_UTC))
        return g_date_time_new(tz, year, month, day, hour, minute, seconds);
    GDateTime *utc =
        g_date_time_new_utc(year, month, day, hour, minute, seconds);
    if (!utc)
        return NULL;
    GDateTime *local = g_date_time_to_timezone(utc, tz);
    g_date_time_unref(utc);
    return local;
}

GDateTime *dk_capture_time_from_filename(const char *path, GTimeZone *tz,
                                         gboolean *date_only)
{
    if (date_only)
        *date_only = FALSE;
    if (!path || !*path)
        return NULL;
    char *name = g_path_get_basename(path);
    /* GRegex needs UTF-8; every pattern is ASCII apart from U+202F, so a
     * name in another encoding cannot match anyway */
    if (!g_utf8_validate(name, -1, NULL)) {
        g_free(name);
        return NULL;
    }
    GTimeZone *zone = tz ? g_time_zone_ref(tz) : g_time_zone_new_local();
    GRegex *const *regexes = compiled_patterns();
    GDateTime *result = NULL;
    for (size_t i = 0; i < NAME_PATTERN_COUNT && !result; i++) {
        GMatchInfo *match = NULL;
        if (g_regex_match(regexes[i], name, 0, &match)) {
            result = time_from_match(match, name_patterns[i].flags, zone);
            if (result && date_only)
                *date_only = (name_patterns[i].flags & NAME_DATE_ONLY) != 0;
        }
        g_match_info_free(match);
    }
    g_time_zone_unref(zone);
    g_free(name);
    return result;
}
