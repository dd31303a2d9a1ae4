/* Container facts through libavformat; see video_probe.h. */
#include "video_probe.h"

#include "video_open.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <math.h>
#include <string.h>

/* YouTube wants a keyframe at most every 2 s; a hair of slack absorbs
 * timestamp rounding in the container's time base. */
#define VIDEO_PROBE_MAX_GOP_SECONDS 2.0
#define VIDEO_PROBE_GOP_SLACK       0.002

static const int32_t *display_matrix(const AVStream *stream)
{
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 29, 100)
    const AVPacketSideData *side = av_packet_side_data_get(
        stream->codecpar->coded_side_data, stream->codecpar->nb_coded_side_data,
        AV_PKT_DATA_DISPLAYMATRIX);
    return side && side->size >= 9 * sizeof(int32_t)
               ? (const int32_t *)side->data
               : NULL;
#else
    size_t size = 0;
    const uint8_t *data =
        av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
    return data && size >= 9 * sizeof(int32_t) ? (const int32_t *)data : NULL;
#endif
}

/* libavutil reports the counter-clockwise angle the matrix applies; a
 * phone held upright records -90, which is shown turned 90 clockwise. */
static int clockwise_rotation(const AVStream *stream)
{
    const int32_t *matrix = display_matrix(stream);
    if (!matrix)
        return 0;
    double angle = -av_display_rotation_get(matrix);
    if (isnan(angle))
        return 0;
    long quarter = lround(angle / 90.0);
    return (int)(((quarter % 4) + 4) % 4) * 90;
}

static double seconds(int64_t ts, AVRational base)
{
    return (double)ts * av_q2d(base);
}

/* Keyframe spacing and frame-duration spread from the sample index, which
 * the MP4 reader builds from the moov without touching the media data. */
static void scan_index(AVStream *stream, double end, video_probe *out)
{
    int count = avformat_index_get_entries_count(stream);
    out->max_keyframe_gap = -1;
    if (count < 2)
        return;
    int64_t min_step = INT64_MAX, max_step = 0;
    double last_key = -1, gap = 0;
    const AVIndexEntry *previous = NULL;
    for (int i = 0; i < count; i++) {
        const AVIndexEntry *entry = avformat_index_get_entry(stream, i);
        if (!entry)
            return;
        if (previous && entry->timestamp > previous->timestamp) {
            int64_t step = entry->timestamp - previous->timestamp;
            min_step = step < min_step ? step : min_step;
            max_step = step > max_step ? step : max_step;
        }
        if (entry->flags & AVINDEX_KEYFRAME) {
            double t = seconds(entry->timestamp, stream->time_base);
            if (last_key >= 0 && t - last_key > gap)
                gap = t - last_key;
            last_key = t;
        }
        previous = entry;
    }
    if (last_key < 0)
        return;
    if (end > last_key && end - last_key > gap)
        gap = end - last_key;
    out->max_keyframe_gap = gap;
    /* A phone dropping from 30 to 15 fps in low light doubles the step;
     * 1/1001 jitter in a 90 kHz time base is not variable frame rate. */
    if (min_step != INT64_MAX && max_step * 2 > min_step * 3)
        out->vfr = true;
}

