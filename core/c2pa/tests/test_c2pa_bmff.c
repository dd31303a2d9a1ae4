/* The C2PA library's MP4/MOV embedder, judged by the reference reader
 * (c2pa-rs compiled to WebAssembly, tests/c2pa/judge.sh) and ffprobe:
 * signed clips validate with the test anchor and are only untrusted
 * without it, a flipped sample byte fails, and the packets ffprobe reads
 * are the original's. */
#include "c2pa_fixture.h"
#include "dk_test.h"

#include <dokpim/c2pa.h>

#include <check.h>
#include <string.h>

static char *dir;
static dk_c2pa_signer *signer;

static const dk_c2pa_action actions[] = {
    {"c2pa.transcoded", "transcode.video", "web copy", NULL, 0},
};
static const dk_c2pa_info info = {
    .generator_version = "test",
    .title = "out.mp4",
    .format = "video/mp4",
    .parent_title = "in.mp4",
    .parent_format = "video/mp4",
    .parent_sha256_hex =
        "15f29226af666bf30bb61d9afb462f5cacfe5f137c6a71cba4be45577f85fa83",
    .actions = actions,
    .n_actions = 1,
};

static void setup(void)
{
    dir = c2pa_fixture_dir("c2pa-bmff", "ffmpeg node");
    c2pa_fixture_keys(dir, "");
    /* one second of video and sound; moov last (ffmpeg's default), moov
     * first (faststart), and a QuickTime MOV */
    static const char *const clips[][2] = {
        {"a.mp4", ""}, {"b.mp4", "-movflags +faststart"}, {"c.mov", ""}};
    for (size_t i = 0; i < G_N_ELEMENTS(clips); i++) {
        char *options = g_strdup_printf(
            "-c:v libx264 -pix_fmt yuv420p -c:a aac %s", clips[i][1]);
        c2pa_fixture_clip(dir, clips[i][0], "160x120", 10, options);
        g_free(options);
    }
    signer = c2pa_fixture_signer(dir, "");
}

static void teardown(void)
{
    dk_c2pa_signer_free(signer);
    dk_test_cleanup_dirs();
}

static int sign(const char *in, const char *out, dk_error *err)
{
    char *src = g_build_filename(dir, in, NULL);
    char *dst = g_build_filename(dir, out, NULL);
    int rc = dk_c2pa_sign_bmff(src, dst, &info, signer, err);
    g_free(src);
    g_free(dst);
    return rc;
}

static void sign_ok(const char *in, const char *out)
{
    dk_error err = {0};
    ck_assert_msg(sign(in, out, &err) == 0, "sign %s: %s", in, err.message);
}

/* "STATE failure failure..." per file, one line each, from one run of
 * the reference reader. */
static char *verdicts(const char *files, bool trust)
{
    return c2pa_fixture_verdicts(dir, files, trust ? "ca-cert.pem" : NULL);
}

/* What a player reads: every packet's timing, size and data hash
 * (positions left out: they move by the inserted box). */
static char *packets(const char *file)
{
    return dk_test_sh_ok("cd '%s' && ffprobe -v error -show_packets "
                         "-show_data_hash sha256 '%s' | grep -v '^pos=' | "
                         "sha256sum",
                         dir, file);
}

/* The top-level box types in order. */
static char *top_boxes(const char *file)
{
    return dk_test_sh_ok(
        "cd '%s' && /usr/bin/python3 -c 'import struct,sys\n"
        "d=open(sys.argv[1],\"rb\").read(); i=0; t=[]\n"
        "while i<len(d):\n"
        " n,k=struct.unpack(\">I4s\",d[i:i+8]); t.append(k.decode()); i+=n\n"
        "print(\" \".join(t))' '%s'",
        dir, file);
}

START_TEST(test_signed_clips_validate)
{
    sign_ok("a.mp4", "sa.mp4");
    sign_ok("b.mp4", "sb.mp4");
    sign_ok("c.mov", "sc.mov");
    g_autofree char *t = verdicts("sa.mp4 sb.mp4 sc.mov", true);
    ck_assert_str_eq(t, "Trusted\nTrusted\nTrusted");
    g_autofree char *u = verdicts("sa.mp4 sb.mp4 sc.mov", false);
    ck_assert_str_eq(u, "Valid signingCredential.untrusted\n"
                        "Valid signingCredential.untrusted\n"
                        "Valid signingCredential.untrusted");
    /* the C2PA box right after ftyp, nothing else added */
    g_autofree char *ba = top_boxes("sa.mp4");
    g_autofree char *bb = top_boxes("sb.mp4");
    ck_assert_str_eq(ba, "ftyp uuid free mdat moov");
    ck_assert_str_eq(bb, "ftyp uuid moov free mdat");
    const char *pairs[][2] = {
        {"a.mp4", "sa.mp4"}, {"b.mp4", "sb.mp4"}, {"c.mov", "sc.mov"}};
    for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++) {
        g_autofree char *p0 = packets(pairs[i][0]);
        g_autofree char *p1 = packets(pairs[i][1]);
        ck_assert_msg(!strcmp(p0, p1), "%s: packets changed", pairs[i][1]);
    }
    /* the project's probe path reads it: ffprobe sees the same streams */
    g_autofree char *s0 = dk_test_sh_ok(
        "cd '%s' && ffprobe -v error -show_streams a.mp4 | sha256sum", dir);
    g_autofree char *s1 = dk_test_sh_ok(
        "cd '%s' && ffprobe -v error -show_streams sa.mp4 | sha256sum", dir);
    ck_assert_str_eq(s0, s1);
}
END_TEST

