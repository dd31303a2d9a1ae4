#include "dk_upload_rig.h"
#include "dk_test.h"

#include <check.h>
#include <stdarg.h>

int dk_rig_dokpim(char **out, char **err, const char *first, ...)
{
    GPtrArray *args = g_ptr_array_new();
    va_list list;
    va_start(list, first);
    for (const char *a = first; a; a = va_arg(list, const char *))
        g_ptr_array_add(args, (gpointer)a);
    va_end(list);
    g_ptr_array_add(args, NULL);
    int status = dk_test_dokpim((const char *const *)args->pdata, out, err);
    g_ptr_array_free(args, TRUE);
    return status;
}

void dk_rig_queue(const char *pipeline, const char *event, const char *library,
                  const char *input)
{
    char *err = NULL;
    int status = dk_rig_dokpim(NULL, &err, "run", "-q", pipeline, "--event",
                               event, "-o", library, input, NULL);
    ck_assert_msg(status == 0, "dokpim run: %s", err);
    g_free(err);
}

int dk_rig_work(const char *library, char **err)
{
    return dk_rig_dokpim(NULL, err, "queue", "work", "-o", library,
                         "--until-empty", NULL);
}

JsonNode *dk_rig_parse(const char *text)
{
    JsonParser *parser = json_parser_new();
    ck_assert_msg(text && json_parser_load_from_data(parser, text, -1, NULL),
                  "not JSON: %s", text ? text : "(null)");
    JsonNode *root = json_node_copy(json_parser_get_root(parser));
    g_object_unref(parser);
    return root;
}

static JsonNode *list(const char *library)
{
    char *out = NULL, *err = NULL;
    int status = dk_rig_dokpim(&out, &err, "queue", "list", "--json", "-o",
                               library, NULL);
    ck_assert_msg(status == 0, "queue list: %s", err);
    JsonNode *root = dk_rig_parse(out);
    g_free(out);
    g_free(err);
    return root;
}

JsonObject *dk_rig_job(const char *library, guint index, JsonNode **keep)
{
    *keep = list(library);
    JsonArray *jobs = json_node_get_array(*keep);
    ck_assert_uint_gt(json_array_get_length(jobs), index);
    return json_array_get_object_element(jobs, index);
}

guint dk_rig_job_count(const char *library)
{
    JsonNode *root = list(library);
    guint n = json_array_get_length(json_node_get_array(root));
    json_node_unref(root);
    return n;
}

const char *dk_rig_text(JsonObject *object, const char *name)
{
    JsonNode *node = json_object_get_member(object, name);
    return node && !JSON_NODE_HOLDS_NULL(node) ? json_node_get_string(node)
                                               : NULL;
}
