/* `dokpim verify` on what the signed photo pipeline published, each
 * verdict set beside the C2PA reference reader's (tests/c2pa/judge.sh):
 * intact and trusted with the office anchor, intact but untrusted
 * without, altered after a pixel flip or an exiftool edit, found in the
 * library by sha256 once the manifest is cut out, unknown otherwise. */
#include "c2pa_fixture.h"
#include "dk_test.h"

#include <check.h>
#include <json-glib/json-glib.h>
#include <string.h>

static char *dir;
static char *web; /* the signed web copy, relative to dir */

static void setup(void)
{
    dir = c2pa_fixture_dir("verify", "exiftool node");
    c2pa_fixture_keys(dir, "keys");
    char *event = dk_test_source_path("assets/sample-event/event.ini");
    g_free(dk_test_sh_ok(
        "cd '%s' && mkdir -p photos && cp '%s' event.ini && /usr/bin/convert "
        "-size 900x600 plasma:fractal -quality 92 photos/p1.jpg && exiftool "
        "-q -overwrite_original '-DateTimeOriginal=2025:03:14 10:01:00' "
        "photos/p1.jpg",
        dir, event));
    c2pa_fixture_pipeline(dir, "event-photos-signed.conf", "signed.conf", true,
                          NULL);
    c2pa_fixture_run(dir, "signed.conf", "lib", "event.ini", "photos");
    web = dk_test_sh_ok("cd '%s' && find lib/derived/web/web -name '*.jpg' | "
                        "tr -d '\\n'",
                        dir);
    ck_assert(*web);
    g_free(event);
}

static void teardown(void)
{
    g_free(web);
    dk_test_cleanup_dirs();
}

static int verify(const char *args, char **out)
{
    return c2pa_fixture_verify(dir, args, out);
}

/* The reference reader's validation state ("Trusted", "Valid",
 * "Invalid") and failure codes. */
static char *reference(const char *file, bool trust)
{
    char *quoted = g_shell_quote(file);
    char *v =
        c2pa_fixture_verdicts(dir, quoted, trust ? "keys/ca-cert.pem" : NULL);
    g_free(quoted);
    return v;
}

START_TEST(test_intact)
{
    char *out = NULL;
    char *args = g_strdup_printf("--trust keys/ca-cert.pem -o lib '%s'", web);
    ck_assert_int_eq(verify(args, &out), 0);
    ck_assert_msg(
        strstr(out, "intact, signer trusted") && strstr(out, "(Test Office)") &&
            strstr(out, "steps: c2pa.opened") &&
            strstr(out, "holds the original") && strstr(out, "bytes match"),
        "%s", out);
    char *ref = reference(web, true);
    ck_assert_str_eq(ref, "Trusted");
    g_free(ref);
    g_free(out);
    g_free(args);

    /* no anchor: intact, untrusted; the reference: only untrusted */
    args = g_strdup_printf("'%s'", web);
    ck_assert_int_eq(verify(args, &out), 1);
    ck_assert_msg(strstr(out, "intact, signer not trusted"), "%s", out);
    ref = reference(web, false);
    /* whatever the state is called, the one failure is the signer */
    ck_assert_msg(
        strstr(ref, " ") &&
            strcmp(strstr(ref, " "), " signingCredential.untrusted") == 0,
        "%s", ref);
    g_free(ref);
    g_free(out);
    g_free(args);
}
END_TEST

/* The original changed in the library: the file is still intact, but the
 * library no longer holds the bytes it came from. */
START_TEST(test_original_changed)
{
    g_free(dk_test_sh_ok("cd '%s' && f=$(find lib/originals -type f) && "
                         "chmod u+w \"$f\" && printf x >> \"$f\"",
                         dir));
    char *out = NULL;
    char *args = g_strdup_printf("--trust keys/ca-cert.pem -o lib '%s'", web);
    ck_assert_int_eq(verify(args, &out), 0);
    ck_assert_msg(strstr(out, "CHANGED since import"), "%s", out);
    g_free(out);
    g_free(args);
}
END_TEST

static void assert_altered(const char *file, const char *why)
{
    char *out = NULL;
    char *args = g_strdup_printf("--trust keys/ca-cert.pem '%s'", file);
    ck_assert_int_eq(verify(args, &out), 3);
    ck_assert_msg(strstr(out, "ALTERED (signer trusted)") && strstr(out, why),
                  "%s", out);
    char *ref = reference(file, true);
    ck_assert_msg(g_str_has_prefix(ref, "Invalid "), "%s: %s", file, ref);
    g_free(ref);
    g_free(out);
    g_free(args);
}

START_TEST(test_altered)
{
    g_free(dk_test_sh_ok(
        "cd '%s' && cp '%s' pixel.jpg && /usr/bin/python3 -c \"b = "
        "bytearray(open('pixel.jpg', 'rb').read()); b[-200] ^= 1; "
        "open('pixel.jpg', 'wb').write(b)\"",
        dir, web));
    assert_altered("pixel.jpg", "c2pa.hash.data");
    g_free(dk_test_sh_ok("cd '%s' && cp '%s' meta.jpg && exiftool -q "
                         "-overwrite_original -Artist=Someone meta.jpg",
                         dir, web));
    assert_altered("meta.jpg", "c2pa.hash.data");
}
END_TEST

/* The APP11 segments cut out, as a platform strips metadata: the bytes are
 * those the web stage recorded. An unrelated file is unknown. */
