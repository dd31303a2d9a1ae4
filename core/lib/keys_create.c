/* `dokpim keys init`: an office root CA and the signing certificate it
 * issues, so an office with no commercial CA still signs with a chain a
 * C2PA validator accepts once the anchor is published. */
#include "dk_internal.h"
#include "keys_internal.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#define CA_DAYS      (20 * 365 + 5)
#define SIGNING_DAYS (2 * 365 + 1)
/* a validator whose clock runs behind must not see a certificate from the
 * future */
#define BACKDATE_SECONDS (-3600L)

typedef struct cert_profile {
    const char *common_name_format; /* "%s" is the unit */
    long days;
    const char *extensions[5][2]; /* name, OpenSSL extension value */
} cert_profile;

static const cert_profile ca_profile = {
    "%s root CA",
    CA_DAYS,
    {{"basicConstraints", "critical,CA:TRUE,pathlen:0"},
     {"keyUsage", "critical,keyCertSign,cRLSign"},
     {"subjectKeyIdentifier", "hash"},
     /* the signer profile's checks ask every certificate for one; a root's
      * names itself */
     {"authorityKeyIdentifier", "keyid:always"}}};

/* What C2PA asks of a signer: digitalSignature (critical) and
 * emailProtection / documentSigning (RFC 9336), the two EKUs its
 * validators accept without a configured list. */
static const cert_profile signing_profile = {
    "%s content signing",
    SIGNING_DAYS,
    {{"basicConstraints", "CA:FALSE"},
     {"keyUsage", "critical,digitalSignature"},
     {"extendedKeyUsage", "emailProtection,1.3.6.1.5.5.7.3.36"},
     {"subjectKeyIdentifier", "hash"},
     {"authorityKeyIdentifier", "keyid:always"}}};

static bool set_name(X509_NAME *name, const char *organization,
                     const char *unit, const char *common_name)
{
    const struct {
        const char *field, *value;
    } parts[] = {{"O", organization}, {"OU", unit}, {"CN", common_name}};
    for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
        if (parts[i].value && *parts[i].value &&
            !X509_NAME_add_entry_by_txt(name, parts[i].field, MBSTRING_UTF8,
                                        (const unsigned char *)parts[i].value,
                                        -1, -1, 0))
            return false;
    return true;
}

/* A random positive serial of 159 bits (RFC 5280 allows 20 octets). */
static bool set_random_serial(X509 *cert)
{
    BIGNUM *bn = BN_new();
    bool ok = bn && BN_rand(bn, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
              BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
    BN_free(bn);
    return ok;
}

/* issuer NULL: self-signed with key. */
static X509 *issue(const cert_profile *profile, EVP_PKEY *key,
                   const char *organization, const char *unit, X509 *issuer,
                   EVP_PKEY *issuer_key)
{
    X509 *cert = X509_new();
    g_autofree char *common_name =
        g_strdup_printf(profile->common_name_format, unit);
    bool ok =
        cert && X509_set_version(cert, X509_VERSION_3) &&
        set_random_serial(cert) &&
        set_name(X509_get_subject_name(cert), organization, unit,
                 common_name) &&
        X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer)
                                          : X509_get_subject_name(cert)) &&
        X509_gmtime_adj(X509_getm_notBefore(cert), BACKDATE_SECONDS) &&
        X509_time_adj_ex(X509_getm_notAfter(cert), (int)profile->days, 0,
                         NULL) &&
        X509_set_pubkey(cert, key);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
    for (size_t i = 0; ok && i < G_N_ELEMENTS(profile->extensions) &&
                       profile->extensions[i][0];
         i++) {
        X509_EXTENSION *ext = X509V3_EXT_nconf(
            NULL, &ctx, profile->extensions[i][0], profile->extensions[i][1]);
        ok = ext && X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (ok && !X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()))
        ok = false;
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

int dk_keys_create(const char *dir, const char *organization, const char *unit,
                   bool force, char **kept_old_ca_key, dk_error *err)
{
    *kept_old_ca_key = NULL;
    if (!organization || !*organization || !unit || !*unit)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "the organization and the unit must be named");
    int rc = dk_keys_refuse_existing(dir, force, err);
    if (rc < 0)
        return rc;
    EVP_PKEY *ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *ca = ca_key && key
                   ? issue(&ca_profile, ca_key, organization, unit, NULL, NULL)
                   : NULL;
    X509 *signer =
        ca ? issue(&signing_profile, key, organization, unit, ca, ca_key)
           : NULL;
    STACK_OF(X509) *certs = sk_X509_new_null(), *chain = NULL;
    if (!signer) {
        rc = dk_keys_openssl_error(err, DK_ERR_INTERNAL,
                                   "cannot make the certificates");
    } else {
        sk_X509_push(certs, signer);
        sk_X509_push(certs, ca);
        /* judged by the same rules as an imported identity */
        rc = dk_keys_validate(key, certs, "new identity", &chain, err);
    }
    if (rc == 0)
        rc = dk_keys_set_aside_ca_key(dir, ca, kept_old_ca_key, err);
    if (rc == 0)
        rc = dk_keys_write(dir, key, chain, ca_key, err);
    sk_X509_pop_free(chain, X509_free);
    sk_X509_free(certs);
    X509_free(signer);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return rc;
}
