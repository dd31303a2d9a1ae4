/* What `dokpim queue list|show` print. Session URIs are never printed:
 * they grant upload access to whoever holds them. */
#include "json.h"
#include "process_job.h"
#include "queue_cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

char *queue_bar(int64_t done, int64_t total, int width)
{
    int filled = total > 0 ? (int)(done * width / total) : 0;
    if (filled > width)
        filled = width;
    GString *bar = g_string_new("[");
    for (int i = 0; i < width; i++)
        g_string_append_c(bar, i < filled ? '#' : '.');
    g_string_append_printf(bar, "] %3d%%",
                           total > 0 ? (int)(done * 100 / total) : 0);
    return g_string_free(bar, FALSE);
}

static char *when(int64_t unix_time)
{
    GDateTime *t = g_date_time_new_from_unix_local(unix_time);
    char *text = g_date_time_format(t, "%Y-%m-%d %H:%M");
    g_date_time_unref(t);
    return text;
}

/* The machine a job runs on, or ran on last: the lease owner's host. */
static char *machine(const queue_record *r)
{
    if (!r->lease_owner)
        return g_strdup("");
    const char *colon = strrchr(r->lease_owner, ':');
    return colon ? g_strndup(r->lease_owner, colon - r->lease_owner)
                 : g_strdup(r->lease_owner);
}

/* The most useful words about a job in its state. */
static char *job_note(const queue_record *r)
{
    /* a processing job's stage, or how its item ended, is in
     * remote_status (see work_process.c) */
    bool upload = !strcmp(process_job_kind(r->plugin), "upload");
    if (!upload && (r->state == DK_JOB_DONE || r->state == DK_JOB_RUNNING))
        return g_strdup(r->remote_status ? r->remote_status : "");
    switch (r->state) {
    case DK_JOB_DONE:
        return g_strdup_printf("%s%s%s", r->remote_id ? r->remote_id : "sent",
                               r->remote_status ? "  " : "",
                               r->remote_status ? r->remote_status : "");
    case DK_JOB_DEFERRED: {
        g_autofree char *at = when(r->not_before);
        if (r->last_error && g_str_has_prefix(r->last_error, "network: "))
            return g_strdup_printf("%s, retrying at %s", r->last_error, at);
        return g_strdup_printf("until %s: %s", at,
                               r->last_error ? r->last_error : "");
    }
    case DK_JOB_RUNNING:
    case DK_JOB_QUEUED: {
        int64_t done = r->state == DK_JOB_RUNNING && r->progress > r->confirmed
                           ? r->progress
                           : r->confirmed;
        if (!done && r->state == DK_JOB_QUEUED)
            return g_strdup(r->last_error ? r->last_error : "");
        return queue_bar(done, r->size, 20);
    }
    default:
        return g_strdup(r->last_error ? r->last_error : "");
    }
}

void queue_print_table(GPtrArray *records)
{
    if (!records->len) {
        fprintf(stderr, "dokpim: the queue is empty\n");
        return;
    }
    cli_line(stdout, "", "%5s  %-9s %3s  %-7s %-14s %-12s %-24s %s", "JOB",
             "STATE", "TRY", "KIND", "PLUGIN", "MACHINE", "FILE",
             "PROGRESS / RESULT");
    for (guint i = 0; i < records->len; i++) {
        const queue_record *r = records->pdata[i];
        GHashTable *meta = dk_queue_json_to_table(r->meta);
        const char *source = g_hash_table_lookup(meta, "source");
        g_autofree char *name = g_path_get_basename(source ? source : r->path);
        g_hash_table_destroy(meta);
        g_autofree char *note = job_note(r);
        g_autofree char *host = machine(r);
        cli_line(stdout, "",
                 "%5" G_GINT64_FORMAT
                 "  %-9s %3d  %-7s %-14s %-12.12s %-24.24s %s",
                 r->id, dk_job_state_name(r->state), r->attempts,
                 process_job_kind(r->plugin), r->plugin, host, name, note);
    }
}

static void print_field(const char *name, const char *value)
{
    if (value && *value)
        cli_line(stdout, "  ", "%-14s %s", name, value);
}

