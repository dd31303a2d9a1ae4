/* stamp.exif — field values: keyword lists and UTF-8-safe shortening. */
#include "stamp_exif_fields.h"

#include <dokpim/error.h>
#include <glib.h>
#include <stdarg.h>
#include <string.h>

void stamp_exif_fields_clear(stamp_exif_fields *fields)
{
    if (!fields)
        return;
    g_free(fields->artist);
    g_free(fields->copyright);
    g_free(fields->caption);
    g_free(fields->headline);
    g_free(fields->credit);
    g_free(fields->city);
    g_free(fields->location);
    g_free(fields->event);
    g_free(fields->software);
    g_strfreev(fields->keywords);
    g_free(fields->keywords_text);
    g_free(fields->capture_time);
    g_free(fields->capture_source);
    g_free(fields->label);
    g_strfreev(fields->persons);
    memset(fields, 0, sizeof(*fields));
}

char **stamp_exif_split_keywords(const char *list)
{
    GPtrArray *out = g_ptr_array_new();
    char **parts = g_strsplit(list ? list : "", ";", -1);
    for (char **p = parts; *p; p++) {
        char *word = g_strstrip(*p);
        if (!*word)
            continue;
        bool seen = false;
        for (guint i = 0; i < out->len && !seen; i++)
            seen = strcmp(out->pdata[i], word) == 0;
        if (!seen)
            g_ptr_array_add(out, g_strdup(word));
    }
    g_strfreev(parts);
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

/* Characters that must stay glued to the one before them: cutting before
 * them would leave a bare base letter (Balinese vowel signs, accents) or
 * half an emoji sequence. */
static bool joins_previous(gunichar c)
{
    return g_unichar_ismark(c) || c == 0x200D || (c >= 0xFE00 && c <= 0xFE0F) ||
           (c >= 0x1F3FB && c <= 0x1F3FF) || (c >= 0xE0020 && c <= 0xE007F);
}

size_t stamp_exif_utf8_fit(const char *text, size_t max_bytes)
{
    size_t len = text ? strlen(text) : 0;
    if (len <= max_bytes)
        return len;
    /* step back to a character start */
    const char *cut = text + max_bytes;
    while (cut > text && ((unsigned char)*cut & 0xC0) == 0x80)
        cut--;
    /* never end right after a ZWJ, never start the cut-off part with a
     * joining character */
    while (cut > text) {
        const char *prev = g_utf8_find_prev_char(text, cut);
        if (!prev)
            break;
        gunichar next = g_utf8_get_char_validated(cut, -1);
        gunichar last = g_utf8_get_char_validated(prev, -1);
        if (!joins_previous(next) && last != 0x200D)
            break;
        cut = prev;
    }
    return (size_t)(cut - text);
}

static size_t trim_separators(const char *text, size_t length)
{
    while (length > 0 && strchr(" ,;:-", text[length - 1]))
        length--;
    return length;
}

size_t stamp_exif_utf8_fit_words(const char *text, size_t max_bytes)
{
    size_t cut = stamp_exif_utf8_fit(text, max_bytes);
    if (!text || text[cut] == '\0')
        return cut;
    if (text[cut] == ' ')
        return trim_separators(text, cut);
    for (size_t i = cut; i > max_bytes / 2; i--)
        if (text[i - 1] == ' ')
            return trim_separators(text, i - 1);
    return cut;
}

void stamp_exif_warn(GPtrArray *warnings, const char *fmt, ...)
{
    if (!warnings)
        return;
    va_list args;
    va_start(args, fmt);
    g_ptr_array_add(warnings, g_strdup_vprintf(fmt, args));
    va_end(args);
}

void stamp_exif_warn_cut(GPtrArray *warnings, const char *field,
                         const char *format, size_t whole, size_t kept,
                         const char *why)
{
    if (kept < whole)
        stamp_exif_warn(warnings, "%s: %s cut from %zu to %zu bytes (%s)",
                        format, field, whole, kept, why);
}

int stamp_exif_fit_caption(const char *caption, stamp_exif_try_fn try_length,
                           void *context, size_t *kept)
{
    size_t whole = caption ? strlen(caption) : 0;
    *kept = whole;
    int fits = try_length(context, whole);
    if (fits != 0)
        return fits < 0 ? fits : 0;
    if (whole == 0 || (fits = try_length(context, 0)) <= 0)
        return fits < 0 ? fits : DK_ERR_UNSUPPORTED;
    /* 0 fits, whole does not: narrow down between them */
    size_t good = 0, bad = whole;
    for (;;) {
        size_t mid = stamp_exif_utf8_fit(caption, good + (bad - good) / 2);
        if (mid <= good)
            break;
        fits = try_length(context, mid);
        if (fits < 0)
            return fits;
        if (fits)
            good = mid;
        else
            bad = mid;
    }
    fits = try_length(context, good);
    *kept = good;
    return fits < 0 ? fits : 0;
}
