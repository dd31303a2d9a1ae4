/* The office's signing identity: `dokpim keys init|import|export|show`
 * and dk_signing_identity, judged by the openssl command line, never by
 * dokpim itself. */
#include <check.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dk_test.h"
#include <dokpim/keys.h>

#define ORG  "Pemerintah Kabupaten Badung"
#define UNIT "Bagian Prokompim"

static char *dir, *id; /* id: the identity `keys init` made in setup */

static char *path_in(const char *folder, const char *name)
{
    return g_build_filename(folder, name, NULL);
}

static int dokpim(char **out, char **err, ...) G_GNUC_NULL_TERMINATED;
static int dokpim(char **out, char **err, ...)
{
    GPtrArray *args = g_ptr_array_new();
    va_list ap;
    va_start(ap, err);
    for (const char *a; (a = va_arg(ap, const char *));)
        g_ptr_array_add(args, (gpointer)a);
    va_end(ap);
    g_ptr_array_add(args, NULL);
    int status = dk_test_dokpim((const char *const *)args->pdata, out, err);
    g_ptr_array_free(args, TRUE);
    return status;
}

static void setup(void)
{
    dir = dk_test_tmpdir("keys");
    id = path_in(dir, "id");
    g_autofree char *err = NULL;
    int status = dokpim(NULL, &err, "keys", "init", "--org", ORG, "--unit",
                        UNIT, "-o", id, NULL);
    if (status != 0)
        dk_test_fail("keys init -> %d: %s", status, err);
    /* the signing certificate alone, as openssl verify wants it */
    g_free(dk_test_sh_ok("cd '%s' && openssl x509 -in signing-chain.pem "
                         "-out leaf.pem",
                         id));
}

static void teardown(void)
{
    g_free(dir);
    g_free(id);
    dk_test_cleanup_dirs();
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static int lines(const char *text)
{
    int n = 0;
    for (const char *p = text; p && *p; p++)
        n += *p == '\n';
    return n;
}

static void assert_has_all(const char *text, const char *const *needs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strstr(text, needs[i]), "no \"%s\" in:\n%s", needs[i],
                      text);
}

START_TEST(init_makes_a_ca_and_signer_openssl_accepts)
{
    g_autofree char *verify = dk_test_sh_ok(
        "cd '%s' && openssl verify -CAfile ca-cert.pem leaf.pem", id);
    ck_assert_str_eq(verify, "leaf.pem: OK");
    g_autofree char *leaf =
        dk_test_sh_ok("openssl x509 -in '%s/leaf.pem' -noout -text", id);
    const char *leaf_needs[] = {
        "ecdsa-with-SHA256",
        "ASN1 OID: prime256v1",
        "Subject: O = " ORG ", OU = " UNIT ", CN = " UNIT " content signing",
        "Issuer: O = " ORG ", OU = " UNIT ", CN = " UNIT " root CA",
        "X509v3 Key Usage: critical\n                Digital Signature\n",
        "X509v3 Extended Key Usage: \n                E-mail Protection, "
        "1.3.6.1.5.5.7.3.36\n",
        "CA:FALSE",
        "X509v3 Subject Key Identifier",
        "X509v3 Authority Key Identifier",
        "Version: 3 (0x2)"};
    assert_has_all(leaf, leaf_needs, G_N_ELEMENTS(leaf_needs));
    g_autofree char *ca =
        dk_test_sh_ok("openssl x509 -in '%s/ca-cert.pem' -noout -text", id);
    const char *ca_needs[] = {
        "X509v3 Basic Constraints: critical\n                CA:TRUE",
        "X509v3 Key Usage: critical\n                Certificate Sign, CRL "
        "Sign\n",
        "X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier",
        "ASN1 OID: prime256v1"};
    assert_has_all(ca, ca_needs, G_N_ELEMENTS(ca_needs));
    g_autofree char *purpose =
        dk_test_sh_ok("openssl x509 -in '%s/leaf.pem' -noout -purpose", id);
    ck_assert_ptr_nonnull(strstr(purpose, "S/MIME signing : Yes"));
    ck_assert_ptr_nonnull(strstr(purpose, "S/MIME signing CA : No"));
    /* lifetimes: the signer about 2 years, the root about 20 */
    const long day = 86400;
    g_free(dk_test_sh_ok("openssl x509 -in '%s/leaf.pem' -noout -checkend %ld",
                         id, 700 * day));
    g_autofree char *expires = g_strdup_printf(
        "openssl x509 -in '%s/leaf.pem' -noout -checkend %ld", id, 740 * day);
    ck_assert_int_ne(dk_test_sh(expires, NULL, NULL), 0);
    g_free(
        dk_test_sh_ok("openssl x509 -in '%s/ca-cert.pem' -noout -checkend %ld",
                      id, 7300 * day));
    /* the chain file: signer, then the CA, byte for byte ca-cert.pem */
    g_autofree char *chain_fps = dk_test_sh_ok(
        "cd '%s' && openssl crl2pkcs7 -nocrl -certfile signing-chain.pem | "
        "openssl pkcs7 -print_certs | grep -c BEGIN",
        id);
    ck_assert_str_eq(chain_fps, "2");
    g_autofree char *ca_path = path_in(id, "ca-cert.pem");
    g_autofree char *chain_path = path_in(id, "signing-chain.pem");
    g_autofree char *ca_pem = dk_test_read(ca_path, NULL);
    g_autofree char *chain_pem = dk_test_read(chain_path, NULL);
    ck_assert_ptr_nonnull(g_str_has_suffix(chain_pem, ca_pem) ? chain_pem
                                                              : NULL);
    /* the keys are P-256 and their owner's alone */
    const char *keys[] = {"signing-key.pem", "ca-key.pem"};
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_autofree char *key = path_in(id, keys[i]);
        ck_assert_uint_eq(mode_of(key), 0600);
        g_autofree char *text =
            dk_test_sh_ok("openssl pkey -in '%s' -noout -text", key);
        ck_assert_ptr_nonnull(strstr(text, "NIST CURVE: P-256"));
    }
    /* the signing key belongs to the leaf, the CA key to the CA */
    g_autofree char *leaf_pub =
        dk_test_sh_ok("openssl x509 -in '%s/leaf.pem' -noout -pubkey", id);
    g_autofree char *key_pub =
        dk_test_sh_ok("openssl pkey -in '%s/signing-key.pem' -pubout", id);
    ck_assert_str_eq(leaf_pub, key_pub);
    g_autofree char *ca_pub =
        dk_test_sh_ok("openssl x509 -in '%s/ca-cert.pem' -noout -pubkey", id);
    g_autofree char *ca_key_pub =
        dk_test_sh_ok("openssl pkey -in '%s/ca-key.pem' -pubout", id);
    ck_assert_str_eq(ca_pub, ca_key_pub);
}
END_TEST