START_TEST(test_tampered_sample_fails)
{
    sign_ok("a.mp4", "sa.mp4");
    sign_ok("b.mp4", "sb.mp4");
    /* one byte inside the first mdat's samples */
    g_free(dk_test_sh_ok(
        "cd '%s' && for f in sa sb; do /usr/bin/python3 -c 'import sys\n"
        "d=bytearray(open(sys.argv[1],\"rb\").read())\n"
        "i=d.find(b\"mdat\")+100; d[i]^=1\n"
        "open(sys.argv[2],\"wb\").write(d)' $f.mp4 t$f.mp4; done",
        dir));
    g_autofree char *v = verdicts("tsa.mp4 tsb.mp4", true);
    ck_assert_str_eq(v, "Invalid assertion.bmffHash.mismatch\n"
                        "Invalid assertion.bmffHash.mismatch");
}
END_TEST

/* Signing a signed clip replaces its box: same size, one C2PA box, and
 * in place as the plugin signs. */
START_TEST(test_resign_replaces)
{
    sign_ok("a.mp4", "once.mp4");
    sign_ok("once.mp4", "twice.mp4");
    sign_ok("twice.mp4", "twice.mp4");
    g_autofree char *sz = dk_test_sh_ok(
        "cd '%s' && stat -c %%s once.mp4 twice.mp4 | uniq | wc -l", dir);
    ck_assert_str_eq(sz, "1");
    g_autofree char *b = top_boxes("twice.mp4");
    ck_assert_str_eq(b, "ftyp uuid free mdat moov");
    g_autofree char *v = verdicts("twice.mp4", true);
    ck_assert_str_eq(v, "Trusted");
    g_autofree char *p0 = packets("a.mp4");
    g_autofree char *p1 = packets("twice.mp4");
    ck_assert_str_eq(p0, p1);
}
END_TEST

/* Not MP4, cut off, a box claiming more than the file: one line, and no
 * output written. */
START_TEST(test_hostile_input)
{
    g_free(dk_test_sh_ok(
        "cd '%s' && head -c 3000 a.mp4 > cut.mp4 && printf 'hello' > "
        "text.mp4 && /usr/bin/python3 -c 'import struct\n"
        "d=bytearray(open(\"b.mp4\",\"rb\").read())\n"
        "i=d.find(b\"moov\")-4; d[i:i+4]=struct.pack(\">I\",1<<30)\n"
        "open(\"big.mp4\",\"wb\").write(d)'",
        dir));
    const char *bad[] = {"cut.mp4", "text.mp4", "big.mp4"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        dk_error err = {0};
        ck_assert_int_eq(sign(bad[i], "bad-out.mp4", &err), DK_ERR_INVALID);
        ck_assert_msg(strchr(err.message, '\n') == NULL, "%s", err.message);
        char *out = g_build_filename(dir, "bad-out.mp4", NULL);
        ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
        g_free(out);
    }
}
END_TEST

/* A file built around a hand-written c2pa.hash.bmff.v2 whose hash is
 * right for its ftyp and mdat: the exclusion /uuid is checked and intact; the
 * same with a subset entry (which this reader cannot check) must leave
 * the binding unverifiable, never intact. */
