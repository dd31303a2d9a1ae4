/* --extract: the original's stretch a circulating clip was cut from, so the
 * office can publish what was really said beside the hoax. The packets are
 * the original's, copied unchanged (no re-encode to argue about), from the
 * key frame at or before the stretch to its end. */
#include "cli.h"
#include "locate_cli.h"
#include "video_remux.h"

#include <dokpim/c2pa.h>
#include <dokpim/fileio.h>

#include <math.h>
#include <string.h>

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

/* Content Credentials for the copy: the archived original is its parent,
 * and the one action says which stretch of it this is and that nothing
 * was re-encoded. */
static int sign_copy(const char *path, const locate_answer *a, double from,
                     double to, const char *format,
                     const dk_c2pa_signer *signer, dk_error *err)
{
    const locate_origin *o = &a->origins[0];
    char range[64];
    g_snprintf(range, sizeof range, "%.2f-%.2f s", from, to);
    const dk_c2pa_param params[] = {{"original_range", range},
                                    {"packets", "copied unchanged"}};
    g_autofree char *about = g_strdup_printf(
        "the stretch %s of the original, for comparison with a circulating "
        "clip",
        range);
    const dk_c2pa_action action = {.action = "c2pa.edited",
                                   .description = about,
                                   .params = params,
                                   .n_params = G_N_ELEMENTS(params)};
    g_autofree char *title = g_path_get_basename(path);
    const dk_c2pa_info info = {
        .generator_version = DK_VERSION,
        .title = title,
        .format = format,
        .parent_title = o->name,
        .parent_format = format,
        .parent_sha256_hex = a->result.matches[0].sha256,
        .actions = &action,
        .n_actions = 1,
    };
    return dk_c2pa_sign_bmff(path, path, &info, signer, err);
}

int locate_extract(const char *dir, const locate_answer *a,
                   const dk_c2pa_signer *signer, char **written, dk_error *err)
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
    if (rc == 0 && signer)
        rc = sign_copy(path, a, from, to,
                       strcmp(muxer, "mov") == 0 ? "video/quicktime"
                                                 : "video/mp4",
                       signer, err);
    if (rc < 0) {
        g_free(path);
        return rc;
    }
    *written = path;
    return 0;
}
