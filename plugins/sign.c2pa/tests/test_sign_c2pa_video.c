/* sign.c2pa on clips, through the real dokpim binary and the shipped
 * event-videos-signed pipeline: the stamped remux (MP4, and MOV for a
 * camera clip with PCM sound), the YouTube transcode and the thumbnail
 * are judged by the C2PA reference reader (tests/c2pa/judge.sh): valid
 * with the test anchor, only untrusted without it; a flipped sample byte
 * fails; ffmpeg decodes every signed clip and the stamped remux's packets
 * are those of the same pipeline run without signing. */
#include "c2pa_fixture.h"
#include "dk_test.h"

#include <check.h>
#include <string.h>

static char *dir;

/* The shipped pipeline with the test keys and a small transcode;
 * unsigned without its [sign] stage. */
static void write_pipeline(const char *name, bool with_sign)
{
    c2pa_fixture_pipeline(dir, "event-videos-signed.conf", name, true,
                          with_sign ? "-e 's|^height=1080|height=240|'"
                                    : "-e 's|^height=1080|height=240|' "
                                      "-e 's|;transcode;sign$|;transcode|' "
                                      "-e '/^\\[sign\\]/,$d'");
}

static void setup(void)
{
    dir = c2pa_fixture_dir("sign-c2pa-video", "node ffmpeg");
    c2pa_fixture_keys(dir, "keys");
    char *event = dk_test_source_path("assets/sample-event/event.ini");
    g_free(dk_test_sh_ok("mkdir -p '%s/clips' && cp '%s' '%s/event.ini'", dir,
                         event, dir));
    /* an MP4 phone clip, and a camera MOV with PCM sound (stamped as MOV) */
    c2pa_fixture_clip(dir, "clips/c1.mp4", "320x240", 25,
                      "-c:v libx264 -pix_fmt yuv420p -c:a aac -metadata "
                      "creation_time=2025-03-14T10:01:00Z");
    c2pa_fixture_clip(dir, "clips/c2.mov", "320x240", 25,
                      "-c:v libx264 -pix_fmt yuv420p -c:a pcm_s16le -metadata "
                      "creation_time=2025-03-14T10:02:00Z");
    write_pipeline("signed.conf", true);
    write_pipeline("unsigned.conf", false);
    g_free(event);
}

static void teardown(void)
{
    dk_test_cleanup_dirs();
}

static void run(const char *conf, const char *library)
{
    c2pa_fixture_run(dir, conf, library, "event.ini", "clips");
}

/* The files under library/derived matching a find -name pattern. */
static char *outputs(const char *library, const char *pattern)
{
    return dk_test_sh_ok("cd '%s' && find %s/derived -type f -name '%s' | "
                         "sort | tr '\\n' ' '",
                         dir, library, pattern);
}

/* "STATE failure..." per file, one line each, from one reader run. */
static char *verdicts(const char *files, bool trust)
{
    return c2pa_fixture_verdicts(dir, files, trust ? "keys/ca-cert.pem" : NULL);
}

/* n lines of the same text. */
static char *repeat(const char *line, int n)
{
    GString *s = g_string_new("");
    for (int i = 0; i < n; i++)
        g_string_append_printf(s, "%s%s", i ? "\n" : "", line);
    return g_string_free(s, FALSE);
}

START_TEST(test_signed_clips)
{
    run("signed.conf", "lib");
    g_autofree char *clips = outputs("lib", "*.m[op][v4]");
    g_autofree char *all = outputs("lib", "*");
    /* two stamped remuxes (one .mov) and two transcodes, two thumbnails */
    g_autofree char *n = dk_test_sh_ok("echo %s | wc -w", clips);
    ck_assert_str_eq(n, "4");
    ck_assert_msg(strstr(clips, ".mov "), "no MOV among %s", clips);
    g_autofree char *t = verdicts(all, true);
    g_autofree char *want_t = repeat("Trusted", 6);
    ck_assert_str_eq(t, want_t);
    g_autofree char *u = verdicts(all, false);
    g_autofree char *want_u = repeat("Valid signingCredential.untrusted", 6);
    ck_assert_str_eq(u, want_u);
    /* every signed clip decodes to the end without an error */
    g_free(dk_test_sh_ok("cd '%s' && for f in %s; do ffmpeg -nostdin -v "
                         "error -xerror -i $f -f null - || exit 1; done",
                         dir, clips));
    /* the stamped remuxes carry the packets of an unsigned run */
    run("unsigned.conf", "plain");
    g_autofree char *a = dk_test_sh_ok(
        "cd '%s' && for f in $(find lib/derived/stamp -type f | sort); do "
        "ffprobe -v error -show_packets -show_data_hash sha256 $f | grep -v "
        "'^pos='; done | sha256sum",
        dir);
    g_autofree char *b = dk_test_sh_ok(
        "cd '%s' && for f in $(find plain/derived/stamp -type f | sort); do "
        "ffprobe -v error -show_packets -show_data_hash sha256 $f | grep -v "
        "'^pos='; done | sha256sum",
        dir);
    ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(test_tampered_clip)
{
    run("signed.conf", "lib");
    g_autofree char *clips = outputs("lib", "*.m[op][v4]");
    /* one byte of each clip's samples */
    g_free(dk_test_sh_ok(
        "cd '%s' && i=0 && for f in %s; do i=$((i+1)); /usr/bin/python3 -c "
        "'import sys\n"
        "d=bytearray(open(sys.argv[1],\"rb\").read())\n"
        "k=d.find(b\"mdat\")+100; d[k]^=1\n"
        "open(sys.argv[2],\"wb\").write(d)' $f t$i.${f##*.}; done",
        dir, clips));
    g_autofree char *v = verdicts("t1.m* t2.m* t3.m* t4.m*", true);
    g_autofree char *want = repeat("Invalid assertion.bmffHash.mismatch", 4);
    ck_assert_str_eq(v, want);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sign.c2pa-video");
    TCase *tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_signed_clips);
    tcase_add_test(tc, test_tampered_clip);
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
