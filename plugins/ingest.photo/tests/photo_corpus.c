/* Builds the ingest.photo corpus. Base pictures come from ImageMagick,
 * cjpeg and exiftool; broken and hostile variants are made here, byte by
 * byte, from those bases, so every defect is exactly the one named. */
#include "photo_corpus.h"

#include <dokpim/error.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dk_test.h"

/* ---- files and tools ---- */

char *photo_corpus_scratch(const char *root, const char *tag)
{
    char *dir = g_strdup_printf("%s/%s-XXXXXX", root, tag);
    if (!g_mkdtemp(dir)) {
        fprintf(stderr, "corpus: cannot make %s\n", dir);
        abort();
    }
    return dir;
}

static GByteArray *load(const char *path)
{
    gsize len = 0;
    char *data = dk_test_read(path, &len);
    if (!data) {
        fprintf(stderr, "corpus: cannot read %s\n", path);
        abort();
    }
    return g_byte_array_new_take((guint8 *)data, len);
}

static void save(const char *path, const GByteArray *bytes)
{
    dk_test_write(path, bytes->data, bytes->len);
}

static char *base_file(const char *dir, const char *name)
{
    return g_build_filename(dir, "_base", name, NULL);
}

static GByteArray *load_base(const char *dir, const char *name)
{
    char *path = base_file(dir, name);
    GByteArray *bytes = load(path);
    g_free(path);
    return bytes;
}

/* Offset of the first marker `marker` (its 0xFF) in the header part of a
 * JPEG; aborts when it is not there, since the base is ours. */
static size_t find_marker(const GByteArray *jpeg, unsigned marker)
{
    size_t pos = 2;
    while (pos + 4 <= jpeg->len && jpeg->data[pos] == 0xFF) {
        unsigned m = jpeg->data[pos + 1];
        if (m == marker)
            return pos;
        if (m == 0xDA)
            break;
        pos += 2 + ((size_t)jpeg->data[pos + 2] << 8 | jpeg->data[pos + 3]);
    }
    fprintf(stderr, "corpus: marker 0x%02X not found\n", marker);
    abort();
}

static void set_be16(GByteArray *b, size_t at, unsigned v)
{
    b->data[at] = (guint8)(v >> 8);
    b->data[at + 1] = (guint8)v;
}

/* ---- a little-endian (or big-endian) TIFF/EXIF writer ---- */

typedef struct tiff_field {
    uint16_t tag, type;
    uint32_t count;
    const void *data; /* count values, already in the block's byte order */
} tiff_field;

enum { T_BYTE = 1, T_ASCII = 2, T_SHORT = 3, T_LONG = 4, T_RATIONAL = 5 };

typedef struct tiff_block {
    GByteArray *bytes;
    bool big_endian;
    size_t ifd0, exif_ifd, gps_ifd; /* offsets of the IFDs in bytes */
} tiff_block;

static size_t type_size(uint16_t type)
{
    return type == T_SHORT      ? 2
           : type == T_LONG     ? 4
           : type == T_RATIONAL ? 8
                                : 1;
}

static void put(tiff_block *t, GByteArray *to, uint32_t v, int n)
{
    guint8 x[4];
    for (int i = 0; i < n; i++)
        x[i] = (guint8)(t->big_endian ? v >> (8 * (n - 1 - i)) : v >> (8 * i));
    g_byte_array_append(to, x, (guint)n);
}

/* Patches an n-byte value already in the block. */
static void patch(tiff_block *t, size_t at, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        t->bytes->data[at + i] =
            (guint8)(t->big_endian ? v >> (8 * (n - 1 - i)) : v >> (8 * i));
}

static size_t field_count(const tiff_field *f)
{
    size_t n = 0;
    while (f && f[n].tag)
        n++;
    return n;
}

static size_t ifd_size(size_t entries)
{
    return 2 + 12 * entries + 4;
}

/* Writes one IFD at the end of t->bytes; values longer than four bytes go
 * to data, which will start at data_base. */
