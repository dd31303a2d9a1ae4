/* transcode.photo — collecting the thumbnails for the contact sheet.
 *
 * process() sees one photo at a time on several threads, so the sheet is
 * made once the run is over, in finish(). It covers the folders this run
 * wrote thumbnails into rather than only this run's thumbnails: a re-run
 * that redoes two failed photos must not shrink the sheet to two. */
#include "transcode_photo_sheet.h"

#include <dokpim/fileio.h>
#include <glib.h>
#include <string.h>

struct transcode_photo_sheet {
    GMutex lock;
    GHashTable *folders; /* set of folder paths */
    int cell;
    size_t written;
};

transcode_photo_sheet *transcode_photo_sheet_new(int cell)
{
    transcode_photo_sheet *sheet = g_new0(transcode_photo_sheet, 1);
    g_mutex_init(&sheet->lock);
    sheet->folders =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    sheet->cell = cell;
    return sheet;
}

void transcode_photo_sheet_add(transcode_photo_sheet *sheet,
                               const char *thumb_path)
{
    char *folder = g_path_get_dirname(thumb_path);
    g_mutex_lock(&sheet->lock);
    g_hash_table_add(sheet->folders, folder);
    sheet->written++;
    g_mutex_unlock(&sheet->lock);
}

static bool is_jpeg_name(const char *name)
{
    return !dk_is_temp_name(name) &&
           (g_str_has_suffix(name, ".jpg") || g_str_has_suffix(name, ".jpeg") ||
            g_str_has_suffix(name, ".JPG"));
}

/* File-name order is event order: the default templates start with the
 * date and end with the sequence number. */
static int by_name(gconstpointer a, gconstpointer b)
{
    const char *pa = *(const char *const *)a, *pb = *(const char *const *)b;
    int c = strcmp(strrchr(pa, '/') ? strrchr(pa, '/') : pa,
                   strrchr(pb, '/') ? strrchr(pb, '/') : pb);
    return c ? c : strcmp(pa, pb);
}

int transcode_photo_sheet_finish(transcode_photo_sheet *sheet, const char *path,
                                 dk_error *err)
{
    if (sheet->written == 0)
        return 0;
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter it;
    gpointer folder;
    g_hash_table_iter_init(&it, sheet->folders);
    while (g_hash_table_iter_next(&it, &folder, NULL)) {
        GDir *dir = g_dir_open(folder, 0, NULL);
        const char *name;
        while (dir && (name = g_dir_read_name(dir)) != NULL)
            if (is_jpeg_name(name))
                g_ptr_array_add(files, g_build_filename(folder, name, NULL));
        if (dir)
            g_dir_close(dir);
    }
    g_ptr_array_sort(files, by_name);
    int rc =
        transcode_photo_sheet_write(path, (const char *const *)files->pdata,
                                    files->len, sheet->cell, 85, err);
    g_ptr_array_unref(files);
    return rc;
}

void transcode_photo_sheet_free(transcode_photo_sheet **sheet)
{
    if (!sheet || !*sheet)
        return;
    g_hash_table_unref((*sheet)->folders);
    g_mutex_clear(&(*sheet)->lock);
    g_free(*sheet);
    *sheet = NULL;
}
