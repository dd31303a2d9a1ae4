#include "video_boxes.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Box types an MP4, MOV or 3GP file may start with. Old QuickTime files
 * can open with the media data or padding rather than 'ftyp'. */
static const char *const video_boxes_first_types[] = {
    "ftyp", "moov", "mdat", "free", "skip",
    "wide", "pnot", "uuid", "styp", NULL,
};

/* A fragmented three-hour recording has tens of thousands of boxes; a
 * hostile file cannot make the walk take longer than this many steps. */
#define VIDEO_BOXES_MAX 4000000

static bool video_boxes_known_first(const char type[4])
{
    for (int i = 0; video_boxes_first_types[i]; i++)
        if (memcmp(type, video_boxes_first_types[i], 4) == 0)
            return true;
    return false;
}

static bool video_boxes_printable(const unsigned char type[4])
{
    /* QuickTime uses 0xA9 ('©') in some user-data types, but never at the
     * top level; printable ASCII is what every real top-level box has. */
    for (int i = 0; i < 4; i++)
        if (type[i] < 0x20 || type[i] > 0x7e)
            return false;
    return true;
}

static uint64_t video_boxes_be(const unsigned char *p, int bytes)
{
    uint64_t value = 0;
    for (int i = 0; i < bytes; i++)
        value = value << 8 | p[i];
    return value;
}

int video_boxes_scan(const char *path, video_boxes *out, dk_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *file = fopen(path, "rb");
    if (!file)
        return dk_error_set(err, DK_ERR_IO, "cannot read: %s", strerror(errno));
    if (fseeko(file, 0, SEEK_END) != 0) {
        fclose(file);
        return dk_error_set(err, DK_ERR_IO, "cannot seek: %s", strerror(errno));
    }
    out->file_size = ftello(file);

    int64_t offset = 0;
    while (offset < out->file_size && out->boxes < VIDEO_BOXES_MAX) {
        unsigned char header[16];
        if (fseeko(file, offset, SEEK_SET) != 0)
            break;
        size_t got = fread(header, 1, sizeof header, file);
        if (got < 8) {
            /* fewer bytes than a box header: the file was cut here */
            out->truncated = true;
            break;
        }
        char type[5] = {0};
        memcpy(type, header + 4, 4);
        if (out->boxes == 0) {
            out->iso_bmff = video_boxes_known_first(type);
            if (!out->iso_bmff)
                break;
        } else if (!video_boxes_printable(header + 4)) {
            out->malformed = true;
            break;
        }
        out->boxes++;
        if (memcmp(type, "moov", 4) == 0)
            out->has_moov = true;

        uint64_t size = video_boxes_be(header, 4);
        int header_size = 8;
        if (size == 1) {
            if (got < 16) {
                out->truncated = true;
                memcpy(out->cut_type, type, 5);
                break;
            }
            size = video_boxes_be(header + 8, 8);
            header_size = 16;
        } else if (size == 0) {
            /* "runs to the end of the file": complete by definition */
            break;
        }
        if (size < (uint64_t)header_size) {
            out->malformed = true;
            break;
        }
        if (size > (uint64_t)(out->file_size - offset)) {
            out->truncated = true;
            memcpy(out->cut_type, type, 5);
            break;
        }
        offset += (int64_t)size;
    }
    fclose(file);
    return 0;
}

int video_boxes_cut_error(const video_boxes *boxes, dk_error *err)
{
    if (!boxes->iso_bmff)
        return 0;
    if (!boxes->has_moov && boxes->cut_type[0])
        return dk_error_set(
            err, DK_ERR_INVALID,
            "truncated: no index (moov) — the recording was not finalised "
            "(the file ends at byte %" PRId64 " inside '%s')",
            boxes->file_size, boxes->cut_type);
    if (!boxes->has_moov)
        return dk_error_set(err, DK_ERR_INVALID,
                            "truncated: no index (moov) — the recording was "
                            "not finalised (the file ends at byte %" PRId64 ")",
                            boxes->file_size);
    if (boxes->truncated && strcmp(boxes->cut_type, "moov") == 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "truncated: the index (moov) is cut off at byte "
                            "%" PRId64 " — the recording was not finalised",
                            boxes->file_size);
    return 0;
}
