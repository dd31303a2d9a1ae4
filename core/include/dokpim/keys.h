/* dokpim — the office's signing identity: an ECDSA P-256 key and the
 * certificate chain that says whose it is, as C2PA (Content Credentials)
 * signers need them. OpenSSL does all the cryptography.
 *
 * An identity folder holds
 *   signing-key.pem    the signing key (PKCS#8, mode 0600)
 *   signing-chain.pem  the signing certificate, then its issuers
 *   ca-cert.pem        the trust anchor to publish (last of the chain)
 *   ca-key.pem         only after `dokpim keys init`: the office root CA's
 *                      key (mode 0600), best moved offline. */
#ifndef DOKPIM_KEYS_H
#define DOKPIM_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DK_KEYS_SIGNING_KEY   "signing-key.pem"
#define DK_KEYS_SIGNING_CHAIN "signing-chain.pem"
#define DK_KEYS_CA_CERT       "ca-cert.pem"
#define DK_KEYS_CA_KEY        "ca-key.pem"

typedef struct dk_signing_identity dk_signing_identity;

/* Loads a signing identity: dir_or_key_path is an identity folder
 * (chain_path NULL) or a key file with chain_path its chain PEM (any
 * order; it is put signer first). Refuses a key file others may read
 * (dk_check_private_file), a key that is not ECDSA P-256 or matches no
 * certificate, a chain that does not verify up to its last certificate
 * (now, within every validity period) or holds certificates outside it,
 * and a signing certificate C2PA's reference validator would refuse: no
 * digitalSignature key usage (or keyCertSign too); no emailProtection or
 * documentSigning extended key usage, or anyExtendedKeyUsage; a CA; no
 * authority key identifier; no Organization. *identity is the caller's to
 * dk_signing_identity_free(). */
DK_API int dk_signing_identity_load(const char *dir_or_key_path,
                                    const char *chain_path,
                                    dk_signing_identity **identity,
                                    dk_error *err);
DK_API void dk_signing_identity_free(dk_signing_identity **identity);

/* The signing key, owned by the identity (EVP_PKEY_up_ref() to keep it). */
DK_API EVP_PKEY *dk_signing_identity_key(const dk_signing_identity *identity);
/* How many certificates the chain holds (at least 2: signer and issuer). */
DK_API size_t
dk_signing_identity_chain_length(const dk_signing_identity *identity);
/* Certificate index (0: the signing certificate, last: the trust anchor)
 * as DER, owned by the identity; NULL past the end. For COSE x5chain. */
DK_API const uint8_t *
dk_signing_identity_cert_der(const dk_signing_identity *identity, size_t index,
                             size_t *length);
/* The signing certificate's SHA-256 fingerprint, lower-case hex. */
DK_API const char *
dk_signing_identity_fingerprint(const dk_signing_identity *identity);

/* ES256 over data (SHA-256 then ECDSA P-256), as COSE wants it: r || s,
 * 32 bytes each, big-endian, into signature[64]. */
DK_API int dk_signing_identity_sign_es256(const dk_signing_identity *identity,
                                          const void *data, size_t length,
                                          uint8_t signature[64], dk_error *err);

/* What `dokpim keys init` makes: a self-signed office root CA (20 years)
 * and a signing certificate it issues (2 years) with O=organization,
 * OU=unit, written into dir. Refuses a folder that already holds an
 * identity unless force; an earlier CA key is then kept as
 * ca-key.pem.old, as by dk_keys_import. */
DK_API int dk_keys_create(const char *dir, const char *organization,
                          const char *unit, bool force, char **kept_old_ca_key,
                          dk_error *err);

/* What `dokpim keys import` does: key_path and chain_path (PEM), or
 * pkcs12_path (then key_path and chain_path NULL) opened with password
 * (NULL or "" for none; also used for an encrypted PEM key). Validates as
 * dk_signing_identity_load does, then writes dir's key, chain and
 * ca-cert.pem. An earlier ca-key.pem that does not belong to the new
 * anchor is kept as ca-key.pem.old (.old.2, ... if taken) rather than
 * destroyed: *kept_old_ca_key is then its path (g_free), else NULL. */
DK_API int dk_keys_import(const char *dir, const char *key_path,
                          const char *chain_path, const char *pkcs12_path,
                          const char *password, bool force,
                          char **kept_old_ca_key, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
