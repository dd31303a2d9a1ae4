#include "dk_test_tools.h"

#include <glib/gstdio.h>
#include <stdio.h>

#include "dk_test.h"

char *dk_test_ffprobe(const char *path, const char *options)
{
    g_autofree char *quoted = g_shell_quote(path);
    g_autofree char *cmd =
        g_strdup_printf("ffprobe -v error %s %s", options, quoted);
    char *out = NULL, *err = NULL;
    int status = dk_test_sh(cmd, &out, &err);
    if (status != 0) {
        fprintf(stderr, "`%s` -> %d: %s\n", cmd, status, err ? err : "");
        g_clear_pointer(&out, g_free);
    }
    g_free(err);
    return out;
}

/* The root of text as an object (json_object_unref()), or NULL. */
static JsonObject *parse_object(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!text || !json_parser_load_from_data(parser, text, -1, NULL))
        return NULL;
    JsonNode *root = json_parser_get_root(parser);
    return root && JSON_NODE_HOLDS_OBJECT(root)
               ? json_object_ref(json_node_get_object(root))
               : NULL;
}

JsonObject *dk_test_ffprobe_json(const char *path, const char *options)
{
    g_autofree char *all = g_strdup_printf("%s -of json", options);
    g_autofree char *out = dk_test_ffprobe(path, all);
    JsonObject *object = parse_object(out);
    if (!object)
        dk_test_fail("ffprobe %s: no JSON for %s", options, path);
    return object;
}

/* exiftool -j, the options and path; *status gets its exit status. */
static JsonArray *exiftool_files(const char *path, const char *const *options,
                                 int *status)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, "exiftool");
    g_ptr_array_add(argv, "-j");
    for (const char *const *o = options; o && *o; o++)
        g_ptr_array_add(argv, (gpointer)*o);
    g_ptr_array_add(argv, (gpointer)path);
    g_ptr_array_add(argv, NULL);
    g_autofree char *out = NULL;
    *status = dk_test_run((const char *const *)argv->pdata, &out, NULL, 120);
    g_ptr_array_free(argv, TRUE);
    g_autoptr(JsonParser) parser = json_parser_new();
    if (*status < 0 || !out ||
        !json_parser_load_from_data(parser, out, -1, NULL))
        return NULL;
    JsonNode *root = json_parser_get_root(parser);
    return root && JSON_NODE_HOLDS_ARRAY(root)
               ? json_array_ref(json_node_get_array(root))
               : NULL;
}

JsonObject *dk_test_exiftool(const char *path, const char *const *options)
{
    int status = 0;
    JsonArray *files = exiftool_files(path, options, &status);
    JsonObject *object = NULL;
    if (files && status == 0 && json_array_get_length(files) == 1)
        object = json_object_ref(json_array_get_object_element(files, 0));
    if (files)
        json_array_unref(files);
    return object;
}

JsonObject *dk_test_exiftool_folder(const char *dir, const char *const *options)
{
    GPtrArray *all = g_ptr_array_new();
    g_ptr_array_add(all, "-FileName");
    for (const char *const *o = options; o && *o; o++)
        g_ptr_array_add(all, (gpointer)*o);
    g_ptr_array_add(all, NULL);
    int status = 0;
    JsonArray *files =
        exiftool_files(dir, (const char *const *)all->pdata, &status);
    g_ptr_array_free(all, TRUE);
    if (!files || (status != 0 && status != 1))
        dk_test_fail("exiftool on %s: status %d, %s", dir, status,
                     files ? "JSON" : "no JSON");
    JsonObject *by_name = json_object_new();
    for (guint i = 0; i < json_array_get_length(files); i++) {
        JsonObject *o = json_array_get_object_element(files, i);
        json_object_set_object_member(
            by_name, json_object_get_string_member(o, "FileName"),
            json_object_ref(o));
    }
    json_array_unref(files);
    return by_name;
}

int dk_test_complete_video_frames(const char *path)
{
    /* ffprobe's status is not asked: on a cut-off file it may fail after
     * printing the packets it could read, and those are the answer */
    const char *argv[] = {"ffprobe",
                          "-v",
                          "quiet",
                          "-select_streams",
                          "v:0",
                          "-show_entries",
                          "packet=pos,size",
                          "-of",
                          "csv=p=0",
                          path,
                          NULL};
    g_autofree char *out = NULL;
    dk_test_run(argv, &out, NULL, 120);
    GStatBuf st;
    if (!out || g_stat(path, &st) != 0)
        dk_test_fail("ffprobe could not read %s", path);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    int complete = 0;
    for (char **l = lines; *l; l++) {
        long long pos = 0, size = 0;
        if (sscanf(*l, "%lld,%lld", &pos, &size) == 2 &&
            pos + size <= (long long)st.st_size)
            complete++;
    }
    return complete;
}