START_TEST(init_says_to_move_the_ca_key_and_refuses_to_overwrite)
{
    g_autofree char *other = path_in(dir, "other");
    g_autofree char *err = NULL;
    ck_assert_int_eq(dokpim(NULL, &err, "keys", "init", "--org", ORG, "--unit",
                            UNIT, "-o", other, NULL),
                     0);
    ck_assert_ptr_nonnull(strstr(err, "ca-key.pem is only needed"));
    ck_assert_ptr_nonnull(strstr(err, "move it offline"));
    g_autofree char *key = path_in(other, "signing-key.pem");
    g_autofree char *ca_key = path_in(other, "ca-key.pem");
    g_autofree char *before = dk_test_sha256(key);
    g_autofree char *ca_before = dk_test_sha256(ca_key);
    g_autofree char *refused = NULL;
    ck_assert_int_eq(dokpim(NULL, &refused, "keys", "init", "--org", ORG,
                            "--unit", UNIT, "-o", other, NULL),
                     2);
    ck_assert_int_eq(lines(refused), 1);
    ck_assert_ptr_nonnull(strstr(refused, "use --force"));
    g_autofree char *same = dk_test_sha256(key);
    ck_assert_str_eq(same, before);
    /* --force replaces, and keeps the old root key rather than destroy it */
    g_autofree char *forced = NULL;
    ck_assert_int_eq(dokpim(NULL, &forced, "keys", "init", "--org", ORG,
                            "--unit", UNIT, "-o", other, "--force", NULL),
                     0);
    g_autofree char *after = dk_test_sha256(key);
    ck_assert_str_ne(after, before);
    g_autofree char *old = g_strconcat(ca_key, ".old", NULL);
    g_autofree char *old_sum = dk_test_sha256(old);
    ck_assert_str_eq(old_sum, ca_before);
    ck_assert_uint_eq(mode_of(old), 0600);
    g_autofree char *verify = dk_test_sh_ok(
        "cd '%s' && openssl verify -CAfile ca-cert.pem -untrusted "
        "signing-chain.pem signing-chain.pem",
        other);
    ck_assert_str_eq(verify, "signing-chain.pem: OK");
    /* a second replacement keeps both earlier root keys */
    g_autofree char *ca_middle = dk_test_sha256(ca_key);
    ck_assert_int_eq(dokpim(NULL, NULL, "keys", "init", "--org", ORG, "--unit",
                            UNIT, "-o", other, "--force", NULL),
                     0);
    g_autofree char *old2 = g_strconcat(ca_key, ".old.2", NULL);
    g_autofree char *old2_sum = dk_test_sha256(old2);
    ck_assert_str_eq(old2_sum, ca_middle);
    g_autofree char *old_again = dk_test_sha256(old);
    ck_assert_str_eq(old_again, ca_before);
}
END_TEST

