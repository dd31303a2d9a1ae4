/* Writing one index segment from prints (add, rebuild) or from the live
 * items of other segments (merge).
 *
 * Two passes over the same entries: the first counts them per bucket
 * (at the finest resolution, folded down once the total is known), the
 * second scatters them straight into the output, which is the temp file
 * mapped at its final size; each bucket is then sorted on its own. Memory
 * stays at the bucket counters whatever the index's size: the entries of
 * a merge come from the mapped segments and go to the mapped output. */
#include "index_private.h"
#include "le_bytes.h"
#include "print_file_private.h"

#include <dokpim/fileio.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The hop an item without audio is filed under (its audio count is 0). */
#define NO_AUDIO_HOP 0.016

typedef struct writer_item {
    const dk_media_print *print; /* the source: a print, */
    const dk_index_segment *seg; /* or an item of a segment */
    uint32_t seg_item;
    index_item out; /* first frames in the new numbering */
} writer_item;

/* A segment being merged: where its live items' frames move to. */
typedef struct writer_source {
    const dk_index_segment *seg;
    const uint8_t *live;
    int64_t *audio_delta; /* per item: new first frame - old */
    int64_t *picture_delta;
} writer_source;

struct index_writer {
    unsigned stride;
    GArray *items;   /* writer_item */
    GArray *sources; /* writer_source */
    uint64_t n_audio_frames, n_picture_frames;
};

index_writer *index_writer_new(unsigned stride)
{
    index_writer *w = g_new0(index_writer, 1);
    w->stride = stride ? stride : INDEX_DEFAULT_STRIDE;
    w->items = g_array_new(FALSE, TRUE, sizeof(writer_item));
    w->sources = g_array_new(FALSE, TRUE, sizeof(writer_source));
    return w;
}

void index_writer_free(index_writer *w)
{
    if (!w)
        return;
    for (guint i = 0; i < w->sources->len; i++) {
        writer_source *s = &g_array_index(w->sources, writer_source, i);
        g_free(s->audio_delta);
        g_free(s->picture_delta);
    }
    g_array_free(w->sources, TRUE);
    g_array_free(w->items, TRUE);
    g_free(w);
}

size_t index_writer_items(const index_writer *w)
{
    return w->items->len;
}

void index_writer_add_print(index_writer *w, const char *sha256,
                            const dk_media_print *print)
{
    writer_item it = {.print = print};
    dk_sha256_to_raw(sha256, it.out.sha);
    it.out.first_audio = w->n_audio_frames;
    it.out.first_picture = w->n_picture_frames;
    it.out.audio_count = print->has_audio ? print->audio.count : 0;
    it.out.picture_count = print->has_video ? print->picture.count : 0;
    it.out.audio_start = print->has_audio ? print->audio.start : 0;
    it.out.audio_hop = print->has_audio ? print->audio.hop : NO_AUDIO_HOP;
    it.out.duration = print->duration;
    w->n_audio_frames += it.out.audio_count;
    w->n_picture_frames += it.out.picture_count;
    g_array_append_val(w->items, it);
}

void index_writer_add_segment(index_writer *w, const dk_index_segment *seg,
                              const uint8_t *live)
{
    writer_source src = {
        .seg = seg,
        .live = live,
        .audio_delta = g_new0(int64_t, seg->n_items + 1),
        .picture_delta = g_new0(int64_t, seg->n_items + 1),
    };
    for (uint32_t i = 0; i < seg->n_items; i++) {
        if (!live[i])
            continue;
        writer_item it = {.seg = seg, .seg_item = i};
        index_segment_item(seg, i, &it.out);
        src.audio_delta[i] =
            (int64_t)w->n_audio_frames - (int64_t)it.out.first_audio;
        src.picture_delta[i] =
            (int64_t)w->n_picture_frames - (int64_t)it.out.first_picture;
        it.out.first_audio = w->n_audio_frames;
        it.out.first_picture = w->n_picture_frames;
        w->n_audio_frames += it.out.audio_count;
        w->n_picture_frames += it.out.picture_count;
        g_array_append_val(w->items, it);
    }
    g_array_append_val(w->sources, src);
}

