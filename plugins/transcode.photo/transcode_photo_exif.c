/* transcode.photo — the few EXIF edits a derivative needs.
 *
 * Patching happens in place in a copy of the camera's TIFF structure
 * rather than through a load/save with libexif: a round trip re-lays the
 * block out and can break maker notes whose offsets point into it, while
 * overwriting a fixed-size value cannot. Every offset is bounds-checked;
 * hostile blocks make the patch fail, never read past the segment. */
#include "transcode_photo.h"

#include <libexif/exif-data.h>
#include <stdlib.h>
#include <string.h>

enum {
    TAG_ORIENTATION = 0x0112,
    TAG_EXIF_IFD = 0x8769,
    TAG_PIXEL_X = 0xA002,
    TAG_PIXEL_Y = 0xA003,
    TYPE_ASCII = 2,
    TYPE_SHORT = 3,
    TYPE_LONG = 4,
};

typedef struct tiff {
    uint8_t *p; /* TIFF header, after "Exif\0\0" */
    size_t n;
    bool big_endian;
} tiff;

static uint32_t rd16(const tiff *t, size_t off)
{
    const uint8_t *b = t->p + off;
    return t->big_endian ? (uint32_t)b[0] << 8 | b[1]
                         : (uint32_t)b[1] << 8 | b[0];
}

static uint32_t rd32(const tiff *t, size_t off)
{
    const uint8_t *b = t->p + off;
    return t->big_endian ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                               (uint32_t)b[2] << 8 | b[3]
                         : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
                               (uint32_t)b[1] << 8 | b[0];
}

static void wr16(const tiff *t, size_t off, uint32_t v)
{
    uint8_t *b = t->p + off;
    b[t->big_endian ? 0 : 1] = (uint8_t)(v >> 8);
    b[t->big_endian ? 1 : 0] = (uint8_t)v;
}

static void wr32(const tiff *t, size_t off, uint32_t v)
{
    uint8_t *b = t->p + off;
    for (int i = 0; i < 4; i++)
        b[t->big_endian ? i : 3 - i] = (uint8_t)(v >> (24 - 8 * i));
}

static bool tiff_open(tiff *t, const uint8_t *payload, size_t size)
{
    if (size < 6 + 8 || memcmp(payload, "Exif\0\0", 6) != 0)
        return false;
    t->p = (uint8_t *)payload + 6;
    t->n = size - 6;
    if (t->p[0] == 'M' && t->p[1] == 'M')
        t->big_endian = true;
    else if (t->p[0] == 'I' && t->p[1] == 'I')
        t->big_endian = false;
    else
        return false;
    return rd16(t, 2) == 42;
}

/* The entry count of the IFD at off, or -1 when its table does not fit. */
static int ifd_count(const tiff *t, uint32_t off)
{
    if (off < 8 || (size_t)off > t->n - 2)
        return -1;
    uint32_t count = rd16(t, off);
    if ((size_t)count * 12 > t->n - off - 2)
        return -1;
    return (int)count;
}

static void set_dimension(const tiff *t, size_t entry, uint32_t value)
{
    uint32_t type = rd16(t, entry + 2);
    if (rd32(t, entry + 4) != 1)
        return;
    if (type == TYPE_SHORT && value <= 0xFFFF) {
        wr16(t, entry + 8, value);
        wr16(t, entry + 10, 0);
    } else if (type == TYPE_LONG) {
        wr32(t, entry + 8, value);
    }
}

bool transcode_photo_exif_patch(uint8_t *payload, size_t size, int width,
                                int height)
{
    tiff t;
    if (!tiff_open(&t, payload, size))
        return false;
    uint32_t ifd0 = rd32(&t, 4);
    int count = ifd_count(&t, ifd0);
    if (count < 0)
        return false;
    uint32_t exif_ifd = 0;
    for (int i = 0; i < count; i++) {
        size_t e = (size_t)ifd0 + 2 + (size_t)i * 12;
        uint32_t tag = rd16(&t, e);
        if (tag == TAG_ORIENTATION && rd16(&t, e + 2) == TYPE_SHORT)
            wr16(&t, e + 8, 1);
        else if (tag == TAG_EXIF_IFD)
            exif_ifd = rd32(&t, e + 8);
    }
    /* IFD1 holds the camera's thumbnail in the old orientation; unlink it
     * so no viewer shows it sideways next to the upright photo. */
    size_t next = (size_t)ifd0 + 2 + (size_t)count * 12;
    if (next + 4 <= t.n)
        wr32(&t, next, 0);

    int exif_count = exif_ifd ? ifd_count(&t, exif_ifd) : -1;
    for (int i = 0; i < exif_count; i++) {
        size_t e = (size_t)exif_ifd + 2 + (size_t)i * 12;
        uint32_t tag = rd16(&t, e);
        if (tag == TAG_PIXEL_X)
            set_dimension(&t, e, (uint32_t)width);
        else if (tag == TAG_PIXEL_Y)
            set_dimension(&t, e, (uint32_t)height);
    }
    return true;
}

