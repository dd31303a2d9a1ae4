/* Photos for the transcode.photo suites, and ways to judge results with
 * independent tools (ImageMagick, exiftool). */
#include "transcode_photo_corpus.h"

#include "dk_test.h"

#include <check.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ImageMagick operation that stores a visual image so that EXIF
 * orientation o turns it upright again (the inverse of what o means). */
static const char *const store_ops[9] = {
    "",          "",           "-flop",       "-rotate 180",
    "-flip",     "-transpose", "-rotate -90", "-transverse",
    "-rotate 90"};

void tp_make_corners(const char *path, int w, int h, int orientation,
                     const char *convert_options)
{
    int bw = w / 4, bh = h / 4;
    g_free(dk_test_sh_ok(
        "/usr/bin/convert -size %dx%d xc:'#808080' "
        "-fill '#ff0000' -draw 'rectangle 0,0 %d,%d' "
        "-fill '#00ff00' -draw 'rectangle %d,0 %d,%d' "
        "-fill '#0000ff' -draw 'rectangle 0,%d %d,%d' "
        "-fill '#ffff00' -draw 'rectangle %d,%d %d,%d' "
        "%s -quality 92 %s '%s' && exiftool -q -overwrite_original "
        "-Orientation#=%d '%s'",
        w, h, bw - 1, bh - 1, w - bw, w - 1, bh - 1, h - bh, bw - 1, h - 1,
        w - bw, h - bh, w - 1, h - 1, store_ops[orientation],
        convert_options ? convert_options : "", path, orientation, path));
}

GHashTable *tp_tags(const char *path)
{
    GHashTable *tags =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    char *out = dk_test_sh_ok(
        "exiftool -a -G1 -s -n -all -validate -warning '%s'", path);
    char **lines = g_strsplit(out, "\n", -1);
    for (char **l = lines; *l; l++) {
        /* "[IFD0]          Artist                          : Ni Komang" */
        char *close = strchr(*l, ']');
        char *colon = strstr(*l, " : ");
        if (**l != '[' || !close || !colon || colon < close)
            continue;
        char *group = g_strndup(*l + 1, (gsize)(close - *l - 1));
        char *name =
            g_strstrip(g_strndup(close + 1, (gsize)(colon - close - 1)));
        char *key = g_strdup_printf("%s:%s", group, name);
        /* repeated tags (Warning) keep the first */
        if (!g_hash_table_contains(tags, key))
            g_hash_table_insert(tags, key, g_strdup(colon + 3));
        else
            g_free(key);
        g_free(group);
        g_free(name);
    }
    g_strfreev(lines);
    g_free(out);
    return tags;
}

const char *tp_tag(GHashTable *tags, const char *key)
{
    const char *value = g_hash_table_lookup(tags, key);
    return value ? value : "";
}

void tp_identify(const char *path, int *width, int *height)
{
    char *out = dk_test_sh_ok("/usr/bin/identify -format '%%w %%h' '%s'", path);
    ck_assert_msg(sscanf(out, "%d %d", width, height) == 2, "identify: %s",
                  out);
    g_free(out);
}

tp_pixels tp_load(const char *path)
{
    char *raw = g_strdup_printf("%s.rgb", path);
    tp_pixels p = {0};
    tp_identify(path, &p.w, &p.h);
    g_free(dk_test_sh_ok(
        "/usr/bin/convert '%s' -colorspace sRGB -depth 8 rgb:'%s'", path, raw));
    gsize len = 0;
    p.rgb = (guint8 *)dk_test_read(raw, &len);
    ck_assert_msg(p.rgb && len == (gsize)p.w * p.h * 3,
                  "%s: %zu bytes of RGB for %dx%d", path, (size_t)len, p.w,
                  p.h);
    g_unlink(raw);
    g_free(raw);
    return p;
}

void tp_pixels_free(tp_pixels *p)
{
    g_clear_pointer(&p->rgb, g_free);
}

void tp_sample(const tp_pixels *p, double fx, double fy, int rgb[3])
{
    int cx = (int)(fx * p->w), cy = (int)(fy * p->h), n = 0;
    rgb[0] = rgb[1] = rgb[2] = 0;
    for (int y = cy - 2; y <= cy + 2; y++)
        for (int x = cx - 2; x <= cx + 2; x++) {
            if (x < 0 || y < 0 || x >= p->w || y >= p->h)
                continue;
            const guint8 *px = p->rgb + ((gsize)y * p->w + x) * 3;
            for (int c = 0; c < 3; c++)
                rgb[c] += px[c];
            n++;
        }
    for (int c = 0; c < 3 && n; c++)
        rgb[c] /= n;
}

tp_colour tp_classify(const int c[3])
{
    bool r = c[0] > 180, g = c[1] > 180, b = c[2] > 180;
    bool r0 = c[0] < 70, g0 = c[1] < 70, b0 = c[2] < 70;
    if (r && g0 && b0)
        return TP_RED;
    if (r0 && g && b0)
        return TP_GREEN;
    if (r0 && g0 && b)
        return TP_BLUE;
    if (r && g && b0)
        return TP_YELLOW;
    if (abs(c[0] - 128) < 30 && abs(c[1] - 128) < 30 && abs(c[2] - 128) < 30)
        return TP_GREY;
    return TP_OTHER;
}

const char *tp_colour_name(tp_colour c)
{
    static const char *const names[] = {"red",    "green", "blue",
                                        "yellow", "grey",  "other"};
    return names[c];
}
