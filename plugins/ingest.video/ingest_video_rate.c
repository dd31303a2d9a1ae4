/* ingest.video — frame rate, and whether it varies.
 *
 * Phones record variable frame rate: the camera drops to 24 fps in the dark
 * and back to 30 in the light, and the container's single "frame rate" is
 * then only an average. A clip is called variable (video.vfr) when
 *  (a) the steps between the presentation times of its first frames (up to
 *      RATE_SAMPLE_FRAMES, sorted, since B-frames arrive out of order)
 *      differ from their median by more than one time-base tick and 5 %, or
 *  (b) the container's average rate (avg_frame_rate) differs from the rate
 *      every timestamp fits (r_frame_rate) by more than 1 %, unless the
 *      latter is exactly twice the former: the field rate of interlaced
 *      camera video, which is constant.
 * (a) catches jitter near the start, (b) a change later in the file. */
#include <math.h>
#include <stdlib.h>

#include "ingest_video.h"
#include "video_open.h"

#define RATE_SAMPLE_FRAMES 300
#define RATE_SAMPLE_PACKETS                                                    \
    4000 /* all streams: bounds a sparse video track                           \
          */

static int rate_compare(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int rate_compare_steps(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static bool rate_steps_vary(int64_t *pts, int count)
{
    if (count < 3)
        return false;
    qsort(pts, (size_t)count, sizeof *pts, rate_compare);
    /* steps in double: a hostile file's timestamps may span more than
     * int64_t can subtract */
    double *steps = g_new(double, count - 1);
    int n = 0;
    for (int i = 1; i < count; i++)
        if (pts[i] > pts[i - 1])
            steps[n++] = (double)pts[i] - (double)pts[i - 1];
    bool vary = false;
    if (n >= 2) {
        double *sorted = g_memdup2(steps, (gsize)n * sizeof *steps);
        qsort(sorted, (size_t)n, sizeof *sorted, rate_compare_steps);
        double median = sorted[n / 2];
        g_free(sorted);
        double tolerance = fmax(1.0, median * 0.05);
        for (int i = 0; i < n && !vary; i++)
            vary = fabs(steps[i] - median) > tolerance;
    }
    g_free(steps);
    return vary;
}

static bool rate_average_differs(AVRational avg, AVRational r)
{
    if (avg.num <= 0 || avg.den <= 0 || r.num <= 0 || r.den <= 0)
        return false;
    double a = av_q2d(avg), b = av_q2d(r);
    if (fabs(b - 2.0 * a) <= 0.01 * b)
        return false;
    return fabs(a - b) > 0.01 * b;
}

/* Presentation times of the first frames of the video stream, in its time
 * base. Returns how many, or a negative dk error when interrupted. */
static int rate_sample(AVFormatContext *ctx, int video_index, int64_t *pts,
                       dk_error *err)
{
    AVPacket *packet = av_packet_alloc();
    if (!packet)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    int count = 0;
    for (int read = 0; read < RATE_SAMPLE_PACKETS && count < RATE_SAMPLE_FRAMES;
         read++) {
        int ret = av_read_frame(ctx, packet);
        if (ret == AVERROR_EXIT) {
            av_packet_free(&packet);
            return video_interrupted_error(ctx, "probing the frame rate", err);
        }
        if (ret < 0)
            break; /* end of file, or the cut end of a truncated one */
        if (packet->stream_index == video_index &&
            packet->pts != AV_NOPTS_VALUE &&
            !(packet->flags & (AV_PKT_FLAG_CORRUPT | AV_PKT_FLAG_DISCARD)))
            pts[count++] = packet->pts;
        av_packet_unref(packet);
    }
    av_packet_free(&packet);
    return count;
}

int ingest_video_read_rate(AVFormatContext *ctx, int video_index, dk_meta *meta,
                           dk_error *err)
{
    const AVStream *st = ctx->streams[video_index];
    AVRational avg = st->avg_frame_rate, r = st->r_frame_rate;
    if (avg.num > 0 && avg.den > 0)
        dk_meta_set_double(meta, "video.fps", av_q2d(avg));
    else if (r.num > 0 && r.den > 0)
        dk_meta_set_double(meta, "video.fps", av_q2d(r));
    if (r.num > 0 && r.den > 0)
        dk_meta_set_double(meta, "video.r_fps", av_q2d(r));
    if (st->nb_frames > 0)
        dk_meta_set_int(meta, "video.frames", st->nb_frames);

    int64_t *pts = g_new(int64_t, RATE_SAMPLE_FRAMES);
    int count = rate_sample(ctx, video_index, pts, err);
    if (count < 0) {
        g_free(pts);
        return count;
    }
    bool vfr = rate_steps_vary(pts, count) || rate_average_differs(avg, r);
    g_free(pts);
    dk_meta_set_bool(meta, "video.vfr", vfr);
    return 0;
}
