/* What the signing-identity files of libdokpim share (keys*.c) and the
 * `dokpim keys` command uses; OpenSSL types throughout. */
#ifndef DK_KEYS_INTERNAL_H
#define DK_KEYS_INTERNAL_H

#include <dokpim/keys.h>

#include "dk_private_api.h"
#include <openssl/x509.h>

/* dk_error_set with OpenSSL's reason for the latest failure appended
 * (": bad decrypt"), clearing OpenSSL's error queue. */
int dk_keys_openssl_error(dk_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Every certificate of a PEM file, in file order (at least one).
 * sk_X509_pop_free(*certs, X509_free). */
DK_PRIVATE_API int dk_keys_read_certs(const char *path, STACK_OF(X509) * *certs,
                                      dk_error *err);
/* A PEM private key; password NULL for none (an encrypted key is then
 * refused, never prompted for). EVP_PKEY_free(). */
int dk_keys_read_key(const char *path, const char *password, EVP_PKEY **key,
                     dk_error *err);

/* Everything dk_signing_identity_load() promises of key and certs (any
 * order): *chain gets them ordered signer first, each followed by its
 * issuer (sk_X509_pop_free). label names the chain's source in messages. */
int dk_keys_validate(EVP_PKEY *key, STACK_OF(X509) * certs, const char *label,
                     STACK_OF(X509) * *chain, dk_error *err);

/* Refuses (DK_ERR_EXISTS) a folder already holding an identity file,
 * unless force. */
int dk_keys_refuse_existing(const char *dir, bool force, dk_error *err);
/* Writes dir's signing key, chain, ca-cert.pem (the chain's last) and,
 * when ca_key is not NULL, ca-key.pem; keys mode 0600 from the first
 * byte, every file through dk_atomic_*, the chain last of all. */
int dk_keys_write(const char *dir, EVP_PKEY *key, STACK_OF(X509) * chain,
                  EVP_PKEY *ca_key, dk_error *err);

/* An earlier `keys init` left its CA key in dir: it must not sit beside an
 * anchor it did not make, nor be destroyed. Unless it is anchor's key, it
 * becomes ca-key.pem.old (.old.2, ... when that exists): *kept is then
 * its new path (g_free). */
int dk_keys_set_aside_ca_key(const char *dir, X509 *anchor, char **kept,
                             dk_error *err);

/* A certificate name as one line, "CN=...,OU=...,O=..." (g_free). */
DK_PRIVATE_API char *dk_keys_name_text(const X509_NAME *name);

/* SHA-256 of the certificate's DER: lower-case hex into hex[65], or, with
 * colons, upper case as `openssl x509 -fingerprint` prints it into
 * colons[96]. Either may be NULL. */
DK_PRIVATE_API void dk_keys_fingerprint(X509 *cert, char hex[65],
                                        char colons[96]);

#endif
