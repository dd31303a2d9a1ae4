/* The contact sheets transcode.photo made (derived/<stage>/contact-sheet*
 * as PDF, HTML or JPEG), for the gallery's "Contact sheet" links. Looked
 * up on each page request: a run made since the page opened may have
 * written one, and derived/ holds one folder per stage. */
#include "gallery_internal.h"

#include <string.h>

static bool is_sheet(const char *name)
{
    static const char *const kinds[] = {".pdf", ".html", ".jpg", NULL};
    if (!g_str_has_prefix(name, "contact-sheet"))
        return false;
    for (int i = 0; kinds[i]; i++)
        if (g_str_has_suffix(name, kinds[i]))
            return true;
    return false;
}

void gallery_add_sheets(const gallery *g, JsonObject *page)
{
    JsonArray *sheets = json_array_new();
    g_autofree char *derived =
        g_build_filename(gallery_index_library(g->index), "derived", NULL);
    GDir *stages = g_dir_open(derived, 0, NULL);
    const char *stage;
    while (stages && (stage = g_dir_read_name(stages))) {
        g_autofree char *dir = g_build_filename(derived, stage, NULL);
        GDir *files = g_dir_open(dir, 0, NULL);
        const char *name;
        while (files && (name = g_dir_read_name(files))) {
            if (!is_sheet(name) || !g_utf8_validate(stage, -1, NULL))
                continue;
            g_autofree char *rel =
                g_strconcat("derived/", stage, "/", name, NULL);
            g_autofree char *escaped = g_uri_escape_string(
                rel, G_URI_RESERVED_CHARS_ALLOWED_IN_PATH, FALSE);
            JsonObject *sheet = json_object_new();
            json_object_set_string_member(sheet, "name", name);
            g_autofree char *url = g_strconcat("/files/", escaped, NULL);
            json_object_set_string_member(sheet, "url", url);
            json_array_add_object_element(sheets, sheet);
        }
        if (files)
            g_dir_close(files);
    }
    if (stages)
        g_dir_close(stages);
    json_object_set_array_member(page, "sheets", sheets);
}
