/* Private to the gallery's files: the state its routes share. */
#ifndef DK_GALLERY_INTERNAL_H
#define DK_GALLERY_INTERNAL_H

#include "gallery.h"
#include "serve.h"

struct gallery {
    dk_server *server;
    gallery_index *index; /* the server's context only */
    gallery_options options;
    char *unavailable;
    GMutex lock;        /* guards publisher and publishing */
    GThread *publisher; /* the last publish run, joined before the next */
    bool publishing;
};

/* POST /api/publish: 202 and the run on its own thread, 409 while one
 * runs, 503 when the server was started without what publishing needs. */
void gallery_publish_start(dk_server *s, SoupServerMessage *msg,
                           const char *path, JsonNode *body, void *user);
/* Adds "sheets": [{name, url}] for the contact sheets in derived/. */
void gallery_add_sheets(const gallery *g, JsonObject *page);

#endif
