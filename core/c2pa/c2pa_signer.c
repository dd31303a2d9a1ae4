/* The signing identity: an ES256 key and its x5chain, and the COSE_Sign1
 * structure C2PA puts in the claim signature box (RFC 9052, detached
 * payload; C2PA 2.x wants alg and x5chain in the protected header). */
#include "c2pa_private.h"

#include <errno.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#define DK_COSE_ALG       1
#define DK_COSE_X5CHAIN   33
#define DK_COSE_ES256     (-7)
#define DK_COSE_SIGN1_TAG 18
#define DK_ES256_SIG_LEN  64

struct dk_c2pa_signer {
    EVP_PKEY *key;
    GPtrArray *certs; /* GBytes of DER, signing certificate first */
};

void dk_c2pa_signer_free(dk_c2pa_signer *signer)
{
    if (!signer)
        return;
    EVP_PKEY_free(signer->key);
    if (signer->certs)
        g_ptr_array_unref(signer->certs);
    g_free(signer);
}

static int openssl_error(dk_error *err, int code, const char *what,
                         const char *path)
{
    char line[256] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, line, sizeof line);
    ERR_clear_error();
    return dk_error_set(err, code, "%s: %s%s%s", path, what, *line ? ": " : "",
                        line);
}

static int load_key(const char *path, EVP_PKEY **key, dk_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return dk_error_set(err, DK_ERR_IO, "%s: %s", path, g_strerror(errno));
    *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!*key)
        return openssl_error(err, DK_ERR_INVALID, "not a PEM private key",
                             path);
    if (EVP_PKEY_get_base_id(*key) != EVP_PKEY_EC ||
        EVP_PKEY_get_bits(*key) != 256)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "%s: the signing key must be ECDSA P-256 (ES256)",
                            path);
    return 0;
}

static bool is_self_signed(X509 *cert)
{
    return X509_NAME_cmp(X509_get_subject_name(cert),
                         X509_get_issuer_name(cert)) == 0 &&
           X509_check_issued(cert, cert) == X509_V_OK;
}

