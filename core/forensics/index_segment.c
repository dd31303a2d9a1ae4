/* Reading one index segment in place (see index_private.h for the
 * layout): the checks an open makes, and the lookups a query makes. */
#include "index_private.h"
#include "le_bytes.h"

#include <math.h>
#include <string.h>
#include <zlib.h>

void index_segment_layout(const dk_index_segment *seg, index_layout *out)
{
    uint64_t off = SEG_HEADER_BYTES;
    out->items = off;
    off += (uint64_t)seg->n_items * SEG_ITEM_BYTES;
    out->audio_buckets = off;
    off += (((uint64_t)1 << seg->audio_bits) + 1) * 4;
    out->picture_frames = off;
    off += seg->n_picture_frames * SEG_PICTURE_BYTES;
    out->picture_buckets = off;
    off += (((uint64_t)1 << seg->picture_bits) + 1) * 4;
    out->tables_end = off;
    off = (off + 7) & ~(uint64_t)7;
    out->audio_entries = off;
    off += seg->n_audio_entries * 8;
    out->picture_entries = off;
    off += seg->n_picture_entries * 8;
    out->size = off;
}

uint32_t index_segment_crc(const uint8_t *b, const index_layout *l)
{
    uint32_t crc = (uint32_t)crc32_z(0, b, H_CRC);
    crc = (uint32_t)crc32_z(crc, b + l->items, l->picture_frames - l->items);
    return (uint32_t)crc32_z(crc, b + l->picture_buckets,
                             l->tables_end - l->picture_buckets);
}

#define INVALID(...) dk_error_set(err, DK_ERR_INVALID, __VA_ARGS__)

int dk_index_segment_parse(const void *data, size_t size, dk_index_segment *out,
                           dk_error *err)
{
    memset(out, 0, sizeof *out);
    const uint8_t *b = data;
    if (size < SEG_HEADER_BYTES || memcmp(b + H_MAGIC, SEG_MAGIC, 4) != 0)
        return INVALID("not a dokpim index segment");
    uint32_t version = le_get32(b + H_VERSION);
    if (version != SEG_VERSION)
        return INVALID("index format version %u, this dokpim reads %u", version,
                       SEG_VERSION);
    dk_index_segment s = {
        .data = b,
        .size = size,
        .stride = le_get32(b + H_STRIDE),
        .audio_bits = le_get32(b + H_AUDIO_BITS),
        .picture_bits = le_get32(b + H_PICT_BITS),
        .n_items = le_get32(b + H_ITEMS),
        .n_audio_frames = le_get64(b + H_AUDIO_FRAMES),
        .n_audio_entries = le_get64(b + H_AUDIO_ENTRIES),
        .n_picture_frames = le_get64(b + H_PICT_FRAMES),
        .n_picture_entries = le_get64(b + H_PICT_ENTRIES),
    };
    if (s.stride < 1 || s.stride > 64 || s.audio_bits > SEG_MAX_AUDIO_BITS ||
        s.picture_bits > SEG_MAX_PICT_BITS || le_get32(b + H_RESERVED) != 0)
        return INVALID("impossible index parameters");
    /* refs are u32: every count below 2^32 keeps the sums below 2^40 */
    if (s.n_audio_frames > UINT32_MAX || s.n_picture_frames > UINT32_MAX ||
        s.n_audio_entries > UINT32_MAX || s.n_picture_entries > UINT32_MAX)
        return INVALID("index counts out of range");
    index_layout l;
    index_segment_layout(&s, &l);
    if (l.size != size)
        return INVALID("size %zu is not the %llu bytes its counts need: the "
                       "index is truncated",
                       size, (unsigned long long)l.size);
    if (index_segment_crc(b, &l) != le_get32(b + H_CRC))
        return INVALID("checksum mismatch: the index is damaged");
    s.items = b + l.items;
    s.audio_buckets = b + l.audio_buckets;
    s.picture_frames = b + l.picture_frames;
    s.picture_buckets = b + l.picture_buckets;
    s.audio_entries = b + l.audio_entries;
    s.picture_entries = b + l.picture_entries;

    /* the items tile both frame numberings, in order */
    uint64_t next_audio = 0, next_picture = 0;
    for (uint32_t i = 0; i < s.n_items; i++) {
        index_item it;
        index_segment_item(&s, i, &it);
        if (it.first_audio != next_audio || it.first_picture != next_picture ||
            it.audio_count > s.n_audio_frames - next_audio ||
            it.picture_count > s.n_picture_frames - next_picture)
            return INVALID("item %u does not fit the frame tables", i);
        if (!isfinite(it.audio_start) || !isfinite(it.audio_hop) ||
            !(it.audio_hop > 0 && it.audio_hop <= 1) ||
            !isfinite(it.duration) || it.duration < 0)
            return INVALID("item %u has a bad hop, start or duration", i);
        next_audio += it.audio_count;
        next_picture += it.picture_count;
    }
    if (next_audio != s.n_audio_frames || next_picture != s.n_picture_frames)
        return INVALID("the items do not cover the frame tables");
    *out = s;
    return 0;
}

