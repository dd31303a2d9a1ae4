/* Reading a C2PA manifest store: the JUMBF boxes, the active manifest's
 * assertions, claim and COSE_Sign1. The input is hostile: every length is
 * checked against what is left before it is used, and each failure is
 * one line naming the box or field. */
#include "c2pa_private.h"

#include <string.h>

#define DK_COSE_ALG       1
#define DK_COSE_X5CHAIN   33
#define DK_COSE_ES256     (-7)
#define DK_COSE_SIGN1_TAG 18
#define DK_ASSERTIONS_URI "c2pa.assertions/"

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

typedef struct box {
    char type[5];
    const uint8_t *data; /* after the header */
    size_t len;
} box;

/* The next box of [*p, *p + *left), moving past it. */
static int next_box(const uint8_t **p, size_t *left, box *b, dk_error *err)
{
    if (*left < 8)
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: JUMBF box header truncated (%zu bytes)",
                            *left);
    uint64_t lbox = be(*p, 4);
    size_t header = 8;
    if (lbox == 1) {
        if (*left < 16)
            return dk_error_set(err, DK_ERR_INVALID,
                                "C2PA: JUMBF box header truncated");
        lbox = be(*p + 8, 8);
        header = 16;
    } else if (lbox == 0) {
        lbox = *left; /* to the end */
    }
    memcpy(b->type, *p + 4, 4);
    b->type[4] = '\0';
    for (int i = 0; i < 4; i++)
        if (!g_ascii_isprint(b->type[i]))
            b->type[i] = '?';
    if (lbox < header)
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: JUMBF box '%s' of %llu bytes is shorter "
                            "than its header",
                            b->type, (unsigned long long)lbox);
    if (lbox > *left)
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: JUMBF box '%s' claims %llu bytes, only "
                            "%zu remain",
                            b->type, (unsigned long long)lbox, *left);
    b->data = *p + header;
    b->len = (size_t)lbox - header;
    *p += lbox;
    *left -= (size_t)lbox;
    return 0;
}

/* A superbox: its description (UUID, label) and the boxes after it. */
typedef struct superbox {
    const uint8_t *uuid;
    char *label;
    const uint8_t *rest;
    size_t rest_len;
} superbox;

static int open_superbox(const box *b, superbox *s, dk_error *err)
{
    *s = (superbox){0};
    if (strcmp(b->type, "jumb") != 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: expected a JUMBF superbox, found '%s'",
                            b->type);
    const uint8_t *p = b->data;
    size_t left = b->len;
    box d;
    int rc = next_box(&p, &left, &d, err);
    if (rc < 0)
        return rc;
    if (strcmp(d.type, "jumd") != 0 || d.len < 17)
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: JUMBF superbox without a description");
    s->uuid = d.data;
    uint8_t toggles = d.data[16];
    if (toggles & 0x02) {
        const uint8_t *label = d.data + 17;
        const uint8_t *nul = memchr(label, 0, d.len - 17);
        if (!nul)
            return dk_error_set(err, DK_ERR_INVALID,
                                "C2PA: JUMBF label not terminated");
        s->label = g_strndup((const char *)label, (gsize)(nul - label));
    } else {
        s->label = g_strdup("");
    }
    s->rest = p;
    s->rest_len = left;
    return 0;
}

void dk_c2pa_manifest_clear(dk_c2pa_manifest *m)
{
    g_free(m->label);
    if (m->assertions) {
        for (guint i = 0; i < m->assertions->len; i++)
            g_free(g_array_index(m->assertions, dk_c2pa_assertion, i).label);
        g_array_unref(m->assertions);
    }
    *m = (dk_c2pa_manifest){0};
}

/* A superbox holding one content box: its label and the content. */
static int content_superbox(const box *b, superbox *s, box *content,
                            dk_error *err)
{
    int rc = open_superbox(b, s, err);
    const uint8_t *p = s->rest;
    size_t left = s->rest_len;
    if (rc == 0)
        rc = next_box(&p, &left, content, err);
    if (rc < 0)
        g_clear_pointer(&s->label, g_free);
    return rc;
}

static int read_assertions(const superbox *s, dk_c2pa_manifest *m,
                           dk_error *err)
{
    const uint8_t *p = s->rest;
    size_t left = s->rest_len;
    while (left > 0) {
        box b, content;
        superbox a;
        int rc = next_box(&p, &left, &b, err);
        if (rc == 0)
            rc = content_superbox(&b, &a, &content, err);
        if (rc < 0)
            return rc;
        dk_c2pa_assertion as = {.label = a.label,
                                .payload = b.data,
                                .payload_len = b.len,
                                .content = content.data,
                                .content_len = content.len};
        memcpy(as.type, content.type, 5);
        g_array_append_val(m->assertions, as);
    }
    return 0;
}

