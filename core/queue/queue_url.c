/* Which queue a library's jobs go to. SQLite in LIBRARY/queue.db stays the
 * default, with nothing to set up for one machine; a PostgreSQL URL lets
 * several machines share one queue. A library remembers the PostgreSQL
 * queue it used (LIBRARY/queue.url, never with a password): the next run
 * or worker without --queue finds its jobs again, and a different URL is
 * refused, because jobs split over two queues are as good as lost. */
#include "dk_queue.h"
#include "manifest.h"

#include <libpq-fe.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_postgres(const char *url)
{
    return g_str_has_prefix(url, "postgresql://") ||
           g_str_has_prefix(url, "postgres://") ||
           (!strstr(url, "://") && strchr(url, '=') &&
            !g_str_has_prefix(url, "sqlite:"));
}

/* A key=value value as libpq reads it back. */
static void append_value(GString *out, const char *value)
{
    bool plain = *value != '\0';
    for (const char *p = value; *p && plain; p++)
        plain = !g_ascii_isspace(*p) && *p != '\'' && *p != '\\';
    if (plain) {
        g_string_append(out, value);
        return;
    }
    g_string_append_c(out, '\'');
    for (const char *p = value; *p; p++) {
        if (*p == '\'' || *p == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '\'');
}

/* key=value: libpq parses it, and it is written again without the
 * password (unreadable text is not printed at all). */
static char *redact_keywords(const char *conninfo)
{
    PQconninfoOption *options = PQconninfoParse(conninfo, NULL);
    if (!options)
        return g_strdup("(unreadable PostgreSQL connection string)");
    GString *out = g_string_new(NULL);
    for (PQconninfoOption *o = options; o->keyword; o++) {
        if (!o->val || strcmp(o->keyword, "password") == 0)
            continue;
        if (out->len)
            g_string_append_c(out, ' ');
        g_string_append_printf(out, "%s=", o->keyword);
        append_value(out, o->val);
    }
    PQconninfoFree(options);
    return g_string_free(out, FALSE);
}

/* URI: the ":password" of user:password@ and any password= of the query
 * go; the rest stays as the user wrote it. */
static char *redact_uri(const char *url)
{
    const char *authority = strstr(url, "://") + 3;
    size_t host_end = strcspn(authority, "/?#");
    const char *at = g_strrstr_len(authority, (gssize)host_end, "@");
    GString *out = g_string_new_len(url, authority - url);
    if (at) {
        size_t user = strcspn(authority, ":@");
        g_string_append_len(out, authority, (gssize)user);
        g_string_append_len(out, at, (gssize)(host_end - (at - authority)));
    } else {
        g_string_append_len(out, authority, (gssize)host_end);
    }
    const char *rest = authority + host_end;
    const char *query = strchr(rest, '?');
    if (!query) {
        g_string_append(out, rest);
        return g_string_free(out, FALSE);
    }
    g_string_append_len(out, rest, query - rest);
    g_auto(GStrv) params = g_strsplit(query + 1, "&", -1);
    const char *separator = "?";
    for (int i = 0; params[i]; i++) {
        if (g_str_has_prefix(params[i], "password=") || !*params[i])
            continue;
        g_string_append_printf(out, "%s%s", separator, params[i]);
        separator = "&";
    }
    return g_string_free(out, FALSE);
}

char *dk_queue_url_redact(const char *url)
{
    if (!url)
        return NULL;
    if (!is_postgres(url))
        return g_strdup(url);
    if (strstr(url, "://"))
        return redact_uri(url);
    return redact_keywords(url);
}

/* The queue chosen, before it is opened. */
typedef struct queue_choice {
    const queue_backend *backend;
    char *location;   /* what backend->open gets */
    char *url;        /* without the password */
    bool remember;    /* PostgreSQL, and the library does not know it yet */
    bool default_one; /* LIBRARY/queue.db, found by no URL */
} queue_choice;

static void choice_clear(queue_choice *c)
{
    g_free(c->location);
    g_free(c->url);
}

static char *remembered_path(const char *library_root)
{
    return g_build_filename(library_root, "queue.url", NULL);
}

/* The URL the library remembers, or NULL. */
static char *remembered(const char *library_root)
{
    if (!library_root)
        return NULL;
    g_autofree char *path = remembered_path(library_root);
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    g_strstrip(text);
    if (!*text) {
        g_free(text);
        return NULL;
    }
    return text;
}

static int choose_url(const char *url, const char *library_root,
                      queue_choice *choice, dk_error *err)
{
    *choice = (queue_choice){0};
    const char *given_by = "--queue";
    if (!url || !*url) {
        url = g_getenv("DOKPIM_QUEUE");
        given_by = "DOKPIM_QUEUE";
    }
    if (url && !*url)
        url = NULL;
    g_autofree char *known = remembered(library_root);
    if (url) {
        g_autofree char *safe = dk_queue_url_redact(url);
        if (known && strcmp(safe, known) != 0)
            return dk_error_set(err, DK_ERR_CONFIG,
                                "%s: this library's jobs are in the queue %s "
                                "(queue.url), not in %s given by %s; jobs of "
                                "one library in two queues would be lost",
                                library_root, known, safe, given_by);
    } else {
        url = known;
    }
    if (!url) {
        if (!library_root)
            return dk_error_set(err, DK_ERR_CONFIG,
                                "no queue: give --queue URL or set "
                                "DOKPIM_QUEUE");
        if (!g_file_test(library_root, G_FILE_TEST_IS_DIR))
            return dk_error_set(err, DK_ERR_NOT_FOUND,
                                "%s: no such library folder", library_root);
        choice->backend = &queue_sqlite_backend;
        choice->location = g_build_filename(library_root, "queue.db", NULL);
        choice->url = g_strdup(choice->location);
        choice->default_one = true;
        return 0;
    }
    if (g_str_has_prefix(url, "sqlite:")) {
        if (!url[7])
            return dk_error_set(err, DK_ERR_CONFIG,
                                "queue URL sqlite: names no file");
        choice->backend = &queue_sqlite_backend;
        choice->location = g_canonicalize_filename(url + 7, NULL);
        choice->url = g_strconcat("sqlite:", choice->location, NULL);
        return 0;
    }
    if (!is_postgres(url)) {
        g_autofree char *shown = dk_escape_text(url);
        return dk_error_set(err, DK_ERR_CONFIG,
                            "queue URL '%s' is neither postgresql://..., "
                            "key=value ... (PostgreSQL) nor sqlite:PATH",
                            shown);
    }
    choice->backend = &queue_pg_backend;
    choice->location = g_strdup(url);
    choice->url = dk_queue_url_redact(url);
    choice->remember = library_root && !known;
    return 0;
}

/* Jobs of the library's own queue.db that are not finished yet (a done
 * or cancelled job needs no worker any more). */
static int unfinished_here(const char *library_root, int *count, dk_error *err)
{
    *count = 0;
    g_autofree char *path = g_build_filename(library_root, "queue.db", NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return 0;
    void *db = NULL;
    int rc = queue_sqlite_backend.open(path, false, &db, err);
    GPtrArray *records =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_record_free);
    if (rc == 0)
        rc = queue_sqlite_backend.list(db, NULL, records, err);
    for (guint i = 0; rc == 0 && i < records->len; i++) {
        const queue_record *r = records->pdata[i];
        *count += r->state != DK_JOB_DONE && r->state != DK_JOB_CANCELLED;
    }
    g_ptr_array_free(records, TRUE);
    if (db)
        queue_sqlite_backend.close(db);
    return rc;
}

/* choose_url, and a library moving to another queue (its first
 * PostgreSQL queue, or a sqlite:PATH elsewhere) while its queue.db still
 * has work is refused too: no worker of the new queue would see it. */
static int choose(const char *url, const char *library_root,
                  queue_choice *choice, dk_error *err)
{
    int rc = choose_url(url, library_root, choice, err);
    bool moving =
        rc == 0 && library_root && !choice->default_one &&
        (choice->remember || choice->backend == &queue_sqlite_backend);
    if (!moving)
        return rc;
    g_autofree char *own = g_build_filename(library_root, "queue.db", NULL);
    if (strcmp(choice->location, own) == 0)
        return 0;
    int unfinished = 0;
    rc = unfinished_here(library_root, &unfinished, err);
    if (rc == 0 && unfinished > 0)
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "%s: %d job%s of this library wait in %s; finish "
                          "them (dokpim queue work -o %s) before its jobs go "
                          "to %s",
                          library_root, unfinished, unfinished == 1 ? "" : "s",
                          own, library_root, choice->url);
    if (rc < 0) {
        choice_clear(choice);
        *choice = (queue_choice){0};
    }
    return rc;
}

