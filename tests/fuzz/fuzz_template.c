/* core/lib/template.c: any template text checked, then expanded as text
 * and as a path for an item. The promise the config check rests on: a
 * template that checks cleanly expands whenever the values it names are
 * there. */
#include <string.h>

#include "dk_internal.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    const dk_event *event = fuzz_sample_event();
    static dk_item *item;
    if (!item) {
        item = dk_item_new("/media/card/DCIM/IMG_20250314_101500.JPG", 7, NULL);
        item->sha256 = g_strnfill(64, 'a');
        dk_meta_set_string(item->meta, "camera.make", "Canon");
        dk_meta_set_string(item->meta, "camera.model", "Canon EOS R6");
        dk_meta_set_string(item->meta, "capture.time",
                           "2025-03-14T10:15:00.25+08:00");
    }
    g_autofree char *tmpl = fuzz_string(data, size);
    dk_error err = {0};
    int checked = dk_template_check(tmpl, &err);
    int with_event = dk_template_check_with_event(tmpl, event, &err);
    FUZZ_CHECK(checked < 0 || with_event == 0);
    char *text = NULL, *path = NULL;
    int rc =
        dk_template_expand(tmpl, event, item, DK_TEMPLATE_TEXT, &text, &err);
    FUZZ_CHECK((rc == 0) == (checked == 0));
    FUZZ_CHECK(rc < 0 || text);
    rc = dk_template_expand(tmpl, event, item, DK_TEMPLATE_PATH, &path, &err);
    if (rc == 0) {
        FUZZ_CHECK(path && path[0] != '/');
        gchar **parts = g_strsplit(path, "/", -1);
        for (int i = 0; parts[i]; i++)
            FUZZ_CHECK(*parts[i] && strcmp(parts[i], "..") != 0 &&
                       strcmp(parts[i], ".") != 0);
        g_strfreev(parts);
    }
    /* without an item, file variables must fail cleanly */
    char *bare = NULL;
    rc = dk_template_expand(tmpl, event, NULL, DK_TEMPLATE_TEXT, &bare, &err);
    FUZZ_CHECK(rc == 0 || err.message[0] != '\0');
    g_free(bare);
    g_free(text);
    g_free(path);
    return 0;
}
