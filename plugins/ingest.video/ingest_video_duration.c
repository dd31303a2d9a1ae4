/* ingest.video — how long a clip is, including one whose recording was cut
 * off (a camera whose battery died writing a fragmented MP4, a crashed
 * live recording).
 *
 * Decision: such a file is accepted, not set aside. Everything up to the
 * cut plays, and for a three-hour plenary that is worth keeping. The item
 * gets video.truncated = true and video.duration is what is really in the
 * file: the span of the video samples whose bytes all lie before the end,
 * read from the sample index libavformat already built (no packet is read,
 * so a long recording costs no more than a short one). */
#include <glib/gstdio.h>

#include "ingest_video.h"
#include "ingest_video_boxes.h"

/* Seconds of video whose samples are complete, from the demuxer's index;
 * negative when the index says nothing. */
static double duration_complete_part(AVStream *st, int64_t file_size)
{
    int entries = avformat_index_get_entries_count(st);
    int64_t first = AV_NOPTS_VALUE, last = AV_NOPTS_VALUE;
    int complete = 0;
    for (int i = 0; i < entries; i++) {
        const AVIndexEntry *entry = avformat_index_get_entry(st, i);
        /* written so that a hostile position cannot overflow */
        if (!entry || entry->pos < 0 || entry->size < 0 ||
            entry->pos > file_size - entry->size)
            continue;
        if (first == AV_NOPTS_VALUE || entry->timestamp < first)
            first = entry->timestamp;
        if (last == AV_NOPTS_VALUE || entry->timestamp > last)
            last = entry->timestamp;
        complete++;
    }
    if (complete == 0)
        return -1.0;
    /* the last complete frame still shows for one frame time */
    AVRational rate =
        st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    double frame = rate.num > 0 && rate.den > 0 ? 1.0 / av_q2d(rate) : 0.0;
    return ((double)last - (double)first) * av_q2d(st->time_base) + frame;
}

static double duration_whole(const AVFormatContext *ctx, const AVStream *st)
{
    if (ctx->duration != AV_NOPTS_VALUE && ctx->duration > 0)
        return (double)ctx->duration / AV_TIME_BASE;
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
        return (double)st->duration * av_q2d(st->time_base);
    return -1.0;
}

int ingest_video_read_duration(AVFormatContext *ctx, int video_index,
                               const char *path, dk_meta *meta, dk_error *err)
{
    AVStream *st = ctx->streams[video_index];
    double duration = duration_whole(ctx, st);

    /* Only MP4/MOV keep an index that says where each sample should be;
     * other containers report what they read. */
    if (g_strstr_len(ctx->iformat->name, -1, "mov")) {
        ingest_video_boxes boxes;
        int ret = ingest_video_boxes_scan(path, &boxes, err);
        if (ret < 0)
            return ret;
        if (boxes.truncated) {
            dk_meta_set_bool(meta, "video.truncated", true);
            double part = duration_complete_part(st, boxes.file_size);
            if (part < 0)
                return dk_error_set(err, DK_ERR_INVALID,
                                    "truncated recording: not one complete "
                                    "video frame before the cut");
            duration = part;
        } else {
            dk_meta_set_bool(meta, "video.truncated", false);
        }
    }
    /* A browser's MediaRecorder WebM has no duration at all: still a
     * valid clip, so the key is just left out. */
    if (duration >= 0)
        dk_meta_set_double(meta, "video.duration", duration);
    return 0;
}
