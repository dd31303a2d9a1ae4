/* The C2PA library on its own: what signing adds to a JPEG (APP11
 * segments and nothing else), the JPEG XT segment layout, and the APP11
 * locator on hostile bytes. The reference reader judges the manifests in
 * plugins/sign.c2pa/tests. */
#include "c2pa_fixture.h"
#include "dk_test.h"

#include <dokpim/c2pa.h>

#include <check.h>
#include <string.h>
#include <sys/stat.h>

static char *dir;
static dk_c2pa_signer *signer;

static const dk_c2pa_info info = {
    .generator_version = "test",
    .title = "out.jpg",
    .format = "image/jpeg",
    .parent_title = "in.jpg",
    .parent_format = "image/jpeg",
    .parent_sha256_hex =
        "15f29226af666bf30bb61d9afb462f5cacfe5f137c6a71cba4be45577f85fa83",
};

static void setup(void)
{
    dir = dk_test_tmpdir("c2pa");
    c2pa_fixture_keys(dir, "");
    g_free(dk_test_sh_ok("/usr/bin/convert -size 300x200 plasma:fractal "
                         "-quality 90 '%s/in.jpg' && exiftool -q "
                         "-overwrite_original -Artist=Test '%s/in.jpg'",
                         dir, dir));
    signer = c2pa_fixture_signer(dir, "");
}

static void teardown(void)
{
    dk_c2pa_signer_free(signer);
    dk_test_cleanup_dirs();
}

static uint8_t *read_file(const char *name, gsize *len)
{
    char *path = g_build_filename(dir, name, NULL);
    uint8_t *data = (uint8_t *)dk_test_read(path, len);
    ck_assert_msg(data, "cannot read %s", path);
    g_free(path);
    return data;
}

static void sign(const char *in, const char *out, const dk_c2pa_info *i)
{
    char *src = g_build_filename(dir, in, NULL);
    char *dst = g_build_filename(dir, out, NULL);
    dk_error err = {0};
    int rc = dk_c2pa_sign_jpeg(src, dst, i, signer, &err);
    ck_assert_msg(rc == 0, "sign: %s", err.message);
    g_free(src);
    g_free(dst);
}

/* Every byte outside the APP11 span is the input's, in order. */
static dk_c2pa_jpeg_span check_only_app11_added(const char *in, const char *out)
{
    gsize in_len, out_len;
    uint8_t *a = read_file(in, &in_len), *b = read_file(out, &out_len);
    dk_c2pa_jpeg_span span;
    dk_error err = {0};
    ck_assert_int_eq(dk_c2pa_jpeg_find(b, out_len, &span, &err), 0);
    ck_assert_uint_ge(span.segments, 1);
    ck_assert_uint_eq(out_len, in_len + span.length);
    ck_assert(memcmp(a, b, span.offset) == 0);
    ck_assert(memcmp(a + span.offset, b + span.offset + span.length,
                     in_len - span.offset) == 0);
    /* each segment: APP11, Le <= 65535, "JP", Z = 1, 2, ... */
    uint64_t pos = span.offset;
    for (uint32_t z = 1; z <= span.segments; z++) {
        ck_assert_uint_eq(b[pos], 0xFF);
        ck_assert_uint_eq(b[pos + 1], 0xEB);
        uint32_t le = (uint32_t)b[pos + 2] << 8 | b[pos + 3];
        ck_assert(memcmp(b + pos + 4, "JP", 2) == 0);
        ck_assert_uint_eq((uint32_t)b[pos + 8] << 24 | b[pos + 9] << 16 |
                              b[pos + 10] << 8 | b[pos + 11],
                          z);
        pos += 2 + le;
    }
    ck_assert_uint_eq(pos, span.offset + span.length);
    g_free(a);
    g_free(b);
    return span;
}

