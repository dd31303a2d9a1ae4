/* bench/forensics/index_scale — the print index at archive scale.
 *
 *   index_scale fill LIBRARY HOURS [STRIDE]
 *       makes LIBRARY hold HOURS one-hour synthetic originals (items that
 *       are already there are kept) and indexes them 10 at a time through
 *       dk_print_index_add (so segments merge as they do in use);
 *   index_scale query LIBRARY [CLIPS [BER]]
 *       opens the index and times dk_print_index_candidates for CLIPS
 *       60 s clips of random originals at random offsets, with each bit
 *       flipped with probability BER (default 0.10, a re-encode), and as
 *       many 60 s clips of nothing in the archive; then the same without
 *       the one-bit neighbours. Peak RSS from getrusage.
 *
 * An original (item n, one hour): a sub-fingerprint every 16 ms, each a
 * uniformly random 32-bit word (splitmix64 seeded with n), one frame in
 * ten quiet; a key frame every 2 s with random whole and centre hashes,
 * 16:9, one in 17 flat. Uniform words are the easy case for a hash index
 * (real speech has common patterns: see the max-key-hits cap), so the
 * figures are lookup cost and memory, not accuracy on speech. */
#include <dokpim/forensics.h>
#include <fcntl.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "index_private.h"
#include "synth_random.h"

#define ITEM_SECONDS 3600.0
#define HOP          0.016
#define BATCH        10

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double peak_rss_mb(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024.0;
}

/* Resident memory now: anonymous (heap) and file-backed (mapped index
 * pages the lookups touched; the page cache's, dropped under pressure). */