START_TEST(load_refuses_a_key_others_may_read)
{
    g_autofree char *key = path_in(id, "signing-key.pem");
    dk_signing_identity *identity = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_signing_identity_load(id, NULL, &identity, &err), 0);
    dk_signing_identity_free(&identity);
    ck_assert_int_eq(chmod(key, 0644), 0);
    ck_assert_int_eq(dk_signing_identity_load(id, NULL, &identity, &err),
                     DK_ERR_CONFIG);
    ck_assert_ptr_null(identity);
    ck_assert_msg(strstr(err.message, "may be read by others"), "%s",
                  err.message);
    ck_assert_ptr_nonnull(strstr(err.message, "chmod 600"));
    /* a key and chain named separately are held to the same rule */
    g_autofree char *chain = path_in(id, "signing-chain.pem");
    ck_assert_int_eq(dk_signing_identity_load(key, chain, &identity, &err),
                     DK_ERR_CONFIG);
    g_autofree char *out = NULL;
    ck_assert_int_eq(dokpim(&out, NULL, "keys", "show", id, NULL), 1);
    ck_assert_ptr_nonnull(strstr(out, "can sign: no:"));
    ck_assert_int_eq(chmod(key, 0600), 0);
    ck_assert_int_eq(dk_signing_identity_load(key, chain, &identity, &err), 0);
    dk_signing_identity_free(&identity);
}
END_TEST

/* r || s as the DER SEQUENCE openssl dgst -verify reads, written out here
 * so that the test does not lean on the library under test. */
static size_t der_integer(const uint8_t *value, uint8_t *out)
{
    size_t skip = 0;
    while (skip < 31 && value[skip] == 0)
        skip++;
    size_t length = 32 - skip;
    bool pad = value[skip] & 0x80;
    out[0] = 0x02;
    out[1] = (uint8_t)(length + pad);
    out[2] = 0;
    memcpy(out + 2 + pad, value + skip, length);
    return 2 + pad + length;
}

static size_t raw_to_der(const uint8_t raw[64], uint8_t der[72])
{
    uint8_t body[70];
    size_t n = der_integer(raw, body);
    n += der_integer(raw + 32, body + n);
    der[0] = 0x30;
    der[1] = (uint8_t)n;
    memcpy(der + 2, body, n);
    return n + 2;
}

