/* dk_media_print_compute: one demux pass over a media file, decoding its
 * best audio and video streams side by side and handing the results to
 * the audio printer (8 kHz mono float from libswresample) and the picture
 * hasher (a small grey image from libswscale).
 *
 * Decoders run single-threaded: the indexing target is per core, and a
 * batch of originals is parallel across files instead. For originals,
 * packets that are not key frames never reach the video decoder (and
 * skip_frame says the same to decoders that look for themselves), which
 * is what makes printing 1080p much faster than real time. */
#include "print_private.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "video_open.h"

#define PRINT_OPEN_TIMEOUT_S 30.0
#define PRINT_MIN_SECONDS    1.0 /* shorter than this cannot be located */
#define PRINT_TIME_SLACK     1e-3

typedef struct stream_span {
    double first, last; /* file time of the first and last packet's end */
    bool seen, done;
} stream_span;

typedef struct audio_side {
    int index;
    AVCodecContext *codec;
    SwrContext *swr;
    print_audio *printer;
    double start;
    bool started;
    float *samples;
    int samples_capacity;
    stream_span span;
} audio_side;

typedef struct video_side {
    int index;
    AVCodecContext *codec;
    struct SwsContext *sws;
    uint8_t grid[PRINT_GRID * PRINT_GRID];
    double next_due;
    dk_picture_frame *frames;
    size_t count, capacity;
    stream_span span;
} video_side;

typedef struct print_pass {
    const dk_print_params *params;
    AVFormatContext *format;
    double origin; /* container start time: file time 0 */
    AVFrame *frame;
    audio_side audio;
    video_side video;
    unsigned damaged; /* packets a decoder refused */
    bool read_error;  /* av_read_frame failed before the end of file */
} print_pass;

static double seconds(int64_t ts, AVRational base)
{
    return ts == AV_NOPTS_VALUE ? NAN : ts * av_q2d(base);
}

/* Opens a decoder for the best stream of a type, or leaves *codec NULL
 * when the file has none (or none we can decode: the other may do). */
static int open_decoder(print_pass *pass, enum AVMediaType type,
                        AVCodecContext **codec)
{
    *codec = NULL;
    const AVCodec *decoder = NULL;
    int index = av_find_best_stream(pass->format, type, -1, -1, &decoder, 0);
    if (index < 0 || !decoder)
        return -1;
    AVStream *stream = pass->format->streams[index];
    if (stream->disposition & AV_DISPOSITION_ATTACHED_PIC)
        return -1; /* cover art is not the video */
    AVCodecContext *ctx = avcodec_alloc_context3(decoder);
    if (!ctx)
        return -1;
    if (avcodec_parameters_to_context(ctx, stream->codecpar) < 0)
        goto fail;
    ctx->thread_count = 1;
    ctx->pkt_timebase = stream->time_base;
    if (type == AVMEDIA_TYPE_VIDEO) {
        /* Originals: key frames only. Clips: no frame another depends on is
         * skipped, so B-frames go (most of a re-encode's frames; picture
         * cuts are still placed within a few frames). Neither needs the
         * deblocking filter: the hash looks at a 32x32 reduction. */
        ctx->skip_frame =
            pass->params->keyframes_only ? AVDISCARD_NONKEY : AVDISCARD_NONREF;
        ctx->skip_loop_filter = AVDISCARD_ALL;
    }
    if (avcodec_open2(ctx, decoder, NULL) < 0)
        goto fail;
    *codec = ctx;
    return index;
fail:
    avcodec_free_context(&ctx);
    return -1;
}

static int audio_samples(print_pass *pass, const AVFrame *frame, dk_error *err)
{
    audio_side *a = &pass->audio;
    if (!a->swr) {
        AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
        if (swr_alloc_set_opts2(
                &a->swr, &mono, AV_SAMPLE_FMT_FLT, PRINT_AUDIO_RATE,
                (AVChannelLayout *)&frame->ch_layout, frame->format,
                frame->sample_rate, 0, NULL) < 0 ||
            swr_init(a->swr) < 0)
            return dk_error_set(err, DK_ERR_UNSUPPORTED,
                                "cannot resample the audio (%d Hz)",
                                frame->sample_rate);
        double t =
            seconds(frame->best_effort_timestamp, a->codec->pkt_timebase);
        a->start = isnan(t) ? 0 : t - pass->origin;
        a->started = true;
    }
    int room = frame ? swr_get_out_samples(a->swr, frame->nb_samples)
                     : swr_get_out_samples(a->swr, 0);
    if (room <= 0)
        return 0;
    if (room > a->samples_capacity) {
        float *p = realloc(a->samples, sizeof(float) * room);
        if (!p)
            return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
        a->samples = p;
        a->samples_capacity = room;
    }
    uint8_t *out[1] = {(uint8_t *)a->samples};
    int n = swr_convert(a->swr, out, room,
                        frame ? (const uint8_t **)frame->extended_data : NULL,
                        frame ? frame->nb_samples : 0);
    if (n <= 0)
        return 0;
    return print_audio_feed(a->printer, a->samples, (size_t)n, err);
}

