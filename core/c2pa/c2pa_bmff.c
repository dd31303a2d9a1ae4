/* C2PA in MP4/MOV (ISO BMFF): the manifest store goes into a top-level
 * `uuid` box with the C2PA extended type, right after `ftyp` (where
 * c2pa-rs puts it), and a c2pa.hash.bmff.v2 assertion binds it to the
 * file. Inserting bytes before `mdat` moves the samples, so the chunk
 * offsets in every stco/co64 are shifted by the same amount; the sample
 * bytes themselves are copied unchanged.
 *
 * The v2 hash, as c2pa-rs computes it: every top-level box not excluded
 * contributes its file offset (64-bit big-endian) and then its bytes, in
 * file order. Excluded, as c2pa-rs's defaults: the C2PA uuid box, ftyp,
 * mfra, free and skip. */
#include "c2pa_private.h"

#include <dokpim/fileio.h>

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <string.h>

const uint8_t dk_c2pa_bmff_uuid[16] = {0xd8, 0xfe, 0xc3, 0xd6, 0x1b, 0x0e,
                                       0x48, 0x3c, 0x92, 0x97, 0x58, 0x28,
                                       0x87, 0x7e, 0xc4, 0x81};
static const char purpose[] = "manifest";
/* size, "uuid", the extended type, version/flags, purpose, aux offset */
#define DK_UUID_BOX_HEADER (8 + 16 + 4 + sizeof purpose + 8)
#define DK_MAX_TOP_BOXES   100000

typedef dk_bmff_box bmff_box;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* The box at off inside [off, end): its size and header length. */
static int box_at(const uint8_t *d, uint64_t off, uint64_t end, bmff_box *b,
                  uint64_t *header, dk_error *err)
{
    if (end - off < 8)
        return dk_error_set(err, DK_ERR_INVALID,
                            "BMFF: truncated box header at %" PRIu64, off);
    uint64_t size = be32(d + off);
    *header = 8;
    if (size == 1) {
        if (end - off < 16)
            return dk_error_set(err, DK_ERR_INVALID,
                                "BMFF: truncated box header at %" PRIu64, off);
        size = be64(d + off + 8);
        *header = 16;
    } else if (size == 0) {
        size = end - off;
    }
    if (size < *header || size > end - off)
        return dk_error_set(err, DK_ERR_INVALID,
                            "BMFF: box at %" PRIu64 " runs past its parent",
                            off);
    b->off = off;
    b->size = size;
    memcpy(b->type, d + off + 4, 4);
    b->type[4] = '\0';
    b->header = *header;
    b->c2pa = !strcmp(b->type, "uuid") && size >= *header + 16 &&
              !memcmp(d + off + *header, dk_c2pa_bmff_uuid, 16);
    return 0;
}

/* Where the samples move: they follow the insertion point (the end of
 * ftyp), minus the old manifest boxes that stood before them. */
typedef struct shift {
    const GArray *boxes;
    uint64_t inserted;
} shift;

static int64_t shift_for(const shift *s, uint64_t offset)
{
    int64_t d = (int64_t)s->inserted;
    for (guint i = 0; i < s->boxes->len; i++) {
        const bmff_box *b = &g_array_index(s->boxes, bmff_box, i);
        if (b->c2pa && b->off < offset)
            d -= (int64_t)b->size;
    }
    return d;
}

/* Rewrites the chunk offsets in the stco/co64 boxes under [off, end) of
 * a copy of moov. */