START_TEST(test_sign_adds_only_app11)
{
    sign("in.jpg", "out.jpg", &info);
    dk_c2pa_jpeg_span span = check_only_app11_added("in.jpg", "out.jpg");
    ck_assert_uint_eq(span.segments, 1);
    /* after JFIF and Exif, before the quantisation tables */
    g_autofree char *order = dk_test_sh_ok(
        "exiftool -v3 '%s/out.jpg' | grep -o 'JPEG APP[0-9]*\\|JPEG DQT' | "
        "head -4 | tr '\\n' ' '",
        dir);
    ck_assert_str_eq(order, "JPEG APP0 JPEG APP1 JPEG APP11 JPEG DQT");

    gsize len;
    uint8_t *b = read_file("out.jpg", &len);
    uint8_t *store;
    size_t store_len;
    dk_error err = {0};
    ck_assert_int_eq(
        dk_c2pa_jpeg_read_store(b, len, &span, &store, &store_len, &err), 0);
    ck_assert_uint_eq(store_len, span.length - 12);
    ck_assert(memcmp(store + 4, "jumb", 4) == 0);
    ck_assert(memmem(store, store_len, "c2pa.claim.v2", 13) != NULL);
    ck_assert(memmem(store, store_len, "c2pa.hash.data", 14) != NULL);
    g_free(store);
    g_free(b);
}
END_TEST

/* Signing a signed file replaces its store: one store, same place. */
START_TEST(test_resign_replaces)
{
    sign("in.jpg", "once.jpg", &info);
    sign("once.jpg", "twice.jpg", &info);
    dk_c2pa_jpeg_span a = check_only_app11_added("in.jpg", "once.jpg");
    dk_c2pa_jpeg_span b = check_only_app11_added("in.jpg", "twice.jpg");
    ck_assert_uint_eq(a.offset, b.offset);
    ck_assert_uint_eq(a.length, b.length);
    /* in place, as the plugin signs */
    sign("twice.jpg", "twice.jpg", &info);
    check_only_app11_added("in.jpg", "twice.jpg");
}
END_TEST

/* A store bigger than one segment continues in segments that repeat the
 * superbox's LBox and TBox. */
START_TEST(test_many_segments)
{
    GString *cw = g_string_new("{\"@context\":\"https://schema.org\","
                               "\"@type\":\"CreativeWork\",\"text\":\"");
    for (int i = 0; i < 150000; i++)
        g_string_append_c(cw, (char)('a' + i % 26));
    g_string_append(cw, "\"}");
    dk_c2pa_info big = info;
    big.creative_work_json = cw->str;
    sign("in.jpg", "big.jpg", &big);
    dk_c2pa_jpeg_span span = check_only_app11_added("in.jpg", "big.jpg");
    ck_assert_uint_eq(span.segments, 3);
    gsize len;
    uint8_t *b = read_file("big.jpg", &len);
    uint8_t *store;
    size_t store_len;
    dk_error err = {0};
    ck_assert_int_eq(
        dk_c2pa_jpeg_read_store(b, len, &span, &store, &store_len, &err), 0);
    ck_assert(memmem(store, store_len, cw->str + 100, 1000) != NULL);
    g_free(store);
    g_free(b);
    g_string_free(cw, TRUE);
}
END_TEST

/* SOI, then the given APP11 payloads, then a minimal scan. */
static GByteArray *jpeg_with(const GByteArray *const *payloads, int n)
{
    static const uint8_t soi[] = {0xFF, 0xD8};
    static const uint8_t tail[] = {0xFF, 0xDA, 0x00, 0x02,
                                   0x12, 0x34, 0xFF, 0xD9};
    GByteArray *out = g_byte_array_new();
    g_byte_array_append(out, soi, 2);
    for (int i = 0; i < n; i++) {
        uint8_t h[4] = {0xFF, 0xEB, (uint8_t)((payloads[i]->len + 2) >> 8),
                        (uint8_t)(payloads[i]->len + 2)};
        g_byte_array_append(out, h, 4);
        g_byte_array_append(out, payloads[i]->data, payloads[i]->len);
    }
    g_byte_array_append(out, tail, sizeof tail);
    return out;
}

