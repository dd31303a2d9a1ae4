/* The PostgreSQL back end's connection: libpq with parameters only,
 * errors that name the queue (never its password), one reconnect when the
 * connection broke between two statements, and the schema migrations. */
#include "pg_conn.h"

#include <string.h>

#include "dk_queue.h"

void pg_param_int(pg_params *p, int64_t value)
{
    g_assert(p->n < PG_MAX_PARAMS);
    g_snprintf(p->numbers[p->n], sizeof p->numbers[p->n], "%" G_GINT64_FORMAT,
               value);
    p->is_number[p->n] = true;
    p->n++;
}

void pg_param_text(pg_params *p, const char *value)
{
    g_assert(p->n < PG_MAX_PARAMS);
    p->texts[p->n] = value;
    p->is_number[p->n] = false;
    p->n++;
}

const char *pg_param_value(const pg_params *p, int i)
{
    return p->is_number[i] ? p->numbers[i] : p->texts[i];
}

/* libpq's messages end with a newline; ours are one line. */
static int pg_error(pg_queue *q, int code, const char *what,
                    const char *message, dk_error *err)
{
    g_autofree char *text = g_strdup(message ? message : "");
    g_strstrip(text);
    for (char *c = text; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    return dk_error_set(err, code, "queue %s: %s: %s", q->url, what, text);
}

/* The library never prints: NOTICEs ("already exists, skipping") go. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

int pg_connect(const char *conninfo, pg_queue **out, dk_error *err)
{
    *out = NULL;
    pg_queue *q = g_new0(pg_queue, 1);
    q->url = dk_queue_url_redact(conninfo);
    /* a default that the URL's own connect_timeout overrides: a server
     * that does not answer is an error, not a hang */
    const char *const keys[] = {"connect_timeout", "dbname", "application_name",
                                NULL};
    const char *const values[] = {"10", conninfo, "dokpim", NULL};
    q->conn = PQconnectdbParams(keys, values, 1);
    if (!q->conn || PQstatus(q->conn) != CONNECTION_OK) {
        int rc =
            pg_error(q, DK_ERR_NETWORK, "cannot connect",
                     q->conn ? PQerrorMessage(q->conn) : "out of memory", err);
        pg_disconnect(q);
        return rc;
    }
    PQsetNoticeProcessor(q->conn, quiet, NULL);
    *out = q;
    return 0;
}

void pg_disconnect(pg_queue *q)
{
    if (!q)
        return;
    PQfinish(q->conn);
    g_free(q->url);
    g_free(q);
}

/* A connection that broke (server restarted, network cut) is made again
 * once; inside a transaction that would lose its first statements, so
 * there the caller's operation fails and the next one reconnects. */
static bool reconnect(pg_queue *q)
{
    if (PQstatus(q->conn) == CONNECTION_OK)
        return true;
    PQreset(q->conn);
    q->listening = false; /* a new session listens to nothing */
    q->in_transaction = false;
    return PQstatus(q->conn) == CONNECTION_OK;
}

/* p NULL: a script of several statements without any value in them (the
 * migrations); values only ever go as parameters. */
static PGresult *execute(pg_queue *q, const char *sql, const pg_params *p)
{
    if (!p)
        return PQexec(q->conn, sql);
    const char *values[PG_MAX_PARAMS];
    for (int i = 0; i < p->n; i++)
        values[i] = pg_param_value(p, i);
    return PQexecParams(q->conn, sql, p->n, NULL, values, NULL, NULL, 0);
}

