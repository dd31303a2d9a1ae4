/* transcode.photo — web JPEG, thumbnail and contact sheet from one decode.
 *
 *   [pipeline]  stages=ingest;stamp;watermark;web
 *   [web]       plugin=transcode.photo
 *               web-size=2048
 *               metadata=keep
 *
 * For each photo: decode once with libjpeg-turbo at the smallest DCT scale
 * that covers web-size, resample to the exact size while turning the
 * pixels upright (EXIF orientation from ingest.photo), make the thumbnail
 * from those web pixels, blend the watermark watermark.photo asked for at
 * each size, encode, write atomically. The web JPEG becomes the main line;
 * the thumbnail is a side derivative. With contact-sheet=true, finish()
 * lays the run's thumbnails out on a contact sheet (JPEG, PDF, HTML) with
 * each photo's name, number, time, rating and caption. */
#include "transcode_photo.h"
#include "transcode_photo_sheet.h"

#include <dokpim/dokpim.h>
#include <string.h>

typedef struct transcode_photo_config {
    int web_size, web_quality;
    const dk_template *web_output;
    int thumb_size, thumb_quality;
    const dk_template *thumb_output;
    int metadata; /* transcode_photo_metadata */
    int filter;   /* transcode_photo_filter */
    bool contact_sheet;
    const char *const *sheet_format;
    int sheet_columns, sheet_per_page;
    int sheet_order; /* sheet_order */
    int sheet_only;  /* sheet_only */
} transcode_photo_config;

#define FIELD(member) DK_FIELD(transcode_photo_config, member)
static const dk_option transcode_photo_options[] = {
    {.name = "web-size",
     FIELD(web_size),
     .type = DK_OPT_INT,
     .default_value = "2048",
     .help = "long edge of the web JPEG in pixels (smaller photos keep "
             "their size)",
     .min = 64,
     .max = 16384},
    {.name = "web-quality",
     FIELD(web_quality),
     .type = DK_OPT_INT,
     .default_value = "85",
     .help = "JPEG quality of the web JPEG",
     .min = 1,
     .max = 100},
    {.name = "web-output",
     FIELD(web_output),
     .type = DK_OPT_PATH_TEMPLATE,
     .default_value = "web/{date:%Y%m%d}_{event.slug}_{seq:04}.jpg",
     .help = "file name of the web JPEG, inside derived/<stage>/"},
    {.name = "thumbnail-size",
     FIELD(thumb_size),
     .type = DK_OPT_INT,
     .default_value = "320",
     .help = "long edge of the thumbnail in pixels; 0: no thumbnail",
     .min = 0,
     .max = 4096},
    {.name = "thumbnail-quality",
     FIELD(thumb_quality),
     .type = DK_OPT_INT,
     .default_value = "80",
     .help = "JPEG quality of the thumbnail",
     .min = 1,
     .max = 100},
    {.name = "thumbnail-output",
     FIELD(thumb_output),
     .type = DK_OPT_PATH_TEMPLATE,
     .default_value = "thumbs/{date:%Y%m%d}_{event.slug}_{seq:04}.jpg",
     .help = "file name of the thumbnail, inside derived/<stage>/"},
    {.name = "metadata",
     FIELD(metadata),
     .type = DK_OPT_ENUM,
     .default_value = "keep",
     .help = "keep: EXIF (orientation reset), XMP and IPTC of the source; "
             "strip: none; copyright-only: Artist and Copyright",
     .choices = "keep|strip|copyright-only"},
    {.name = "filter",
     FIELD(filter),
     .type = DK_OPT_ENUM,
     .default_value = "triangle",
     .help = "resampling after the DCT-scaled decode: area (box), "
             "triangle, or lanczos3 (sharpest, about 10 ms slower)",
     .choices = "area|triangle|lanczos3"},
    {.name = "contact-sheet",
     FIELD(contact_sheet),
     .type = DK_OPT_BOOL,
     .default_value = "false",
     .help = "at the end of the run, write the contact sheet of the "
             "thumbnails (contact-sheet.jpg, .pdf, .html) into "
             "derived/<stage>/"},
    {.name = "sheet-format",
     FIELD(sheet_format),
     .type = DK_OPT_LIST,
     .default_value = "jpeg",
     .help = "contact sheet formats, any of jpeg;pdf;html (A4 pages for "
             "printing, one page for the screen)"},
    {.name = "sheet-columns",
     FIELD(sheet_columns),
     .type = DK_OPT_INT,
     .default_value = "0",
     .help = "thumbnails a row; 0: about 4:3 for JPEG, 5 for PDF, the "
             "window's width for HTML",
     .min = 0,
     .max = 200},
    {.name = "sheet-per-page",
     FIELD(sheet_per_page),
     .type = DK_OPT_INT,
     .default_value = "30",
     .help = "photos on one PDF page",
     .min = 1,
     .max = 400},
    {.name = "sheet-order",
     FIELD(sheet_order),
     .type = DK_OPT_ENUM,
     .default_value = "seq",
     .help = "order of the cells: seq (the batch's {seq}) or time "
             "(capture time; unknown times last)",
     .choices = "seq|time"},
    {.name = "sheet-only",
     FIELD(sheet_only),
     .type = DK_OPT_ENUM,
     .default_value = "all",
     .help = "which photos the sheet shows, by their choice.label: all, "
             "picked, or not-rejected",
     .choices = "all|picked|not-rejected"},
    {.name = NULL},
};

