/* When a file in a watched folder is complete. No portable test says "no
 * one is still writing this", so the rule is: its size and mtime unchanged
 * for the settle time, and, when inotify saw it written, its writer closed
 * it (IN_CLOSE_WRITE, or it was renamed into place). A copy that pauses
 * longer than the settle time is held by the second rule; a copy on a
 * network mount, which raises no events, by the first alone. */
#include "watch.h"

typedef struct pending {
    struct stat st;        /* as last seen */
    gint64 stable_since;   /* when st was first seen as it is now */
    gint64 changing_since; /* first seen changing, for the warning */
    bool writing;          /* inotify: written and not yet closed */
    bool warned;           /* "keeps changing" said once */
} pending;

struct watch_settle {
    gint64 settle_us, warn_after_us;
    GHashTable *files; /* path -> pending */
};

watch_settle *watch_settle_new(double settle, double warn_after)
{
    watch_settle *s = g_new0(watch_settle, 1);
    s->settle_us = (gint64)(settle * G_USEC_PER_SEC);
    s->warn_after_us = (gint64)(warn_after * G_USEC_PER_SEC);
    s->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return s;
}

void watch_settle_free(watch_settle **settle)
{
    if (!settle || !*settle)
        return;
    g_hash_table_destroy((*settle)->files);
    g_free(*settle);
    *settle = NULL;
}

guint watch_settle_pending(const watch_settle *settle)
{
    return g_hash_table_size(settle->files);
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
           a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

void watch_settle_note(watch_settle *settle, const char *path, bool writing,
                       bool closed, gint64 now_us)
{
    pending *p = g_hash_table_lookup(settle->files, path);
    if (!p) {
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return;
        p = g_new0(pending, 1);
        p->st = st;
        p->stable_since = p->changing_since = now_us;
        g_hash_table_insert(settle->files, g_strdup(path), p);
    }
    if (closed)
        p->writing = false;
    else if (writing)
        p->writing = true;
}

void watch_settle_forget_writers(watch_settle *settle)
{
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, settle->files);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        ((pending *)value)->writing = false;
}

gint64 watch_settle_poll(watch_settle *settle, gint64 now_us, GPtrArray *ready,
                         GArray *ready_stats, GPtrArray *still_changing)
{
    gint64 next = G_MAXINT64;
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, settle->files);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        pending *p = value;
        struct stat st;
        if (stat(key, &st) != 0 || !S_ISREG(st.st_mode)) {
            g_hash_table_iter_remove(&iter); /* moved away or deleted */
            continue;
        }
        if (!same_stat(&st, &p->st)) {
            p->st = st;
            p->stable_since = now_us;
        }
        gint64 due = p->stable_since + settle->settle_us;
        if (!p->writing && due <= now_us) {
            g_ptr_array_add(ready, g_strdup(key));
            g_array_append_val(ready_stats, st);
            g_hash_table_iter_remove(&iter);
            continue;
        }
        if (!p->warned && now_us - p->changing_since >= settle->warn_after_us) {
            p->warned = true;
            g_ptr_array_add(still_changing, g_strdup(key));
        }
        /* a writer's close comes as an event, which wakes the loop anyway */
        next = MIN(next, p->writing ? settle->settle_us : due - now_us);
    }
    return next;
}
