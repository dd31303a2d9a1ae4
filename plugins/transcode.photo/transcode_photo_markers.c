/* transcode.photo — which metadata segments of the source a derivative
 * carries, and in what shape.
 *
 * The derivative is a new JPEG from the encoder; its metadata is copied
 * from the source's segments rather than rebuilt, so maker notes, IPTC
 * and XMP written by stamp.exif survive byte for byte. Only what would now
 * be wrong is patched: the orientation (pixels are upright now) and the
 * pixel dimensions. */
#include "transcode_photo.h"

#include <string.h>

#include "jpeg_segments.h"

static const char EXIF_ID[] = "Exif\0"; /* + one more NUL */
static const char XMP_ID[] = "http://ns.adobe.com/xap/1.0/";
static const char XMP_EXT_ID[] = "http://ns.adobe.com/xmp/extension/";
static const char ICC_ID[] = "ICC_PROFILE";
static const char IPTC_ID[] = "Photoshop 3.0";

/* True when payload starts with id including its terminating NUL. */
static bool has_id(const uint8_t *p, size_t n, const char *id, size_t id_len)
{
    return n >= id_len + 1 && memcmp(p, id, id_len + 1) == 0;
}

/* Files one metadata segment (marker, payload) where it belongs. */
static void sort_segment(uint8_t marker, transcode_photo_segment seg,
                         transcode_photo_markers *m)
{
    const uint8_t *p = seg.payload;
    size_t n = seg.size;
    if (marker == DK_JPEG_APP1 && n >= 6 && memcmp(p, EXIF_ID, 6) == 0) {
        if (!m->exif.payload) /* a second EXIF block is junk */
            m->exif = seg;
    } else if (marker == DK_JPEG_APP1 &&
               has_id(p, n, XMP_ID, sizeof XMP_ID - 1)) {
        if (!m->xmp.payload)
            m->xmp = seg;
    } else if (marker == DK_JPEG_APP1 &&
               has_id(p, n, XMP_EXT_ID, sizeof XMP_EXT_ID - 1)) {
        g_array_append_val(m->xmp_extended, seg);
    } else if (marker == DK_JPEG_APP2 &&
               has_id(p, n, ICC_ID, sizeof ICC_ID - 1)) {
        g_array_append_val(m->icc, seg);
    } else if (marker == DK_JPEG_APP13 &&
               has_id(p, n, IPTC_ID, sizeof IPTC_ID - 1)) {
        g_array_append_val(m->iptc, seg);
    } else if (marker == DK_JPEG_APP14 && n >= 5 &&
               memcmp(p, "Adobe", 5) == 0) {
        m->adobe = true;
    }
}

int transcode_photo_markers_scan(const uint8_t *data, size_t size,
                                 transcode_photo_markers *m, dk_error *err)
{
    memset(m, 0, sizeof(*m));
    m->xmp_extended =
        g_array_new(FALSE, FALSE, sizeof(transcode_photo_segment));
    m->icc = g_array_new(FALSE, FALSE, sizeof(transcode_photo_segment));
    m->iptc = g_array_new(FALSE, FALSE, sizeof(transcode_photo_segment));
    if (size == 0)
        return dk_error_set(err, DK_ERR_INVALID, "empty file, not a JPEG");
    if (size >= 12 && memcmp(data + 4, "ftyp", 4) == 0)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "HEIF/HEIC photos are not supported here yet "
                            "(JPEG only)");
    dk_jpeg_walk walk;
    dk_jpeg_walk_memory(&walk, data, size);
    dk_jpeg_segment found;
    int rc;
    /* up to the first scan, or an EOI without one (the decoder then says
     * what is wrong with the image) */
    while ((rc = dk_jpeg_walk_next(&walk, &found, err)) == 0 &&
           found.marker != DK_JPEG_SOS && found.marker != DK_JPEG_EOI)
        sort_segment(found.marker,
                     (transcode_photo_segment){found.payload, found.length}, m);
    dk_jpeg_walk_clear(&walk);
    return rc;
}

void transcode_photo_markers_clear(transcode_photo_markers *m)
{
    if (m->xmp_extended)
        g_array_free(m->xmp_extended, TRUE);
    if (m->icc)
        g_array_free(m->icc, TRUE);
    if (m->iptc)
        g_array_free(m->iptc, TRUE);
    memset(m, 0, sizeof(*m));
}

static void append_segment(GByteArray *out, uint8_t marker, const void *p,
                           size_t n)
{
    if (n > 0xFFFF - 2)
        return; /* cannot be one segment; sources never hold such */
    uint8_t head[4] = {0xFF, marker, (uint8_t)((n + 2) >> 8),
                       (uint8_t)((n + 2) & 0xFF)};
    g_byte_array_append(out, head, 4);
    g_byte_array_append(out, p, (guint)n);
}

static void append_all(GByteArray *out, uint8_t marker, const GArray *segs)
{
    for (guint i = 0; segs && i < segs->len; i++) {
        const transcode_photo_segment *s =
            &g_array_index(segs, transcode_photo_segment, i);
        append_segment(out, marker, s->payload, s->size);
    }
}