static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static GByteArray *file_with(const uint8_t *excl, size_t excl_len)
{
    static const uint8_t ftyp[16] = {0,   0,   0,   16,  'f', 't', 'y', 'p',
                                     'i', 's', 'o', 'm', 0,   0,   0,   0};
    static const uint8_t mdat[13] = {0,   0,   0,   13,  'm', 'd', 'a',
                                     't', 'h', 'e', 'l', 'l', 'o'};
    GByteArray *cb = g_byte_array_new();
    static const uint8_t head[] = {0xA3, 0x6A, 'e', 'x', 'c', 'l', 'u',
                                   's',  'i',  'o', 'n', 's', 0x81};
    static const uint8_t tail[] = {0x63, 'a', 'l', 'g', 0x66, 's',
                                   'h',  'a', '2', '5', '6',  0x64,
                                   'h',  'a', 's', 'h', 0x58, 0x20};
    g_byte_array_append(cb, head, sizeof head);
    g_byte_array_append(cb, excl, (guint)excl_len);
    g_byte_array_append(cb, tail, sizeof tail);
    guint hash_at = cb->len;
    g_byte_array_set_size(cb, cb->len + 32);
    memset(cb->data + hash_at, 0, 32);
    uint8_t *store = NULL;
    size_t store_len = 0;
    dk_error err = {0};
    /* pass 1: the store's size, hence mdat's offset */
    ck_assert_msg(dk_c2pa_build_store(&info, signer, "c2pa.hash.bmff.v2",
                                      cb->data, cb->len, &store, &store_len,
                                      &err) == 0,
                  "%s", err.message);
    g_free(store);
    uint64_t box = 8 + 16 + 4 + 9 + 8 + store_len;
    uint8_t off[8];
    put_be(off, sizeof ftyp + box, 8);
    /* ftyp is not excluded here: it counts, at offset 0 */
    static const uint8_t zero[8] = {0};
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, zero, 8);
    g_checksum_update(sum, ftyp, sizeof ftyp);
    g_checksum_update(sum, off, 8);
    g_checksum_update(sum, mdat, sizeof mdat);
    gsize n = 32;
    g_checksum_get_digest(sum, cb->data + hash_at, &n);
    g_checksum_free(sum);
    ck_assert(dk_c2pa_build_store(&info, signer, "c2pa.hash.bmff.v2", cb->data,
                                  cb->len, &store, &store_len, &err) == 0);
    g_byte_array_unref(cb);
    static const uint8_t uuid[16] = {0xd8, 0xfe, 0xc3, 0xd6, 0x1b, 0x0e,
                                     0x48, 0x3c, 0x92, 0x97, 0x58, 0x28,
                                     0x87, 0x7e, 0xc4, 0x81};
    uint8_t h[45] = {0};
    put_be(h, box, 4);
    memcpy(h + 4, "uuid", 4);
    memcpy(h + 8, uuid, 16);
    memcpy(h + 28, "manifest", 9);
    GByteArray *f = g_byte_array_new();
    g_byte_array_append(f, ftyp, sizeof ftyp);
    g_byte_array_append(f, h, sizeof h);
    g_byte_array_append(f, store, (guint)store_len);
    g_byte_array_append(f, mdat, sizeof mdat);
    g_free(store);
    return f;
}

START_TEST(test_verify_unknown_exclusion)
{
    /* {"xpath": "/uuid"} */
    static const uint8_t plain[] = {0xA1, 0x65, 'x', 'p', 'a', 't', 'h',
                                    0x65, '/',  'u', 'u', 'i', 'd'};
    /* {"xpath": "/uuid", "subset": [{"offset": 0, "length": 8}]} */
    static const uint8_t subset[] = {
        0xA2, 0x65, 'x', 'p',  'a',  't', 'h', 0x65, '/',  'u',  'u', 'i', 'd',
        0x66, 's',  'u', 'b',  's',  'e', 't', 0x81, 0xA2, 0x66, 'o', 'f', 'f',
        's',  'e',  't', 0x00, 0x66, 'l', 'e', 'n',  'g',  't',  'h', 0x08};
    dk_c2pa_report r;
    dk_error err = {0};
    GByteArray *f = file_with(plain, sizeof plain);
    ck_assert_int_eq(dk_c2pa_verify(f->data, f->len, NULL, &r, &err), 0);
    ck_assert_msg(r.binding_ok && dk_c2pa_report_intact(&r), "%s",
                  r.invalid ? r.invalid : r.binding_error);
    dk_c2pa_report_clear(&r);
    g_byte_array_unref(f);
    f = file_with(subset, sizeof subset);
    ck_assert_int_eq(dk_c2pa_verify(f->data, f->len, NULL, &r, &err), 0);
    ck_assert(r.has_manifest && r.signature_ok && r.assertions_ok);
    ck_assert_msg(!r.binding_ok && strstr(r.binding_error, "unverifiable"),
                  "%s", r.binding_error ? r.binding_error : "binding ok");
    ck_assert(!dk_c2pa_report_intact(&r));
    dk_c2pa_report_clear(&r);
    g_byte_array_unref(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("c2pa-bmff");
    TCase *tc = tcase_create("bmff");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_signed_clips_validate);
    tcase_add_test(tc, test_tampered_sample_fails);
    tcase_add_test(tc, test_resign_replaces);
    tcase_add_test(tc, test_hostile_input);
    tcase_add_test(tc, test_verify_unknown_exclusion);
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
