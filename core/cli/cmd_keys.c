/* dokpim keys init|import|export|show: the office's signing identity (see
 * core/include/dokpim/keys.h for the folder it lives in). */
#include "cli.h"
#include "keys_internal.h"

#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define PASSWORD_ENV "DOKPIM_KEY_PASSWORD"

static char *output_dir;
static gboolean force;

static void kept_note(const char *kept)
{
    if (kept)
        cli_note("the earlier CA key is kept as %s", kept);
}

static int keys_init(int argc, char **argv)
{
    g_autofree char *org = NULL, *unit = NULL;
    GOptionEntry entries[] = {
        {"org", 0, 0, G_OPTION_ARG_STRING, &org,
         N_("the organisation (certificate O=)"), "NAME"},
        {"unit", 0, 0, G_OPTION_ARG_STRING, &unit,
         N_("the unit that signs (OU=, and the certificates' names)"), "NAME"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output_dir,
         N_("identity folder to create"), "DIR"},
        {"force", 0, 0, G_OPTION_ARG_NONE, &force,
         N_("replace an identity already in DIR"), NULL},
        {NULL}};
    if (!cli_parse(&argc, &argv, "--org NAME --unit NAME -o DIR",
                   "Creates an office root CA and a signing certificate it "
                   "issues (ECDSA P-256).",
                   entries))
        return DK_EXIT_USAGE;
    if (!org || !unit || !output_dir || argc > 1) {
        cli_error("usage: dokpim keys init --org NAME --unit NAME -o DIR");
        return DK_EXIT_USAGE;
    }
    dk_error err = {0};
    g_autofree char *kept = NULL;
    if (dk_keys_create(output_dir, org, unit, force != FALSE, &kept, &err) <
        0) {
        cli_error("%s", err.message);
        return err.code == DK_ERR_EXISTS || err.code == DK_ERR_CONFIG
                   ? DK_EXIT_USAGE
                   : DK_EXIT_ITEMS_FAILED;
    }
    kept_note(kept);
    cli_note("signing identity written to %s (keys mode 0600)", output_dir);
    cli_note("publish the trust anchor: dokpim keys export %s", output_dir);
    cli_note("%s/%s is only needed to issue a new signing certificate: move "
             "it offline (e.g. to an encrypted USB stick kept in the office)",
             output_dir, DK_KEYS_CA_KEY);
    return DK_EXIT_OK;
}

/* The password never comes from argv (other users see it in ps): from a
 * file's first line or from the environment. */
static char *read_password(const char *file, dk_error *err)
{
    if (!file) {
        const char *env = g_getenv(PASSWORD_ENV);
        return g_strdup(env ? env : "");
    }
    g_autofree char *text = NULL;
    gsize length = 0;
    if (!g_file_get_contents(file, &text, &length, NULL)) {
        dk_error_set(err, DK_ERR_IO, "cannot read the password file %s", file);
        return NULL;
    }
    char *password = g_strndup(text, strcspn(text, "\r\n"));
    memset(text, 0, length);
    return password;
}

static int keys_import(int argc, char **argv)
{
    g_autofree char *key = NULL, *chain = NULL, *pkcs12 = NULL,
                    *password_file = NULL;
    GOptionEntry entries[] = {
        {"key", 0, 0, G_OPTION_ARG_FILENAME, &key, N_("signing key (PEM)"),
         "KEY"},
        {"chain", 0, 0, G_OPTION_ARG_FILENAME, &chain,
         N_("certificate chain (PEM), signing certificate first"), "CHAIN"},
        {"pkcs12", 0, 0, G_OPTION_ARG_FILENAME, &pkcs12,
         N_("key and chain in one PKCS#12 (.p12/.pfx) file"), "FILE"},
        {"password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
         "read the password from FILE's first line (else from "
         "$" PASSWORD_ENV ")",
         "FILE"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output_dir,
         N_("identity folder to write"), "DIR"},
        {"force", 0, 0, G_OPTION_ARG_NONE, &force,
         N_("replace an identity already in DIR"), NULL},
        {NULL}};
    if (!cli_parse(
            &argc, &argv, "(--key KEY --chain CHAIN | --pkcs12 FILE) -o DIR",
            "Imports a CA-issued signing key and certificate chain.", entries))
        return DK_EXIT_USAGE;
    bool pem = key && chain && !pkcs12;
    if ((!pem && !(pkcs12 && !key && !chain)) || !output_dir || argc > 1) {
        cli_error("usage: dokpim keys import (--key KEY --chain CHAIN | "
                  "--pkcs12 FILE) -o DIR");
        return DK_EXIT_USAGE;
    }
    dk_error err = {0};
    if (pem && dk_check_private_file(key, &err) < 0)
        cli_warning("%s (the imported copy is mode 0600; remove this one "
                    "when done)",
                    err.message);
    char *password = read_password(password_file, &err);
    if (!password) {
        cli_error("%s", err.message);
        return DK_EXIT_USAGE;
    }
    g_autofree char *kept = NULL;
    int rc = dk_keys_import(output_dir, key, chain, pkcs12, password,
                            force != FALSE, &kept, &err);
    memset(password, 0, strlen(password));
    g_free(password);
    if (rc < 0) {
        cli_error("%s", err.message);
        return err.code == DK_ERR_EXISTS ? DK_EXIT_USAGE : DK_EXIT_ITEMS_FAILED;
    }
    kept_note(kept);
    cli_note("signing identity imported into %s (key mode 0600)", output_dir);
    return DK_EXIT_OK;
}