/* Counts entries per bucket, or (entries set) places them. */
typedef struct sink {
    unsigned shift;
    uint32_t *slots;
    uint64_t *entries;
    uint64_t total;
} sink;

static inline void sink_put(sink *s, uint32_t key, uint64_t ref)
{
    size_t b = s->shift >= 32 ? 0 : key >> s->shift;
    s->total++;
    if (!s->entries) {
        s->slots[b]++;
        return;
    }
    s->entries[s->slots[b]++] = (uint64_t)key << 32 | (uint32_t)ref;
}

static void emit_print(const index_writer *w, const writer_item *it,
                       sink *audio, sink *picture)
{
    const dk_media_print *p = it->print;
    for (size_t j = 0; j < it->out.audio_count; j += w->stride)
        if (!p->audio.quiet[j])
            sink_put(audio, p->audio.bits[j], it->out.first_audio + j);
    for (size_t j = 0; j < it->out.picture_count; j++) {
        const dk_picture_frame *f = &p->picture.frames[j];
        if (f->flat)
            continue;
        uint64_t ref = it->out.first_picture + j;
        for (unsigned c = 0; c < 4; c++)
            sink_put(picture, picture_key(c, f->whole), ref);
        /* dk_picture_distance compares a portrait clip with the centre
         * of landscape originals only */
        if (f->aspect > 1.33f)
            for (unsigned c = 0; c < 4; c++)
                sink_put(picture, picture_key(4 + c, f->centre), ref);
    }
}

/* Moves the entries of a merged segment's live items. */
static void emit_entries(const writer_source *src, const uint8_t *entries,
                         uint64_t n, bool audio, sink *out)
{
    for (uint64_t k = 0; k < n; k++) {
        uint64_t e = le_get64(entries + 8 * k);
        uint32_t ref = (uint32_t)e;
        uint32_t i = audio ? index_segment_audio_owner(src->seg, ref)
                           : index_segment_picture_owner(src->seg, ref);
        if (i >= src->seg->n_items || !src->live[i])
            continue;
        int64_t delta = audio ? src->audio_delta[i] : src->picture_delta[i];
        sink_put(out, (uint32_t)(e >> 32), (uint64_t)((int64_t)ref + delta));
    }
}

static void emit_all(const index_writer *w, sink *audio, sink *picture)
{
    for (guint i = 0; i < w->items->len; i++) {
        const writer_item *it = &g_array_index(w->items, writer_item, i);
        if (it->print)
            emit_print(w, it, audio, picture);
    }
    for (guint i = 0; i < w->sources->len; i++) {
        const writer_source *s = &g_array_index(w->sources, writer_source, i);
        emit_entries(s, s->seg->audio_entries, s->seg->n_audio_entries, true,
                     audio);
        emit_entries(s, s->seg->picture_entries, s->seg->n_picture_entries,
                     false, picture);
    }
}

/* About 16 entries a bucket: a lookup touches one or two cache lines. */
static uint32_t bucket_bits(uint64_t entries, uint32_t max)
{
    uint32_t bits = 0;
    while (bits < max && ((uint64_t)16 << (bits + 1)) <= entries)
        bits++;
    return bits;
}

/* Folds counts made at `fine` bits into offsets at `bits`: out gets
 * 2^bits + 1 offsets, cursor a copy of the first 2^bits. */
