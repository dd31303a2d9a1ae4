/* The video's snippet and status, and YouTube's limits on them, checked
 * before anything is queued rather than after an upload. */
#include "upload_youtube.h"

#include <inttypes.h>
#include <string.h>

#define TITLE_MAX_CHARS       100
#define DESCRIPTION_MAX_BYTES 5000
#define TAGS_MAX_CHARS        500
#define CHUNK_UNIT            262144

const char *youtube_privacy_name(int privacy)
{
    static const char *const names[] = {"public", "unlisted", "private"};
    return privacy >= 0 && privacy < (int)G_N_ELEMENTS(names) ? names[privacy]
                                                              : "private";
}

int youtube_check_config(const upload_youtube_config *config, dk_error *err)
{
    int chunk = config->chunk_size;
    if (chunk % CHUNK_UNIT)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "chunk-size %d is not a multiple of 262144 (256 "
                            "KiB), which the resumable protocol requires",
                            chunk);
    const char *publish = config->publish_at;
    if (*publish) {
        GDateTime *when = g_date_time_new_from_iso8601(publish, NULL);
        if (!when)
            return dk_error_set(err, DK_ERR_CONFIG,
                                "publish-at '%s' is not an RFC 3339 time with "
                                "an offset (e.g. 2024-09-02T19:00:00+08:00)",
                                publish);
        g_date_time_unref(when);
        if (config->privacy != YOUTUBE_PRIVATE)
            return dk_error_set(err, DK_ERR_CONFIG,
                                "publish-at needs privacy=private: YouTube "
                                "publishes a private video at that time");
    }
    const char *playlist = config->playlist;
    for (const char *p = playlist; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
            return dk_error_set(err, DK_ERR_CONFIG,
                                "playlist '%s' is not a playlist id (e.g. "
                                "PLxxxxxxxx)",
                                playlist);
    return 0;
}

char **youtube_split_tags(const char *tags)
{
    GPtrArray *out = g_ptr_array_new();
    gchar **parts = g_strsplit_set(tags ? tags : "", ",;", -1);
    for (int i = 0; parts[i]; i++) {
        g_strstrip(parts[i]);
        if (*parts[i])
            g_ptr_array_add(out, g_strdup(parts[i]));
    }
    g_strfreev(parts);
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

/* YouTube counts a tag with a space as if quoted, plus a comma between. */
static int64_t tags_length(char **tags)
{
    int64_t total = 0;
    for (int i = 0; tags[i]; i++) {
        total += g_utf8_strlen(tags[i], -1) + (i ? 1 : 0);
        if (strchr(tags[i], ' '))
            total += 2;
    }
    return total;
}

int youtube_check_meta(const char *title, const char *description,
                       const char *tags, dk_error *err)
{
    if (!g_utf8_validate(title, -1, NULL) ||
        !g_utf8_validate(description, -1, NULL))
        return dk_error_set(err, DK_ERR_INVALID,
                            "title or description is not valid UTF-8");
    glong chars = g_utf8_strlen(title, -1);
    if (chars == 0)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "the title is empty (set title=, or the event's "
                            "title)");
    if (chars > TITLE_MAX_CHARS)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "the title has %ld characters; YouTube allows %d: "
                            "\"%.60s...\"",
                            chars, TITLE_MAX_CHARS, title);
    if (strpbrk(title, "<>"))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "the title contains < or >, which YouTube refuses");
    size_t bytes = strlen(description);
    if (bytes > DESCRIPTION_MAX_BYTES)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "the description has %zu bytes; YouTube allows %d",
                            bytes, DESCRIPTION_MAX_BYTES);
    if (strpbrk(description, "<>"))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "the description contains < or >, which YouTube "
                            "refuses");
    char **list = youtube_split_tags(tags);
    int64_t length = tags_length(list);
    g_strfreev(list);
    if (length > TAGS_MAX_CHARS)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "the tags take %" PRId64
                            " characters; YouTube allows %d in all",
                            length, TAGS_MAX_CHARS);
    return 0;
}

static void add_string(JsonBuilder *b, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, value);
}

char *youtube_video_json(const upload_youtube_config *config, const dk_job *job)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "snippet");
    json_builder_begin_object(b);
    add_string(b, "title", dk_job_meta(job, "title"));
    add_string(b, "description", dk_job_meta(job, "description"));
    char **tags = youtube_split_tags(dk_job_meta(job, "tags"));
    if (tags[0]) {
        json_builder_set_member_name(b, "tags");
        json_builder_begin_array(b);
        for (int i = 0; tags[i]; i++)
            json_builder_add_string_value(b, tags[i]);
        json_builder_end_array(b);
    }
    g_strfreev(tags);
    g_autofree char *category = g_strdup_printf("%d", config->category);
    add_string(b, "categoryId", category);
    add_string(b, "defaultLanguage", dk_job_meta(job, "language"));
    add_string(b, "defaultAudioLanguage", dk_job_meta(job, "language"));
    json_builder_end_object(b);

    json_builder_set_member_name(b, "status");
    json_builder_begin_object(b);
    add_string(b, "privacyStatus", youtube_privacy_name(config->privacy));
    add_string(b, "publishAt", config->publish_at);
    json_builder_set_member_name(b, "selfDeclaredMadeForKids");
    json_builder_add_boolean_value(b, config->made_for_kids);
    json_builder_end_object(b);
    json_builder_end_object(b);

    JsonGenerator *generator = json_generator_new();
    JsonNode *root = json_builder_get_root(b);
    json_generator_set_root(generator, root);
    char *text = json_generator_to_data(generator, NULL);
    json_node_unref(root);
    g_object_unref(generator);
    g_object_unref(b);
    return text;
}