/* One manifest: the assertion store, the claim, the signature. */
static int read_manifest(const superbox *s, dk_c2pa_manifest *m, dk_error *err)
{
    m->label = g_strdup(s->label);
    m->assertions = g_array_new(FALSE, TRUE, sizeof(dk_c2pa_assertion));
    const uint8_t *p = s->rest;
    size_t left = s->rest_len;
    int rc = 0;
    while (rc == 0 && left > 0) {
        box b, content;
        superbox part;
        rc = next_box(&p, &left, &b, err);
        if (rc == 0)
            rc = open_superbox(&b, &part, err);
        if (rc < 0)
            break;
        if (memcmp(part.uuid, DK_UUID_ASSERTIONS, 16) == 0) {
            rc = read_assertions(&part, m, err);
        } else if (memcmp(part.uuid, DK_UUID_CLAIM, 16) == 0 ||
                   memcmp(part.uuid, DK_UUID_SIGNATURE, 16) == 0) {
            bool claim = memcmp(part.uuid, DK_UUID_CLAIM, 16) == 0;
            const uint8_t *q = part.rest;
            size_t ql = part.rest_len;
            rc = next_box(&q, &ql, &content, err);
            if (rc == 0 && claim) {
                m->claim = content.data;
                m->claim_len = content.len;
            } else if (rc == 0) {
                m->signature = content.data;
                m->signature_len = content.len;
            }
        }
        g_free(part.label);
    }
    if (rc == 0 && !m->claim)
        rc = dk_error_set(err, DK_ERR_INVALID, "C2PA: manifest has no claim");
    if (rc == 0 && !m->signature)
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "C2PA: manifest has no claim signature");
    return rc;
}

int dk_c2pa_parse_store(const uint8_t *store, size_t len,
                        dk_c2pa_manifest *active, dk_error *err)
{
    *active = (dk_c2pa_manifest){0};
    const uint8_t *p = store;
    size_t left = len;
    box b;
    superbox s;
    int rc = next_box(&p, &left, &b, err);
    if (rc == 0)
        rc = open_superbox(&b, &s, err);
    if (rc < 0)
        return rc;
    g_free(s.label);
    if (memcmp(s.uuid, DK_UUID_STORE, 16) != 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: not a manifest store (wrong UUID)");
    /* the active manifest is the last one of the store */
    const uint8_t *last = NULL;
    size_t last_len = 0;
    for (p = s.rest, left = s.rest_len; left > 0;) {
        const uint8_t *at = p;
        size_t before = left;
        if ((rc = next_box(&p, &left, &b, err)) < 0)
            return rc;
        last = at;
        last_len = before - left;
    }
    if (!last)
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: the manifest store is empty");
    left = last_len;
    rc = next_box(&last, &left, &b, err);
    if (rc == 0)
        rc = open_superbox(&b, &s, err);
    if (rc == 0 && memcmp(s.uuid, DK_UUID_MANIFEST, 16) != 0)
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "C2PA: the store's last box is no manifest");
    if (rc == 0)
        rc = read_manifest(&s, active, err);
    g_free(s.label);
    if (rc < 0)
        dk_c2pa_manifest_clear(active);
    return rc;
}

const dk_c2pa_assertion *dk_c2pa_find_assertion(const dk_c2pa_manifest *m,
                                                const char *label)
{
    for (guint i = 0; m->assertions && i < m->assertions->len; i++) {
        const dk_c2pa_assertion *a =
            &g_array_index(m->assertions, dk_c2pa_assertion, i);
        if (strcmp(a->label, label) == 0)
            return a;
    }
    return NULL;
}

/* Checks the CBOR's shape before libcbor sees it: libcbor 0.8 allocates
 * what an array or map header claims before reading its items, so a
 * 4-byte header saying "a billion entries" costs gigabytes. Here every
 * item still owed must have at least a byte of input left, so what
 * libcbor allocates stays in proportion to the input; nesting is bounded
 * too. Returns NULL when sane, else why not. */
#define DK_CBOR_MAX_DEPTH 64
#define DK_CBOR_OPEN      UINT64_MAX /* an indefinite container */