static int video_picture(print_pass *pass, const AVFrame *frame, dk_error *err)
{
    video_side *v = &pass->video;
    double t = seconds(frame->best_effort_timestamp, v->codec->pkt_timebase);
    t = isnan(t) ? 0 : t - pass->origin;
    if (t < v->next_due - PRINT_TIME_SLACK)
        return 0;
    v->sws = sws_getCachedContext(v->sws, frame->width, frame->height,
                                  frame->format, PRINT_GRID, PRINT_GRID,
                                  AV_PIX_FMT_GRAY8, SWS_AREA, NULL, NULL, NULL);
    if (!v->sws)
        return 0; /* a pixel format swscale cannot read: no hash */
    uint8_t *planes[1] = {v->grid};
    int strides[1] = {PRINT_GRID};
    sws_scale(v->sws, (const uint8_t *const *)frame->data, frame->linesize, 0,
              frame->height, planes, strides);
    AVRational sar = av_guess_sample_aspect_ratio(
        pass->format, pass->format->streams[v->index], (AVFrame *)frame);
    double aspect = (double)frame->width / frame->height *
                    (sar.num > 0 && sar.den > 0 ? av_q2d(sar) : 1.0);
    if (v->count == v->capacity) {
        size_t cap = v->capacity ? v->capacity * 2 : 256;
        dk_picture_frame *p = realloc(v->frames, cap * sizeof *p);
        if (!p)
            return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
        v->frames = p;
        v->capacity = cap;
    }
    dk_picture_frame *f = &v->frames[v->count++];
    f->time = t;
    print_picture_hash(v->grid, PRINT_GRID, aspect, pass->params->centre, f);
    v->next_due = t + 1.0 / pass->params->picture_rate;
    return 0;
}

/* Sends a packet (NULL: flush) and takes every frame it gives. */
static int decode(print_pass *pass, AVCodecContext *codec,
                  const AVPacket *packet, dk_error *err)
{
    int ret = avcodec_send_packet(codec, packet);
    if (ret < 0 && ret != AVERROR(EAGAIN)) {
        pass->damaged++; /* a damaged packet: keep going with the rest */
        return 0;
    }
    for (;;) {
        ret = avcodec_receive_frame(codec, pass->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0) {
            pass->damaged++;
            return 0;
        }
        ret = codec == pass->audio.codec
                  ? audio_samples(pass, pass->frame, err)
                  : video_picture(pass, pass->frame, err);
        av_frame_unref(pass->frame);
        if (ret < 0)
            return ret;
    }
}

/* Records where the stream's packets lie; true when the packet is past
 * max_seconds (the stream is then done). */
static bool track(print_pass *pass, stream_span *span, const AVPacket *packet)
{
    AVRational base = pass->format->streams[packet->stream_index]->time_base;
    int64_t ts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
    double t = seconds(ts, base) - pass->origin;
    if (isnan(t))
        return false;
    double end =
        t + (packet->duration > 0 ? packet->duration * av_q2d(base) : 0);
    if (!span->seen || t < span->first)
        span->first = t;
    if (!span->seen || end > span->last)
        span->last = end;
    span->seen = true;
    double limit = pass->params->max_seconds;
    if (limit > 0 && t >= limit)
        span->done = true;
    return span->done;
}

static bool wanted_video_packet(print_pass *pass, const AVPacket *packet)
{
    if (!pass->params->keyframes_only)
        return true;
    if (!(packet->flags & AV_PKT_FLAG_KEY))
        return false;
    /* intra-only originals: every packet is a key frame, and only
     * picture_rate of them a second are hashed */
    AVRational base = pass->format->streams[packet->stream_index]->time_base;
    double t = seconds(packet->pts, base) - pass->origin;
    return isnan(t) || t >= pass->video.next_due - PRINT_TIME_SLACK;
}

