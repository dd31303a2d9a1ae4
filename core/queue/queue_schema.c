/* The schema version a library's queue.db holds, for `dokpim doctor`.
 * Read apart from dk_queue_open(), which writes the schema and its
 * version as it opens: through it, a queue.db that a newer dokpim wrote
 * would look current. */
#include "dk_queue.h"

#include <sqlite3.h>

int dk_queue_sqlite_schema(const char *path, int *found, int *expected,
                           dk_error *err)
{
    *found = -1;
    *expected = queue_sqlite_schema_version;
    sqlite3 *db = NULL;
    /* read-write without create: a read-only handle cannot read a WAL
     * database whose -shm file is missing; nothing here writes */
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    sqlite3_stmt *stmt = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        *found = sqlite3_column_int(stmt, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    /* a damaged page deeper in the file passes the header: quick_check
     * reads every page once (a queue is small) */
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &stmt, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *verdict = (const char *)sqlite3_column_text(stmt, 0);
        if (verdict && g_strcmp0(verdict, "ok") != 0) {
            int code =
                dk_error_set(err, DK_ERR_IO, "%s: damaged: %s", path, verdict);
            sqlite3_finalize(stmt);
            sqlite3_close(db);
            return code;
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        int code = dk_error_set(err, DK_ERR_IO, "%s: cannot read: %s", path,
                                db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return code;
    }
    sqlite3_close(db);
    return 0;
}
