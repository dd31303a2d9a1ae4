/* Print files and the on-disk index: round trips, every kind of damage
 * refused with a message naming the file, and lookups on synthetic prints
 * (random sub-fingerprints with a tenth of the bits flipped, as a
 * re-encode does) and on real speech. */
#include "dk_test.h"
#include "print_file_private.h"

#include <dokpim/forensics.h>

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- synthetic prints ---- */

static uint64_t rng_next(uint64_t *state)
{
    /* splitmix64: good enough spread for test data, fixed seeds */
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *state)
{
    return (double)(rng_next(state) >> 11) / (double)(1ULL << 53);
}

/* An original of `seconds`: random sub-fingerprints every 16 ms, one in
 * ten quiet, and a picture hash every 2 s (key frames). */
static void make_original(uint64_t seed, double seconds, dk_media_print *p)
{
    memset(p, 0, sizeof *p);
    uint64_t s = seed;
    p->duration = seconds;
    p->has_audio = p->has_video = true;
    p->audio.hop = 0.016;
    p->audio.start = 0;
    p->audio.count = (size_t)(seconds / p->audio.hop);
    p->audio.bits = malloc(p->audio.count * sizeof *p->audio.bits);
    p->audio.quiet = malloc(p->audio.count);
    for (size_t i = 0; i < p->audio.count; i++) {
        p->audio.bits[i] = (uint32_t)rng_next(&s);
        p->audio.quiet[i] = rng_unit(&s) < 0.1;
    }
    p->picture.count = (size_t)(seconds / 2);
    p->picture.frames = calloc(p->picture.count + 1, sizeof(dk_picture_frame));
    for (size_t i = 0; i < p->picture.count; i++) {
        dk_picture_frame *f = &p->picture.frames[i];
        f->time = 2.0 * i;
        f->whole = rng_next(&s);
        f->centre = rng_next(&s);
        f->aspect = 16.0f / 9.0f;
        f->flat = i % 17 == 5;
    }
}

static void print_copy(const dk_media_print *from, dk_media_print *to)
{
    *to = *from;
    to->audio.bits = g_memdup2(from->audio.bits, from->audio.count * 4 + 1);
    to->audio.quiet = g_memdup2(from->audio.quiet, from->audio.count + 1);
    to->picture.frames =
        g_memdup2(from->picture.frames,
                  (from->picture.count + 1) * sizeof(dk_picture_frame));
}

static void assert_same_print(const dk_media_print *a, const dk_media_print *b)
{
    ck_assert(a->duration == b->duration);
    ck_assert(a->has_audio == b->has_audio && a->has_video == b->has_video);
    ck_assert(a->audio.hop == b->audio.hop);
    ck_assert(a->audio.start == b->audio.start);
    ck_assert_uint_eq(a->audio.count, b->audio.count);
    ck_assert_uint_eq(a->picture.count, b->picture.count);
    ck_assert(!memcmp(a->audio.bits, b->audio.bits, a->audio.count * 4));
    ck_assert(!memcmp(a->audio.quiet, b->audio.quiet, a->audio.count));
    for (size_t i = 0; i < a->picture.count; i++) {
        const dk_picture_frame *x = &a->picture.frames[i],
                               *y = &b->picture.frames[i];
        ck_assert(x->time == y->time && x->whole == y->whole &&
                  x->centre == y->centre && x->aspect == y->aspect &&
                  x->flat == y->flat);
    }
}

/* A sha256-shaped name from a number. */
static void fake_sha(unsigned n, char sha[65])
{
    uint64_t s = n * 7919u + 1;
    for (int i = 0; i < 64; i += 16)
        snprintf(sha + i, 17, "%016llx", (unsigned long long)rng_next(&s));
}

static void assert_one_line(const dk_error *err)
{
    ck_assert_msg(err->message[0] && !strchr(err->message, '\n'),
                  "message: '%s'", err->message);
}

/* ---- print files ---- */

