/* Listing a watched folder tree: what the rescan sees, and what a folder
 * moved in already holds. The same rules as `dokpim run`'s inputs, plus the
 * copy tools' temporary names. */
#include "watch.h"

#include <string.h>

void watch_walk(const char *folder, const char *skip,
                const watch_walk_calls *calls)
{
    if (skip && strcmp(folder, skip) == 0)
        return; /* the library's own files are outputs, never inputs */
    GDir *dir = g_dir_open(folder, 0, NULL);
    if (!dir)
        return; /* gone or unreadable: the next rescan looks again */
    if (calls->folder)
        calls->folder(calls->user, folder);
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        if (watch_name_ignored(name))
            continue;
        g_autofree char *child = g_build_filename(folder, name, NULL);
        struct stat lst, st;
        if (lstat(child, &lst) != 0)
            continue;
        if (S_ISDIR(lst.st_mode)) {
            watch_walk(child, skip, calls);
            continue;
        }
        if (stat(child, &st) == 0 && S_ISREG(st.st_mode) && calls->file)
            calls->file(calls->user, child, &st);
    }
    g_dir_close(dir);
}