void queue_print_details(const queue_record *r, GPtrArray *steps)
{
    cli_line(stdout, "", "job %" G_GINT64_FORMAT, r->id);
    print_field("state", dk_job_state_name(r->state));
    g_autofree char *attempts = g_strdup_printf("%d", r->attempts);
    print_field("attempts", attempts);
    print_field("kind", process_job_kind(r->plugin));
    print_field("plugin", r->plugin);
    print_field("stage", r->stage);
    g_autofree char *host = machine(r);
    print_field("machine", host);
    print_field("lease owner", r->lease_owner);
    g_autofree char *target = dk_http_redact(r->target);
    print_field("target", target);
    print_field("file", r->path);
    g_autofree char *size =
        g_strdup_printf("%" G_GINT64_FORMAT " bytes", r->size);
    print_field("size", size);
    print_field("sha256", r->sha256);
    if (r->session) {
        g_autofree char *confirmed = g_strdup_printf(
            "open, %" G_GINT64_FORMAT " bytes confirmed", r->confirmed);
        print_field("session", confirmed);
    }
    print_field("remote id", r->remote_id);
    /* a processing job keeps its stage, then its outcome, there */
    bool upload = !strcmp(process_job_kind(r->plugin), "upload");
    print_field(upload ? "remote status" : "result", r->remote_status);
    print_field("last error", r->last_error);
    if (r->state == DK_JOB_DEFERRED) {
        g_autofree char *at = when(r->not_before);
        print_field("not before", at);
    }
    for (guint i = 0; steps && i < steps->len; i++) {
        const queue_step *s = steps->pdata[i];
        static const char *const names[] = {"pending", "done", "failed"};
        g_autofree char *line =
            g_strdup_printf("%s%s%s", names[s->state], s->detail ? ": " : "",
                            s->detail ? s->detail : "");
        g_autofree char *label = g_strdup_printf("step %s", s->name);
        print_field(label, line);
    }
    GHashTable *meta = dk_queue_json_to_table(r->meta);
    GList *keys =
        g_list_sort(g_hash_table_get_keys(meta), (GCompareFunc)g_strcmp0);
    for (GList *k = keys; k; k = k->next) {
        g_autofree char *label = g_strdup_printf("meta %s", (char *)k->data);
        print_field(label, g_hash_table_lookup(meta, k->data));
    }
    g_list_free(keys);
    g_hash_table_destroy(meta);
}

static void add_int(JsonBuilder *b, const char *name, int64_t value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, value);
}

static void add_steps(JsonBuilder *b, dk_queue *queue, int64_t id)
{
    static const char *const names[] = {"pending", "done", "failed"};
    GPtrArray *steps =
        g_ptr_array_new_with_free_func((GDestroyNotify)queue_step_free);
    dk_queue_steps(queue, id, steps, NULL);
    json_builder_set_member_name(b, "steps");
    json_builder_begin_array(b);
    for (guint i = 0; i < steps->len; i++) {
        const queue_step *s = steps->pdata[i];
        json_builder_begin_object(b);
        json_add_string(b, "name", s->name);
        json_add_string(b, "state", names[s->state]);
        json_add_string(b, "detail", s->detail);
        add_int(b, "attempts", s->attempts);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    g_ptr_array_free(steps, TRUE);
}

JsonNode *queue_json(dk_queue *queue, GPtrArray *records)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_array(b);
    for (guint i = 0; i < records->len; i++) {
        const queue_record *r = records->pdata[i];
        json_builder_begin_object(b);
        add_int(b, "id", r->id);
        json_add_string(b, "state", dk_job_state_name(r->state));
        add_int(b, "attempts", r->attempts);
        json_add_string(b, "last_error", r->last_error);
        json_add_string(b, "remote_id", r->remote_id);
        json_add_string(b, "remote_status", r->remote_status);
        json_add_string(b, "kind", process_job_kind(r->plugin));
        json_add_string(b, "plugin", r->plugin);
        json_add_string(b, "stage", r->stage);
        g_autofree char *host = machine(r);
        json_add_string(b, "machine", r->lease_owner ? host : NULL);
        json_add_string(b, "lease_owner", r->lease_owner);
        g_autofree char *note = job_note(r);
        json_add_string(b, "note", note);
        g_autofree char *target = dk_http_redact(r->target);
        json_add_string(b, "target", target);
        json_add_string(b, "path", r->path);
        /* the file as the crew named it (path is the library's copy) */
        GHashTable *meta = dk_queue_json_to_table(r->meta);
        json_add_string(b, "source", g_hash_table_lookup(meta, "source"));
        g_hash_table_destroy(meta);
        json_add_string(b, "sha256", r->sha256);
        add_int(b, "size", r->size);
        add_int(b, "confirmed", r->confirmed);
        add_int(b, "progress", r->progress);
        json_builder_set_member_name(b, "session_open");
        json_builder_add_boolean_value(b, r->session != NULL);
        add_int(b, "not_before", r->not_before);
        add_steps(b, queue, r->id);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    JsonNode *root = json_builder_get_root(b);
    g_object_unref(b);
    return root;
}

void queue_print_json(dk_queue *queue, GPtrArray *records)
{
    JsonNode *root = queue_json(queue, records);
    g_autofree char *text = json_to_string(root, TRUE);
    json_node_unref(root);
    printf("%s\n", text);
    fflush(stdout);
}
