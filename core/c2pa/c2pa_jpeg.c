/* C2PA in JPEG: the manifest store is one JUMBF superbox split across
 * APP11 segments in the JPEG XT box format (ISO 19566-5 / ISO 18477-3):
 *
 *     FF EB  Le(2)  "JP"  En(2)  Z(4)  [LBox TBox]  store bytes...
 *
 * Z counts segments from 1; segments after the first repeat the box's
 * LBox and TBox. The hard binding (c2pa.hash.data) hashes the file with
 * exactly those segments left out, so signing never touches another byte
 * and the hash is that of the file before the segments went in. */
#include "c2pa_private.h"

#include <dokpim/fileio.h>

#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "jpeg_segments.h"

#define DK_APP11      0xEB
#define DK_XT_HEADER  8      /* CI, En, Z */
#define DK_BOX_HEADER 8      /* LBox, TBox */
#define DK_CHUNK      65000  /* store bytes per segment; Le stays < 65535 */
#define DK_EN_DOKPIM  0x0211 /* any box instance number; c2pa-rs's */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* An APP11 that starts a C2PA store: JPEG XT header, then a `jumb` whose
 * description has the c2pa UUID. */
static bool starts_store(const uint8_t *p, uint32_t len)
{
    return len >= DK_XT_HEADER + DK_BOX_HEADER + 8 + 4 &&
           memcmp(p + 12, "jumb", 4) == 0 && memcmp(p + 20, "jumd", 4) == 0 &&
           memcmp(p + 24, DK_UUID_STORE, 4) == 0;
}

int dk_c2pa_jpeg_find(const uint8_t *data, size_t size, dk_c2pa_jpeg_span *span,
                      dk_error *err)
{
    dk_jpeg_walk walk;
    dk_jpeg_segment seg;
    int rc;
    uint16_t en = 0;
    uint32_t z = 0;
    const uint8_t *head = NULL; /* the first segment's LBox, TBox */
    *span = (dk_c2pa_jpeg_span){0};
    dk_jpeg_walk_memory(&walk, data, size);
    while ((rc = dk_jpeg_walk_next(&walk, &seg, err)) == 0 &&
           seg.marker != DK_JPEG_SOS) {
        bool in_store =
            span->segments > 0 && seg.offset == span->offset + span->length;
        if (seg.marker != DK_APP11 || seg.length < DK_XT_HEADER ||
            memcmp(seg.payload, "JP", 2) != 0) {
            head = NULL; /* a store, if any, has ended */
            continue;
        }
        const uint8_t *p = seg.payload;
        uint16_t seg_en = (uint16_t)(p[2] << 8 | p[3]);
        uint32_t seg_z = be32(p + 4);
        if (head && seg_en == en) {
            if (!in_store || seg_z != z + 1)
                rc = dk_error_set(err, DK_ERR_INVALID,
                                  "C2PA segment %u at byte %llu is out of "
                                  "sequence",
                                  seg_z, (unsigned long long)seg.offset);
            else if (seg.length < DK_XT_HEADER + DK_BOX_HEADER ||
                     memcmp(p + DK_XT_HEADER, head, DK_BOX_HEADER) != 0)
                rc = dk_error_set(err, DK_ERR_INVALID,
                                  "C2PA segment %u at byte %llu does not "
                                  "continue the manifest store's box",
                                  seg_z, (unsigned long long)seg.offset);
            if (rc < 0)
                break;
            z = seg_z;
            span->segments++;
            span->length = seg.end - span->offset;
        } else if (starts_store(p, seg.length)) {
            if (span->segments) {
                rc = dk_error_set(err, DK_ERR_INVALID,
                                  "more than one C2PA manifest store (second "
                                  "at byte %llu)",
                                  (unsigned long long)seg.offset);
                break;
            }
            if (seg_z != 1) {
                rc = dk_error_set(err, DK_ERR_INVALID,
                                  "C2PA manifest store at byte %llu starts "
                                  "with segment %u, not 1",
                                  (unsigned long long)seg.offset, seg_z);
                break;
            }
            head = p + DK_XT_HEADER;
            en = seg_en;
            z = seg_z;
            span->offset = seg.offset;
            span->length = seg.end - seg.offset;
            span->segments = 1;
        }
    }
    dk_jpeg_walk_clear(&walk);
    return rc < 0 ? rc : 0;
}