static const char *cbor_shape(const uint8_t *p, size_t len)
{
    uint64_t owed[DK_CBOR_MAX_DEPTH + 1];
    int depth = 0;
    uint64_t pending = 1; /* items owed by definite containers, in total */
    owed[0] = 1;          /* the top level: one item */
    size_t pos = 0;
    while (depth >= 0) {
        if (pos >= len)
            return "truncated";
        uint8_t b = p[pos++], major = b >> 5, info = b & 31;
        uint64_t val = info;
        if (b == 0xFF) { /* break: closes an indefinite container */
            if (owed[depth] != DK_CBOR_OPEN)
                return "a stray break";
            depth--; /* its parent counted it when it opened */
            goto settle;
        } else {
            if (info >= 24 && info <= 27) {
                size_t n = (size_t)1 << (info - 24);
                if (len - pos < n)
                    return "truncated";
                val = be(p + pos, (int)n);
                pos += n;
            } else if (info >= 28 && (info != 31 || major < 2 || major == 6)) {
                return "malformed";
            }
            bool open = info == 31;
            if (major == 6)
                continue; /* a tag: the next item is the one it tags */
            if ((major == 2 || major == 3) && !open) {
                if (val > len - pos)
                    return "a string longer than its input";
                pos += (size_t)val;
            } else if (major >= 2 && major <= 5 && major != 7) {
                uint64_t items = major == 5 && !open ? val * 2 : val;
                if (major == 5 && val > UINT64_MAX / 2)
                    return "malformed";
                if (depth == DK_CBOR_MAX_DEPTH)
                    return "nested too deep";
                /* this item counts as given to its parent now */
                if (owed[depth] != DK_CBOR_OPEN) {
                    owed[depth]--;
                    pending--;
                }
                if (open) {
                    owed[++depth] = DK_CBOR_OPEN;
                    continue;
                }
                if (items > len - pos || pending + items > len - pos)
                    return "a container larger than its input";
                owed[++depth] = items;
                pending += items;
                goto settle;
            }
        }
        /* one item complete */
        if (depth >= 0 && owed[depth] != DK_CBOR_OPEN) {
            owed[depth]--;
            pending--;
        }
    settle:
        while (depth >= 0 && owed[depth] == 0)
            depth--;
    }
    return NULL;
}

int dk_cbor_decode(const uint8_t *data, size_t len, const char *what,
                   cbor_item_t **out, dk_error *err)
{
    static const char *const why[] = {"",
                                      "truncated",
                                      "empty",
                                      "malformed",
                                      "nested too deep or too large",
                                      "a syntax error"};
    const char *bad = cbor_shape(data, len);
    if (bad) {
        *out = NULL;
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: %s is not valid CBOR (%s)", what, bad);
    }
    struct cbor_load_result res;
    /* libcbor bounds nesting (CBOR_MAX_STACK_SIZE): deep input is an
     * error here, not a deep recursion later */
    *out = cbor_load(data, len, &res);
    if (!*out) {
        unsigned code = (unsigned)res.error.code;
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: %s is not valid CBOR (%s at byte %zu)", what,
                            code < G_N_ELEMENTS(why) ? why[code] : "?",
                            res.error.position);
    }
    return 0;
}

cbor_item_t *dk_cbor_get(const cbor_item_t *map, const char *key)
{
    if (!map || !cbor_isa_map(map) || !cbor_map_is_definite(map))
        return NULL;
    struct cbor_pair *pairs = cbor_map_handle(map);
    size_t n = cbor_map_size(map), klen = strlen(key);
    for (size_t i = 0; i < n; i++) {
        cbor_item_t *k = pairs[i].key;
        if (cbor_isa_string(k) && cbor_string_is_definite(k) &&
            cbor_string_length(k) == klen &&
            memcmp(cbor_string_handle(k), key, klen) == 0)
            return pairs[i].value;
    }
    return NULL;
}

char *dk_cbor_strdup(const cbor_item_t *item)
{
    if (!item || !cbor_isa_string(item) || !cbor_string_is_definite(item))
        return NULL;
    return g_strndup((const char *)cbor_string_handle(item),
                     cbor_string_length(item));
}

static const uint8_t *bytes_of(const cbor_item_t *item, size_t *len)
{
    if (!item || !cbor_isa_bytestring(item) ||
        !cbor_bytestring_is_definite(item))
        return NULL;
    *len = cbor_bytestring_length(item);
    return cbor_bytestring_handle(item);
}