START_TEST(test_stripped_and_unknown)
{
    g_free(dk_test_sh_ok(
        "cd '%s' && /usr/bin/python3 -c \"\n"
        "d = open('%s', 'rb').read(); o = bytearray(d[:2]); i = 2\n"
        "while d[i + 1] != 0xDA:\n"
        "    n = 2 + int.from_bytes(d[i + 2:i + 4], 'big')\n"
        "    o += d[i:i + n] if d[i + 1] != 0xEB else b''\n"
        "    i += n\n"
        "open('stripped.jpg', 'wb').write(o + d[i:])\"",
        dir, web));
    char *out = NULL;
    ck_assert_int_eq(verify("-o lib stripped.jpg", &out), 1);
    ck_assert_msg(strstr(out, "no manifest; a derivative the library "
                              "recorded") &&
                      strstr(out, "written by [web] (web)"),
                  "%s", out);
    g_free(out);
    g_free(dk_test_sh_ok("cd '%s' && /usr/bin/convert -size 64x64 xc:red "
                         "other.jpg",
                         dir));
    ck_assert_int_eq(verify("-o lib other.jpg", &out), 4);
    ck_assert_msg(strstr(out, "unknown") && strstr(out, "dokpim locate"), "%s",
                  out);
    g_free(out);
    /* several files: the worst verdict wins */
    char *args =
        g_strdup_printf("--trust keys/ca-cert.pem '%s' other.jpg", web);
    ck_assert_int_eq(verify(args, &out), 4);
    g_free(out);
    g_free(args);
}
END_TEST

START_TEST(test_json)
{
    char *out = NULL;
    char *args = g_strdup_printf(
        "--json --trust keys/ca-cert.pem -o lib '%s' photos/p1.jpg", web);
    ck_assert_int_eq(verify(args, &out), 1);
    JsonParser *p = json_parser_new();
    ck_assert_msg(json_parser_load_from_data(p, out, -1, NULL), "%s", out);
    JsonObject *o = json_node_get_object(json_parser_get_root(p));
    ck_assert_int_eq(json_object_get_int_member(o, "status"), 1);
    JsonArray *files = json_object_get_array_member(o, "files");
    JsonObject *f0 = json_array_get_object_element(files, 0);
    ck_assert_str_eq(json_object_get_string_member(f0, "verdict"), "trusted");
    ck_assert(json_object_get_boolean_member(f0, "intact"));
    JsonObject *signer = json_object_get_object_member(f0, "signer");
    ck_assert_str_eq(json_object_get_string_member(signer, "organization"),
                     "Test Office");
    ck_assert_uint_eq(strlen(json_object_get_string_member(signer, "sha256")),
                      64);
    char *fp = dk_test_sh_ok(
        "cd '%s' && openssl x509 -in keys/signing-chain.pem -outform DER | "
        "sha256sum | cut -c1-64 | tr -d '\\n'",
        dir);
    ck_assert_str_eq(json_object_get_string_member(signer, "sha256"), fp);
    JsonObject *lib = json_object_get_object_member(f0, "library");
    ck_assert(json_object_get_boolean_member(lib, "original_intact"));
    /* the camera file is the library's original itself */
    JsonObject *f1 = json_array_get_object_element(files, 1);
    ck_assert_str_eq(json_object_get_string_member(f1, "verdict"), "untrusted");
    ck_assert(json_object_get_boolean_member(
        json_object_get_object_member(f1, "library"), "holds_original"));
    g_object_unref(p);
    g_free(fp);
    g_free(out);
    g_free(args);
}
END_TEST

/* Hostile stores: one line each, no crash, status 3. */
START_TEST(test_hostile)
{
    /* a box in the store claiming 1 GB; a truncated store */
    g_free(dk_test_sh_ok(
        "cd '%s' && /usr/bin/python3 -c \"\n"
        "d = bytearray(open('%s', 'rb').read())\n"
        "i = d.find(b'c2cl') - 16\n"
        "big = bytearray(d); big[i:i + 4] = (1 << 30).to_bytes(4, 'big')\n"
        "open('big.jpg', 'wb').write(big)\n"
        "j = d.find(bytes.fromhex('6332706100110010')) - 16\n"
        "t = bytearray(d); t[j:j + 4] = (0x7f).to_bytes(4, 'big')\n"
        "open('short.jpg', 'wb').write(t)\"",
        dir, web));
    char *out = NULL;
    ck_assert_int_eq(verify("big.jpg", &out), 3);
    ck_assert_msg(strstr(out, "manifest invalid") &&
                      strstr(out, "claims 1073741824 bytes"),
                  "%s", out);
    g_free(out);
    ck_assert_int_eq(verify("short.jpg", &out), 3);
    ck_assert_msg(strstr(out, "manifest invalid"), "%s", out);
    g_free(out);
    /* a chain that loops (leaf <- A <- B <- A): untrusted, one line; an
     * anchor inside the loop is trusted as given */
    char *loop = dk_test_source_path("tests/c2pa/make-loop-chain.sh");
    g_free(
        dk_test_sh_ok("cd '%s' && mkdir loop && sh '%s' loop 2>&1", dir, loop));
    c2pa_fixture_sign_tool(dir, "photos/p1.jpg", "loop.jpg", "loop", NULL);
    ck_assert_int_eq(verify("--trust keys/ca-cert.pem loop.jpg", &out), 1);
    ck_assert_msg(strstr(out, "intact, signer not trusted") &&
                      strstr(out, "does not chain to a trust anchor"),
                  "%s", out);
    g_free(out);
    ck_assert_int_eq(verify("--trust loop/B.pem loop.jpg", &out), 0);
    g_free(out);
    g_free(loop);
    char *args = g_strdup_printf("--trust no-such.pem '%s'", web);
    ck_assert_int_eq(verify(args, &out), 2);
    g_free(out);
    g_free(args);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("verify");
    TCase *tc = tcase_create("verify");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_intact);
    tcase_add_test(tc, test_original_changed);
    tcase_add_test(tc, test_altered);
    tcase_add_test(tc, test_stripped_and_unknown);
    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_hostile);
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