static void write_ifd(tiff_block *t, GByteArray *data, size_t data_base,
                      const tiff_field *fields, uint32_t exif_at,
                      uint32_t gps_at)
{
    size_t n = field_count(fields);
    put(t, t->bytes, (uint32_t)(n + !!exif_at + !!gps_at), 2);
    for (size_t i = 0; i < n; i++) {
        const tiff_field *f = &fields[i];
        size_t size = f->count * type_size(f->type);
        put(t, t->bytes, f->tag, 2);
        put(t, t->bytes, f->type, 2);
        put(t, t->bytes, f->count, 4);
        if (size <= 4) {
            guint8 inline_value[4] = {0};
            memcpy(inline_value, f->data, size);
            g_byte_array_append(t->bytes, inline_value, 4);
        } else {
            put(t, t->bytes, (uint32_t)(data_base + data->len), 4);
            g_byte_array_append(data, f->data, (guint)size);
            if (data->len % 2)
                g_byte_array_append(data, (const guint8 *)"", 1);
        }
    }
    /* pointer tags sort after every IFD0 tag we use */
    uint32_t pointers[2][2] = {{0x8769, exif_at}, {0x8825, gps_at}};
    for (int i = 0; i < 2; i++) {
        if (!pointers[i][1])
            continue;
        put(t, t->bytes, pointers[i][0], 2);
        put(t, t->bytes, T_LONG, 2);
        put(t, t->bytes, 1, 4);
        put(t, t->bytes, pointers[i][1], 4);
    }
    put(t, t->bytes, 0, 4); /* no next IFD */
}

static tiff_block tiff_build(bool big_endian, const tiff_field *ifd0,
                             const tiff_field *exif, const tiff_field *gps)
{
    tiff_block t = {.bytes = g_byte_array_new(), .big_endian = big_endian};
    size_t n0 = field_count(ifd0) + (exif ? 1 : 0) + (gps ? 1 : 0);
    t.ifd0 = 8;
    t.exif_ifd = exif ? t.ifd0 + ifd_size(n0) : 0;
    size_t after =
        exif ? t.exif_ifd + ifd_size(field_count(exif)) : t.ifd0 + ifd_size(n0);
    t.gps_ifd = gps ? after : 0;
    size_t data_base = gps ? t.gps_ifd + ifd_size(field_count(gps)) : after;

    g_byte_array_append(t.bytes,
                        (const guint8 *)(big_endian ? "MM\0*" : "II*\0"), 4);
    put(&t, t.bytes, (uint32_t)t.ifd0, 4);
    GByteArray *data = g_byte_array_new();
    write_ifd(&t, data, data_base, ifd0, (uint32_t)t.exif_ifd,
              (uint32_t)t.gps_ifd);
    if (exif)
        write_ifd(&t, data, data_base, exif, 0, 0);
    if (gps)
        write_ifd(&t, data, data_base, gps, 0, 0);
    g_byte_array_append(t.bytes, data->data, data->len);
    g_byte_array_free(data, TRUE);
    return t;
}

/* Byte offset of entry i of the IFD at ifd, and of its value field. */
static size_t entry_at(size_t ifd, size_t i)
{
    return ifd + 2 + 12 * i;
}

/* A JPEG with block inserted as APP1 Exif right after SOI. */
static GByteArray *with_exif(const GByteArray *jpeg, const guint8 *tiff,
                             size_t tiff_len)
{
    GByteArray *out = g_byte_array_sized_new(jpeg->len + tiff_len + 10);
    g_byte_array_append(out, jpeg->data, 2);
    guint8 head[10] = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
    head[2] = (guint8)((tiff_len + 8) >> 8);
    head[3] = (guint8)(tiff_len + 8);
    g_byte_array_append(out, head, sizeof head);
    g_byte_array_append(out, tiff, (guint)tiff_len);
    g_byte_array_append(out, jpeg->data + 2, jpeg->len - 2);
    return out;
}

/* ---- the standard EXIF block hostile variants start from ---- */

typedef struct standard_exif {
    guint8 orientation[2], altitude_ref[1];
    guint8 latitude[24], longitude[24], altitude[8];
} standard_exif;

static void rational(tiff_block *shape, guint8 *to, uint32_t num, uint32_t den)
{
    GByteArray *tmp = g_byte_array_new();
    put(shape, tmp, num, 4);
    put(shape, tmp, den, 4);
    memcpy(to, tmp->data, 8);
    g_byte_array_free(tmp, TRUE);
}

/* Degrees, minutes, seconds of the standard block's position; variants
 * that need another point it elsewhere while they build. */
typedef struct gps_point {
    uint32_t lat[3], lon[3];
} gps_point;
static const gps_point badung = {{8, 35, 0}, {115, 10, 30}};
static const gps_point *standard_point = &badung;

/* Make, Model, Orientation; DateTimeOriginal; GPS 8°35'S 115°10'E 35 m.
 * datetime and gps_den let variants break those two on purpose. */
