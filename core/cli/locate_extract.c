/* --extract: the original's stretch a circulating clip was cut from, so the
 * office can publish what was really said beside the hoax. The packets are
 * the original's, copied unchanged (no re-encode to argue about), from the
 * key frame at or before the stretch to its end. */
#include "cli.h"
#include "locate_cli.h"
#include "video_remux.h"

#include <dokpim/fileio.h>

#include <math.h>

/* Context either side, so the first and last words are whole. */
#define EXTRACT_MARGIN       1.0
#define EXTRACT_OPEN_TIMEOUT 30.0

static void stretch(const dk_alignment *al, double *from, double *to)
{
    *from = INFINITY;
    *to = -INFINITY;
    for (size_t i = 0; i < al->n_segments; i++) {
        *from = fmin(*from, al->segments[i].orig_start);
        *to = fmax(*to, al->segments[i].orig_end);
    }
    *from = fmax(0, *from - EXTRACT_MARGIN);
    *to += EXTRACT_MARGIN;
}

int locate_extract(const char *dir, const locate_answer *a, char **written,
                   dk_error *err)
{
    *written = NULL;
    const locate_origin *o = &a->origins[0];
    const dk_alignment *al = &a->result.matches[0].alignment;
    if (!o->original)
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "%s: the library records no original for %s",
                            o->library, a->result.matches[0].sha256);
    if (!al->n_segments)
        return dk_error_set(err, DK_ERR_NOT_FOUND,
                            "%s: nothing of the original to extract", a->clip);
    double from, to;
    stretch(al, &from, &to);
    g_autofree char *base =
        g_path_get_basename(o->name ? o->name : o->original);
    char *dot = strrchr(base, '.');
    if (dot)
        *dot = '\0';
    const char *muxer = video_remux_muxer_for(o->original, o->original);
    g_autofree char *name =
        g_strdup_printf("%s_%07.2f-%07.2fs.%s", base, from, to, muxer);
    char *path = g_build_filename(dir, name, NULL);
    dk_atomic *file = NULL;
    int rc = dk_atomic_open(path, &file, err);
    if (rc < 0) {
        g_free(path);
        return rc;
    }
    video_remux_job job = {
        .input = o->original,
        .output = dk_atomic_temp_path(file),
        .output_name = path,
        .format = muxer,
        .open_timeout = EXTRACT_OPEN_TIMEOUT,
        .from = from,
        .to = to,
    };
    video_remux_report report = {.dropped = g_string_new(NULL)};
    rc = video_remux(&job, &report, err);
    g_string_free(report.dropped, TRUE);
    if (rc < 0) {
        dk_error_prefix(err, "%s", o->original);
        dk_atomic_abort(&file);
        g_free(path);
        return rc;
    }
    rc = dk_atomic_commit(&file, err);
    if (rc < 0) {
        g_free(path);
        return rc;
    }
    *written = path;
    return 0;
}
