/* Checking a C2PA manifest in MP4/MOV (ISO BMFF): the store sits in a
 * top-level uuid box with the C2PA extended type, and c2pa.hash.bmff.v2
 * binds it to the file. The exclusions the assertion lists are honoured
 * as written; a form this reader does not know (subset, a box index, a
 * Merkle tree...) leaves the binding unverifiable, never intact, since
 * skipping it could hide a change. */
#include "c2pa_private.h"

#include <string.h>

#define DK_MAX_BMFF_EXCLUSIONS 64

bool dk_c2pa_bmff_sniff(const uint8_t *data, size_t size)
{
    return size >= 12 && memcmp(data + 4, "ftyp", 4) == 0;
}

/* The uuid box's payload after the extended type: version/flags, the
 * purpose (NUL-terminated), the aux-box offset, then the store. */
static int read_c2pa_box(const uint8_t *data, const dk_bmff_box *b,
                         dk_c2pa_found *found, dk_error *err)
{
    const uint8_t *p = data + b->off + b->header + 16;
    size_t left = b->size - b->header - 16;
    const uint8_t *nul = left > 4 ? memchr(p + 4, 0, left - 4) : NULL;
    if (!nul || (size_t)(nul + 1 - p) + 8 > left)
        return dk_error_set(err, DK_ERR_INVALID,
                            "BMFF: C2PA uuid box truncated");
    if (strcmp((const char *)p + 4, "manifest") != 0)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "BMFF: C2PA uuid box of purpose '%.32s' not "
                            "supported",
                            (const char *)p + 4);
    size_t skip = (size_t)(nul + 1 - p) + 8;
    found->store_len = left - skip;
    found->store = g_memdup2(p + skip, found->store_len);
    found->offset = b->off;
    found->length = b->size;
    return 0;
}

int dk_c2pa_bmff_find(const uint8_t *data, size_t size, dk_c2pa_found *found,
                      dk_error *err)
{
    GArray *boxes = g_array_new(FALSE, FALSE, sizeof(dk_bmff_box));
    dk_error scan = {0};
    int rc = 0;
    /* a file whose boxes do not parse is the probe's business */
    if (dk_c2pa_bmff_boxes(data, size, boxes, &scan) == 0)
        for (guint i = 0; i < boxes->len && !found->store && rc == 0; i++) {
            const dk_bmff_box *b = &g_array_index(boxes, dk_bmff_box, i);
            if (b->c2pa)
                rc = read_c2pa_box(data, b, found, err);
        }
    g_array_unref(boxes);
    return rc;
}

/* One exclusion: a top-level box type, and the bytes it must hold at
 * given offsets from the box's start. */
typedef struct exclusion {
    char type[5];
    size_t n_data;
    uint64_t data_offset[4];
    const uint8_t *data_value[4];
    size_t data_len[4];
} exclusion;

static int unsupported(dk_error *err, size_t i, const char *what)
{
    return dk_error_set(err, DK_ERR_UNSUPPORTED,
                        "c2pa.hash.bmff.v2: exclusion %zu uses %s, which "
                        "this reader cannot check: binding unverifiable",
                        i, what);
}

static int read_data(const cbor_item_t *list, size_t i, exclusion *x,
                     dk_error *err)
{
    if (!cbor_isa_array(list) || !cbor_array_is_definite(list) ||
        cbor_array_size(list) > G_N_ELEMENTS(x->data_offset))
        return unsupported(err, i, "a data list of this shape");
    for (size_t k = 0; k < cbor_array_size(list); k++) {
        cbor_item_t *d = cbor_array_handle(list)[k];
        cbor_item_t *o = dk_cbor_get(d, "offset"), *v = dk_cbor_get(d, "value");
        if (!o || !v || !cbor_isa_uint(o) || !cbor_isa_bytestring(v) ||
            !cbor_bytestring_is_definite(v))
            return unsupported(err, i, "a data entry of this shape");
        x->data_offset[k] = cbor_get_int(o);
        x->data_value[k] = cbor_bytestring_handle(v);
        x->data_len[k] = cbor_bytestring_length(v);
    }
    x->n_data = cbor_array_size(list);
    return 0;
}

