/* core/lib/bag_*.c: what `dokpim archive --validate` reads from a bag
 * someone else made. The first byte picks the parser: manifest lines,
 * bag-info.txt, or a manifest path's %-encoding. Invariants: a manifest
 * entry's path never leaves the bag and survives encode/decode; encoding
 * any path and decoding it gives it back; bag-info tags written again
 * from what was parsed parse to the same labels. */
#include <string.h>

#include "fuzz_common.h"

#include "bag.h"

static void no_problem(int line, const char *what, void *data)
{
    (void)data;
    FUZZ_CHECK(line >= 1);
    FUZZ_CHECK(what && *what && !strchr(what, '\n'));
}

static void manifest(const char *text)
{
    GPtrArray *entries = dk_bag_manifest_parse(text, no_problem, NULL);
    for (guint i = 0; entries && i < entries->len; i++) {
        const dk_bag_entry *e = entries->pdata[i];
        FUZZ_CHECK(e->path && e->checksum && *e->checksum);
        FUZZ_CHECK(dk_bag_path_is_safe(e->path));
        g_autofree char *encoded = dk_bag_path_encode(e->path);
        FUZZ_CHECK(!strchr(encoded, '\n') && !strchr(encoded, '\r'));
        g_autofree char *back = dk_bag_path_decode(encoded);
        FUZZ_CHECK(strcmp(back, e->path) == 0);
    }
    if (entries)
        dk_bag_entries_free(entries);
}

static void info(const char *text)
{
    int bad = 0;
    char **pairs = dk_bag_info_parse(text, &bad);
    if (!pairs) {
        FUZZ_CHECK(bad >= 1);
        return;
    }
    guint n = g_strv_length(pairs);
    FUZZ_CHECK(n % 2 == 0);
    GString *again = g_string_new(NULL);
    for (guint i = 0; i < n; i += 2)
        dk_bag_info_add(again, pairs[i], pairs[i + 1]);
    int bad_again = 0;
    char **reparsed = dk_bag_info_parse(again->str, &bad_again);
    FUZZ_CHECK(reparsed && g_strv_length(reparsed) == n);
    for (guint i = 0; i < n; i += 2)
        FUZZ_CHECK(strcmp(reparsed[i], pairs[i]) == 0);
    g_strfreev(reparsed);
    g_string_free(again, TRUE);
    g_strfreev(pairs);
}

static void path(const char *text)
{
    g_autofree char *decoded = dk_bag_path_decode(text);
    FUZZ_CHECK(decoded);
    g_autofree char *encoded = dk_bag_path_encode(text);
    g_autofree char *back = dk_bag_path_decode(encoded);
    FUZZ_CHECK(strcmp(back, text) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size < 1)
        return 0;
    g_autofree char *text = fuzz_string(data + 1, size - 1);
    switch (data[0] % 3) {
    case 0:
        manifest(text);
        break;
    case 1:
        info(text);
        break;
    default:
        path(text);
        break;
    }
    return 0;
}
