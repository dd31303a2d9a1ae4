/* Private to core/serve: the event gallery — an in-memory index of a
 * library's items with the crew's choices, its JSON pages, and its routes
 * (GET /api/gallery, POST /api/choice, POST /api/publish). See
 * gallery_index.c, gallery_json.c, gallery_routes.c. */
#ifndef DK_GALLERY_H
#define DK_GALLERY_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include <dokpim/error.h>

#include "choice.h"

typedef struct gallery_item {
    char *sha256;
    char *name;           /* the original's file name as the crew knew it */
    char *kind;           /* "photo", "video", ... */
    char *capture;        /* ISO 8601 as recorded at ingest, or NULL */
    char *capture_source; /* "exif", or how it was guessed ("filename") */
    char *source;         /* the first path it was imported from */
    char *camera;         /* "MAKE MODEL", or NULL */
    char *thumb;          /* library-relative paths, or NULL */
    char *web;
    char *stamped;
    char *original;  /* library-relative */
    int orientation; /* EXIF 1..8 of the stamped copy and original */
    char *event;     /* the event's title, or NULL */
    char *date;      /* the event's date, or NULL */
    /* its number: the position of its first source among the library's,
     * as `dokpim run` over one folder numbered it */
    int seq;
    dk_choice choice;
    gint64 manifest_mtime_ns;
    gint64 choice_mtime_ns; /* 0: no record */
} gallery_item;

typedef struct gallery_index gallery_index;

gallery_index *gallery_index_new(const char *library);
void gallery_index_free(gallery_index **index);
/* Rereads what changed since the last call: the manifests when items/
 * changed, the choice records whose folder under choices/ changed. Cheap
 * when nothing did (a few stat calls). */
int gallery_index_refresh(gallery_index *index, dk_error *err);
/* Items in capture order; owned by the index until the next refresh. */
const GPtrArray *gallery_index_items(const gallery_index *index);
gallery_item *gallery_index_find(gallery_index *index, const char *sha256);
/* Replaces the item's choice after the caller stored it with
 * dk_choice_write (takes c's contents, leaves c empty). */
void gallery_index_set_choice(gallery_index *index, gallery_item *item,
                              dk_choice *c);
const char *gallery_index_library(const gallery_index *index);

typedef enum gallery_filter {
    GALLERY_ALL = 0,
    GALLERY_PICKED,
    GALLERY_UNRATED,
    GALLERY_REJECTED
} gallery_filter;

typedef struct gallery_query {
    int offset, limit;
    gallery_filter filter;
    const char *camera; /* NULL: any */
    const char *from;   /* local wall-clock ISO prefixes, NULL: open */
    const char *to;
} gallery_query;

/* Parses the query string's fields (strings point into params). */
int gallery_query_parse(GHashTable *params, gallery_query *q, dk_error *err);
bool gallery_item_matches(const gallery_item *item, const gallery_query *q);
/* {total, offset, items:[...], cameras:[...], events:[...], counts:{...}} */
JsonNode *gallery_page_json(const gallery_index *index, const gallery_query *q);
/* One item as the page shows it (also what the "choice" event carries). */
JsonNode *gallery_item_json(const gallery_item *item);

/* LIBRARY/serve/thumbs/<sha256>.jpg (g_free). */
char *gallery_thumb_path(const char *library, const char *sha256);
/* Makes the item's thumbnail there from its stamped copy (or original)
 * unless it exists already. */
int gallery_thumb_make(const char *library, const gallery_item *item,
                       dk_error *err);

/* "Publish picks": what the command that starts the server knows (the
 * pipeline, the event) stays there; the gallery only calls this, on a
 * worker thread, never on the server's context. progress() may be called
 * from that thread as each item finishes. Returns 0 when the batch ran
 * (counts filled), <0 with err when it could not start. */
typedef struct gallery_publish_counts {
    int done, skipped, failed;
} gallery_publish_counts;
typedef void (*gallery_progress_fn)(void *ctx, int finished, int total,
                                    const char *name, const char *status);
typedef int (*gallery_publish_fn)(void *user, gallery_progress_fn progress,
                                  void *ctx, gallery_publish_counts *counts,
                                  dk_error *err);

typedef struct gallery_options {
    gallery_publish_fn publish; /* NULL: the button says why not */
    void *publish_user;
    const char *publish_unavailable; /* that reason, e.g. "no --event" */
} gallery_options;

typedef struct gallery gallery;
struct dk_server;

/* Adds the gallery's routes to s (which serves LIBRARY): GET /api/gallery,
 * POST /api/choice, POST /api/publish. The gallery must outlive the
 * server's requests: free it after dk_server_stop(). */
gallery *gallery_attach(struct dk_server *s, const gallery_options *o);
/* Stops a publish still running (at its next item) and waits for it,
 * then frees g; accepts NULL. */
void gallery_free(gallery **g);

#endif
