/* stamp.exif — Photoshop image resources: find and replace the IIM.
 *
 * libiptcdata can swap the IIM resource (iptc_jpeg_ps3_save_iptc) but
 * keeps duplicates, leaves a stale IPTC digest behind (MWG readers then
 * distrust the IIM) and reads a Pascal name length through a plain char;
 * the list itself is simple enough to walk here. */
#include "stamp_exif_irb.h"

#include <stdbool.h>
#include <string.h>

typedef struct resource {
    const uint8_t *start; /* signature */
    size_t size;          /* whole resource with its padding */
    uint16_t id;
    const uint8_t *data;
    size_t data_size;
} resource;

/* Signatures Photoshop and its peers use for image resources. */
static bool known_signature(const uint8_t *p)
{
    static const char *const signatures[] = {"8BIM", "PHUT", "AgHg", "DCSR",
                                             "MeSa"};
    for (size_t i = 0; i < G_N_ELEMENTS(signatures); i++)
        if (memcmp(p, signatures[i], 4) == 0)
            return true;
    return false;
}

static bool only_zeros(const uint8_t *p, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (p[i])
            return false;
    return true;
}

/* Reads the resource at *pos: 1 and *r filled, 0 at the end (trailing zero
 * padding counts as the end), or a negative error. */
static int next_resource(const uint8_t *p, size_t size, size_t *pos,
                         resource *r, dk_error *err)
{
    size_t at = *pos;
    if (at >= size || only_zeros(p + at, size - at))
        return 0;
    if (size - at < 12 || !known_signature(p + at))
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt Photoshop block: no resource signature "
                            "at byte %zu",
                            at);
    size_t name = 1 + p[at + 6];
    name += name & 1; /* the Pascal name is padded to an even length */
    if (size - at - 6 < name + 4)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt Photoshop block: resource name at byte "
                            "%zu runs past the end",
                            at);
    const uint8_t *sz = p + at + 6 + name;
    size_t data_size = ((size_t)sz[0] << 24) | ((size_t)sz[1] << 16) |
                       ((size_t)sz[2] << 8) | sz[3];
    size_t header = 6 + name + 4;
    if (data_size > size - at - header)
        return dk_error_set(err, DK_ERR_INVALID,
                            "corrupt Photoshop block: resource 0x%04X at byte "
                            "%zu claims %zu bytes, past the end",
                            (p[at + 4] << 8) | p[at + 5], at, data_size);
    r->start = p + at;
    r->id = (uint16_t)((p[at + 4] << 8) | p[at + 5]);
    r->data = p + at + header;
    r->data_size = data_size;
    /* the data is padded to even too; the last resource may omit it */
    r->size = MIN(header + data_size + (data_size & 1), size - at);
    *pos = at + r->size;
    return 1;
}

int stamp_exif_irb_find_iim(const uint8_t *irb, size_t size,
                            const uint8_t **iim, size_t *iim_size,
                            dk_error *err)
{
    *iim = NULL;
    *iim_size = 0;
    size_t pos = 0;
    resource r = {0};
    int rc;
    while ((rc = next_resource(irb, size, &pos, &r, err)) > 0) {
        if (r.id == STAMP_EXIF_IRB_IPTC && !*iim) {
            *iim = r.data;
            *iim_size = r.data_size;
        }
    }
    return rc;
}

static void append_resource(GByteArray *out, uint16_t id, const uint8_t *data,
                            size_t size)
{
    const uint8_t header[12] = {'8',
                                'B',
                                'I',
                                'M',
                                (uint8_t)(id >> 8),
                                (uint8_t)id,
                                0,
                                0, /* empty name, padded */
                                (uint8_t)(size >> 24),
                                (uint8_t)(size >> 16),
                                (uint8_t)(size >> 8),
                                (uint8_t)size};
    g_byte_array_append(out, header, sizeof(header));
    g_byte_array_append(out, data, (guint)size);
    if (size & 1)
        g_byte_array_append(out, (const guint8 *)"", 1);
}

static void append_digest(GByteArray *out, const uint8_t *iim, size_t size)
{
    uint8_t digest[16];
    gsize digest_size = sizeof(digest);
    GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
    g_checksum_update(md5, iim, (gssize)size);
    g_checksum_get_digest(md5, digest, &digest_size);
    g_checksum_free(md5);
    append_resource(out, STAMP_EXIF_IRB_DIGEST, digest, sizeof(digest));
}

void stamp_exif_irb_replace_iim(const uint8_t *irb, size_t size,
                                const uint8_t *iim, size_t iim_size,
                                GByteArray *out)
{
    bool wrote_iim = false, wrote_digest = false;
    size_t pos = 0;
    resource r = {0};
    while (irb && next_resource(irb, size, &pos, &r, NULL) > 0) {
        if (r.id == STAMP_EXIF_IRB_IPTC) {
            if (!wrote_iim)
                append_resource(out, STAMP_EXIF_IRB_IPTC, iim, iim_size);
            wrote_iim = true;
        } else if (r.id == STAMP_EXIF_IRB_DIGEST) {
            if (!wrote_digest)
                append_digest(out, iim, iim_size);
            wrote_digest = true;
        } else {
            g_byte_array_append(out, r.start, (guint)r.size);
            /* a last resource without its pad byte gets it back, so the
             * resources we append stay aligned */
            if (r.size & 1)
                g_byte_array_append(out, (const guint8 *)"", 1);
        }
    }
    if (!wrote_iim)
        append_resource(out, STAMP_EXIF_IRB_IPTC, iim, iim_size);
    if (!wrote_digest)
        append_digest(out, iim, iim_size);
}
