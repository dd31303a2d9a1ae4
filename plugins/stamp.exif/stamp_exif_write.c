/* stamp.exif — rewriting the metadata segments of one JPEG.
 *
 * The input is mapped, not read: only the pages of the segments before the
 * image data are touched. The new header is assembled in memory and the
 * image data (usually >99 % of the file) goes from the input to the output
 * with copy_file_range(), so it never passes through user space. */
#include "stamp_exif_write.h"

#include <dokpim/fileio.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stamp_exif_exif.h"
#include "stamp_exif_iim.h"
#include "stamp_exif_irb.h"
#include "stamp_exif_jpeg.h"
#include "stamp_exif_mpf.h"
#include "stamp_exif_xmp.h"

typedef struct blocks {
    uint8_t *exif, *xmp;
    size_t exif_size, xmp_size;
    GByteArray *photoshop; /* resource list without its identifier */
} blocks;

static void blocks_clear(blocks *b)
{
    g_free(b->exif);
    g_free(b->xmp);
    if (b->photoshop)
        g_byte_array_unref(b->photoshop);
}

static const stamp_exif_segment *first_of(const stamp_exif_layout *layout,
                                          stamp_exif_segment_kind kind)
{
    for (size_t i = 0; i < layout->count; i++)
        if (layout->segments[i].kind == kind)
            return &layout->segments[i];
    return NULL;
}

/* Photoshop splits a resource list longer than one segment over several
 * APP13 segments; readers join them, and so do we. */
static const uint8_t *joined_photoshop(const stamp_exif_layout *layout,
                                       GByteArray *joined, size_t *size)
{
    const stamp_exif_segment *only = NULL;
    int count = 0;
    for (size_t i = 0; i < layout->count; i++) {
        const stamp_exif_segment *seg = &layout->segments[i];
        if (seg->kind != STAMP_EXIF_SEG_PHOTOSHOP)
            continue;
        only = seg;
        count++;
        g_byte_array_append(joined, seg->payload, (guint)seg->payload_size);
    }
    if (count == 0)
        return NULL;
    *size = count == 1 ? only->payload_size : joined->len;
    return count == 1 ? only->payload : joined->data;
}

static int build_photoshop(const stamp_exif_layout *layout,
                           const stamp_exif_fields *fields, blocks *b,
                           GPtrArray *warnings, dk_error *err)
{
    GByteArray *joined = g_byte_array_new();
    size_t size = 0;
    const uint8_t *irb = joined_photoshop(layout, joined, &size);
    const uint8_t *old_iim = NULL;
    size_t old_iim_size = 0;
    uint8_t *iim = NULL;
    size_t iim_size = 0;
    int rc =
        irb ? stamp_exif_irb_find_iim(irb, size, &old_iim, &old_iim_size, err)
            : 0;
    if (rc == 0)
        rc = stamp_exif_build_iim(old_iim, old_iim_size, fields, &iim,
                                  &iim_size, warnings, err);
    if (rc == 0) {
        b->photoshop = g_byte_array_new();
        stamp_exif_irb_replace_iim(irb, size, iim, iim_size, b->photoshop);
    }
    g_free(iim);
    g_byte_array_unref(joined);
    return rc;
}

static int build_blocks(const stamp_exif_layout *layout,
                        const stamp_exif_fields *fields, blocks *b,
                        GPtrArray *warnings, dk_error *err)
{
    const stamp_exif_segment *exif = first_of(layout, STAMP_EXIF_SEG_EXIF);
    const stamp_exif_segment *xmp = first_of(layout, STAMP_EXIF_SEG_XMP);
    /* libexif wants the block with its "Exif\0\0" identifier */
    int rc = stamp_exif_build_exif(
        exif ? exif->payload - exif->header_size : NULL,
        exif ? exif->payload_size + exif->header_size : 0, fields,
        layout->width, layout->height, &b->exif, &b->exif_size, warnings, err);
    if (rc == 0)
        rc = build_photoshop(layout, fields, b, warnings, err);
    if (rc == 0)
        rc = stamp_exif_build_xmp(xmp ? xmp->payload : NULL,
                                  xmp ? xmp->payload_size : 0, fields, &b->xmp,
                                  &b->xmp_size, warnings, err);
    return rc;
}

