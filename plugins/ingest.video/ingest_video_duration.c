/* ingest.video — how long a clip is, and whether the file holds all of
 * what its index (the MP4/MOV sample table) says it does.
 *
 * A camera whose battery dies, or a crashed live recording, leaves a file
 * that is cut off. Three shapes, told apart by the box walk and by
 * comparing every sample the index lists (offset + size) with the file's
 * size, stream by stream:
 *  - no moov at all (moov-last, cut before it): the opener refuses it;
 *  - the moov itself cut: refused unless what it still lists plays for at
 *    least INGEST_VIDEO_MIN_PLAYABLE seconds and all of it is in the file;
 *  - the media data cut (a fast-start file, a fragmented recording): the
 *    index promises more than the file holds.
 * Decision: a cut clip that still plays for INGEST_VIDEO_MIN_PLAYABLE
 * seconds is kept, not set aside — for a three-hour plenary everything up
 * to the cut is worth keeping — with video.truncated = true, video.duration
 * the part that is in the file and a warning on the item; the later stages
 * copy or encode exactly that part. Less than that is refused with what
 * the index describes and what the file holds. Nothing is read beyond the
 * sample index libavformat already built, so a long recording costs no
 * more than a short one. */
#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>

#include "ingest_video.h"
#include "video_boxes.h"

/* Below this, a cut recording is a fragment nobody can use. */
#define INGEST_VIDEO_MIN_PLAYABLE 1.0

typedef struct duration_span {
    double described; /* seconds the index lists */
    double held;      /* seconds from the start to the first missing sample */
    bool cut;         /* some sample lies (partly) past the end of the file */
} duration_span;

static bool duration_sample_missing(const AVIndexEntry *entry,
                                    int64_t file_size)
{
    /* written so that a hostile position cannot overflow */
    return entry->pos < 0 || entry->size < 0 ||
           entry->pos > file_size - entry->size;
}

/* What one stream's index describes and how much of it the file holds;
 * false when the stream has no index. */
static bool duration_stream_span(AVStream *st, int64_t file_size,
                                 duration_span *out)
{
    int entries = avformat_index_get_entries_count(st);
    if (entries <= 0)
        return false;
    int64_t first = INT64_MAX, last = INT64_MIN, missing = INT64_MAX;
    for (int i = 0; i < entries; i++) {
        const AVIndexEntry *entry = avformat_index_get_entry(st, i);
        if (!entry)
            continue;
        first = entry->timestamp < first ? entry->timestamp : first;
        last = entry->timestamp > last ? entry->timestamp : last;
        /* the playable part ends at the first sample that is not whole */
        if (missing == INT64_MAX && duration_sample_missing(entry, file_size))
            missing = entry->timestamp;
    }
    if (first == INT64_MAX)
        return false;
    double base = av_q2d(st->time_base);
    /* the last sample still lasts as long as an average one; in double, so
     * hostile timestamps cannot overflow */
    double span = (double)last - (double)first;
    double sample = entries > 1 ? span / (entries - 1) : 0.0;
    out->described = (span + sample) * base;
    out->cut = missing != INT64_MAX;
    out->held =
        out->cut ? ((double)missing - (double)first) * base : out->described;
    if (out->held < 0)
        out->held = 0;
    return true;
}

/* The video stream's span, its held part shortened to the audio's when a
 * sound track is cut earlier (a remux stops at the first missing sample,
 * whichever stream it belongs to). */
static bool duration_clip_span(AVFormatContext *ctx, int video_index,
                               int64_t file_size, duration_span *out)
{
    if (!duration_stream_span(ctx->streams[video_index], file_size, out))
        return false;
    for (unsigned i = 0; i < ctx->nb_streams; i++) {
        duration_span audio;
        if (ctx->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO &&
            duration_stream_span(ctx->streams[i], file_size, &audio) &&
            audio.cut) {
            out->cut = true;
            out->held = audio.held < out->held ? audio.held : out->held;
        }
    }
    return true;
}

static double duration_whole(const AVFormatContext *ctx, const AVStream *st)
{
    if (ctx->duration != AV_NOPTS_VALUE && ctx->duration > 0)
        return (double)ctx->duration / AV_TIME_BASE;
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
        return (double)st->duration * av_q2d(st->time_base);
    return -1.0;
}

/* Decides a cut MP4/MOV: refused, or kept with *warning set. */
static int duration_judge_cut(const video_boxes *boxes, bool moov_cut,
                              const duration_span *span, char **warning,
                              dk_error *err)
{
    if (span->held < INGEST_VIDEO_MIN_PLAYABLE) {
        if (moov_cut)
            return video_boxes_cut_error(boxes, err);
        return dk_error_set(err, DK_ERR_INVALID,
                            "truncated: the index describes %.1f s, the file "
                            "holds %.1f s",
                            span->described, span->held);
    }
    if (moov_cut && span->cut)
        return video_boxes_cut_error(boxes, err);
    if (warning && moov_cut)
        *warning = g_strdup_printf(
            "truncated: the index (moov) is cut off at byte %" PRId64
            "; the %.1f s it lists are in the file and kept, what it held "
            "after the cut (tags, other tracks) is lost",
            boxes->file_size, span->held);
    else if (warning)
        *warning = g_strdup_printf("truncated: the index describes %.1f s, "
                                   "the file holds %.1f s; the playable part "
                                   "is kept",
                                   span->described, span->held);
    return 0;
}

int ingest_video_check_cut(AVFormatContext *ctx, int video_index,
                           const char *path, ingest_video_cut *out,
                           char **warning, dk_error *err)
{
    memset(out, 0, sizeof *out);
    /* Only MP4/MOV keep an index that says where each sample should be;
     * other containers report what they read. */
    out->indexed = g_strstr_len(ctx->iformat->name, -1, "mov") != NULL;
    if (!out->indexed)
        return 0;
    video_boxes boxes;
    int ret = video_boxes_scan(path, &boxes, err);
    if (ret < 0)
        return ret;
    duration_span span;
    bool listed = duration_clip_span(ctx, video_index, boxes.file_size, &span);
    bool moov_cut = boxes.truncated && strcmp(boxes.cut_type, "moov") == 0;
    if (!listed && moov_cut)
        return video_boxes_cut_error(&boxes, err);
    out->truncated = boxes.truncated || (listed && span.cut);
    if (!out->truncated)
        return 0;
    if (!listed)
        return dk_error_set(err, DK_ERR_INVALID,
                            "truncated recording: not one complete "
                            "video frame before the cut");
    out->described = span.described;
    out->held = span.held;
    return duration_judge_cut(&boxes, moov_cut, &span, warning, err);
}

void ingest_video_read_duration(const AVFormatContext *ctx, int video_index,
                                const ingest_video_cut *cut, dk_meta *meta)
{
    double duration = duration_whole(ctx, ctx->streams[video_index]);
    if (cut->indexed)
        dk_meta_set_bool(meta, "video.truncated", cut->truncated);
    if (cut->truncated) {
        dk_meta_set_double(meta, "video.indexed_duration", cut->described);
        duration = cut->held;
    }
    /* A browser's MediaRecorder WebM has no duration at all: still a
     * valid clip, so the key is just left out. */
    if (duration >= 0)
        dk_meta_set_double(meta, "video.duration", duration);
}
