/* Helpers the upload suites share: running dokpim with a list of
 * arguments, reading `dokpim queue list --json`. */
#ifndef DK_UPLOAD_RIG_H
#define DK_UPLOAD_RIG_H

#include <check.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

/* dokpim ARGS... (NULL-terminated); returns its exit status. out/err may
 * be NULL; otherwise g_free() them. */
int dk_rig_dokpim(char **out, char **err, const char *first, ...)
    __attribute__((sentinel));
/* `dokpim run -q PIPELINE --event EVENT -o LIBRARY INPUT`, which must
 * succeed: it queues INPUT's upload. */
void dk_rig_queue(const char *pipeline, const char *event, const char *library,
                  const char *input);
/* `dokpim queue work -o LIBRARY --until-empty`; its exit status. */
int dk_rig_work(const char *library, char **err);
/* Parses JSON or fails the test; json_node_unref() the result. */
JsonNode *dk_rig_parse(const char *text);
/* Job number index (0-based) of `dokpim queue list --json -o library`;
 * *keep holds the document (json_node_unref). */
JsonObject *dk_rig_job(const char *library, guint index, JsonNode **keep);
/* Number of jobs in the queue. */
guint dk_rig_job_count(const char *library);
/* A string member, or NULL for null/absent. */
const char *dk_rig_text(JsonObject *object, const char *name);

/* The queue of each test case. A suite registered a second time with a
 * PostgreSQL queue (dk_add_upload_test POSTGRES: tests/servers/pg-fixture.sh
 * sets DK_TEST_PG_URL) gives every case a queue of its own (a schema named
 * after the suite and the case's process) through DOKPIM_QUEUE: a worker
 * takes any library's job from a shared queue, so two cases sharing one
 * would take each other's. Adds that as a checked fixture of tc; nothing
 * changes under SQLite, where each library has its own queue.db anyway. */
void dk_rig_isolate_queue(TCase *tc);
/* Whether this case's queue is PostgreSQL. */
bool dk_rig_queue_is_pg(void);
/* Runs one SQL statement on the library's queue (sqlite3 on queue.db, or
 * psql on the case's queue) and returns what it printed, without the
 * white space around it (g_free); the statement must read the same in
 * both dialects. Fails the test when the tool fails. */
char *dk_rig_queue_sql(const char *library, const char *sql);

#endif