START_TEST(es256_signature_verifies_with_openssl)
{
    dk_signing_identity *identity = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_signing_identity_load(id, NULL, &identity, &err), 0);
    ck_assert_ptr_nonnull(dk_signing_identity_key(identity));
    /* the chain as DER, signer first, as openssl converts the files */
    ck_assert_uint_eq(dk_signing_identity_chain_length(identity), 2);
    const char *files[] = {"leaf.pem", "ca-cert.pem"};
    for (size_t i = 0; i < 2; i++) {
        g_free(dk_test_sh_ok("cd '%s' && openssl x509 -in %s -outform DER "
                             "-out cert%zu.der",
                             id, files[i], i));
        g_autofree char *name = g_strdup_printf("cert%zu.der", i);
        g_autofree char *path = path_in(id, name);
        gsize expected_length = 0;
        g_autofree char *expected = dk_test_read(path, &expected_length);
        size_t length = 0;
        const uint8_t *der = dk_signing_identity_cert_der(identity, i, &length);
        ck_assert_uint_eq(length, expected_length);
        ck_assert_int_eq(memcmp(der, expected, length), 0);
    }
    size_t none = 1;
    ck_assert_ptr_null(dk_signing_identity_cert_der(identity, 2, &none));
    ck_assert_uint_eq(none, 0);
    g_autofree char *fingerprint = dk_test_sh_ok(
        "openssl x509 -in '%s/leaf.pem' -outform DER | sha256sum | cut -c1-64",
        id);
    ck_assert_str_eq(dk_signing_identity_fingerprint(identity), fingerprint);

    g_autofree char *pub = path_in(id, "pub.pem");
    g_free(dk_test_sh_ok("openssl x509 -in '%s/leaf.pem' -noout -pubkey > '%s'",
                         id, pub));
    const char *messages[] = {"", "Sig_structure of a C2PA claim", NULL};
    g_autofree char *big = g_malloc(1 << 20);
    memset(big, 0xa5, 1 << 20);
    for (int m = 0; m < 3; m++) {
        const char *data = messages[m] ? messages[m] : big;
        size_t length = messages[m] ? strlen(data) : 1 << 20;
        g_autofree char *data_path = path_in(id, "data.bin");
        dk_test_write(data_path, data, (gssize)length);
        uint8_t raw[64], der[72];
        ck_assert_int_eq(
            dk_signing_identity_sign_es256(identity, data, length, raw, &err),
            0);
        g_autofree char *sig_path = path_in(id, "sig.der");
        dk_test_write(sig_path, der, (gssize)raw_to_der(raw, der));
        g_autofree char *ok = dk_test_sh_ok(
            "openssl dgst -sha256 -verify '%s' -signature '%s' '%s'", pub,
            sig_path, data_path);
        ck_assert_str_eq(ok, "Verified OK");
        /* and a signature over other bytes does not */
        raw[63] ^= 1;
        dk_test_write(sig_path, der, (gssize)raw_to_der(raw, der));
        g_autofree char *cmd = g_strdup_printf(
            "openssl dgst -sha256 -verify '%s' -signature '%s' '%s'", pub,
            sig_path, data_path);
        ck_assert_int_ne(dk_test_sh(cmd, NULL, NULL), 0);
    }
    dk_signing_identity_free(&identity);
    dk_signing_identity_free(&identity); /* NULL is fine */
}
END_TEST

START_TEST(export_prints_the_ca_pem_and_its_fingerprint)
{
    g_autofree char *ca_path = path_in(id, "ca-cert.pem");
    g_autofree char *ca_pem = dk_test_read(ca_path, NULL);
    g_autofree char *out = NULL;
    ck_assert_int_eq(dokpim(&out, NULL, "keys", "export", id, NULL), 0);
    ck_assert_str_eq(out, ca_pem);
    g_autofree char *fp = NULL;
    ck_assert_int_eq(
        dokpim(&fp, NULL, "keys", "export", "--fingerprint", id, NULL), 0);
    g_autofree char *expected = dk_test_sh_ok(
        "openssl x509 -in '%s' -noout -fingerprint -sha256 | cut -d= -f2",
        ca_path);
    g_strstrip(fp);
    ck_assert_str_eq(fp, expected);
    /* show: every certificate with its fingerprint, and that it can sign */
    g_autofree char *shown = NULL;
    ck_assert_int_eq(dokpim(&shown, NULL, "keys", "show", id, NULL), 0);
    ck_assert_ptr_nonnull(strstr(shown, expected));
    g_autofree char *leaf_fp = dk_test_sh_ok(
        "openssl x509 -in '%s/leaf.pem' -noout -fingerprint -sha256 | cut "
        "-d= -f2",
        id);
    ck_assert_ptr_nonnull(strstr(shown, leaf_fp));
    ck_assert_ptr_nonnull(strstr(shown,
                                 "subject   CN=" UNIT
                                 " content signing,OU=" UNIT ",O=" ORG "\n"));
    ck_assert_ptr_nonnull(strstr(shown, "issuer    CN=" UNIT " root CA"));
    ck_assert_ptr_nonnull(strstr(shown, "can sign: yes"));
    g_autofree char *missing = path_in(dir, "none");
    g_autofree char *err = NULL;
    ck_assert_int_eq(dokpim(NULL, &err, "keys", "export", missing, NULL), 1);
    ck_assert_int_eq(lines(err), 1);
}
END_TEST

/* The identity folder import wrote matches the one init made. */
static void assert_imported_like_init(const char *out)
{
    const char *same[] = {"signing-chain.pem", "ca-cert.pem"};
    for (size_t i = 0; i < G_N_ELEMENTS(same); i++) {
        g_autofree char *a = path_in(id, same[i]);
        g_autofree char *b = path_in(out, same[i]);
        g_autofree char *sa = dk_test_sha256(a);
        g_autofree char *sb = dk_test_sha256(b);
        ck_assert_msg(strcmp(sa, sb) == 0, "%s differs", same[i]);
    }
    g_autofree char *key = path_in(out, "signing-key.pem");
    ck_assert_uint_eq(mode_of(key), 0600);
    g_autofree char *pub = dk_test_sh_ok("openssl pkey -in '%s' -pubout", key);
    g_autofree char *leaf_pub =
        dk_test_sh_ok("openssl x509 -in '%s/leaf.pem' -noout -pubkey", id);
    ck_assert_str_eq(pub, leaf_pub);
    g_autofree char *ca_key = path_in(out, "ca-key.pem");
    ck_assert(!g_file_test(ca_key, G_FILE_TEST_EXISTS));
    dk_signing_identity *identity = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_signing_identity_load(out, NULL, &identity, &err), 0);
    dk_signing_identity_free(&identity);
}

