/* `dokpim verify` on MP4 and MOV clips signed by the C2PA library's BMFF
 * embedder (tests/c2pa's dk-c2pa-sign), each verdict set beside the C2PA
 * reference reader's (tests/c2pa/judge.sh) on the same file: intact and
 * trusted with the test anchor, intact but untrusted without, altered
 * after one flipped sample byte. */
#include "c2pa_fixture.h"
#include "dk_test.h"

#include <check.h>
#include <string.h>

static char *dir;

static void setup(void)
{
    dir = c2pa_fixture_dir("verify-bmff", "ffmpeg node");
    c2pa_fixture_keys(dir, "keys");
    /* moov last (ffmpeg's default) in the MP4, first in the MOV */
    c2pa_fixture_clip(dir, "a.mp4", "160x120", 10, "-c:v libx264 -c:a aac");
    c2pa_fixture_clip(dir, "c.mov", "160x120", 10,
                      "-c:v libx264 -c:a aac -movflags +faststart");
    c2pa_fixture_sign_tool(dir, "a.mp4", "sa.mp4", "keys", NULL);
    c2pa_fixture_sign_tool(dir, "c.mov", "sc.mov", "keys", NULL);
}

static void teardown(void)
{
    dk_test_cleanup_dirs();
}

static int verify(const char *args, char **out)
{
    return c2pa_fixture_verify(dir, args, out);
}

/* The reference reader's state and failure codes, one line per file. */
static char *reference(const char *files, bool trust)
{
    return c2pa_fixture_verdicts(dir, files, trust ? "keys/ca-cert.pem" : NULL);
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