static void print_resident(const char *when)
{
    char *status = NULL;
    if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
        return;
    long anon = -1, file = -1;
    for (char *line = status; line && *line;) {
        sscanf(line, "RssAnon: %ld", &anon);
        sscanf(line, "RssFile: %ld", &file);
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    printf("  resident %s: %.1f MB anonymous, %.1f MB file-backed\n", when,
           anon / 1024.0, file / 1024.0);
    g_free(status);
}

static char *item_sha(unsigned n)
{
    char *text = g_strdup_printf("dokpim bench item %u", n);
    char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
    g_free(text);
    return sha;
}

static void make_item(unsigned n, dk_media_print *p)
{
    memset(p, 0, sizeof *p);
    uint64_t s = 0x5eed0000ULL + n;
    p->duration = ITEM_SECONDS;
    p->has_audio = p->has_video = true;
    p->audio.hop = HOP;
    p->audio.count = (size_t)(ITEM_SECONDS / HOP);
    p->audio.bits = malloc(p->audio.count * 4);
    p->audio.quiet = malloc(p->audio.count);
    for (size_t i = 0; i < p->audio.count; i++) {
        p->audio.bits[i] = (uint32_t)rng_next(&s);
        p->audio.quiet[i] = rng_unit(&s) < 0.1;
    }
    p->picture.count = (size_t)(ITEM_SECONDS / 2);
    p->picture.frames = calloc(p->picture.count, sizeof(dk_picture_frame));
    for (size_t i = 0; i < p->picture.count; i++) {
        dk_picture_frame *f = &p->picture.frames[i];
        f->time = 2.0 * i;
        f->whole = rng_next(&s);
        f->centre = rng_next(&s);
        f->aspect = 16.0f / 9.0f;
        f->flat = i % 17 == 5;
    }
}

static int fill(const char *library, unsigned hours, unsigned stride)
{
    dk_index_tuning tuning = DK_INDEX_TUNING_DEFAULT;
    tuning.stride = stride;
    double print_s = 0, add_s = 0, worst_add = 0;
    for (unsigned from = 0; from < hours; from += BATCH) {
        char *shas[BATCH];
        unsigned n = hours - from < BATCH ? hours - from : BATCH;
        double t0 = now();
        for (unsigned k = 0; k < n; k++) {
            shas[k] = item_sha(from + k);
            dk_media_print p;
            dk_media_print probe;
            dk_error err = {0};
            if (dk_print_load(library, shas[k], &probe, &err) == 0) {
                dk_media_print_clear(&probe);
                continue;
            }
            make_item(from + k, &p);
            if (dk_print_save(library, shas[k], &p, &err)) {
                fprintf(stderr, "index_scale: %s\n", err.message);
                return 1;
            }
            dk_media_print_clear(&p);
        }
        double t1 = now();
        dk_error err = {0};
        if (dk_print_index_add_tuned(library, (const char *const *)shas, n,
                                     &tuning, &err)) {
            fprintf(stderr, "index_scale: %s\n", err.message);
            return 1;
        }
        double t2 = now();
        print_s += t1 - t0;
        add_s += t2 - t1;
        if (t2 - t1 > worst_add)
            worst_add = t2 - t1;
        for (unsigned k = 0; k < n; k++)
            g_free(shas[k]);
    }
    printf("fill %u h (stride %u): prints made and saved %.1f s, indexed "
           "%.1f s (slowest add of %u items, a merge: %.1f s), peak RSS "
           "%.0f MB\n",
           hours, stride, print_s, add_s, BATCH, worst_add, peak_rss_mb());
    return 0;
}

/* A 60 s clip of item n from a random frame, bits flipped at ber. */
static void make_clip(unsigned n, uint64_t *s, double ber, dk_media_print *clip,
                      double *offset)
{
    dk_media_print orig;
    make_item(n, &orig);
    size_t frames = (size_t)(60 / HOP);
    size_t from = rng_next(s) % (orig.audio.count - frames);
    memset(clip, 0, sizeof *clip);
    clip->has_audio = true;
    clip->duration = 60;
    clip->audio.hop = HOP;
    clip->audio.count = frames;
    clip->audio.bits = malloc(frames * 4);
    clip->audio.quiet = malloc(frames);
    for (size_t k = 0; k < frames; k++) {
        uint32_t bits = orig.audio.bits[from + k];
        for (int b = 0; b < 32; b++)
            if (rng_unit(s) < ber)
                bits ^= 1u << b;
        clip->audio.bits[k] = bits;
        clip->audio.quiet[k] = orig.audio.quiet[from + k];
    }
    *offset = from * HOP;
    dk_media_print_clear(&orig);
}

static void make_stranger(uint64_t *s, dk_media_print *clip)
{
    make_item(1000000 + (unsigned)(rng_next(s) % 1000000), clip);
    clip->audio.count = (size_t)(60 / HOP);
    clip->duration = 60;
    clip->has_video = false;
    clip->picture.count = 0;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run_queries(dk_print_index *ix, size_t items, unsigned clips,
                        double ber, const dk_index_tuning *tuning,
                        const char *label)
{
    double *t = calloc(clips, sizeof *t), *ts = calloc(clips, sizeof *ts);
    unsigned found = 0, strangers = 0;
    double worst_offset = 0, hits = 0;
    uint64_t s = 99;
    for (unsigned r = 0; r < clips; r++) {
        unsigned n = (unsigned)(rng_next(&s) % items);
        dk_media_print clip;
        double offset;
        make_clip(n, &s, ber, &clip, &offset);
        dk_print_candidate *c;
        size_t nc;
        dk_error err = {0};
        double t0 = now();
        dk_print_index_candidates_tuned(ix, &clip, 1.0, tuning, &c, &nc, &err);
        t[r] = now() - t0;
        char *want = item_sha(n);
        if (nc && !strcmp(c[0].sha256, want)) {
            found++;
            hits += c[0].audio_hits;
            if (fabs(c[0].offset - offset) > worst_offset)
                worst_offset = fabs(c[0].offset - offset);
        }
        g_free(want);
        free(c);
        dk_media_print_clear(&clip);

        make_stranger(&s, &clip);
        t0 = now();
        dk_print_index_candidates_tuned(ix, &clip, 1.0, tuning, &c, &nc, &err);
        ts[r] = now() - t0;
        strangers += nc > 0;
        free(c);
        dk_media_print_clear(&clip);
    }
    qsort(t, clips, sizeof *t, compare_double);
    qsort(ts, clips, sizeof *ts, compare_double);
    printf("  %-22s 60 s clip: median %.1f ms, max %.1f ms; found %u/%u "
           "(mean %.0f votes, worst offset error %.3f s); not in archive: "
           "median %.1f ms, %u/%u with a candidate\n",
           label, t[clips / 2] * 1e3, t[clips - 1] * 1e3, found, clips,
           found ? hits / found : 0, worst_offset, ts[clips / 2] * 1e3,
           strangers, clips);
    free(t);
    free(ts);
}

/* Drops the index files from the page cache (ours only: fadvise), so
 * that the next lookups read from disk as the first locate after a boot
 * does. */
static void evict(const char *library)
{
    char *dir = g_build_filename(library, "prints", "index", NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, name, NULL);
        int fd = open(path, O_RDONLY);
        if (fd >= 0) {
            posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            close(fd);
        }
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    g_free(dir);
}

/* One clip of each kind with the index out of the page cache. */
static void cold_queries(const char *library, size_t items)
{
    uint64_t s = 7;
    for (int kind = 0; kind < 2; kind++) {
        evict(library);
        double t0 = now();
        dk_print_index *ix;
        dk_error err = {0};
        if (dk_print_index_open(library, &ix, &err))
            return;
        dk_media_print clip;
        double offset;
        if (kind == 0)
            make_clip((unsigned)(rng_next(&s) % items), &s, 0.10, &clip,
                      &offset);
        else
            make_stranger(&s, &clip);
        dk_print_candidate *c;
        size_t n;
        double t1 = now();
        dk_print_index_candidates(ix, &clip, 1.0, &c, &n, &err);
        double t2 = now();
        printf("  cold cache, %-18s open %.1f ms, candidates %.1f ms (%zu)\n",
               kind ? "not in archive:" : "60 s clip:", (t1 - t0) * 1e3,
               (t2 - t1) * 1e3, n);
        free(c);
        dk_media_print_clear(&clip);
        dk_print_index_close(ix);
    }
}

static int query(const char *library, unsigned clips, double ber)
{
    double rss0 = peak_rss_mb();
    double t0 = now();
    dk_print_index *ix;
    dk_error err = {0};
    if (dk_print_index_open(library, &ix, &err)) {
        fprintf(stderr, "index_scale: %s\n", err.message);
        return 1;
    }
    double open_s = now() - t0;
    size_t items;
    uint64_t entries, bytes;
    dk_print_index_stats(ix, &items, &entries, &bytes);
    printf("index: %zu items (%zu h), %llu entries, %.1f MB on disk in %zu "
           "segment(s); open %.1f ms\n",
           items, items, (unsigned long long)entries, bytes / 1e6,
           ix->n_segments, open_s * 1e3);
    if (!items) {
        dk_print_index_close(ix);
        return 1;
    }
    print_resident("after open");
    dk_index_tuning tuning = DK_INDEX_TUNING_DEFAULT;
    run_queries(ix, items, clips, ber, &tuning, "default (adaptive)");
    print_resident("after the queries");
    tuning.exact_enough = UINT32_MAX;
    run_queries(ix, items, clips, ber, &tuning, "always 1-bit flips");
    print_resident("after the queries");
    tuning.bit_flips = false;
    run_queries(ix, items, clips, ber, &tuning, "exact only");
    dk_print_index_close(ix);
    printf("  peak RSS %.1f MB (%.1f MB at start)\n", peak_rss_mb(), rss0);
    cold_queries(library, items);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "fill"))
        return fill(argv[2], (unsigned)atoi(argv[3]),
                    argc > 4 ? (unsigned)atoi(argv[4]) : INDEX_DEFAULT_STRIDE);
    if (argc >= 3 && !strcmp(argv[1], "query"))
        return query(argv[2], argc > 3 ? (unsigned)atoi(argv[3]) : 9,
                     argc > 4 ? atof(argv[4]) : 0.10);
    fprintf(stderr, "usage: index_scale fill LIBRARY HOURS [STRIDE]\n"
                    "       index_scale query LIBRARY [CLIPS [BER]]\n");
    return 2;
}
