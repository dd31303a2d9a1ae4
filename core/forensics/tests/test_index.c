/* Print files and the on-disk index: round trips, every kind of damage
 * refused with a message naming the file, and lookups on synthetic prints
 * (random sub-fingerprints with a tenth of the bits flipped, as a
 * re-encode does) and on real speech. */
#include "dk_test.h"
#include "index_private.h"
#include "print_file_private.h"
#include "synth_random.h"

#include <dokpim/forensics.h>

#include <check.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

/* The suite's folder, made (and removed) by the parent process: the
 * tests run in forked children. */
static char *suite_dir;

/* A fresh folder for one test (g_free). */
static char *test_dir(const char *tag)
{
    char *dir = g_build_filename(suite_dir, tag, NULL);
    ck_assert_int_eq(g_mkdir_with_parents(dir, 0755), 0);
    return dir;
}

/* ---- synthetic prints ---- */

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
    g_autofree char *lib = test_dir("index-rt");
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
    g_autofree char *lib = test_dir("index-names");
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
    /* no audio: hop and start are written as zero bits, and read so
     * (found by fuzz_print_parse: -0.0 was read and written back as 0) */
    dk_media_print v = {.duration = 1, .has_video = true};
    uint8_t *vb;
    size_t vsize;
    ck_assert_int_eq(dk_print_encode(&v, &vb, &vsize, &err), 0);
    vb[31] = 0x80;
    fix_crc(vb, vsize);
    assert_refused(vb, vsize, "without an audio stream", "-0.0 start");
    free(vb);

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
    g_autofree char *lib = test_dir("index-dmg");
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

/* ---- the index, on synthetic prints ---- */

/* Clip frame k = original frame from + round(k * step), each bit flipped
 * with probability ber (a re-encode), quiet flags kept; audio only. */
static void make_clip(const dk_media_print *orig, size_t from, size_t frames,
                      double step, double ber, uint64_t seed,
                      dk_media_print *clip)
{
    memset(clip, 0, sizeof *clip);
    uint64_t s = seed;
    clip->has_audio = true;
    clip->audio.hop = 0.016;
    clip->audio.count = frames;
    clip->audio.bits = malloc(frames * 4);
    clip->audio.quiet = malloc(frames);
    for (size_t k = 0; k < frames; k++) {
        size_t j = from + (size_t)llround((double)k * step);
        ck_assert_uint_lt(j, orig->audio.count);
        uint32_t bits = orig->audio.bits[j];
        for (int b = 0; b < 32 && ber > 0; b++)
            if (rng_unit(&s) < ber)
                bits ^= 1u << b;
        clip->audio.bits[k] = bits;
        clip->audio.quiet[k] = orig->audio.quiet[j];
    }
    clip->duration = frames * clip->audio.hop;
}

/* A library of n originals of `seconds` each, saved; shas[i] names the
 * one made from seed i. */
static char *make_library(const char *tag, unsigned n, double seconds,
                          char (*shas)[65], dk_media_print *prints)
{
    char *lib = test_dir(tag);
    for (unsigned i = 0; i < n; i++) {
        fake_sha(100 + i, shas[i]);
        make_original(100 + i, seconds, &prints[i]);
        dk_error err = {0};
        ck_assert_msg(dk_print_save(lib, shas[i], &prints[i], &err) == 0, "%s",
                      err.message);
    }
    return lib;
}

static void add_all(const char *lib, char (*shas)[65], unsigned from,
                    unsigned to)
{
    const char *list[64];
    for (unsigned i = from; i < to; i++)
        list[i - from] = shas[i];
    dk_error err = {0};
    ck_assert_msg(dk_print_index_add(lib, list, to - from, &err) == 0, "%s",
                  err.message);
}

static dk_print_index *open_index(const char *lib)
{
    dk_print_index *ix;
    dk_error err = {0};
    ck_assert_msg(dk_print_index_open(lib, &ix, &err) == 0, "%s", err.message);
    return ix;
}

