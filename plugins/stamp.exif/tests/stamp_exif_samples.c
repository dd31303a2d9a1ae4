#include "stamp_exif_samples.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test.h"
#include "dk_test_tools.h"

/* The camera's tags, as a real body writes them. */
static const char camera_exif[] =
    "-Make=Canon '-Model=Canon EOS R6' -ExifVersion=0232 "
    "'-DateTimeOriginal=2025:03:14 10:11:22' -OffsetTimeOriginal=+08:00 "
    "'-CreateDate=2025:03:14 10:11:22' -ExposureTime=1/125 -FNumber=4 "
    "-ISO=800 -Orientation#=1 -GPSLatitude=8.58 -GPSLatitudeRef=S "
    "-GPSLongitude=115.17 -GPSLongitudeRef=E '-ImageDescription=camera text' ";

/* What an agency's earlier tool left: IIM without a charset mark, another
 * Photoshop resource, an XMP packet with fields we do not own. */
static const char earlier_tools[] =
    "-IPTC:Keywords=oldkw -IPTC:Country-PrimaryLocationName=Indonesia "
    "-IPTC:OriginalTransmissionReference=JOB-7 "
    "-Photoshop:URL=http://example.org/job-7 "
    "-XMP-dc:Subject=xmpold -XMP-photoshop:Instructions=keepme "
    "-XMP-xmp:Rating=3 -XMP-exif:GPSLatitude=8.58 "
    "-XMP-exif:GPSLongitude=115.17 ";

char *stamp_exif_sample(const char *dir, const char *name,
                        stamp_exif_sample_kind kind, int width, int height)
{
    char *path = g_build_filename(dir, name, NULL);
    char *plain = g_strdup_printf("%s.plain.jpg", path);
    char *thumb = g_strdup_printf("%s.thumb.jpg", path);
    static const char *const structure[SAMPLE_KINDS] = {
        [SAMPLE_PROGRESSIVE] = "-interlace JPEG",
        [SAMPLE_CMYK] = "-colorspace CMYK",
        [SAMPLE_GRAY] = "-colorspace Gray",
        [SAMPLE_RESTART] = "-define jpeg:restart-interval=2",
    };
    bool bare = kind == SAMPLE_BARE || structure[kind];
    /* plasma with a fixed seed: real-looking entropy-coded data */
    char *cmd = g_strdup_printf(
        "/usr/bin/convert -seed 7 -size %dx%d plasma:fractal %s -quality 92 "
        "'%s'",
        width, height, structure[kind] ? structure[kind] : "",
        bare ? path : plain);
    g_free(dk_test_sh_ok("%s", cmd));
    g_free(cmd);
    if (kind == SAMPLE_CAMERA || kind == SAMPLE_INTEL) {
        cmd = g_strdup_printf(
            "vips icc_transform '%s' '%s[Q=92]' srgb && "
            "/usr/bin/convert -size 160x120 gradient:navy-gold '%s' && "
            "exiftool -q -overwrite_original -ExifByteOrder=%s %s %s "
            "'-ThumbnailImage<=%s' '%s'",
            plain, path, thumb, kind == SAMPLE_INTEL ? "II" : "MM", camera_exif,
            earlier_tools, thumb, path);
        g_free(dk_test_sh_ok("%s", cmd));
        g_free(cmd);
    } else if (kind == SAMPLE_PHONE) {
        cmd = g_strdup_printf("exiftool -q -ExifByteOrder=II -Make=samsung "
                              "-Model=SM-A546E -ExifVersion=0232 -o '%s' '%s'",
                              path, plain);
        g_free(dk_test_sh_ok("%s", cmd));
        g_free(cmd);
    }
    g_remove(plain);
    g_remove(thumb);
    g_free(plain);
    g_free(thumb);
    return path;
}

void stamp_exif_put_segment(GByteArray *out, guint8 marker, const void *payload,
                            gsize size)
{
    guint8 head[4] = {0xFF, marker, (guint8)((size + 2) >> 8),
                      (guint8)(size + 2)};
    g_byte_array_append(out, head, 4);
    g_byte_array_append(out, payload, (guint)size);
}

GByteArray *stamp_exif_insert_segment(const GByteArray *jpeg, guint8 marker,
                                      const void *payload, gsize size)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, jpeg->data, 2);
    stamp_exif_put_segment(b, marker, payload, size);
    g_byte_array_append(b, jpeg->data + 2, jpeg->len - 2);
    return b;
}

static bool has_id(const guint8 *p, gsize n, const char *id, gsize len)
{
    return n >= len && memcmp(p, id, len) == 0;
}

