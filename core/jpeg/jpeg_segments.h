/* dokpim — the one walk over a JPEG's marker segments.
 *
 * ingest.photo checks a file's structure, stamp.exif rewrites its metadata
 * segments, watermark.photo and transcode.photo carry them into a new
 * encoding: all of them step from marker to marker the same way, so they
 * share this walker and keep only what they do with each segment.
 *
 * The walk reads an in-memory buffer or a file descriptor (through pread
 * and a window, so a card reader's I/O error is DK_ERR_IO rather than the
 * SIGBUS an mmap would give). It never decodes: segments are stepped over
 * by their length fields, and every length is checked against the end of
 * the data before it is trusted.
 *
 *     dk_jpeg_walk walk;
 *     dk_jpeg_segment seg;
 *     dk_jpeg_walk_memory(&walk, data, size);
 *     while ((rc = dk_jpeg_walk_next(&walk, &seg, err)) == 0 &&
 *            seg.marker != DK_JPEG_SOS)
 *         ... seg.payload, seg.length ...
 *     dk_jpeg_walk_clear(&walk);
 */
#ifndef DOKPIM_JPEG_SEGMENTS_H
#define DOKPIM_JPEG_SEGMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/error.h>

/* Markers (the byte after 0xFF) the plugins look for. Standalone ones
 * have no length field and nothing after them. */
enum {
    DK_JPEG_TEM = 0x01,
    DK_JPEG_RST0 = 0xD0, /* RST0..RST7: restart markers, found in scans */
    DK_JPEG_RST7 = 0xD7,
    DK_JPEG_SOI = 0xD8,
    DK_JPEG_EOI = 0xD9,
};

/* Segments: the marker, a 2-byte length that counts itself, a payload. */
enum {
    DK_JPEG_DHT = 0xC4,
    DK_JPEG_SOS = 0xDA, /* its payload is the scan header; data follows */
    DK_JPEG_COM = 0xFE,
};

/* Application segments (APP0..APP15, see dk_jpeg_marker_is_app()). */
enum {
    DK_JPEG_APP0 = 0xE0,  /* JFIF */
    DK_JPEG_APP1 = 0xE1,  /* Exif, XMP */
    DK_JPEG_APP2 = 0xE2,  /* ICC profile, MPF */
    DK_JPEG_APP13 = 0xED, /* Photoshop resources (IPTC) */
    DK_JPEG_APP14 = 0xEE, /* Adobe colour transform */
};

/* One marker and what follows it. Offsets count from the start of the
 * data; [offset, end) is the segment as the standard writes it and
 * [start, end) the same with the fill bytes that padded it. */
typedef struct dk_jpeg_segment {
    uint8_t marker;          /* the byte after 0xFF, e.g. DK_JPEG_APP1 */
    uint64_t start;          /* first fill 0xFF before the marker, if any */
    uint64_t offset;         /* the marker's own 0xFF */
    uint64_t payload_offset; /* just after the 2-byte length field */
    uint32_t length;         /* payload bytes; 0 for standalone markers */
    uint64_t end;            /* one past the payload; for SOS, where the
                                entropy-coded data begins */
    /* Memory walks: payload_offset inside the caller's buffer. File walks:
     * NULL; dk_jpeg_walk_payload() reads it. */
    const uint8_t *payload;
} dk_jpeg_segment;

/* The walk's state. Fill it with dk_jpeg_walk_memory() or
 * dk_jpeg_walk_file() and release it with dk_jpeg_walk_clear(); the fields
 * are the walker's own. */
typedef struct dk_jpeg_walk {
    const uint8_t *data; /* memory walks */
    int fd;              /* file walks; -1 for memory */
    uint64_t size;
    uint8_t *window; /* file walks: a read-ahead buffer */
    uint64_t window_start;
    size_t window_len;
    int io_errno; /* pread failed, as opposed to the end of the file */
    uint64_t pos; /* next byte the walk looks at */
    bool started; /* SOI checked */
    bool in_scan; /* the last segment was SOS: entropy-coded data is next */
    bool seen_scan;
} dk_jpeg_walk;

/* Walks data[0..size), which must outlive the walk and its segments. */
void dk_jpeg_walk_memory(dk_jpeg_walk *walk, const uint8_t *data, size_t size);

/* Walks the first size bytes of fd (the caller keeps fd open and owns
 * it). Reads with pread, so the file position is left alone; a file that
 * shrinks under the walk ends where the reads end. */
void dk_jpeg_walk_file(dk_jpeg_walk *walk, int fd, uint64_t size);

/* Frees what the walk allocated. Safe on a cleared or memory walk. */
void dk_jpeg_walk_clear(dk_jpeg_walk *walk);

/* Fills *segment with the next marker and steps past it. The first call
 * checks the SOI marker and returns the segment after it. Fill bytes before
 * a marker are skipped; standalone markers (TEM, RST0-7, EOI) come back
 * with length 0. After SOS the walk stands at the entropy-coded data: most
 * callers stop there; the next call skips that data (stuffed 0xFF00, RSTn
 * and fill bytes inside it) and returns the marker that ends it, so a
 * caller can go on to the next scan or EOI.
 *
 * Returns 0, or DK_ERR_INVALID with a one-line message: no SOI, a byte
 * other than 0xFF where a marker belongs, a second SOI, 0xFF00 outside
 * the image data, a length below 2 or past the end of the data, or the
 * end of the data inside a marker, before SOS or (after a scan) before
 * EOI; DK_ERR_IO when a read fails. */
int dk_jpeg_walk_next(dk_jpeg_walk *walk, dk_jpeg_segment *segment,
                      dk_error *err);

/* Points *payload at segment's payload (segment->length bytes). For file
 * walks the pointer is valid until the next call on the walk. Fails with
 * DK_ERR_INVALID when the file shrank under the walk, or DK_ERR_IO. */
int dk_jpeg_walk_payload(dk_jpeg_walk *walk, const dk_jpeg_segment *segment,
                         const uint8_t **payload, dk_error *err);

/* True when data starts with the SOI marker (0xFF 0xD8). */
bool dk_jpeg_starts_with_soi(const uint8_t *data, size_t size);

/* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the
 * range but are not frame headers. */
bool dk_jpeg_marker_is_sof(uint8_t marker);

/* APP0..APP15. */
bool dk_jpeg_marker_is_app(uint8_t marker);

/* "DQT", "APP1", "SOF2", ... for messages; "0xFFxx" for the rest. Returns
 * static text or buf. */
const char *dk_jpeg_marker_name(uint8_t marker, char buf[8]);

#endif
