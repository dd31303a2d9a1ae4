/* Keeping template-made paths inside their output folder. */
#include "dk_internal.h"

#include <string.h>

/* Characters that break FAT/exFAT cards and SMB shares crews copy to. */
static bool is_unsafe_char(unsigned char c)
{
    return c < 0x20 || c == 0x7f || strchr("\\:*?\"<>|", c) != NULL;
}

/* Length of the longest prefix of text, at most max bytes, that ends on a
 * UTF-8 character boundary (text is valid UTF-8). */
static size_t utf8_prefix(const char *text, size_t max)
{
    size_t n = max;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* A long title or input name must not fail the whole batch with "File name
 * too long": the name is cut at a character boundary, keeping the file's
 * extension (when it looks like one), so it fits with dokpim's additions. */
static void shorten_component(GString *name, bool keep_extension)
{
    if (name->len <= DK_NAME_BYTES)
        return;
    const char *dot = keep_extension ? strrchr(name->str, '.') : NULL;
    size_t ext = dot && dot != name->str ? strlen(dot) : 0;
    if (ext > DK_NAME_BYTES / 4)
        ext = 0; /* not an extension, just a dot in a long name */
    size_t keep = utf8_prefix(name->str, DK_NAME_BYTES - ext);
    g_string_erase(name, (gssize)keep, (gssize)(name->len - ext - keep));
}

static char *valid_utf8_or_underscore(const char *text)
{
    GString *out = g_string_new(NULL);
    const char *end = NULL;
    while (!g_utf8_validate(text, -1, &end)) {
        g_string_append_len(out, text, end - text);
        g_string_append_c(out, '_');
        text = end + 1;
    }
    g_string_append(out, text);
    return g_string_free(out, FALSE);
}

int dk_path_sanitize(const char *relative, char **out, dk_error *err)
{
    *out = NULL;
    if (!relative || !*relative)
        return dk_error_set(err, DK_ERR_INVALID, "output path is empty");
    if (relative[0] == '/')
        return dk_error_set(err, DK_ERR_INVALID,
                            "output path '%s' is absolute; it must stay "
                            "inside the library",
                            relative);
    /* An old camera's Latin-1 name (caf\xe9.jpg) must not fail the item:
     * each byte that is not UTF-8 becomes '_' like the other characters
     * SMB and exFAT cannot store; the exact bytes stay in the original's
     * source path. */
    g_autofree char *valid = valid_utf8_or_underscore(relative);
    gchar **parts = g_strsplit(valid, "/", -1);
    GString *clean = g_string_new(NULL);
    int rc = 0;
    for (int i = 0; parts[i]; i++) {
        const char *part = parts[i];
        if (!*part || strcmp(part, ".") == 0)
            continue;
        if (strcmp(part, "..") == 0) {
            rc = dk_error_set(err, DK_ERR_INVALID,
                              "output path '%s' climbs out of its folder "
                              "with '..'",
                              relative);
            break;
        }
        GString *component = g_string_new(NULL);
        for (const unsigned char *p = (const unsigned char *)part; *p; p++) {
            if (*p < 0x20 || *p == 0x7f)
                continue;
            g_string_append_c(component, is_unsafe_char(*p) ? '_' : (char)*p);
        }
        shorten_component(component, parts[i + 1] == NULL);
        /* Windows drops trailing dots and spaces, merging names */
        while (component->len && (component->str[component->len - 1] == '.' ||
                                  component->str[component->len - 1] == ' '))
            g_string_truncate(component, component->len - 1);
        if (component->len && strcmp(component->str, "..") != 0) {
            if (clean->len)
                g_string_append_c(clean, '/');
            g_string_append(clean, component->str);
        }
        g_string_free(component, TRUE);
    }
    g_strfreev(parts);
    if (rc == 0 && clean->len == 0)
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "output path '%s' has no usable name", relative);
    if (rc < 0) {
        g_string_free(clean, TRUE);
        return rc;
    }
    *out = g_string_free(clean, FALSE);
    return 0;
}
