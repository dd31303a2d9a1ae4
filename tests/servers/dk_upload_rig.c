#include "dk_upload_rig.h"
#include "dk_test.h"

#include <check.h>
#include <stdarg.h>
#include <unistd.h>

bool dk_rig_queue_is_pg(void)
{
    const char *queue = g_getenv("DOKPIM_QUEUE");
    return queue && g_str_has_prefix(queue, "postgresql://");
}

/* With a PostgreSQL queue nothing may fall back to the library's own
 * SQLite file: that would pass every test without PostgreSQL. */
static void assert_queue_used(const char *library)
{
    if (!dk_rig_queue_is_pg())
        return;
    g_autofree char *db = g_build_filename(library, "queue.db", NULL);
    ck_assert_msg(!g_file_test(db, G_FILE_TEST_EXISTS),
                  "%s appeared although DOKPIM_QUEUE is %s", db,
                  g_getenv("DOKPIM_QUEUE"));
}

static void fresh_queue(void)
{
    const char *server = g_getenv("DK_TEST_PG_URL");
    if (!server || !*server)
        return;
    static int cases;
    /* lower case letters, digits and _ only: a name psql needs no quotes
     * for, and the wrapper finds by its prefix */
    g_autofree char *name = g_strdup_printf(
        "%s_%ld_%d", g_getenv("DK_TEST_PG_PREFIX"), (long)getpid(), cases++);
    for (char *c = name; *c; c++)
        *c = g_ascii_isalnum(*c) ? g_ascii_tolower(*c) : '_';
    /* a schema first in the search path, not a database: CREATE DATABASE
     * costs a checkpoint, a second a case under load */
    g_free(dk_test_sh_ok("psql -X -q -v ON_ERROR_STOP=1 -d '%spostgres' "
                         "-c 'CREATE SCHEMA %s'",
                         server, name));
    g_autofree char *url =
        g_strdup_printf("%spostgres?options=-csearch_path%%3D%s", server, name);
    g_setenv("DOKPIM_QUEUE", url, TRUE);
}

void dk_rig_isolate_queue(TCase *tc)
{
    tcase_add_checked_fixture(tc, fresh_queue, NULL);
}

char *dk_rig_queue_sql(const char *library, const char *sql)
{
    /* the statement goes through the environment, not the command line:
     * no quoting to get wrong */
    g_setenv("DK_RIG_SQL", sql, TRUE);
    char *out = NULL;
    if (dk_rig_queue_is_pg()) {
        g_setenv("DK_RIG_QUEUE", g_getenv("DOKPIM_QUEUE"), TRUE);
        out = dk_test_sh_ok("psql -X -q -A -t -v ON_ERROR_STOP=1 "
                            "-d \"$DK_RIG_QUEUE\" -c \"$DK_RIG_SQL\"");
    } else {
        g_autofree char *db = g_build_filename(library, "queue.db", NULL);
        g_setenv("DK_RIG_QUEUE", db, TRUE);
        out = dk_test_sh_ok("sqlite3 \"$DK_RIG_QUEUE\" \"$DK_RIG_SQL\"");
    }
    g_unsetenv("DK_RIG_SQL");
    g_unsetenv("DK_RIG_QUEUE");
    return out;
}

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
    /* Check refuses long messages: the start says what went wrong */
    ck_assert_msg(status == 0, "dokpim run: %.1500s", err);
    g_free(err);
    assert_queue_used(library);
}

int dk_rig_work(const char *library, char **err)
{
    int status = dk_rig_dokpim(NULL, err, "queue", "work", "-o", library,
                               "--until-empty", NULL);
    assert_queue_used(library);
    return status;
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
    assert_queue_used(library);
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