START_TEST(import_takes_pkcs12_and_pem)
{
    const char *password = "rahasia kantor 2026";
    g_autofree char *pw = path_in(dir, "pw.txt");
    g_autofree char *pw_text = g_strdup_printf("%s\n", password);
    dk_test_write(pw, pw_text, -1);
    g_autofree char *p12 = path_in(dir, "office.p12");
    g_free(dk_test_sh_ok("cd '%s' && openssl pkcs12 -export -inkey "
                         "signing-key.pem -in leaf.pem -certfile ca-cert.pem "
                         "-passout 'file:%s' -out '%s'",
                         id, pw, p12));
    g_autofree char *a = path_in(dir, "a");
    g_autofree char *out = NULL, *err = NULL;
    ck_assert_int_eq(dokpim(&out, &err, "keys", "import", "--pkcs12", p12,
                            "--password-file", pw, "-o", a, NULL),
                     0);
    ck_assert_ptr_null(strstr(err, password));
    assert_imported_like_init(a);

    /* the password from the environment, never from argv */
    g_autofree char *b = path_in(dir, "b");
    g_setenv("DOKPIM_KEY_PASSWORD", password, TRUE);
    ck_assert_int_eq(
        dokpim(NULL, NULL, "keys", "import", "--pkcs12", p12, "-o", b, NULL),
        0);
    assert_imported_like_init(b);
    g_setenv("DOKPIM_KEY_PASSWORD", "not-the-password-5731", TRUE);
    g_autofree char *c = path_in(dir, "c");
    g_autofree char *wrong = NULL;
    ck_assert_int_eq(
        dokpim(NULL, &wrong, "keys", "import", "--pkcs12", p12, "-o", c, NULL),
        1);
    g_unsetenv("DOKPIM_KEY_PASSWORD");
    ck_assert_int_eq(lines(wrong), 1);
    ck_assert_ptr_nonnull(strstr(wrong, "wrong password"));
    ck_assert_ptr_null(strstr(wrong, "not-the-password-5731")); /* unsaid */
    ck_assert(!g_file_test(c, G_FILE_TEST_EXISTS));

    /* a PEM pair, the chain given CA first: import orders it */
    g_autofree char *d = path_in(dir, "d");
    g_autofree char *reversed = path_in(dir, "reversed.pem");
    g_free(dk_test_sh_ok("cd '%s' && cat ca-cert.pem leaf.pem > '%s'", id,
                         reversed));
    g_autofree char *key = path_in(id, "signing-key.pem");
    ck_assert_int_eq(dokpim(NULL, NULL, "keys", "import", "--key", key,
                            "--chain", reversed, "-o", d, NULL),
                     0);
    assert_imported_like_init(d);
    /* and an encrypted PEM key with its password file */
    g_autofree char *e = path_in(dir, "e");
    g_autofree char *encrypted = path_in(dir, "encrypted.pem");
    g_free(dk_test_sh_ok("openssl pkey -in '%s' -aes256 -passout 'file:%s' "
                         "-out '%s' && chmod 600 '%s'",
                         key, pw, encrypted, encrypted));
    g_autofree char *chain = path_in(id, "signing-chain.pem");
    g_autofree char *no_password = NULL;
    ck_assert_int_eq(dokpim(NULL, &no_password, "keys", "import", "--key",
                            encrypted, "--chain", chain, "-o", e, NULL),
                     1);
    ck_assert_ptr_nonnull(strstr(no_password, "--password-file"));
    ck_assert_int_eq(dokpim(NULL, NULL, "keys", "import", "--key", encrypted,
                            "--chain", chain, "--password-file", pw, "-o", e,
                            NULL),
                     0);
    assert_imported_like_init(e);
    /* an identity already there is not replaced without --force */
    g_autofree char *again = NULL;
    ck_assert_int_eq(dokpim(NULL, &again, "keys", "import", "--key", key,
                            "--chain", chain, "-o", e, NULL),
                     2);
    ck_assert_ptr_nonnull(strstr(again, "use --force"));
}
END_TEST

