/* fingerprint.media — the audio and picture prints of every video (and
 * sound recording) that enters the library, so that a clip circulating
 * re-encoded, cropped or cut can be traced back to it with
 * `dokpim locate`. Prints go to LIBRARY/prints/, beside the item records,
 * and the run adds the batch to the library's index when it ends.
 *
 *   [fingerprint]
 *   plugin=fingerprint.media
 *
 * Put it right after ingest: it prints the original, not a derivative. */
#include <dokpim/dokpim.h>
#include <dokpim/forensics.h>

#include <glib.h>
#include <string.h>

typedef struct fingerprint_state {
    GMutex lock;
    GPtrArray *printed; /* sha256 of the items printed this run */
} fingerprint_state;

static int fingerprint_open(const dk_stage *stage, const void *config,
                            void **state, dk_error *err)
{
    (void)stage;
    (void)config;
    (void)err;
    fingerprint_state *s = g_new0(fingerprint_state, 1);
    g_mutex_init(&s->lock);
    s->printed = g_ptr_array_new_with_free_func(g_free);
    *state = s;
    return 0;
}

/* A print already saved (a re-run after a stop) is kept when it loads: the
 * original's bytes are the same, as its name is their sha256. A damaged
 * one is made again. */
static bool already_printed(const char *library, const char *sha256)
{
    dk_media_print print = {0};
    dk_error err = {0};
    bool ok = dk_print_load(library, sha256, &print, &err) == 0;
    dk_media_print_clear(&print);
    return ok;
}

static int fingerprint_process(const dk_stage *stage, void *state,
                               dk_item *item, dk_error *err)
{
    fingerprint_state *s = state;
    const char *library = dk_stage_library(stage);
    const char *sha256 = dk_item_sha256(item);
    if (!sha256 || strlen(sha256) != 64)
        return dk_error_set(err, DK_ERR_INTERNAL,
                            "the item has no sha256: is fingerprint.media "
                            "after an ingest stage?");
    if (!already_printed(library, sha256)) {
        dk_media_print print = {0};
        int rc = dk_media_print_compute(dk_item_original_path(item),
                                        &DK_PRINT_ORIGINAL, &print, err);
        /* An original too short or without a stream we can print is still
         * an original: it is archived, and cannot be located. */
        if (rc == DK_ERR_UNSUPPORTED || rc == DK_ERR_INVALID) {
            dk_item_warn(item, "not fingerprinted: %s", err->message);
            dk_error_clear(err);
            return 0;
        }
        if (rc == 0 && !print.has_audio)
            dk_item_warn(item, "no audio: fingerprinted by picture only");
        if (rc == 0 && print.damaged_packets)
            dk_item_warn(item, "fingerprint: %u damaged packets skipped",
                         print.damaged_packets);
        if (rc == 0 && print.read_error)
            dk_item_warn(item,
                         "fingerprint: reading stopped at %.1f s "
                         "(damaged or cut file)",
                         print.duration);
        if (rc == 0)
            rc = dk_print_save(library, sha256, &print, err);
        dk_media_print_clear(&print);
        if (rc < 0)
            return rc;
    }
    g_mutex_lock(&s->lock);
    g_ptr_array_add(s->printed, g_strdup(sha256));
    g_mutex_unlock(&s->lock);
    return 0;
}

/* One index segment for the whole batch: adding items one by one would
 * make many small segments to merge. A run stopped before this point
 * leaves prints that `dokpim locate` names as not indexed. */
static int fingerprint_finish(const dk_stage *stage, void *state, dk_error *err)
{
    fingerprint_state *s = state;
    if (!s->printed->len)
        return 0;
    return dk_print_index_add(dk_stage_library(stage),
                              (const char *const *)s->printed->pdata,
                              s->printed->len, err);
}

static void fingerprint_close(void *state)
{
    fingerprint_state *s = state;
    g_ptr_array_free(s->printed, TRUE);
    g_mutex_clear(&s->lock);
    g_free(s);
}

DK_PLUGIN_DEFINE(fingerprint_media) = {
    .name = "fingerprint.media",
    .summary = "audio and picture fingerprints of each original, indexed "
               "for dokpim locate",
    .role = DK_ROLE_EXPORT,
    .item_kinds = DK_KIND_VIDEO | DK_KIND_AUDIO,
    .open = fingerprint_open,
    .process = fingerprint_process,
    .finish = fingerprint_finish,
    .close = fingerprint_close,
};
