/* transcode.photo — the contact sheet of an event, for the morning
 * meeting: every thumbnail on a grid with its file name, number, capture
 * time, rating, pick/reject mark and caption under it, as JPEG, PDF (A4,
 * paged) and HTML. */
#ifndef TRANSCODE_PHOTO_SHEET_H
#define TRANSCODE_PHOTO_SHEET_H

#include <cairo.h>
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include <dokpim/error.h>

/* sheet-format bits */
enum {
    TRANSCODE_PHOTO_SHEET_JPEG = 1 << 0,
    TRANSCODE_PHOTO_SHEET_PDF = 1 << 1,
    TRANSCODE_PHOTO_SHEET_HTML = 1 << 2,
};

/* In the order of the sheet-order and sheet-only choices. */
typedef enum { SHEET_ORDER_SEQ = 0, SHEET_ORDER_TIME } sheet_order;
typedef enum {
    SHEET_ONLY_ALL = 0,
    SHEET_ONLY_PICKED,
    SHEET_ONLY_NOT_REJECTED
} sheet_only;

/* What is printed under one thumbnail. Strings are owned by the cell. */
typedef struct transcode_photo_sheet_cell {
    char *thumb;   /* absolute path of the thumbnail */
    char *web;     /* absolute path of the web copy, NULL: none */
    char *name;    /* the original's file name */
    int seq;       /* {seq}; 0: unknown */
    char *time;    /* capture time in the event's zone; NULL: unknown */
    gint64 when;   /* the same as Unix seconds, for sheet-order=time */
    int rating;    /* 0 unrated, 1..5 */
    char *label;   /* "pick", "reject" or NULL */
    char *caption; /* NULL: none */
} transcode_photo_sheet_cell;

void transcode_photo_sheet_cell_clear(transcode_photo_sheet_cell *cell);

/* How the sheets look; strings are borrowed. */
typedef struct transcode_photo_sheet_options {
    unsigned formats; /* TRANSCODE_PHOTO_SHEET_* bits */
    int cell;         /* thumbnail long edge the JPEG's cells are sized for */
    int columns;      /* 0: the format's own choice */
    int per_page;     /* PDF: photos per A4 page */
    sheet_order order;
    sheet_only only;
    const char *title, *date, *place; /* the header; NULL: left out */
    int quality;                      /* JPEG sheet */
} transcode_photo_sheet_options;

/* ---- collecting during a run (transcode_photo_sheet.c) ---- */
typedef struct transcode_photo_sheet transcode_photo_sheet;

transcode_photo_sheet *
transcode_photo_sheet_new(const transcode_photo_sheet_options *options);
/* Records a thumbnail written in this run and keeps what its cell shows
 * in a small note beside it (<thumbs>/.sheet/<name>.ini, atomically), so
 * a later run that redoes only some photos still labels every cell.
 * Called from worker threads. */
int transcode_photo_sheet_add(transcode_photo_sheet *sheet,
                              const transcode_photo_sheet_cell *cell,
                              dk_error *err);
/* Writes base.jpg / base.pdf / base.html (as the formats ask) of every
 * thumbnail in the folders this run wrote thumbnails to (so a re-run that
 * redoes two photos still gets a sheet of the whole event), in the order
 * and selection the options ask for. Nothing is written when the run
 * wrote no thumbnail or the selection is empty. */
int transcode_photo_sheet_finish(transcode_photo_sheet *sheet, const char *base,
                                 dk_error *err);
void transcode_photo_sheet_free(transcode_photo_sheet **sheet);

/* Orders and filters cells in place as the options ask; returns how many
 * are kept (the rest are cleared). */
size_t transcode_photo_sheet_select(transcode_photo_sheet_cell *cells,
                                    size_t count,
                                    const transcode_photo_sheet_options *o);

/* path as seen from folder from_dir ("../web/a.jpg"), for links that
 * survive the library being moved; both absolute. g_free() it. */
char *transcode_photo_sheet_relative(const char *from_dir, const char *path);

/* Copies packed RGB into an RGB24 image surface at (x0, y0), in cairo's
 * native-endian xRGB; the caller marks the surface dirty. */
struct transcode_photo_image;
void transcode_photo_sheet_blit(cairo_surface_t *surface,
                                const struct transcode_photo_image *t, int x0,
                                int y0);

/* Decodes a thumbnail fitted into cell x cell (0: at its own size);
 * false when it is missing or no JPEG. With bytes, also hands over the
 * file's bytes (g_bytes_unref). */
bool transcode_photo_sheet_load(const char *path, int cell,
                                struct transcode_photo_image *out,
                                GBytes **bytes);

/* ---- the writers; cells are already ordered and filtered, count > 0 ---- */
/* A grid of cell-sized cells with the text under each, encoded one row of
 * cells at a time, so memory stays the same for 40 or 4000 photos. A
 * thumbnail that cannot be read leaves a marked, still labelled cell. */
int transcode_photo_sheet_write(const char *path,
                                const transcode_photo_sheet_cell *cells,
                                size_t count,
                                const transcode_photo_sheet_options *o,
                                dk_error *err);
/* A4 portrait pages, thumbnails embedded as their own JPEG bytes. */
int transcode_photo_sheet_write_pdf(const char *path,
                                    const transcode_photo_sheet_cell *cells,
                                    size_t count,
                                    const transcode_photo_sheet_options *o,
                                    dk_error *err);
/* One self-contained page linking the thumbnails and web copies by paths
 * relative to the page. */
int transcode_photo_sheet_write_html(const char *path,
                                     const transcode_photo_sheet_cell *cells,
                                     size_t count,
                                     const transcode_photo_sheet_options *o,
                                     dk_error *err);

/* ---- text shared by the JPEG and PDF sheets (transcode_photo_sheet_text.c)
 */
/* The lines under a thumbnail, for any writer: "#12  name.jpg", the time
 * ("time unknown"), stars and mark ("★★★☆☆  PICK"). Each is valid UTF-8
 * with control characters shown as U+FFFD; g_free() them. */
char *transcode_photo_sheet_title_line(const transcode_photo_sheet_cell *c);
const char *
transcode_photo_sheet_time_line(const transcode_photo_sheet_cell *c);
char *transcode_photo_sheet_stars(int rating);
/* Text safe to print: valid UTF-8, control characters replaced. */
char *transcode_photo_sheet_printable(const char *text);
/* How tall the text block under a thumbnail is for a font of size px. */
double transcode_photo_sheet_text_height(double size);
/* Draws the text block of c with its top-left at (x, y), width w, in a
 * sans font of size px (user units): lines never run past w (ellipsis),
 * the caption wraps to two lines. light: light text on a dark cell. */
void transcode_photo_sheet_draw_text(cairo_t *cr,
                                     const transcode_photo_sheet_cell *c,
                                     double x, double y, double w, double size,
                                     bool light);
/* One bold centred line (such as "no thumbnail") in the box at (x, y). */
void transcode_photo_sheet_draw_note(cairo_t *cr, const char *text, double x,
                                     double y, double w, double size,
                                     bool light);
/* "title · date · place", the parts the event has, printable. */
char *transcode_photo_sheet_heading(const transcode_photo_sheet_options *o);
/* The header "title · date · place" left and "page n of m" right. */
void transcode_photo_sheet_draw_header(cairo_t *cr,
                                       const transcode_photo_sheet_options *o,
                                       double x, double y, double w,
                                       double size, int page, int pages,
                                       bool light);

#endif
