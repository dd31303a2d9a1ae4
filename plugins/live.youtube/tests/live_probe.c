/* ffprobe / ffmpeg as the independent judges of what was streamed and
 * recorded. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dk_test.h"
#include "dk_test_tools.h"
#include "live_test.h"

double probe_duration(const char *path)
{
    g_autofree char *out =
        dk_test_ffprobe(path, "-show_entries format=duration -of csv=p=0");
    return out ? g_ascii_strtod(out, NULL) : -1;
}

char *probe_codecs(const char *path)
{
    g_autofree char *out =
        dk_test_ffprobe(path, "-show_entries stream=codec_name -of csv=p=0");
    if (!out)
        return g_strdup("");
    g_strstrip(out);
    return g_strdelimit(g_strdup(out), "\n", ',');
}

static GArray *video_packets(const char *path, bool keyframes_only)
{
    GArray *times = g_array_new(FALSE, FALSE, sizeof(double));
    g_autofree char *out = dk_test_ffprobe(
        path, "-select_streams v:0 -show_entries packet=pts_time,flags "
              "-of csv=p=0");
    if (!out)
        return times;
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) fields = g_strsplit(*l, ",", 2);
        if (!fields[0] || !fields[1] || !*fields[0])
            continue;
        if (keyframes_only && !strchr(fields[1], 'K'))
            continue;
        double t = g_ascii_strtod(fields[0], NULL);
        g_array_append_val(times, t);
    }
    return times;
}

GArray *probe_keyframes(const char *path)
{
    return video_packets(path, true);
}

GArray *probe_video_packets(const char *path)
{
    return video_packets(path, false);
}

static int compare_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double probe_largest_video_gap(const char *path)
{
    GArray *times = video_packets(path, false);
    g_array_sort(times, compare_double); /* packets come in decode order */
    double gap = times->len < 2 ? 1e9 : 0;
    for (guint i = 1; i < times->len; i++)
        gap = MAX(gap, g_array_index(times, double, i) -
                           g_array_index(times, double, i - 1));
    g_array_unref(times);
    return gap;
}

unsigned char *probe_luma(const char *path, double at)
{
    g_autofree char *raw = NULL;
    int fd = g_file_open_tmp("live-luma-XXXXXX.gray", &raw, NULL);
    if (fd < 0)
        return NULL;
    close(fd);
    g_autofree char *cmd = g_strdup_printf(
        "ffmpeg -v error -y -ss %.2f -i '%s' -frames:v 1 -vf scale=%d:%d "
        "-pix_fmt gray -f rawvideo '%s'",
        at, path, PROBE_LUMA_WIDTH, PROBE_LUMA_HEIGHT, raw);
    gsize len = 0;
    char *data = NULL;
    if (dk_test_sh(cmd, NULL, NULL) != 0 || !(data = dk_test_read(raw, &len)) ||
        len != PROBE_LUMA_WIDTH * PROBE_LUMA_HEIGHT)
        g_clear_pointer(&data, g_free);
    unlink(raw);
    return (unsigned char *)data;
}

double probe_mean_luma(const char *path, double at)
{
    g_autofree unsigned char *luma = probe_luma(path, at);
    if (!luma)
        return -1;
    double sum = 0;
    for (int i = 0; i < PROBE_LUMA_WIDTH * PROBE_LUMA_HEIGHT; i++)
        sum += luma[i];
    return sum / (PROBE_LUMA_WIDTH * PROBE_LUMA_HEIGHT);
}
