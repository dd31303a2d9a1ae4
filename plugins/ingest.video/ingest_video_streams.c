/* ingest.video — which streams a file has, and what the picture looks like
 * once a player has turned it the way the phone was held. */
#include <math.h>

#include <libavcodec/avcodec.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>

#include "ingest_video.h"

int ingest_video_main_stream(const AVFormatContext *ctx)
{
    int best = -1;
    int64_t best_area = -1;
    for (unsigned i = 0; i < ctx->nb_streams; i++) {
        const AVStream *st = ctx->streams[i];
        if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO ||
            (st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            continue;
        int64_t area =
            (int64_t)st->codecpar->width * (int64_t)st->codecpar->height;
        if (area > best_area) {
            best = (int)i;
            best_area = area;
        }
    }
    return best;
}

int ingest_video_rotation(const AVStream *stream)
{
    size_t size = 0;
    const uint8_t *matrix =
        av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!matrix || size < 9 * sizeof(int32_t))
        return 0;
    /* av_display_rotation_get() is counter-clockwise; players (ffmpeg's
     * autorotate, GStreamer's image-orientation) speak clockwise. */
    double ccw = av_display_rotation_get((const int32_t *)matrix);
    if (isnan(ccw))
        return 0;
    long clockwise = lround(-ccw) % 360;
    return (int)(clockwise < 0 ? clockwise + 360 : clockwise);
}

static void streams_set_display(const AVStream *st, int rotation, dk_meta *meta)
{
    int64_t width = st->codecpar->width, height = st->codecpar->height;
    /* Non-square pixels (HDV 1440x1080 shown as 1920x1080) widen the
     * picture before it is turned. */
    AVRational sar = st->sample_aspect_ratio.num
                         ? st->sample_aspect_ratio
                         : st->codecpar->sample_aspect_ratio;
    if (sar.num > 0 && sar.den > 0 && sar.num != sar.den) {
        int64_t wide = av_rescale(width, sar.num, sar.den);
        if (wide > 0 && wide <= INT32_MAX) /* a hostile ratio: ignore */
            width = wide;
    }
    if (rotation == 90 || rotation == 270) {
        int64_t swap = width;
        width = height;
        height = swap;
    }
    dk_meta_set_int(meta, "display.width", width);
    dk_meta_set_int(meta, "display.height", height);
}

static void streams_set_audio(const AVFormatContext *ctx, dk_meta *meta)
{
    for (unsigned i = 0; i < ctx->nb_streams; i++) {
        const AVCodecParameters *par = ctx->streams[i]->codecpar;
        if (par->codec_type != AVMEDIA_TYPE_AUDIO)
            continue;
        dk_meta_set_bool(meta, "audio.present", true);
        dk_meta_set_string(meta, "audio.codec",
                           avcodec_get_name(par->codec_id));
        if (par->sample_rate > 0)
            dk_meta_set_int(meta, "audio.sample_rate", par->sample_rate);
        if (par->ch_layout.nb_channels > 0)
            dk_meta_set_int(meta, "audio.channels", par->ch_layout.nb_channels);
        return;
    }
    dk_meta_set_bool(meta, "audio.present", false);
}

/* streams.count and streams.<i>.type / .codec, so `dokpim probe` shows
 * data or subtitle tracks a later stage may have to leave out. */
static void streams_list(const AVFormatContext *ctx, dk_meta *meta)
{
    dk_meta_set_int(meta, "streams.count", ctx->nb_streams);
    for (unsigned i = 0; i < ctx->nb_streams; i++) {
        const AVCodecParameters *par = ctx->streams[i]->codecpar;
        const char *type = av_get_media_type_string(par->codec_type);
        char key[48];
        g_snprintf(key, sizeof key, "streams.%u.type", i);
        dk_meta_set_string(meta, key, type ? type : "unknown");
        g_snprintf(key, sizeof key, "streams.%u.codec", i);
        dk_meta_set_string(meta, key, avcodec_get_name(par->codec_id));
    }
}

static int streams_check_decoder(const AVCodecParameters *par, dk_error *err)
{
    if (avcodec_find_decoder(par->codec_id))
        return 0;
    if (par->codec_id == AV_CODEC_ID_NONE && !par->codec_tag)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "unsupported video codec (the stream names none)");
    if (par->codec_id == AV_CODEC_ID_NONE) {
        char fourcc[AV_FOURCC_MAX_STRING_SIZE];
        av_fourcc_make_string(fourcc, par->codec_tag);
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "unsupported video codec '%s'", fourcc);
    }
    return dk_error_set(err, DK_ERR_UNSUPPORTED, "unsupported video codec %s",
                        avcodec_get_name(par->codec_id));
}

int ingest_video_read_streams(const AVFormatContext *ctx, int video_index,
                              dk_meta *meta, dk_error *err)
{
    const AVStream *st = ctx->streams[video_index];
    const AVCodecParameters *par = st->codecpar;
    int ret = streams_check_decoder(par, err);
    if (ret < 0)
        return ret;
    if (par->width <= 0 || par->height <= 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "video stream has no picture size (no frame "
                            "could be decoded)");

    dk_meta_set_string(meta, "video.codec", avcodec_get_name(par->codec_id));
    const char *profile = avcodec_profile_name(par->codec_id, par->profile);
    if (profile)
        dk_meta_set_string(meta, "video.profile", profile);
    dk_meta_set_int(meta, "video.width", par->width);
    dk_meta_set_int(meta, "video.height", par->height);
    const char *pix_fmt = av_get_pix_fmt_name(par->format);
    if (pix_fmt)
        dk_meta_set_string(meta, "video.pix_fmt", pix_fmt);
    int rotation = ingest_video_rotation(st);
    dk_meta_set_int(meta, "video.rotation", rotation);
    streams_set_display(st, rotation, meta);
    streams_set_audio(ctx, meta);
    streams_list(ctx, meta);
    return 0;
}
