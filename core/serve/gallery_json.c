/* The gallery's pages as JSON: the filter, one page of items, and the
 * facets the page's filter menus need (cameras, events, counts), so a
 * 2 000-photo event is fetched a page at a time without a second call. */
#include "gallery.h"

#include <stdlib.h>
#include <string.h>

static const char *const filter_names[] = {"all", "picked", "unrated",
                                           "rejected", NULL};

/* A number from the query, within [lo, hi], or the default when absent. */
static int query_int(GHashTable *params, const char *name, int fallback, int lo,
                     int hi, int *out, dk_error *err)
{
    const char *v = params ? g_hash_table_lookup(params, name) : NULL;
    if (!v || !*v) {
        *out = fallback;
        return 0;
    }
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (*end || n < lo || n > hi)
        return dk_error_set(err, DK_ERR_INVALID,
                            "%s must be a number from %d to %d", name, lo, hi);
    *out = (int)n;
    return 0;
}

static const char *query_text(GHashTable *params, const char *name)
{
    const char *v = params ? g_hash_table_lookup(params, name) : NULL;
    return v && *v ? v : NULL;
}

int gallery_query_parse(GHashTable *params, gallery_query *q, dk_error *err)
{
    memset(q, 0, sizeof *q);
    int rc = query_int(params, "offset", 0, 0, G_MAXINT, &q->offset, err);
    if (rc == 0)
        rc = query_int(params, "limit", 200, 1, 1000, &q->limit, err);
    if (rc < 0)
        return rc;
    const char *filter = query_text(params, "filter");
    if (filter) {
        int i = 0;
        while (filter_names[i] && strcmp(filter_names[i], filter) != 0)
            i++;
        if (!filter_names[i])
            return dk_error_set(err, DK_ERR_INVALID,
                                "filter must be all, picked, unrated or "
                                "rejected");
        q->filter = (gallery_filter)i;
    }
    q->camera = query_text(params, "camera");
    q->from = query_text(params, "from");
    q->to = query_text(params, "to");
    return 0;
}

/* Times compare as the local wall clock the camera recorded and the page
 * shows ("2025-03-14T10:23"), which is what the crew types in a range;
 * "to" includes the whole minute (or second) it names. */
static bool in_time_range(const char *capture, const char *from, const char *to)
{
    if (!from && !to)
        return true;
    if (!capture)
        return false;
    if (from && strncmp(capture, from, strlen(from)) < 0)
        return false;
    if (to && strncmp(capture, to, strlen(to)) > 0)
        return false;
    return true;
}

static bool matches_filter(const gallery_item *item, gallery_filter f)
{
    const dk_choice *c = &item->choice;
    switch (f) {
    case GALLERY_PICKED:
        return c->label == DK_LABEL_PICK;
    case GALLERY_REJECTED:
        return c->label == DK_LABEL_REJECT;
    case GALLERY_UNRATED:
        /* not looked at yet: no stars and no pick or reject */
        return c->rating == 0 && c->label == DK_LABEL_NONE;
    case GALLERY_ALL:
        break;
    }
    return true;
}

bool gallery_item_matches(const gallery_item *item, const gallery_query *q)
{
    return matches_filter(item, q->filter) &&
           (!q->camera || g_strcmp0(item->camera, q->camera) == 0) &&
           in_time_range(item->capture, q->from, q->to);
}

static void add_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value && g_utf8_validate(value, -1, NULL))
        json_builder_add_string_value(b, value);
    else if (value) {
        g_autofree char *valid = g_utf8_make_valid(value, -1);
        json_builder_add_string_value(b, valid);
    } else
        json_builder_add_null_value(b);
}

/* Library-relative paths become /files/ URLs, each segment escaped. */
static void add_file_url(JsonBuilder *b, const char *name, const char *rel)
{
    g_autofree char *url = NULL;
    if (rel) {
        g_autofree char *escaped = g_uri_escape_string(
            rel, G_URI_RESERVED_CHARS_ALLOWED_IN_PATH, FALSE);
        url = g_strconcat("/files/", escaped, NULL);
    }
    add_string(b, name, url);
}

