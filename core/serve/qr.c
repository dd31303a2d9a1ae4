/* The URL with the token as a QR code in the terminal, for the phone's
 * camera. Two module rows per text line with Unicode half blocks; the
 * light modules are drawn (the terminal's text colour is light on the
 * usual dark background), with a quiet zone around. */
#include "serve.h"

#include <qrencode.h>

#define QUIET 2

static bool light(const QRcode *qr, int x, int y)
{
    if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
        return true;
    return !(qr->data[y * qr->width + x] & 1);
}

char *dk_server_qr_text(const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
    if (!qr)
        return NULL;
    GString *out = g_string_new(NULL);
    for (int y = -QUIET; y < qr->width + QUIET; y += 2) {
        for (int x = -QUIET; x < qr->width + QUIET; x++) {
            bool top = light(qr, x, y), bottom = light(qr, x, y + 1);
            g_string_append(out, top && bottom ? "\u2588"
                                 : top         ? "\u2580"
                                 : bottom      ? "\u2584"
                                               : " ");
        }
        g_string_append_c(out, '\n');
    }
    QRcode_free(qr);
    return g_string_free(out, FALSE);
}
