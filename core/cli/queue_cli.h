/* The `dokpim queue` command's pieces: output of jobs (table and JSON) and
 * the foreground worker. */
#ifndef DK_QUEUE_CLI_H
#define DK_QUEUE_CLI_H

#include "cli.h"
#include "dk_queue.h"

#include <dokpim/http.h>
#include <json-glib/json-glib.h>

/* One line per job, with a bar for the ones moving. */
void queue_print_table(GPtrArray *records);
/* Every field of one job and its steps. */
void queue_print_details(const queue_record *record, GPtrArray *steps);
/* The jobs (with their steps) as a JSON array on stdout. */
void queue_print_json(dk_queue *queue, GPtrArray *records);
/* The same array as a node (`dokpim serve`'s /api/queue): no session URI,
 * targets without their passwords. json_node_unref(). */
JsonNode *queue_json(dk_queue *queue, GPtrArray *records);
/* "[#####.....]  42%" for done of total. Caller g_free()s. */
char *queue_bar(int64_t done, int64_t total, int width);

/* `dokpim queue work` and `dokpim work`: returns the exit status.
 * queue_url: the --queue given (NULL: none), for the upload jobs the
 * processing jobs' stages queue. */
/* The queue `dokpim queue` and `dokpim work` act on: the library's (-o, or
 * the current folder), or, for a shared queue (--queue or DOKPIM_QUEUE)
 * named without a library, every library's jobs (each job names its
 * library). False after printing why it cannot be opened. */
bool queue_open_for_command(const char *queue_url, const char *library,
                            dk_queue **queue);

int queue_work(dk_queue *queue, const char *queue_url, bool until_empty,
               bool json);

#endif