static tiff_block standard_block(bool big_endian, int orientation,
                                 const char *datetime, uint32_t gps_den)
{
    static standard_exif v; /* values must outlive tiff_build */
    tiff_block shape = {.big_endian = big_endian};
    GByteArray *tmp = g_byte_array_new();
    put(&shape, tmp, (uint32_t)orientation, 2);
    memcpy(v.orientation, tmp->data, 2);
    g_byte_array_free(tmp, TRUE);
    for (int i = 0; i < 3; i++) {
        rational(&shape, v.latitude + 8 * i, standard_point->lat[i], gps_den);
        rational(&shape, v.longitude + 8 * i, standard_point->lon[i], gps_den);
    }
    rational(&shape, v.altitude, 35, gps_den);
    v.altitude_ref[0] = 0;
    const tiff_field ifd0[] = {
        {0x010F, T_ASCII, 7, "dokpim"},
        {0x0110, T_ASCII, 12, "Test Camera"},
        {0x0112, T_SHORT, 1, v.orientation},
        {0},
    };
    const tiff_field exif[] = {
        {0x9003, T_ASCII, 20, datetime},
        {0},
    };
    const tiff_field gps[] = {
        {0x0001, T_ASCII, 2, "S"},
        {0x0002, T_RATIONAL, 3, v.latitude},
        {0x0003, T_ASCII, 2, "E"},
        {0x0004, T_RATIONAL, 3, v.longitude},
        {0x0005, T_BYTE, 1, v.altitude_ref},
        {0x0006, T_RATIONAL, 1, v.altitude},
        {0},
    };
    return tiff_build(big_endian, ifd0, exif, gps);
}

static void save_with_block(const char *dir, const char *path,
                            tiff_block *block, size_t keep)
{
    GByteArray *plain = load_base(dir, "plain.jpg");
    GByteArray *out =
        with_exif(plain, block->bytes->data, keep ? keep : block->bytes->len);
    save(path, out);
    g_byte_array_free(out, TRUE);
    g_byte_array_free(plain, TRUE);
    g_byte_array_free(block->bytes, TRUE);
}

#define STANDARD_TIME "2024:09:02 14:11:22"

/* ---- base pictures ---- */

static void make_bases(const char *dir)
{
    char *base = g_build_filename(dir, "_base", NULL);
    g_mkdir_with_parents(base, 0755);
    char *q = g_shell_quote(base);
    char *cmd = g_strdup_printf(
        "cd %s && /usr/bin/convert -size 320x240 -seed 7 plasma:fractal "
        "-strip -quality 90 plain.jpg && /usr/bin/convert plain.jpg "
        "-strip plain.png && /usr/bin/convert plain.jpg -strip plain.ppm && "
        "/usr/bin/convert -size 64x48 gradient:red-blue plain.heic",
        q);
    g_free(dk_test_sh_ok("%s", cmd));
    g_free(cmd);
    g_free(q);
    g_free(base);
}

/* ---- builders: valid photos ---- */

static void copy_base(const char *dir, const char *path, const char *name)
{
    GByteArray *b = load_base(dir, name);
    save(path, b);
    g_byte_array_free(b, TRUE);
}

static void make_plain(const char *dir, const char *path)
{
    copy_base(dir, path, "plain.jpg");
}

static void run_on_copy(const char *dir, const char *path,
                        const char *command_fmt)
{
    make_plain(dir, path);
    char *q = g_shell_quote(path);
    char *cmd = g_strdup_printf(command_fmt, q, q);
    g_free(dk_test_sh_ok("%s", cmd));
    g_free(cmd);
    g_free(q);
}

static void make_exiftool_full(const char *dir, const char *path)
{
    run_on_copy(dir, path,
                "exiftool -q -overwrite_original "
                "'-DateTimeOriginal=2024:09:02 14:11:22' "
                "-OffsetTimeOriginal=+07:00 -SubSecTimeOriginal=25 "
                "-Make=Canon '-Model=Canon EOS R6' -Orientation#=6 "
                "-GPSLatitude=8.5812 -GPSLatitudeRef=S "
                "-GPSLongitude=115.1774 -GPSLongitudeRef=E "
                "-GPSAltitude=35.5 -GPSAltitudeRef=0 %s%.0s");
}

