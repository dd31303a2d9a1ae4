/* `dokpim serve`'s queue routes (the queue page). */
#ifndef DK_SERVE_QUEUE_H
#define DK_SERVE_QUEUE_H

#include "serve.h"

typedef struct serve_queue serve_queue;

/* Routes /api/queue... on server for LIBRARY's queue, and pushes a
 * "queue" event when its jobs change. Free after the loop has stopped. */
serve_queue *serve_queue_attach(dk_server *server, const char *library);
void serve_queue_free(serve_queue *q);

#endif
