/* dokpim — loading EXIF: a walk over the IFDs that names the damage
 * libexif routes around, then libexif's own load. */
#include "exif_load.h"

#include <libexif/exif-tag.h>
#include <libexif/exif-utils.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

/* The IFDs in libexif's order (ExifIfd), so one index serves both. */
static const char *const ifd_names[EXIF_IFD_COUNT] = {
    [EXIF_IFD_0] = "IFD0",
    [EXIF_IFD_1] = "IFD1",
    [EXIF_IFD_EXIF] = "ExifIFD",
    [EXIF_IFD_GPS] = "GPS IFD",
    [EXIF_IFD_INTEROPERABILITY] = "InteropIFD",
};

typedef struct ifd_walk {
    const uint8_t *tiff;
    size_t size;
    ExifByteOrder order;
    const char *container;
    GPtrArray *warnings;
    bool seen[EXIF_IFD_COUNT];
    uint32_t offset[EXIF_IFD_COUNT];
    /* libexif would fill these with a copy of another IFD */
    bool copy[EXIF_IFD_COUNT];
} ifd_walk;

static void warn(ifd_walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(ifd_walk *w, const char *fmt, ...)
{
    if (!w->warnings)
        return;
    va_list args;
    va_start(args, fmt);
    char *text = g_strdup_vprintf(fmt, args);
    va_end(args);
    g_ptr_array_add(w->warnings, g_strconcat("EXIF: ", text, NULL));
    g_free(text);
}

/* The IFD a pointer tag leads to, or -1 for an ordinary tag. */
static int pointer_target(ExifTag tag)
{
    switch (tag) {
    case EXIF_TAG_EXIF_IFD_POINTER:
        return EXIF_IFD_EXIF;
    case EXIF_TAG_GPS_INFO_IFD_POINTER:
        return EXIF_IFD_GPS;
    case EXIF_TAG_INTEROPERABILITY_IFD_POINTER:
        return EXIF_IFD_INTEROPERABILITY;
    default:
        return -1;
    }
}

static const char *tag_name(ExifTag tag, ExifIfd ifd)
{
    const char *name = exif_tag_get_name_in_ifd(tag, ifd);
    return name ? name : "unknown tag";
}

static void walk_ifd(ifd_walk *w, ExifIfd ifd, uint32_t at);

/* One 12-byte entry: its value must lie inside the block. quiet: the
 * IFD's count was already found false, so its entries are whatever bytes
 * follow, not tags worth naming one by one. */
static void walk_entry(ifd_walk *w, ExifIfd ifd, const uint8_t *p, bool quiet)
{
    ExifTag tag = exif_get_short(p, w->order);
    ExifFormat format = exif_get_short(p + 2, w->order);
    uint64_t components = exif_get_long(p + 4, w->order);
    uint32_t value_at = exif_get_long(p + 8, w->order);
    int target = pointer_target(tag);
    if (target >= 0) {
        walk_ifd(w, (ExifIfd)target, value_at);
        return;
    }
    uint64_t bytes = components * exif_format_get_size(format);
    if (quiet)
        return;
    if (exif_format_get_size(format) == 0)
        warn(w, "%s entry 0x%04x (%s) has an unknown value type %u; dropped",
             ifd_names[ifd], tag, tag_name(tag, ifd), format);
    else if (bytes > 4 && (value_at > w->size || bytes > w->size - value_at))
        warn(w, "%s entry 0x%04x (%s) points past the end of the %s; dropped",
             ifd_names[ifd], tag, tag_name(tag, ifd), w->container);
}

static void walk_ifd(ifd_walk *w, ExifIfd ifd, uint32_t at)
{
    for (int i = 0; i < EXIF_IFD_COUNT; i++) {
        if (w->seen[i] && w->offset[i] == at) {
            warn(w, "%s loops back to %s; the loop was cut", ifd_names[ifd],
                 ifd_names[i]);
            w->copy[ifd] = !w->seen[ifd];
            return;
        }
    }
    if (w->seen[ifd]) {
        warn(w, "a second %s pointer; ignored", ifd_names[ifd]);
        return;
    }
    if (w->size < 2 || at > w->size - 2) {
        warn(w, "%s at offset %u lies past the end of the %s; dropped",
             ifd_names[ifd], at, w->container);
        return;
    }
    w->seen[ifd] = true;
    w->offset[ifd] = at;
    unsigned count = exif_get_short(w->tiff + at, w->order);
    unsigned fit = (unsigned)((w->size - at - 2) / 12);
    if (count > fit)
        warn(w,
             "%s claims %u entries, only %u %s in the %s; the rest were "
             "dropped",
             ifd_names[ifd], count, fit, fit == 1 ? "fits" : "fit",
             w->container);
    for (unsigned i = 0; i < MIN(count, fit); i++)
        walk_entry(w, ifd, w->tiff + at + 2 + 12 * i, count > fit);
    /* only IFD0 links on, to the thumbnail's IFD1 */
    size_t link = at + 2 + 12 * (size_t)count;
    if (ifd != EXIF_IFD_0 || count > fit || link + 4 > w->size)
        return;
    uint32_t next = exif_get_long(w->tiff + link, w->order);
    if (next)
        walk_ifd(w, EXIF_IFD_1, next);
}

static int check_header(ifd_walk *w, dk_error *err)
{
    if (w->size < 8)
        return dk_error_set(err, DK_ERR_INVALID,
                            "EXIF: the block is only %zu bytes", w->size);
    bool big = memcmp(w->tiff, "MM\0*", 4) == 0;
    if (!big && memcmp(w->tiff, "II*\0", 4) != 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "EXIF: no TIFF header (II*/MM*)");
    w->order = big ? EXIF_BYTE_ORDER_MOTOROLA : EXIF_BYTE_ORDER_INTEL;
    uint32_t ifd0 = exif_get_long(w->tiff + 4, w->order);
    if (ifd0 < 8 || ifd0 > w->size - 2)
        return dk_error_set(err, DK_ERR_INVALID,
                            "EXIF: IFD0 offset %u lies outside the %zu-byte "
                            "block",
                            ifd0, w->size);
    return 0;
}

int dk_exif_load(ExifData *ed, const uint8_t *tiff, size_t size,
                 const char *container, GPtrArray *warnings, dk_error *err)
{
    ifd_walk w = {.tiff = tiff,
                  .size = size,
                  .container = container,
                  .warnings = warnings};
    int rc = check_header(&w, err);
    if (rc)
        return rc;
    walk_ifd(&w, EXIF_IFD_0, exif_get_long(tiff + 4, w.order));

    /* Read what is there, as it is: "following the specification" makes
     * libexif invent mandatory tags, and unknown-tag filtering would drop
     * tags newer than this libexif. */
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
    /* libexif wants the "Exif\0\0" identifier in front of the TIFF data */
    uint8_t *block = g_malloc(size + 6);
    memcpy(block, "Exif\0\0", 6);
    memcpy(block + 6, tiff, size);
    exif_data_load_data(ed, block, (unsigned)(size + 6));
    g_free(block);
    for (int i = 0; i < EXIF_IFD_COUNT; i++) {
        ExifContent *content = ed->ifd[i];
        while (w.copy[i] && content && content->count)
            exif_content_remove_entry(content, content->entries[0]);
    }
    return 0;
}
