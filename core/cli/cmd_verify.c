/* dokpim verify FILE... [--trust PEM]... [-o LIBRARY] [--json]: is a
 * published file what the office signed? Reads its C2PA manifest (who
 * signed, whether that signer is trusted, whether the bytes are intact,
 * which original it came from and how), or, when a platform stripped the
 * manifest, looks the file's sha256 up among the library's records.
 * Integrity and trust are separate verdicts: an unknown signer is not a
 * forgery. */
#include "audit.h"
#include "cli.h"
#include "json.h"

#include <dokpim/c2pa.h>
#include <dokpim/fileio.h>
#include <dokpim/keys.h>

#include <openssl/evp.h>
#include <string.h>

/* Exit statuses, documented in --help and the README; with several files
 * the worst wins (see rank()). */
enum {
    VERIFY_TRUSTED = 0,   /* intact, signer chains to an anchor */
    VERIFY_UNTRUSTED = 1, /* intact but signer unknown, or no manifest but
                             the library recorded exactly these bytes */
    VERIFY_ALTERED = 3,   /* manifest invalid or bytes changed */
    VERIFY_UNKNOWN = 4,   /* no manifest, not in the library */
};

static int rank(int status)
{
    switch (status) {
    case VERIFY_TRUSTED:
        return 0;
    case VERIFY_UNTRUSTED:
        return 1;
    case VERIFY_UNKNOWN:
        return 2;
    default:
        return 3;
    }
}

typedef struct verdict {
    const char *path;
    char sha256[65];
    dk_c2pa_report c2pa;
    /* the library's view: of the parent, or of the file without manifest */
    const dk_audit_file *record; /* the derivative the file's bytes are */
    const dk_audit_file *original;
    char original_found[65]; /* the original's sha256 now */
    char *original_error;
    int status;
} verdict;

static const dk_audit_file *find_record(const dk_audit *lib, const char *sha,
                                        bool original)
{
    for (guint i = 0; lib && sha && i < lib->files->len; i++) {
        const dk_audit_file *f = lib->files->pdata[i];
        if (f->original == original &&
            ((f->expected && strcmp(f->expected, sha) == 0) ||
             (f->earlier && strcmp(f->earlier, sha) == 0)))
            return f;
    }
    return NULL;
}

static void check_original(verdict *v, const dk_audit *lib)
{
    v->original = find_record(lib, v->c2pa.parent_sha256, true);
    dk_error err = {0};
    if (v->original &&
        dk_hash_file(v->original->path, v->original_found, &err) < 0)
        v->original_error = g_strdup(err.message);
}

static int judge(verdict *v, const dk_audit *lib)
{
    const dk_c2pa_report *r = &v->c2pa;
    if (!r->has_manifest) {
        v->record = find_record(lib, v->sha256, false);
        if (!v->record)
            v->original = find_record(lib, v->sha256, true);
        return v->record || v->original ? VERIFY_UNTRUSTED : VERIFY_UNKNOWN;
    }
    if (r->unsupported)
        return VERIFY_UNKNOWN;
    if (!dk_c2pa_report_intact(r))
        return VERIFY_ALTERED;
    return r->trusted ? VERIFY_TRUSTED : VERIFY_UNTRUSTED;
}