static bool succeeded(PGresult *result)
{
    ExecStatusType status = PQresultStatus(result);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

PGresult *pg_query(pg_queue *q, const char *sql, const pg_params *p,
                   dk_error *err)
{
    if (!q->in_transaction && !reconnect(q)) {
        pg_error(q, DK_ERR_NETWORK, "connection lost", PQerrorMessage(q->conn),
                 err);
        return NULL;
    }
    PGresult *result = execute(q, sql, p);
    if (!succeeded(result) && PQstatus(q->conn) != CONNECTION_OK &&
        !q->in_transaction && reconnect(q)) {
        PQclear(result);
        result = execute(q, sql, p);
    }
    if (succeeded(result))
        return result;
    bool broken = PQstatus(q->conn) != CONNECTION_OK;
    pg_error(q, broken ? DK_ERR_NETWORK : DK_ERR_IO,
             broken ? "connection lost" : "query failed",
             result ? PQresultErrorMessage(result) : PQerrorMessage(q->conn),
             err);
    PQclear(result);
    return NULL;
}

int pg_run(pg_queue *q, const char *sql, const pg_params *p, dk_error *err)
{
    dk_error local = {0};
    dk_error *e = err ? err : &local;
    PGresult *result = pg_query(q, sql, p, e);
    if (!result)
        return e->code;
    PQclear(result);
    return 0;
}

int64_t pg_changed(PGresult *result)
{
    const char *text = PQcmdTuples(result);
    return text && *text ? g_ascii_strtoll(text, NULL, 10) : 0;
}

int64_t pg_int(PGresult *result, int row, int column)
{
    if (row >= PQntuples(result) || PQgetisnull(result, row, column))
        return 0;
    const char *text = PQgetvalue(result, row, column);
    if (strcmp(text, "t") == 0)
        return 1; /* booleans */
    return g_ascii_strtoll(text, NULL, 10);
}

char *pg_text(PGresult *result, int row, int column)
{
    if (row >= PQntuples(result) || PQgetisnull(result, row, column))
        return NULL;
    return g_strdup(PQgetvalue(result, row, column));
}

/* One number a query answers. */
int pg_query_int(pg_queue *q, const char *sql, const pg_params *p,
                 int64_t *value, dk_error *err)
{
    *value = 0;
    PGresult *r = pg_query(q, sql, p, err);
    if (!r)
        return err ? err->code : DK_ERR_IO;
    *value = pg_int(r, 0, 0);
    PQclear(r);
    return 0;
}

int pg_begin(pg_queue *q, dk_error *err)
{
    int rc = pg_run(q, "BEGIN", NULL, err);
    q->in_transaction = rc == 0;
    return rc;
}

int pg_end(pg_queue *q, int rc, dk_error *err)
{
    if (!q->in_transaction)
        return rc < 0 ? rc : 0;
    if (rc < 0) {
        PQclear(PQexec(q->conn, "ROLLBACK"));
        q->in_transaction = false;
        return rc;
    }
    rc = pg_run(q, "COMMIT", NULL, err);
    q->in_transaction = false;
    return rc;
}

/* One step per schema version; a queue made by an older dokpim gets the
 * steps after the version dokpim_schema holds. Times are unix seconds by
 * the server's clock (PG_NOW), like SQLite's. */
static const char *const migrations[] = {
    /* 1 */
    "CREATE TABLE jobs ("
    " id bigserial PRIMARY KEY, library text,"
    " plugin text NOT NULL, stage text NOT NULL, target text NOT NULL,"
    " path text NOT NULL, sha256 text NOT NULL,"
    " size bigint NOT NULL, mtime bigint NOT NULL,"
    " options text NOT NULL, meta text NOT NULL,"
    " state integer NOT NULL DEFAULT 0,"
    " attempts integer NOT NULL DEFAULT 0,"
    " failures integer NOT NULL DEFAULT 0, last_error text,"
    " session text, confirmed bigint NOT NULL DEFAULT 0,"
    " remote_id text, remote_status text,"
    " progress bigint NOT NULL DEFAULT 0,"
    " not_before bigint NOT NULL DEFAULT 0,"
    " force boolean NOT NULL DEFAULT false,"
    " lease_owner text, lease_until bigint NOT NULL DEFAULT 0,"
    " fence bigint NOT NULL DEFAULT 0,"
    " created bigint NOT NULL, updated bigint NOT NULL);"
    "CREATE INDEX jobs_content ON jobs (sha256, target);"
    /* the claim: state = 0 ORDER BY not_before, id reads one entry */
    "CREATE INDEX jobs_claim ON jobs (state, not_before, id);"
    "CREATE INDEX jobs_library ON jobs (library, id);"
    "CREATE TABLE steps ("
    " job_id bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
    " name text NOT NULL, state integer NOT NULL DEFAULT 0,"
    " detail text, attempts integer NOT NULL DEFAULT 0,"
    " updated bigint NOT NULL, seq bigserial,"
    " PRIMARY KEY (job_id, name));"
    "CREATE TABLE ledger ("
    " sha256 text NOT NULL, target text NOT NULL, remote_id text NOT NULL,"
    " job_id bigint, created bigint NOT NULL,"
    " PRIMARY KEY (sha256, target));"
    "CREATE TABLE quota ("
    " bucket text NOT NULL, day text NOT NULL,"
    " used bigint NOT NULL DEFAULT 0,"
    " exhausted integer NOT NULL DEFAULT 0,"
    " PRIMARY KEY (bucket, day));",
};

/* pg_advisory_xact_lock key: "dokpim" in ASCII */
#define SCHEMA_LOCK "112511357545837"

int pg_migrate(pg_queue *q, dk_error *err)
{
    int rc = pg_begin(q, err);
    if (rc == 0)
        rc = pg_run(q, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")", NULL,
                    err);
    if (rc == 0)
        rc = pg_run(q,
                    "CREATE TABLE IF NOT EXISTS dokpim_schema"
                    " (version integer NOT NULL)",
                    NULL, err);
    int64_t version = 0;
    if (rc == 0)
        rc = pg_query_int(q, "SELECT max(version) FROM dokpim_schema", NULL,
                          &version, err);
    int64_t latest = G_N_ELEMENTS(migrations);
    if (rc == 0 && version > latest)
        rc = dk_error_set(err, DK_ERR_UNSUPPORTED,
                          "queue %s: schema version %" G_GINT64_FORMAT
                          " was made by a newer dokpim (this one knows %d)",
                          q->url, version, (int)latest);
    for (int64_t v = version; rc == 0 && v < latest; v++)
        rc = pg_run(q, migrations[v], NULL, err);
    if (rc == 0 && version < latest) {
        pg_params p = {0};
        pg_param_int(&p, latest);
        rc = pg_run(q, "DELETE FROM dokpim_schema", NULL, err);
        if (rc == 0)
            rc = pg_run(q, "INSERT INTO dokpim_schema VALUES ($1)", &p, err);
    }
    return pg_end(q, rc, err);
}
