/* The identity folder on disk: refusing to replace one by accident,
 * writing it whole, and importing a CA-issued key and chain into it. */
#include "dk_internal.h"
#include "keys_internal.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <string.h>
#include <sys/stat.h>

static const char *const identity_files[] = {DK_KEYS_SIGNING_KEY,
                                             DK_KEYS_SIGNING_CHAIN,
                                             DK_KEYS_CA_CERT, DK_KEYS_CA_KEY};

int dk_keys_refuse_existing(const char *dir, bool force, dk_error *err)
{
    if (force)
        return 0;
    for (size_t i = 0; i < G_N_ELEMENTS(identity_files); i++) {
        g_autofree char *path = g_build_filename(dir, identity_files[i], NULL);
        if (g_file_test(path, G_FILE_TEST_EXISTS))
            return dk_error_set(err, DK_ERR_EXISTS,
                                "%s already holds a signing identity (%s); "
                                "use --force to replace it",
                                dir, identity_files[i]);
    }
    return 0;
}

void dk_keys_fingerprint(X509 *cert, char hex[65], char colons[96])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    X509_digest(cert, EVP_sha256(), md, &n);
    for (unsigned int i = 0; i < n && i < 32; i++) {
        if (hex)
            g_snprintf(hex + 2 * i, 3, "%02x", md[i]);
        if (colons)
            g_snprintf(colons + 3 * i, 4, i + 1 < n ? "%02X:" : "%02X", md[i]);
    }
}

/* One file of the identity, written but not yet in place. */
typedef struct pending_file {
    dk_atomic *file;
    BIO *bio;
} pending_file;

static int pending_open(const char *dir, const char *name, bool secret,
                        pending_file *out, dk_error *err)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    int rc = dk_atomic_open(path, &out->file, err);
    if (rc < 0)
        return rc;
    /* restrict before a byte of the key is written */
    if (secret && chmod(dk_atomic_temp_path(out->file), 0600) != 0) {
        rc = dk_error_errno(err, DK_ERR_IO, "cannot restrict to mode 0600",
                            dk_atomic_temp_path(out->file));
        dk_atomic_abort(&out->file);
        return rc;
    }
    out->bio = BIO_new_fp(dk_atomic_stream(out->file), BIO_NOCLOSE);
    return 0;
}

static void pending_release(pending_file *p)
{
    BIO_free(p->bio);
    p->bio = NULL;
    dk_atomic_abort(&p->file);
}

int dk_keys_write(const char *dir, EVP_PKEY *key, STACK_OF(X509) * chain,
                  EVP_PKEY *ca_key, dk_error *err)
{
    /* commit order: the chain last, so a folder interrupted half-way has
     * no chain that names a key it does not hold */
    enum { CA_CERT, CA_KEY, SIGNING_KEY, SIGNING_CHAIN, N_FILES };
    static const char *const names[N_FILES] = {DK_KEYS_CA_CERT, DK_KEYS_CA_KEY,
                                               DK_KEYS_SIGNING_KEY,
                                               DK_KEYS_SIGNING_CHAIN};
    pending_file files[N_FILES] = {{0}};
    int rc = 0;
    for (int i = 0; i < N_FILES && rc == 0; i++)
        if (i != CA_KEY || ca_key)
            rc = pending_open(dir, names[i], i == CA_KEY || i == SIGNING_KEY,
                              &files[i], err);
    bool written = rc == 0;
    if (written) {
        written =
            PEM_write_bio_X509(files[CA_CERT].bio,
                               sk_X509_value(chain, sk_X509_num(chain) - 1)) &&
            PEM_write_bio_PrivateKey(files[SIGNING_KEY].bio, key, NULL, NULL, 0,
                                     NULL, NULL) &&
            (!ca_key || PEM_write_bio_PrivateKey(files[CA_KEY].bio, ca_key,
                                                 NULL, NULL, 0, NULL, NULL));
        for (int i = 0; written && i < sk_X509_num(chain); i++)
            written = PEM_write_bio_X509(files[SIGNING_CHAIN].bio,
                                         sk_X509_value(chain, i));
        for (int i = 0; written && i < N_FILES; i++)
            written = !files[i].bio || BIO_flush(files[i].bio) == 1;
        if (!written)
            rc = dk_keys_openssl_error(err, DK_ERR_IO, "cannot write %s", dir);
    }
    for (int i = 0; i < N_FILES; i++) {
        BIO_free(files[i].bio);
        files[i].bio = NULL;
        if (rc == 0 && files[i].file)
            rc = dk_atomic_commit(&files[i].file, err);
        pending_release(&files[i]);
    }
    return rc;
}