static int verify_one(verdict *v, const char *const *anchors,
                      const dk_audit *lib, dk_error *err)
{
    GError *gerr = NULL;
    GMappedFile *map = g_mapped_file_new(v->path, FALSE, &gerr);
    if (!map) {
        int rc = dk_error_set(err, DK_ERR_IO, "%s", gerr->message);
        g_error_free(gerr);
        return rc;
    }
    const uint8_t *data = (const uint8_t *)g_mapped_file_get_contents(map);
    size_t size = g_mapped_file_get_length(map);
    uint8_t sha[32];
    EVP_Digest(data, size, sha, NULL, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        g_snprintf(v->sha256 + 2 * i, 3, "%02x", sha[i]);
    int rc = dk_c2pa_verify(data, size, anchors, &v->c2pa, err);
    g_mapped_file_unref(map);
    if (rc < 0)
        return rc;
    if (lib && v->c2pa.parent_sha256)
        check_original(v, lib);
    v->status = judge(v, lib);
    return 0;
}

static const char *headline(const verdict *v)
{
    const dk_c2pa_report *r = &v->c2pa;
    if (!r->has_manifest)
        return v->record ? _("no manifest; a derivative the library recorded")
               : v->original ? _("no manifest; an original of the library")
                             : _("no manifest; unknown");
    if (r->invalid)
        return r->unsupported ? _("manifest format not supported yet")
                              : _("manifest invalid");
    if (!dk_c2pa_report_intact(r))
        return r->trusted ? _("ALTERED (signer trusted)")
                          : _("ALTERED (signer not trusted)");
    return r->trusted ? _("intact, signer trusted")
                      : _("intact, signer not trusted");
}

static void print_original(const verdict *v, const dk_audit *lib)
{
    if (!lib)
        return;
    if (!v->original)
        cli_line(stdout, "  ", "library: %s does not hold this original",
                 lib->root);
    else if (v->original_error)
        cli_line(stdout, "  ", "library: original %s unreadable: %s",
                 v->original->path, v->original_error);
    else if (strcmp(v->original_found, v->original->expected) == 0)
        cli_line(stdout, "  ", "library: holds the original %s, bytes match",
                 v->original->path);
    else
        cli_line(stdout, "  ",
                 "library: original %s CHANGED since import: sha256 now %s",
                 v->original->path, v->original_found);
}

static void print_text(const verdict *v, const dk_audit *lib)
{
    const dk_c2pa_report *r = &v->c2pa;
    cli_line(stdout, "", "%s: %s", v->path, headline(v));
    if (!r->has_manifest) {
        const dk_audit_file *f = v->record ? v->record : v->original;
        if (f && v->record)
            cli_line(stdout, "  ",
                     "sha256 %s: written by [%s] (%s) for item %s", v->sha256,
                     f->stage ? f->stage : "?", f->role ? f->role : "?",
                     f->item);
        else if (f)
            cli_line(stdout, "  ", "sha256 %s: original %s", v->sha256,
                     f->path);
        else
            cli_line(stdout, "  ",
                     "sha256 %s matches nothing%s; a re-encoded copy can be "
                     "found with `dokpim locate`",
                     v->sha256,
                     lib ? _(" the library recorded") : _(" (no -o LIBRARY)"));
        return;
    }
    if (r->invalid) {
        cli_line(stdout, "  ", "%s", r->invalid);
        return;
    }
    cli_line(stdout, "  ", "signer: %s%s%s%s, certificate sha256 %s",
             r->signer_subject ? r->signer_subject : "?",
             r->signer_org ? " (" : "", r->signer_org ? r->signer_org : "",
             r->signer_org ? ")" : "", r->signer_sha256);
    cli_line(stdout, "  ", "trust: %s",
             r->trusted ? _("chains to a trust anchor") : r->trust_error);
    if (dk_c2pa_report_intact(r))
        cli_line(stdout, "  ",
                 "integrity: signature, hard binding and assertion hashes "
                 "match");
    else
        cli_line(stdout, "  ", "integrity: %s",
                 r->signature_error ? r->signature_error
                 : r->binding_error ? r->binding_error
                                    : r->assertions_error);
    if (r->parent_sha256)
        cli_line(stdout, "  ", "from: %s (sha256 %s)",
                 r->parent_title ? r->parent_title : "?", r->parent_sha256);
    if (r->actions) {
        char *steps = g_strjoinv(", ", r->actions);
        cli_line(stdout, "  ", "steps: %s", steps);
        g_free(steps);
    }
    print_original(v, lib);
}

static void add_bool(JsonBuilder *b, const char *name, bool value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_boolean_value(b, value);
}

static void add_library(JsonBuilder *b, const verdict *v)
{
    const dk_audit_file *f = v->record ? v->record : v->original;
    json_builder_set_member_name(b, "library");
    json_builder_begin_object(b);
    add_bool(b, "recorded_derivative", v->record != NULL);
    add_bool(b, "holds_original", v->original != NULL);
    if (f) {
        json_add_string(b, "path", f->path);
        json_add_string(b, "item", f->item);
        json_add_string(b, "stage", f->stage);
        json_add_string(b, "role", f->role);
    }
    if (v->original && v->c2pa.has_manifest) {
        add_bool(b, "original_intact",
                 !v->original_error &&
                     !strcmp(v->original_found, v->original->expected));
        json_add_string(b, "original_error", v->original_error);
    }
    json_builder_end_object(b);
}

static void add_json(JsonBuilder *b, const verdict *v, const dk_audit *lib)
{
    const dk_c2pa_report *r = &v->c2pa;
    static const char *names[] = {"trusted", "untrusted", "", "altered",
                                  "unknown"};
    json_builder_begin_object(b);
    json_add_string(b, "file", v->path);
    json_add_string(b, "sha256", v->sha256);
    json_add_string(b, "verdict", names[v->status]);
    json_builder_set_member_name(b, "status");
    json_builder_add_int_value(b, v->status);
    add_bool(b, "has_manifest", r->has_manifest);
    json_add_string(b, "container", r->container);
    if (r->has_manifest) {
        json_add_string(b, "invalid", r->invalid);
        add_bool(b, "unsupported", r->unsupported);
        add_bool(b, "intact", dk_c2pa_report_intact(r));
        add_bool(b, "trusted", r->trusted);
        json_builder_set_member_name(b, "signer");
        json_builder_begin_object(b);
        json_add_string(b, "subject", r->signer_subject);
        json_add_string(b, "organization", r->signer_org);
        json_add_string(b, "sha256",
                        r->signer_sha256[0] ? r->signer_sha256 : NULL);
        json_builder_end_object(b);
        json_builder_set_member_name(b, "checks");
        json_builder_begin_object(b);
        add_bool(b, "signature", r->signature_ok);
        add_bool(b, "hard_binding", r->binding_ok);
        add_bool(b, "assertions", r->assertions_ok);
        json_add_string(b, "signature_error", r->signature_error);
        json_add_string(b, "binding_error", r->binding_error);
        json_add_string(b, "assertions_error", r->assertions_error);
        json_add_string(b, "trust_error", r->trust_error);
        json_builder_end_object(b);
        json_add_string(b, "title", r->title);
        json_add_string(b, "claim_generator", r->generator);
        json_builder_set_member_name(b, "ingredient");
        json_builder_begin_object(b);
        json_add_string(b, "title", r->parent_title);
        json_add_string(b, "sha256", r->parent_sha256);
        json_builder_end_object(b);
        json_builder_set_member_name(b, "actions");
        json_builder_begin_array(b);
        for (size_t i = 0; r->actions && r->actions[i]; i++)
            json_add_string(b, NULL, r->actions[i]);
        json_builder_end_array(b);
    }
    if (lib)
        add_library(b, v);
    json_builder_end_object(b);
}

/* --trust, else the office's anchor in LIBRARY/keys/ca-cert.pem. */
static char **anchors_for(char **trust, const char *library)
{
    if (trust && trust[0])
        return g_strdupv(trust);
    char **out = g_new0(char *, 2);
    if (library) {
        char *ca = g_build_filename(library, "keys", DK_KEYS_CA_CERT, NULL);
        if (g_file_test(ca, G_FILE_TEST_IS_REGULAR))
            out[0] = ca;
        else
            g_free(ca);
    }
    return out;
}

static const char summary[] =
    "Checks each FILE's C2PA manifest (Content Credentials): who signed it "
    "and\nwhether that signer chains to a trust anchor; whether the file is "
    "intact (the\nsignature, the hard binding over its bytes, every "
    "assertion's hash); which\noriginal it came from and through which "
    "steps. Trust and integrity are\nseparate: an unknown signer is not a "
    "forgery. Without a manifest, the file's\nsha256 is looked up among the "
    "derivatives and originals LIBRARY recorded.\n\nTrust anchors: each "
    "--trust PEM; without one, LIBRARY/keys/ca-cert.pem when\n-o LIBRARY is "
    "given and it exists (`dokpim keys init -o LIBRARY/keys`).\n\nExit "
    "status (with several files the worst wins):\n  0  intact, signer "
    "trusted\n  1  intact, signer not trusted; or no manifest but the "
    "library recorded\n     exactly these bytes\n  2  usage error, "
    "unreadable file or trust anchor\n  3  altered: manifest invalid, "
    "signature or hashes do not match\n  4  unknown: no manifest and no "
    "record (or a manifest format not\n     supported yet); for re-encoded "
    "clips try `dokpim locate`";

int cmd_verify(int argc, char **argv)
{
    g_auto(GStrv) rest = NULL;
    g_auto(GStrv) trust = NULL;
    g_autofree char *library = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        {"trust", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &trust,
         N_("trust the certificates of PEM (repeatable)"), "PEM"},
        {"library", 'o', 0, G_OPTION_ARG_FILENAME, &library,
         N_("look originals and stripped files up in LIBRARY"), "LIBRARY"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("print JSON on stdout"),
         NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
         NULL},
        {NULL}};
    if (!cli_parse(&argc, &argv, "FILE...", summary, entries))
        return DK_EXIT_USAGE;
    if (!rest || !rest[0]) {
        cli_error("verify needs at least one file (see --help)");
        return DK_EXIT_USAGE;
    }
    dk_error err = {0};
    dk_audit *lib = NULL;
    if (library && dk_audit_list(library, &lib, &err) < 0) {
        cli_error("%s", err.message);
        return DK_EXIT_USAGE;
    }
    g_auto(GStrv) anchors = anchors_for(trust, library);
    JsonBuilder *b = json ? json_builder_new() : NULL;
    if (b) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "files");
        json_builder_begin_array(b);
    }
    int worst = VERIFY_TRUSTED;
    bool usage = false;
    for (size_t i = 0; rest[i] && !usage; i++) {
        verdict v = {.path = rest[i]};
        if (verify_one(&v, (const char *const *)anchors, lib, &err) < 0) {
            cli_error("%s", err.message);
            usage = true;
        } else {
            if (b)
                add_json(b, &v, lib);
            else
                print_text(&v, lib);
            if (rank(v.status) > rank(worst))
                worst = v.status;
        }
        dk_c2pa_report_clear(&v.c2pa);
        g_free(v.original_error);
    }
    if (b) {
        json_builder_end_array(b);
        json_builder_set_member_name(b, "status");
        json_builder_add_int_value(b, usage ? DK_EXIT_USAGE : worst);
        json_builder_end_object(b);
        json_print(b);
        g_object_unref(b);
    }
    dk_audit_free(&lib);
    return usage ? DK_EXIT_USAGE : worst;
}
