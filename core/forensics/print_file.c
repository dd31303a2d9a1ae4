/* One item's print on disk: LIBRARY/prints/<aa>/<sha256>.dkfp.
 *
 * Layout (little-endian), version 1:
 *   0  "DKFP"                        magic
 *   4  u16 version, u16 flags        bit 0 has_audio, bit 1 has_video
 *   8  f64 duration
 *  16  f64 audio hop, f64 audio start
 *  32  u64 audio count, u64 picture count
 *  48  audio count x u32 sub-fingerprints, audio count x u8 quiet flags,
 *      picture count x (f64 time, u64 whole, u64 centre, f32 aspect, u8 flat)
 * end  u32 CRC-32 (zlib) of every byte before it
 *
 * The file's size is fixed by the two counts, so a count is checked
 * against the size before anything is allocated. */
#include "le_bytes.h"
#include "print_file_private.h"

#include <dokpim/fileio.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define PRINT_MAGIC         "DKFP"
#define PRINT_VERSION       1
#define PRINT_FLAG_AUDIO    1u
#define PRINT_FLAG_VIDEO    2u
#define PRINT_HEADER_BYTES  48
#define PRINT_FRAME_BYTES   29
#define PRINT_AUDIO_BYTES   5 /* bits + quiet flag */
#define PRINT_TRAILER_BYTES 4
/* A day of 16 ms sub-fingerprints is 27 MB: a print file larger than
 * this is damage, not a recording. */
#define PRINT_MAX_FILE_BYTES (1u << 30)