/* An APP11 JPEG XT payload: "JP", En, Z, then a jumb box header
 * claiming lbox bytes with a c2pa description (first) or the repeated
 * LBox/TBox (continuations), then filler. */
static GByteArray *xt(uint16_t en, uint32_t z, uint32_t lbox, bool first,
                      size_t filler)
{
    GByteArray *p = g_byte_array_new();
    uint8_t h[8] = {'J',
                    'P',
                    (uint8_t)(en >> 8),
                    (uint8_t)en,
                    (uint8_t)(z >> 24),
                    (uint8_t)(z >> 16),
                    (uint8_t)(z >> 8),
                    (uint8_t)z};
    uint8_t box[8] = {(uint8_t)(lbox >> 24),
                      (uint8_t)(lbox >> 16),
                      (uint8_t)(lbox >> 8),
                      (uint8_t)lbox,
                      'j',
                      'u',
                      'm',
                      'b'};
    static const uint8_t jumd[8] = {0, 0, 0, 30, 'j', 'u', 'm', 'd'};
    g_byte_array_append(p, h, 8);
    g_byte_array_append(p, box, 8);
    if (first) {
        g_byte_array_append(p, jumd, 8);
        g_byte_array_append(p, (const uint8_t *)"c2pa", 4);
    }
    for (size_t i = 0; i < filler; i++)
        g_byte_array_append(p, (const uint8_t *)"x", 1);
    return p;
}

static int find_in(GByteArray *jpeg, dk_c2pa_jpeg_span *span, dk_error *err)
{
    return dk_c2pa_jpeg_find(jpeg->data, jpeg->len, span, err);
}

START_TEST(test_hostile_segments)
{
    dk_c2pa_jpeg_span span;
    dk_error err = {0};
    GByteArray *p[3];

    /* a store that claims more than its segments carry */
    p[0] = xt(7, 1, 1000000, true, 10);
    GByteArray *j = jpeg_with((const GByteArray *const *)p, 1);
    ck_assert_int_eq(find_in(j, &span, &err), 0);
    ck_assert_uint_eq(span.segments, 1);
    uint8_t *store = NULL;
    size_t store_len;
    ck_assert_int_eq(dk_c2pa_jpeg_read_store(j->data, j->len, &span, &store,
                                             &store_len, &err),
                     DK_ERR_INVALID);
    ck_assert_msg(strstr(err.message, "truncated"), "%s", err.message);
    g_byte_array_unref(j);
    /* a span a caller made up does not walk out of the buffer */
    dk_c2pa_jpeg_span wild = {.offset = 2, .length = 1u << 30, .segments = 1};
    ck_assert_int_lt(dk_c2pa_jpeg_read_store(p[0]->data, p[0]->len, &wild,
                                             &store, &store_len, &err),
                     0);

    /* out of sequence: Z 1 then 3 */
    p[1] = xt(7, 3, 1000000, false, 10);
    j = jpeg_with((const GByteArray *const *)p, 2);
    ck_assert_int_eq(find_in(j, &span, &err), DK_ERR_INVALID);
    ck_assert_msg(strstr(err.message, "out of sequence"), "%s", err.message);
    g_byte_array_unref(j);
    g_byte_array_unref(p[1]);

    /* a continuation whose box header differs */
    p[1] = xt(7, 2, 5, false, 10);
    j = jpeg_with((const GByteArray *const *)p, 2);
    ck_assert_int_eq(find_in(j, &span, &err), DK_ERR_INVALID);
    ck_assert_msg(strstr(err.message, "does not continue"), "%s", err.message);
    g_byte_array_unref(j);
    g_byte_array_unref(p[1]);

    /* two stores */
    p[1] = xt(8, 1, 1000, true, 10);
    j = jpeg_with((const GByteArray *const *)p, 2);
    ck_assert_int_eq(find_in(j, &span, &err), DK_ERR_INVALID);
    ck_assert_msg(strstr(err.message, "more than one"), "%s", err.message);
    g_byte_array_unref(j);
    g_byte_array_unref(p[1]);

    /* a store starting at Z = 2 */
    p[2] = xt(9, 2, 1000, true, 10);
    j = jpeg_with((const GByteArray *const *)&p[2], 1);
    ck_assert_int_eq(find_in(j, &span, &err), DK_ERR_INVALID);
    g_byte_array_unref(j);

    /* tiny and foreign APP11 segments are not stores */
    g_byte_array_set_size(p[2], 9);
    j = jpeg_with((const GByteArray *const *)&p[2], 1);
    ck_assert_int_eq(find_in(j, &span, &err), 0);
    ck_assert_uint_eq(span.segments, 0);
    g_byte_array_unref(j);

    /* every truncation of a real signed file: an error or a shorter
     * answer, never a read past the end (ASan watches) */
    sign("in.jpg", "cut.jpg", &info);
    gsize len;
    uint8_t *b = read_file("cut.jpg", &len);
    for (gsize n = 0; n < 3000 && n < len; n += 7) {
        uint8_t *copy = g_memdup2(b, n);
        if (dk_c2pa_jpeg_find(copy, n, &span, &err) == 0 && span.segments) {
            ck_assert_uint_le(span.offset + span.length, n);
            uint8_t *s = NULL;
            if (dk_c2pa_jpeg_read_store(copy, n, &span, &s, &store_len, &err) ==
                0)
                ck_assert_uint_le(store_len, n);
            g_free(s);
        }
        g_free(copy);
    }
    g_free(b);
    g_byte_array_unref(p[0]);
    g_byte_array_unref(p[2]);
}
END_TEST