/* XMP may repeat the orientation as tiff:Orientation="6" or as an
 * element; viewers that read XMP would turn the upright pixels again. The
 * digit is replaced in place, so the packet keeps its length. */
static void xmp_reset_orientation(uint8_t *p, size_t n)
{
    static const char name[] = "tiff:Orientation";
    const size_t name_len = sizeof name - 1;
    uint8_t *end = p + n, *at = p;
    uint8_t *hit;
    while (at < end &&
           (hit = memmem(at, (size_t)(end - at), name, name_len)) != NULL) {
        uint8_t *v = hit + name_len;
        while (v < end && strchr(" \t\r\n=\"'>", *v) && *v)
            v++;
        if (v < end && *v >= '1' && *v <= '8' &&
            (v + 1 == end || v[1] < '0' || v[1] > '9'))
            *v = '1';
        at = hit + name_len;
    }
}

static void append_keep(const transcode_photo_markers *m, int width, int height,
                        GByteArray *out)
{
    if (m->exif.payload) {
        uint8_t *copy = g_memdup2(m->exif.payload, m->exif.size);
        /* A block we cannot patch is dropped: copied as it is, its old
         * orientation would turn the upright pixels a second time. */
        if (transcode_photo_exif_patch(copy, m->exif.size, width, height))
            append_segment(out, 0xE1, copy, m->exif.size);
        g_free(copy);
    }
    if (m->xmp.payload) {
        uint8_t *copy = g_memdup2(m->xmp.payload, m->xmp.size);
        xmp_reset_orientation(copy, m->xmp.size);
        append_segment(out, 0xE1, copy, m->xmp.size);
        g_free(copy);
    }
    append_all(out, 0xE1, m->xmp_extended);
}

/* XMP with only dc:creator and dc:rights, so tools that read XMP first
 * (Lightroom, digiKam, most CMSs) still find the credit. */
static void append_copyright_xmp(GBytes *artist, GBytes *copyright,
                                 GByteArray *out)
{
    GString *x = g_string_new(NULL);
    g_string_append_len(x, XMP_ID, sizeof XMP_ID); /* with its NUL */
    g_string_append(
        x, "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
           "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf="
           "\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description"
           " rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">");
    GBytes *values[2] = {artist, copyright};
    static const char *const open[2] = {
        "<dc:creator><rdf:Seq><rdf:li>",
        "<dc:rights><rdf:Alt><rdf:li xml:lang=\"x-default\">"};
    static const char *const close[2] = {"</rdf:li></rdf:Seq></dc:creator>",
                                         "</rdf:li></rdf:Alt></dc:rights>"};
    for (int i = 0; i < 2; i++) {
        if (!values[i])
            continue;
        gsize len = 0;
        const char *raw = g_bytes_get_data(values[i], &len);
        /* EXIF says ASCII but cameras and stampers write UTF-8 (or
         * Latin-1); XMP must be valid UTF-8. */
        char *valid = g_utf8_make_valid(raw, (gssize)len);
        char *escaped = g_markup_escape_text(valid, -1);
        g_string_append(x, open[i]);
        g_string_append(x, escaped);
        g_string_append(x, close[i]);
        g_free(escaped);
        g_free(valid);
    }
    g_string_append(x, "</rdf:Description></rdf:RDF></x:xmpmeta>"
                       "<?xpacket end=\"r\"?>");
    append_segment(out, 0xE1, x->str, x->len);
    g_string_free(x, TRUE);
}

static void append_copyright_only(const transcode_photo_markers *m, int width,
                                  int height, GByteArray *out)
{
    if (!m->exif.payload)
        return;
    GBytes *artist =
        transcode_photo_exif_ascii(m->exif.payload, m->exif.size, 0x013B);
    GBytes *copyright =
        transcode_photo_exif_ascii(m->exif.payload, m->exif.size, 0x8298);
    GBytes *exif =
        transcode_photo_exif_build_copyright(artist, copyright, width, height);
    if (exif) {
        gsize len = 0;
        const void *p = g_bytes_get_data(exif, &len);
        append_segment(out, 0xE1, p, len);
        append_copyright_xmp(artist, copyright, out);
        g_bytes_unref(exif);
    }
    if (artist)
        g_bytes_unref(artist);
    if (copyright)
        g_bytes_unref(copyright);
}

void transcode_photo_metadata_build(const transcode_photo_markers *m,
                                    transcode_photo_metadata mode,
                                    bool keep_icc, int width, int height,
                                    GByteArray *out)
{
    if (mode == TRANSCODE_PHOTO_METADATA_KEEP)
        append_keep(m, width, height, out);
    else if (mode == TRANSCODE_PHOTO_METADATA_COPYRIGHT_ONLY)
        append_copyright_only(m, width, height, out);
    if (keep_icc)
        append_all(out, 0xE2, m->icc);
    if (mode == TRANSCODE_PHOTO_METADATA_KEEP)
        append_all(out, 0xED, m->iptc);
}