bool dk_sha256_valid(const char *sha256)
{
    if (!sha256)
        return false;
    for (int i = 0; i < 64; i++) {
        char c = sha256[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return sha256[64] == '\0';
}

static int hex_value(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

void dk_sha256_to_raw(const char *hex, uint8_t raw[32])
{
    for (int i = 0; i < 32; i++)
        raw[i] =
            (uint8_t)(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
}

void dk_sha256_from_raw(const uint8_t raw[32], char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[raw[i] >> 4];
        hex[2 * i + 1] = digits[raw[i] & 15];
    }
    hex[64] = '\0';
}

char *dk_print_path(const char *library, const char *sha256, dk_error *err)
{
    if (!dk_sha256_valid(sha256)) {
        dk_error_set(err, DK_ERR_INVALID,
                     "not a sha256 (64 lower-case hex digits): %.80s",
                     sha256 ? sha256 : "(null)");
        return NULL;
    }
    char aa[3] = {sha256[0], sha256[1], '\0'};
    g_autofree char *name = g_strconcat(sha256, ".dkfp", NULL);
    return g_build_filename(library, "prints", aa, name, NULL);
}

/* What both the writer and the reader insist on, so that a print that
 * saves always loads. */
static int check_print(const dk_media_print *p, dk_error *err)
{
    if (!isfinite(p->duration) || p->duration < 0)
        return dk_error_set(err, DK_ERR_INVALID, "duration is not a time");
    if (p->audio.count && !p->has_audio)
        return dk_error_set(err, DK_ERR_INVALID,
                            "audio sub-fingerprints without an audio stream");
    if (p->picture.count && !p->has_video)
        return dk_error_set(err, DK_ERR_INVALID,
                            "picture hashes without a video stream");
    if (p->has_audio && (!isfinite(p->audio.hop) || p->audio.hop <= 0 ||
                         p->audio.hop > 1 || !isfinite(p->audio.start)))
        return dk_error_set(err, DK_ERR_INVALID,
                            "audio hop or start is not a time");
    for (size_t i = 0; i < p->audio.count; i++)
        if (p->audio.quiet[i] > 1)
            return dk_error_set(err, DK_ERR_INVALID,
                                "quiet flag %zu is neither 0 nor 1", i);
    for (size_t i = 0; i < p->picture.count; i++) {
        const dk_picture_frame *f = &p->picture.frames[i];
        if (!isfinite(f->time) || !isfinite(f->aspect) || f->aspect < 0 ||
            f->flat > 1)
            return dk_error_set(err, DK_ERR_INVALID,
                                "picture frame %zu has a bad time, aspect or "
                                "flat flag",
                                i);
    }
    return 0;
}

int dk_print_encode(const dk_media_print *print, uint8_t **out, size_t *size,
                    dk_error *err)
{
    *out = NULL;
    *size = 0;
    int rc = check_print(print, err);
    if (rc)
        return rc;
    size_t na = print->audio.count, np = print->picture.count;
    if (na > PRINT_MAX_FILE_BYTES / PRINT_AUDIO_BYTES ||
        np > PRINT_MAX_FILE_BYTES / PRINT_FRAME_BYTES ||
        na * PRINT_AUDIO_BYTES + np * PRINT_FRAME_BYTES >
            PRINT_MAX_FILE_BYTES - PRINT_HEADER_BYTES - PRINT_TRAILER_BYTES)
        return dk_error_set(err, DK_ERR_INVALID,
                            "print too large to save: %zu audio, %zu picture",
                            na, np);
    size_t total = PRINT_HEADER_BYTES + na * PRINT_AUDIO_BYTES +
                   np * PRINT_FRAME_BYTES + PRINT_TRAILER_BYTES;
    uint8_t *b = calloc(1, total);
    if (!b)
        return dk_error_set(err, DK_ERR_NOMEM, "no memory for a print file");
    memcpy(b, PRINT_MAGIC, 4);
    unsigned flags = (print->has_audio ? PRINT_FLAG_AUDIO : 0) |
                     (print->has_video ? PRINT_FLAG_VIDEO : 0);
    le_put32(b + 4, PRINT_VERSION | flags << 16);
    le_put_f64(b + 8, print->duration);
    le_put_f64(b + 16, print->has_audio ? print->audio.hop : 0);
    le_put_f64(b + 24, print->has_audio ? print->audio.start : 0);
    le_put64(b + 32, na);
    le_put64(b + 40, np);
    uint8_t *p = b + PRINT_HEADER_BYTES;
    for (size_t i = 0; i < na; i++, p += 4)
        le_put32(p, print->audio.bits[i]);
    if (na)
        memcpy(p, print->audio.quiet, na);
    p += na;
    for (size_t i = 0; i < np; i++, p += PRINT_FRAME_BYTES) {
        const dk_picture_frame *f = &print->picture.frames[i];
        le_put_f64(p, f->time);
        le_put64(p + 8, f->whole);
        le_put64(p + 16, f->centre);
        le_put_f32(p + 24, f->aspect);
        p[28] = f->flat;
    }
    le_put32(p, (uint32_t)crc32_z(0, b, total - PRINT_TRAILER_BYTES));
    *out = b;
    *size = total;
    return 0;
}

int dk_print_parse(const void *data, size_t size, dk_media_print *out,
                   dk_error *err)
{
    memset(out, 0, sizeof *out);
    const uint8_t *b = data;
    if (size < PRINT_HEADER_BYTES + PRINT_TRAILER_BYTES ||
        memcmp(b, PRINT_MAGIC, 4) != 0)
        return dk_error_set(err, DK_ERR_INVALID, "not a dokpim print file");
    uint32_t word = le_get32(b + 4);
    unsigned version = word & 0xffff, flags = word >> 16;
    if (version != PRINT_VERSION)
        return dk_error_set(err, DK_ERR_INVALID,
                            "print format version %u, this dokpim reads %u",
                            version, PRINT_VERSION);
    if (flags & ~(PRINT_FLAG_AUDIO | PRINT_FLAG_VIDEO))
        return dk_error_set(err, DK_ERR_INVALID, "unknown print flags 0x%x",
                            flags);
    uint64_t na = le_get64(b + 32), np = le_get64(b + 40);
    uint64_t room = size - PRINT_HEADER_BYTES - PRINT_TRAILER_BYTES;
    if (na > room / PRINT_AUDIO_BYTES || np > room / PRINT_FRAME_BYTES ||
        na * PRINT_AUDIO_BYTES != room - np * PRINT_FRAME_BYTES)
        return dk_error_set(err, DK_ERR_INVALID,
                            "counts (%llu audio, %llu picture) do not fit the "
                            "file's %zu bytes: the print is truncated",
                            (unsigned long long)na, (unsigned long long)np,
                            size);
    if (le_get32(b + size - PRINT_TRAILER_BYTES) !=
        (uint32_t)crc32_z(0, b, size - PRINT_TRAILER_BYTES))
        return dk_error_set(err, DK_ERR_INVALID,
                            "checksum mismatch: the print is damaged");

    dk_media_print p = {
        .duration = le_get_f64(b + 8),
        .has_audio = flags & PRINT_FLAG_AUDIO,
        .has_video = flags & PRINT_FLAG_VIDEO,
        .audio = {.hop = le_get_f64(b + 16),
                  .start = le_get_f64(b + 24),
                  .count = na},
        .picture = {.count = np},
    };
    p.audio.bits = malloc(na ? na * sizeof *p.audio.bits : 1);
    p.audio.quiet = malloc(na ? na : 1);
    p.picture.frames = malloc(np ? np * sizeof *p.picture.frames : 1);
    if (!p.audio.bits || !p.audio.quiet || !p.picture.frames) {
        dk_media_print_clear(&p);
        return dk_error_set(err, DK_ERR_NOMEM, "no memory for a print");
    }
    const uint8_t *q = b + PRINT_HEADER_BYTES;
    for (size_t i = 0; i < na; i++, q += 4)
        p.audio.bits[i] = le_get32(q);
    memcpy(p.audio.quiet, q, na);
    q += na;
    for (size_t i = 0; i < np; i++, q += PRINT_FRAME_BYTES) {
        dk_picture_frame *f = &p.picture.frames[i];
        f->time = le_get_f64(q);
        f->whole = le_get64(q + 8);
        f->centre = le_get64(q + 16);
        f->aspect = le_get_f32(q + 24);
        f->flat = q[28];
    }
    int rc = check_print(&p, err);
    /* bit patterns, not values: -0.0 would not be written back */
    if (!rc && !p.has_audio && (le_get64(b + 16) || le_get64(b + 24)))
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "audio hop or start without an audio stream");
    if (rc) {
        dk_media_print_clear(&p);
        return rc;
    }
    *out = p;
    return 0;
}

int dk_print_save(const char *library, const char *sha256,
                  const dk_media_print *print, dk_error *err)
{
    g_autofree char *path = dk_print_path(library, sha256, err);
    if (!path)
        return DK_ERR_INVALID;
    uint8_t *bytes;
    size_t size;
    int rc = dk_print_encode(print, &bytes, &size, err);
    if (rc)
        return dk_error_prefix(err, "%s: ", path);
    rc = dk_atomic_write_file(path, bytes, size, err);
    free(bytes);
    return rc;
}

/* The whole file, refusing anything larger than a print can be before
 * allocating for it. */
static int read_print_file(const char *path, uint8_t **out, size_t *size,
                           dk_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return dk_error_set(err, errno == ENOENT ? DK_ERR_NOT_FOUND : DK_ERR_IO,
                            "%s: cannot open the print: %s", path,
                            g_strerror(errno));
    struct stat st;
    int rc = 0;
    uint8_t *b = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = dk_error_set(err, DK_ERR_IO, "%s: not a regular file", path);
    } else if (st.st_size > PRINT_MAX_FILE_BYTES) {
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "%s: %lld bytes is too large for a print: the print "
                          "is damaged; run dokpim locate --reindex",
                          path, (long long)st.st_size);
    } else if (!(b = malloc(st.st_size ? (size_t)st.st_size : 1))) {
        rc = dk_error_set(err, DK_ERR_NOMEM, "no memory for %s", path);
    } else {
        size_t done = 0;
        while (done < (size_t)st.st_size) {
            ssize_t got = read(fd, b + done, (size_t)st.st_size - done);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                rc = dk_error_set(err, DK_ERR_IO, "%s: cannot read: %s", path,
                                  got < 0 ? g_strerror(errno)
                                          : "file shrank while read");
                break;
            }
            done += (size_t)got;
        }
        *size = done;
    }
    close(fd);
    if (rc)
        free(b);
    else
        *out = b;
    return rc;
}

int dk_print_load(const char *library, const char *sha256, dk_media_print *out,
                  dk_error *err)
{
    memset(out, 0, sizeof *out);
    g_autofree char *path = dk_print_path(library, sha256, err);
    if (!path)
        return DK_ERR_INVALID;
    uint8_t *bytes = NULL;
    size_t size = 0;
    int rc = read_print_file(path, &bytes, &size, err);
    if (rc)
        return rc;
    rc = dk_print_parse(bytes, size, out, err);
    free(bytes);
    if (rc == DK_ERR_INVALID) {
        char reason[DK_ERROR_MESSAGE_MAX];
        g_strlcpy(reason, err ? err->message : "", sizeof reason);
        return dk_error_set(err, rc, "%s: %s; run dokpim locate --reindex",
                            path, reason);
    }
    if (rc)
        return dk_error_prefix(err, "%s: ", path);
    return 0;
}