static void bucket_offsets(const uint32_t *counts, uint32_t fine, uint32_t bits,
                           uint8_t *out, uint32_t *cursor)
{
    size_t n = (size_t)1 << bits;
    memset(cursor, 0, n * sizeof *cursor);
    for (size_t b = 0; b < ((size_t)1 << fine); b++)
        cursor[b >> (fine - bits)] += counts[b];
    uint32_t sum = 0;
    for (size_t b = 0; b < n; b++) {
        uint32_t c = cursor[b];
        cursor[b] = sum;
        le_put32(out + 4 * b, sum);
        sum += c;
    }
    le_put32(out + 4 * n, sum);
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void sort_buckets(const uint8_t *offsets, uint32_t bits,
                         uint64_t *entries)
{
    for (size_t b = 0; b < ((size_t)1 << bits); b++) {
        uint32_t lo = le_get32(offsets + 4 * b);
        uint32_t hi = le_get32(offsets + 4 * (b + 1));
        uint64_t *e = entries + lo;
        size_t n = hi - lo;
        if (n > 24) {
            qsort(e, n, sizeof *e, compare_u64);
            continue;
        }
        for (size_t i = 1; i < n; i++) {
            uint64_t v = e[i];
            size_t j = i;
            for (; j > 0 && e[j - 1] > v; j--)
                e[j] = e[j - 1];
            e[j] = v;
        }
    }
}

static void put_item(uint8_t *p, const index_item *it)
{
    memcpy(p + I_SHA, it->sha, 32);
    le_put64(p + I_FIRST_AUDIO, it->first_audio);
    le_put64(p + I_FIRST_PICT, it->first_picture);
    le_put64(p + I_AUDIO_COUNT, it->audio_count);
    le_put64(p + I_PICT_COUNT, it->picture_count);
    le_put_f64(p + I_AUDIO_START, it->audio_start);
    le_put_f64(p + I_AUDIO_HOP, it->audio_hop);
    le_put_f64(p + I_DURATION, it->duration);
}

static void put_pictures(const writer_item *it, uint8_t *table)
{
    uint8_t *p = table + it->out.first_picture * SEG_PICTURE_BYTES;
    if (it->seg) {
        index_item old;
        index_segment_item(it->seg, it->seg_item, &old);
        memcpy(p,
               it->seg->picture_frames + old.first_picture * SEG_PICTURE_BYTES,
               it->out.picture_count * SEG_PICTURE_BYTES);
        return;
    }
    for (size_t j = 0; j < it->out.picture_count; j++, p += SEG_PICTURE_BYTES) {
        const dk_picture_frame *f = &it->print->picture.frames[j];
        le_put_f64(p, f->time);
        le_put64(p + 8, f->whole);
        le_put64(p + 16, f->centre);
        le_put_f32(p + 24, f->aspect);
        p[28] = f->flat;
    }
}

/* The segment's bytes into the mapped output b (zero-filled). */
static void fill(index_writer *w, dk_index_segment *s, const index_layout *l,
                 const uint32_t *audio_counts, const uint32_t *picture_counts,
                 uint8_t *b)
{
    memcpy(b + H_MAGIC, SEG_MAGIC, 4);
    le_put32(b + H_VERSION, SEG_VERSION);
    le_put32(b + H_STRIDE, w->stride);
    le_put32(b + H_AUDIO_BITS, s->audio_bits);
    le_put32(b + H_PICT_BITS, s->picture_bits);
    le_put32(b + H_ITEMS, s->n_items);
    le_put64(b + H_AUDIO_FRAMES, s->n_audio_frames);
    le_put64(b + H_AUDIO_ENTRIES, s->n_audio_entries);
    le_put64(b + H_PICT_FRAMES, s->n_picture_frames);
    le_put64(b + H_PICT_ENTRIES, s->n_picture_entries);
    for (guint i = 0; i < w->items->len; i++) {
        const writer_item *it = &g_array_index(w->items, writer_item, i);
        put_item(b + l->items + (size_t)i * SEG_ITEM_BYTES, &it->out);
        put_pictures(it, b + l->picture_frames);
    }
    uint32_t *audio_cursor = g_new(uint32_t, (size_t)1 << s->audio_bits);
    uint32_t *picture_cursor = g_new(uint32_t, (size_t)1 << s->picture_bits);
    bucket_offsets(audio_counts, SEG_MAX_AUDIO_BITS, s->audio_bits,
                   b + l->audio_buckets, audio_cursor);
    bucket_offsets(picture_counts, SEG_MAX_PICT_BITS, s->picture_bits,
                   b + l->picture_buckets, picture_cursor);
    /* the entry arrays start 8-aligned in a page-aligned mapping */
    sink audio = {.shift = 32 - s->audio_bits,
                  .slots = audio_cursor,
                  .entries = (uint64_t *)(void *)(b + l->audio_entries)};
    sink picture = {.shift = 32 - s->picture_bits,
                    .slots = picture_cursor,
                    .entries = (uint64_t *)(void *)(b + l->picture_entries)};
    emit_all(w, &audio, &picture);
    sort_buckets(b + l->audio_buckets, s->audio_bits, audio.entries);
    sort_buckets(b + l->picture_buckets, s->picture_bits, picture.entries);
    g_free(audio_cursor);
    g_free(picture_cursor);
    le_put32(b + H_CRC, index_segment_crc(b, l));
}

static int write_mapped(index_writer *w, dk_index_segment *s,
                        const index_layout *l, const uint32_t *audio_counts,
                        const uint32_t *picture_counts, const char *path,
                        dk_error *err)
{
    dk_atomic *file = NULL;
    int rc = dk_atomic_open(path, &file, err);
    if (rc)
        return rc;
    int fd = fileno(dk_atomic_stream(file));
    /* fallocate, not ftruncate: a full disk must be an error here, not a
     * SIGBUS while the mapping is filled */
    int e = posix_fallocate(fd, 0, (off_t)l->size);
    if (e) {
        dk_atomic_abort(&file);
        return dk_error_set(err, DK_ERR_IO, "%s: cannot make %llu bytes: %s",
                            path, (unsigned long long)l->size, g_strerror(e));
    }
    uint8_t *b = mmap(NULL, l->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (b == MAP_FAILED) {
        e = errno;
        dk_atomic_abort(&file);
        return dk_error_set(err, DK_ERR_IO, "%s: cannot map: %s", path,
                            g_strerror(e));
    }
    fill(w, s, l, audio_counts, picture_counts, b);
    munmap(b, l->size);
    return dk_atomic_commit(&file, err);
}

int index_writer_write(index_writer *w, const char *path, dk_error *err)
{
    uint32_t *audio_counts = g_new0(uint32_t, (size_t)1 << SEG_MAX_AUDIO_BITS);
    uint32_t *picture_counts = g_new0(uint32_t, (size_t)1 << SEG_MAX_PICT_BITS);
    sink audio = {.shift = 32 - SEG_MAX_AUDIO_BITS, .slots = audio_counts};
    sink picture = {.shift = 32 - SEG_MAX_PICT_BITS, .slots = picture_counts};
    emit_all(w, &audio, &picture);
    int rc = 0;
    if (w->n_audio_frames > UINT32_MAX || w->n_picture_frames > UINT32_MAX ||
        audio.total > UINT32_MAX || picture.total > UINT32_MAX ||
        w->items->len > UINT32_MAX) {
        rc = dk_error_set(err, DK_ERR_UNSUPPORTED,
                          "%s: too many frames for one index segment", path);
    } else {
        dk_index_segment s = {
            .stride = w->stride,
            .audio_bits = bucket_bits(audio.total, SEG_MAX_AUDIO_BITS),
            .picture_bits = bucket_bits(picture.total, SEG_MAX_PICT_BITS),
            .n_items = w->items->len,
            .n_audio_frames = w->n_audio_frames,
            .n_audio_entries = audio.total,
            .n_picture_frames = w->n_picture_frames,
            .n_picture_entries = picture.total,
        };
        index_layout l;
        index_segment_layout(&s, &l);
        rc = write_mapped(w, &s, &l, audio_counts, picture_counts, path, err);
    }
    g_free(audio_counts);
    g_free(picture_counts);
    return rc;
}