void index_segment_item(const dk_index_segment *seg, uint32_t i,
                        index_item *out)
{
    const uint8_t *p = seg->items + (size_t)i * SEG_ITEM_BYTES;
    memcpy(out->sha, p + I_SHA, 32);
    out->first_audio = le_get64(p + I_FIRST_AUDIO);
    out->first_picture = le_get64(p + I_FIRST_PICT);
    out->audio_count = le_get64(p + I_AUDIO_COUNT);
    out->picture_count = le_get64(p + I_PICT_COUNT);
    out->audio_start = le_get_f64(p + I_AUDIO_START);
    out->audio_hop = le_get_f64(p + I_AUDIO_HOP);
    out->duration = le_get_f64(p + I_DURATION);
}

/* The last item whose first frame (field at `field`) is <= ref and that
 * holds it (count at count_field). */
static uint32_t owner(const dk_index_segment *seg, uint64_t ref, int field,
                      int count_field)
{
    uint32_t lo = 0, hi = seg->n_items;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (le_get64(seg->items + (size_t)mid * SEG_ITEM_BYTES + field) <= ref)
            lo = mid;
        else
            hi = mid;
    }
    if (seg->n_items == 0)
        return 0;
    const uint8_t *p = seg->items + (size_t)lo * SEG_ITEM_BYTES;
    uint64_t first = le_get64(p + field);
    if (ref < first || ref - first >= le_get64(p + count_field))
        return seg->n_items;
    return lo;
}

uint32_t index_segment_audio_owner(const dk_index_segment *seg, uint64_t ref)
{
    return owner(seg, ref, I_FIRST_AUDIO, I_AUDIO_COUNT);
}

uint32_t index_segment_picture_owner(const dk_index_segment *seg, uint64_t ref)
{
    return owner(seg, ref, I_FIRST_PICT, I_PICT_COUNT);
}

/* Entries [lo, hi) of the key's bucket narrowed to those with the key. */
static size_t lookup(const uint8_t *buckets, uint32_t bits,
                     const uint8_t *entries, uint64_t n_entries, uint32_t key,
                     const uint8_t **first)
{
    uint32_t bucket = bits ? key >> (32 - bits) : 0;
    uint64_t lo = le_get32(buckets + 4 * (size_t)bucket);
    uint64_t hi = le_get32(buckets + 4 * ((size_t)bucket + 1));
    *first = entries;
    if (lo > hi || hi > n_entries)
        return 0;
    /* lower bound of key << 32, then the run of equal keys */
    uint64_t want = (uint64_t)key << 32;
    uint64_t a = lo, z = hi;
    while (a < z) {
        uint64_t mid = a + (z - a) / 2;
        if (le_get64(entries + 8 * mid) < want)
            a = mid + 1;
        else
            z = mid;
    }
    uint64_t end = a;
    while (end < hi && le_get64(entries + 8 * end) >> 32 == key)
        end++;
    *first = entries + 8 * a;
    return (size_t)(end - a);
}

size_t index_segment_audio_lookup(const dk_index_segment *seg, uint32_t key,
                                  const uint8_t **first)
{
    return lookup(seg->audio_buckets, seg->audio_bits, seg->audio_entries,
                  seg->n_audio_entries, key, first);
}

size_t index_segment_picture_lookup(const dk_index_segment *seg, uint32_t key,
                                    const uint8_t **first)
{
    return lookup(seg->picture_buckets, seg->picture_bits, seg->picture_entries,
                  seg->n_picture_entries, key, first);
}

bool index_segment_picture(const dk_index_segment *seg, uint64_t ref,
                           dk_picture_frame *out)
{
    if (ref >= seg->n_picture_frames)
        return false;
    const uint8_t *p = seg->picture_frames + ref * SEG_PICTURE_BYTES;
    out->time = le_get_f64(p);
    out->whole = le_get64(p + 8);
    out->centre = le_get64(p + 16);
    out->aspect = le_get_f32(p + 24);
    out->flat = p[28];
    return isfinite(out->time) && isfinite(out->aspect);
}
