/* sign.c2pa on clips, through the real dokpim binary and the shipped
 * event-videos-signed pipeline: the stamped remux (MP4, and MOV for a
 * camera clip with PCM sound), the YouTube transcode and the thumbnail
 * are judged by the C2PA reference reader (tests/c2pa/judge.sh): valid
 * with the test anchor, only untrusted without it; a flipped sample byte
 * fails; ffmpeg decodes every signed clip and the stamped remux's packets
 * are those of the same pipeline run without signing. */
#include "dk_test.h"

#include <check.h>
#include <string.h>

static char *dir;

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

/* The shipped pipeline with absolute assets, the test keys, a small
 * transcode; unsigned without its [sign] stage. */
static void write_pipeline(const char *name, bool with_sign)
{
    char *shipped = dk_test_source_path("pipelines/event-videos-signed.conf");
    char *assets = dk_test_source_path("assets");
    g_free(dk_test_sh_ok(
        "sed -e 's|^logo=../assets|logo=%s|' -e 's|^height=1080|height=240|' "
        "-e 's|^key-dir=keys|key-dir=%s/keys|' %s '%s' > '%s/%s'",
        assets, dir,
        with_sign ? ""
                  : "-e 's|;transcode;sign$|;transcode|' "
                    "-e '/^\\[sign\\]/,$d'",
        shipped, dir, name));
    g_free(shipped);
    g_free(assets);
}

static void setup(void)
{
    ck_assert_msg(dk_test_have("node") && dk_test_have("ffmpeg"),
                  "node and ffmpeg are needed (install-deps.sh)");
    dir = dk_test_tmpdir("sign-c2pa-video");
    dk_test_lsan_suppress(dir, "leak:libfontconfig.so\n");
    char *ca = dk_test_source_path("tests/c2pa/make-test-ca.sh");
    char *event = dk_test_source_path("assets/sample-event/event.ini");
    /* an MP4 phone clip, and a camera MOV with PCM sound (stamped as MOV) */
    g_free(dk_test_sh_ok(
        "mkdir -p '%s/keys' '%s/clips' && sh '%s' '%s/keys' 2>&1 && cp '%s' "
        "'%s/event.ini' && cd '%s/clips' && ffmpeg -v error -f lavfi -i "
        "testsrc=size=320x240:rate=25:duration=1 -f lavfi -i sine=duration=1 "
        "-c:v libx264 -pix_fmt yuv420p -c:a aac -shortest -metadata "
        "creation_time=2025-03-14T10:01:00Z c1.mp4 && ffmpeg -v error -f "
        "lavfi -i testsrc=size=320x240:rate=25:duration=1 -f lavfi -i "
        "sine=duration=1 -c:v libx264 -pix_fmt yuv420p -c:a pcm_s16le "
        "-shortest -metadata creation_time=2025-03-14T10:02:00Z c2.mov",
        dir, dir, ca, dir, event, dir, dir));
    write_pipeline("signed.conf", true);
    write_pipeline("unsigned.conf", false);
    g_free(ca);
    g_free(event);
}

static void teardown(void)
{
    dk_test_cleanup_dirs();
}

static void run(const char *conf, const char *library)
{
    char *c = g_build_filename(dir, conf, NULL);
    char *lib = g_build_filename(dir, library, NULL);
    char *ev = g_build_filename(dir, "event.ini", NULL);
    char *clips = g_build_filename(dir, "clips", NULL);
    const char *args[] = {"run", "-q", "--event", ev,  "-o",
                          lib,   c,    clips,     NULL};
    char *err = NULL;
    int status = dk_test_dokpim(args, NULL, &err);
    ck_assert_msg(status == 0, "dokpim run %s: %d\n%s", conf, status, err);
    g_free(err);
    g_free(c);
    g_free(lib);
    g_free(ev);
    g_free(clips);
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