/* A CA-issued chain of three: root, intermediate, signer (any order in the
 * file); or of two, when the office publishes the intermediate as its
 * anchor. */
START_TEST(import_orders_and_verifies_longer_chains)
{
    g_autofree char *ext = path_in(id, "ext.cnf");
    dk_test_write(ext,
                  "[ca]\nbasicConstraints=critical,CA:TRUE\n"
                  "keyUsage=critical,keyCertSign,cRLSign\n"
                  "subjectKeyIdentifier=hash\n"
                  "authorityKeyIdentifier=keyid\n"
                  "[signer]\nkeyUsage=critical,digitalSignature\n"
                  "extendedKeyUsage=1.3.6.1.5.5.7.3.36\n"
                  "authorityKeyIdentifier=keyid\n",
                  -1);
    g_free(dk_test_sh_ok(
        "cd '%s' && for k in root int signer; do openssl genpkey -algorithm EC "
        "-pkeyopt ec_paramgen_curve:P-256 -out $k.key 2>/dev/null; done && "
        "chmod 600 signer.key && "
        "openssl req -x509 -new -key root.key -subj '/O=" ORG "/CN=root' "
        "-config /dev/null -addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign,cRLSign -days 90 "
        "-out root.pem && "
        "openssl req -new -key int.key -subj '/O=" ORG "/CN=issuing CA' "
        "-out int.csr && openssl x509 -req -in int.csr -CA root.pem "
        "-CAkey root.key -extfile ext.cnf -extensions ca -days 60 "
        "-out int.pem 2>/dev/null && "
        "openssl req -new -key signer.key -subj '/O=" ORG "/CN=desk' "
        "-out signer.csr && openssl x509 -req -in signer.csr -CA int.pem "
        "-CAkey int.key -extfile ext.cnf -extensions signer -days 30 "
        "-out signer.pem 2>/dev/null && "
        "cat root.pem signer.pem int.pem > three.pem && "
        "cat int.pem signer.pem > two.pem",
        id));
    const char *chains[] = {"three.pem", "two.pem"};
    const char *anchors[] = {"root.pem", "int.pem"};
    for (size_t i = 0; i < 2; i++) {
        g_autofree char *name = g_strdup_printf("out%zu", i);
        g_autofree char *out = path_in(dir, name);
        g_autofree char *key = path_in(id, "signer.key");
        g_autofree char *chain = path_in(id, chains[i]);
        g_autofree char *err = NULL;
        ck_assert_msg(dokpim(NULL, &err, "keys", "import", "--key", key,
                             "--chain", chain, "-o", out, NULL) == 0,
                      "%s: %s", chains[i], err);
        /* the written chain: signer, then each issuer */
        g_autofree char *subjects = dk_test_sh_ok(
            "openssl crl2pkcs7 -nocrl -certfile '%s/signing-chain.pem' | "
            "openssl pkcs7 -print_certs -noout | grep '^subject' | "
            "sed 's/.*CN = //' | tr '\\n' '|'",
            out);
        ck_assert_str_eq(subjects,
                         i == 0 ? "desk|issuing CA|root|" : "desk|issuing CA|");
        g_autofree char *anchor = path_in(id, anchors[i]);
        g_autofree char *written = path_in(out, "ca-cert.pem");
        g_autofree char *want = dk_test_sh_ok(
            "openssl x509 -in '%s' -noout -fingerprint -sha256", anchor);
        g_autofree char *got = dk_test_sh_ok(
            "openssl x509 -in '%s' -noout -fingerprint -sha256", written);
        ck_assert_str_eq(got, want);
        g_autofree char *verify = dk_test_sh_ok(
            "cd '%s' && openssl verify -partial_chain -CAfile ca-cert.pem "
            "-untrusted signing-chain.pem signing-chain.pem",
            out);
        ck_assert_str_eq(verify, "signing-chain.pem: OK");
    }
    /* the office root made by init issues signers only (pathlen:0) */
    g_free(dk_test_sh_ok(
        "cd '%s' && openssl x509 -req -in int.csr -CA ca-cert.pem -CAkey "
        "ca-key.pem -extfile ext.cnf -extensions ca -days 60 -out int0.pem "
        "2>/dev/null && openssl x509 -req -in signer.csr -CA int0.pem -CAkey "
        "int.key -extfile ext.cnf -extensions signer -days 30 -out "
        "signer0.pem 2>/dev/null && cat signer0.pem int0.pem ca-cert.pem > "
        "office.pem",
        id));
    g_autofree char *key = path_in(id, "signer.key");
    g_autofree char *office = path_in(id, "office.pem");
    g_autofree char *out = path_in(dir, "office");
    g_autofree char *err = NULL;
    ck_assert_int_eq(dokpim(NULL, &err, "keys", "import", "--key", key,
                            "--chain", office, "-o", out, NULL),
                     1);
    ck_assert_msg(strstr(err, "path length constraint exceeded"), "%s", err);
}
END_TEST