static void put_segment(GByteArray *out, uint8_t marker, const char *id,
                        size_t id_size, const uint8_t *payload, size_t size)
{
    size_t length = 2 + id_size + size; /* <= 65535, checked by the builders */
    const uint8_t head[4] = {0xFF, marker, (uint8_t)(length >> 8),
                             (uint8_t)length};
    g_byte_array_append(out, head, 4);
    g_byte_array_append(out, (const guint8 *)id, (guint)id_size);
    g_byte_array_append(out, payload, (guint)size);
}

static void put_block(GByteArray *out, stamp_exif_segment_kind kind,
                      const blocks *b)
{
    if (kind == STAMP_EXIF_SEG_EXIF) {
        /* the block already starts with "Exif\0\0" */
        put_segment(out, 0xE1, "", 0, b->exif, b->exif_size);
    } else if (kind == STAMP_EXIF_SEG_XMP) {
        put_segment(out, 0xE1, STAMP_EXIF_XMP_ID, STAMP_EXIF_XMP_ID_LEN, b->xmp,
                    b->xmp_size);
    } else {
        const size_t chunk = STAMP_EXIF_SEGMENT_MAX - STAMP_EXIF_PS_ID_LEN;
        for (size_t at = 0; at < b->photoshop->len; at += chunk)
            put_segment(out, 0xED, STAMP_EXIF_PS_ID, STAMP_EXIF_PS_ID_LEN,
                        b->photoshop->data + at,
                        MIN(chunk, b->photoshop->len - at));
    }
}

/* The header of the new file: SOI, then the old segments in order with
 * the first EXIF, XMP and Photoshop segments replaced and any further
 * copies dropped (their content was merged, a second block would be read
 * as a conflict). Blocks the source lacked go after JFIF and EXIF, where
 * the standards place them and before any APP2 (ICC, MPF). A multi-picture
 * index is patched for the moved images. */
static GByteArray *assemble(const uint8_t *data,
                            const stamp_exif_layout *layout, const blocks *b)
{
    static const stamp_exif_segment_kind ours[] = {
        STAMP_EXIF_SEG_EXIF, STAMP_EXIF_SEG_XMP, STAMP_EXIF_SEG_PHOTOSHOP};
    bool present[G_N_ELEMENTS(ours)], written[G_N_ELEMENTS(ours)] = {0};
    for (size_t k = 0; k < G_N_ELEMENTS(ours); k++)
        present[k] = first_of(layout, ours[k]) != NULL;

    GByteArray *out =
        g_byte_array_sized_new((guint)(layout->scan_offset + b->exif_size +
                                       b->xmp_size + b->photoshop->len + 64));
    g_byte_array_append(out, (const guint8 *)"\xFF\xD8", 2);
    bool inserted = false;
    const stamp_exif_segment *mpf = NULL;
    size_t mpf_at = 0;
    for (size_t i = 0; i <= layout->count; i++) {
        const stamp_exif_segment *seg =
            i < layout->count ? &layout->segments[i] : NULL;
        bool leading = seg && (seg->kind == STAMP_EXIF_SEG_JFIF ||
                               seg->kind == STAMP_EXIF_SEG_EXIF);
        if (!inserted && !leading) {
            for (size_t k = 0; k < G_N_ELEMENTS(ours); k++)
                if (!present[k])
                    put_block(out, ours[k], b);
            inserted = true;
        }
        if (!seg)
            break;
        size_t k = 0;
        while (k < G_N_ELEMENTS(ours) && ours[k] != seg->kind)
            k++;
        if (k == G_N_ELEMENTS(ours)) {
            if (seg->kind == STAMP_EXIF_SEG_MPF && !mpf) {
                mpf = seg;
                mpf_at = out->len;
            }
            /* verbatim, fill bytes and all */
            g_byte_array_append(out, data + seg->offset, (guint)seg->size);
        } else if (!written[k]) {
            put_block(out, ours[k], b);
            written[k] = true;
        }
    }
    if (mpf) {
        /* the primary image grew by the header's growth; the images
         * after it moved by the growth behind the MPF segment */
        long grown = (long)out->len - (long)layout->scan_offset;
        long behind_old = (long)(layout->scan_offset - mpf->offset - mpf->size);
        long behind_new = (long)(out->len - mpf_at - mpf->size);
        size_t payload_at =
            mpf_at + (size_t)(mpf->payload - data - mpf->offset);
        stamp_exif_mpf_adjust(out->data + payload_at, mpf->payload_size, grown,
                              behind_new - behind_old);
    }
    return out;
}