static int patch_offsets(uint8_t *d, uint64_t off, uint64_t end, const shift *s,
                         dk_error *err)
{
    while (off < end) {
        bmff_box b;
        uint64_t h;
        int rc = box_at(d, off, end, &b, &h, err);
        if (rc < 0)
            return rc;
        bool co64 = !strcmp(b.type, "co64");
        if (!strcmp(b.type, "stco") || co64) {
            uint64_t width = co64 ? 8 : 4;
            if (b.size < h + 8 ||
                (b.size - h - 8) / width < be32(d + off + h + 4))
                return dk_error_set(err, DK_ERR_INVALID,
                                    "BMFF: %s box too short for its entries",
                                    b.type);
            uint8_t *e = d + off + h + 8;
            for (uint32_t n = be32(d + off + h + 4); n > 0; n--, e += width) {
                uint64_t v = co64 ? be64(e) : be32(e);
                int64_t nv = (int64_t)v + shift_for(s, v);
                if (nv < 0 || (!co64 && nv > UINT32_MAX))
                    return dk_error_set(err, DK_ERR_UNSUPPORTED,
                                        "BMFF: chunk offset %" PRIu64
                                        " cannot move (stco "
                                        "is 32-bit)",
                                        v);
                if (co64)
                    put_be64(e, (uint64_t)nv);
                else
                    for (int i = 3; i >= 0; i--, nv >>= 8)
                        e[i] = (uint8_t)nv;
            }
        } else if (!strcmp(b.type, "trak") || !strcmp(b.type, "mdia") ||
                   !strcmp(b.type, "minf") || !strcmp(b.type, "stbl")) {
            rc = patch_offsets(d, off + h, off + b.size, s, err);
            if (rc < 0)
                return rc;
        }
        off += b.size;
    }
    return 0;
}

int dk_c2pa_bmff_boxes(const uint8_t *d, uint64_t size, GArray *boxes,
                       dk_error *err)
{
    for (uint64_t off = 0; off < size;) {
        bmff_box b;
        uint64_t h;
        int rc = box_at(d, off, size, &b, &h, err);
        if (rc < 0)
            return rc;
        if (boxes->len >= DK_MAX_TOP_BOXES)
            return dk_error_set(err, DK_ERR_INVALID,
                                "BMFF: too many top-level boxes");
        g_array_append_val(boxes, b);
        off += b.size;
    }
    if (boxes->len == 0 ||
        strcmp(g_array_index(boxes, bmff_box, 0).type, "ftyp"))
        return dk_error_set(err, DK_ERR_INVALID,
                            "not an MP4/MOV file (no ftyp box first)");
    return 0;
}

static bool hashed(const bmff_box *b)
{
    static const char *const excluded[] = {"ftyp", "mfra", "free", "skip"};
    if (b->c2pa)
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(excluded); i++)
        if (!strcmp(b->type, excluded[i]))
            return false;
    return true;
}

/* The output, box by box: bytes come from the input except moov's, which
 * come from the patched copy. */
typedef struct layout {
    const uint8_t *data;
    const GArray *boxes;
    const GByteArray *moov; /* patched copy, or NULL when there is none */
} layout;

static const uint8_t *box_bytes(const layout *l, const bmff_box *b)
{
    return l->moov && !strcmp(b->type, "moov") ? l->moov->data
                                               : l->data + b->off;
}

void dk_c2pa_bmff_hash_box(EVP_MD_CTX *md, uint64_t offset,
                           const uint8_t *bytes, uint64_t size)
{
    uint8_t be[8];
    put_be64(be, offset);
    EVP_DigestUpdate(md, be, 8);
    EVP_DigestUpdate(md, bytes, size);
}

static void hash_layout(const layout *l, uint64_t inserted, uint8_t out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 32;
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    const bmff_box *ftyp = &g_array_index(l->boxes, bmff_box, 0);
    uint64_t at = ftyp->size + inserted;
    for (guint i = 1; i < l->boxes->len; i++) {
        const bmff_box *b = &g_array_index(l->boxes, bmff_box, i);
        if (b->c2pa)
            continue;
        if (hashed(b))
            dk_c2pa_bmff_hash_box(md, at, box_bytes(l, b), b->size);
        at += b->size;
    }
    EVP_DigestFinal_ex(md, out, &n);
    EVP_MD_CTX_free(md);
}