/* A signing certificate the test makes with openssl, issued by the
 * office CA of setup, or a chain put together wrongly. */
typedef struct bad_case {
    const char *name;
    const char *key_algorithm; /* openssl genpkey options */
    const char *subject;
    const char *extensions; /* openssl x509 -extfile */
    const char *chain;      /* shell: cat ... of files in id */
    const char *expected;   /* in the error; NULL: import succeeds */
} bad_case;

#define GOOD_KEY     "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"
#define GOOD_SUBJECT "/O=" ORG "/CN=test signer"
#define GOOD_EXTENSIONS                                                        \
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"          \
    "extendedKeyUsage=emailProtection\nauthorityKeyIdentifier=keyid\n"
#define GOOD_CHAIN "new.pem ca-cert.pem"

static const bad_case bad_cases[] = {
    {"good (control)", GOOD_KEY, GOOD_SUBJECT, GOOD_EXTENSIONS, GOOD_CHAIN,
     NULL},
    {"documentSigning alone is enough", GOOD_KEY, GOOD_SUBJECT,
     "keyUsage=critical,digitalSignature\n"
     "extendedKeyUsage=1.3.6.1.5.5.7.3.36\nauthorityKeyIdentifier=keyid\n",
     GOOD_CHAIN, NULL},
    /* the reference validator only warns about it (c2pa-rs) */
    {"key usage not critical is accepted", GOOD_KEY, GOOD_SUBJECT,
     "keyUsage=digitalSignature\nextendedKeyUsage=emailProtection\n"
     "authorityKeyIdentifier=keyid\n",
     GOOD_CHAIN, NULL},
    {"no authority key identifier", GOOD_KEY, GOOD_SUBJECT,
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n"
     "authorityKeyIdentifier=none\n",
     GOOD_CHAIN, "has no authority key identifier"},
    {"keyCertSign on a signer", GOOD_KEY, GOOD_SUBJECT,
     "basicConstraints=CA:FALSE\n"
     "keyUsage=critical,digitalSignature,keyCertSign\n"
     "extendedKeyUsage=emailProtection\n",
     GOOD_CHAIN, "may sign certificates (keyCertSign) but is no CA"},
    {"timeStamping beside emailProtection", GOOD_KEY, GOOD_SUBJECT,
     "keyUsage=critical,digitalSignature\n"
     "extendedKeyUsage=emailProtection,timeStamping\n",
     GOOD_CHAIN, "timeStamping or OCSPSigning"},
    {"no digitalSignature", GOOD_KEY, GOOD_SUBJECT,
     "keyUsage=critical,keyAgreement\nextendedKeyUsage=emailProtection\n",
     GOOD_CHAIN, "lacks the digitalSignature key usage"},
    {"no key usage", GOOD_KEY, GOOD_SUBJECT,
     "extendedKeyUsage=emailProtection\n", GOOD_CHAIN,
     "has no key usage extension"},
    {"no extended key usage", GOOD_KEY, GOOD_SUBJECT,
     "keyUsage=critical,digitalSignature\n", GOOD_CHAIN,
     "has no extended key usage"},
    {"TLS server only", GOOD_KEY, GOOD_SUBJECT,
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
     GOOD_CHAIN, "neither the emailProtection nor the documentSigning"},
    {"anyExtendedKeyUsage", GOOD_KEY, GOOD_SUBJECT,
     "keyUsage=critical,digitalSignature\n"
     "extendedKeyUsage=emailProtection,anyExtendedKeyUsage\n",
     GOOD_CHAIN, "anyExtendedKeyUsage, which C2PA forbids"},
    {"a CA as signer", GOOD_KEY, GOOD_SUBJECT,
     "basicConstraints=critical,CA:TRUE\n"
     "keyUsage=critical,digitalSignature,keyCertSign\n"
     "extendedKeyUsage=emailProtection\n",
     GOOD_CHAIN, "is a CA certificate"},
    {"no Organization", GOOD_KEY, "/CN=test signer", GOOD_EXTENSIONS,
     GOOD_CHAIN, "names no Organization"},
    {"P-384 key", "-algorithm EC -pkeyopt ec_paramgen_curve:P-384",
     GOOD_SUBJECT, GOOD_EXTENSIONS, GOOD_CHAIN, "ECDSA P-256 (ES256) keys"},
    {"RSA key", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048", GOOD_SUBJECT,
     GOOD_EXTENSIONS, GOOD_CHAIN, "ECDSA P-256 (ES256) keys"},
    {"signature does not verify", GOOD_KEY, GOOD_SUBJECT, GOOD_EXTENSIONS,
     "tampered.pem ca-cert.pem",
     "the chain does not verify: certificate signature failure"},
    {"key of another certificate", GOOD_KEY, GOOD_SUBJECT, GOOD_EXTENSIONS,
     "leaf.pem ca-cert.pem", "the key does not match"},
    {"no issuer", GOOD_KEY, GOOD_SUBJECT, GOOD_EXTENSIONS, "new.pem",
     "add the certificate of its issuer"},
    {"self-signed", GOOD_KEY, GOOD_SUBJECT, GOOD_EXTENSIONS, "self.pem",
     "self-signed; C2PA validators accept only a CA-issued signer"},
    {"stray certificate", GOOD_KEY, GOOD_SUBJECT, GOOD_EXTENSIONS,
     "new.pem ca-cert.pem self.pem", "is not in the signing certificate's"},
    {"not a certificate", GOOD_KEY, GOOD_SUBJECT, GOOD_EXTENSIONS, "new.key",
     "holds no PEM certificate"},
};