static void build_item(JsonBuilder *b, const gallery_item *item)
{
    json_builder_begin_object(b);
    add_string(b, "sha256", item->sha256);
    add_string(b, "name", item->name);
    json_builder_set_member_name(b, "seq");
    json_builder_add_int_value(b, item->seq);
    add_string(b, "kind", item->kind);
    add_string(b, "capture", item->capture);
    add_string(b, "capture_source", item->capture_source);
    add_string(b, "camera", item->camera);
    if (item->thumb || item->web)
        add_file_url(b, "thumb", item->thumb ? item->thumb : item->web);
    else {
        /* made on demand from the stamped copy (gallery_thumbs.c) */
        g_autofree char *url =
            g_strconcat("/api/gallery/thumb/", item->sha256, NULL);
        add_string(b, "thumb", url);
    }
    add_file_url(b, "web", item->web ? item->web : item->stamped);
    add_file_url(b, "stamped", item->stamped);
    json_builder_set_member_name(b, "rating");
    json_builder_add_int_value(b, item->choice.rating);
    add_string(b, "label", dk_choice_label_name(item->choice.label));
    add_string(b, "caption", item->choice.caption);
    json_builder_set_member_name(b, "persons");
    json_builder_begin_array(b);
    for (int i = 0; item->choice.persons && item->choice.persons[i]; i++)
        json_builder_add_string_value(b, item->choice.persons[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);
}

JsonNode *gallery_item_json(const gallery_item *item)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    build_item(b, item);
    return json_builder_get_root(b);
}

/* name -> count, listed in first-seen (capture) order. */
typedef struct facet {
    GPtrArray *names;
    GHashTable *counts;
} facet;

static void facet_add(facet *f, const char *name)
{
    if (!name)
        return;
    gpointer n = g_hash_table_lookup(f->counts, name);
    if (!n)
        g_ptr_array_add(f->names, (gpointer)name);
    g_hash_table_insert(f->counts, (gpointer)name,
                        GINT_TO_POINTER(GPOINTER_TO_INT(n) + 1));
}

static void facet_build(JsonBuilder *b, const char *member, facet *f)
{
    json_builder_set_member_name(b, member);
    json_builder_begin_array(b);
    for (guint i = 0; i < f->names->len; i++) {
        const char *name = f->names->pdata[i];
        json_builder_begin_object(b);
        add_string(b, "name", name);
        json_builder_set_member_name(b, "count");
        json_builder_add_int_value(
            b, GPOINTER_TO_INT(g_hash_table_lookup(f->counts, name)));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    g_ptr_array_free(f->names, TRUE);
    g_hash_table_destroy(f->counts);
}

static facet facet_new(void)
{
    return (facet){g_ptr_array_new(),
                   g_hash_table_new(g_str_hash, g_str_equal)};
}

JsonNode *gallery_page_json(const gallery_index *index, const gallery_query *q)
{
    const GPtrArray *items = gallery_index_items(index);
    g_autoptr(JsonBuilder) b = json_builder_new();
    facet cameras = facet_new(), events = facet_new();
    int counts[G_N_ELEMENTS(filter_names) - 1] = {0};
    int total = 0;
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "items");
    json_builder_begin_array(b);
    for (guint i = 0; i < items->len; i++) {
        const gallery_item *item = items->pdata[i];
        facet_add(&cameras, item->camera);
        facet_add(&events, item->event);
        for (int f = 0; f < (int)G_N_ELEMENTS(counts); f++)
            counts[f] += matches_filter(item, (gallery_filter)f);
        if (!gallery_item_matches(item, q))
            continue;
        if (total >= q->offset && total - q->offset < q->limit)
            build_item(b, item);
        total++;
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "total");
    json_builder_add_int_value(b, total);
    json_builder_set_member_name(b, "offset");
    json_builder_add_int_value(b, q->offset);
    facet_build(b, "cameras", &cameras);
    facet_build(b, "events", &events);
    json_builder_set_member_name(b, "counts");
    json_builder_begin_object(b);
    for (int f = 0; f < (int)G_N_ELEMENTS(counts); f++) {
        json_builder_set_member_name(b, filter_names[f]);
        json_builder_add_int_value(b, counts[f]);
    }
    json_builder_end_object(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
