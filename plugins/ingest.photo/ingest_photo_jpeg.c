/* Structural JPEG check without decoding. Ingest must cost little more
 * than hashing and copying, so this reads the file once, front to back,
 * through a window: marker segments are skipped by their lengths and the
 * entropy-coded data is searched for its end with memchr. pread() rather
 * than mmap, so a card reader's I/O error is an error and not SIGBUS. */
#include "ingest_photo.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define JPEG_WINDOW (256 * 1024)

typedef struct jpeg_reader {
    int fd;
    uint64_t size;
    uint8_t *buf;
    uint64_t start; /* file offset of buf[0] */
    size_t len;     /* valid bytes in buf */
    int io_errno;   /* set when pread failed, as opposed to end of file */
} jpeg_reader;

/* Bytes from offset on, with at least `want` of them in the window when
 * the file has them (want <= JPEG_WINDOW). NULL at end of file or on an
 * I/O error; *avail is how many bytes the pointer covers. */
static const uint8_t *reader_at(jpeg_reader *r, uint64_t offset, size_t want,
                                size_t *avail)
{
    if (offset >= r->size)
        return NULL;
    if (offset < r->start || offset + want > r->start + r->len) {
        uint64_t left = r->size - offset;
        size_t fill = left < JPEG_WINDOW ? (size_t)left : JPEG_WINDOW;
        size_t got = 0;
        while (got < fill) {
            ssize_t n =
                pread(r->fd, r->buf + got, fill - got, (off_t)(offset + got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                r->io_errno = errno;
                r->len = 0;
                return NULL;
            }
            if (n == 0)
                break; /* the file shrank since fstat: treat as its end */
            got += (size_t)n;
        }
        r->start = offset;
        r->len = got;
        if (got == 0)
            return NULL;
    }
    *avail = (size_t)(r->start + r->len - offset);
    return r->buf + (offset - r->start);
}

static unsigned read_be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Frame header markers: which coding each one means. */
typedef enum {
    SOF_SUPPORTED,
    SOF_LOSSLESS,
    SOF_HIERARCHICAL,
    SOF_ARITHMETIC
} sof_coding;

static bool marker_is_sof(unsigned m)
{
    /* C4 DHT, C8 JPG and CC DAC share the range but are not frames */
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static sof_coding sof_coding_of(unsigned m)
{
    if (m >= 0xC9)
        return SOF_ARITHMETIC;
    if (m >= 0xC5)
        return SOF_HIERARCHICAL;
    if (m == 0xC3)
        return SOF_LOSSLESS;
    return SOF_SUPPORTED;
}

/* "DQT", "APP1", "SOF2", ... for messages; "0xFFxx" for the rest. */
static const char *marker_name(unsigned m, char buf[8])
{
    static const struct {
        unsigned marker;
        const char *name;
    } names[] = {{0xC4, "DHT"}, {0xCC, "DAC"}, {0xDA, "SOS"}, {0xDB, "DQT"},
                 {0xDC, "DNL"}, {0xDD, "DRI"}, {0xFE, "COM"}};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (names[i].marker == m)
            return names[i].name;
    if (marker_is_sof(m))
        g_snprintf(buf, 8, "SOF%u", m - 0xC0);
    else if (m >= 0xE0 && m <= 0xEF)
        g_snprintf(buf, 8, "APP%u", m - 0xE0);
    else
        g_snprintf(buf, 8, "0xFF%02X", m);
    return buf;
}

static int io_error(jpeg_reader *r, dk_error *err)
{
    return dk_error_set(err, DK_ERR_IO, "cannot read: %s",
                        g_strerror(r->io_errno));
}

/* Checks a frame header (SOFn payload of len bytes). */
static int parse_sof(unsigned marker, const uint8_t *p, unsigned len,
                     ingest_photo_jpeg *info, dk_error *err)
{
    static const char *const coding_names[] = {
        [SOF_LOSSLESS] = "lossless",
        [SOF_HIERARCHICAL] = "hierarchical",
        [SOF_ARITHMETIC] = "arithmetic-coded",
    };
    sof_coding coding = sof_coding_of(marker);
    if (coding != SOF_SUPPORTED)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "%s JPEG (SOF%u) is not supported",
                            coding_names[coding], marker - 0xC0);
    if (len < 6)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG: frame header too short");
    unsigned precision = p[0];
    unsigned height = read_be16(p + 1), width = read_be16(p + 3);
    unsigned components = p[5];
    if (len != 6 + 3 * components)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG: frame header length %u does not "
                            "fit %u components",
                            len + 2, components);
    if (precision != 8)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "%u-bit JPEG is not supported", precision);
    if (width == 0 || height == 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "invalid JPEG dimensions %ux%u", width, height);
    if (width > INGEST_PHOTO_MAX_SIDE || height > INGEST_PHOTO_MAX_SIDE)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "JPEG dimensions %ux%u exceed the %d-pixel limit",
                            width, height, INGEST_PHOTO_MAX_SIDE);
    if ((long long)width * height > INGEST_PHOTO_MAX_PIXELS)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "JPEG of %ux%u (%lld MP) exceeds the %lld MP limit",
                            width, height, (long long)width * height / 1000000,
                            INGEST_PHOTO_MAX_PIXELS / 1000000);
    if (components != 1 && components != 3 && components != 4)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "JPEG with %u colour components is not supported",
                            components);
    for (unsigned c = 0; c < components; c++) {
        unsigned h = p[6 + 3 * c + 1] >> 4, v = p[6 + 3 * c + 1] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4 || p[6 + 3 * c + 2] > 3)
            return dk_error_set(err, DK_ERR_INVALID,
                                "corrupt JPEG: bad sampling or table in the "
                                "frame header (component %u)",
                                c + 1);
    }
    info->width = (int)width;
    info->height = (int)height;
    info->components = (int)components;
    info->progressive = marker == 0xC2;
    return 0;
}