static X509 *read_anchor(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, DK_KEYS_CA_CERT, NULL);
    STACK_OF(X509) *certs = NULL;
    dk_error err = {0};
    if (dk_keys_read_certs(path, &certs, &err) < 0) {
        cli_error("%s", err.message);
        return NULL;
    }
    X509 *anchor = sk_X509_shift(certs);
    sk_X509_pop_free(certs, X509_free);
    return anchor;
}

static int keys_export(int argc, char **argv)
{
    gboolean fingerprint = FALSE;
    GOptionEntry entries[] = {
        {"fingerprint", 0, 0, G_OPTION_ARG_NONE, &fingerprint,
         N_("print the anchor's SHA-256 fingerprint instead"), NULL},
        {NULL}};
    if (!cli_parse(&argc, &argv, "DIR",
                   "Prints the trust anchor (CA certificate, PEM) to publish "
                   "on the office website.",
                   entries))
        return DK_EXIT_USAGE;
    if (argc != 2) {
        cli_error("usage: dokpim keys export [--fingerprint] DIR");
        return DK_EXIT_USAGE;
    }
    X509 *anchor = read_anchor(argv[1]);
    if (!anchor)
        return DK_EXIT_ITEMS_FAILED;
    char colons[96] = "";
    dk_keys_fingerprint(anchor, NULL, colons);
    bool ok = fingerprint ? printf("%s\n", colons) > 0
                          : PEM_write_X509(stdout, anchor) == 1;
    X509_free(anchor);
    return ok && fflush(stdout) == 0 ? DK_EXIT_OK : DK_EXIT_ITEMS_FAILED;
}

static char *time_text(const ASN1_TIME *when)
{
    struct tm tm;
    char text[32] = "?";
    if (ASN1_TIME_to_tm(when, &tm))
        strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return g_strdup(text);
}

static void show_cert(X509 *cert, const char *role)
{
    g_autofree char *subject = dk_keys_name_text(X509_get_subject_name(cert));
    g_autofree char *issuer = dk_keys_name_text(X509_get_issuer_name(cert));
    g_autofree char *from = time_text(X509_get0_notBefore(cert));
    g_autofree char *until = time_text(X509_get0_notAfter(cert));
    char colons[96] = "";
    dk_keys_fingerprint(cert, NULL, colons);
    cli_line(stdout, "", "%s", role);
    cli_line(stdout, "  ", "%-9s %s", _("subject"), subject);
    cli_line(stdout, "  ", "%-9s %s", _("issuer"), issuer);
    cli_line(stdout, "  ", "%-9s %s to %s", _("valid"), from, until);
    cli_line(stdout, "  ", "%-9s %s", "sha256", colons);
}

static int keys_show(int argc, char **argv)
{
    GOptionEntry entries[] = {{NULL}};
    if (!cli_parse(&argc, &argv, "DIR",
                   "Shows the identity's certificates and whether it can "
                   "sign.",
                   entries))
        return DK_EXIT_USAGE;
    if (argc != 2) {
        cli_error("usage: dokpim keys show DIR");
        return DK_EXIT_USAGE;
    }
    const char *dir = argv[1];
    g_autofree char *chain_path =
        g_build_filename(dir, DK_KEYS_SIGNING_CHAIN, NULL);
    STACK_OF(X509) *certs = NULL;
    dk_error err = {0};
    if (dk_keys_read_certs(chain_path, &certs, &err) < 0) {
        cli_error("%s", err.message);
        return DK_EXIT_ITEMS_FAILED;
    }
    int n = sk_X509_num(certs);
    for (int i = 0; i < n; i++) {
        g_autofree char *role =
            g_strdup_printf(_("certificate %d of %d%s"), i + 1, n,
                            i == 0       ? _(" (signing)")
                            : i == n - 1 ? _(" (trust anchor)")
                                         : "");
        show_cert(sk_X509_value(certs, i), role);
    }
    sk_X509_pop_free(certs, X509_free);
    dk_signing_identity *identity = NULL;
    int status = DK_EXIT_OK;
    if (dk_signing_identity_load(dir, NULL, &identity, &err) < 0) {
        cli_line(stdout, "", "can sign: no: %s", err.message);
        status = DK_EXIT_ITEMS_FAILED;
    } else {
        cli_line(stdout, "", "can sign: yes");
    }
    dk_signing_identity_free(&identity);
    g_autofree char *ca_key = g_build_filename(dir, DK_KEYS_CA_KEY, NULL);
    if (g_file_test(ca_key, G_FILE_TEST_EXISTS))
        cli_line(stdout, "",
                 "the CA key %s is here: move it offline once the signing "
                 "certificate is made",
                 ca_key);
    return status;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} subcommands[] = {
    {"init", keys_init},
    {"import", keys_import},
    {"export", keys_export},
    {"show", keys_show},
};

int cmd_keys(int argc, char **argv)
{
    if (argc >= 2)
        for (size_t i = 0; i < G_N_ELEMENTS(subcommands); i++)
            if (strcmp(argv[1], subcommands[i].name) == 0)
                return subcommands[i].run(argc - 1, argv + 1);
    if (argc >= 2 &&
        (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("%s", _("Usage: dokpim keys init|import|export|show ...\n"
                       "'dokpim keys SUBCOMMAND --help' shows its options.\n"));
        return DK_EXIT_OK;
    }
    cli_error("usage: dokpim keys init|import|export|show ... (see dokpim "
              "keys SUBCOMMAND --help)");
    return DK_EXIT_USAGE;
}
