/* The signing identity: an ES256 key and its x5chain, and the COSE_Sign1
 * structure C2PA puts in the claim signature box (RFC 9052, detached
 * payload; C2PA 2.x wants alg and x5chain in the protected header). */
#include "c2pa_private.h"

#include <dokpim/keys.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define DK_COSE_ALG       1
#define DK_COSE_X5CHAIN   33
#define DK_COSE_ES256     (-7)
#define DK_COSE_SIGN1_TAG 18
#define DK_ES256_SIG_LEN  64

/* A thin wrapper: loading, the checks and the signature are the signing
 * identity's (keys.h), so `dokpim keys` and signing refuse the same keys.
 * What is C2PA's own is which certificates go into x5chain. */
struct dk_c2pa_signer {
    dk_signing_identity *identity;
    size_t x5chain_length; /* the chain minus a self-signed anchor */
};

void dk_c2pa_signer_free(dk_c2pa_signer *signer)
{
    if (!signer)
        return;
    dk_signing_identity_free(&signer->identity);
    g_free(signer);
}

static bool is_self_signed(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, (long)len);
    bool self = cert &&
                X509_NAME_cmp(X509_get_subject_name(cert),
                              X509_get_issuer_name(cert)) == 0 &&
                X509_check_issued(cert, cert) == X509_V_OK;
    X509_free(cert);
    return self;
}

int dk_c2pa_signer_load(const char *dir_or_key_path, const char *chain_path,
                        dk_c2pa_signer **out, dk_error *err)
{
    *out = NULL;
    dk_signing_identity *id = NULL;
    int rc = dk_signing_identity_load(dir_or_key_path, chain_path, &id, err);
    if (rc < 0)
        return rc;
    dk_c2pa_signer *s = g_new0(dk_c2pa_signer, 1);
    s->identity = id;
    s->x5chain_length = dk_signing_identity_chain_length(id);
    /* anchors come from the validator's trust list, not the file */
    size_t len = 0;
    const uint8_t *last =
        dk_signing_identity_cert_der(id, s->x5chain_length - 1, &len);
    if (s->x5chain_length > 1 && is_self_signed(last, len))
        s->x5chain_length--;
    *out = s;
    return 0;
}

static cbor_item_t *protected_header(const dk_c2pa_signer *s)
{
    cbor_item_t *map = cbor_new_definite_map(2);
    cbor_item_t *chain = NULL;
    if (!map)
        return NULL;
    size_t len = 0;
    const uint8_t *der = NULL;
    if (s->x5chain_length == 1) {
        der = dk_signing_identity_cert_der(s->identity, 0, &len);
        chain = dk_cbor_bytes(der, len);
    } else if ((chain = cbor_new_definite_array(s->x5chain_length)) != NULL) {
        for (size_t i = 0; i < s->x5chain_length; i++) {
            der = dk_signing_identity_cert_der(s->identity, i, &len);
            cbor_item_t *c = dk_cbor_bytes(der, len);
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
        rc = dk_signing_identity_sign_es256(signer->identity, tbs, tbs_len, sig,
                                            err);
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
