/* Paths in BagIt manifests: RFC 8493 section 2.1.3 has CR, LF and % in a
 * file name written as %0D, %0A and %25, so each entry stays on one line;
 * every other byte (spaces, non-ASCII in whatever normalisation the file
 * system holds) is written as it is. */
#include "bag.h"

#include <string.h>

char *dk_bag_path_encode(const char *path)
{
    GString *out = g_string_sized_new(strlen(path) + 8);
    for (const char *p = path; *p; p++) {
        if (*p == '\r')
            g_string_append(out, "%0D");
        else if (*p == '\n')
            g_string_append(out, "%0A");
        else if (*p == '%')
            g_string_append(out, "%25");
        else
            g_string_append_c(out, *p);
    }
    return g_string_free(out, FALSE);
}

char *dk_bag_path_decode(const char *encoded)
{
    static const struct {
        const char *code;
        char byte;
    } codes[] = {{"%0D", '\r'}, {"%0A", '\n'}, {"%25", '%'}};
    GString *out = g_string_sized_new(strlen(encoded));
    for (const char *p = encoded; *p;) {
        bool done = false;
        for (size_t i = 0; i < G_N_ELEMENTS(codes) && !done; i++) {
            if (g_ascii_strncasecmp(p, codes[i].code, 3) == 0) {
                g_string_append_c(out, codes[i].byte);
                p += 3;
                done = true;
            }
        }
        if (!done)
            g_string_append_c(out, *p++);
    }
    return g_string_free(out, FALSE);
}

bool dk_bag_path_is_safe(const char *path)
{
    if (!*path || path[0] == '/')
        return false;
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    for (int i = 0; parts[i]; i++)
        if (!*parts[i] || strcmp(parts[i], ".") == 0 ||
            strcmp(parts[i], "..") == 0)
            return false;
    return true;
}
