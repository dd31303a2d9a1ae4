/* The signing identity a signer holds: a validated key and chain, and the
 * one operation C2PA needs of them, an ES256 signature in COSE's form. */
#include "dk_internal.h"
#include "keys_internal.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <string.h>

struct dk_signing_identity {
    EVP_PKEY *key;
    GPtrArray *der; /* GBytes per certificate, signer first */
    char fingerprint[65];
};

int dk_signing_identity_load(const char *dir_or_key_path,
                             const char *chain_path,
                             dk_signing_identity **identity, dk_error *err)
{
    *identity = NULL;
    g_autofree char *key_path = NULL, *chain_file = NULL;
    if (chain_path) {
        key_path = g_strdup(dir_or_key_path);
        chain_file = g_strdup(chain_path);
    } else {
        if (!g_file_test(dir_or_key_path, G_FILE_TEST_IS_DIR))
            return dk_error_set(err, DK_ERR_CONFIG,
                                "%s is not a signing identity folder (give "
                                "the key with its chain)",
                                dir_or_key_path);
        key_path = g_build_filename(dir_or_key_path, DK_KEYS_SIGNING_KEY, NULL);
        chain_file =
            g_build_filename(dir_or_key_path, DK_KEYS_SIGNING_CHAIN, NULL);
    }
    int rc = dk_check_private_file(key_path, err);
    if (rc < 0)
        return rc;
    EVP_PKEY *key = NULL;
    STACK_OF(X509) *certs = NULL, *chain = NULL;
    rc = dk_keys_read_key(key_path, NULL, &key, err);
    if (rc == 0)
        rc = dk_keys_read_certs(chain_file, &certs, err);
    if (rc == 0)
        rc = dk_keys_validate(key, certs, chain_file, &chain, err);
    if (rc == 0) {
        dk_signing_identity *id = g_new0(dk_signing_identity, 1);
        id->key = key;
        key = NULL;
        id->der = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        for (int i = 0; i < sk_X509_num(chain); i++) {
            unsigned char *der = NULL;
            int length = i2d_X509(sk_X509_value(chain, i), &der);
            g_ptr_array_add(id->der, g_bytes_new(der, (gsize)length));
            OPENSSL_free(der);
        }
        dk_keys_fingerprint(sk_X509_value(chain, 0), id->fingerprint, NULL);
        *identity = id;
    }
    sk_X509_pop_free(chain, X509_free);
    sk_X509_pop_free(certs, X509_free);
    EVP_PKEY_free(key);
    return rc;
}

void dk_signing_identity_free(dk_signing_identity **identity)
{
    if (!identity || !*identity)
        return;
    EVP_PKEY_free((*identity)->key);
    g_ptr_array_unref((*identity)->der);
    g_free(*identity);
    *identity = NULL;
}

EVP_PKEY *dk_signing_identity_key(const dk_signing_identity *identity)
{
    return identity->key;
}

size_t dk_signing_identity_chain_length(const dk_signing_identity *identity)
{
    return identity->der->len;
}

const uint8_t *dk_signing_identity_cert_der(const dk_signing_identity *identity,
                                            size_t index, size_t *length)
{
    if (index >= identity->der->len) {
        *length = 0;
        return NULL;
    }
    gsize size = 0;
    const uint8_t *data = g_bytes_get_data(identity->der->pdata[index], &size);
    *length = size;
    return data;
}

const char *dk_signing_identity_fingerprint(const dk_signing_identity *identity)
{
    return identity->fingerprint;
}

int dk_signing_identity_sign_es256(const dk_signing_identity *identity,
                                   const void *data, size_t length,
                                   uint8_t signature[64], dk_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[80]; /* an ECDSA P-256 DER signature is <= 72 bytes */
    size_t der_length = sizeof der;
    bool ok =
        ctx &&
        EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, identity->key) == 1 &&
        EVP_DigestSign(ctx, der, &der_length, data, length) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return dk_keys_openssl_error(err, DK_ERR_INTERNAL, "cannot sign");
    /* OpenSSL gives ASN.1 (r, s); COSE (RFC 9053) wants them as two
     * fixed-width big-endian integers */
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_length);
    ok = sig && BN_bn2binpad(ECDSA_SIG_get0_r(sig), signature, 32) == 32 &&
         BN_bn2binpad(ECDSA_SIG_get0_s(sig), signature + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    if (!ok)
        return dk_keys_openssl_error(err, DK_ERR_INTERNAL,
                                     "cannot convert the signature");
    return 0;
}
