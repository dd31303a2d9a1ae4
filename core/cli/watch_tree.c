/* The inotify watches over the watched folders. inotify watches one folder,
 * not a tree, so every subfolder gets its own watch as it appears; a
 * folder moved in arrives with its files, which raise no event of their
 * own, so it is listed as soon as its watch is in place (watch first, list
 * second: nothing written in between is missed).
 *
 * What inotify cannot see (a file written on another machine into an NFS
 * or SMB mount; anything after the kernel's queue overflowed) the
 * periodic rescan finds; this file only makes the common case quick. */
#include "watch.h"

#include <errno.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define FOLDER_EVENTS                                                          \
    (IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_TO |        \
     IN_MOVED_FROM | IN_ONLYDIR)

struct watch_tree {
    int fd;
    char *skip;
    GHashTable *folders; /* wd -> folder path */
    watch_tree_event on_event;
    void *user;
    GPtrArray *problems;
    GHashTable *reported; /* folders whose problem was said: once each */
};

watch_tree *watch_tree_new(const char *skip, watch_tree_event on_event,
                           void *user, dk_error *err)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        dk_error_errno(err, DK_ERR_IO, "cannot start inotify", "watch");
        return NULL;
    }
    watch_tree *tree = g_new0(watch_tree, 1);
    tree->fd = fd;
    tree->skip = g_strdup(skip);
    tree->folders = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    tree->on_event = on_event;
    tree->user = user;
    tree->problems = g_ptr_array_new_with_free_func(g_free);
    tree->reported =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return tree;
}

void watch_tree_free(watch_tree **tree)
{
    if (!tree || !*tree)
        return;
    close((*tree)->fd);
    g_free((*tree)->skip);
    g_hash_table_destroy((*tree)->folders);
    g_ptr_array_unref((*tree)->problems);
    g_hash_table_destroy((*tree)->reported);
    g_free(*tree);
    *tree = NULL;
}

int watch_tree_fd(const watch_tree *tree)
{
    return tree->fd;
}

GPtrArray *watch_tree_take_problems(watch_tree *tree)
{
    GPtrArray *taken = tree->problems;
    tree->problems = g_ptr_array_new_with_free_func(g_free);
    return taken;
}

static void add_folder(void *user, const char *path)
{
    watch_tree *tree = user;
    int wd = inotify_add_watch(tree->fd, path, FOLDER_EVENTS);
    if (wd < 0) {
        int saved = errno;
        /* every rescan tries again; one line is enough */
        if (!g_hash_table_add(tree->reported, g_strdup(path)))
            return;
        g_ptr_array_add(
            tree->problems,
            g_strdup_printf("%s: cannot watch (%s%s); the rescan still finds "
                            "its files",
                            path, g_strerror(saved),
                            saved == ENOSPC ? ": raise "
                                              "fs.inotify.max_user_watches"
                                            : ""));
        return;
    }
    /* the same folder under a new name (moved) keeps its descriptor */
    g_hash_table_replace(tree->folders, GINT_TO_POINTER(wd), g_strdup(path));
}

static void found_file(void *user, const char *path, const struct stat *st)
{
    (void)st;
    watch_tree *tree = user;
    tree->on_event(tree->user, path, false, false);
}

int watch_tree_add(watch_tree *tree, const char *folder, dk_error *err)
{
    guint before = tree->problems->len;
    watch_walk_calls calls = {
        .folder = add_folder, .file = found_file, .user = tree};
    watch_walk(folder, tree->skip, &calls);
    guint failed = tree->problems->len - before;
    if (failed)
        dk_error_set(err, DK_ERR_IO, "%s",
                     (char *)tree->problems->pdata[tree->problems->len - 1]);
    return (int)failed;
}

static bool below(const char *path, const char *folder)
{
    size_t n = strlen(folder);
    return strncmp(path, folder, n) == 0 && (path[n] == '/' || !path[n]);
}

/* A folder moved away: its watches would report files under names that no
 * longer exist. Dropped; if it moved within the tree, IN_MOVED_TO adds it
 * again under its new name. */
static void drop_folder(watch_tree *tree, const char *folder)
{
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, tree->folders);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        if (!below(value, folder))
            continue;
        inotify_rm_watch(tree->fd, GPOINTER_TO_INT(key));
        g_hash_table_iter_remove(&iter);
    }
}

static void handle(watch_tree *tree, const struct inotify_event *ev)
{
    if (ev->mask & IN_IGNORED) { /* folder deleted, or unwatched above */
        g_hash_table_remove(tree->folders, GINT_TO_POINTER(ev->wd));
        return;
    }
    const char *folder =
        g_hash_table_lookup(tree->folders, GINT_TO_POINTER(ev->wd));
    if (!folder || !ev->len || watch_name_ignored(ev->name))
        return;
    g_autofree char *path = g_build_filename(folder, ev->name, NULL);
    if (ev->mask & IN_ISDIR) {
        if (ev->mask & IN_MOVED_FROM)
            drop_folder(tree, path);
        else if (ev->mask & (IN_CREATE | IN_MOVED_TO))
            watch_tree_add(tree, path, &(dk_error){0});
        return;
    }
    if (ev->mask & IN_MOVED_FROM)
        return;
    /* a rename into place is a finished file; so is a closed writer */
    bool closed = ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO);
    bool writing = ev->mask & IN_MODIFY;
    if (ev->mask & IN_CREATE) {
        /* created empty by open(): its writer has it; a hard link or a
         * file made whole by the kernel (a reflink) arrives with bytes */
        struct stat st;
        writing = stat(path, &st) == 0 && st.st_size == 0;
    }
    tree->on_event(tree->user, path, writing && !closed, closed);
}

bool watch_tree_read(watch_tree *tree)
{
    bool complete = true;
    /* aligned for struct inotify_event, as inotify(7) asks */
    char buffer[64 * 1024]
        __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(tree->fd, buffer, sizeof buffer);
        if (n <= 0)
            break; /* EAGAIN: all read */
        for (char *p = buffer; p < buffer + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->mask & IN_Q_OVERFLOW)
                complete = false;
            else
                handle(tree, ev);
            p += sizeof *ev + ev->len;
        }
    }
    return complete;
}
