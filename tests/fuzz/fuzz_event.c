/* core/lib/event.c + keyfile.c: any bytes as an event file; a loaded
 * event then feeds the templates the shipped pipelines use. */
#include <string.h>

#include "dk_internal.h"
#include "fuzz_common.h"

static const char *const templates[] = {
    ("{event.title} \xe2\x80\x94 {event.leader}, {event.role} ({date:%A, %d "
     "%B %Y})"),
    "{date:%Y}/{event.slug}/{original.stem}-{seq:04}.jpg",
    "{event.city:upper} {event.tags:slug} {event.language:lower}",
    "{event.photographer} / {event.copyright} / {event.agency}",
    "{capture.time:%H.%M} {event.place}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static dk_item *item;
    if (!item) {
        item =
            dk_item_new("/media/card/DCIM/PXL_20250314_021500123.jpg", 1, NULL);
        dk_meta_set_string(item->meta, "capture.time",
                           "2025-03-14T10:15:00+08:00");
    }
    g_autofree char *path = fuzz_write_file("event.ini", data, size);
    dk_event *event = NULL;
    dk_error err = {0};
    int rc = dk_event_load(path, &event, &err);
    if (rc < 0) {
        FUZZ_CHECK(!event && err.message[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(event->date && event->tz && event->slug && event->fingerprint);
    FUZZ_CHECK(dk_event_get(event, "title") && *dk_event_get(event, "title"));
    for (size_t i = 0; i < G_N_ELEMENTS(templates); i++) {
        char *text = NULL;
        dk_error terr = {0};
        if (dk_template_check_with_event(templates[i], event, &terr) == 0) {
            FUZZ_CHECK(dk_template_expand(templates[i], event, item,
                                          DK_TEMPLATE_TEXT, &text, &terr) == 0);
            g_free(text);
            text = NULL;
        }
        if (dk_template_expand(templates[i], event, item, DK_TEMPLATE_PATH,
                               &text, &terr) == 0)
            FUZZ_CHECK(text && text[0] != '/');
        g_free(text);
    }
    dk_event_free(&event);
    return 0;
}