static void make_exiftool_no_offset(const char *dir, const char *path)
{
    run_on_copy(dir, path,
                "exiftool -q -overwrite_original "
                "'-DateTimeOriginal=2024:09:02 09:30:00' "
                "'-Make=NIKON CORPORATION' '-Model=NIKON Z 6' "
                "-Orientation#=8 -GPSLatitude=0.5 -GPSLatitudeRef=N "
                "-GPSLongitude=73.5 -GPSLongitudeRef=W -GPSAltitude=12 "
                "-GPSAltitudeRef=1 %s%.0s");
}

static void make_cmyk(const char *dir, const char *path)
{
    run_on_copy(dir, path, "/usr/bin/convert %s -colorspace CMYK %s");
}

static void make_grey(const char *dir, const char *path)
{
    run_on_copy(dir, path, "/usr/bin/convert %s -colorspace Gray %s");
}

static void make_progressive(const char *dir, const char *path)
{
    run_on_copy(dir, path, "/usr/bin/convert %s -interlace Plane %s");
}

static void make_restart_markers(const char *dir, const char *path)
{
    char *ppm = base_file(dir, "plain.ppm");
    char *qin = g_shell_quote(ppm), *qout = g_shell_quote(path);
    char *cmd = g_strdup_printf("cjpeg -progressive -restart 1B -outfile %s %s",
                                qout, qin);
    g_free(dk_test_sh_ok("%s", cmd));
    g_free(cmd);
    g_free(qin);
    g_free(qout);
    g_free(ppm);
}

/* Motion photos and some phones append data after EOI, including bytes
 * that look like JPEG markers; the image itself ends at its EOI. */
static void make_trailing_data(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.jpg");
    static const guint8 tail[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x12, 0x34,
                                  0xFF, 0xD9, 'f',  't',  'y',  'p'};
    for (int i = 0; i < 100; i++)
        g_byte_array_append(b, tail, sizeof tail);
    save(path, b);
    g_byte_array_free(b, TRUE);
}

/* Fill bytes (any number of 0xFF) may precede a marker. */
static void make_fill_bytes(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.jpg");
    size_t dqt = find_marker(b, 0xDB);
    static const guint8 fill[] = {0xFF, 0xFF, 0xFF, 0xFF};
    GByteArray *out = g_byte_array_new();
    g_byte_array_append(out, b->data, (guint)dqt);
    g_byte_array_append(out, fill, sizeof fill);
    g_byte_array_append(out, b->data + dqt, b->len - (guint)dqt);
    save(path, out);
    g_byte_array_free(out, TRUE);
    g_byte_array_free(b, TRUE);
}

static void make_exif_big_endian(const char *dir, const char *path)
{
    tiff_block t = standard_block(true, 3, STANDARD_TIME, 1);
    save_with_block(dir, path, &t, 0);
}

static void make_heic(const char *dir, const char *path)
{
    copy_base(dir, path, "plain.heic");
    char *q = g_shell_quote(path);
    char *cmd = g_strdup_printf(
        "exiftool -q -overwrite_original "
        "'-DateTimeOriginal=2024:09:02 14:11:22' -OffsetTimeOriginal=+08:00 "
        "-Make=Apple '-Model=iPhone 13' %s",
        q);
    g_free(dk_test_sh_ok("%s", cmd));
    g_free(cmd);
    g_free(q);
}

/* Orientation N, so display dimensions can be checked for all eight. */
#define MAKE_ORIENTED(n)                                                       \
    static void make_orientation_##n(const char *dir, const char *path)        \
    {                                                                          \
        tiff_block t = standard_block(false, n, STANDARD_TIME, 1);             \
        save_with_block(dir, path, &t, 0);                                     \
    }
MAKE_ORIENTED(1)
MAKE_ORIENTED(2)
MAKE_ORIENTED(3)
MAKE_ORIENTED(4)
MAKE_ORIENTED(5)
MAKE_ORIENTED(6)
MAKE_ORIENTED(7)
MAKE_ORIENTED(8)

/* ---- builders: hostile EXIF (the photo itself stays valid) ---- */

/* IFD0's next-IFD link points back at IFD0. */
static void make_exif_ifd_loop(const char *dir, const char *path)
{
    tiff_block t = standard_block(false, 1, STANDARD_TIME, 1);
    patch(&t, entry_at(t.ifd0, 5), (uint32_t)t.ifd0, 4);
    save_with_block(dir, path, &t, 0);
}