START_TEST(test_signer_refusals)
{
    dk_error err = {0};
    dk_c2pa_signer *s = NULL;
    char *key = g_build_filename(dir, "signing-key.pem", NULL);
    char *chain = g_build_filename(dir, "signing-chain.pem", NULL);
    char *ca = g_build_filename(dir, "ca-cert.pem", NULL);
    char *cakey = g_build_filename(dir, "ca-key.pem", NULL);
    /* the CA key matches the anchor, not the signing certificate */
    ck_assert_int_eq(dk_c2pa_signer_load(cakey, chain, &s, &err),
                     DK_ERR_INVALID);
    ck_assert_msg(strstr(err.message, "chain"), "%s", err.message);
    /* a certificate is not a key (nor a private file: refused either way) */
    ck_assert_int_lt(dk_c2pa_signer_load(ca, chain, &s, &err), 0);
    /* a key is not a chain */
    ck_assert_int_eq(dk_c2pa_signer_load(key, key, &s, &err), DK_ERR_INVALID);
    ck_assert(s == NULL);
    /* the identity's checks (keys.h) apply to signing too: a signing
     * certificate without its issuer does not verify... */
    char *leaf = g_build_filename(dir, "leaf-only.pem", NULL);
    g_free(dk_test_sh_ok("openssl x509 -in '%s' -out '%s'", chain, leaf));
    ck_assert_int_eq(dk_c2pa_signer_load(key, leaf, &s, &err), DK_ERR_INVALID);
    ck_assert(s == NULL);
    /* ...and a key others may read is refused */
    ck_assert_int_eq(chmod(key, 0644), 0);
    ck_assert_int_lt(dk_c2pa_signer_load(dir, NULL, &s, &err), 0);
    ck_assert_msg(strstr(err.message, key), "%s", err.message);
    ck_assert(s == NULL);
    ck_assert_int_eq(chmod(key, 0600), 0);
    /* the folder `dokpim keys init` writes loads as it is */
    ck_assert_int_eq(dk_c2pa_signer_load(dir, NULL, &s, &err), 0);
    dk_c2pa_signer_free(s);
    g_free(leaf);
    g_free(key);
    g_free(chain);
    g_free(ca);
    g_free(cakey);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("c2pa");
    TCase *tc = tcase_create("c2pa");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sign_adds_only_app11);
    tcase_add_test(tc, test_resign_replaces);
    tcase_add_test(tc, test_many_segments);
    tcase_add_test(tc, test_hostile_segments);
    tcase_add_test(tc, test_signer_refusals);
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