static int count_iim(const guint8 *p, gsize n)
{
    int count = 0;
    for (gsize i = 0; i + 6 <= n; i++)
        if (memcmp(p + i, "8BIM\x04\x04", 6) == 0)
            count++;
    return count;
}

stamp_exif_facts stamp_exif_inspect(const char *path)
{
    stamp_exif_facts f = {.jfif_index = -1};
    gsize n = 0;
    guint8 *d = (guint8 *)dk_test_read(path, &n);
    if (!d || n < 4 || d[0] != 0xFF || d[1] != 0xD8) {
        g_free(d);
        return f;
    }
    gsize pos = 2;
    int index = 0;
    while (pos + 4 <= n && d[pos] == 0xFF) {
        guint8 marker = d[pos + 1];
        if (marker == 0xDA) {
            f.sos = pos;
            f.ok = true;
            break;
        }
        gsize len = ((gsize)d[pos + 2] << 8) | d[pos + 3];
        if (len < 2 || pos + 2 + len > n)
            break;
        const guint8 *p = d + pos + 4;
        gsize plen = len - 2;
        if (marker == 0xE0 && has_id(p, plen, "JFIF", 5))
            f.jfif_index = index;
        if (marker == 0xE1 && has_id(p, plen, "Exif\0\0", 6))
            f.exif++;
        if (marker == 0xE1 &&
            has_id(p, plen, "http://ns.adobe.com/xap/1.0/", 29))
            f.xmp++;
        if (marker == 0xE2 && has_id(p, plen, "ICC_PROFILE", 12))
            f.icc++;
        if (marker == 0xED && has_id(p, plen, "Photoshop 3.0", 14)) {
            f.photoshop++;
            f.iim_resources += count_iim(p, plen);
        }
        pos += 2 + len;
        index++;
    }
    g_free(d);
    return f;
}

char *stamp_exif_scan_sha256(const char *path)
{
    stamp_exif_facts f = stamp_exif_inspect(path);
    gsize n = 0;
    char *d = dk_test_read(path, &n);
    char *hex =
        f.ok && d ? g_compute_checksum_for_data(
                        G_CHECKSUM_SHA256, (const guchar *)d + f.sos, n - f.sos)
                  : NULL;
    g_free(d);
    return hex;
}

const char *const stamp_exif_tags[] = {"-a", "-G1", "-charset", "iptc=UTF8",
                                       NULL};

char *stamp_exif_member(JsonObject *object, const char *name)
{
    if (!object || !json_object_has_member(object, name))
        return g_strdup("");
    JsonNode *node = json_object_get_member(object, name);
    if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *list = json_node_get_array(node);
        GString *joined = g_string_new(NULL);
        for (guint i = 0; i < json_array_get_length(list); i++) {
            JsonNode *item = json_array_get_element(list, i);
            if (i)
                g_string_append_c(joined, ';');
            if (JSON_NODE_HOLDS_VALUE(item) &&
                json_node_get_value_type(item) == G_TYPE_STRING)
                g_string_append(joined, json_node_get_string(item));
            else
                g_string_append(joined, "?");
        }
        return g_string_free(joined, FALSE);
    }
    if (JSON_NODE_HOLDS_VALUE(node) &&
        json_node_get_value_type(node) == G_TYPE_STRING)
        return g_strdup(json_node_get_string(node));
    if (JSON_NODE_HOLDS_VALUE(node) &&
        json_node_get_value_type(node) == G_TYPE_BOOLEAN)
        return g_strdup(json_node_get_boolean(node) ? "True" : "False");
    if (JSON_NODE_HOLDS_VALUE(node) &&
        json_node_get_value_type(node) == G_TYPE_INT64)
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
    return g_strdup("?");
}

char *stamp_exif_validate(const char *path)
{
    static const char *const options[] = {"-validate", "-warning", "-error",
                                          "-a",        "-G1",      NULL};
    JsonObject *o = dk_test_exiftool(path, options);
    if (!o)
        return g_strdup("exiftool failed");
    GString *text = g_string_new(NULL);
    char *verdict = stamp_exif_member(o, "ExifTool:Validate");
    g_string_append(text, verdict);
    g_free(verdict);
    GList *names = json_object_get_members(o);
    for (GList *l = names; l; l = l->next) {
        const char *name = l->data;
        if (strstr(name, "Warning") || strstr(name, "Error")) {
            char *v = stamp_exif_member(o, name);
            g_string_append_printf(text, "\n%s: %s", name, v);
            g_free(v);
        }
    }
    g_list_free(names);
    json_object_unref(o);
    return g_string_free(text, FALSE);
}