static void read_video(AVFormatContext *format, AVStream *stream,
                       video_probe *out)
{
    const AVCodecParameters *par = stream->codecpar;
    out->width = par->width;
    out->height = par->height;
    AVRational sar = stream->sample_aspect_ratio.num
                         ? stream->sample_aspect_ratio
                         : par->sample_aspect_ratio;
    out->sar_num = sar.num > 0 && sar.den > 0 ? sar.num : 1;
    out->sar_den = sar.num > 0 && sar.den > 0 ? sar.den : 1;
    out->rotation = clockwise_rotation(stream);
    if (stream->avg_frame_rate.num > 0 && stream->avg_frame_rate.den > 0)
        out->fps = av_q2d(stream->avg_frame_rate);
    else if (stream->r_frame_rate.num > 0 && stream->r_frame_rate.den > 0)
        out->fps = av_q2d(stream->r_frame_rate);
    if (stream->r_frame_rate.num > 0 && stream->r_frame_rate.den > 0)
        out->nominal_fps = av_q2d(stream->r_frame_rate);
    if (stream->duration > 0)
        out->duration = seconds(stream->duration, stream->time_base);
    else if (format->duration > 0)
        out->duration = (double)format->duration / AV_TIME_BASE;
    out->h264_high_or_main = par->codec_id == AV_CODEC_ID_H264 &&
                             (par->profile == FF_PROFILE_H264_HIGH ||
                              par->profile == FF_PROFILE_H264_MAIN);
    out->yuv420p = par->format == AV_PIX_FMT_YUV420P;
    out->interlaced = par->field_order != AV_FIELD_UNKNOWN &&
                      par->field_order != AV_FIELD_PROGRESSIVE;
    double start = stream->start_time != AV_NOPTS_VALUE
                       ? seconds(stream->start_time, stream->time_base)
                       : 0;
    scan_index(stream, start + out->duration, out);
    /* Without a usable index (other containers), trust the demuxer's
     * guess: a real rate that differs from the average means VFR. */
    if (out->max_keyframe_gap < 0 && stream->r_frame_rate.num > 0 &&
        stream->avg_frame_rate.num > 0 &&
        av_cmp_q(stream->r_frame_rate, stream->avg_frame_rate) != 0)
        out->vfr = true;
}

static void read_audio(const AVStream *stream, video_probe *out)
{
    const AVCodecParameters *par = stream->codecpar;
    out->has_audio = true;
    out->aac_lc =
        par->codec_id == AV_CODEC_ID_AAC && par->profile == FF_PROFILE_AAC_LOW;
    out->sample_rate = par->sample_rate;
    out->channels = par->ch_layout.nb_channels;
}

int video_probe_file(const char *path, double timeout_s, video_probe *out,
                     dk_error *err)
{
    memset(out, 0, sizeof *out);
    out->max_keyframe_gap = -1;
    /* the hardened opener (video_open.h): local files and video containers
     * only, bounded probing, a deadline, one-line reasons. */
    AVFormatContext *format = NULL;
    int rc = video_open(path, timeout_s, &format, err);
    if (rc)
        return rc;
    out->is_mp4 = strstr(format->iformat->name, "mp4") != NULL ||
                  strstr(format->iformat->name, "mov") != NULL;
    bool has_video = false;
    for (unsigned i = 0; i < format->nb_streams; i++) {
        AVStream *stream = format->streams[i];
        enum AVMediaType type = stream->codecpar->codec_type;
        bool picture = stream->disposition & AV_DISPOSITION_ATTACHED_PIC;
        if (type == AVMEDIA_TYPE_VIDEO && !picture && !has_video &&
            stream->codecpar->width > 0 && stream->codecpar->height > 0) {
            read_video(format, stream, out);
            has_video = true;
        } else if (type == AVMEDIA_TYPE_AUDIO && !out->has_audio) {
            read_audio(stream, out);
        }
    }
    video_close(&format);
    if (!has_video)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "no video stream (audio-only or unknown content)");
    return 0;
}

void video_probe_display_size(const video_probe *probe, int *width, int *height)
{
    int w = (int)lround((double)probe->width * probe->sar_num / probe->sar_den);
    int h = probe->height;
    if (w < 1)
        w = 1;
    bool quarter = probe->rotation == 90 || probe->rotation == 270;
    *width = quarter ? h : w;
    *height = quarter ? w : h;
}

const char *video_probe_not_compliant(const video_probe *probe,
                                      bool audio_required)
{
    if (!probe->is_mp4)
        return "not an MP4 container";
    if (!probe->h264_high_or_main)
        return "video is not H.264 High or Main profile";
    if (!probe->yuv420p)
        return "pixels are not 8-bit yuv420p";
    if (probe->vfr)
        return "variable frame rate";
    if (probe->interlaced)
        return "interlaced";
    if (probe->max_keyframe_gap < 0 ||
        probe->max_keyframe_gap >
            VIDEO_PROBE_MAX_GOP_SECONDS + VIDEO_PROBE_GOP_SLACK)
        return "keyframes more than 2 s apart";
    if (probe->sar_num != probe->sar_den)
        return "pixels are not square";
    if (!probe->has_audio)
        return audio_required ? "no audio track" : NULL;
    if (!probe->aac_lc || probe->sample_rate != 48000 || probe->channels != 2)
        return "audio is not AAC-LC 48 kHz stereo";
    return NULL;
}