int dk_c2pa_jpeg_read_store(const uint8_t *data, size_t size,
                            const dk_c2pa_jpeg_span *span, uint8_t **store,
                            size_t *store_len, dk_error *err)
{
    if (span->segments == 0 || span->offset > size ||
        span->length > size - span->offset)
        return dk_error_set(err, DK_ERR_NOT_FOUND, "no C2PA manifest store");
    GByteArray *out = g_byte_array_new();
    uint64_t pos = span->offset, end = span->offset + span->length;
    for (uint32_t i = 0; pos < end; i++) {
        /* dk_c2pa_jpeg_find checked the layout; check bounds again so a
         * caller's span cannot walk us out of the buffer */
        if (end - pos < 4 || data[pos] != 0xFF || data[pos + 1] != DK_APP11)
            break;
        uint32_t le = (uint32_t)data[pos + 2] << 8 | data[pos + 3];
        uint32_t skip = DK_XT_HEADER + (i ? DK_BOX_HEADER : 0);
        if (le < 2 + skip || le > end - pos - 2)
            break;
        g_byte_array_append(out, data + pos + 4 + skip, le - 2 - skip);
        pos += 2 + le;
    }
    uint32_t lbox = out->len >= 4 ? be32(out->data) : 0;
    if (pos != end || lbox < DK_BOX_HEADER || lbox > out->len) {
        g_byte_array_unref(out);
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA manifest store at byte %llu is truncated "
                            "or malformed",
                            (unsigned long long)span->offset);
    }
    g_byte_array_set_size(out, lbox);
    *store_len = out->len;
    *store = g_byte_array_free(out, FALSE);
    return 0;
}

/* Where a new store goes: where the old one was, else after the JFIF and
 * Exif/XMP segments that readers expect right after SOI. */
static int insertion_point(const uint8_t *data, size_t size,
                           const dk_c2pa_jpeg_span *old, uint64_t *at,
                           dk_error *err)
{
    if (old->segments) {
        *at = old->offset;
        return 0;
    }
    dk_jpeg_walk walk;
    dk_jpeg_segment seg;
    int rc;
    *at = 2;
    dk_jpeg_walk_memory(&walk, data, size);
    while ((rc = dk_jpeg_walk_next(&walk, &seg, err)) == 0 &&
           (seg.marker == DK_JPEG_APP0 || seg.marker == DK_JPEG_APP1) &&
           seg.start == *at)
        *at = seg.end;
    dk_jpeg_walk_clear(&walk);
    return rc < 0 ? rc : 0;
}

static uint64_t app11_bytes(size_t store_len)
{
    uint64_t n = (store_len + DK_CHUNK - 1) / DK_CHUNK;
    return store_len + n * (4 + DK_XT_HEADER) + (n - 1) * DK_BOX_HEADER;
}

static void put_segments(GByteArray *out, const uint8_t *store, size_t len)
{
    for (size_t off = 0, z = 1; off < len; off += DK_CHUNK, z++) {
        size_t chunk = MIN((size_t)DK_CHUNK, len - off);
        size_t le = 2 + DK_XT_HEADER + (z > 1 ? DK_BOX_HEADER : 0) + chunk;
        uint8_t h[12] = {0xFF,
                         DK_APP11,
                         (uint8_t)(le >> 8),
                         (uint8_t)le,
                         'J',
                         'P',
                         DK_EN_DOKPIM >> 8,
                         DK_EN_DOKPIM & 0xFF,
                         (uint8_t)(z >> 24),
                         (uint8_t)(z >> 16),
                         (uint8_t)(z >> 8),
                         (uint8_t)z};
        g_byte_array_append(out, h, sizeof h);
        if (z > 1)
            g_byte_array_append(out, store, DK_BOX_HEADER);
        g_byte_array_append(out, store + off, (guint)chunk);
    }
}

