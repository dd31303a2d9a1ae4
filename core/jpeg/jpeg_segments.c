/* dokpim — the JPEG marker walk (see jpeg_segments.h).
 *
 * Grown from ingest.photo's structural check, the most hardened of the
 * four walkers it replaces: a window over pread() for files, lengths
 * checked against the data's end before use, and memchr() to cross the
 * entropy-coded data of a scan. */
#include "jpeg_segments.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

/* Large enough for any segment (at most 65535 bytes) and for memchr to
 * cross a scan in few reads. */
#define JPEG_WINDOW (256 * 1024)

void dk_jpeg_walk_memory(dk_jpeg_walk *walk, const uint8_t *data, size_t size)
{
    memset(walk, 0, sizeof *walk);
    walk->data = data;
    walk->fd = -1;
    walk->size = size;
}

void dk_jpeg_walk_file(dk_jpeg_walk *walk, int fd, uint64_t size)
{
    memset(walk, 0, sizeof *walk);
    walk->fd = fd;
    walk->size = size;
    walk->window = g_malloc(JPEG_WINDOW);
}

void dk_jpeg_walk_clear(dk_jpeg_walk *walk)
{
    g_free(walk->window);
    memset(walk, 0, sizeof *walk);
    walk->fd = -1;
}

/* Fills the window from offset on. Returns false on an I/O error. */
static bool fill_window(dk_jpeg_walk *w, uint64_t offset)
{
    uint64_t left = w->size - offset;
    size_t fill = left < JPEG_WINDOW ? (size_t)left : JPEG_WINDOW;
    size_t got = 0;
    while (got < fill) {
        ssize_t n =
            pread(w->fd, w->window + got, fill - got, (off_t)(offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            w->io_errno = errno;
            w->window_len = 0;
            return false;
        }
        if (n == 0)
            break; /* the file shrank since its size was taken: its end */
        got += (size_t)n;
    }
    w->window_start = offset;
    w->window_len = got;
    return true;
}

/* Bytes from offset on, with at least `want` of them (want <= JPEG_WINDOW)
 * when the data has them. NULL at the end of the data or on an I/O error;
 * *avail is how many bytes the pointer covers. */
static const uint8_t *bytes_at(dk_jpeg_walk *w, uint64_t offset, size_t want,
                               size_t *avail)
{
    if (offset >= w->size)
        return NULL;
    if (w->fd < 0) {
        *avail = (size_t)(w->size - offset);
        return w->data + offset;
    }
    if (offset < w->window_start ||
        offset + want > w->window_start + w->window_len) {
        if (!fill_window(w, offset) || w->window_len == 0)
            return NULL;
    }
    *avail = (size_t)(w->window_start + w->window_len - offset);
    return w->window + (offset - w->window_start);
}

static unsigned read_be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static bool is_standalone(uint8_t marker)
{
    return marker == DK_JPEG_TEM || marker == DK_JPEG_EOI ||
           (marker >= DK_JPEG_RST0 && marker <= DK_JPEG_RST7);
}

bool dk_jpeg_starts_with_soi(const uint8_t *data, size_t size)
{
    return size >= 2 && data[0] == 0xFF && data[1] == DK_JPEG_SOI;
}

bool dk_jpeg_marker_is_sof(uint8_t marker)
{
    return marker >= 0xC0 && marker <= 0xCF && marker != DK_JPEG_DHT &&
           marker != 0xC8 && marker != 0xCC;
}

bool dk_jpeg_marker_is_app(uint8_t marker)
{
    return marker >= DK_JPEG_APP0 && marker <= DK_JPEG_APP0 + 15;
}

const char *dk_jpeg_marker_name(uint8_t marker, char buf[8])
{
    static const struct {
        uint8_t marker;
        const char *name;
    } names[] = {{0xC4, "DHT"}, {0xCC, "DAC"}, {0xD8, "SOI"},
                 {0xD9, "EOI"}, {0xDA, "SOS"}, {0xDB, "DQT"},
                 {0xDC, "DNL"}, {0xDD, "DRI"}, {0xFE, "COM"}};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (names[i].marker == marker)
            return names[i].name;
    if (dk_jpeg_marker_is_sof(marker))
        g_snprintf(buf, 8, "SOF%u", marker - 0xC0u);
    else if (dk_jpeg_marker_is_app(marker))
        g_snprintf(buf, 8, "APP%u", marker - (unsigned)DK_JPEG_APP0);
    else
        g_snprintf(buf, 8, "0xFF%02X", marker);
    return buf;
}

static int read_failed(const dk_jpeg_walk *w, dk_error *err)
{
    return dk_error_set(err, DK_ERR_IO, "cannot read: %s",
                        g_strerror(w->io_errno));
}

/* The data ended where more was needed: the read error if a read failed
 * (a card pulled out is not a truncated photo), else a truncation. */
static int ended(const dk_jpeg_walk *w, dk_error *err, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static int ended(const dk_jpeg_walk *w, dk_error *err, const char *fmt, ...)
{
    if (w->io_errno)
        return read_failed(w, err);
    va_list args;
    va_start(args, fmt);
    char *what = g_strdup_vprintf(fmt, args);
    va_end(args);
    int rc = dk_error_set(err, DK_ERR_INVALID, "truncated JPEG data: %s", what);
    g_free(what);
    return rc;
}

static int check_soi(dk_jpeg_walk *w, dk_error *err)
{
    size_t avail = 0;
    const uint8_t *b = bytes_at(w, 0, 2, &avail);
    if (!b && w->io_errno)
        return read_failed(w, err);
    if (!b || !dk_jpeg_starts_with_soi(b, avail))
        return dk_error_set(err, DK_ERR_INVALID,
                            "not a JPEG file (no SOI marker)");
    w->pos = 2;
    w->started = true;
    return 0;
}

/* From the first byte of a scan's entropy-coded data, finds the marker
 * that ends it: 0xFF followed by anything but a stuffed zero, a restart
 * marker or another fill 0xFF. The walk then stands on that marker. */
static int skip_entropy_data(dk_jpeg_walk *w, dk_error *err)
{
    uint64_t p = w->pos;
    for (;;) {
        size_t avail = 0;
        const uint8_t *b = bytes_at(w, p, 2, &avail);
        if (!b)
            break;
        const uint8_t *ff = memchr(b, 0xFF, avail);
        if (!ff) {
            p += avail;
            continue;
        }
        uint64_t at = p + (uint64_t)(ff - b);
        const uint8_t *next = bytes_at(w, at + 1, 1, &avail);
        if (!next)
            break;
        if (*next == 0x00 || (*next >= DK_JPEG_RST0 && *next <= DK_JPEG_RST7)) {
            p = at + 2;
        } else if (*next == 0xFF) {
            p = at + 1;
        } else {
            w->pos = at;
            return 0;
        }
    }
    return ended(w, err, "the image data ends without an end marker (EOI)");
}

/* The length field of the marker at seg->offset (b, with avail bytes, is
 * its 0xFF), checked against the end of the data before it is used. */
static int read_length(dk_jpeg_walk *w, const uint8_t *b, size_t avail,
                       dk_jpeg_segment *seg, dk_error *err)
{
    char name[8];
    if (avail < 4)
        return ended(w, err,
                     "the file ends inside the %s marker at byte %" PRIu64,
                     dk_jpeg_marker_name(seg->marker, name), seg->offset);
    unsigned length = read_be16(b + 2);
    if (length < 2)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG: the %s segment at byte %" PRIu64
                            " has an impossible length %u",
                            dk_jpeg_marker_name(seg->marker, name), seg->offset,
                            length);
    if (seg->offset + 2 + length > w->size)
        return dk_error_set(err, DK_ERR_INVALID,
                            "truncated JPEG data: the %s segment at byte "
                            "%" PRIu64 " is %u bytes long, past the end of "
                            "the file (%" PRIu64 " bytes)",
                            dk_jpeg_marker_name(seg->marker, name), seg->offset,
                            length, w->size);
    seg->payload_offset = seg->offset + 4;
    seg->length = length - 2;
    seg->end = seg->payload_offset + seg->length;
    return 0;
}

int dk_jpeg_walk_next(dk_jpeg_walk *w, dk_jpeg_segment *seg, dk_error *err)
{
    int rc = w->started ? 0 : check_soi(w, err);
    if (rc == 0 && w->in_scan)
        rc = skip_entropy_data(w, err);
    if (rc < 0)
        return rc;
    w->in_scan = false;

    memset(seg, 0, sizeof *seg);
    seg->start = w->pos;
    size_t avail = 0;
    const uint8_t *b = bytes_at(w, w->pos, 4, &avail);
    if (!b)
        return ended(w, err,
                     w->seen_scan ? "no end marker (EOI)"
                                  : "the file ends before the image data "
                                    "(SOS)");
    if (b[0] != 0xFF)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG: expected a marker at byte %" PRIu64
                            ", found 0x%02X",
                            w->pos, b[0]);
    /* any number of 0xFF may pad before a marker */
    while (avail >= 2 && b[1] == 0xFF) {
        w->pos++;
        b = bytes_at(w, w->pos, 4, &avail);
        if (!b)
            break;
    }
    if (!b || avail < 2)
        return ended(w, err, "the file ends inside the marker at byte %" PRIu64,
                     w->pos);
    seg->marker = b[1];
    seg->offset = w->pos;
    if (seg->marker == DK_JPEG_SOI || seg->marker == 0x00)
        return dk_error_set(
            err, DK_ERR_INVALID, "corrupt JPEG: unexpected %s at byte %" PRIu64,
            seg->marker == DK_JPEG_SOI ? "second SOI marker" : "byte 0xFF00",
            seg->offset);
    if (is_standalone(seg->marker)) {
        seg->payload_offset = seg->end = seg->offset + 2;
    } else {
        rc = read_length(w, b, avail, seg, err);
        if (rc < 0)
            return rc;
    }
    if (w->fd < 0)
        seg->payload = w->data + seg->payload_offset;
    w->pos = seg->end;
    if (seg->marker == DK_JPEG_SOS)
        w->in_scan = w->seen_scan = true;
    return 0;
}

int dk_jpeg_walk_payload(dk_jpeg_walk *w, const dk_jpeg_segment *seg,
                         const uint8_t **payload, dk_error *err)
{
    if (seg->payload || seg->length == 0) {
        *payload = seg->payload ? seg->payload : (const uint8_t *)"";
        return 0;
    }
    size_t avail = 0;
    *payload = bytes_at(w, seg->payload_offset, seg->length, &avail);
    if (*payload && avail >= seg->length)
        return 0;
    *payload = NULL;
    if (w->io_errno)
        return read_failed(w, err);
    char name[8];
    return dk_error_set(err, DK_ERR_INVALID,
                        "truncated JPEG data: the %s segment at byte %" PRIu64
                        " runs past the end of the file",
                        dk_jpeg_marker_name(seg->marker, name), seg->offset);
}
