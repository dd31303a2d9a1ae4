/* transcode.photo — the contact sheet as one HTML page, for the screen.
 *
 * Self-contained: the style is inline, nothing is fetched, and every
 * thumbnail and web copy is linked by a path relative to the page, so the
 * page works from the library folder, a USB stick or the crew's web
 * server alike. Every text (file names come from cameras and card readers,
 * captions from people) is escaped: a file named <script>.jpg stays text.
 * Printing gives a grid of five a row that does not cut a cell in two. */
#include "transcode_photo_sheet.h"

#include <dokpim/fileio.h>
#include <string.h>

static const char style[] =
    "body{font-family:'Noto Sans',sans-serif;background:#262626;color:#eee;"
    "margin:1em}\n"
    "header{display:flex;justify-content:space-between;gap:1em;"
    "font-weight:bold}\n"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(12em,1fr));gap:.8em}\n"
    "figure{margin:0;min-width:0;break-inside:avoid}\n"
    "figure img{width:100%;aspect-ratio:1;object-fit:contain;"
    "background:#111;display:block}\n"
    "figcaption{font-size:.8em;line-height:1.3}\n"
    "figcaption>div{overflow:hidden;text-overflow:ellipsis;"
    "white-space:nowrap}\n"
    "figcaption .caption{white-space:normal;display:-webkit-box;"
    "-webkit-line-clamp:2;-webkit-box-orient:vertical}\n"
    ".pick{color:#3c3}.reject{color:#e33}\n"
    ".missing{aspect-ratio:1;border:1px solid #777;display:flex;"
    "align-items:center;justify-content:center}\n"
    "@media print{body{background:#fff;color:#000;margin:0}"
    ".grid{grid-template-columns:repeat(5,1fr)}"
    "figure img{background:#fff}}\n";

/* Text for HTML: printable first, then escaped. */
static void append_text(GString *out, const char *text)
{
    g_autofree char *printable = transcode_photo_sheet_printable(text);
    g_autofree char *escaped = g_markup_escape_text(printable, -1);
    g_string_append(out, escaped);
}

/* An attribute value: a relative path, %-encoded, then escaped. */
static void append_link(GString *out, const char *dir, const char *path)
{
    g_autofree char *rel = transcode_photo_sheet_relative(dir, path);
    g_autofree char *uri = g_uri_escape_string(rel, "/", FALSE);
    append_text(out, uri);
}

static void append_cell(GString *out, const char *dir,
                        const transcode_photo_sheet_cell *c)
{
    g_string_append(out, "<figure>");
    if (c->web) {
        g_string_append(out, "<a href=\"");
        append_link(out, dir, c->web);
        g_string_append(out, "\">");
    }
    if (g_file_test(c->thumb, G_FILE_TEST_IS_REGULAR)) {
        g_string_append(out, "<img loading=\"lazy\" src=\"");
        append_link(out, dir, c->thumb);
        g_string_append(out, "\" alt=\"");
        append_text(out, c->name);
        g_string_append(out, "\">");
    } else {
        g_string_append(out, "<div class=\"missing\">no thumbnail</div>");
    }
    if (c->web)
        g_string_append(out, "</a>");
    g_string_append(out, "<figcaption><div class=\"name\"><b>");
    g_autofree char *title = transcode_photo_sheet_title_line(c);
    append_text(out, title);
    g_string_append(out, "</b></div><div class=\"time\">");
    append_text(out, transcode_photo_sheet_time_line(c));
    g_autofree char *stars = transcode_photo_sheet_stars(c->rating);
    g_string_append_printf(out, "</div><div class=\"rating\">%s", stars);
    if (c->label && strcmp(c->label, "pick") == 0)
        g_string_append(out, " <span class=\"pick\">PICK</span>");
    else if (c->label && strcmp(c->label, "reject") == 0)
        g_string_append(out, " <span class=\"reject\">REJECT</span>");
    g_string_append(out, "</div>");
    if (c->caption && *c->caption) {
        g_string_append(out, "<div class=\"caption\">");
        append_text(out, c->caption);
        g_string_append(out, "</div>");
    }
    g_string_append(out, "</figcaption></figure>\n");
}

int transcode_photo_sheet_write_html(const char *path,
                                     const transcode_photo_sheet_cell *cells,
                                     size_t count,
                                     const transcode_photo_sheet_options *o,
                                     dk_error *err)
{
    g_autofree char *dir = g_path_get_dirname(path);
    GString *out = g_string_new("<!DOCTYPE html>\n<html><head>"
                                "<meta charset=\"utf-8\">"
                                "<meta name=\"viewport\" "
                                "content=\"width=device-width\"><title>");
    append_text(out, o->title ? o->title : "Contact sheet");
    g_string_append_printf(out,
                           "</title><style>\n%s</style></head><body>\n"
                           "<header><span>",
                           style);
    g_autofree char *heading = transcode_photo_sheet_heading(o);
    append_text(out, heading);
    g_string_append_printf(out,
                           "</span><span>%zu photos</span></header>\n"
                           "<div class=\"grid\">\n",
                           count);
    for (size_t i = 0; i < count; i++)
        append_cell(out, dir, &cells[i]);
    g_string_append(out, "</div>\n</body></html>\n");
    int rc = dk_atomic_write_file(path, out->str, out->len, err);
    g_string_free(out, TRUE);
    return rc;
}
