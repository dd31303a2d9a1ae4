/* doctor: each library's queue (and --queue) opens, at the schema version
 * this dokpim writes, through the queue's own API. */
#include "dk_queue.h"
#include "doctor.h"
#include "manifest.h"

#include <dokpim/http.h>

#include <inttypes.h>

/* The one place doctor opens a queue. */
static int open_queue(const char *url, const char *library, dk_queue **queue,
                      dk_error *err)
{
    return dk_queue_open_existing_url(url, library, queue, err);
}

/* What to do about a queue.db that cannot be read. g_free(). */
static char *damaged_advice(const char *library)
{
    return g_strdup_printf(_("move it aside and restore it from a backup, or "
                             "run the pipeline again with -o %s to queue the "
                             "uploads anew"),
                           library);
}

/* The SQLite file itself: readable, undamaged, at our schema version. */
static bool schema_ok(doctor *d, const char *library, const char *path)
{
    int found = 0, expected = 0;
    dk_error err = {0};
    if (dk_queue_sqlite_schema(path, &found, &expected, &err) < 0) {
        g_autofree char *advice = damaged_advice(library);
        doctor_add(d, DOCTOR_FAIL, "queue", advice, "%s", err.message);
        return false;
    }
    if (found > expected) {
        doctor_add(d, DOCTOR_FAIL, "queue",
                   N_("run the newer dokpim here too (this one would rewrite "
                      "the version)"),
                   "%s: schema version %d, written by a newer dokpim (this "
                   "one writes %d)",
                   path, found, expected);
        return false;
    }
    if (found < expected)
        doctor_add(d, DOCTOR_WARN, "queue",
                   N_("nothing to do: dokpim brings it up to date when it "
                      "opens the queue"),
                   "%s: schema version %d, older than this dokpim's %d", path,
                   found, expected);
    return true;
}

static void check_open(doctor *d, const char *url, const char *library,
                       const char *name)
{
    dk_queue *queue = NULL;
    dk_error err = {0};
    int64_t rows = 0;
    int rc = open_queue(url, library, &queue, &err);
    if (rc == 0)
        rc = queue->backend->rows(queue->db, &rows, &err);
    if (rc < 0) {
        g_autofree char *advice =
            library ? damaged_advice(library) : g_strdup(N_("check the URL"));
        doctor_add(d, DOCTOR_FAIL, "queue", advice, "%s", err.message);
    } else
        doctor_add(d, DOCTOR_OK, "queue", NULL,
                   "%s opens (%s), %" PRId64 " job%s", name,
                   queue->backend->name, rows, rows == 1 ? "" : "s");
    dk_queue_close(&queue);
}

static void check_library(doctor *d, const char *library)
{
    if (!g_file_test(library, G_FILE_TEST_IS_DIR))
        return; /* the space check already names a missing library */
    g_autofree char *path = g_build_filename(library, "queue.db", NULL);
    g_autofree char *url = g_build_filename(library, "queue.url", NULL);
    bool sqlite = g_file_test(path, G_FILE_TEST_EXISTS);
    if (sqlite && !schema_ok(d, library, path))
        return;
    /* a library that remembers a shared queue, or DOKPIM_QUEUE naming
     * one, has its jobs there even without a queue.db */
    if (!sqlite && !g_file_test(url, G_FILE_TEST_EXISTS) &&
        !g_getenv("DOKPIM_QUEUE") && dk_manifest_count_queued(library) == 0) {
        doctor_add(d, DOCTOR_OK, "queue", NULL,
                   "%s: no queue.db yet (nothing queued)", library);
        return;
    }
    check_open(d, NULL, library, sqlite ? path : library);
}

void doctor_check_queue(doctor *d)
{
    for (int i = 0; d->libraries && d->libraries[i]; i++)
        check_library(d, d->libraries[i]);
    if (d->queue_url) {
        g_autofree char *safe = dk_queue_url_redact(d->queue_url);
        check_open(d, d->queue_url, NULL, safe);
    }
}