/* The EXIF sub-IFD pointer leads back to IFD0, which points to it again. */
static void make_exif_subifd_loop(const char *dir, const char *path)
{
    tiff_block t = standard_block(false, 1, STANDARD_TIME, 1);
    /* entries: Make, Model, Orientation, ExifIFD, GPS */
    patch(&t, entry_at(t.ifd0, 3) + 8, (uint32_t)t.ifd0, 4);
    patch(&t, entry_at(t.ifd0, 4) + 8, (uint32_t)t.ifd0, 4);
    save_with_block(dir, path, &t, 0);
}

/* IFD0 claims 65535 entries; the block holds five. */
static void make_exif_count_past_end(const char *dir, const char *path)
{
    tiff_block t = standard_block(false, 1, STANDARD_TIME, 1);
    patch(&t, t.ifd0, 0xFFFF, 2);
    save_with_block(dir, path, &t, 0);
}

/* Make's value offset points 4 GB away. */
static void make_exif_offset_past_end(const char *dir, const char *path)
{
    tiff_block t = standard_block(false, 1, STANDARD_TIME, 1);
    patch(&t, entry_at(t.ifd0, 0) + 8, 0xFFFFFF00u, 4);
    save_with_block(dir, path, &t, 0);
}

/* Model claims 2^31 characters (a size overflow bait). */
static void make_exif_value_count_huge(const char *dir, const char *path)
{
    tiff_block t = standard_block(false, 1, STANDARD_TIME, 1);
    patch(&t, entry_at(t.ifd0, 1) + 4, 0x80000000u, 4);
    save_with_block(dir, path, &t, 0);
}

/* The header's first-IFD offset points past the block. */
static void make_exif_ifd0_past_end(const char *dir, const char *path)
{
    tiff_block t = standard_block(false, 1, STANDARD_TIME, 1);
    patch(&t, 4, 0xFFFFFFF0u, 4);
    save_with_block(dir, path, &t, 0);
}

/* The block is cut in the middle of IFD0's second entry. */
static void make_exif_truncated(const char *dir, const char *path)
{
    tiff_block t = standard_block(false, 1, STANDARD_TIME, 1);
    save_with_block(dir, path, &t, entry_at(t.ifd0, 1) + 5);
}

/* "Exif\0\0" followed by bytes that are no TIFF at all. */
static void make_exif_garbage(const char *dir, const char *path)
{
    GByteArray *noise = g_byte_array_new();
    guint32 state = 12345;
    for (int i = 0; i < 300; i++) {
        state = state * 1103515245u + 12345u;
        guint8 byte = (guint8)(state >> 16);
        g_byte_array_append(noise, &byte, 1);
    }
    tiff_block t = {.bytes = noise};
    save_with_block(dir, path, &t, 0);
}

static void make_exif_bad_datetime(const char *dir, const char *path)
{
    tiff_block t = standard_block(false, 1, "2024:13:45 99:99:99", 1);
    save_with_block(dir, path, &t, 0);
}

/* Capture times no camera with a set clock writes. */
static void save_with_time(const char *dir, const char *path,
                           const char *datetime)
{
    tiff_block t = standard_block(false, 1, datetime, 1);
    save_with_block(dir, path, &t, 0);
}

static void make_exif_1970(const char *dir, const char *path)
{
    save_with_time(dir, path, "1970:01:01 00:03:12");
}

static void make_exif_placeholder_time(const char *dir, const char *path)
{
    save_with_time(dir, path, "0000:00:00 00:00:00");
}

static void make_exif_future(const char *dir, const char *path)
{
    save_with_time(dir, path, "2099:09:02 14:11:22");
}

/* Positions no photo was taken at: no fix, and off the globe. */
static void save_with_point(const char *dir, const char *path,
                            const gps_point *point)
{
    standard_point = point;
    tiff_block t = standard_block(false, 1, STANDARD_TIME, 1);
    standard_point = &badung;
    save_with_block(dir, path, &t, 0);
}

static void make_exif_gps_zero(const char *dir, const char *path)
{
    static const gps_point zero = {{0, 0, 0}, {0, 0, 0}};
    save_with_point(dir, path, &zero);
}

static void make_exif_gps_latitude_95(const char *dir, const char *path)
{
    static const gps_point off = {{95, 30, 0}, {115, 10, 30}};
    save_with_point(dir, path, &off);
}

static void make_exif_gps_longitude_200(const char *dir, const char *path)
{
    static const gps_point off = {{8, 35, 0}, {200, 0, 0}};
    save_with_point(dir, path, &off);
}