static int read_packets(print_pass *pass, dk_error *err)
{
    AVPacket *packet = av_packet_alloc();
    if (!packet)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    int ret = 0;
    for (;;) {
        bool audio_done = !pass->audio.codec || pass->audio.span.done;
        bool video_done = !pass->video.codec || pass->video.span.done;
        if (audio_done && video_done)
            break;
        int got = av_read_frame(pass->format, packet);
        if (got == AVERROR_EXIT) {
            ret = video_interrupted_error(pass->format, "printing", err);
            break;
        }
        if (got < 0) {
            /* a truncated or damaged file: print what was read, and say so */
            pass->read_error = got != AVERROR_EOF;
            break;
        }
        int s = packet->stream_index;
        if (s == pass->audio.index && pass->audio.codec &&
            !track(pass, &pass->audio.span, packet))
            ret = decode(pass, pass->audio.codec, packet, err);
        else if (s == pass->video.index && pass->video.codec &&
                 !track(pass, &pass->video.span, packet) &&
                 wanted_video_packet(pass, packet))
            ret = decode(pass, pass->video.codec, packet, err);
        av_packet_unref(packet);
        if (ret < 0)
            break;
    }
    av_packet_free(&packet);
    if (ret == 0 && pass->audio.codec)
        ret = decode(pass, pass->audio.codec, NULL, err);
    if (ret == 0 && pass->video.codec)
        ret = decode(pass, pass->video.codec, NULL, err);
    if (ret == 0 && pass->audio.swr)
        ret = audio_samples(pass, NULL, err); /* the resampler's tail */
    return ret;
}

static void pass_free(print_pass *pass)
{
    avcodec_free_context(&pass->audio.codec);
    avcodec_free_context(&pass->video.codec);
    swr_free(&pass->audio.swr);
    sws_freeContext(pass->video.sws);
    print_audio_free(pass->audio.printer);
    free(pass->audio.samples);
    free(pass->video.frames);
    av_frame_free(&pass->frame);
    video_close(&pass->format);
}

/* What the pass decoded, as a print; fails when it is too little. */
static int pass_result(print_pass *pass, dk_media_print *out, dk_error *err)
{
    double audio_seconds =
        pass->audio.started ? print_audio_seconds(pass->audio.printer) : 0;
    double video_seconds = 0;
    if (pass->video.count > 0)
        video_seconds = pass->video.span.last - pass->video.span.first;
    double usable = fmax(audio_seconds, video_seconds);
    if (audio_seconds == 0 && pass->video.count == 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "no decodable audio or video (%u damaged packets)",
                            pass->damaged);
    if (usable < PRINT_MIN_SECONDS)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "too short to locate: %.1f s", usable);
    if (audio_seconds > 0) {
        int ret = print_audio_finish(pass->audio.printer, pass->audio.start,
                                     &out->audio, err);
        if (ret < 0)
            return ret;
        out->has_audio = out->audio.count > 0;
    }
    if (pass->video.count > 0) {
        out->picture.count = pass->video.count;
        out->picture.frames = pass->video.frames;
        pass->video.frames = NULL;
        out->has_video = true;
    }
    out->damaged_packets = pass->damaged;
    out->read_error = pass->read_error;
    double audio_end = pass->audio.start + audio_seconds;
    double video_end = out->has_video ? pass->video.span.last : 0;
    out->duration = fmax(audio_end, video_end);
    if (pass->params->max_seconds > 0)
        out->duration = fmin(out->duration, pass->params->max_seconds);
    return 0;
}

static int check_params(const dk_print_params *params, dk_error *err)
{
    if (!params || !(params->picture_rate > 0) || !(params->speed >= 0.5) ||
        !(params->speed <= 2.0) || !(params->max_seconds >= 0))
        return dk_error_set(err, DK_ERR_INVALID,
                            "print parameters out of range (picture rate > 0,"
                            " speed 0.5-2, max seconds >= 0)");
    return 0;
}

int dk_media_print_compute(const char *path, const dk_print_params *params,
                           dk_media_print *out, dk_error *err)
{
    memset(out, 0, sizeof *out);
    int ret = check_params(params, err);
    if (ret < 0)
        return ret;
    print_pass pass = {.params = params, .audio.index = -1, .video.index = -1};
    ret = video_open(path, PRINT_OPEN_TIMEOUT_S, &pass.format, err);
    if (ret < 0)
        return ret;
    video_set_deadline(pass.format, 0); /* a 3-hour file takes its time */
    if (pass.format->start_time != AV_NOPTS_VALUE)
        pass.origin = pass.format->start_time / (double)AV_TIME_BASE;
    pass.audio.index =
        open_decoder(&pass, AVMEDIA_TYPE_AUDIO, &pass.audio.codec);
    pass.video.index =
        open_decoder(&pass, AVMEDIA_TYPE_VIDEO, &pass.video.codec);
    if (!pass.audio.codec && !pass.video.codec) {
        ret = dk_error_set(err, DK_ERR_INVALID,
                           "no audio and no video stream we can decode");
        goto done;
    }
    pass.frame = av_frame_alloc();
    if (pass.audio.codec)
        pass.audio.printer = print_audio_new(params->speed);
    if (!pass.frame || (pass.audio.codec && !pass.audio.printer)) {
        ret = dk_error_set(err, DK_ERR_NOMEM, "out of memory");
        goto done;
    }
    ret = read_packets(&pass, err);
    if (ret == 0)
        ret = pass_result(&pass, out, err);
done:
    pass_free(&pass);
    if (ret < 0)
        dk_media_print_clear(out);
    return ret;
}
