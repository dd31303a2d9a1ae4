/* transcode.photo — collecting the cells of the contact sheet.
 *
 * process() sees one photo at a time on several threads, so the sheet is
 * made once the run is over, in finish(). It covers the folders this run
 * wrote thumbnails into rather than only this run's thumbnails: a re-run
 * that redoes two failed photos (or the one photo whose rating changed)
 * must not shrink the sheet to two. What a cell shows is known only while
 * its item is processed, so process() leaves it in a note beside the
 * thumbnail (<thumbs>/.sheet/<thumbnail>.ini); a thumbnail without a note
 * still gets its cell, labelled with its own file name. */
#include "transcode_photo_sheet.h"

#include <dokpim/fileio.h>
#include <stdlib.h>
#include <string.h>

#define NOTE_DIR   ".sheet"
#define NOTE_GROUP "cell"

struct transcode_photo_sheet {
    GMutex lock;
    GHashTable *folders; /* set of folder paths */
    transcode_photo_sheet_options options;
    char *title, *date, *place; /* owned copies behind options */
    size_t written;
};

transcode_photo_sheet *
transcode_photo_sheet_new(const transcode_photo_sheet_options *options)
{
    transcode_photo_sheet *sheet = g_new0(transcode_photo_sheet, 1);
    g_mutex_init(&sheet->lock);
    sheet->folders =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    sheet->options = *options;
    sheet->options.title = sheet->title = g_strdup(options->title);
    sheet->options.date = sheet->date = g_strdup(options->date);
    sheet->options.place = sheet->place = g_strdup(options->place);
    return sheet;
}

char *transcode_photo_sheet_relative(const char *from_dir, const char *path)
{
    g_auto(GStrv) from = g_strsplit(from_dir, "/", -1);
    g_auto(GStrv) to = g_strsplit(path, "/", -1);
    size_t common = 0;
    while (from[common] && to[common] && strcmp(from[common], to[common]) == 0)
        common++;
    GString *rel = g_string_new(NULL);
    for (size_t i = common; from[i]; i++)
        if (*from[i])
            g_string_append(rel, "../");
    for (size_t i = common; to[i]; i++)
        g_string_append_printf(rel, "%s%s", to[i], to[i + 1] ? "/" : "");
    return g_string_free(rel, FALSE);
}

static char *note_path(const char *thumb)
{
    g_autofree char *dir = g_path_get_dirname(thumb);
    g_autofree char *base = g_path_get_basename(thumb);
    g_autofree char *name = g_strconcat(base, ".ini", NULL);
    return g_build_filename(dir, NOTE_DIR, name, NULL);
}

int transcode_photo_sheet_add(transcode_photo_sheet *sheet,
                              const transcode_photo_sheet_cell *cell,
                              dk_error *err)
{
    GKeyFile *kf = g_key_file_new();
    g_key_file_set_string(kf, NOTE_GROUP, "name", cell->name ? cell->name : "");
    g_key_file_set_integer(kf, NOTE_GROUP, "seq", cell->seq);
    if (cell->time) {
        g_key_file_set_string(kf, NOTE_GROUP, "time", cell->time);
        g_key_file_set_int64(kf, NOTE_GROUP, "when", cell->when);
    }
    g_key_file_set_integer(kf, NOTE_GROUP, "rating", cell->rating);
    if (cell->label)
        g_key_file_set_string(kf, NOTE_GROUP, "label", cell->label);
    if (cell->caption)
        g_key_file_set_string(kf, NOTE_GROUP, "caption", cell->caption);
    if (cell->web) {
        /* relative, so the library can move */
        g_autofree char *dir = g_path_get_dirname(cell->thumb);
        g_autofree char *rel = transcode_photo_sheet_relative(dir, cell->web);
        g_key_file_set_string(kf, NOTE_GROUP, "web", rel);
    }
    gsize size = 0;
    g_autofree char *data = g_key_file_to_data(kf, &size, NULL);
    g_key_file_free(kf);
    char *folder = g_path_get_dirname(cell->thumb);
    g_mutex_lock(&sheet->lock);
    g_hash_table_add(sheet->folders, folder);
    sheet->written++;
    g_mutex_unlock(&sheet->lock);
    /* after the folder is known: without its note the cell still shows */
    g_autofree char *path = note_path(cell->thumb);
    return dk_atomic_write_file(path, data, size, err);
}

/* The cell of one thumbnail: from its note, else from its name. */
static void read_cell(const char *thumb, transcode_photo_sheet_cell *c)
{
    memset(c, 0, sizeof *c);
    c->thumb = g_strdup(thumb);
    c->when = G_MININT64;
    g_autofree char *path = note_path(thumb);
    GKeyFile *kf = g_key_file_new();
    if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL)) {
        c->name = g_key_file_get_string(kf, NOTE_GROUP, "name", NULL);
        c->seq = g_key_file_get_integer(kf, NOTE_GROUP, "seq", NULL);
        c->time = g_key_file_get_string(kf, NOTE_GROUP, "time", NULL);
        if (c->time)
            c->when = g_key_file_get_int64(kf, NOTE_GROUP, "when", NULL);
        c->rating =
            CLAMP(g_key_file_get_integer(kf, NOTE_GROUP, "rating", NULL), 0, 5);
        c->label = g_key_file_get_string(kf, NOTE_GROUP, "label", NULL);
        c->caption = g_key_file_get_string(kf, NOTE_GROUP, "caption", NULL);
        g_autofree char *web =
            g_key_file_get_string(kf, NOTE_GROUP, "web", NULL);
        if (web) {
            g_autofree char *dir = g_path_get_dirname(thumb);
            c->web = g_canonicalize_filename(web, dir);
        }
    }
    g_key_file_free(kf);
    if (!c->name || !*c->name) {
        g_free(c->name);
        c->name = g_path_get_basename(thumb);
    }
}