static void make_exif_gps_zero_denominator(const char *dir, const char *path)
{
    tiff_block t = standard_block(false, 1, STANDARD_TIME, 0);
    save_with_block(dir, path, &t, 0);
}

/* ---- builders: broken files ---- */

static void make_empty(const char *dir, const char *path)
{
    (void)dir;
    dk_test_write(path, "", 0);
}

static void make_truncated_half(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.jpg");
    g_byte_array_set_size(b, b->len / 2);
    save(path, b);
    g_byte_array_free(b, TRUE);
}

static void make_truncated_header(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.jpg");
    /* just past the quantisation table: the file ends among the headers */
    size_t dqt = find_marker(b, 0xDB);
    g_byte_array_set_size(b, (guint)(dqt + 10));
    save(path, b);
    g_byte_array_free(b, TRUE);
}

static void make_png_renamed(const char *dir, const char *path)
{
    copy_base(dir, path, "plain.png");
}

static void make_gif_renamed(const char *dir, const char *path)
{
    (void)dir;
    char *q = g_shell_quote(path);
    char *cmd =
        g_strdup_printf("/usr/bin/convert -size 16x16 xc:red gif:%s", q);
    g_free(dk_test_sh_ok("%s", cmd));
    g_free(cmd);
    g_free(q);
}

static void make_text(const char *dir, const char *path)
{
    (void)dir;
    static const char text[] = "Foto kegiatan Bupati Badung, 14 Maret 2025.\n"
                               "Lihat folder berikutnya.\n";
    dk_test_write(path, text, sizeof text - 1);
}

/* Everything from the first SOS on replaced by EOI. */
static void make_no_sos(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.jpg");
    size_t sos = find_marker(b, 0xDA);
    g_byte_array_set_size(b, (guint)sos);
    static const guint8 eoi[] = {0xFF, 0xD9};
    g_byte_array_append(b, eoi, 2);
    save(path, b);
    g_byte_array_free(b, TRUE);
}

/* Rewrites the SOF0 of the plain base: width/height, or one byte. */
static void save_sof_edit(const char *path, GByteArray *b)
{
    save(path, b);
    g_byte_array_free(b, TRUE);
}

static void make_sof_zero_width(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.jpg");
    set_be16(b, find_marker(b, 0xC0) + 7, 0);
    save_sof_edit(path, b);
}

static void make_sof_65535(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.jpg");
    size_t sof = find_marker(b, 0xC0);
    set_be16(b, sof + 5, 65535);
    set_be16(b, sof + 7, 65535);
    save_sof_edit(path, b);
}

static void make_sof_too_many_pixels(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.jpg");
    size_t sof = find_marker(b, 0xC0);
    set_be16(b, sof + 5, 20000);
    set_be16(b, sof + 7, 20000);
    save_sof_edit(path, b);
}

static void make_sof_marker(const char *path, GByteArray *b, guint8 marker)
{
    b->data[find_marker(b, 0xC0) + 1] = marker;
    save_sof_edit(path, b);
}

static void make_lossless(const char *dir, const char *path)
{
    make_sof_marker(path, load_base(dir, "plain.jpg"), 0xC3);
}

static void make_arithmetic(const char *dir, const char *path)
{
    make_sof_marker(path, load_base(dir, "plain.jpg"), 0xC9);
}

static void make_twelve_bit(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.jpg");
    b->data[find_marker(b, 0xC0) + 4] = 12;
    save_sof_edit(path, b);
}

/* Two components claimed, but the header still has room for three. */
static void make_sof_bad_length(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.jpg");
    b->data[find_marker(b, 0xC0) + 9] = 2;
    save_sof_edit(path, b);
}

/* The JFIF segment claims 65535 bytes in a smaller file. */
static void make_segment_past_eof(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.jpg");
    set_be16(b, find_marker(b, 0xDB) + 2, 0xFFFF);
    g_byte_array_set_size(b, 30000 < b->len ? 30000 : b->len);
    save(path, b);
    g_byte_array_free(b, TRUE);
}

static void make_garbage_after_soi(const char *dir, const char *path)
{
    (void)dir;
    static const guint8 bytes[] = {0xFF, 0xD8, 0x00, 0x10, 'J',  'F',
                                   'I',  'F',  0x00, 0x01, 0x02, 0x03};
    dk_test_write(path, bytes, sizeof bytes);
}

