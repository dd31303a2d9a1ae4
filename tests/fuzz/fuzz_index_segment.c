/* core/forensics/index_*.c: an index segment's bytes. One that parses is
 * opened as a library's index and queried with clips made of its own
 * keys and picture hashes, so lookups land in whatever the entry arrays
 * (which no checksum covers) hold. */
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "index_private.h"
#include "print_file_private.h"

#define CLIP_FRAMES   64
#define CLIP_PICTURES 16

static void check_candidates(dk_print_index *index, const dk_media_print *clip)
{
    dk_print_candidate *c = NULL;
    size_t n = 0;
    dk_error err = {0};
    FUZZ_CHECK(dk_print_index_candidates(index, clip, 1.0, &c, &n, &err) == 0);
    FUZZ_CHECK(n <= 10);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(dk_sha256_valid(c[i].sha256));
        FUZZ_CHECK(isfinite(c[i].offset));
    }
    free(c);
}

static void check(const uint8_t *data, size_t size)
{
    dk_index_segment seg;
    dk_error err = {0};
    int rc = dk_index_segment_parse(data, size, &seg, &err);
    if (rc) {
        FUZZ_CHECK(rc == DK_ERR_INVALID);
        FUZZ_CHECK(err.message[0] && !strchr(err.message, '\n'));
        return;
    }
    static char *library, *path;
    if (!library) {
        library = g_build_filename(fuzz_tmpdir(), "library", NULL);
        g_autofree char *dir =
            g_build_filename(library, "prints", "index", NULL);
        g_mkdir_with_parents(dir, 0755);
        path = g_build_filename(dir, "seg-0000000001.dkix", NULL);
    }
    FUZZ_CHECK(
        g_file_set_contents(path, (const char *)data, (gssize)size, NULL));
    dk_print_index *index = NULL;
    rc = dk_print_index_open(library, &index, &err);
    FUZZ_CHECK(rc == 0);
    size_t items = 0;
    dk_print_index_stats(index, &items, NULL, NULL);
    FUZZ_CHECK(items <= seg.n_items);

    uint32_t bits[CLIP_FRAMES];
    uint8_t quiet[CLIP_FRAMES] = {0};
    dk_picture_frame frames[CLIP_PICTURES] = {0};
    size_t na =
        seg.n_audio_entries < CLIP_FRAMES ? seg.n_audio_entries : CLIP_FRAMES;
    for (size_t k = 0; k < na; k++)
        memcpy(&bits[k], seg.audio_entries + 8 * k + 4, 4);
    size_t np = seg.n_picture_frames < CLIP_PICTURES ? seg.n_picture_frames
                                                     : CLIP_PICTURES;
    for (size_t k = 0; k < np; k++) {
        const uint8_t *p = seg.picture_frames + k * SEG_PICTURE_BYTES;
        frames[k].time = 0.1 * k;
        memcpy(&frames[k].whole, p + 8, 8);
        frames[k].aspect = k % 2 ? 0.5f : 1.78f;
    }
    dk_media_print clip = {
        .duration = 1,
        .has_audio = na > 0,
        .has_video = np > 0,
        .audio = {.hop = 0.016, .count = na, .bits = bits, .quiet = quiet},
        .picture = {.count = np, .frames = frames},
    };
    check_candidates(index, &clip);
    dk_print_index_close(index);
    g_unlink(path);
}

/* The header's CRC-32 made right when the header's counts fit the size,
 * so that mutations reach the checks behind it. */
static void repair_crc(uint8_t *data, size_t size)
{
    if (size < SEG_HEADER_BYTES)
        return;
    dk_index_segment s = {0};
    memcpy(&s.audio_bits, data + H_AUDIO_BITS, 4);
    memcpy(&s.picture_bits, data + H_PICT_BITS, 4);
    memcpy(&s.n_items, data + H_ITEMS, 4);
    memcpy(&s.n_picture_frames, data + H_PICT_FRAMES, 8);
    memcpy(&s.n_audio_entries, data + H_AUDIO_ENTRIES, 8);
    memcpy(&s.n_picture_entries, data + H_PICT_ENTRIES, 8);
    if (s.audio_bits > SEG_MAX_AUDIO_BITS ||
        s.picture_bits > SEG_MAX_PICT_BITS || s.n_picture_frames > UINT32_MAX ||
        s.n_audio_entries > UINT32_MAX || s.n_picture_entries > UINT32_MAX)
        return;
    index_layout l;
    index_segment_layout(&s, &l);
    if (l.size != size)
        return;
    uint32_t crc = index_segment_crc(data, &l);
    memcpy(data + H_CRC, &crc, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    check(data, size);
    uint8_t *copy = g_memdup2(data, size ? size : 1);
    repair_crc(copy, size);
    if (size && memcmp(copy, data, size) != 0)
        check(copy, size);
    g_free(copy);
    return 0;
}
