/* stamp.exif — keeping a Multi-Picture Format index true.
 *
 * Phones store more images after the primary one (gain maps of Ultra HDR
 * photos, depth maps, previews) and index them in APP2 "MPF": each entry
 * gives an image's size and its offset from the MPF header. Resizing the
 * metadata segments moves those images, so the index is patched. */
#ifndef STAMP_EXIF_MPF_H
#define STAMP_EXIF_MPF_H

#include <stddef.h>
#include <stdint.h>

#define STAMP_EXIF_MPF_ID     "MPF"
#define STAMP_EXIF_MPF_ID_LEN 4 /* with its NUL */

/* Patches the MP index in mpf (the APP2 payload after "MPF\0", inside the
 * new header): the primary image grew by primary_delta bytes, and the
 * bytes between the end of this segment and the image data by
 * after_delta, which moves every other image relative to the index.
 * An index that does not parse is left alone: it is not ours. */
void stamp_exif_mpf_adjust(uint8_t *mpf, size_t size, long primary_delta,
                           long after_delta);

#endif
