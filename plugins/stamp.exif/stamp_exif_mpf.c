/* stamp.exif — Multi-Picture Format index (CIPA DC-007) offsets. */
#include "stamp_exif_mpf.h"

#include <stdbool.h>
#include <string.h>

enum { MP_ENTRY_TAG = 0xB002, MP_ENTRY_SIZE = 16 };

typedef struct tiff {
    uint8_t *base;
    size_t size;
    bool big;
} tiff;

static uint32_t get(const tiff *t, size_t at, int bytes)
{
    uint32_t v = 0;
    for (int i = 0; i < bytes; i++) {
        int shift = t->big ? 8 * (bytes - 1 - i) : 8 * i;
        v |= (uint32_t)t->base[at + i] << shift;
    }
    return v;
}

static void put32(const tiff *t, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        int shift = t->big ? 8 * (3 - i) : 8 * i;
        t->base[at + i] = (uint8_t)(v >> shift);
    }
}

/* Offset and length of the MP entry array, or false. */
static bool find_entries(const tiff *t, size_t *at, size_t *length)
{
    if (t->size < 8)
        return false;
    size_t ifd = get(t, 4, 4);
    if (ifd < 8 || ifd > t->size - 2)
        return false;
    size_t count = get(t, ifd, 2);
    if (count * 12 > t->size - ifd - 2)
        return false;
    for (size_t i = 0; i < count; i++) {
        size_t entry = ifd + 2 + i * 12;
        if (get(t, entry, 2) != MP_ENTRY_TAG)
            continue;
        *length = get(t, entry + 4, 4);
        *at = get(t, entry + 8, 4);
        return *length % MP_ENTRY_SIZE == 0 && *at <= t->size &&
               *length <= t->size - *at;
    }
    return false;
}

void stamp_exif_mpf_adjust(uint8_t *mpf, size_t size, long primary_delta,
                           long after_delta)
{
    tiff t = {.base = mpf, .size = size, .big = size >= 4 && mpf[0] == 'M'};
    if (size < 8 ||
        (memcmp(mpf, "MM\0*", 4) != 0 && memcmp(mpf, "II*\0", 4) != 0))
        return;
    size_t at = 0, length = 0;
    if (!find_entries(&t, &at, &length))
        return;
    for (size_t e = at; e < at + length; e += MP_ENTRY_SIZE) {
        uint32_t image_size = get(&t, e + 4, 4);
        uint32_t offset = get(&t, e + 8, 4);
        /* the primary image is the one at offset 0 */
        if (offset == 0)
            put32(&t, e + 4, (uint32_t)((long)image_size + primary_delta));
        else
            put32(&t, e + 8, (uint32_t)((long)offset + after_delta));
    }
}
