/* Text from outside (file names, a library's messages) made safe for one
 * line of a terminal or log. */
#include "dk_internal.h"

#include <string.h>

static void append_byte_escapes(GString *out, const char *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (bytes[i]) {
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            g_string_append_printf(out, "\\x%02x", (unsigned char)bytes[i]);
        }
    }
}

/* C0, DEL and C1 (U+0080..U+009F: 8-bit terminals read U+009B as CSI). */
static bool is_control(gunichar c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

char *dk_escape_text(const char *text)
{
    if (!text)
        return NULL;
    GString *out = g_string_sized_new(strlen(text));
    for (const char *p = text; *p;) {
        gunichar c = g_utf8_get_char_validated(p, -1);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            append_byte_escapes(out, p, 1);
            p++;
            continue;
        }
        size_t len = (size_t)g_utf8_skip[*(const guchar *)p];
        if (c == '\\')
            g_string_append(out, "\\\\");
        else if (is_control(c))
            append_byte_escapes(out, p, len);
        else
            g_string_append_len(out, p, (gssize)len);
        p += len;
    }
    return g_string_free(out, FALSE);
}
