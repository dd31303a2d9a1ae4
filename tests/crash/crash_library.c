/* What must hold in a library after a kill and after the re-run; see
 * crash_trials.h. */
#include "crash_trials.h"

#include <dokpim/fileio.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dk_test.h"

static void walk(const char *root, const char *relative, GPtrArray *out)
{
    g_autofree char *path =
        relative[0] ? g_build_filename(root, relative, NULL) : g_strdup(root);
    GDir *dir = g_dir_open(path, 0, NULL);
    if (!dir)
        return;
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        char *child = relative[0] ? g_build_filename(relative, name, NULL)
                                  : g_strdup(name);
        g_autofree char *full = g_build_filename(root, child, NULL);
        if (g_file_test(full, G_FILE_TEST_IS_DIR)) {
            walk(root, child, out);
            g_free(child);
        } else {
            g_ptr_array_add(out, child);
        }
    }
    g_dir_close(dir);
}

/* g_ptr_array_sort hands the comparator pointers to the elements, not the
 * strings themselves. */
static gint compare_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Files under root/sub, as paths relative to root (sub/...), sorted. */
static GPtrArray *files_under(const char *root, const char *sub)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    walk(root, sub, out);
    g_ptr_array_sort(out, compare_paths);
    return out;
}

GHashTable *crash_hash_tree(const char *dir)
{
    GHashTable *hashes =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GPtrArray) files = files_under(dir, "");
    for (guint i = 0; i < files->len; i++) {
        g_autofree char *path = g_build_filename(dir, files->pdata[i], NULL);
        g_hash_table_insert(hashes, g_strdup(files->pdata[i]),
                            dk_test_sha256(path));
    }
    return hashes;
}

static uint64_t read_be(const guint8 *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static int compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the lines of an XMP packet in place (same bytes, same length). */
static void sort_lines(guint8 *data, gsize length)
{
    g_autofree char *text = g_strndup((const char *)data, length);
    if (strlen(text) != length)
        return; /* a NUL inside: not text, leave it */
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    qsort(lines, g_strv_length(lines), sizeof *lines, compare_lines);
    g_autofree char *sorted = g_strjoinv("\n", lines);
    memcpy(data, sorted, length);
}

/* The uuid box Adobe's XMP specification (part 3) names for MP4 files. */
static const guint8 xmp_uuid[16] = {0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9,
                                    0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94,
                                    0x91, 0xE3, 0xAF, 0xAC};

/* Zeroes creation_time and modification_time, the two fields after the
 * version and flags of mvhd, tkhd and mdhd (32 bits each in version 0,
 * 64 in version 1), and puts the lines of the XMP packet in order, in the
 * boxes between at and end. */
static void zero_mp4_times(guint8 *data, gsize at, gsize end)
{
    while (at + 8 <= end) {
        uint64_t size = read_be(data + at, 4);
        gsize header = 8;
        if (size == 1 && at + 16 <= end) {
            size = read_be(data + at + 8, 8);
            header = 16;
        } else if (size == 0) {
            size = end - at;
        }
        if (size < header || size > end - at)
            return; /* not a box: leave the rest as it is */
        const char *type = (const char *)data + at + 4;
        if (!memcmp(type, "moov", 4) || !memcmp(type, "trak", 4) ||
            !memcmp(type, "mdia", 4)) {
            zero_mp4_times(data, at + header, at + size);
        } else if (!memcmp(type, "mvhd", 4) || !memcmp(type, "tkhd", 4) ||
                   !memcmp(type, "mdhd", 4)) {
            gsize fields = at + header + 4;
            gsize width = data[at + header] == 1 ? 8 : 4;
            if (fields + 2 * width <= at + size)
                memset(data + fields, 0, 2 * width);
        } else if (!memcmp(type, "uuid", 4) && size >= header + 16 &&
                   !memcmp(data + at + header, xmp_uuid, 16)) {
            sort_lines(data + at + header + 16, size - header - 16);
        }
        at += size;
    }
}

static bool is_mp4_name(const char *path)
{
    g_autofree char *lower = g_ascii_strdown(path, -1);
    return g_str_has_suffix(lower, ".mp4") || g_str_has_suffix(lower, ".mov");
}

bool crash_same_output(const char *a, const char *b)
{
    gsize a_len = 0, b_len = 0;
    g_autofree char *a_data = dk_test_read(a, &a_len);
    g_autofree char *b_data = dk_test_read(b, &b_len);
    if (!a_data || !b_data || a_len != b_len)
        return false;
    if (is_mp4_name(a)) {
        zero_mp4_times((guint8 *)a_data, 0, a_len);
        zero_mp4_times((guint8 *)b_data, 0, b_len);
    }
    return memcmp(a_data, b_data, a_len) == 0;
}

/* originals/ab/<sha256>.ext holds content whose sha256 is <sha256>. */
static bool original_matches_name(const char *library, const char *relative)
{
    g_autofree char *base = g_path_get_basename(relative);
    char *dot = strchr(base, '.');
    if (dot)
        *dot = '\0';
    g_autofree char *path = g_build_filename(library, relative, NULL);
    g_autofree char *sha = dk_test_sha256(path);
    return sha && strcmp(sha, base) == 0;
}

/* By its mode bits: access(2) says yes to root whatever they are. */
static bool writable(const char *path)
{
    GStatBuf st;
    return g_stat(path, &st) != 0 || (st.st_mode & 0222) != 0;
}

static bool manifest_parses(const char *path)
{
    g_autoptr(GKeyFile) file = g_key_file_new();
    return g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, NULL) &&
           g_key_file_has_key(file, "item", "sha256", NULL);
}

