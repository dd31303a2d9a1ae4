/* dokpim forensics — the on-disk lookup index (index_*.c): segment files,
 * what the reader, the writer and the query share, and the private entry
 * points the tests, the fuzz harness and the scale bench call.
 *
 * LIBRARY/prints/index/ holds immutable segment files seg-<N>.dkix (N
 * grows; the newest copy of an item wins) and a lock file writers flock.
 * A segment (little-endian):
 *   header      64 bytes (SEG_HEADER_BYTES), the counts below
 *   items       n_items x 88 bytes: sha256 (32 raw), first audio frame,
 *               first picture frame, audio count, picture count (u64 each),
 *               audio start, audio hop, duration (f64)
 *   audio buckets   2^audio_bits + 1 u32: entry offsets by the top
 *                   audio_bits of the key
 *   picture frames  n_picture_frames x 32 bytes: time f64, whole u64,
 *                   centre u64, aspect f32, flat u8, 3 zero bytes
 *   picture buckets 2^picture_bits + 1 u32
 *   (zero bytes to a multiple of 8)
 *   audio entries   n x u64: key << 32 | frame ref, sorted
 *   picture entries n x u64: key << 32 | picture ref, sorted
 * The header's CRC-32 covers the header before it, the items and both
 * bucket tables: what every open reads. The entry arrays and picture
 * frames are read only where a lookup lands, so they are bounds-checked
 * there instead (damage in them can cost a match, never memory safety).
 *
 * Audio entries: the original's non-quiet sub-fingerprints at every
 * `stride`-th frame (the clip is looked up at every position, so each
 * alignment still meets 1/stride of its frames). Picture entries: each
 * non-flat key frame's whole hash, and for a landscape frame its centre
 * hash, split into four 16-bit chunks (multi-index hashing: a clip hash
 * within 3 bits of an original's shares one chunk exactly); the key is
 * chunk id (0-3 whole, 4-7 centre) << 29 | chunk << 13. */
#ifndef INDEX_PRIVATE_H
#define INDEX_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/forensics.h>

#include "dk_private_api.h"

#define SEG_MAGIC          "DKIX"
#define SEG_VERSION        1
#define SEG_HEADER_BYTES   64
#define SEG_ITEM_BYTES     88
#define SEG_PICTURE_BYTES  32
#define SEG_MAX_AUDIO_BITS 22
#define SEG_MAX_PICT_BITS  19
/* Every 2nd original frame: half the entries of every frame, and a clip
 * still meets half of its aligned frames (bench/forensics measures 4). */
#define INDEX_DEFAULT_STRIDE 2
/* More segments than this after an add: merge them all into one. */
#define INDEX_MAX_SEGMENTS 8

/* Header fields (byte offsets). */
enum {
    H_MAGIC = 0,
    H_VERSION = 4,
    H_STRIDE = 8,
    H_AUDIO_BITS = 12,
    H_PICT_BITS = 16,
    H_ITEMS = 20,
    H_AUDIO_FRAMES = 24,
    H_AUDIO_ENTRIES = 32,
    H_PICT_FRAMES = 40,
    H_PICT_ENTRIES = 48,
    H_CRC = 56,
    H_RESERVED = 60, /* zero */
};

/* Item fields (byte offsets). */
enum {
    I_SHA = 0,
    I_FIRST_AUDIO = 32,
    I_FIRST_PICT = 40,
    I_AUDIO_COUNT = 48,
    I_PICT_COUNT = 56,
    I_AUDIO_START = 64,
    I_AUDIO_HOP = 72,
    I_DURATION = 80,
};

typedef struct dk_index_segment {
    const uint8_t *data;
    size_t size;
    uint32_t stride, audio_bits, picture_bits, n_items;
    uint64_t n_audio_frames, n_audio_entries;
    uint64_t n_picture_frames, n_picture_entries;
    const uint8_t *items;
    const uint8_t *audio_buckets;
    const uint8_t *picture_frames;
    const uint8_t *picture_buckets;
    const uint8_t *audio_entries;
    const uint8_t *picture_entries;
} dk_index_segment;

/* Where each part of a segment starts, from its counts. */
typedef struct index_layout {
    uint64_t items, audio_buckets, picture_frames, picture_buckets;
    uint64_t tables_end, audio_entries, picture_entries, size;
} index_layout;

/* The layout of a segment with seg's counts and bits. */
DK_PRIVATE_API void index_segment_layout(const dk_index_segment *seg,
                                         index_layout *out);
/* The CRC-32 the header carries, over the bytes the layout says. */
DK_PRIVATE_API uint32_t index_segment_crc(const uint8_t *data,
                                          const index_layout *layout);