static int read_pkcs12(const char *path, const char *password, EVP_PKEY **key,
                       STACK_OF(X509) * *certs, dk_error *err)
{
    BIO *bio = BIO_new_file(path, "rb");
    if (!bio)
        return dk_keys_openssl_error(err, DK_ERR_IO, "cannot read %s", path);
    PKCS12 *p12 = d2i_PKCS12_bio(bio, NULL);
    BIO_free(bio);
    if (!p12)
        return dk_keys_openssl_error(err, DK_ERR_INVALID,
                                     "%s is not a PKCS#12 file", path);
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    int ok = PKCS12_parse(p12, password, key, &cert, &ca);
    PKCS12_free(p12);
    if (!ok)
        return dk_keys_openssl_error(
            err, DK_ERR_INVALID,
            "%s: cannot open (wrong password? an old file using RC2 or 3DES "
            "may need re-exporting with a current openssl pkcs12)",
            path);
    if (!*key || !cert) {
        EVP_PKEY_free(*key);
        *key = NULL;
        X509_free(cert);
        sk_X509_pop_free(ca, X509_free);
        return dk_error_set(err, DK_ERR_INVALID,
                            "%s holds no key and certificate pair", path);
    }
    *certs = ca ? ca : sk_X509_new_null();
    sk_X509_insert(*certs, cert, 0);
    return 0;
}

int dk_keys_set_aside_ca_key(const char *dir, X509 *anchor, char **kept,
                             dk_error *err)
{
    g_autofree char *path = g_build_filename(dir, DK_KEYS_CA_KEY, NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return 0;
    EVP_PKEY *old = NULL;
    dk_error ignored = {0};
    bool ours = dk_keys_read_key(path, NULL, &old, &ignored) == 0 &&
                EVP_PKEY_eq(old, X509_get0_pubkey(anchor)) == 1;
    EVP_PKEY_free(old);
    ERR_clear_error();
    if (ours)
        return 0;
    /* never over an older one kept the same way */
    g_autofree char *aside = g_strconcat(path, ".old", NULL);
    for (int n = 2; g_file_test(aside, G_FILE_TEST_EXISTS); n++) {
        g_free(aside);
        aside = g_strdup_printf("%s.old.%d", path, n);
    }
    if (g_rename(path, aside) != 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot set aside", path);
    *kept = g_steal_pointer(&aside);
    return 0;
}

int dk_keys_import(const char *dir, const char *key_path,
                   const char *chain_path, const char *pkcs12_path,
                   const char *password, bool force, char **kept_old_ca_key,
                   dk_error *err)
{
    *kept_old_ca_key = NULL;
    int rc = dk_keys_refuse_existing(dir, force, err);
    if (rc < 0)
        return rc;
    if (password && !*password)
        password = NULL;
    EVP_PKEY *key = NULL;
    STACK_OF(X509) *certs = NULL, *chain = NULL;
    const char *label = pkcs12_path ? pkcs12_path : chain_path;
    if (pkcs12_path)
        rc = read_pkcs12(pkcs12_path, password, &key, &certs, err);
    else if ((rc = dk_keys_read_key(key_path, password, &key, err)) == 0)
        rc = dk_keys_read_certs(chain_path, &certs, err);
    if (rc == 0)
        rc = dk_keys_validate(key, certs, label, &chain, err);
    if (rc == 0)
        rc = dk_keys_set_aside_ca_key(
            dir, sk_X509_value(chain, sk_X509_num(chain) - 1), kept_old_ca_key,
            err);
    if (rc == 0)
        rc = dk_keys_write(dir, key, chain, NULL, err);
    sk_X509_pop_free(chain, X509_free);
    sk_X509_pop_free(certs, X509_free);
    EVP_PKEY_free(key);
    return rc;
}