START_TEST(test_print_round_trip)
{
    char *lib = dk_test_tmpdir("index-rt");
    dk_media_print p, back;
    make_original(1, 90, &p);
    p.audio.start = 0.25;
    char sha[65];
    fake_sha(1, sha);
    dk_error err = {0};
    ck_assert_int_eq(dk_print_save(lib, sha, &p, &err), 0);
    char aa[3] = {sha[0], sha[1], 0};
    char *name = g_strconcat(sha, ".dkfp", NULL);
    char *path = g_build_filename(lib, "prints", aa, name, NULL);
    ck_assert(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    ck_assert_int_eq(dk_print_load(lib, sha, &back, &err), 0);
    assert_same_print(&p, &back);
    dk_media_print_clear(&back);

    /* the atomic writer leaves nothing else in the folder */
    char *folder = g_path_get_dirname(path);
    GDir *d = g_dir_open(folder, 0, NULL);
    int files = 0;
    while (g_dir_read_name(d))
        files++;
    g_dir_close(d);
    ck_assert_int_eq(files, 1);

    /* audio only, video only, empty streams */
    dk_media_print a = p;
    a.has_video = false;
    a.picture.count = 0;
    ck_assert_int_eq(dk_print_save(lib, sha, &a, &err), 0);
    ck_assert_int_eq(dk_print_load(lib, sha, &back, &err), 0);
    assert_same_print(&a, &back);
    dk_media_print_clear(&back);
    dk_media_print v = p;
    v.has_audio = false;
    v.audio.count = 0;
    v.audio.hop = v.audio.start = 0;
    ck_assert_int_eq(dk_print_save(lib, sha, &v, &err), 0);
    ck_assert_int_eq(dk_print_load(lib, sha, &back, &err), 0);
    assert_same_print(&v, &back);
    dk_media_print_clear(&back);

    dk_media_print_clear(&p);
    g_free(folder);
    g_free(path);
    g_free(name);
}
END_TEST

START_TEST(test_print_bad_names)
{
    char *lib = dk_test_tmpdir("index-names");
    dk_media_print p, back;
    make_original(2, 10, &p);
    static const char *const bad[] = {
        "",
        "ab",
        "../../../../../../../../../../../../../../../../../../../etc/pass",
        "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678",
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567890",
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678g",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        dk_error err = {0};
        ck_assert_int_eq(dk_print_save(lib, bad[i], &p, &err), DK_ERR_INVALID);
        assert_one_line(&err);
        ck_assert_int_eq(dk_print_load(lib, bad[i], &back, &err),
                         DK_ERR_INVALID);
    }
    dk_error err = {0};
    ck_assert_int_eq(dk_print_save(lib, NULL, &p, &err), DK_ERR_INVALID);
    char *prints = g_build_filename(lib, "prints", NULL);
    ck_assert(!g_file_test(prints, G_FILE_TEST_EXISTS));
    /* a print that could not be read back is not written */
    char sha[65];
    fake_sha(2, sha);
    p.picture.frames[3].time = NAN;
    ck_assert_int_eq(dk_print_save(lib, sha, &p, &err), DK_ERR_INVALID);
    p.picture.frames[3].time = 6;
    p.audio.quiet[7] = 2;
    ck_assert_int_eq(dk_print_save(lib, sha, &p, &err), DK_ERR_INVALID);
    ck_assert(!g_file_test(prints, G_FILE_TEST_EXISTS));
    /* a missing print is "not found", naming the file */
    ck_assert_int_eq(dk_print_load(lib, sha, &back, &err), DK_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.message, sha));
    g_free(prints);
    dk_media_print_clear(&p);
}
END_TEST

/* The file's CRC-32 recomputed after a deliberate change, so that the
 * check behind it is reached. */
static void fix_crc(uint8_t *b, size_t size)
{
    uint32_t crc = (uint32_t)crc32_z(0, b, size - 4);
    memcpy(b + size - 4, &crc, 4);
}

static void assert_refused(const uint8_t *b, size_t size, const char *want,
                           const char *what)
{
    dk_media_print p;
    dk_error err = {0};
    int rc = dk_print_parse(b, size, &p, &err);
    ck_assert_msg(rc == DK_ERR_INVALID, "%s: accepted (rc %d)", what, rc);
    assert_one_line(&err);
    if (want)
        ck_assert_msg(strstr(err.message, want), "%s: '%s' lacks '%s'", what,
                      err.message, want);
}