/* Per run: what finish() lays out and the overlays rendered so far. */
typedef struct transcode_photo_state {
    transcode_photo_sheet *sheet; /* NULL unless contact-sheet=true */
    transcode_photo_overlays *overlays;
} transcode_photo_state;

/* sheet-format as TRANSCODE_PHOTO_SHEET_* bits. */
static int sheet_formats(const char *const *list, unsigned *out, dk_error *err)
{
    static const char *const names[] = {"jpeg", "pdf", "html"};
    *out = 0;
    for (size_t i = 0; list && list[i]; i++) {
        size_t n = 0;
        while (n < G_N_ELEMENTS(names) && strcmp(list[i], names[n]) != 0)
            n++;
        if (n == G_N_ELEMENTS(names)) {
            g_autofree char *shown = g_strescape(list[i], NULL);
            return dk_error_set(err, DK_ERR_CONFIG,
                                "sheet-format: unknown format \"%s\" (jpeg, "
                                "pdf or html)",
                                shown);
        }
        *out |= 1u << n;
    }
    if (*out == 0)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "sheet-format: name at least one of jpeg, pdf, "
                            "html");
    return 0;
}

/* Options that must agree, checked before any file is touched. */
static int transcode_photo_check(const dk_stage *stage, const void *config,
                                 dk_error *err)
{
    (void)stage;
    const transcode_photo_config *c = config;
    if (c->contact_sheet && c->thumb_size == 0)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "contact-sheet=true needs thumbnails "
                            "(thumbnail-size > 0)");
    unsigned formats = 0;
    return sheet_formats(c->sheet_format, &formats, err);
}

/* "place, city", the parts the event names; NULL when neither. */
static char *join_place(const dk_stage *stage)
{
    const char *place = dk_stage_event(stage, "place");
    const char *city = dk_stage_event(stage, "city");
    if (place && *place && city && *city)
        return g_strdup_printf("%s, %s", place, city);
    return g_strdup(place && *place ? place : city);
}

static int transcode_photo_open(const dk_stage *stage, const void *config,
                                void **state, dk_error *err)
{
    (void)stage;
    (void)err;
    const transcode_photo_config *c = config;
    transcode_photo_state *s = g_new0(transcode_photo_state, 1);
    if (c->contact_sheet) {
        g_autofree char *place = join_place(stage);
        transcode_photo_sheet_options o = {
            .cell = c->thumb_size,
            .columns = c->sheet_columns,
            .per_page = c->sheet_per_page,
            .order = (sheet_order)c->sheet_order,
            .only = (sheet_only)c->sheet_only,
            .title = dk_stage_event(stage, "title"),
            .date = dk_stage_event(stage, "date"),
            .place = place,
            .quality = 85,
        };
        sheet_formats(c->sheet_format, &o.formats, err); /* check()ed */
        s->sheet = transcode_photo_sheet_new(&o);
    }
    s->overlays = transcode_photo_overlays_new();
    *state = s;
    return 0;
}

/* The capture time as the meeting reads it: in the event's time zone. */
static void capture_time(const dk_stage *stage, const dk_meta *meta,
                         transcode_photo_sheet_cell *cell)
{
    cell->when = G_MININT64;
    const char *iso = dk_meta_get(meta, "capture.time");
    GDateTime *t = iso ? g_date_time_new_from_iso8601(iso, NULL) : NULL;
    if (!t)
        return;
    GDateTime *local = g_date_time_to_timezone(t, dk_stage_timezone(stage));
    const char *date_only = dk_meta_get(meta, "capture.date-only");
    bool day = date_only && strcmp(date_only, "true") == 0;
    cell->time =
        g_date_time_format(local, day ? "%Y-%m-%d" : "%Y-%m-%d %H:%M:%S");
    cell->when = g_date_time_to_unix(local);
    g_date_time_unref(local);
    g_date_time_unref(t);
}

/* What the sheet prints under this photo's thumbnail; the choice.* keys
 * are the crew's (absent: no choice made). A note that cannot be written
 * costs the cell its words, not the photo its derivatives. */
