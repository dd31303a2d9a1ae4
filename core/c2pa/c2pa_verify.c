/* Checking a file's C2PA manifest: the claim's ES256 signature with the
 * leaf of x5chain, the chain against the trust anchors (OpenSSL's
 * X509_STORE), every assertion against the claim's hashed URI, and the
 * hard binding against the file's bytes. Containers plug in through a
 * table: each finds its store and checks its own binding. */
#include "c2pa_private.h"

#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <string.h>

#define DK_MAX_EXCLUSIONS 64
#define DK_CHAIN_DEPTH    8

typedef struct dk_c2pa_container {
    const char *name;
    bool (*sniff)(const uint8_t *data, size_t size);
    /* 0 with found->store NULL: no manifest */
    int (*find)(const uint8_t *data, size_t size, dk_c2pa_found *found,
                dk_error *err);
    const char *binding_label;
    int (*check_binding)(const uint8_t *data, size_t size,
                         const dk_c2pa_found *found, const uint8_t *cbor,
                         size_t len, dk_error *err);
} dk_c2pa_container;

static bool jpeg_sniff(const uint8_t *data, size_t size)
{
    return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

static int jpeg_find(const uint8_t *data, size_t size, dk_c2pa_found *found,
                     dk_error *err)
{
    dk_c2pa_jpeg_span span;
    int rc = dk_c2pa_jpeg_find(data, size, &span, err);
    if (rc < 0 || span.segments == 0)
        return rc;
    found->offset = span.offset;
    found->length = span.length;
    return dk_c2pa_jpeg_read_store(data, size, &span, &found->store,
                                   &found->store_len, err);
}

typedef struct range {
    uint64_t start, length;
} range;

static int by_start(const void *a, const void *b)
{
    const range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int read_exclusions(const cbor_item_t *list, uint64_t size, range *out,
                           size_t *n, dk_error *err)
{
    *n = 0;
    if (!list || !cbor_isa_array(list) || !cbor_array_is_definite(list) ||
        cbor_array_size(list) > DK_MAX_EXCLUSIONS)
        return dk_error_set(err, DK_ERR_INVALID,
                            "c2pa.hash.data: exclusions missing or too many");
    for (size_t i = 0; i < cbor_array_size(list); i++) {
        cbor_item_t *e = cbor_array_handle(list)[i];
        cbor_item_t *s = dk_cbor_get(e, "start"), *l = dk_cbor_get(e, "length");
        if (!s || !l || !cbor_isa_uint(s) || !cbor_isa_uint(l))
            return dk_error_set(err, DK_ERR_INVALID,
                                "c2pa.hash.data: exclusion %zu malformed", i);
        out[i] = (range){cbor_get_int(s), cbor_get_int(l)};
        if (out[i].start > size || out[i].length > size - out[i].start)
            return dk_error_set(err, DK_ERR_INVALID,
                                "c2pa.hash.data: exclusion %zu lies outside "
                                "the file",
                                i);
    }
    *n = cbor_array_size(list);
    qsort(out, *n, sizeof *out, by_start);
    for (size_t i = 1; i < *n; i++)
        if (out[i].start < out[i - 1].start + out[i - 1].length)
            return dk_error_set(err, DK_ERR_INVALID,
                                "c2pa.hash.data: exclusions overlap");
    return 0;
}

int dk_c2pa_binding_open(const uint8_t *cbor, size_t len, const char *label,
                         const char *unsupported_key,
                         const char *unsupported_what, cbor_item_t **root,
                         const uint8_t **hash, dk_error *err)
{
    int rc = dk_cbor_decode(cbor, len, label, root, err);
    if (rc < 0)
        return rc;
    char *alg = dk_cbor_strdup(dk_cbor_get(*root, "alg"));
    cbor_item_t *h = dk_cbor_get(*root, "hash");
    bool has_hash = h && cbor_isa_bytestring(h) &&
                    cbor_bytestring_is_definite(h) &&
                    cbor_bytestring_length(h) == 32;
    if (alg && strcmp(alg, "sha256") != 0)
        rc = dk_error_set(err, DK_ERR_UNSUPPORTED,
                          "%s: algorithm %s not supported: binding "
                          "unverifiable",
                          label, alg);
    else if (unsupported_key && dk_cbor_get(*root, unsupported_key))
        rc = dk_error_set(err, DK_ERR_UNSUPPORTED,
                          "%s: %s not supported: binding unverifiable", label,
                          unsupported_what);
    else if (!has_hash)
        rc = dk_error_set(err, DK_ERR_INVALID, "%s: no sha256 hash", label);
    g_free(alg);
    if (rc < 0) {
        cbor_decref(root);
        return rc;
    }
    *hash = cbor_bytestring_handle(h);
    return 0;
}

/* c2pa.hash.data: SHA-256 of the file minus the exclusions, which must
 * cover the store itself and nothing the signer did not exclude. */
static int data_hash_check(const uint8_t *data, size_t size,
                           const dk_c2pa_found *found, const uint8_t *cbor,
                           size_t len, dk_error *err)
{
    cbor_item_t *root;
    const uint8_t *want;
    int rc = dk_c2pa_binding_open(cbor, len, "c2pa.hash.data", NULL, NULL,
                                  &root, &want, err);
    if (rc < 0)
        return rc;
    range ex[DK_MAX_EXCLUSIONS];
    size_t n = 0;
    rc = read_exclusions(dk_cbor_get(root, "exclusions"), size, ex, &n, err);
    bool covered = false;
    for (size_t i = 0; rc == 0 && i < n; i++)
        covered |= ex[i].start <= found->offset &&
                   found->offset + found->length <= ex[i].start + ex[i].length;
    if (rc == 0 && !covered)
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "c2pa.hash.data: the exclusions do not cover the "
                          "manifest store (bytes %llu-%llu): the store moved",
                          (unsigned long long)found->offset,
                          (unsigned long long)(found->offset + found->length));
    if (rc == 0) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        uint8_t got[32];
        unsigned int glen = 32;
        uint64_t pos = 0;
        EVP_DigestInit_ex(md, EVP_sha256(), NULL);
        for (size_t i = 0; i < n; i++) {
            EVP_DigestUpdate(md, data + pos, ex[i].start - pos);
            pos = ex[i].start + ex[i].length;
        }
        EVP_DigestUpdate(md, data + pos, size - pos);
        EVP_DigestFinal_ex(md, got, &glen);
        EVP_MD_CTX_free(md);
        if (memcmp(got, want, 32) != 0)
            rc = dk_error_set(err, DK_ERR_INVALID,
                              "c2pa.hash.data: the file's bytes do not match "
                              "the signed hash");
    }
    cbor_decref(&root);
    return rc;
}

