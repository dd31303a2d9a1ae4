/* `dokpim verify` on MP4 and MOV clips signed by the C2PA library's BMFF
 * embedder (tests/c2pa's dk-c2pa-sign), each verdict set beside the C2PA
 * reference reader's (tests/c2pa/judge.sh) on the same file: intact and
 * trusted with the test anchor, intact but untrusted without, altered
 * after one flipped sample byte. */
#include "dk_test.h"

#include <check.h>
#include <string.h>

static char *dir;

static void setup(void)
{
    ck_assert_msg(dk_test_have("ffmpeg") && dk_test_have("node"),
                  "ffmpeg and node are needed (install-deps.sh)");
    dir = dk_test_tmpdir("verify-bmff");
    char *ca = dk_test_source_path("tests/c2pa/make-test-ca.sh");
    char *tool = g_build_filename(g_getenv("DOKPIM_BUILD_DIR"), "core", "c2pa",
                                  "dk-c2pa-sign", NULL);
    /* moov last (ffmpeg's default) in the MP4, first in the MOV */
    g_free(dk_test_sh_ok(
        "cd '%s' && mkdir keys && sh '%s' keys 2>&1 && "
        "for o in 'a.mp4' '-movflags +faststart c.mov'; do ffmpeg -v error "
        "-f lavfi -i testsrc=size=160x120:rate=10:duration=1 -f lavfi -i "
        "sine=duration=1 -c:v libx264 -c:a aac -shortest $o || exit 1; done "
        "&& for f in a.mp4 c.mov; do '%s' $f s$f keys/signing-key.pem "
        "keys/signing-chain.pem || exit 1; done",
        dir, ca, tool));
    g_free(tool);
    g_free(ca);
}

static void teardown(void)
{
    dk_test_cleanup_dirs();
}

/* dokpim verify ARGS in dir: its exit status, stdout in *out. */
static int verify(const char *args, char **out)
{
    char *cmd =
        g_strdup_printf("cd '%s' && '%s' verify %s", dir, dk_test_bin(), args);
    char *err = NULL;
    int status = dk_test_sh(cmd, out, &err);
    ck_assert_msg(!err || !strstr(err, "Sanitizer"), "%s", err);
    g_free(err);
    g_free(cmd);
    return status;
}

/* The reference reader's state and failure codes, one line per file. */
static char *reference(const char *files, bool trust)
{
    char *judge = dk_test_source_path("tests/c2pa/judge.sh");
    char *out = dk_test_sh_ok(
        "cd '%s' && sh '%s' %s %s | /usr/bin/python3 -c 'import json,sys\n"
        "for l in sys.stdin:\n"
        " o=json.loads(l); print(\" \".join([o[\"state\"]]+o.get(\"failures\","
        "[])+([o[\"error\"]] if \"error\" in o else [])))'",
        dir, judge, trust ? "--trust keys/ca-cert.pem" : "", files);
    g_free(judge);
    return out;
}

START_TEST(test_intact)
{
    static const char *const files[] = {"sa.mp4", "sc.mov"};
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        char *out = NULL;
        char *args = g_strdup_printf("--trust keys/ca-cert.pem %s", files[i]);
        ck_assert_int_eq(verify(args, &out), 0);
        ck_assert_msg(strstr(out, "intact, signer trusted") &&
                          strstr(out, "(Test Office)"),
                      "%s: %s", files[i], out);
        g_free(out);
        g_free(args);
        ck_assert_int_eq(verify(files[i], &out), 1);
        ck_assert_msg(strstr(out, "intact, signer not trusted"), "%s: %s",
                      files[i], out);
        g_free(out);
    }
    char *ref = reference("sa.mp4 sc.mov", true);
    ck_assert_str_eq(ref, "Trusted\nTrusted");
    g_free(ref);
    /* whatever the state is called, the one failure is the signer */
    ref = reference("sa.mp4 sc.mov", false);
    char **lines = g_strsplit(ref, "\n", -1);
    ck_assert_int_eq(g_strv_length(lines), 2);
    for (int i = 0; i < 2; i++)
        ck_assert_msg(
            strstr(lines[i], " ") &&
                !strcmp(strstr(lines[i], " "), " signingCredential.untrusted"),
            "%s", ref);
    g_strfreev(lines);
    g_free(ref);
}
END_TEST

START_TEST(test_flipped_sample_altered)
{
    /* one byte inside the first mdat's samples */
    g_free(dk_test_sh_ok(
        "cd '%s' && for f in sa.mp4 sc.mov; do /usr/bin/python3 -c 'import "
        "sys\n"
        "d=bytearray(open(sys.argv[1],\"rb\").read())\n"
        "i=d.find(b\"mdat\")+100; d[i]^=1\n"
        "open(sys.argv[2],\"wb\").write(d)' $f t$f; done",
        dir));
    static const char *const files[] = {"tsa.mp4", "tsc.mov"};
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        char *out = NULL;
        char *args = g_strdup_printf("--trust keys/ca-cert.pem %s", files[i]);
        ck_assert_int_eq(verify(args, &out), 3);
        ck_assert_msg(strstr(out, "ALTERED (signer trusted)") &&
                          strstr(out, "do not match the signed hash"),
                      "%s: %s", files[i], out);
        g_free(out);
        g_free(args);
    }
    char *ref = reference("tsa.mp4 tsc.mov", true);
    ck_assert_str_eq(ref, "Invalid assertion.bmffHash.mismatch\n"
                          "Invalid assertion.bmffHash.mismatch");
    g_free(ref);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("verify_bmff");
    TCase *tc = tcase_create("verify_bmff");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_intact);
    tcase_add_test(tc, test_flipped_sample_altered);
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