START_TEST(import_refuses_what_a_c2pa_validator_would)
{
    const bad_case *c = &bad_cases[_i];
    g_autofree char *ext = path_in(id, "ext.cnf");
    dk_test_write(ext, c->extensions, -1);
    g_free(dk_test_sh_ok(
        "cd '%s' && openssl genpkey %s -out new.key 2>/dev/null && "
        "chmod 600 new.key && "
        "openssl req -new -key new.key -subj '%s' -out new.csr && "
        "openssl x509 -req -in new.csr -CA ca-cert.pem -CAkey ca-key.pem "
        "-extfile ext.cnf -days 30 -out new.pem 2>/dev/null && "
        "openssl x509 -req -in new.csr -key new.key -extfile ext.cnf "
        "-days 30 -out self.pem 2>/dev/null",
        id, c->key_algorithm, c->subject));
    /* one bit of the signature's last byte: still a certificate */
    g_free(dk_test_sh_ok(
        "cd '%s' && openssl x509 -in new.pem -outform DER -out new.der && "
        "/usr/bin/python3 -c \"import sys; b = bytearray(open('new.der', "
        "'rb').read()); b[-1] ^= 1; open('bad.der', 'wb').write(b)\" && "
        "openssl x509 -inform DER -in bad.der -out tampered.pem",
        id));
    g_autofree char *chain = path_in(id, "case-chain.pem");
    g_free(dk_test_sh_ok("cd '%s' && cat %s > '%s'", id, c->chain, chain));
    g_autofree char *key = path_in(id, "new.key");
    g_autofree char *out = path_in(dir, "imported");
    g_autofree char *err = NULL;
    int status = dokpim(NULL, &err, "keys", "import", "--key", key, "--chain",
                        chain, "-o", out, NULL);
    if (!c->expected) {
        ck_assert_msg(status == 0, "%s: %s", c->name, err);
        return;
    }
    ck_assert_msg(status == 1, "%s: status %d", c->name, status);
    ck_assert_msg(strstr(err, c->expected), "%s: \"%s\" not in %s", c->name,
                  c->expected, err);
    ck_assert_msg(lines(err) == 1, "%s: %s", c->name, err);
    ck_assert_msg(!g_file_test(out, G_FILE_TEST_EXISTS), "%s wrote", c->name);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("keys");
    TCase *tc = tcase_create("keys");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, init_makes_a_ca_and_signer_openssl_accepts);
    tcase_add_test(tc, init_says_to_move_the_ca_key_and_refuses_to_overwrite);
    tcase_add_test(tc, load_refuses_a_key_others_may_read);
    tcase_add_test(tc, es256_signature_verifies_with_openssl);
    tcase_add_test(tc, export_prints_the_ca_pem_and_its_fingerprint);
    tcase_add_test(tc, import_takes_pkcs12_and_pem);
    tcase_add_test(tc, import_orders_and_verifies_longer_chains);
    tcase_add_loop_test(tc, import_refuses_what_a_c2pa_validator_would, 0,
                        G_N_ELEMENTS(bad_cases));
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
