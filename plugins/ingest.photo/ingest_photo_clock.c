/* Per-camera clock corrections: "Canon EOS R6=+00:05:30" means that
 * camera's clock ran 5½ minutes slow, so 5½ minutes are added to its EXIF
 * times. Parsed once in open(); read-only (so thread-safe) afterwards. */
#include "ingest_photo.h"

#include <string.h>

/* A camera that lost its clock battery restarts in 2000 or so; allow
 * corrections of that size, but not numbers that are clearly typos. */
#define CLOCK_MAX_OFFSET (100LL * 366 * 24 * 3600)

struct ingest_photo_clocks {
    GHashTable *offsets; /* normalised camera name -> gint64 seconds */
};

/* Case-folded, whitespace runs collapsed to one space, trimmed: EXIF Make
 * and Model are often padded ("NIKON CORPORATION  "). */
static char *clock_normalise(const char *name)
{
    char *folded = g_utf8_casefold(name, -1);
    GString *out = g_string_sized_new(strlen(folded));
    bool space = false;
    for (const char *c = folded; *c; c++) {
        if (g_ascii_isspace(*c)) {
            space = out->len > 0;
            continue;
        }
        if (space)
            g_string_append_c(out, ' ');
        space = false;
        g_string_append_c(out, *c);
    }
    g_free(folded);
    return g_string_free(out, FALSE);
}

/* "+00:05:30", "-1:00", "330", "-90" into seconds. */
static bool clock_parse_offset(const char *text, int64_t *seconds)
{
    const char *p = text;
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!g_ascii_isdigit(*p))
        return false;
    char **fields = g_strsplit(p, ":", -1);
    guint n = g_strv_length(fields);
    bool ok = n == 1 || n == 2 || n == 3;
    int64_t total = 0;
    for (guint i = 0; ok && i < n; i++) {
        guint64 value = 0;
        /* after the first field: minutes and seconds, two digits */
        bool sub = i > 0;
        ok = g_ascii_string_to_unsigned(fields[i], 10, 0,
                                        sub ? 59 : (guint64)CLOCK_MAX_OFFSET,
                                        &value, NULL) &&
             (!sub || strlen(fields[i]) == 2);
        /* "H:MM" is hours and minutes, "H:MM:SS" adds seconds, a lone
         * number is seconds */
        int64_t unit = n == 1 ? 1 : (i == 0 ? 3600 : (i == 1 ? 60 : 1));
        total += (int64_t)value * unit;
    }
    g_strfreev(fields);
    if (!ok || total > CLOCK_MAX_OFFSET)
        return false;
    *seconds = sign * total;
    return true;
}

int ingest_photo_clocks_parse(const char *const *entries,
                              ingest_photo_clocks **out, dk_error *err)
{
    ingest_photo_clocks *clocks = g_new0(ingest_photo_clocks, 1);
    clocks->offsets =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (const char *const *e = entries; e && *e; e++) {
        char *entry = g_strstrip(g_strdup(*e));
        if (!*entry) {
            g_free(entry);
            continue;
        }
        /* the last '=' splits: the offset never contains one */
        char *eq = strrchr(entry, '=');
        int64_t seconds = 0;
        char *camera = NULL;
        if (eq) {
            *eq = '\0';
            camera = clock_normalise(entry);
            *eq = '=';
        }
        if (!eq || !*camera ||
            !clock_parse_offset(g_strstrip(eq + 1), &seconds)) {
            dk_error_set(err, DK_ERR_CONFIG,
                         "clock-offsets: \"%s\" is not CAMERA=OFFSET "
                         "(OFFSET: seconds like -90, or +HH:MM[:SS])",
                         entry);
        } else if (g_hash_table_contains(clocks->offsets, camera)) {
            dk_error_set(err, DK_ERR_CONFIG,
                         "clock-offsets: camera \"%s\" is listed twice",
                         camera);
        } else {
            g_hash_table_insert(clocks->offsets, camera,
                                g_memdup2(&seconds, sizeof seconds));
            camera = NULL;
            g_free(entry);
            continue;
        }
        g_free(camera);
        g_free(entry);
        ingest_photo_clocks_free(&clocks);
        return DK_ERR_CONFIG;
    }
    *out = clocks;
    return 0;
}

void ingest_photo_clocks_free(ingest_photo_clocks **clocks)
{
    if (!clocks || !*clocks)
        return;
    g_hash_table_destroy((*clocks)->offsets);
    g_free(*clocks);
    *clocks = NULL;
}

bool ingest_photo_clocks_lookup(const ingest_photo_clocks *clocks,
                                const char *make, const char *model,
                                int64_t *seconds)
{
    if (!clocks || !model || g_hash_table_size(clocks->offsets) == 0)
        return false;
    const int64_t *found = NULL;
    if (make) {
        char *both = g_strconcat(make, " ", model, NULL);
        char *key = clock_normalise(both);
        found = g_hash_table_lookup(clocks->offsets, key);
        g_free(key);
        g_free(both);
    }
    if (!found) {
        char *key = clock_normalise(model);
        found = g_hash_table_lookup(clocks->offsets, key);
        g_free(key);
    }
    if (found)
        *seconds = *found;
    return found != NULL;
}