/* Written once, the first time the library's jobs go to PostgreSQL. */
static int remember(const char *library_root, const char *url, dk_error *err)
{
    g_autofree char *path = remembered_path(library_root);
    g_autofree char *line = g_strconcat(url, "\n", NULL);
    int rc = dk_atomic_write_file(path, line, strlen(line), err);
    if (rc == 0)
        chmod(path, 0644);
    return rc;
}

static int lease_seconds(void)
{
    const char *text = g_getenv("DOKPIM_LEASE_SECONDS");
    int64_t value = text ? g_ascii_strtoll(text, NULL, 10) : 0;
    return value >= 1 && value <= 86400 ? (int)value : DK_QUEUE_LEASE_SECONDS;
}

static int open_choice(queue_choice *choice, const char *library_root,
                       bool create, dk_queue **out, dk_error *err)
{
    void *db = NULL;
    int rc = choice->backend->open(choice->location, create, &db, err);
    if (rc < 0)
        return rc;
    if (create && choice->remember) {
        rc = remember(library_root, choice->url, err);
        if (rc < 0) {
            choice->backend->close(db);
            return rc;
        }
    }
    dk_queue *queue = g_new0(dk_queue, 1);
    queue->remember = choice->remember && !create;
    queue->backend = choice->backend;
    queue->db = db;
    queue->location = g_steal_pointer(&choice->location);
    queue->url = g_steal_pointer(&choice->url);
    queue->library = g_strdup(library_root);
    queue->owner = g_strdup_printf("%s:%ld", g_get_host_name(), (long)getpid());
    queue->lease_seconds = lease_seconds();
    *out = queue;
    return 0;
}

