/* Reading a signing key and chain, and judging them as a C2PA validator
 * will: a manifest signed with anything less would be published and then
 * refused by every reader, so both `keys import` and every signer check
 * here first. */
#include "dk_i18n.h"
#include "dk_internal.h"
#include "keys_internal.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <string.h>

#define OID_DOCUMENT_SIGNING "1.3.6.1.5.5.7.3.36" /* RFC 9336 */
#define OID_EMAIL_PROTECTION "1.3.6.1.5.5.7.3.4"
#define OID_ANY_EKU          "2.5.29.37.0"
#define OID_TIME_STAMPING    "1.3.6.1.5.5.7.3.8"
#define OID_OCSP_SIGNING     "1.3.6.1.5.5.7.3.9"

int dk_keys_openssl_error(dk_error *err, int code, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *text = g_strdup_vprintf(dk_i18n_format(fmt), args);
    va_end(args);
    /* the last error is the outermost; its reason is the readable part */
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    if (reason)
        return dk_error_set(err, code, "%s: %s", text, reason);
    return dk_error_set(err, code, "%s", text);
}

int dk_keys_read_certs(const char *path, STACK_OF(X509) * *certs, dk_error *err)
{
    *certs = NULL;
    BIO *bio = BIO_new_file(path, "r");
    if (!bio)
        return dk_keys_openssl_error(err, DK_ERR_IO, "cannot read %s", path);
    STACK_OF(X509) *list = sk_X509_new_null();
    X509 *cert;
    while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
        sk_X509_push(list, cert);
    /* the loop ends at the end of the file, or at a damaged block */
    unsigned long e = ERR_peek_last_error();
    bool at_end = ERR_GET_LIB(e) == ERR_LIB_PEM &&
                  ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
    BIO_free(bio);
    if (!at_end || sk_X509_num(list) == 0) {
        sk_X509_pop_free(list, X509_free);
        if (at_end) {
            ERR_clear_error();
            return dk_error_set(err, DK_ERR_INVALID,
                                "%s holds no PEM certificate", path);
        }
        return dk_keys_openssl_error(err, DK_ERR_INVALID,
                                     "%s: damaged certificate", path);
    }
    ERR_clear_error();
    *certs = list;
    return 0;
}

/* OpenSSL would otherwise ask on the terminal for a missing password. */
static int password_callback(char *buf, int size, int rwflag, void *data)
{
    (void)rwflag;
    const char *password = data;
    if (!password)
        return -1;
    size_t length = strlen(password);
    if (length > (size_t)size)
        return -1;
    memcpy(buf, password, length);
    return (int)length;
}

int dk_keys_read_key(const char *path, const char *password, EVP_PKEY **key,
                     dk_error *err)
{
    *key = NULL;
    BIO *bio = BIO_new_file(path, "r");
    if (!bio)
        return dk_keys_openssl_error(err, DK_ERR_IO, "cannot read %s", path);
    *key =
        PEM_read_bio_PrivateKey(bio, NULL, password_callback, (void *)password);
    BIO_free(bio);
    if (!*key)
        return dk_keys_openssl_error(
            err, DK_ERR_INVALID,
            password ? "%s: not a PEM private key, or a wrong password"
                     : "%s: not a PEM private key, or encrypted (give its "
                       "password with --password-file)",
            path);
    return 0;
}

char *dk_keys_name_text(const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    /* RFC 2253 order and escaping, but UTF-8 left readable */
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *data = NULL;
    long length = BIO_get_mem_data(bio, &data);
    char *text =
        length > 0 ? g_strndup(data, (gsize)length) : g_strdup("(no subject)");
    BIO_free(bio);
    return text;
}

static char *subject_of(X509 *cert)
{
    return dk_keys_name_text(X509_get_subject_name(cert));
}

