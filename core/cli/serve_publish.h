/* What dokpim serve gives the gallery to publish with. See
 * serve_publish.c. */
#ifndef DK_CLI_SERVE_PUBLISH_H
#define DK_CLI_SERVE_PUBLISH_H

#include "cli.h"
#include "gallery.h"

typedef struct serve_publish {
    const char *library;
    const char *pipeline; /* NULL: the shipped event-photos-publish.conf */
    const char *event;    /* NULL: the event the manifests recorded */
    char *pipeline_owned, *unavailable_owned;
} serve_publish;

/* Fills out for gallery_attach(); config must outlive the gallery. */
void serve_publish_options(serve_publish *config, gallery_options *out);
void serve_publish_clear(serve_publish *config);

#endif