int dk_queue_open_url(const char *url, const char *library_root, bool create,
                      dk_queue **out, dk_error *err)
{
    *out = NULL;
    queue_choice choice;
    int rc = choose(url, library_root, &choice, err);
    if (rc == 0)
        rc = open_choice(&choice, library_root, create, out, err);
    choice_clear(&choice);
    return rc;
}

static void close_run_queue(void *queue)
{
    dk_queue *q = queue;
    dk_queue_close(&q);
}

int dk_queue_of_run(dk_library *library, bool create, dk_queue **out,
                    dk_error *err)
{
    if (!library->queue) {
        dk_queue *queue = NULL;
        int rc = dk_queue_open_url(library->queue_url, library->root, create,
                                   &queue, err);
        if (rc < 0)
            return rc;
        library->queue = queue;
        library->queue_close = close_run_queue;
    }
    dk_queue *queue = library->queue;
    /* opened by a look (create false), now jobs go there */
    if (create && queue->remember) {
        int rc = remember(library->root, queue->url, err);
        if (rc < 0)
            return rc;
        queue->remember = false;
    }
    *out = queue;
    return 0;
}

int dk_queue_check_url(const char *url, const char *library_root, dk_error *err)
{
    queue_choice choice;
    int rc = choose(url, library_root, &choice, err);
    choice_clear(&choice);
    return rc;
}

int dk_queue_open(const char *library_root, bool create, dk_queue **out,
                  dk_error *err)
{
    return dk_queue_open_url(NULL, library_root, create, out, err);
}

int dk_queue_open_again(const dk_queue *queue, dk_queue **out, dk_error *err)
{
    queue_choice choice = {.backend = queue->backend,
                           .location = g_strdup(queue->location),
                           .url = g_strdup(queue->url)};
    int rc = open_choice(&choice, queue->library, false, out, err);
    choice_clear(&choice);
    return rc;
}

int dk_queue_open_existing_url(const char *url, const char *library_root,
                               dk_queue **out, dk_error *err)
{
    *out = NULL;
    queue_choice choice;
    int rc = choose(url, library_root, &choice, err);
    if (rc < 0) {
        choice_clear(&choice);
        return rc;
    }
    /* only the library's own queue.db can be missing; a shared queue is
     * there for every library */
    bool exists =
        !choice.default_one || g_file_test(choice.location, G_FILE_TEST_EXISTS);
    dk_queue *queue = NULL;
    int64_t rows = 0;
    if (exists) {
        rc = open_choice(&choice, library_root, false, &queue, err);
        if (rc == 0)
            rc = queue->backend->rows(queue->db, &rows, err);
        if (rc < 0) {
            dk_queue_close(&queue);
            choice_clear(&choice);
            return rc;
        }
        if (rows > 0) {
            *out = queue;
            choice_clear(&choice);
            return 0;
        }
    }
    int lost = library_root ? dk_manifest_count_queued(library_root) : 0;
    if (lost > 0) {
        dk_queue_close(&queue);
        choice_clear(&choice);
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "%s: %s is %s, but %d item%s of this library "
                            "queued uploads; run the pipeline again with -o "
                            "%s to queue them again",
                            library_root,
                            choice.default_one ? "queue.db" : "the queue",
                            exists ? "empty" : "missing", lost,
                            lost == 1 ? "" : "s", library_root);
    }
    if (queue) {
        *out = queue;
        choice_clear(&choice);
        return 0;
    }
    rc = open_choice(&choice, library_root, false, out, err);
    choice_clear(&choice);
    return rc;
}

int dk_queue_open_existing(const char *library_root, dk_queue **out,
                           dk_error *err)
{
    return dk_queue_open_existing_url(NULL, library_root, out, err);
}