/* The image data, from the input file to the output file: in the kernel
 * when it can (copy_file_range), from the mapping otherwise. */
static int copy_tail(int in, const uint8_t *data, size_t from, size_t to,
                     FILE *stream, const char *output, dk_error *err)
{
    if (fflush(stream) != 0)
        return dk_error_set(err, DK_ERR_IO, "cannot write %s: %s", output,
                            g_strerror(errno));
    int out = fileno(stream);
    loff_t at = (loff_t)from;
    while ((size_t)at < to) {
        ssize_t n = copy_file_range(in, &at, out, NULL, to - (size_t)at, 0);
        if (n <= 0)
            break; /* not supported here, or nothing moved: fall back */
    }
    if ((size_t)at < to &&
        fwrite(data + at, 1, to - (size_t)at, stream) != to - (size_t)at)
        return dk_error_set(err, DK_ERR_IO, "cannot write %s: %s", output,
                            g_strerror(errno));
    return 0;
}

static int write_output(const char *output, int in, const uint8_t *data,
                        size_t size, const stamp_exif_layout *layout,
                        const blocks *b, dk_error *err)
{
    GByteArray *header = assemble(data, layout, b);
    dk_atomic *file = NULL;
    int rc = dk_atomic_open(output, &file, err);
    if (rc == 0) {
        FILE *stream = dk_atomic_stream(file);
        if (fwrite(header->data, 1, header->len, stream) != header->len)
            rc = dk_error_set(err, DK_ERR_IO, "cannot write %s: %s", output,
                              g_strerror(errno));
        if (rc == 0)
            rc = copy_tail(in, data, layout->scan_offset, size, stream, output,
                           err);
        if (rc == 0)
            rc = dk_atomic_commit(&file, err);
        dk_atomic_abort(&file);
    }
    g_byte_array_unref(header);
    return rc;
}

/* The atomic rename would replace the input if both names led to it. */
static bool same_file(const struct stat *in, const char *output)
{
    struct stat st;
    return stat(output, &st) == 0 && st.st_dev == in->st_dev &&
           st.st_ino == in->st_ino;
}

int stamp_exif_stamp_file(const char *input, const char *output,
                          const stamp_exif_fields *fields, GPtrArray *warnings,
                          dk_error *err)
{
    int in = open(input, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return dk_error_set(err, DK_ERR_IO, "cannot open: %s",
                            g_strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(in, &st) != 0)
        rc = dk_error_set(err, DK_ERR_IO, "cannot stat: %s", g_strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = dk_error_set(err, DK_ERR_INVALID, "not a regular file");
    else if (st.st_size == 0)
        rc = dk_error_set(err, DK_ERR_INVALID, "empty file (0 bytes)");
    else if (same_file(&st, output))
        rc = dk_error_set(err, DK_ERR_INTERNAL,
                          "output path %s is the input itself", output);
    if (rc) {
        close(in);
        return rc;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, in, 0);
    if (data == MAP_FAILED) {
        close(in);
        return dk_error_set(err, DK_ERR_IO, "cannot map: %s",
                            g_strerror(errno));
    }
    stamp_exif_layout layout;
    blocks b = {0};
    rc = stamp_exif_jpeg_scan(data, size, &layout, err);
    if (rc == 0)
        rc = build_blocks(&layout, fields, &b, warnings, err);
    if (rc == 0)
        rc = write_output(output, in, data, size, &layout, &b, err);
    blocks_clear(&b);
    stamp_exif_layout_clear(&layout);
    munmap(data, size);
    close(in);
    return rc;
}