/* Application segments we learn from: EXIF, JFIF, Adobe's colour
 * transform (which tells YCCK from CMYK). */
static void parse_app(unsigned marker, uint64_t payload_offset,
                      const uint8_t *p, unsigned len, ingest_photo_jpeg *info)
{
    if (marker == 0xE1 && info->exif_size == 0 && len > 6 &&
        memcmp(p, "Exif\0", 5) == 0) {
        /* "Exif\0\0" then the TIFF structure */
        info->exif_offset = payload_offset + 6;
        info->exif_size = len - 6;
    } else if (marker == 0xE0 && len >= 5 && memcmp(p, "JFIF\0", 5) == 0) {
        info->jfif = true;
    } else if (marker == 0xEE && len >= 12 && memcmp(p, "Adobe", 5) == 0) {
        info->adobe_transform = p[11];
    }
}

/* From the first byte after a scan header, finds the marker that ends the
 * entropy-coded data: 0xFF followed by anything but a stuffed zero, a
 * restart marker or another fill 0xFF. *pos becomes the marker's 0xFF. */
static int skip_entropy_data(jpeg_reader *r, uint64_t *pos, dk_error *err)
{
    uint64_t p = *pos;
    for (;;) {
        size_t avail = 0;
        const uint8_t *b = reader_at(r, p, 2, &avail);
        if (!b)
            break;
        const uint8_t *ff = memchr(b, 0xFF, avail);
        if (!ff) {
            p += avail;
            continue;
        }
        uint64_t at = p + (uint64_t)(ff - b);
        const uint8_t *next = reader_at(r, at + 1, 1, &avail);
        if (!next)
            break;
        if (*next == 0x00 || (*next >= 0xD0 && *next <= 0xD7)) {
            p = at + 2;
        } else if (*next == 0xFF) {
            p = at + 1;
        } else {
            *pos = at;
            return 0;
        }
    }
    if (r->io_errno)
        return io_error(r, err);
    return dk_error_set(err, DK_ERR_INVALID,
                        "truncated JPEG: image data ends without an end "
                        "marker (EOI)");
}

/* Reads one marker segment's payload (len bytes after the length field)
 * into view, failing when the file ends inside it. */
static int segment_payload(jpeg_reader *r, unsigned marker, uint64_t offset,
                           unsigned len, const uint8_t **view, dk_error *err)
{
    size_t avail = 0;
    *view = len ? reader_at(r, offset, len, &avail) : r->buf;
    if (len && (!*view || avail < len)) {
        if (r->io_errno)
            return io_error(r, err);
        char name[8];
        return dk_error_set(err, DK_ERR_INVALID,
                            "truncated JPEG: the %s segment at byte %llu "
                            "runs past the end of the file",
                            marker_name(marker, name),
                            (unsigned long long)offset - 4);
    }
    return 0;
}

static int check_sos(const uint8_t *p, unsigned len,
                     const ingest_photo_jpeg *info, dk_error *err)
{
    if (info->components == 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG: image data (SOS) before the frame "
                            "header (SOF)");
    if (len < 1 || p[0] < 1 || p[0] > 4 || len != 4 + 2u * p[0])
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt JPEG: bad scan header (SOS)");
    return 0;
}

