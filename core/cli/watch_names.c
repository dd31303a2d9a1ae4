/* Names a watched folder shows while a copy is still under way. A copy tool
 * that writes to a temporary name and renames when done gives the cleanest
 * signal there is; taking the temporary would ingest half a file. */
#include "watch.h"

#include <string.h>

/* rsync writes ".NAME.XXXXXX" (mkstemp's six characters) beside NAME; hidden
 * names are skipped anyway, and say so here so the rule stands alone. */
static bool is_rsync_temp(const char *name)
{
    if (name[0] != '.')
        return false;
    const char *dot = strrchr(name, '.');
    return dot && dot != name && strlen(dot + 1) == 6;
}

bool watch_name_ignored(const char *name)
{
    static const char *const partial_suffixes[] = {
        ".part",       /* Firefox, wget2, KDE, many download managers */
        ".crdownload", /* Chrome, Edge */
        ".filepart",   /* WinSCP */
        ".partial",    /* Safari, some NAS sync tools */
        NULL};
    if (!name || !name[0] || dk_is_temp_name(name))
        return true;
    if (name[0] == '.' || is_rsync_temp(name))
        return true;
    /* Office's lock/owner file beside an open document */
    if (g_str_has_prefix(name, "~$"))
        return true;
    size_t length = strlen(name);
    for (int i = 0; partial_suffixes[i]; i++) {
        size_t n = strlen(partial_suffixes[i]);
        /* FAT cards and Windows shares keep the case a tool chose */
        if (length > n &&
            g_ascii_strcasecmp(name + length - n, partial_suffixes[i]) == 0)
            return true;
    }
    return false;
}