static const dk_c2pa_container containers[] = {
    {"jpeg", jpeg_sniff, jpeg_find, "c2pa.hash.data", data_hash_check},
    {"bmff", dk_c2pa_bmff_sniff, dk_c2pa_bmff_find, "c2pa.hash.bmff.v2",
     dk_c2pa_bmff_hash_check},
};

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        g_snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static char *error_text(dk_error *err)
{
    char *s = g_strdup(err->message);
    /* a message may quote the file (a label, a URL): keep it one line */
    for (char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7F)
            *c = '?';
    *err = (dk_error){0};
    return s;
}

static char *name_text(const X509_NAME *name, int nid)
{
    if (nid) {
        char buf[256];
        int n = X509_NAME_get_text_by_NID(name, nid, buf, sizeof buf);
        return n > 0 ? g_strndup(buf, (gsize)n) : NULL;
    }
    BIO *bio = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *p;
    long n = BIO_get_mem_data(bio, &p);
    char *s = g_strndup(p, (gsize)n);
    BIO_free(bio);
    return s;
}

/* Sig_structure = ["Signature1", protected, h'', claim] */
static int verify_signature(EVP_PKEY *key, const dk_c2pa_cose *cose,
                            const uint8_t *claim, size_t claim_len,
                            dk_error *err)
{
    gsize plen;
    const uint8_t *prot = g_bytes_get_data(cose->protected_header, &plen);
    cbor_item_t *st = cbor_new_definite_array(4);
    cbor_item_t *parts[] = {dk_cbor_text("Signature1"),
                            dk_cbor_bytes(prot, plen), dk_cbor_bytes(NULL, 0),
                            dk_cbor_bytes(claim, claim_len)};
    for (size_t i = 0; i < G_N_ELEMENTS(parts); i++) {
        if (st && !(parts[i] && cbor_array_push(st, parts[i])))
            cbor_decref(&st);
        if (parts[i])
            cbor_decref(&parts[i]);
    }
    uint8_t *tbs = NULL;
    size_t tbs_len = 0;
    int rc = dk_cbor_finish(st, &tbs, &tbs_len, err);
    if (rc < 0)
        return rc;
    ECDSA_SIG *ec = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(cose->sig, 32, NULL);
    BIGNUM *s = BN_bin2bn(cose->sig + 32, 32, NULL);
    unsigned char *der = NULL;
    int der_len = -1;
    if (ec && r && s && ECDSA_SIG_set0(ec, r, s) == 1) {
        r = s = NULL;
        der_len = i2d_ECDSA_SIG(ec, &der);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(ec);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = der_len > 0 && md &&
              EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
              EVP_DigestVerify(md, der, (size_t)der_len, tbs, tbs_len) == 1;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    g_free(tbs);
    ERR_clear_error();
    return ok ? 0
              : dk_error_set(err, DK_ERR_INVALID,
                             "the claim's signature does not verify with the "
                             "signing certificate");
}

static int load_anchors(const char *const *anchors, X509_STORE **out,
                        dk_error *err)
{
    *out = NULL;
    if (!anchors || !anchors[0])
        return 0;
    X509_STORE *st = X509_STORE_new();
    for (size_t i = 0; anchors[i]; i++)
        if (X509_STORE_load_file(st, anchors[i]) != 1) {
            X509_STORE_free(st);
            ERR_clear_error();
            return dk_error_set(err, DK_ERR_CONFIG,
                                "%s: no PEM certificate to trust", anchors[i]);
        }
    *out = st;
    return 0;
}

static void check_trust(X509_STORE *anchors, X509 *leaf,
                        const dk_c2pa_cose *cose, dk_c2pa_report *r)
{
    if (!anchors) {
        r->trust_error = g_strdup("no trust anchor given (--trust PEM)");
        return;
    }
    STACK_OF(X509) *more = sk_X509_new_null();
    for (guint i = 1; i < cose->certs->len; i++) {
        gsize len;
        const unsigned char *p = g_bytes_get_data(cose->certs->pdata[i], &len);
        X509 *c = d2i_X509(NULL, &p, (long)len);
        if (c)
            sk_X509_push(more, c);
    }
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    bool ok = false;
    if (ctx && X509_STORE_CTX_init(ctx, anchors, leaf, more) == 1) {
        /* a loop or an absurd chain ends at the depth limit */
        X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_depth(param, DK_CHAIN_DEPTH);
        /* an anchor is trusted as given (RFC 5280), root or not */
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
        ok = X509_verify_cert(ctx) == 1;
        if (!ok)
            r->trust_error = g_strdup_printf(
                "the signer does not chain to a trust anchor: %s",
                X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(more, X509_free);
    ERR_clear_error();
    r->trusted = ok;
}

static void check_assertions(const dk_c2pa_manifest *m,
                             const dk_c2pa_claim *claim, dk_c2pa_report *r)
{
    for (guint i = 0; i < claim->refs->len && !r->assertions_error; i++) {
        const dk_c2pa_ref *ref = &g_array_index(claim->refs, dk_c2pa_ref, i);
        const dk_c2pa_assertion *a = dk_c2pa_find_assertion(m, ref->label);
        uint8_t got[32];
        if (a)
            dk_sha256(a->payload, a->payload_len, got);
        if (!a)
            r->assertions_error = g_strdup_printf(
                "assertion %s listed in the claim is missing", ref->label);
        else if (memcmp(got, ref->hash, 32) != 0)
            r->assertions_error = g_strdup_printf(
                "assertion %s does not match the claim's hash", ref->label);
    }
    r->assertions_ok = !r->assertions_error && claim->refs->len > 0;
    if (!claim->refs->len)
        r->assertions_error = g_strdup("the claim lists no assertions");
}

/* The first assertion whose label starts with prefix, as CBOR. */
static cbor_item_t *assertion_cbor(const dk_c2pa_manifest *m,
                                   const char *prefix)
{
    for (guint i = 0; i < m->assertions->len; i++) {
        const dk_c2pa_assertion *a =
            &g_array_index(m->assertions, dk_c2pa_assertion, i);
        dk_error err = {0};
        cbor_item_t *item = NULL;
        if (g_str_has_prefix(a->label, prefix) && !strcmp(a->type, "cbor") &&
            dk_cbor_decode(a->content, a->content_len, a->label, &item, &err) ==
                0)
            return item;
    }
    return NULL;
}

static void read_provenance(const dk_c2pa_manifest *m, dk_c2pa_report *r)
{
    cbor_item_t *ing = assertion_cbor(m, "c2pa.ingredient");
    if (ing) {
        r->parent_title = dk_cbor_strdup(dk_cbor_get(ing, "dc:title"));
        cbor_item_t *h = dk_cbor_get(dk_cbor_get(ing, "data"), "hash");
        char *iid = dk_cbor_strdup(dk_cbor_get(ing, "instanceID"));
        if (h && cbor_isa_bytestring(h) && cbor_bytestring_is_definite(h) &&
            cbor_bytestring_length(h) == 32) {
            r->parent_sha256 = g_malloc(65);
            hex(cbor_bytestring_handle(h), 32, r->parent_sha256);
        } else if (iid && g_str_has_prefix(iid, "sha256:")) {
            r->parent_sha256 = g_strdup(iid + 7);
        }
        g_free(iid);
        cbor_decref(&ing);
    }
    cbor_item_t *acts = assertion_cbor(m, "c2pa.actions");
    cbor_item_t *list = dk_cbor_get(acts, "actions");
    if (list && cbor_isa_array(list) && cbor_array_is_definite(list)) {
        GPtrArray *names = g_ptr_array_new();
        for (size_t i = 0; i < cbor_array_size(list); i++) {
            char *a = dk_cbor_strdup(
                dk_cbor_get(cbor_array_handle(list)[i], "action"));
            if (a)
                g_ptr_array_add(names, a);
        }
        g_ptr_array_add(names, NULL);
        r->actions = (char **)g_ptr_array_free(names, FALSE);
    }
    if (acts)
        cbor_decref(&acts);
}

static void check_binding(const dk_c2pa_container *c, const uint8_t *data,
                          size_t size, const dk_c2pa_found *found,
                          const dk_c2pa_manifest *m, const dk_c2pa_claim *claim,
                          dk_c2pa_report *r)
{
    const dk_c2pa_assertion *a = dk_c2pa_find_assertion(m, c->binding_label);
    bool listed = false;
    for (guint i = 0; i < claim->refs->len; i++)
        listed |= !strcmp(g_array_index(claim->refs, dk_c2pa_ref, i).label,
                          c->binding_label);
    dk_error err = {0};
    if (!a)
        r->binding_error =
            g_strdup_printf("no %s hard binding", c->binding_label);
    else if (!listed)
        r->binding_error = g_strdup_printf(
            "the %s hard binding is not listed in the claim", c->binding_label);
    else if (c->check_binding(data, size, found, a->content, a->content_len,
                              &err) < 0)
        r->binding_error = error_text(&err);
    r->binding_ok = !r->binding_error;
}

static void check_signer(const dk_c2pa_cose *cose, X509_STORE *anchors,
                         const dk_c2pa_manifest *m, dk_c2pa_report *r)
{
    gsize len;
    const unsigned char *p = g_bytes_get_data(cose->certs->pdata[0], &len);
    const unsigned char *der = p;
    X509 *leaf = d2i_X509(NULL, &p, (long)len);
    if (!leaf) {
        ERR_clear_error();
        r->signature_error =
            g_strdup("the signing certificate is not DER X.509");
        r->trust_error = g_strdup("no signing certificate");
        return;
    }
    uint8_t fp[32];
    dk_sha256(der, len, fp);
    hex(fp, 32, r->signer_sha256);
    r->signer_subject = name_text(X509_get_subject_name(leaf), 0);
    r->signer_org =
        name_text(X509_get_subject_name(leaf), NID_organizationName);
    EVP_PKEY *key = X509_get0_pubkey(leaf);
    dk_error err = {0};
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
        r->signature_error = g_strdup("the signing certificate has no EC key");
    else if (verify_signature(key, cose, m->claim, m->claim_len, &err) < 0)
        r->signature_error = error_text(&err);
    r->signature_ok = !r->signature_error;
    check_trust(anchors, leaf, cose, r);
    X509_free(leaf);
}

static void verify_store(const dk_c2pa_container *c, const uint8_t *data,
                         size_t size, const dk_c2pa_found *found,
                         X509_STORE *anchors, dk_c2pa_report *r)
{
    dk_c2pa_manifest m;
    dk_c2pa_claim claim = {0};
    dk_c2pa_cose cose = {0};
    dk_error err = {0};
    int rc = dk_c2pa_parse_store(found->store, found->store_len, &m, &err);
    if (rc == 0)
        rc = dk_c2pa_parse_claim(m.claim, m.claim_len, &claim, &err);
    if (rc == 0)
        rc = dk_c2pa_parse_cose(m.signature, m.signature_len, &cose, &err);
    if (rc < 0) {
        r->invalid = error_text(&err);
        dk_c2pa_claim_clear(&claim);
        dk_c2pa_manifest_clear(&m);
        return;
    }
    r->title = g_strdup(claim.title);
    r->generator = g_strdup(claim.generator);
    check_signer(&cose, anchors, &m, r);
    check_assertions(&m, &claim, r);
    check_binding(c, data, size, found, &m, &claim, r);
    read_provenance(&m, r);
    dk_c2pa_cose_clear(&cose);
    dk_c2pa_claim_clear(&claim);
    dk_c2pa_manifest_clear(&m);
}

int dk_c2pa_verify(const uint8_t *data, size_t size, const char *const *anchors,
                   dk_c2pa_report *r, dk_error *err)
{
    *r = (dk_c2pa_report){0};
    X509_STORE *store = NULL;
    int rc = load_anchors(anchors, &store, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < G_N_ELEMENTS(containers); i++) {
        const dk_c2pa_container *c = &containers[i];
        if (!c->sniff(data, size))
            continue;
        r->container = c->name;
        dk_c2pa_found found = {0};
        dk_error e = {0};
        if (c->find(data, size, &found, &e) < 0) {
            r->has_manifest = true;
            r->unsupported = e.code == DK_ERR_UNSUPPORTED;
            r->invalid = error_text(&e);
        } else if (found.store) {
            r->has_manifest = true;
            verify_store(c, data, size, &found, store, r);
        }
        g_free(found.store);
        break;
    }
    X509_STORE_free(store);
    return 0;
}

bool dk_c2pa_report_intact(const dk_c2pa_report *r)
{
    return r->has_manifest && !r->invalid && r->signature_ok && r->binding_ok &&
           r->assertions_ok;
}

void dk_c2pa_report_clear(dk_c2pa_report *r)
{
    g_free(r->invalid);
    g_free(r->signer_subject);
    g_free(r->signer_org);
    g_free(r->signature_error);
    g_free(r->trust_error);
    g_free(r->binding_error);
    g_free(r->assertions_error);
    g_free(r->title);
    g_free(r->generator);
    g_free(r->parent_title);
    g_free(r->parent_sha256);
    g_strfreev(r->actions);
    *r = (dk_c2pa_report){0};
}