/* Candidates of clip; asserts the best is want at offset (+-tol) and
 * returns how many there were. */
static size_t expect_best(dk_print_index *ix, const dk_media_print *clip,
                          double speed, const char *want, double offset,
                          double tol)
{
    dk_print_candidate *c;
    size_t n;
    dk_error err = {0};
    ck_assert_msg(dk_print_index_candidates(ix, clip, speed, &c, &n, &err) == 0,
                  "%s", err.message);
    ck_assert_msg(n >= 1, "no candidate for %.12s", want);
    fprintf(stderr,
            "best %.8s offset %.3f (want %.3f) audio %u picture %u; %zu "
            "candidates, next audio %u picture %u\n",
            c[0].sha256, c[0].offset, offset, c[0].audio_hits,
            c[0].picture_hits, n, n > 1 ? c[1].audio_hits : 0,
            n > 1 ? c[1].picture_hits : 0);
    ck_assert_str_eq(c[0].sha256, want);
    ck_assert_msg(fabs(c[0].offset - offset) <= tol,
                  "offset %.3f, want %.3f +- %.3f (audio %u picture %u)",
                  c[0].offset, offset, tol, c[0].audio_hits, c[0].picture_hits);
    for (size_t i = 1; i < n; i++)
        ck_assert_str_ne(c[i].sha256, want); /* one entry per original */
    free(c);
    return n;
}

static size_t count_candidates(dk_print_index *ix, const dk_media_print *clip,
                               double speed)
{
    dk_print_candidate *c;
    size_t n;
    dk_error err = {0};
    ck_assert_int_eq(dk_print_index_candidates(ix, clip, speed, &c, &n, &err),
                     0);
    free(c);
    return n;
}