GBytes *transcode_photo_exif_ascii(const uint8_t *payload, size_t size,
                                   uint16_t tag)
{
    tiff t;
    if (!tiff_open(&t, payload, size))
        return NULL;
    uint32_t ifd0 = rd32(&t, 4);
    int count = ifd_count(&t, ifd0);
    for (int i = 0; i < count; i++) {
        size_t e = (size_t)ifd0 + 2 + (size_t)i * 12;
        if (rd16(&t, e) != tag || rd16(&t, e + 2) != TYPE_ASCII)
            continue;
        uint32_t n = rd32(&t, e + 4);
        size_t at = n <= 4 ? e + 8 : rd32(&t, e + 8);
        if (n == 0 || at > t.n || n > t.n - at)
            return NULL;
        while (n > 0 && t.p[at + n - 1] == '\0')
            n--;
        return n ? g_bytes_new(t.p + at, n) : NULL;
    }
    return NULL;
}

static void add_ascii(ExifData *data, ExifTag tag, GBytes *value)
{
    if (!value)
        return;
    gsize len = 0;
    const void *raw = g_bytes_get_data(value, &len);
    ExifEntry *entry = exif_entry_new();
    if (!entry)
        return;
    /* exif_entry_new() uses the default allocator, which is malloc; the
     * entry frees its data the same way. */
    entry->data = malloc(len + 1);
    if (entry->data) {
        memcpy(entry->data, raw, len);
        entry->data[len] = '\0';
        entry->tag = tag;
        entry->format = EXIF_FORMAT_ASCII;
        entry->components = len + 1;
        entry->size = (unsigned)(len + 1);
        exif_content_add_entry(data->ifd[EXIF_IFD_0], entry);
    }
    exif_entry_unref(entry);
}

/* Sets a one-value SHORT or LONG tag, creating it when missing. Entry
 * data comes from libexif's default allocator (malloc family). */
static void set_number(ExifData *data, ExifIfd ifd, ExifTag tag,
                       ExifFormat format, uint32_t value)
{
    unsigned size = format == EXIF_FORMAT_SHORT ? 2 : 4;
    ExifEntry *entry = exif_content_get_entry(data->ifd[ifd], tag);
    if (!entry) {
        entry = exif_entry_new();
        if (!entry)
            return;
        entry->data = calloc(1, size);
        if (!entry->data) {
            exif_entry_unref(entry);
            return;
        }
        entry->tag = tag;
        entry->size = size;
        exif_content_add_entry(data->ifd[ifd], entry);
        exif_entry_unref(entry); /* the IFD holds it now */
    } else if (entry->size < size) {
        unsigned char *bigger = realloc(entry->data, size);
        if (!bigger)
            return;
        entry->data = bigger;
    }
    entry->format = format;
    entry->components = 1;
    entry->size = size;
    ExifByteOrder order = exif_data_get_byte_order(data);
    if (format == EXIF_FORMAT_SHORT)
        exif_set_short(entry->data, order, (ExifShort)value);
    else
        exif_set_long(entry->data, order, value);
}

GBytes *transcode_photo_exif_build_copyright(GBytes *artist, GBytes *copyright,
                                             int width, int height)
{
    if (!artist && !copyright)
        return NULL;
    ExifData *data = exif_data_new();
    if (!data)
        return NULL;
    exif_data_set_byte_order(data, EXIF_BYTE_ORDER_INTEL);
    add_ascii(data, EXIF_TAG_ARTIST, artist);
    add_ascii(data, EXIF_TAG_COPYRIGHT, copyright);
    /* What the standard requires of every JPEG's EXIF, so that validators
     * accept the minimal block: resolution and versions from libexif,
     * the rest here. */
    exif_data_fix(data);
    set_number(data, EXIF_IFD_0, EXIF_TAG_YCBCR_POSITIONING, EXIF_FORMAT_SHORT,
               1);
    set_number(data, EXIF_IFD_EXIF, EXIF_TAG_COLOR_SPACE, EXIF_FORMAT_SHORT,
               1); /* sRGB */
    set_number(data, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION,
               EXIF_FORMAT_LONG, (uint32_t)width);
    set_number(data, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION,
               EXIF_FORMAT_LONG, (uint32_t)height);
    ExifEntry *components = exif_content_get_entry(
        data->ifd[EXIF_IFD_EXIF], EXIF_TAG_COMPONENTS_CONFIGURATION);
    if (!components) {
        components = exif_entry_new();
        if (components) {
            exif_content_add_entry(data->ifd[EXIF_IFD_EXIF], components);
            exif_entry_initialize(components,
                                  EXIF_TAG_COMPONENTS_CONFIGURATION);
            exif_entry_unref(components);
        }
    }
    unsigned char *buf = NULL;
    unsigned int len = 0;
    exif_data_save_data(data, &buf, &len);
    exif_data_unref(data);
    GBytes *out = buf && len ? g_bytes_new(buf, len) : NULL;
    free(buf);
    return out;
}