static int read_exclusion(const cbor_item_t *e, size_t i, exclusion *x,
                          dk_error *err)
{
    *x = (exclusion){{0}};
    if (!cbor_isa_map(e) || !cbor_map_is_definite(e))
        return dk_error_set(err, DK_ERR_INVALID,
                            "c2pa.hash.bmff.v2: exclusion %zu malformed", i);
    struct cbor_pair *kv = cbor_map_handle(e);
    for (size_t k = 0; k < cbor_map_size(e); k++) {
        char *key = dk_cbor_strdup(kv[k].key);
        int rc = 0;
        if (!key)
            rc = dk_error_set(err, DK_ERR_INVALID,
                              "c2pa.hash.bmff.v2: exclusion %zu malformed", i);
        else if (!strcmp(key, "xpath")) {
            char *xp = dk_cbor_strdup(kv[k].value);
            /* "/" and a four-character box type: a top-level box */
            if (!xp || strlen(xp) != 5 || xp[0] != '/' || strchr(xp + 1, '/') ||
                strchr(xp + 1, '['))
                rc = unsupported(err, i, "an xpath other than /<box type>");
            else
                memcpy(x->type, xp + 1, 5);
            g_free(xp);
        } else if (!strcmp(key, "data")) {
            rc = read_data(kv[k].value, i, x, err);
        } else if (!cbor_is_null(kv[k].value)) {
            rc = unsupported(err, i, key);
        }
        g_free(key);
        if (rc < 0)
            return rc;
    }
    if (!x->type[0])
        return dk_error_set(err, DK_ERR_INVALID,
                            "c2pa.hash.bmff.v2: exclusion %zu has no xpath", i);
    return 0;
}

static bool excludes(const exclusion *x, const uint8_t *data,
                     const dk_bmff_box *b)
{
    if (strcmp(x->type, b->type) != 0)
        return false;
    for (size_t k = 0; k < x->n_data; k++)
        if (x->data_offset[k] > b->size ||
            x->data_len[k] > b->size - x->data_offset[k] ||
            memcmp(data + b->off + x->data_offset[k], x->data_value[k],
                   x->data_len[k]) != 0)
            return false;
    return true;
}

static int read_exclusions(const cbor_item_t *list, exclusion *ex, size_t *n,
                           dk_error *err)
{
    if (!list || !cbor_isa_array(list) || !cbor_array_is_definite(list) ||
        cbor_array_size(list) > DK_MAX_BMFF_EXCLUSIONS)
        return dk_error_set(err, DK_ERR_INVALID,
                            "c2pa.hash.bmff.v2: exclusions missing or too "
                            "many");
    *n = cbor_array_size(list);
    for (size_t i = 0; i < *n; i++) {
        int rc = read_exclusion(cbor_array_handle(list)[i], i, &ex[i], err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The hash over the boxes no exclusion names; the store's own box must
 * be among the excluded, or the assertion cannot be the one signed. */
static int hash_file(const uint8_t *data, size_t size,
                     const dk_c2pa_found *found, const exclusion *ex, size_t n,
                     uint8_t out[32], dk_error *err)
{
    GArray *boxes = g_array_new(FALSE, FALSE, sizeof(dk_bmff_box));
    int rc = dk_c2pa_bmff_boxes(data, size, boxes, err);
    bool store_excluded = false;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int len = 32;
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    for (guint i = 0; rc == 0 && i < boxes->len; i++) {
        const dk_bmff_box *b = &g_array_index(boxes, dk_bmff_box, i);
        bool skip = false;
        for (size_t k = 0; k < n && !skip; k++)
            skip = excludes(&ex[k], data, b);
        if (b->off == found->offset)
            store_excluded = skip;
        if (!skip)
            dk_c2pa_bmff_hash_box(md, b->off, data + b->off, b->size);
    }
    EVP_DigestFinal_ex(md, out, &len);
    EVP_MD_CTX_free(md);
    g_array_unref(boxes);
    if (rc == 0 && !store_excluded)
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "c2pa.hash.bmff.v2: the exclusions do not cover "
                          "the manifest's uuid box");
    return rc;
}

int dk_c2pa_bmff_hash_check(const uint8_t *data, size_t size,
                            const dk_c2pa_found *found, const uint8_t *cbor,
                            size_t len, dk_error *err)
{
    cbor_item_t *root;
    const uint8_t *want;
    int rc = dk_c2pa_binding_open(cbor, len, "c2pa.hash.bmff.v2", "merkle",
                                  "Merkle trees", &root, &want, err);
    if (rc < 0)
        return rc;
    exclusion ex[DK_MAX_BMFF_EXCLUSIONS];
    size_t n = 0;
    rc = read_exclusions(dk_cbor_get(root, "exclusions"), ex, &n, err);
    uint8_t got[32];
    if (rc == 0)
        rc = hash_file(data, size, found, ex, n, got, err);
    if (rc == 0 && memcmp(got, want, 32) != 0)
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "c2pa.hash.bmff.v2: the file's boxes do not match "
                          "the signed hash");
    cbor_decref(&root);
    return rc;
}