static bool is_jpeg_name(const char *name)
{
    return !dk_is_temp_name(name) &&
           (g_str_has_suffix(name, ".jpg") || g_str_has_suffix(name, ".jpeg") ||
            g_str_has_suffix(name, ".JPG"));
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Without a number or a time, file-name order is event order: the default
 * templates start with the date and end with the sequence number. */
static int by_name(const transcode_photo_sheet_cell *a,
                   const transcode_photo_sheet_cell *b)
{
    int c = strcmp(base_name(a->thumb), base_name(b->thumb));
    return c ? c : strcmp(a->thumb, b->thumb);
}

static int by_seq(const void *pa, const void *pb)
{
    const transcode_photo_sheet_cell *a = pa, *b = pb;
    if (a->seq != b->seq && a->seq > 0 && b->seq > 0)
        return a->seq < b->seq ? -1 : 1;
    return by_name(a, b);
}

/* Unknown times go last, in number order. */
static int by_time(const void *pa, const void *pb)
{
    const transcode_photo_sheet_cell *a = pa, *b = pb;
    if (a->when != b->when)
        return a->when == G_MININT64   ? 1
               : b->when == G_MININT64 ? -1
               : a->when < b->when     ? -1
                                       : 1;
    return by_seq(a, b);
}

static bool wanted(const transcode_photo_sheet_cell *c, sheet_only only)
{
    bool pick = c->label && strcmp(c->label, "pick") == 0;
    bool reject = c->label && strcmp(c->label, "reject") == 0;
    return only == SHEET_ONLY_ALL || (only == SHEET_ONLY_PICKED && pick) ||
           (only == SHEET_ONLY_NOT_REJECTED && !reject);
}

size_t transcode_photo_sheet_select(transcode_photo_sheet_cell *cells,
                                    size_t count,
                                    const transcode_photo_sheet_options *o)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (wanted(&cells[i], o->only))
            cells[kept++] = cells[i];
        else
            transcode_photo_sheet_cell_clear(&cells[i]);
    }
    if (kept > 1) /* cells may be NULL when there are none */
        qsort(cells, kept, sizeof *cells,
              o->order == SHEET_ORDER_TIME ? by_time : by_seq);
    return kept;
}

typedef int (*sheet_writer)(const char *, const transcode_photo_sheet_cell *,
                            size_t, const transcode_photo_sheet_options *,
                            dk_error *);

static const struct {
    unsigned bit;
    const char *ext;
    sheet_writer write;
} writers[] = {
    {TRANSCODE_PHOTO_SHEET_JPEG, ".jpg", transcode_photo_sheet_write},
    {TRANSCODE_PHOTO_SHEET_PDF, ".pdf", transcode_photo_sheet_write_pdf},
    {TRANSCODE_PHOTO_SHEET_HTML, ".html", transcode_photo_sheet_write_html},
};

int transcode_photo_sheet_finish(transcode_photo_sheet *sheet, const char *base,
                                 dk_error *err)
{
    if (sheet->written == 0)
        return 0;
    GArray *cells =
        g_array_new(FALSE, TRUE, sizeof(transcode_photo_sheet_cell));
    GHashTableIter it;
    gpointer folder;
    g_hash_table_iter_init(&it, sheet->folders);
    while (g_hash_table_iter_next(&it, &folder, NULL)) {
        GDir *dir = g_dir_open(folder, 0, NULL);
        const char *name;
        while (dir && (name = g_dir_read_name(dir)) != NULL) {
            if (!is_jpeg_name(name))
                continue;
            g_autofree char *thumb = g_build_filename(folder, name, NULL);
            transcode_photo_sheet_cell c;
            read_cell(thumb, &c);
            g_array_append_val(cells, c);
        }
        if (dir)
            g_dir_close(dir);
    }
    transcode_photo_sheet_cell *all = (transcode_photo_sheet_cell *)cells->data;
    size_t kept =
        transcode_photo_sheet_select(all, cells->len, &sheet->options);
    int rc = 0;
    for (size_t i = 0; kept && !rc && i < G_N_ELEMENTS(writers); i++) {
        if (!(sheet->options.formats & writers[i].bit))
            continue;
        g_autofree char *path = g_strconcat(base, writers[i].ext, NULL);
        rc = writers[i].write(path, all, kept, &sheet->options, err);
        if (rc)
            dk_error_prefix(err, "%s: ", base_name(path));
    }
    for (size_t i = 0; i < kept; i++)
        transcode_photo_sheet_cell_clear(&all[i]);
    g_array_free(cells, TRUE);
    return rc;
}

void transcode_photo_sheet_free(transcode_photo_sheet **sheet)
{
    if (!sheet || !*sheet)
        return;
    g_hash_table_unref((*sheet)->folders);
    g_mutex_clear(&(*sheet)->lock);
    g_free((*sheet)->title);
    g_free((*sheet)->date);
    g_free((*sheet)->place);
    g_free(*sheet);
    *sheet = NULL;
}