static int load_chain(const char *path, EVP_PKEY *key, GPtrArray *certs,
                      dk_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return dk_error_set(err, DK_ERR_IO, "%s: %s", path, g_strerror(errno));
    X509 *cert;
    int rc = 0;
    while ((cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        bool first = certs->len == 0;
        if (first && X509_check_private_key(cert, key) != 1)
            rc = dk_error_set(err, DK_ERR_CONFIG,
                              "%s: the first certificate does not match "
                              "the signing key",
                              path);
        /* anchors come from the validator's trust list, not the file */
        if (rc == 0 && (first || !is_self_signed(cert))) {
            unsigned char *der = NULL;
            int len = i2d_X509(cert, &der);
            if (len > 0)
                g_ptr_array_add(certs, g_bytes_new(der, (gsize)len));
            OPENSSL_free(der);
        }
        X509_free(cert);
        if (rc < 0)
            break;
        if (certs->len > 16) {
            rc = dk_error_set(err, DK_ERR_INVALID,
                              "%s: more than 16 certificates in the chain",
                              path);
            break;
        }
    }
    fclose(f);
    ERR_clear_error(); /* the end of the PEM file reads as an error */
    if (rc == 0 && certs->len == 0)
        rc = dk_error_set(err, DK_ERR_INVALID, "%s: no PEM certificate", path);
    return rc;
}

int dk_c2pa_signer_load(const char *key_path, const char *chain_path,
                        dk_c2pa_signer **out, dk_error *err)
{
    dk_c2pa_signer *s = g_new0(dk_c2pa_signer, 1);
    s->certs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    int rc = load_key(key_path, &s->key, err);
    if (rc == 0)
        rc = load_chain(chain_path, s->key, s->certs, err);
    if (rc < 0) {
        dk_c2pa_signer_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static cbor_item_t *protected_header(const dk_c2pa_signer *s)
{
    cbor_item_t *map = cbor_new_definite_map(2);
    cbor_item_t *chain = NULL;
    if (!map)
        return NULL;
    if (s->certs->len == 1) {
        GBytes *b = g_ptr_array_index(s->certs, 0);
        chain = dk_cbor_bytes(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
    } else if ((chain = cbor_new_definite_array(s->certs->len)) != NULL) {
        for (guint i = 0; i < s->certs->len; i++) {
            GBytes *b = g_ptr_array_index(s->certs, i);
            cbor_item_t *c =
                dk_cbor_bytes(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
            bool ok = c && cbor_array_push(chain, c);
            if (c)
                cbor_decref(&c);
            if (!ok) {
                cbor_decref(&chain);
                break;
            }
        }
    }
    cbor_item_t *alg_k = cbor_build_uint8(DK_COSE_ALG);
    cbor_item_t *alg_v = cbor_build_negint8((uint8_t)(-1 - DK_COSE_ES256));
    cbor_item_t *x5_k = cbor_build_uint8(DK_COSE_X5CHAIN);
    bool ok = alg_k && alg_v && x5_k && chain &&
              cbor_map_add(map, (struct cbor_pair){alg_k, alg_v}) &&
              cbor_map_add(map, (struct cbor_pair){x5_k, chain});
    cbor_item_t *refs[] = {alg_k, alg_v, x5_k, chain};
    for (size_t i = 0; i < G_N_ELEMENTS(refs); i++)
        if (refs[i])
            cbor_decref(&refs[i]);
    if (!ok)
        cbor_decref(&map);
    return map;
}

/* ECDSA over SHA-256 of data, as COSE wants it: r and s, 32 bytes each
 * (OpenSSL gives DER). */
static int es256(EVP_PKEY *key, const uint8_t *data, size_t len,
                 uint8_t sig[DK_ES256_SIG_LEN], dk_error *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char der[80];
    size_t der_len = sizeof der;
    int ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestSign(md, der, &der_len, data, len) == 1;
    EVP_MD_CTX_free(md);
    const unsigned char *p = der;
    ECDSA_SIG *ec = ok ? d2i_ECDSA_SIG(NULL, &p, (long)der_len) : NULL;
    if (!ec)
        return openssl_error(err, DK_ERR_INTERNAL, "ES256 signing failed",
                             "C2PA claim");
    ok = BN_bn2binpad(ECDSA_SIG_get0_r(ec), sig, 32) == 32 &&
         BN_bn2binpad(ECDSA_SIG_get0_s(ec), sig + 32, 32) == 32;
    ECDSA_SIG_free(ec);
    return ok ? 0
              : dk_error_set(err, DK_ERR_INTERNAL, "ES256 signature too long");
}

int dk_c2pa_cose_sign(const dk_c2pa_signer *signer, const uint8_t *payload,
                      size_t payload_len, uint8_t **out, size_t *out_len,
                      dk_error *err)
{
    uint8_t *prot = NULL, *tbs = NULL;
    size_t prot_len = 0, tbs_len = 0;
    int rc = dk_cbor_finish(protected_header(signer), &prot, &prot_len, err);
    if (rc < 0)
        return rc;

    /* Sig_structure = ["Signature1", protected, external_aad, payload] */
    cbor_item_t *st = cbor_new_definite_array(4);
    cbor_item_t *parts[] = {
        dk_cbor_text("Signature1"), dk_cbor_bytes(prot, prot_len),
        dk_cbor_bytes(NULL, 0), dk_cbor_bytes(payload, payload_len)};
    for (size_t i = 0; i < G_N_ELEMENTS(parts); i++) {
        if (st && !(parts[i] && cbor_array_push(st, parts[i])))
            cbor_decref(&st);
        if (parts[i])
            cbor_decref(&parts[i]);
    }
    rc = dk_cbor_finish(st, &tbs, &tbs_len, err);
    uint8_t sig[DK_ES256_SIG_LEN];
    if (rc == 0)
        rc = es256(signer->key, tbs, tbs_len, sig, err);
    g_free(tbs);
    if (rc < 0) {
        g_free(prot);
        return rc;
    }

    /* 18([protected, {}, nil, signature]) */
    cbor_item_t *arr = cbor_new_definite_array(4);
    cbor_item_t *items[] = {dk_cbor_bytes(prot, prot_len),
                            cbor_new_definite_map(0), cbor_new_null(),
                            dk_cbor_bytes(sig, sizeof sig)};
    g_free(prot);
    for (size_t i = 0; i < G_N_ELEMENTS(items); i++) {
        if (arr && !(items[i] && cbor_array_push(arr, items[i])))
            cbor_decref(&arr);
        if (items[i])
            cbor_decref(&items[i]);
    }
    cbor_item_t *tagged = arr ? cbor_build_tag(DK_COSE_SIGN1_TAG, arr) : NULL;
    if (arr)
        cbor_decref(&arr);
    return dk_cbor_finish(tagged, out, out_len, err);
}
