/* Private to the PostgreSQL back end: one libpq connection with the
 * queue's URL (for messages, without its password), reconnecting once
 * when the connection broke, every value passed as a parameter. */
#ifndef DK_QUEUE_PG_CONN_H
#define DK_QUEUE_PG_CONN_H

#include <libpq-fe.h>

#include "queue_backend.h"

/* The server's clock, unix seconds: every time the queue compares or
 * stores comes from here, never from a worker's clock. */
#define PG_NOW "floor(extract(epoch FROM clock_timestamp()))::bigint"

typedef struct pg_queue {
    PGconn *conn;
    char *url; /* redacted */
    bool in_transaction;
    bool listening; /* LISTEN dokpim_jobs done on this connection */
} pg_queue;

/* Parameters of one statement, as text (NULL: SQL NULL). Numbers are
 * kept inside, so a pg_params may be copied (returned by value). */
#define PG_MAX_PARAMS 20
typedef struct pg_params {
    int n;
    const char *texts[PG_MAX_PARAMS];
    bool is_number[PG_MAX_PARAMS];
    char numbers[PG_MAX_PARAMS][24];
} pg_params;

void pg_param_int(pg_params *p, int64_t value);
void pg_param_text(pg_params *p, const char *value);
/* The text of parameter i as the server gets it. */
const char *pg_param_value(const pg_params *p, int i);

int pg_connect(const char *conninfo, pg_queue **out, dk_error *err);
void pg_disconnect(pg_queue *q);

/* Runs sql with p (NULL: sql has no parameter and may be several
 * statements); the result (PQclear it) or NULL with err
 * set: DK_ERR_NETWORK when the server cannot be reached, DK_ERR_IO for
 * anything else, the URL and PostgreSQL's message in it. */
PGresult *pg_query(pg_queue *q, const char *sql, const pg_params *p,
                   dk_error *err);
/* pg_query for statements whose result is not read. */
int pg_run(pg_queue *q, const char *sql, const pg_params *p, dk_error *err);
/* Rows a command changed (UPDATE, DELETE, INSERT). */
int64_t pg_changed(PGresult *result);
/* The integer in row 0, column 0 (NULL or no row reads as 0). */
int64_t pg_int(PGresult *result, int row, int column);
/* The text in a cell, copied (NULL for SQL NULL). */
char *pg_text(PGresult *result, int row, int column);
/* The one number a query answers (NULL or no row reads as 0). */
int pg_query_int(pg_queue *q, const char *sql, const pg_params *p,
                 int64_t *value, dk_error *err);

/* Wakes the idle workers (LISTEN dokpim_jobs); inside a transaction it is
 * delivered at COMMIT. */
#define PG_NOTIFY "SELECT pg_notify('dokpim_jobs', '')"

int pg_begin(pg_queue *q, dk_error *err);
/* COMMIT when rc is 0, else ROLLBACK; returns rc or COMMIT's error. */
int pg_end(pg_queue *q, int rc, dk_error *err);

/* Creates or migrates the schema (dokpim_schema holds its version), in
 * one transaction under an advisory lock: workers starting together
 * wait for the first. */
int pg_migrate(pg_queue *q, dk_error *err);

/* Entries of queue_pg_backend in backend_pg_admin.c. */
int pg_quota_charge(void *db, const char *bucket, const char *day, int64_t cost,
                    int64_t allowance, dk_error *err);
int pg_quota_refund(void *db, const char *bucket, const char *day, int64_t cost,
                    dk_error *err);
int pg_quota_exhaust(void *db, const char *bucket, const char *day,
                     int64_t allowance, dk_error *err);
int pg_retry(void *db, int64_t id, bool force, dk_error *err);
int pg_cancel(void *db, int64_t id, dk_error *err);
int pg_purge_done(void *db, const char *library, int *count, dk_error *err);
int pg_targets(void *db, const char *sha256, GPtrArray *out, dk_error *err);
int pg_rows(void *db, int64_t *count, dk_error *err);
int pg_next_wakeup(void *db, int64_t *when, dk_error *err);
int pg_now(void *db, int64_t *now, dk_error *err);

#endif