static int check_key_type(EVP_PKEY *key, dk_error *err)
{
    char group[64] = "";
    if (!EVP_PKEY_is_a(key, "EC") ||
        !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                        sizeof group, NULL) ||
        strcmp(group, SN_X9_62_prime256v1) != 0) {
        ERR_clear_error();
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "the signing key is %s%s%s; dokpim signs with "
                            "ECDSA P-256 (ES256) keys only",
                            EVP_PKEY_get0_type_name(key), *group ? " " : "",
                            group);
    }
    return 0;
}

/* Signer first, then each certificate's issuer among the rest. Each
 * certificate is taken once, so a chain that loops simply ends. */
static int order_chain(EVP_PKEY *key, STACK_OF(X509) * certs, const char *label,
                       STACK_OF(X509) * *out, dk_error *err)
{
    STACK_OF(X509) *rest = sk_X509_dup(certs);
    STACK_OF(X509) *chain = sk_X509_new_null();
    for (int i = 0; i < sk_X509_num(rest); i++)
        if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(rest, i)), key) == 1) {
            sk_X509_push(chain, sk_X509_delete(rest, i));
            break;
        }
    int rc = 0;
    if (sk_X509_num(chain) == 0) {
        g_autofree char *first = subject_of(sk_X509_value(certs, 0));
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "%s: the key does not match the signing "
                          "certificate (%s)",
                          label, first);
        goto out;
    }
    for (;;) {
        X509 *last = sk_X509_value(chain, sk_X509_num(chain) - 1);
        if (X509_self_signed(last, 0) == 1)
            break;
        int found = -1;
        for (int i = 0; i < sk_X509_num(rest) && found < 0; i++)
            if (X509_check_issued(sk_X509_value(rest, i), last) == X509_V_OK)
                found = i;
        if (found < 0)
            break;
        sk_X509_push(chain, sk_X509_delete(rest, found));
    }
    if (sk_X509_num(rest) > 0) {
        g_autofree char *stray = subject_of(sk_X509_value(rest, 0));
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "%s: certificate %s is not in the signing "
                          "certificate's chain",
                          label, stray);
        goto out;
    }
    if (sk_X509_num(chain) < 2) {
        X509 *leaf = sk_X509_value(chain, 0);
        rc = dk_error_set(
            err, DK_ERR_INVALID,
            X509_self_signed(leaf, 0) == 1
                ? "%s: the signing certificate is self-signed; C2PA "
                  "validators accept only a CA-issued signer"
                : "%s: the chain ends at the signing certificate; add the "
                  "certificate of its issuer (the CA)",
            label);
        goto out;
    }
out:
    sk_X509_free(rest);
    if (rc < 0)
        sk_X509_free(chain);
    else
        *out = chain;
    return rc;
}

/* The chain's last certificate is the anchor: a self-signed root, or an
 * intermediate the office publishes as its own trust anchor. */
static int verify_chain(STACK_OF(X509) * chain, const char *label,
                        dk_error *err)
{
    int n = sk_X509_num(chain);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_add_cert(store, sk_X509_value(chain, n - 1));
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    for (int i = 1; i < n - 1; i++)
        sk_X509_push(untrusted, sk_X509_value(chain, i));
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int rc = 0;
    if (!X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), untrusted)) {
        rc = dk_keys_openssl_error(err, DK_ERR_INTERNAL,
                                   "cannot set up certificate checks");
    } else if (X509_verify_cert(ctx) != 1) {
        int depth = X509_STORE_CTX_get_error_depth(ctx);
        X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
        g_autofree char *who = bad ? subject_of(bad) : g_strdup("?");
        rc = dk_error_set(
            err, DK_ERR_INVALID, "%s: the chain does not verify: %s (%s %s)",
            label, X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)),
            depth == 0 ? "signing certificate" : "certificate", who);
        ERR_clear_error();
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    return rc;
}

