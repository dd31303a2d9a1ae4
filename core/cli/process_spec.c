/* A processing job's options as JSON, and the target that dedupes it. */
#include "json.h"
#include "process_job.h"

#include <string.h>

char *process_spec_to_json(const process_spec *spec)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_add_string(b, "library", spec->library);
    json_add_string(b, "pipeline", spec->pipeline);
    json_add_string(b, "pipeline_sha256", spec->pipeline_sha256);
    json_add_string(b, "event", spec->event);
    json_add_string(b, "event_sha256", spec->event_sha256);
    json_builder_set_member_name(b, "overrides");
    json_builder_begin_array(b);
    for (int i = 0; spec->overrides && spec->overrides[i]; i++)
        json_builder_add_string_value(b, spec->overrides[i]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "seq");
    json_builder_add_int_value(b, spec->seq);
    if (spec->items) {
        json_builder_set_member_name(b, "items");
        json_builder_begin_array(b);
        for (guint i = 0; i < spec->items->len; i++)
            json_builder_add_int_value(b,
                                       g_array_index(spec->items, int64_t, i));
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
    char *text = json_text(b, false);
    g_object_unref(b);
    return text;
}

static char *member(JsonObject *o, const char *name)
{
    JsonNode *node = json_object_get_member(o, name);
    if (!node || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return g_strdup(json_node_get_string(node));
}

static int parse(JsonObject *o, process_spec *spec, dk_error *err)
{
    spec->library = member(o, "library");
    spec->pipeline = member(o, "pipeline");
    spec->pipeline_sha256 = member(o, "pipeline_sha256");
    spec->event = member(o, "event");
    spec->event_sha256 = member(o, "event_sha256");
    if (!spec->library || !spec->pipeline || !spec->pipeline_sha256 ||
        !spec->event || !spec->event_sha256)
        return dk_error_set(err, DK_ERR_INVALID,
                            "the job's options lack the library, pipeline or "
                            "event: not a job this dokpim submitted");
    JsonArray *overrides = json_object_get_array_member(o, "overrides");
    guint n = overrides ? json_array_get_length(overrides) : 0;
    spec->overrides = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++)
        spec->overrides[i] =
            g_strdup(json_array_get_string_element(overrides, i));
    spec->seq = (int)json_object_get_int_member_with_default(o, "seq", 0);
    JsonArray *items = json_object_has_member(o, "items")
                           ? json_object_get_array_member(o, "items")
                           : NULL;
    if (items) {
        spec->items = g_array_new(FALSE, FALSE, sizeof(int64_t));
        for (guint i = 0; i < json_array_get_length(items); i++) {
            int64_t id = json_array_get_int_element(items, i);
            g_array_append_val(spec->items, id);
        }
    }
    return 0;
}

int process_spec_from_json(const char *json, process_spec *spec, dk_error *err)
{
    memset(spec, 0, sizeof *spec);
    JsonParser *parser = json_parser_new();
    int rc;
    JsonNode *root = NULL;
    if (json && json_parser_load_from_data(parser, json, -1, NULL))
        root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root))
        rc = dk_error_set(err, DK_ERR_INVALID,
                          "the job's options are not a JSON object");
    else
        rc = parse(json_node_get_object(root), spec, err);
    g_object_unref(parser);
    if (rc < 0)
        process_spec_clear(spec);
    return rc;
}

void process_spec_clear(process_spec *spec)
{
    g_free(spec->library);
    g_free(spec->pipeline);
    g_free(spec->pipeline_sha256);
    g_free(spec->event);
    g_free(spec->event_sha256);
    g_strfreev(spec->overrides);
    if (spec->items)
        g_array_free(spec->items, TRUE);
    memset(spec, 0, sizeof *spec);
}

char *process_spec_target(const process_spec *spec, const char *plugin)
{
    GString *recipe = g_string_new(NULL);
    g_string_append_printf(recipe, "%s\n%s\n", spec->pipeline_sha256,
                           spec->event_sha256);
    for (int i = 0; spec->overrides && spec->overrides[i]; i++)
        g_string_append_printf(recipe, "%s\n", spec->overrides[i]);
    g_autofree char *hash = g_compute_checksum_for_string(
        G_CHECKSUM_SHA256, recipe->str, (gssize)recipe->len);
    g_string_free(recipe, TRUE);
    return g_strdup_printf("%s %s <- %s recipe=%.16s", plugin, spec->library,
                           spec->pipeline, hash);
}

const char *process_job_kind(const char *plugin)
{
    if (plugin && strcmp(plugin, DK_JOB_PROCESS) == 0)
        return "process";
    if (plugin && strcmp(plugin, DK_JOB_FINISH) == 0)
        return "finish";
    return "upload";
}