/* Checks the files of one folder of the library against the reference;
 * returns how many temp files it holds. */
static int check_folder(const char *library, const char *reference,
                        const char *sub, crash_tally *tally, const char *trial)
{
    g_autoptr(GPtrArray) files = files_under(library, sub);
    int temps = 0;
    for (guint i = 0; i < files->len; i++) {
        const char *relative = files->pdata[i];
        g_autofree char *base = g_path_get_basename(relative);
        if (dk_is_temp_name(base)) {
            temps++;
            continue;
        }
        g_autofree char *mine = g_build_filename(library, relative, NULL);
        g_autofree char *theirs = g_build_filename(reference, relative, NULL);
        if (!strcmp(sub, "items")) {
            if (!manifest_parses(mine))
                crash_fail(tally, trial, "manifest %s is not whole", relative);
        } else if (!g_file_test(theirs, G_FILE_TEST_IS_REGULAR)) {
            crash_fail(tally, trial, "%s is not in the uninterrupted run",
                       relative);
        } else if (!strcmp(sub, "originals") &&
                   !original_matches_name(library, relative)) {
            crash_fail(tally, trial, "original %s does not hold its hash",
                       relative);
        } else if (!strcmp(sub, "originals") && writable(mine)) {
            crash_fail(tally, trial, "original %s is writable", relative);
        } else if (!crash_same_output(mine, theirs)) {
            crash_fail(tally, trial, "%s differs from the uninterrupted run",
                       relative);
        }
    }
    return temps;
}

static const char *const checked_folders[] = {"originals", "derived", "items"};

int crash_check_after_kill(const char *library, const char *reference,
                           crash_tally *tally, const char *trial)
{
    int temps = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(checked_folders); i++)
        temps +=
            check_folder(library, reference, checked_folders[i], tally, trial);
    return temps;
}

void crash_check_finished(const char *library, const char *reference,
                          crash_tally *tally, const char *trial)
{
    int temps = crash_check_after_kill(library, reference, tally, trial);
    if (temps)
        crash_fail(tally, trial, "%d temp files left after the re-run", temps);
    /* what the reference has and the library lacks */
    for (size_t i = 0; i < 2; i++) {
        g_autoptr(GPtrArray) wanted =
            files_under(reference, checked_folders[i]);
        for (guint f = 0; f < wanted->len; f++) {
            g_autofree char *mine =
                g_build_filename(library, wanted->pdata[f], NULL);
            if (!g_file_test(mine, G_FILE_TEST_IS_REGULAR))
                crash_fail(tally, trial, "%s missing after the re-run",
                           (char *)wanted->pdata[f]);
        }
    }
}
