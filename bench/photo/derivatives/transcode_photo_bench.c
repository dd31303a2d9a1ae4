/* transcode_photo_bench — where transcode.photo's time goes, per photo.
 *
 *   transcode_photo_bench [--logo PNG] [--filter F] [--web N] [--thumb N]
 *                         OUTDIR PHOTO...
 *
 * For every photo it runs the plugin's whole job (transcode_photo_render:
 * the code process() runs, minus the core's bookkeeping) and, separately,
 * its phases: the scaled decode alone, the resample, the thumbnail, the
 * encodes, and the libjpeg-turbo floor (decode at 1/2 + encode 2048 px),
 * in wall and CPU time. Prints medians in ms. Single-threaded on purpose: this
 * is the per-core cost; the CLI's -j gives the scaling. */
#include "transcode_photo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

static double clock_ms(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

/* CPU time barely changes with other load on the machine. */
static double cpu_ms(void)
{
    return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum {
    TOTAL,
    TOTAL_CPU,
    DECODE,
    RESAMPLE,
    THUMB,
    ENCODE,
    FLOOR,
    FLOOR_CPU,
    PHASES
};
static const char *const phase_names[PHASES] = {
    "total (render)", "total cpu",    "decode (scaled)", "resample+orient",
    "thumbnail",      "encode+write", "floor",           "floor cpu"};

/* The libjpeg-turbo floor measured like everything else here: decode at
 * 1/2 and encode the 2048 px picture at q85 into memory, nothing more. */
static int floor_phase(transcode_photo_jpeg *jpeg,
                       const transcode_photo_image *web, double *t)
{
    dk_error err = {0};
    transcode_photo_image half = {0};
    double t0 = now_ms(), c0 = cpu_ms();
    int rc =
        transcode_photo_jpeg_decode(jpeg, (jpeg->width + 1) / 2,
                                    (jpeg->height + 1) / 2, false, &half, &err);
    tjhandle handle = tjInitCompress();
    unsigned char *buf = NULL;
    unsigned long len = 0;
    if (!rc &&
        tjCompress2(handle, web->pixels, web->width, (int)web->stride,
                    web->height, TJPF_RGB, &buf, &len, TJSAMP_420, 85, 0) != 0)
        rc = -1;
    t[FLOOR] = now_ms() - t0;
    t[FLOOR_CPU] = cpu_ms() - c0;
    tjFree(buf);
    tjDestroy(handle);
    transcode_photo_image_clear(&half);
    return rc;
}

/* The phases of one photo, timed one by one (no watermark, no metadata). */
static int phases(const char *input, const transcode_photo_job *job, double *t)
{
    gchar *data = NULL;
    gsize size = 0;
    if (!g_file_get_contents(input, &data, &size, NULL))
        return -1;
    dk_error err = {0};
    transcode_photo_jpeg jpeg = {0};
    transcode_photo_image dec = {0}, web = {0}, thumb = {0};
    int rc =
        transcode_photo_jpeg_open(&jpeg, (const uint8_t *)data, size, &err);
    int w = 0, h = 0, tw = 0, th = 0;
    double t0 = now_ms();
    if (!rc) {
        transcode_photo_fit(jpeg.width, jpeg.height, job->web_size, &w, &h);
        rc = transcode_photo_jpeg_decode(&jpeg, w, h, false, &dec, &err);
    }
    double t1 = now_ms();
    if (!rc)
        rc = transcode_photo_resample(&dec, w, h, job->filter, 1, &web, &err);
    double t2 = now_ms();
    if (!rc) {
        transcode_photo_fit(web.width, web.height, job->thumb_size, &tw, &th);
        rc = transcode_photo_resample(&web, tw, th, job->filter, 1, &thumb,
                                      &err);
    }
    double t3 = now_ms();
    if (!rc)
        rc = transcode_photo_write_jpeg(job->web_path, &web, job->web_quality,
                                        NULL, &err);
    if (!rc)
        rc = transcode_photo_write_jpeg(job->thumb_path, &thumb,
                                        job->thumb_quality, NULL, &err);
    double t4 = now_ms();
    if (!rc)
        rc = floor_phase(&jpeg, &web, t);
    t[DECODE] = t1 - t0;
    t[RESAMPLE] = t2 - t1;
    t[THUMB] = t3 - t2;
    t[ENCODE] = t4 - t3;
    transcode_photo_image_clear(&thumb);
    transcode_photo_image_clear(&web);
    transcode_photo_image_clear(&dec);
    transcode_photo_jpeg_close(&jpeg);
    g_free(data);
    if (rc)
        fprintf(stderr, "%s: %s\n", input, err.message);
    return rc;
}

int main(int argc, char **argv)
{
    const char *logo = NULL, *filter = "triangle";
    int web_size = 2048, thumb_size = 320, i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--logo") == 0)
            logo = argv[i + 1];
        else if (strcmp(argv[i], "--filter") == 0)
            filter = argv[i + 1];
        else if (strcmp(argv[i], "--web") == 0)
            web_size = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--thumb") == 0)
            thumb_size = atoi(argv[i + 1]);
    }
    if (argc - i < 2 || transcode_photo_filter_from_name(filter) < 0) {
        fprintf(stderr,
                "usage: %s [--logo PNG] [--filter area|triangle|"
                "lanczos3] [--web N] [--thumb N] OUTDIR PHOTO...\n",
                argv[0]);
        return 2;
    }
    const char *outdir = argv[i++];
    int n = argc - i;
    char text[] = "Bagian Prokompim \xC2\xB7 Rapat Koordinasi";
    dk_overlay_spec spec = {.logo_path = (char *)logo,
                            .text = text,
                            .anchor = DK_ANCHOR_BOTTOM_RIGHT,
                            .width_fraction = 0.25,
                            .margin_fraction = 0.02,
                            .opacity = 0.85};
    char *web = g_build_filename(outdir, "web.jpg", NULL);
    char *thumb = g_build_filename(outdir, "thumb.jpg", NULL);
    transcode_photo_job job = {
        .orientation = 1,
        .filter = transcode_photo_filter_from_name(filter),
        .metadata = TRANSCODE_PHOTO_METADATA_KEEP,
        .overlay = logo ? &spec : NULL,
        .overlays = transcode_photo_overlays_new(),
        .web_path = web,
        .web_size = web_size,
        .web_quality = 85,
        .thumb_path = thumb,
        .thumb_size = thumb_size,
        .thumb_quality = 80,
    };
    double *t[PHASES];
    for (int p = 0; p < PHASES; p++)
        t[p] = calloc((size_t)n, sizeof(double));
    for (int k = 0; k < n; k++) {
        double one[PHASES] = {0};
        job.input = argv[i + k];
        dk_error err = {0};
        double t0 = now_ms(), c0 = cpu_ms();
        if (transcode_photo_render(&job, NULL, &err) != 0) {
            fprintf(stderr, "%s: %s\n", job.input, err.message);
            return 1;
        }
        one[TOTAL] = now_ms() - t0;
        one[TOTAL_CPU] = cpu_ms() - c0;
        if (phases(job.input, &job, one) != 0)
            return 1;
        for (int p = 0; p < PHASES; p++)
            t[p][k] = one[p];
    }
    printf("transcode_photo_bench: %d photos, web %d, thumb %d, filter %s, "
           "watermark %s\n",
           n, web_size, thumb_size, filter, logo ? "yes" : "no");
    for (int p = 0; p < PHASES; p++)
        printf("  %-16s median %7.1f ms\n", phase_names[p], median(t[p], n));
    for (int p = 0; p < PHASES; p++)
        free(t[p]);
    transcode_photo_overlays_free(&job.overlays);
    g_free(web);
    g_free(thumb);
    return 0;
}