typedef struct index_item {
    uint8_t sha[32];
    uint64_t first_audio, first_picture, audio_count, picture_count;
    double audio_start, audio_hop, duration;
} index_item;

/* Checks a segment's bytes (magic, version, counts against the size,
 * CRC-32 of header and tables, items that tile the frame numbering) and
 * points out into them. DK_ERR_INVALID with a one-line reason. */
DK_PRIVATE_API int dk_index_segment_parse(const void *data, size_t size,
                                          dk_index_segment *out, dk_error *err);
void index_segment_item(const dk_index_segment *seg, uint32_t i,
                        index_item *out);
/* The item holding audio (picture) frame ref: a binary search of the
 * item table; n_items when none does (a damaged entry). */
uint32_t index_segment_audio_owner(const dk_index_segment *seg, uint64_t ref);
uint32_t index_segment_picture_owner(const dk_index_segment *seg, uint64_t ref);
/* The entries whose key is exactly key: *first and the count (0 when
 * the bucket's bounds are damaged). */
size_t index_segment_audio_lookup(const dk_index_segment *seg, uint32_t key,
                                  const uint8_t **first);
size_t index_segment_picture_lookup(const dk_index_segment *seg, uint32_t key,
                                    const uint8_t **first);
/* Picture frame ref of the segment; false when its values are damaged. */
bool index_segment_picture(const dk_index_segment *seg, uint64_t ref,
                           dk_picture_frame *out);

static inline uint32_t picture_key(unsigned chunk_id, uint64_t hash)
{
    unsigned chunk = (unsigned)(hash >> (16 * (chunk_id & 3))) & 0xffff;
    return (uint32_t)chunk_id << 29 | (uint32_t)chunk << 13;
}

/* ---- the index a reader opened (index_open.c) ---- */

typedef struct index_mapped {
    char *path;
    uint64_t generation; /* N of seg-N.dkix */
    const uint8_t *data;
    size_t size;
    dk_index_segment seg;
    uint8_t *live; /* per item: 0 when a newer segment has it */
    uint32_t base; /* global number of its item 0, for the query */
} index_mapped;

struct dk_print_index {
    char *library;
    char *dir;              /* LIBRARY/prints/index */
    index_mapped *segments; /* newest first */
    size_t n_segments;
    size_t live_items;
    uint32_t total_items;
    void *by_sha; /* GHashTable: 64-hex sha -> seg << 32 | item (+1) */
};

/* LIBRARY/prints/index (g_free). */
char *index_dir(const char *library);
/* N of "seg-N.dkix"; false for any other name (temp files included). */
DK_PRIVATE_API bool index_segment_name(const char *name, uint64_t *generation);
/* True and the item's place when the index holds sha256 (hex). */
bool index_find(const dk_print_index *index, const char *sha256,
                size_t *segment, uint32_t *item);

/* ---- writing segments (index_write.c) ---- */

typedef struct index_writer index_writer;

index_writer *index_writer_new(unsigned stride);
/* Borrowed until index_writer_write: the print must stay alive. */
void index_writer_add_print(index_writer *w, const char *sha256,
                            const dk_media_print *print);
/* Every item of seg with live[i] set, entries copied from its arrays. */
void index_writer_add_segment(index_writer *w, const dk_index_segment *seg,
                              const uint8_t *live);
size_t index_writer_items(const index_writer *w);
/* Writes the segment to path through dk_atomic_* (temp name, rename). */
int index_writer_write(index_writer *w, const char *path, dk_error *err);
void index_writer_free(index_writer *w);

/* ---- tuning, for the tests and bench/forensics ---- */

typedef struct dk_index_tuning {
    unsigned stride;       /* writers: every stride-th frame (default 2) */
    bool bit_flips;        /* queries: also the 32 one-bit neighbours, */
    unsigned exact_enough; /* unless exact keys alone give this many votes */
    unsigned max_key_hits; /* queries: skip keys with more entries */
} dk_index_tuning;

/* dk_print_index_add with another stride. */
DK_PRIVATE_API int dk_print_index_add_tuned(const char *library,
                                            const char *const *sha256, size_t n,
                                            const dk_index_tuning *tuning,
                                            dk_error *err);
/* dk_print_index_candidates with other query settings. */
DK_PRIVATE_API int dk_print_index_candidates_tuned(
    dk_print_index *index, const dk_media_print *clip, double speed,
    const dk_index_tuning *tuning, dk_print_candidate **out, size_t *n,
    dk_error *err);
DK_PRIVATE_API extern const dk_index_tuning DK_INDEX_TUNING_DEFAULT;

#endif