static bool eku_has(EXTENDED_KEY_USAGE *eku, const char *oid)
{
    char text[80];
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
        if (OBJ_obj2txt(text, sizeof text, sk_ASN1_OBJECT_value(eku, i), 1) >
                0 &&
            strcmp(text, oid) == 0)
            return true;
    return false;
}

/* The C2PA signer profile (spec 2.x, "Certificate profile"), as the
 * reference implementation (c2pa-rs check_certificate_profile) applies it
 * to the signing certificate beyond a verifying chain. A key usage that is
 * not critical only earns a warning there, so it is accepted here too. */
static const char *signer_profile_problem(X509 *leaf)
{
    if (X509_get_version(leaf) != X509_VERSION_3)
        return "is not an X.509 version 3 certificate";
    if (X509_check_ca(leaf) != 0)
        return "is a CA certificate; sign with an end-entity certificate";
    const ASN1_BIT_STRING *issuer_uid = NULL, *subject_uid = NULL;
    X509_get0_uids(leaf, &issuer_uid, &subject_uid);
    if (issuer_uid || subject_uid)
        return "carries unique identifiers, which C2PA forbids";
    if (X509_get_ext_by_NID(leaf, NID_key_usage, -1) < 0)
        return "has no key usage extension";
    uint32_t usage = X509_get_key_usage(leaf);
    if (!(usage & KU_DIGITAL_SIGNATURE))
        return "lacks the digitalSignature key usage";
    if (usage & KU_KEY_CERT_SIGN)
        return "may sign certificates (keyCertSign) but is no CA";
    EXTENDED_KEY_USAGE *eku =
        X509_get_ext_d2i(leaf, NID_ext_key_usage, NULL, NULL);
    const char *problem = NULL;
    if (!eku || sk_ASN1_OBJECT_num(eku) == 0)
        problem = "has no extended key usage (C2PA needs emailProtection "
                  "or documentSigning)";
    else if (eku_has(eku, OID_ANY_EKU))
        problem = "has anyExtendedKeyUsage, which C2PA forbids";
    else if (eku_has(eku, OID_TIME_STAMPING) || eku_has(eku, OID_OCSP_SIGNING))
        problem = "has the timeStamping or OCSPSigning extended key usage, "
                  "which C2PA allows only alone, for other purposes";
    else if (!eku_has(eku, OID_EMAIL_PROTECTION) &&
             !eku_has(eku, OID_DOCUMENT_SIGNING))
        problem = "has neither the emailProtection nor the documentSigning "
                  "extended key usage";
    EXTENDED_KEY_USAGE_free(eku);
    if (problem)
        return problem;
    if (X509_NAME_get_index_by_NID(X509_get_subject_name(leaf),
                                   NID_organizationName, -1) < 0)
        return "names no Organization (O=) in its subject";
    /* how a validator finds the issuer among the anchors */
    if (X509_get_ext_by_NID(leaf, NID_authority_key_identifier, -1) < 0)
        return "has no authority key identifier";
    return NULL;
}

int dk_keys_validate(EVP_PKEY *key, STACK_OF(X509) * certs, const char *label,
                     STACK_OF(X509) * *chain, dk_error *err)
{
    *chain = NULL;
    int rc = check_key_type(key, err);
    STACK_OF(X509) *ordered = NULL;
    if (rc == 0)
        rc = order_chain(key, certs, label, &ordered, err);
    if (rc == 0)
        rc = verify_chain(ordered, label, err);
    const char *problem =
        rc == 0 ? signer_profile_problem(sk_X509_value(ordered, 0)) : NULL;
    if (problem)
        rc = dk_error_set(err, DK_ERR_INVALID, "%s: the signing certificate %s",
                          label, problem);
    if (rc < 0) {
        sk_X509_free(ordered);
        return rc;
    }
    /* the caller's own references, independent of certs */
    for (int i = 0; i < sk_X509_num(ordered); i++)
        X509_up_ref(sk_X509_value(ordered, i));
    *chain = ordered;
    return 0;
}