static int count_segments(const char *lib)
{
    char *dir = g_build_filename(lib, "prints", "index", NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    int n = 0;
    const char *name;
    uint64_t g;
    while (d && (name = g_dir_read_name(d)))
        n += index_segment_name(name, &g);
    if (d)
        g_dir_close(d);
    g_free(dir);
    return n;
}

#define N_ORIG 5
START_TEST(test_index_find)
{
    char shas[N_ORIG][65];
    dk_media_print orig[N_ORIG];
    g_autofree char *lib = make_library("index-find", N_ORIG, 600, shas, orig);
    /* a library with no prints yet is an empty index */
    dk_print_index *ix = open_index(lib);
    size_t items;
    uint64_t entries, bytes;
    dk_print_index_stats(ix, &items, &entries, &bytes);
    ck_assert_uint_eq(items, 0);
    dk_print_index_close(ix);

    add_all(lib, shas, 0, N_ORIG);
    ix = open_index(lib);
    dk_print_index_stats(ix, &items, &entries, &bytes);
    ck_assert_uint_eq(items, N_ORIG);
    /* every 2nd non-quiet frame, 8 chunk keys per non-flat key frame */
    ck_assert(entries > N_ORIG * 37500 * 0.9 / 2 * 0.97 &&
              entries < N_ORIG * (37500 * 0.9 / 2 * 1.03 + 300 * 8));
    dk_media_print clip;
    for (unsigned i = 0; i < N_ORIG; i++) {
        size_t from = 1000 + 5000 * i + 7 * i;
        make_clip(&orig[i], from, 3750, 1.0, 0.10, 9 + i, &clip);
        expect_best(ix, &clip, 1.0, shas[i], from * 0.016, 0.032);
        dk_media_print_clear(&clip);
    }
    /* a short one: 5 s */
    make_clip(&orig[3], 20001, 312, 1.0, 0.10, 77, &clip);
    expect_best(ix, &clip, 1.0, shas[3], 20001 * 0.016, 0.032);
    dk_media_print_clear(&clip);

    /* a clip of nothing in the archive */
    dk_media_print other;
    make_original(999, 120, &other);
    make_clip(&other, 100, 3750, 1.0, 0.10, 5, &clip);
    ck_assert_uint_eq(count_candidates(ix, &clip, 1.0), 0);
    dk_media_print_clear(&clip);
    dk_media_print_clear(&other);
    dk_print_index_close(ix);
    for (unsigned i = 0; i < N_ORIG; i++)
        dk_media_print_clear(&orig[i]);
}
END_TEST

/* Clip frame k from original frame from + 1.1 k: a sped-up clip. */
START_TEST(test_index_speed)
{
    char shas[3][65];
    dk_media_print orig[3];
    g_autofree char *lib = make_library("index-speed", 3, 300, shas, orig);
    add_all(lib, shas, 0, 3);
    dk_print_index *ix = open_index(lib);
    dk_media_print clip;
    make_clip(&orig[1], 4321, 2500, 1.1, 0.08, 3, &clip);
    expect_best(ix, &clip, 1.1, shas[1], 4321 * 0.016, 0.032);
    /* at the wrong speed the votes do not line up */
    dk_print_candidate *c;
    size_t n;
    dk_error err = {0};
    ck_assert_int_eq(dk_print_index_candidates(ix, &clip, 1.0, &c, &n, &err),
                     0);
    ck_assert(n == 0 || c[0].audio_hits < 40);
    free(c);
    ck_assert_int_eq(dk_print_index_candidates(ix, &clip, 0, &c, &n, &err),
                     DK_ERR_INVALID);
    ck_assert_int_eq(dk_print_index_candidates(ix, &clip, NAN, &c, &n, &err),
                     DK_ERR_INVALID);
    dk_media_print_clear(&clip);
    dk_print_index_close(ix);
    for (unsigned i = 0; i < 3; i++)
        dk_media_print_clear(&orig[i]);
}
END_TEST

/* Picture only (audio replaced by silence or music): the key frames
 * near clip frames, a few bits off, at 10 clip frames a second. */
START_TEST(test_index_picture)
{
    char shas[3][65];
    dk_media_print orig[3];
    g_autofree char *lib = make_library("index-pict", 3, 300, shas, orig);
    add_all(lib, shas, 0, 3);
    dk_print_index *ix = open_index(lib);
    uint64_t s = 42;
    double offset = 61.3;
    dk_media_print clip = {.has_video = true, .duration = 30};
    clip.picture.count = 300;
    clip.picture.frames = calloc(300, sizeof(dk_picture_frame));
    for (size_t k = 0; k < 300; k++) {
        dk_picture_frame *f = &clip.picture.frames[k];
        f->time = k * 0.1;
        f->aspect = 16.0f / 9.0f;
        f->whole = rng_next(&s);
        double t = offset + f->time;
        size_t key = (size_t)llround(t / 2);
        if (fabs(t - 2.0 * key) < 0.15 && !orig[2].picture.frames[key].flat) {
            f->whole = orig[2].picture.frames[key].whole;
            for (int b = 0; b < 3; b++)
                f->whole ^= 1ULL << (rng_next(&s) % 64);
        }
    }
    expect_best(ix, &clip, 1.0, shas[2], offset, 0.3);
    /* a portrait crop matches the originals' centre column */
    for (size_t k = 0; k < 300; k++) {
        dk_picture_frame *f = &clip.picture.frames[k];
        f->aspect = 9.0f / 16.0f;
        double t = offset + f->time;
        size_t key = (size_t)llround(t / 2);
        f->whole = fabs(t - 2.0 * key) < 0.15
                       ? orig[2].picture.frames[key].centre ^ 1
                       : rng_next(&s);
    }
    expect_best(ix, &clip, 1.0, shas[2], offset, 0.3);
    /* random pictures: nothing */
    for (size_t k = 0; k < 300; k++)
        clip.picture.frames[k].whole = rng_next(&s);
    ck_assert_uint_eq(count_candidates(ix, &clip, 1.0), 0);
    dk_media_print_clear(&clip);
    dk_print_index_close(ix);
    for (unsigned i = 0; i < 3; i++)
        dk_media_print_clear(&orig[i]);
}
END_TEST

START_TEST(test_index_add_twice_and_merge)
{
    enum { N = 12 };
    char shas[N][65];
    dk_media_print orig[N];
    g_autofree char *lib = make_library("index-merge", N, 120, shas, orig);
    add_all(lib, shas, 0, 2);
    ck_assert_int_eq(count_segments(lib), 1);
    dk_print_index *ix = open_index(lib);
    uint64_t e1, b1, e2, b2;
    size_t i1, i2;
    dk_print_index_stats(ix, &i1, &e1, &b1);
    dk_print_index_close(ix);
    /* again, and again within one call: nothing changes */
    add_all(lib, shas, 0, 2);
    add_all(lib, shas, 1, 2);
    const char *twice[] = {shas[0], shas[0]};
    dk_error err = {0};
    ck_assert_int_eq(dk_print_index_add(lib, twice, 2, &err), 0);
    ck_assert_int_eq(count_segments(lib), 1);
    ix = open_index(lib);
    dk_print_index_stats(ix, &i2, &e2, &b2);
    ck_assert(i1 == i2 && e1 == e2 && b1 == b2);
    dk_print_index_close(ix);
    /* a bad name or a missing print adds nothing */
    const char *bad[] = {shas[2], "nope"};
    ck_assert_int_eq(dk_print_index_add(lib, bad, 2, &err), DK_ERR_INVALID);
    char missing[65];
    fake_sha(5000, missing);
    const char *gone[] = {shas[2], missing};
    ck_assert_int_eq(dk_print_index_add(lib, gone, 2, &err), DK_ERR_NOT_FOUND);
    ck_assert_int_eq(count_segments(lib), 1);

    /* one at a time: the 9th segment triggers a merge into one */
    int most = 0;
    for (unsigned i = 2; i < N; i++) {
        add_all(lib, shas, i, i + 1);
        int segments = count_segments(lib);
        ck_assert_int_le(segments, INDEX_MAX_SEGMENTS);
        if (segments > most)
            most = segments;
    }
    ck_assert_int_eq(most, INDEX_MAX_SEGMENTS);
    ck_assert_int_eq(count_segments(lib), N - 2 - INDEX_MAX_SEGMENTS + 1);
    ix = open_index(lib);
    dk_print_index_stats(ix, &i2, &e2, &b2);
    ck_assert_uint_eq(i2, N);
    dk_media_print clip;
    for (unsigned i = 0; i < N; i++) {
        make_clip(&orig[i], 500 + 31 * i, 1875, 1.0, 0.10, i, &clip);
        expect_best(ix, &clip, 1.0, shas[i], (500 + 31 * i) * 0.016, 0.032);
        dk_media_print_clear(&clip);
    }
    dk_print_index_close(ix);
    for (unsigned i = 0; i < N; i++)
        dk_media_print_clear(&orig[i]);
}
END_TEST

/* A merge interrupted before it removed the old segments leaves two
 * copies: the newest wins, each item counts once. */
START_TEST(test_index_duplicates)
{
    char shas[3][65];
    dk_media_print orig[3];
    g_autofree char *lib = make_library("index-dup", 3, 120, shas, orig);
    add_all(lib, shas, 0, 3);
    char *dir = g_build_filename(lib, "prints", "index", NULL);
    char *from = g_build_filename(dir, "seg-0000000001.dkix", NULL);
    char *to = g_build_filename(dir, "seg-0000000007.dkix", NULL);
    g_free(dk_test_sh_ok("cp '%s' '%s'", from, to));
    dk_print_index *ix = open_index(lib);
    size_t items;
    dk_print_index_stats(ix, &items, NULL, NULL);
    ck_assert_uint_eq(items, 3);
    dk_media_print clip;
    make_clip(&orig[1], 900, 1875, 1.0, 0.10, 1, &clip);
    expect_best(ix, &clip, 1.0, shas[1], 900 * 0.016, 0.032);
    dk_media_print_clear(&clip);
    dk_print_index_close(ix);
    g_free(dir);
    g_free(from);
    g_free(to);
    for (unsigned i = 0; i < 3; i++)
        dk_media_print_clear(&orig[i]);
}
END_TEST

static void collect_warning(void *data, const char *message)
{
    g_ptr_array_add(data, g_strdup(message));
}

START_TEST(test_index_rebuild)
{
    enum { N = 4 };
    char shas[N][65];
    dk_media_print orig[N];
    g_autofree char *lib = make_library("index-rebuild", N, 120, shas, orig);
    add_all(lib, shas, 0, 2);
    char *dir = g_build_filename(lib, "prints", "index", NULL);
    g_free(dk_test_sh_ok("rm -rf '%s'", dir));
    /* damage one print, delete another: the rebuild skips and says so */
    char *path = dk_print_path(lib, shas[3], NULL);
    gsize len;
    char *bytes = dk_test_read(path, &len);
    bytes[100] ^= 1;
    dk_test_write(path, bytes, (gssize)len);
    g_free(bytes);
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    dk_error err = {0};
    ck_assert_int_eq(
        dk_print_index_rebuild(lib, collect_warning, warnings, &err), 0);
    ck_assert_uint_eq(warnings->len, 1);
    ck_assert_ptr_nonnull(strstr(warnings->pdata[0], path));
    ck_assert_ptr_nonnull(strstr(warnings->pdata[0], "checksum mismatch"));
    ck_assert_int_eq(count_segments(lib), 1);
    dk_print_index *ix = open_index(lib);
    size_t items;
    dk_print_index_stats(ix, &items, NULL, NULL);
    ck_assert_uint_eq(items, 3);
    dk_media_print clip;
    for (unsigned i = 0; i < 3; i++) {
        make_clip(&orig[i], 2000, 1875, 1.0, 0.10, i, &clip);
        expect_best(ix, &clip, 1.0, shas[i], 2000 * 0.016, 0.032);
        dk_media_print_clear(&clip);
    }
    make_clip(&orig[3], 2000, 1875, 1.0, 0.10, 3, &clip);
    ck_assert_uint_eq(count_candidates(ix, &clip, 1.0), 0);
    dk_media_print_clear(&clip);
    dk_print_index_close(ix);

    /* a rebuild forgets an item whose print is gone, and replaces the
     * segments it found (two here) */
    add_all(lib, shas, 3, 3);
    char *gone = dk_print_path(lib, shas[0], NULL);
    ck_assert_int_eq(g_unlink(gone), 0);
    ck_assert_int_eq(dk_print_index_rebuild(lib, NULL, NULL, &err), 0);
    ck_assert_int_eq(count_segments(lib), 1);
    ix = open_index(lib);
    dk_print_index_stats(ix, &items, NULL, NULL);
    ck_assert_uint_eq(items, 2);
    dk_print_index_close(ix);
    /* nothing to index: an empty index */
    g_free(dk_test_sh_ok("rm -rf '%s'/prints/??", lib));
    ck_assert_int_eq(dk_print_index_rebuild(lib, NULL, NULL, &err), 0);
    ck_assert_int_eq(count_segments(lib), 0);
    g_ptr_array_free(warnings, TRUE);
    g_free(gone);
    g_free(path);
    g_free(dir);
    for (unsigned i = 0; i < N; i++)
        dk_media_print_clear(&orig[i]);
}
END_TEST

START_TEST(test_index_damaged_segment)
{
    char shas[2][65];
    dk_media_print orig[2];
    g_autofree char *lib = make_library("index-segdmg", 2, 120, shas, orig);
    add_all(lib, shas, 0, 2);
    char *seg =
        g_build_filename(lib, "prints", "index", "seg-0000000001.dkix", NULL);
    gsize len;
    char *good = dk_test_read(seg, &len);
    ck_assert_ptr_nonnull(good);
    dk_index_segment parsed;
    dk_error err = {0};
    ck_assert_int_eq(dk_index_segment_parse(good, len, &parsed, &err), 0);
    index_layout l;
    index_segment_layout(&parsed, &l);
    char *bad = g_malloc(len + 1);
    /* flips in the header and tables; truncations; one byte more */
    size_t offsets[] = {0,
                        3,
                        4,
                        8,
                        12,
                        16,
                        20,
                        24,
                        32,
                        40,
                        48,
                        56,
                        64,
                        64 + 40,
                        l.audio_buckets + 4,
                        l.picture_buckets + 8};
    for (size_t i = 0; i < G_N_ELEMENTS(offsets); i++) {
        memcpy(bad, good, len);
        bad[offsets[i]] ^= 0x10;
        dk_test_write(seg, bad, (gssize)len);
        dk_print_index *ix;
        ck_assert_msg(dk_print_index_open(lib, &ix, &err) == DK_ERR_INVALID,
                      "flip at %zu accepted", offsets[i]);
        assert_one_line(&err);
        ck_assert_ptr_nonnull(strstr(err.message, seg));
        ck_assert_ptr_nonnull(
            strstr(err.message, "run dokpim locate --reindex"));
    }
    for (size_t cut = 0; cut < len; cut += 1 + cut / 3)
        ck_assert_int_eq(dk_index_segment_parse(good, cut, &parsed, &err),
                         DK_ERR_INVALID);
    memcpy(bad, good, len);
    bad[len] = 0;
    ck_assert_int_eq(dk_index_segment_parse(bad, len + 1, &parsed, &err),
                     DK_ERR_INVALID);
    /* damage in the entry arrays (not checksummed, read where a lookup
     * lands) costs matches, never memory safety */
    memcpy(bad, good, len);
    uint64_t s = 5;
    for (uint64_t k = l.audio_entries; k < len; k++)
        if (rng_unit(&s) < 0.3)
            bad[k] = (char)rng_next(&s);
    dk_test_write(seg, bad, (gssize)len);
    dk_print_index *ix = open_index(lib);
    dk_media_print clip;
    make_clip(&orig[0], 100, 1875, 1.0, 0.10, 1, &clip);
    count_candidates(ix, &clip, 1.0);
    dk_media_print_clear(&clip);
    dk_print_index_close(ix);
    /* the repair the message names */
    ck_assert_int_eq(dk_print_index_rebuild(lib, NULL, NULL, &err), 0);
    ix = open_index(lib);
    make_clip(&orig[0], 100, 1875, 1.0, 0.10, 1, &clip);
    expect_best(ix, &clip, 1.0, shas[0], 100 * 0.016, 0.032);
    dk_media_print_clear(&clip);
    dk_print_index_close(ix);
    g_free(bad);
    g_free(good);
    g_free(seg);
    for (unsigned i = 0; i < 2; i++)
        dk_media_print_clear(&orig[i]);
}
END_TEST

/* A 3-hour clip costs what 20 000 positions do: sampled, not all
 * 675 000 looked up. */
START_TEST(test_index_long_clip)
{
    char shas[1][65];
    dk_media_print orig[1];
    g_autofree char *lib = make_library("index-long", 1, 3 * 3600, shas, orig);
    add_all(lib, shas, 0, 1);
    dk_print_index *ix = open_index(lib);
    dk_media_print clip;
    /* no bits flipped: 21 M random draws would cost more than the query
     * under ASan */
    make_clip(&orig[0], 0, orig[0].audio.count - 10, 1.0, 0, 4, &clip);
    gint64 t0 = g_get_monotonic_time();
    expect_best(ix, &clip, 1.0, shas[0], 0, 0.032);
    dk_media_print other;
    make_original(4242, 3 * 3600, &other);
    ck_assert_uint_eq(count_candidates(ix, &other, 1.0), 0);
    double seconds = (g_get_monotonic_time() - t0) / 1e6;
    fprintf(stderr, "two 3-hour clips: %.2f s\n", seconds);
    ck_assert(seconds < 10);
    dk_media_print_clear(&other);
    dk_media_print_clear(&clip);
    dk_print_index_close(ix);
    dk_media_print_clear(&orig[0]);
}
END_TEST

/* Writers in two processes at once: the lock makes one wait, and every
 * item of both ends up indexed. */
START_TEST(test_index_concurrent_adds)
{
    enum { N = 16 };
    char shas[N][65];
    dk_media_print orig[N];
    g_autofree char *lib = make_library("index-conc", N, 60, shas, orig);
    pid_t pids[2];
    for (int w = 0; w < 2; w++) {
        pids[w] = fork();
        ck_assert_int_ge(pids[w], 0);
        if (pids[w] == 0) {
            int rc = 0;
            for (unsigned i = w; i < N && !rc; i += 2) {
                const char *one[] = {shas[i]};
                dk_error err = {0};
                rc = dk_print_index_add(lib, one, 1, &err);
                if (rc)
                    fprintf(stderr, "writer %d: %s\n", w, err.message);
            }
            _exit(rc ? 1 : 0);
        }
    }
    for (int w = 0; w < 2; w++) {
        int status;
        ck_assert_int_eq(waitpid(pids[w], &status, 0), pids[w]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    dk_print_index *ix = open_index(lib);
    size_t items;
    dk_print_index_stats(ix, &items, NULL, NULL);
    ck_assert_uint_eq(items, N);
    dk_media_print clip;
    for (unsigned i = 0; i < N; i++) {
        make_clip(&orig[i], 100, 1500, 1.0, 0.10, i, &clip);
        expect_best(ix, &clip, 1.0, shas[i], 1.6, 0.032);
        dk_media_print_clear(&clip);
    }
    dk_print_index_close(ix);
    for (unsigned i = 0; i < N; i++)
        dk_media_print_clear(&orig[i]);
}
END_TEST

/* ---- real media: Indonesian speech over a panned plasma picture ---- */

static char *media_dir;

/* Two archived originals and three clips: a re-encoded cut from 3 s to
 * 9 s of the first, its audio alone, and a sentence not in the archive.
 * Made by the parent, once. */
static void make_media(void)
{
    media_dir = g_build_filename(suite_dir, "media", NULL);
    g_mkdir_with_parents(media_dir, 0755);
    g_free(dk_test_sh_ok(
        "cd '%s' && "
        "espeak-ng -v id -w a.wav 'Kami tidak akan menaikkan pajak tahun ini. "
        "Pemerintah akan membangun jalan baru di seluruh provinsi.' && "
        "espeak-ng -v id -w b.wav 'Harga beras di pasar tradisional naik sejak "
        "bulan lalu. Para petani meminta bantuan pupuk.' && "
        "espeak-ng -v id -w c.wav 'Gubernur meresmikan jembatan baru di "
        "kabupaten itu kemarin sore bersama warga desa.' && "
        "for s in 7 8; do /usr/bin/convert -seed $s -size 480x270 "
        "plasma:fractal p$s.png; done && "
        "pan=\"zoompan=z=1.3:x='(iw-iw/zoom)/2+60*sin(on/40)':y='(ih-ih/zoom)/"
        "2':d=1:s=320x180:fps=25,format=yuv420p\" && "
        "ff='ffmpeg -v error -y' && "
        "$ff -loop 1 -framerate 25 -i p7.png -i a.wav -vf \"$pan\" -c:v "
        "libx264 "
        "-preset ultrafast -g 50 -c:a aac -b:a 128k -shortest orig.mp4 && "
        "$ff -loop 1 -framerate 25 -i p8.png -i b.wav -vf \"$pan\" -c:v "
        "libx264 "
        "-preset ultrafast -g 50 -c:a aac -b:a 128k -shortest other.mp4 && "
        "$ff -ss 3 -t 6 -i orig.mp4 -c:v libx264 -preset ultrafast -c:a aac "
        "-b:a 64k cut.mp4 && "
        "$ff -ss 3 -t 6 -i orig.mp4 -vn -c:a libopus -b:a 32k cut.ogg && "
        "$ff -i c.wav -c:a aac -b:a 64k stranger.m4a 2>&1",
        media_dir));
}

static void print_media(const char *name, const dk_print_params *params,
                        dk_media_print *out)
{
    g_autofree char *path = g_build_filename(media_dir, name, NULL);
    dk_error err = {0};
    ck_assert_msg(dk_media_print_compute(path, params, out, &err) == 0,
                  "%s: %s", name, err.message);
}

START_TEST(test_index_real_media)
{
    g_autofree char *lib = test_dir("index-real");
    const char *names[] = {"orig.mp4", "other.mp4"};
    char shas[2][65];
    for (int i = 0; i < 2; i++) {
        dk_media_print p;
        print_media(names[i], &DK_PRINT_ORIGINAL, &p);
        fake_sha(7000 + i, shas[i]);
        dk_error err = {0};
        ck_assert_int_eq(dk_print_save(lib, shas[i], &p, &err), 0);
        dk_media_print_clear(&p);
    }
    add_all(lib, shas, 0, 2);
    dk_print_index *ix = open_index(lib);
    dk_media_print clip;
    /* ffmpeg -ss puts clip time 0 at the original's 3 s (within a frame) */
    print_media("cut.mp4", &DK_PRINT_CLIP, &clip);
    expect_best(ix, &clip, 1.0, shas[0], 3.0, 0.1);
    dk_media_print_clear(&clip);
    print_media("cut.ogg", &DK_PRINT_CLIP, &clip);
    expect_best(ix, &clip, 1.0, shas[0], 3.0, 0.1);
    dk_media_print_clear(&clip);
    print_media("stranger.m4a", &DK_PRINT_CLIP, &clip);
    dk_print_candidate *c;
    size_t n;
    dk_error err = {0};
    ck_assert_int_eq(dk_print_index_candidates(ix, &clip, 1.0, &c, &n, &err),
                     0);
    fprintf(stderr, "stranger: %zu candidates, best audio %u\n", n,
            n ? c[0].audio_hits : 0);
    ck_assert_uint_eq(n, 0);
    free(c);
    dk_media_print_clear(&clip);
    dk_print_index_close(ix);
}
END_TEST

int main(void)
{
    suite_dir = dk_test_tmpdir("index");
    Suite *s = suite_create("index");
    TCase *files = tcase_create("print files");
    tcase_add_test(files, test_print_round_trip);
    tcase_add_test(files, test_print_bad_names);
    tcase_add_test(files, test_print_damage);
    tcase_add_test(files, test_print_damaged_file);
    suite_add_tcase(s, files);
    TCase *index = tcase_create("index");
    tcase_set_timeout(index, 60);
    tcase_add_test(index, test_index_find);
    tcase_add_test(index, test_index_speed);
    tcase_add_test(index, test_index_picture);
    tcase_add_test(index, test_index_add_twice_and_merge);
    tcase_add_test(index, test_index_duplicates);
    tcase_add_test(index, test_index_rebuild);
    tcase_add_test(index, test_index_damaged_segment);
    tcase_add_test(index, test_index_long_clip);
    tcase_add_test(index, test_index_concurrent_adds);
    suite_add_tcase(s, index);
    make_media();
    TCase *real = tcase_create("real media");
    tcase_set_timeout(real, 60);
    tcase_add_test(real, test_index_real_media);
    suite_add_tcase(s, real);
    return dk_test_run_suite(s);
}