/* The file without its old store: [0, cut) and [resume, size). */
typedef struct pieces {
    const uint8_t *data;
    uint64_t cut, resume, size;
} pieces;

static void hash_pieces(const pieces *p, uint8_t out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 32;
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, p->data, p->cut);
    EVP_DigestUpdate(md, p->data + p->resume, p->size - p->resume);
    EVP_DigestFinal_ex(md, out, &n);
    EVP_MD_CTX_free(md);
}

static int build_for(const dk_c2pa_info *info, const dk_c2pa_signer *signer,
                     uint64_t at, uint64_t length, const uint8_t hash[32],
                     uint8_t **store, size_t *store_len, dk_error *err)
{
    uint8_t *binding;
    size_t binding_len;
    int rc =
        dk_c2pa_data_hash_cbor(at, length, hash, &binding, &binding_len, err);
    if (rc < 0)
        return rc;
    rc = dk_c2pa_build_store(info, signer, "c2pa.hash.data", binding,
                             binding_len, store, store_len, err);
    g_free(binding);
    return rc;
}

static int write_signed(const char *out_path, const pieces *p, uint64_t at,
                        const uint8_t *store, size_t store_len, dk_error *err)
{
    GByteArray *segs = g_byte_array_new();
    put_segments(segs, store, store_len);
    dk_atomic *file;
    int rc = dk_atomic_open(out_path, &file, err);
    if (rc == 0) {
        FILE *f = dk_atomic_stream(file);
        /* the new store goes where the old one was cut out (at == cut) */
        size_t tail = p->size - p->resume;
        bool ok = fwrite(p->data, 1, at, f) == at &&
                  fwrite(segs->data, 1, segs->len, f) == segs->len &&
                  fwrite(p->data + p->resume, 1, tail, f) == tail;
        if (!ok) {
            rc = dk_error_set(err, DK_ERR_IO, "%s: %s", out_path,
                              g_strerror(errno));
            dk_atomic_abort(&file);
        } else {
            rc = dk_atomic_commit(&file, err);
        }
    }
    g_byte_array_unref(segs);
    return rc;
}

int dk_c2pa_sign_jpeg(const char *in_path, const char *out_path,
                      const dk_c2pa_info *info, const dk_c2pa_signer *signer,
                      dk_error *err)
{
    gchar *data = NULL;
    gsize size = 0;
    GError *gerr = NULL;
    if (!g_file_get_contents(in_path, &data, &size, &gerr)) {
        int rc = dk_error_set(err, DK_ERR_IO, "%s", gerr->message);
        g_error_free(gerr);
        return rc;
    }
    const uint8_t *bytes = (const uint8_t *)data;
    dk_c2pa_jpeg_span old;
    uint64_t at = 0;
    uint8_t *store = NULL;
    size_t store_len = 0, check_len = 0;
    int rc = dk_c2pa_jpeg_find(bytes, size, &old, err);
    if (rc == 0)
        rc = insertion_point(bytes, size, &old, &at, err);
    pieces p = {bytes, old.segments ? old.offset : at,
                old.segments ? old.offset + old.length : at, size};
    uint8_t hash[32];
    hash_pieces(&p, hash);
    /* pass 1 learns the store's size, pass 2 signs the real exclusion */
    if (rc == 0)
        rc = build_for(info, signer, at, 0, hash, &store, &check_len, err);
    uint64_t length = app11_bytes(check_len);
    g_free(store);
    store = NULL;
    if (rc == 0)
        rc = build_for(info, signer, at, length, hash, &store, &store_len, err);
    if (rc == 0 && store_len != check_len)
        rc = dk_error_set(err, DK_ERR_INTERNAL,
                          "C2PA manifest store changed size between passes "
                          "(%zu, %zu bytes)",
                          check_len, store_len);
    if (rc == 0)
        rc = write_signed(out_path, &p, at, store, store_len, err);
    if (rc < 0)
        dk_error_prefix(err, "%s", in_path);
    g_free(store);
    g_free(data);
    return rc;
}