START_TEST(test_print_damage)
{
    dk_media_print p;
    make_original(3, 6, &p);
    uint8_t *good;
    size_t size;
    dk_error err = {0};
    ck_assert_int_eq(dk_print_encode(&p, &good, &size, &err), 0);
    ck_assert_uint_eq(size, 48 + 375 * 5 + 3 * 29 + 4);
    uint8_t *b = malloc(size);

    for (size_t len = 0; len < size; len++)
        assert_refused(good, len, NULL, "truncated");
    for (size_t i = 0; i < size; i++) {
        memcpy(b, good, size);
        b[i] ^= 1u << (i % 8);
        assert_refused(b, size, NULL, "flipped bit");
    }
    /* one extra byte: sizes must match the counts exactly */
    uint8_t *longer = malloc(size + 1);
    memcpy(longer, good, size);
    longer[size] = 0;
    assert_refused(longer, size + 1, "do not fit", "one byte more");
    free(longer);

    static const struct {
        size_t offset;
        uint64_t value;
        int width;
        const char *want;
        const char *what;
    } rows[] = {
        {0, 0x50464b45, 4, "not a dokpim print", "magic"},
        {4, 2, 2, "version 2", "version"},
        {4, 0, 2, "version 0", "version 0"},
        {6, 4, 2, "flags", "unknown flag"},
        {6, 2, 2, "without an audio", "audio without the flag"},
        {6, 1, 2, "without a video", "picture without the flag"},
        {32, 1ULL << 62, 8, "do not fit", "huge audio count"},
        {40, 1ULL << 62, 8, "do not fit", "huge picture count"},
        {32, 376, 8, "do not fit", "audio count + 1"},
        {40, UINT64_MAX, 8, "do not fit", "picture count -1"},
        {8, 0x7ff8000000000000ULL, 8, "duration", "NaN duration"},
        {8, 0xbff0000000000000ULL, 8, "duration", "negative duration"},
        {16, 0x7ff0000000000000ULL, 8, "hop", "infinite hop"},
        {16, 0, 8, "hop", "zero hop"},
        {24, 0xfff0000000000000ULL, 8, "start", "-inf start"},
        /* first picture frame's time and aspect, quiet flag 0 */
        {48 + 375 * 5, 0x7ff8000000000001ULL, 8, "picture frame 0",
         "NaN frame time"},
        {48 + 375 * 5 + 24, 0x7f800000, 4, "picture frame 0", "inf aspect"},
        {48 + 375 * 5 + 28, 2, 1, "picture frame 0", "flat 2"},
        {48 + 375 * 4, 3, 1, "quiet flag 0", "quiet 3"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        memcpy(b, good, size);
        memcpy(b + rows[i].offset, &rows[i].value, rows[i].width);
        fix_crc(b, size);
        assert_refused(b, size, rows[i].want, rows[i].what);
    }
    /* and the unchanged bytes still parse */
    dk_media_print back;
    ck_assert_int_eq(dk_print_parse(good, size, &back, &err), 0);
    assert_same_print(&p, &back);
    dk_media_print_clear(&back);
    free(b);
    free(good);
    dk_media_print_clear(&p);
}
END_TEST

/* On disk: the message names the file and says how to repair. */
START_TEST(test_print_damaged_file)
{
    char *lib = dk_test_tmpdir("index-dmg");
    dk_media_print p, back;
    make_original(4, 20, &p);
    char sha[65];
    fake_sha(4, sha);
    dk_error err = {0};
    ck_assert_int_eq(dk_print_save(lib, sha, &p, &err), 0);
    char aa[3] = {sha[0], sha[1], 0};
    char *name = g_strconcat(sha, ".dkfp", NULL);
    char *path = g_build_filename(lib, "prints", aa, name, NULL);
    gsize len;
    char *bytes = dk_test_read(path, &len);
    bytes[len / 2] ^= 0x40;
    dk_test_write(path, bytes, (gssize)len);
    ck_assert_int_eq(dk_print_load(lib, sha, &back, &err), DK_ERR_INVALID);
    assert_one_line(&err);
    char *want = g_strdup_printf("%s: checksum mismatch: the print is "
                                 "damaged; run dokpim locate --reindex",
                                 path);
    ck_assert_str_eq(err.message, want);
    dk_test_write(path, bytes, 10);
    ck_assert_int_eq(dk_print_load(lib, sha, &back, &err), DK_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.message, path));
    ck_assert_ptr_nonnull(strstr(err.message, "--reindex"));
    g_free(want);
    g_free(bytes);
    g_free(path);
    g_free(name);
    dk_media_print_clear(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("index");
    TCase *files = tcase_create("print files");
    tcase_add_test(files, test_print_round_trip);
    tcase_add_test(files, test_print_bad_names);
    tcase_add_test(files, test_print_damage);
    tcase_add_test(files, test_print_damaged_file);
    suite_add_tcase(s, files);
    return dk_test_run_suite(s);
}
