/* Keeping template-made paths inside their output folder. */
#include "dk_internal.h"

#include <string.h>

/* Characters that break FAT/exFAT cards and SMB shares crews copy to. */
static bool is_unsafe_char(unsigned char c)
{
    return c < 0x20 || c == 0x7f || strchr("\\:*?\"<>|", c) != NULL;
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
    if (!g_utf8_validate(relative, -1, NULL))
        return dk_error_set(err, DK_ERR_INVALID,
                            "output path is not valid UTF-8");
    gchar **parts = g_strsplit(relative, "/", -1);
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
