/* The gallery's "Publish picks" for dokpim serve: cli_publish() with the
 * pipeline and event the command was given (or the shipped
 * event-photos-publish.conf and the event the library's manifests
 * recorded), run on the gallery's worker thread. */
#include "serve_publish.h"

#include "publish.h"

#include <errno.h>
#include <string.h>

typedef struct publish_call {
    const serve_publish *config;
    gallery_progress_fn progress;
    void *ctx;
    gallery_publish_counts *counts;
} publish_call;

static void on_result(void *user, const dk_result *result, int finished,
                      int total)
{
    publish_call *call = user;
    /* the page knows the item by its sha256 and shows its own name */
    const char *name = result->item ? result->item->sha256 : NULL;
    static const char *const names[] = {"pending",   "done",   "skipped",
                                        "duplicate", "failed", "cancelled"};
    call->counts->done += result->status == DK_STATUS_DONE;
    call->counts->skipped += result->status == DK_STATUS_SKIPPED ||
                             result->status == DK_STATUS_DUPLICATE;
    call->counts->failed += result->status == DK_STATUS_FAILED ||
                            result->status == DK_STATUS_CANCELLED;
    call->progress(call->ctx, finished, total, name, names[result->status]);
}

/* Every manifest keeps the [event] group of the run that made it: the
 * first one found is the event, written where serve keeps its files. */
static char *event_from_manifests(const char *library, dk_error *err)
{
    g_autofree char *items = g_build_filename(library, "items", NULL);
    GDir *dir = g_dir_open(items, 0, NULL);
    const char *name;
    g_autoptr(GKeyFile) event = NULL;
    while (dir && !event && (name = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(name, ".ini") || dk_is_temp_name(name))
            continue;
        g_autofree char *path = g_build_filename(items, name, NULL);
        g_autoptr(GKeyFile) kf = g_key_file_new();
        if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL) ||
            !g_key_file_has_group(kf, "event"))
            continue;
        event = g_key_file_new();
        g_auto(GStrv) keys = g_key_file_get_keys(kf, "event", NULL, NULL);
        for (int i = 0; keys && keys[i]; i++) {
            g_autofree char *v =
                g_key_file_get_value(kf, "event", keys[i], NULL);
            g_key_file_set_value(event, "event", keys[i], v);
        }
    }
    if (dir)
        g_dir_close(dir);
    if (!event) {
        dk_error_set(err, DK_ERR_NOT_FOUND,
                     "%s: no manifest records the event; start dokpim serve "
                     "with --event FILE",
                     library);
        return NULL;
    }
    gsize size = 0;
    g_autofree char *text = g_key_file_to_data(event, &size, NULL);
    g_autofree char *serve_dir = g_build_filename(library, "serve", NULL);
    char *path = g_build_filename(serve_dir, "event.ini", NULL);
    if (g_mkdir_with_parents(serve_dir, 0700) < 0) {
        dk_error_set(err, DK_ERR_IO, "%s: %s", serve_dir, g_strerror(errno));
        g_free(path);
        return NULL;
    }
    if (dk_atomic_write_file(path, text, size, err) < 0) {
        g_free(path);
        return NULL;
    }
    return path;
}

static int run_publish(void *user, gallery_progress_fn progress, void *ctx,
                       gallery_publish_counts *counts, dk_error *err)
{
    const serve_publish *config = user;
    g_autofree char *event = config->event
                                 ? g_strdup(config->event)
                                 : event_from_manifests(config->library, err);
    if (!event)
        return err->code;
    publish_call call = {config, progress, ctx, counts};
    cli_publish_options options = {.on_result = on_result, .user = &call};
    return cli_publish(config->pipeline, event, config->library, &options, err);
}

void serve_publish_options(serve_publish *config, gallery_options *out)
{
    memset(out, 0, sizeof *out);
    if (!config->pipeline) {
        g_autofree char *dir = cli_shipped_dir(
            DK_SOURCE_PIPELINE_DIR, "pipelines", DK_INSTALL_PIPELINE_DIR);
        config->pipeline_owned =
            g_build_filename(dir, "event-photos-publish.conf", NULL);
        config->pipeline = config->pipeline_owned;
    }
    if (!g_file_test(config->pipeline, G_FILE_TEST_IS_REGULAR)) {
        config->unavailable_owned = g_strdup_printf(
            "no pipeline %s (give --pipeline FILE)", config->pipeline);
        out->publish_unavailable = config->unavailable_owned;
        return;
    }
    out->publish = run_publish;
    out->publish_user = config;
}

void serve_publish_clear(serve_publish *config)
{
    g_free(config->pipeline_owned);
    g_free(config->unavailable_owned);
    memset(config, 0, sizeof *config);
}