static cbor_item_t *exclusion(const char *xpath, bool c2pa_data)
{
    cbor_item_t *m = cbor_new_definite_map(c2pa_data ? 2 : 1);
    if (!m || !dk_cbor_put(m, "xpath", dk_cbor_text(xpath)))
        goto fail;
    if (c2pa_data) {
        cbor_item_t *dm = cbor_new_definite_map(2);
        cbor_item_t *arr = cbor_new_definite_array(1);
        bool ok =
            dm && arr && dk_cbor_put(dm, "offset", dk_cbor_uint(8)) &&
            dk_cbor_put(dm, "value", dk_cbor_bytes(dk_c2pa_bmff_uuid, 16)) &&
            cbor_array_push(arr, dm);
        if (dm)
            cbor_decref(&dm);
        if (!ok) {
            if (arr)
                cbor_decref(&arr);
            goto fail;
        }
        if (!dk_cbor_put(m, "data", arr))
            goto fail;
    }
    return m;
fail:
    if (m)
        cbor_decref(&m);
    return NULL;
}

static int bmff_hash_cbor(const uint8_t hash[32], uint8_t **cbor,
                          size_t *cbor_len, dk_error *err)
{
    static const char *const paths[] = {"/ftyp", "/mfra", "/free", "/skip"};
    cbor_item_t *m = cbor_new_definite_map(4);
    cbor_item_t *excl = cbor_new_definite_array(1 + G_N_ELEMENTS(paths));
    bool ok = m && excl;
    for (size_t i = 0; ok && i <= G_N_ELEMENTS(paths); i++) {
        cbor_item_t *e = exclusion(i ? paths[i - 1] : "/uuid", i == 0);
        ok = e && cbor_array_push(excl, e);
        if (e)
            cbor_decref(&e);
    }
    ok = ok && dk_cbor_put(m, "exclusions", excl);
    excl = NULL;
    ok = ok && dk_cbor_put(m, "alg", dk_cbor_text("sha256")) &&
         dk_cbor_put(m, "hash", dk_cbor_bytes(hash, 32)) &&
         dk_cbor_put(m, "name", dk_cbor_text("jumbf manifest"));
    if (excl)
        cbor_decref(&excl);
    if (!ok && m)
        cbor_decref(&m);
    return dk_cbor_finish(ok ? m : NULL, cbor, cbor_len, err);
}

static int build_for(const dk_c2pa_info *info, const dk_c2pa_signer *signer,
                     const uint8_t hash[32], uint8_t **store, size_t *store_len,
                     dk_error *err)
{
    uint8_t *binding = NULL;
    size_t binding_len;
    int rc = bmff_hash_cbor(hash, &binding, &binding_len, err);
    if (rc == 0)
        rc = dk_c2pa_build_store(info, signer, "c2pa.hash.bmff.v2", binding,
                                 binding_len, store, store_len, err);
    g_free(binding);
    return rc;
}

static void uuid_box_header(uint8_t *h, uint64_t box_size)
{
    memset(h, 0, DK_UUID_BOX_HEADER);
    for (int i = 3; i >= 0; i--, box_size >>= 8)
        h[i] = (uint8_t)box_size;
    memcpy(h + 4, "uuid", 4);
    memcpy(h + 8, dk_c2pa_bmff_uuid, 16);
    /* version/flags 0, then the purpose and a zero aux-box offset */
    memcpy(h + 28, purpose, sizeof purpose);
}

