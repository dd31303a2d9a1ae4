/* transcode.photo — the contact sheet: one JPEG with every thumbnail of
 * the event on a grid, for picking photos at a glance. */
#ifndef TRANSCODE_PHOTO_SHEET_H
#define TRANSCODE_PHOTO_SHEET_H

#include <stddef.h>

#include <dokpim/error.h>

typedef struct transcode_photo_sheet transcode_photo_sheet;

/* cell: the thumbnail long edge the cells are sized for. */
transcode_photo_sheet *transcode_photo_sheet_new(int cell);
/* Records a thumbnail written in this run; called from worker threads. */
void transcode_photo_sheet_add(transcode_photo_sheet *sheet,
                               const char *thumb_path);
/* Writes the sheet of every thumbnail in the folders this run wrote
 * thumbnails to (so a re-run that redoes two photos still gets a sheet of
 * the whole event), in file-name order. Nothing is written when the run
 * wrote no thumbnail. */
int transcode_photo_sheet_finish(transcode_photo_sheet *sheet, const char *path,
                                 dk_error *err);
void transcode_photo_sheet_free(transcode_photo_sheet **sheet);

/* Lays the thumbnails out on a grid of cell-sized cells and encodes it
 * one row of cells at a time, so memory stays the same for 40 or 4000
 * photos. A thumbnail that cannot be read leaves its cell empty. */
int transcode_photo_sheet_write(const char *path, const char *const *thumbs,
                                size_t count, int cell, int quality,
                                dk_error *err);

#endif