/* The marker loop. Standalone markers (TEM, RSTn) have no length. */
static int walk_markers(jpeg_reader *r, ingest_photo_jpeg *info, dk_error *err)
{
    uint64_t pos = 2; /* after SOI, checked by the caller */
    bool seen_scan = false;
    for (;;) {
        size_t avail = 0;
        const uint8_t *b = reader_at(r, pos, 4, &avail);
        if (b && b[0] != 0xFF)
            return dk_error_set(err, DK_ERR_INVALID,
                                "corrupt JPEG: expected a marker at byte "
                                "%llu, found 0x%02X",
                                (unsigned long long)pos, b[0]);
        /* any number of 0xFF may pad before a marker */
        while (b && avail >= 2 && b[1] == 0xFF) {
            pos++;
            b = reader_at(r, pos, 4, &avail);
        }
        if (!b || avail < 2) {
            if (r->io_errno)
                return io_error(r, err);
            return dk_error_set(err, DK_ERR_INVALID,
                                seen_scan ? "truncated JPEG: no end marker "
                                            "(EOI)"
                                          : "truncated JPEG: the file ends "
                                            "before the image data");
        }
        unsigned marker = b[1];
        if (marker == 0xD9) {
            if (!seen_scan)
                return dk_error_set(err, DK_ERR_INVALID,
                                    "corrupt JPEG: no image data (end "
                                    "marker before any scan)");
            info->end = pos + 2;
            return 0;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            pos += 2;
            continue;
        }
        if (marker == 0xD8 || marker == 0x00)
            return dk_error_set(
                err, DK_ERR_INVALID, "corrupt JPEG: unexpected %s at byte %llu",
                marker == 0xD8 ? "start marker (SOI)" : "byte 0xFF00",
                (unsigned long long)pos);
        if (avail < 4)
            return dk_error_set(err, DK_ERR_INVALID,
                                "truncated JPEG: the file ends inside the "
                                "marker at byte %llu",
                                (unsigned long long)pos);
        unsigned length = read_be16(b + 2);
        char name[8];
        if (length < 2)
            return dk_error_set(err, DK_ERR_INVALID,
                                "corrupt JPEG: %s segment length %u at byte "
                                "%llu",
                                marker_name(marker, name), length,
                                (unsigned long long)pos);
        if (pos + 2 + length > r->size)
            return dk_error_set(err, DK_ERR_INVALID,
                                "corrupt or truncated JPEG: the %s segment at "
                                "byte %llu is %u bytes long, past the end of "
                                "the file (%llu bytes)",
                                marker_name(marker, name),
                                (unsigned long long)pos, length,
                                (unsigned long long)r->size);
        uint64_t payload = pos + 4;
        unsigned len = length - 2;
        pos = payload + len;

        /* only these segments are read; the rest are skipped unread */
        bool wanted = marker_is_sof(marker) || marker == 0xDA ||
                      marker == 0xE0 || marker == 0xE1 || marker == 0xEE;
        if (!wanted)
            continue;
        const uint8_t *p = NULL;
        int rc = segment_payload(r, marker, payload, len, &p, err);
        if (rc < 0)
            return rc;
        if (marker_is_sof(marker)) {
            if (info->components)
                return dk_error_set(err, DK_ERR_UNSUPPORTED,
                                    "JPEG with more than one frame header "
                                    "is not supported");
            rc = parse_sof(marker, p, len, info, err);
        } else if (marker == 0xDA) {
            rc = check_sos(p, len, info, err);
            if (rc == 0) {
                seen_scan = true;
                rc = skip_entropy_data(r, &pos, err);
            }
        } else {
            parse_app(marker, payload, p, len, info);
        }
        if (rc < 0)
            return rc;
    }
}

int ingest_photo_jpeg_scan(int fd, uint64_t size, ingest_photo_jpeg *info,
                           dk_error *err)
{
    memset(info, 0, sizeof *info);
    info->adobe_transform = -1;
    if (size < 4)
        return dk_error_set(err, DK_ERR_INVALID,
                            "truncated JPEG: only %llu bytes",
                            (unsigned long long)size);
    jpeg_reader reader = {.fd = fd, .size = size};
    reader.buf = g_malloc(JPEG_WINDOW);
    size_t avail = 0;
    const uint8_t *head = reader_at(&reader, 0, 2, &avail);
    int rc;
    if (!head)
        rc = reader.io_errno ? io_error(&reader, err)
                             : dk_error_set(err, DK_ERR_INVALID,
                                            "the file shrank while read");
    else if (avail < 2 || head[0] != 0xFF || head[1] != 0xD8)
        rc = dk_error_set(err, DK_ERR_INVALID, "not a JPEG (no SOI marker)");
    else
        rc = walk_markers(&reader, info, err);
    g_free(reader.buf);
    return rc;
}

const char *ingest_photo_jpeg_colorspace(const ingest_photo_jpeg *info)
{
    switch (info->components) {
    case 1:
        return "grey";
    case 3:
        /* Adobe transform 0 on three components means plain RGB */
        return info->adobe_transform == 0 ? "rgb" : "ycbcr";
    case 4:
        return info->adobe_transform == 2 ? "ycck" : "cmyk";
    default:
        return "unknown";
    }
}