static int add_refs(const cbor_item_t *list, dk_c2pa_claim *claim,
                    dk_error *err)
{
    if (!list)
        return 0;
    if (!cbor_isa_array(list) || !cbor_array_is_definite(list))
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: the claim's assertion list is no array");
    for (size_t i = 0; i < cbor_array_size(list); i++) {
        cbor_item_t *uri = cbor_array_handle(list)[i];
        char *url = dk_cbor_strdup(dk_cbor_get(uri, "url"));
        size_t hlen = 0;
        const uint8_t *hash = bytes_of(dk_cbor_get(uri, "hash"), &hlen);
        char *alg = dk_cbor_strdup(dk_cbor_get(uri, "alg"));
        const char *at = url ? strstr(url, DK_ASSERTIONS_URI) : NULL;
        bool ok = at && hash && hlen == 32 && (!alg || !strcmp(alg, "sha256"));
        if (ok) {
            dk_c2pa_ref ref = {.label =
                                   g_strdup(at + strlen(DK_ASSERTIONS_URI))};
            memcpy(ref.hash, hash, 32);
            g_array_append_val(claim->refs, ref);
        }
        int rc = ok ? 0
                    : dk_error_set(err, DK_ERR_UNSUPPORTED,
                                   "C2PA: claim entry %zu (%s) is not a "
                                   "sha256 hashed URI of an assertion",
                                   i, url ? url : "no url");
        g_free(url);
        g_free(alg);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void dk_c2pa_claim_clear(dk_c2pa_claim *claim)
{
    if (claim->refs) {
        for (guint i = 0; i < claim->refs->len; i++)
            g_free(g_array_index(claim->refs, dk_c2pa_ref, i).label);
        g_array_unref(claim->refs);
    }
    g_free(claim->title);
    g_free(claim->generator);
    *claim = (dk_c2pa_claim){0};
}

int dk_c2pa_parse_claim(const uint8_t *cbor, size_t len, dk_c2pa_claim *claim,
                        dk_error *err)
{
    *claim =
        (dk_c2pa_claim){.refs = g_array_new(FALSE, TRUE, sizeof(dk_c2pa_ref))};
    cbor_item_t *root;
    int rc = dk_cbor_decode(cbor, len, "the claim", &root, err);
    if (rc < 0)
        return rc;
    char *alg = dk_cbor_strdup(dk_cbor_get(root, "alg"));
    if (!cbor_isa_map(root))
        rc = dk_error_set(err, DK_ERR_INVALID, "C2PA: the claim is no map");
    else if (alg && strcmp(alg, "sha256") != 0)
        rc = dk_error_set(err, DK_ERR_UNSUPPORTED,
                          "C2PA: claim hash algorithm %s not supported", alg);
    /* v2 lists created and gathered assertions; v1 one list */
    if (rc == 0)
        rc = add_refs(dk_cbor_get(root, "created_assertions"), claim, err);
    if (rc == 0)
        rc = add_refs(dk_cbor_get(root, "gathered_assertions"), claim, err);
    if (rc == 0)
        rc = add_refs(dk_cbor_get(root, "assertions"), claim, err);
    if (rc == 0) {
        claim->title = dk_cbor_strdup(dk_cbor_get(root, "dc:title"));
        cbor_item_t *gen = dk_cbor_get(root, "claim_generator_info");
        if (gen && cbor_isa_array(gen) && cbor_array_size(gen) > 0)
            gen = cbor_array_handle(gen)[0];
        char *name = dk_cbor_strdup(dk_cbor_get(gen, "name"));
        char *version = dk_cbor_strdup(dk_cbor_get(gen, "version"));
        if (name)
            claim->generator = version ? g_strdup_printf("%s/%s", name, version)
                                       : g_strdup(name);
        else
            claim->generator =
                dk_cbor_strdup(dk_cbor_get(root, "claim_generator"));
        g_free(name);
        g_free(version);
    }
    g_free(alg);
    cbor_decref(&root);
    if (rc < 0)
        dk_c2pa_claim_clear(claim);
    return rc;
}

void dk_c2pa_cose_clear(dk_c2pa_cose *cose)
{
    if (cose->protected_header)
        g_bytes_unref(cose->protected_header);
    if (cose->certs)
        g_ptr_array_unref(cose->certs);
    *cose = (dk_c2pa_cose){0};
}

static cbor_item_t *int_key(const cbor_item_t *map, int key)
{
    if (!map || !cbor_isa_map(map) || !cbor_map_is_definite(map))
        return NULL;
    struct cbor_pair *pairs = cbor_map_handle(map);
    for (size_t i = 0; i < cbor_map_size(map); i++) {
        cbor_item_t *k = pairs[i].key;
        if (cbor_isa_uint(k) && key >= 0 && cbor_get_int(k) == (uint64_t)key)
            return pairs[i].value;
        if (cbor_isa_negint(k) && key < 0 &&
            cbor_get_int(k) == (uint64_t)(-1 - key))
            return pairs[i].value;
    }
    return NULL;
}

static bool add_certs(const cbor_item_t *x5, GPtrArray *certs)
{
    size_t len;
    const uint8_t *der = bytes_of(x5, &len);
    if (der) {
        g_ptr_array_add(certs, g_bytes_new(der, len));
        return true;
    }
    if (!x5 || !cbor_isa_array(x5) || !cbor_array_is_definite(x5))
        return false;
    for (size_t i = 0; i < cbor_array_size(x5); i++) {
        if (!(der = bytes_of(cbor_array_handle(x5)[i], &len)))
            return false;
        g_ptr_array_add(certs, g_bytes_new(der, len));
    }
    return certs->len > 0;
}

/* 18([protected, unprotected, payload, signature]); *arr gets a
 * reference the caller drops, even on failure. */
static int sign1_array(cbor_item_t *root, cbor_item_t **arr, dk_error *err)
{
    if (cbor_isa_tag(root) && cbor_tag_value(root) != DK_COSE_SIGN1_TAG)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "C2PA: signature is COSE tag %llu, not "
                            "COSE_Sign1",
                            (unsigned long long)cbor_tag_value(root));
    *arr = cbor_isa_tag(root) ? cbor_tag_item(root) : cbor_incref(root);
    if (!cbor_isa_array(*arr) || !cbor_array_is_definite(*arr) ||
        cbor_array_size(*arr) != 4)
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: signature is not a COSE_Sign1 array");
    return 0;
}

int dk_c2pa_parse_cose(const uint8_t *cbor, size_t len, dk_c2pa_cose *cose,
                       dk_error *err)
{
    *cose = (dk_c2pa_cose){
        .certs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref)};
    cbor_item_t *root, *prot = NULL;
    /* libcbor 0.8 (Debian 12) refuses to load the tag around a COSE_Sign1
     * ("malformed at byte 0"), so the one-byte tag 18 is read here */
    if (len > 0 && cbor[0] == 0xC0 + DK_COSE_SIGN1_TAG) {
        cbor++;
        len--;
    }
    int rc = dk_cbor_decode(cbor, len, "the claim signature", &root, err);
    cbor_item_t *arr = NULL;
    if (rc == 0)
        rc = sign1_array(root, &arr, err);
    cbor_item_t **parts = rc == 0 ? cbor_array_handle(arr) : NULL;
    size_t plen = 0, slen = 0;
    const uint8_t *pbytes = parts ? bytes_of(parts[0], &plen) : NULL;
    const uint8_t *sig = parts ? bytes_of(parts[3], &slen) : NULL;
    if (rc == 0 && (!pbytes || !sig))
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "C2PA: COSE_Sign1 header or signature is no byte "
                          "string");
    if (rc == 0)
        rc = dk_cbor_decode(pbytes, plen, "the COSE protected header", &prot,
                            err);
    cbor_item_t *alg = rc == 0 ? int_key(prot, DK_COSE_ALG) : NULL;
    if (rc == 0 && !(alg && cbor_isa_negint(alg) &&
                     cbor_get_int(alg) == (uint64_t)(-1 - DK_COSE_ES256)))
        rc = dk_error_set(err, DK_ERR_UNSUPPORTED,
                          "C2PA: signature algorithm is not ES256");
    if (rc == 0 && slen != 64)
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "C2PA: ES256 signature of %zu bytes, not 64", slen);
    if (rc == 0) {
        cbor_item_t *x5 = int_key(prot, DK_COSE_X5CHAIN);
        if (!x5) /* allowed in the unprotected header too */
            x5 = int_key(parts[1], DK_COSE_X5CHAIN);
        if (!add_certs(x5, cose->certs))
            rc = dk_error_set(err, DK_ERR_INVALID,
                              "C2PA: signature carries no certificate "
                              "chain (x5chain)");
    }
    if (rc == 0) {
        cose->protected_header = g_bytes_new(pbytes, plen);
        memcpy(cose->sig, sig, 64);
    }
    if (prot)
        cbor_decref(&prot);
    if (arr)
        cbor_decref(&arr);
    if (root)
        cbor_decref(&root);
    if (rc < 0)
        dk_c2pa_cose_clear(cose);
    return rc;
}