static void make_heic_truncated(const char *dir, const char *path)
{
    GByteArray *b = load_base(dir, "plain.heic");
    g_byte_array_set_size(b, 40);
    save(path, b);
    g_byte_array_free(b, TRUE);
}

static void make_png_as_heic(const char *dir, const char *path)
{
    copy_base(dir, path, "plain.png");
}

/* ---- the table ---- */

#define GOOD(file, make, source, warn, trusted)                                \
    {                                                                          \
        file, make, 0, NULL, source, warn, trusted, NULL                       \
    }
/* accepted with a warning on the item that contains text */
#define WARNED(file, make, source, trusted, text)                              \
    {                                                                          \
        file, make, 0, NULL, source, true, trusted, text                       \
    }
#define BAD(file, make, code, message)                                         \
    {                                                                          \
        file, make, code, message, NULL, false, false, NULL                    \
    }

const photo_case photo_cases[] = {
    /* valid photos; EXIF facts confirmed by exiftool */
    GOOD("exif-full.jpg", make_exiftool_full, "exif", false, true),
    GOOD("exif-no-offset.JPG", make_exiftool_no_offset, "exif", false, true),
    GOOD("exif-big-endian.jpeg", make_exif_big_endian, "exif", false, true),
    GOOD("no-exif.jpg", make_plain, "file-time", false, true),
    GOOD("WhatsApp Image 2024-09-02 at 14.11.22.jpeg", make_plain, "filename",
         false, true),
    GOOD("IMG-20240902-WA0012.jpg", make_plain, "filename", false, true),
    GOOD("PXL_20240902_061122123.jpg", make_plain, "filename", false, true),
    GOOD("cmyk.jpg", make_cmyk, "file-time", false, true),
    GOOD("grey.jpg", make_grey, "file-time", false, true),
    GOOD("progressive.jpg", make_progressive, "file-time", false, true),
    GOOD("restart-markers.jpg", make_restart_markers, "file-time", false, true),
    GOOD("trailing-data.jpg", make_trailing_data, "file-time", false, true),
    GOOD("fill-bytes.jpg", make_fill_bytes, "file-time", false, true),
    GOOD("orientation-1.jpg", make_orientation_1, "exif", false, true),
    GOOD("orientation-2.jpg", make_orientation_2, "exif", false, true),
    GOOD("orientation-3.jpg", make_orientation_3, "exif", false, true),
    GOOD("orientation-4.jpg", make_orientation_4, "exif", false, true),
    GOOD("orientation-5.jpg", make_orientation_5, "exif", false, true),
    GOOD("orientation-6.jpg", make_orientation_6, "exif", false, true),
    GOOD("orientation-7.jpg", make_orientation_7, "exif", false, true),
    GOOD("orientation-8.jpg", make_orientation_8, "exif", false, true),
    GOOD("phone.heic", make_heic, "exif", false, true),
    /* hostile EXIF: the photo is still accepted */
    WARNED("exif-ifd-loop.jpg", make_exif_ifd_loop, "exif", false,
           "EXIF: IFD1 loops back to IFD0; the loop was cut"),
    WARNED("exif-subifd-loop.jpg", make_exif_subifd_loop, "file-time", false,
           "EXIF: ExifIFD loops back to IFD0; the loop was cut"),
    WARNED("exif-count-past-end.jpg", make_exif_count_past_end, "exif", false,
           "EXIF: IFD0 claims 65535 entries, only"),
    WARNED("exif-offset-past-end.jpg", make_exif_offset_past_end, "exif", false,
           "EXIF: IFD0 entry 0x010f (Make) points past the end of the APP1 "
           "segment; dropped"),
    WARNED("exif-value-count-huge.jpg", make_exif_value_count_huge, "exif",
           false,
           "EXIF: IFD0 entry 0x0110 (Model) points past the end of the APP1 "
           "segment; dropped"),
    WARNED("exif-ifd0-past-end.jpg", make_exif_ifd0_past_end, "file-time",
           false, "EXIF: IFD0 offset 4294967280 lies outside"),
    WARNED("exif-truncated.jpg", make_exif_truncated, "file-time", false,
           "EXIF: IFD0 claims 5 entries, only 1 fits in the APP1 segment"),
    WARNED("exif-garbage.jpg", make_exif_garbage, "file-time", false,
           "EXIF: no TIFF header"),
    WARNED("exif-bad-datetime.jpg", make_exif_bad_datetime, "file-time", false,
           "is not a valid time"),
    WARNED("exif-gps-zero-denominator.jpg", make_exif_gps_zero_denominator,
           "exif", false, "EXIF: GPS latitude is unreadable"),
    /* implausible but readable: kept (the time) or dropped (the place) */
    WARNED("exif-1970.jpg", make_exif_1970, "exif", true,
           "EXIF: DateTimeOriginal 1970:01:01 00:03:12 is before 1990: the "
           "camera clock was likely unset; the time is kept"),
    WARNED("exif-placeholder-time.jpg", make_exif_placeholder_time, "file-time",
           false,
           "EXIF: DateTimeOriginal is the placeholder \"0000:00:00 00:00:00\""),
    WARNED("exif-future.jpg", make_exif_future, "exif", true,
           "more than a day in the future"),
    WARNED("exif-gps-zero.jpg", make_exif_gps_zero, "exif", false,
           "EXIF: GPS position is 0, 0 (the camera had no fix); not used"),
    WARNED("exif-gps-latitude-95.jpg", make_exif_gps_latitude_95, "exif", false,
           "EXIF: GPS latitude 95.500000 is out of range"),
    WARNED("exif-gps-longitude-200.jpg", make_exif_gps_longitude_200, "exif",
           false, "EXIF: GPS longitude 200.000000 is out of range"),
    /* broken: one clear error each */
    BAD("empty.jpg", make_empty, DK_ERR_INVALID, "empty file"),
    BAD("truncated-half.jpg", make_truncated_half, DK_ERR_INVALID,
        "truncated JPEG"),
    BAD("truncated-header.jpg", make_truncated_header, DK_ERR_INVALID,
        "truncated"),
    BAD("png-renamed.jpg", make_png_renamed, DK_ERR_INVALID,
        "not a JPEG (looks like PNG)"),
    BAD("gif-renamed.JPG", make_gif_renamed, DK_ERR_INVALID,
        "not a JPEG (looks like GIF)"),
    BAD("notes.jpg", make_text, DK_ERR_INVALID, "not a JPEG (looks like text)"),
    BAD("no-sos.jpg", make_no_sos, DK_ERR_INVALID, "no image data"),
    BAD("zero-width.jpg", make_sof_zero_width, DK_ERR_INVALID,
        "invalid JPEG dimensions 0x240"),
    BAD("absurd-65535.jpg", make_sof_65535, DK_ERR_UNSUPPORTED,
        "65535x65535 exceed the 65500-pixel limit"),
    BAD("absurd-400mp.jpg", make_sof_too_many_pixels, DK_ERR_UNSUPPORTED,
        "250 MP limit"),
    BAD("lossless.jpg", make_lossless, DK_ERR_UNSUPPORTED,
        "lossless JPEG (SOF3) is not supported"),
    BAD("arithmetic.jpg", make_arithmetic, DK_ERR_UNSUPPORTED,
        "arithmetic-coded JPEG (SOF9) is not supported"),
    BAD("twelve-bit.jpg", make_twelve_bit, DK_ERR_UNSUPPORTED,
        "12-bit JPEG is not supported"),
    BAD("sof-bad-length.jpg", make_sof_bad_length, DK_ERR_INVALID,
        "frame header length"),
    BAD("segment-past-eof.jpg", make_segment_past_eof, DK_ERR_INVALID,
        "past the end of the file"),
    BAD("garbage-after-soi.jpg", make_garbage_after_soi, DK_ERR_INVALID,
        "expected a marker at byte 2"),
    BAD("truncated.heic", make_heic_truncated, DK_ERR_INVALID,
        "corrupt or unsupported HEIF"),
    BAD("png-renamed.heic", make_png_as_heic, DK_ERR_INVALID,
        "not a HEIF image (looks like PNG)"),
};

const size_t photo_case_count = G_N_ELEMENTS(photo_cases);

void photo_corpus_build(const char *dir)
{
    g_mkdir_with_parents(dir, 0755);
    make_bases(dir);
    for (size_t i = 0; i < photo_case_count; i++) {
        char *path = g_build_filename(dir, photo_cases[i].file, NULL);
        photo_cases[i].make(dir, path);
        /* a known file time for the file-time fallback */
        struct timespec times[2] = {{PHOTO_CORPUS_MTIME, 0},
                                    {PHOTO_CORPUS_MTIME, 0}};
        if (utimensat(AT_FDCWD, path, times, 0) != 0) {
            fprintf(stderr, "corpus: cannot set the time of %s\n", path);
            abort();
        }
        g_free(path);
    }
}
