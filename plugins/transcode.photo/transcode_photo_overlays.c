/* transcode.photo — overlays rendered once per run and size.
 *
 * Every photo of an event usually carries the same watermark request, and
 * photos come in two or three sizes (landscape, portrait, thumbnails), so
 * rendering the logo and text with cairo + pango for every photo (about
 * 3 ms for a web JPEG and its thumbnail) is wasted. Rendered overlays are
 * read-only, so worker threads share them; the lock only guards the
 * table. */
#include "transcode_photo.h"

#include <string.h>

/* Beyond this many distinct (request, size) pairs, e.g. a text template
 * with the sequence number in it, overlays are rendered per photo. */
#define OVERLAYS_MAX 32

struct transcode_photo_overlays {
    GMutex lock;
    GHashTable *table; /* key -> dk_overlay * */
};

static void overlay_free(gpointer overlay)
{
    dk_overlay *o = overlay;
    dk_overlay_free(&o);
}

transcode_photo_overlays *transcode_photo_overlays_new(void)
{
    transcode_photo_overlays *c = g_new0(transcode_photo_overlays, 1);
    g_mutex_init(&c->lock);
    c->table =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, overlay_free);
    return c;
}

void transcode_photo_overlays_free(transcode_photo_overlays **cache)
{
    if (!cache || !*cache)
        return;
    g_hash_table_unref((*cache)->table);
    g_mutex_clear(&(*cache)->lock);
    g_free(*cache);
    *cache = NULL;
}

/* Everything that changes the rendered pixels. */
static char *overlay_key(const dk_overlay_spec *s, int width, int height)
{
    return g_strdup_printf(
        "%s\x1f%s\x1f%s\x1f%d\x1f%a\x1f%a\x1f%a\x1f%a\x1f"
        "%a\x1f%dx%d",
        s->logo_path ? s->logo_path : "", s->text ? s->text : "",
        s->font ? s->font : "", (int)s->anchor, s->custom_x, s->custom_y,
        s->width_fraction, s->margin_fraction, s->opacity, width, height);
}

int transcode_photo_overlays_get(transcode_photo_overlays *cache,
                                 const dk_overlay_spec *spec, int width,
                                 int height, const dk_overlay **out,
                                 dk_overlay **owned, dk_error *err)
{
    *out = NULL;
    *owned = NULL;
    char *key = cache ? overlay_key(spec, width, height) : NULL;
    if (cache) {
        g_mutex_lock(&cache->lock);
        *out = g_hash_table_lookup(cache->table, key);
        g_mutex_unlock(&cache->lock);
        if (*out) {
            g_free(key);
            return 0;
        }
    }
    /* Rendered outside the lock: two threads may both render the first
     * time; the second copy is dropped. */
    dk_overlay *fresh = NULL;
    int rc = dk_overlay_render(spec, width, height, 1, &fresh, err);
    if (rc) {
        g_free(key);
        return rc;
    }
    if (!cache) {
        *out = *owned = fresh;
        return 0;
    }
    g_mutex_lock(&cache->lock);
    const dk_overlay *there = g_hash_table_lookup(cache->table, key);
    if (there) {
        *out = there;
        *owned = fresh; /* lost the race: the caller frees this one */
        g_free(key);
    } else if (g_hash_table_size(cache->table) < OVERLAYS_MAX) {
        g_hash_table_insert(cache->table, key, fresh);
        *out = fresh;
    } else {
        *out = *owned = fresh;
        g_free(key);
    }
    g_mutex_unlock(&cache->lock);
    return 0;
}