static int write_signed(const char *out_path, const layout *l,
                        const uint8_t *store, size_t store_len, dk_error *err)
{
    uint8_t h[DK_UUID_BOX_HEADER];
    uuid_box_header(h, DK_UUID_BOX_HEADER + store_len);
    dk_atomic *file;
    int rc = dk_atomic_open(out_path, &file, err);
    if (rc < 0)
        return rc;
    FILE *f = dk_atomic_stream(file);
    const bmff_box *ftyp = &g_array_index(l->boxes, bmff_box, 0);
    bool ok = fwrite(l->data, 1, ftyp->size, f) == ftyp->size &&
              fwrite(h, 1, sizeof h, f) == sizeof h &&
              fwrite(store, 1, store_len, f) == store_len;
    for (guint i = 1; ok && i < l->boxes->len; i++) {
        const bmff_box *b = &g_array_index(l->boxes, bmff_box, i);
        if (!b->c2pa)
            ok = fwrite(box_bytes(l, b), 1, b->size, f) == b->size;
    }
    if (!ok) {
        rc =
            dk_error_set(err, DK_ERR_IO, "%s: %s", out_path, g_strerror(errno));
        dk_atomic_abort(&file);
        return rc;
    }
    return dk_atomic_commit(&file, err);
}

/* The moov copy with its chunk offsets moved by the new box's size. */
static int patched_moov(const uint8_t *d, const GArray *boxes,
                        uint64_t inserted, GByteArray **out, dk_error *err)
{
    *out = NULL;
    for (guint i = 0; i < boxes->len; i++) {
        const bmff_box *b = &g_array_index(boxes, bmff_box, i);
        if (strcmp(b->type, "moov"))
            continue;
        if (*out)
            return dk_error_set(err, DK_ERR_INVALID, "BMFF: two moov boxes");
        uint64_t h = be32(d + b->off) == 1 ? 16 : 8;
        *out = g_byte_array_sized_new((guint)b->size);
        g_byte_array_append(*out, d + b->off, (guint)b->size);
        shift s = {boxes, inserted};
        int rc = patch_offsets((*out)->data, h, b->size, &s, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int dk_c2pa_sign_bmff(const char *in_path, const char *out_path,
                      const dk_c2pa_info *info, const dk_c2pa_signer *signer,
                      dk_error *err)
{
    GError *gerr = NULL;
    GMappedFile *map = g_mapped_file_new(in_path, FALSE, &gerr);
    if (!map) {
        int rc = dk_error_set(err, DK_ERR_IO, "%s", gerr->message);
        g_error_free(gerr);
        return rc;
    }
    const uint8_t *data = (const uint8_t *)g_mapped_file_get_contents(map);
    uint64_t size = g_mapped_file_get_length(map);
    GArray *boxes = g_array_new(FALSE, FALSE, sizeof(bmff_box));
    GByteArray *moov = NULL;
    uint8_t *store = NULL;
    size_t store_len = 0, check_len = 0;
    uint8_t hash[32] = {0};
    int rc = dk_c2pa_bmff_boxes(data, size, boxes, err);
    /* pass 1 learns the store's size (the hash does not change it) */
    if (rc == 0)
        rc = build_for(info, signer, hash, &store, &check_len, err);
    uint64_t inserted = DK_UUID_BOX_HEADER + check_len;
    if (rc == 0 && inserted > UINT32_MAX)
        rc = dk_error_set(err, DK_ERR_UNSUPPORTED,
                          "C2PA manifest store too large for a uuid box");
    if (rc == 0)
        rc = patched_moov(data, boxes, inserted, &moov, err);
    layout l = {data, boxes, moov};
    if (rc == 0) {
        hash_layout(&l, inserted, hash);
        g_free(store);
        store = NULL;
        rc = build_for(info, signer, hash, &store, &store_len, err);
    }
    if (rc == 0 && store_len != check_len)
        rc = dk_error_set(err, DK_ERR_INTERNAL,
                          "C2PA manifest store changed size between passes "
                          "(%zu, %zu bytes)",
                          check_len, store_len);
    if (rc == 0)
        rc = write_signed(out_path, &l, store, store_len, err);
    if (rc < 0)
        dk_error_prefix(err, "%s", in_path);
    g_free(store);
    if (moov)
        g_byte_array_unref(moov);
    g_array_unref(boxes);
    g_mapped_file_unref(map);
    return rc;
}