static void sheet_add(const dk_stage *stage, transcode_photo_sheet *sheet,
                      dk_item *item, const char *thumb, const char *web)
{
    const dk_meta *meta = dk_item_meta_const(item);
    int64_t rating = 0;
    const char *label = dk_meta_get(meta, "choice.label");
    transcode_photo_sheet_cell cell = {
        .thumb = g_strdup(thumb),
        .web = g_strdup(web),
        .name = g_path_get_basename(dk_item_source_path(item)),
        .seq = dk_item_seq(item),
        .caption = g_strdup(dk_meta_get(meta, "choice.caption")),
        .label = label && (strcmp(label, "pick") == 0 ||
                           strcmp(label, "reject") == 0)
                     ? g_strdup(label)
                     : NULL,
    };
    if (dk_meta_get_int(meta, "choice.rating", &rating))
        cell.rating = (int)CLAMP(rating, 0, 5);
    capture_time(stage, meta, &cell);
    dk_error err = {0};
    if (transcode_photo_sheet_add(sheet, &cell, &err) < 0)
        dk_item_warn(item, "contact sheet: %s", err.message);
    transcode_photo_sheet_cell_clear(&cell);
}

static int transcode_photo_process(const dk_stage *stage, void *state,
                                   dk_item *item, dk_error *err)
{
    const transcode_photo_config *c = dk_stage_config(stage);
    const transcode_photo_state *s = state;
    dk_overlay_spec spec = {0};
    char *web_path = NULL, *thumb_path = NULL;
    int rc = dk_overlay_spec_from_meta(dk_item_meta_const(item), &spec, err);
    bool overlay = rc == 0;
    if (rc == DK_ERR_NOT_FOUND) {
        dk_error_clear(err);
        rc = 0;
    }
    if (!rc)
        rc = dk_stage_output_path(stage, c->web_output, item, &web_path, err);
    if (!rc && c->thumb_size > 0)
        rc = dk_stage_output_path(stage, c->thumb_output, item, &thumb_path,
                                  err);
    if (!rc) {
        transcode_photo_job job = {
            .input = dk_item_current_path(item),
            .orientation = dk_meta_orientation(dk_item_meta_const(item)),
            .filter = (transcode_photo_filter)c->filter,
            .metadata = (transcode_photo_metadata)c->metadata,
            .overlay = overlay ? &spec : NULL,
            .overlays = s->overlays,
            .web_path = web_path,
            .web_size = c->web_size,
            .web_quality = c->web_quality,
            .thumb_path = thumb_path,
            .thumb_size = c->thumb_size,
            .thumb_quality = c->thumb_quality,
        };
        rc = transcode_photo_render(&job, NULL, err);
    }
    if (!rc)
        rc = dk_item_add_derivative(item, "web", web_path, true, err);
    if (!rc && thumb_path)
        rc = dk_item_add_derivative(item, "thumbnail", thumb_path, false, err);
    if (!rc && s->sheet && thumb_path)
        sheet_add(stage, s->sheet, item, thumb_path, web_path);
    g_free(thumb_path);
    g_free(web_path);
    dk_overlay_spec_clear(&spec);
    return rc;
}

/* After the last photo: the contact sheet. A sheet that cannot be written
 * leaves the previous one, if any, in place and fails the run. */
static int transcode_photo_finish(const dk_stage *stage, void *state,
                                  dk_error *err)
{
    transcode_photo_state *s = state;
    if (!s->sheet)
        return 0;
    g_autofree char *base =
        g_build_filename(dk_stage_library(stage), "derived",
                         dk_stage_name(stage), "contact-sheet", NULL);
    return transcode_photo_sheet_finish(s->sheet, base, err);
}

/* finish() has work only when a contact sheet was asked for: a queue's
 * finish job then makes no web copy twice. */
static bool transcode_photo_finishes(const dk_stage *stage, const void *config)
{
    (void)stage;
    return ((const transcode_photo_config *)config)->contact_sheet;
}

static void transcode_photo_close(void *state)
{
    transcode_photo_state *s = state;
    if (!s)
        return;
    transcode_photo_sheet_free(&s->sheet);
    transcode_photo_overlays_free(&s->overlays);
    g_free(s);
}

DK_PLUGIN_DEFINE(transcode_photo) = {
    .name = "transcode.photo",
    .summary = "web JPEG, thumbnail and contact sheet from one scaled decode",
    .role = DK_ROLE_TRANSCODE,
    .item_kinds = DK_KIND_PHOTO,
    .options = transcode_photo_options,
    .config_size = sizeof(transcode_photo_config),
    .open = transcode_photo_open,
    .process = transcode_photo_process,
    .close = transcode_photo_close,
    .check = transcode_photo_check,
    .finish = transcode_photo_finish,
    .finishes = transcode_photo_finishes,
};
