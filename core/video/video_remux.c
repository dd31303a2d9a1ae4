/* Copying a clip's packets into a new MP4/MOV; see video_remux.h.
 *
 * One packet is in memory at a time, plus what the muxer holds to
 * interleave streams (a few seconds) and the sample index it writes at the
 * end (a few bytes per frame): a three-hour file streams through. With
 * movflags=+faststart the muxer writes the moov box, then moves it in
 * front of the media data in a second pass over the file. */
#include <glib/gstdio.h>
#include <libavcodec/avcodec.h>
#include <math.h>
#include <string.h>

#include <dokpim/progress.h>

#include "video_boxes.h"
#include "video_open.h"
#include "video_remux.h"

typedef struct remux_state {
    const video_remux_job *job;
    video_remux_report *report;
    AVFormatContext *in;
    AVFormatContext *out;
    int *map;        /* input stream -> output stream, or -1 */
    int64_t shift;   /* subtracted from every timestamp, AV_TIME_BASE */
    int64_t in_size; /* bytes in the input file */
    int shown;       /* percent last reported */
    /* a range copy (job->from / to) */
    bool has_video;     /* a video stream is copied: start on its key frame */
    bool range_started; /* the first packet is written */
    bool past_range;    /* every stream is past job->to: stop reading */
    double range_t0;    /* raw input time of the first packet, seconds */
} remux_state;

const char *video_remux_muxer_for(const char *output, const char *input)
{
    const char *dot = strrchr(output, '.');
    if (dot && g_ascii_strcasecmp(dot, ".mov") == 0)
        return "mov";
    if (dot && (g_ascii_strcasecmp(dot, ".mp4") == 0 ||
                g_ascii_strcasecmp(dot, ".m4v") == 0))
        return "mp4";
    dot = strrchr(input, '.');
    return dot && g_ascii_strcasecmp(dot, ".mov") == 0 ? "mov" : "mp4";
}

/* Whether the muxer can store this stream as it is. */
static bool remux_can_carry(const AVOutputFormat *muxer,
                            const AVCodecParameters *par)
{
    if (par->codec_type != AVMEDIA_TYPE_VIDEO &&
        par->codec_type != AVMEDIA_TYPE_AUDIO &&
        par->codec_type != AVMEDIA_TYPE_SUBTITLE)
        return false;
    return avformat_query_codec(muxer, par->codec_id, FF_COMPLIANCE_NORMAL) ==
           1;
}

/* The muxer a clip needs: wanted, unless that is MP4 and it cannot carry
 * one of the clip's video or audio streams while QuickTime can (the PCM
 * sound cameras record). Keeping QuickTime keeps every sample as it is;
 * converting the sound instead would not be the lossless copy a stamped
 * archive copy must be. */
static const char *remux_fitting_muxer(const AVFormatContext *in,
                                       const char *wanted)
{
    const AVOutputFormat *mp4 = av_guess_format("mp4", NULL, NULL);
    const AVOutputFormat *mov = av_guess_format("mov", NULL, NULL);
    if (strcmp(wanted, "mp4") != 0 || !mp4 || !mov)
        return wanted;
    bool needs_mov = false;
    for (unsigned i = 0; i < in->nb_streams; i++) {
        const AVCodecParameters *par = in->streams[i]->codecpar;
        if (par->codec_type != AVMEDIA_TYPE_VIDEO &&
            par->codec_type != AVMEDIA_TYPE_AUDIO)
            continue;
        if (remux_can_carry(mp4, par))
            continue;
        if (!remux_can_carry(mov, par))
            return wanted; /* neither does: the remux says which stream */
        needs_mov = true;
    }
    return needs_mov ? "mov" : wanted;
}

int video_remux_fit_muxer(const char *input, const char *wanted,
                          double open_timeout, const char **chosen,
                          dk_error *err)
{
    AVFormatContext *in = NULL;
    *chosen = wanted;
    int ret = video_open(input, open_timeout, &in, err);
    if (ret < 0)
        return ret;
    *chosen = remux_fitting_muxer(in, wanted);
    video_close(&in);
    return 0;
}

static void remux_note_dropped(remux_state *s, unsigned index,
                               const AVCodecParameters *par)
{
    const char *type = av_get_media_type_string(par->codec_type);
    /* a GPS track or an attached font has no codec id: its fourcc or MIME
     * type says more */
    char fourcc[AV_FOURCC_MAX_STRING_SIZE];
    const char *codec = avcodec_get_name(par->codec_id);
    const AVDictionaryEntry *mime =
        av_dict_get(s->in->streams[index]->metadata, "mimetype", NULL, 0);
    if (par->codec_id == AV_CODEC_ID_NONE && par->codec_tag)
        codec = av_fourcc_make_string(fourcc, par->codec_tag);
    else if (par->codec_id == AV_CODEC_ID_NONE && mime)
        codec = mime->value;
    if (s->report->dropped->len)
        g_string_append(s->report->dropped, "; ");
    g_string_append_printf(s->report->dropped, "stream %u (%s, %s)", index,
                           type ? type : "unknown", codec);
}

/* Keeps the source's codec tag when the muxer knows it for the same codec
 * (HEVC's hvc1 must not become hev1: Apple players refuse hev1). */
static uint32_t remux_codec_tag(const AVOutputFormat *muxer,
                                const AVCodecParameters *par)
{
    if (!par->codec_tag || !muxer->codec_tag)
        return 0;
    return av_codec_get_id(muxer->codec_tag, par->codec_tag) == par->codec_id
               ? par->codec_tag
               : 0;
}

/* A QuickTime timecode track needs no copy: the muxer writes a new one,
 * with the same sample, from the "timecode" tag the demuxer put on the
 * video stream (or the file). Copying it as well would make two. */
static bool remux_timecode_rebuilt(const remux_state *s,
                                   const AVCodecParameters *par)
{
    if (par->codec_type != AVMEDIA_TYPE_DATA ||
        par->codec_tag != MKTAG('t', 'm', 'c', 'd'))
        return false;
    if (av_dict_get(s->in->metadata, "timecode", NULL, 0))
        return true;
    for (unsigned i = 0; i < s->in->nb_streams; i++) {
        const AVStream *st = s->in->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            av_dict_get(st->metadata, "timecode", NULL, 0))
            return true;
    }
    return false;
}

static int remux_copy_side_data(const AVStream *from, AVStream *to)
{
    /* the display matrix (phone rotation) lives here, among others */
    for (int i = 0; i < from->nb_side_data; i++) {
        const AVPacketSideData *sd = &from->side_data[i];
        uint8_t *copy = av_stream_new_side_data(to, sd->type, sd->size);
        if (!copy)
            return AVERROR(ENOMEM);
        memcpy(copy, sd->data, sd->size);
    }
    return 0;
}

static int remux_add_stream(remux_state *s, unsigned index, dk_error *err)
{
    const AVStream *ist = s->in->streams[index];
    const AVCodecParameters *par = ist->codecpar;
    if (remux_timecode_rebuilt(s, par))
        return 0;
    if (!remux_can_carry(s->out->oformat, par)) {
        if (par->codec_type == AVMEDIA_TYPE_VIDEO ||
            par->codec_type == AVMEDIA_TYPE_AUDIO)
            return dk_error_set(err, DK_ERR_UNSUPPORTED,
                                "%s cannot carry the %s stream %u (%s)",
                                s->job->format,
                                av_get_media_type_string(par->codec_type),
                                index, avcodec_get_name(par->codec_id));
        remux_note_dropped(s, index, par);
        return 0;
    }
    AVStream *ost = avformat_new_stream(s->out, NULL);
    if (!ost || avcodec_parameters_copy(ost->codecpar, par) < 0 ||
        remux_copy_side_data(ist, ost) < 0 ||
        av_dict_copy(&ost->metadata, ist->metadata, 0) < 0)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    ost->codecpar->codec_tag = remux_codec_tag(s->out->oformat, par);
    ost->time_base = ist->time_base;
    ost->avg_frame_rate = ist->avg_frame_rate;
    ost->r_frame_rate = ist->r_frame_rate;
    ost->sample_aspect_ratio = ist->sample_aspect_ratio;
    ost->disposition = ist->disposition;
    s->map[index] = ost->index;
    return 0;
}

static int remux_set_tags(remux_state *s)
{
    /* the source's own tags first (creation_time, make, model, location),
     * then ours over them */
    if (av_dict_copy(&s->out->metadata, s->in->metadata, 0) < 0 ||
        av_dict_copy(&s->out->metadata, s->job->tags, 0) < 0)
        return AVERROR(ENOMEM);
    /* the writing muxer sets these itself; stale copies only confuse */
    av_dict_set(&s->out->metadata, "major_brand", NULL, 0);
    av_dict_set(&s->out->metadata, "minor_version", NULL, 0);
    av_dict_set(&s->out->metadata, "compatible_brands", NULL, 0);
    av_dict_set(&s->out->metadata, "encoder", NULL, 0);
    if (s->job->fallback_creation_time &&
        !av_dict_get(s->out->metadata, "creation_time", NULL, 0))
        return av_dict_set(&s->out->metadata, "creation_time",
                           s->job->fallback_creation_time, 0);
    return 0;
}

/* A write failed (a full disk, a pulled drive): the file a person knows
 * and the OS's reason. */
static int remux_write_error(const remux_state *s, int averr, dk_error *err)
{
    const char *name =
        s->job->output_name ? s->job->output_name : s->job->output;
    return dk_error_set(err, DK_ERR_IO, "cannot write %s: %s", name,
                        av_err2str(averr));
}

static int remux_open_output(remux_state *s, dk_error *err)
{
    char *url = video_file_url(s->job->output);
    int ret =
        avformat_alloc_output_context2(&s->out, NULL, s->job->format, url);
    if (ret < 0) {
        g_free(url);
        return dk_error_set(err, DK_ERR_INTERNAL, "no %s muxer: %s",
                            s->job->format, av_err2str(ret));
    }
    s->out->interrupt_callback = video_cancel_callback();
    /* faststart reopens the file by name to move the index forward */
    s->out->protocol_whitelist = av_strdup("file");
    for (unsigned i = 0; i < s->in->nb_streams; i++) {
        ret = remux_add_stream(s, i, err);
        if (ret < 0) {
            g_free(url);
            return ret;
        }
    }
    if (s->out->nb_streams == 0) {
        g_free(url);
        return dk_error_set(err, DK_ERR_INVALID, "no stream to copy");
    }
    if (remux_set_tags(s) < 0) {
        g_free(url);
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    }
    ret = avio_open2(&s->out->pb, url, AVIO_FLAG_WRITE,
                     &s->out->interrupt_callback, NULL);
    g_free(url);
    if (ret < 0)
        return remux_write_error(s, ret, err);
    AVDictionary *options = NULL;
    /* QuickTime's user-data box has no grouping, description, keywords or
     * location: in a .mov every tag goes into metadata keys instead
     * (exiftool, mediainfo and Apple's tools read those) */
    av_dict_set(&options, "movflags",
                strcmp(s->job->format, "mov") == 0
                    ? "+faststart+use_metadata_tags"
                    : "+faststart",
                0);
    ret = avformat_write_header(s->out, &options);
    av_dict_free(&options);
    if (ret < 0)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "%s muxer refused the streams: %s", s->job->format,
                            av_err2str(ret));
    return 0;
}

/* A cut recording ends inside its last packet: libav hands out the bytes
 * that are there, flagged corrupt. That frame is left out. */
static bool remux_is_cut_tail(const remux_state *s, const AVPacket *packet)
{
    return (packet->flags & AV_PKT_FLAG_CORRUPT) && packet->pos >= 0 &&
           packet->pos >= s->in_size - packet->size;
}

/* A read error: the end of a cut MP4/MOV (the next sample lies past the end
 * of the file), or real damage. */
static bool remux_input_cut(const remux_state *s)
{
    video_boxes boxes;
    return video_boxes_scan(s->job->input, &boxes, NULL) == 0 &&
           boxes.iso_bmff && boxes.truncated;
}

static int remux_write_packet(remux_state *s, AVPacket *packet, dk_error *err)
{
    const AVStream *ist = s->in->streams[packet->stream_index];
    int target = s->map[packet->stream_index];
    const AVStream *ost = s->out->streams[target];
    int64_t shift = av_rescale_q(s->shift, AV_TIME_BASE_Q, ist->time_base);
    /* saturating: a hostile timestamp must not overflow */
    if (packet->pts != AV_NOPTS_VALUE)
        packet->pts = av_sat_sub64(packet->pts, shift);
    if (packet->dts != AV_NOPTS_VALUE)
        packet->dts = av_sat_sub64(packet->dts, shift);
    av_packet_rescale_ts(packet, ist->time_base, ost->time_base);
    packet->stream_index = target;
    packet->pos = -1;
    int ret = av_interleaved_write_frame(s->out, packet);
    if (ret == AVERROR_EXIT)
        return video_interrupted_error(s->in, "copying", err);
    if (ret < 0)
        return remux_write_error(s, ret, err);
    s->report->packets++;
    return 0;
}

/* How far the copy has read, by bytes: a remux costs what it moves, and
 * the input position only ever grows (packet times jump between
 * interleaved streams). At most one report per hundredth; a remux moves
 * thousands of packets a second. */
static void remux_report_progress(remux_state *s)
{
    if (!s->job->item || s->in_size <= 0 || !s->in->pb)
        return;
    int64_t at = avio_tell(s->in->pb);
    int percent = at > 0 ? (int)(at * 100 / s->in_size) : 0;
    if (percent <= s->shown || percent > 100)
        return;
    s->shown = percent;
    dk_progress(s->job->item, percent / 100.0, "copying packets");
}

static double remux_packet_seconds(const remux_state *s, const AVPacket *p)
{
    int64_t ts = p->dts != AV_NOPTS_VALUE ? p->dts : p->pts;
    if (ts == AV_NOPTS_VALUE)
        return NAN;
    return ts * av_q2d(s->in->streams[p->stream_index]->time_base);
}

/* With a range: the first packet after the seek (the key frame at or
 * before `from`, as demuxers interleave) sets time 0; audio that comes
 * before it is dropped so no stream starts negative; the copy ends once
 * every stream is past `to` (interleaving keeps that within a second or
 * two of the last packet wanted). */
static bool remux_outside_range(remux_state *s, const AVPacket *packet)
{
    if (s->job->from <= 0 && s->job->to <= 0)
        return false;
    double t = remux_packet_seconds(s, packet);
    if (isnan(t))
        return true;
    double origin = s->in->start_time != AV_NOPTS_VALUE && s->in->start_time > 0
                        ? (double)s->in->start_time / AV_TIME_BASE
                        : 0;
    if (!s->range_started) {
        const AVStream *st = s->in->streams[packet->stream_index];
        bool video = st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
        if (s->has_video && (!video || !(packet->flags & AV_PKT_FLAG_KEY)))
            return true;
        s->range_started = true;
        s->range_t0 = t;
        s->report->started = t - origin;
        s->shift = (int64_t)(t * AV_TIME_BASE);
    }
    if (t < s->range_t0)
        return true;
    if (s->job->to > 0 && t - origin > s->job->to) {
        s->past_range = t - origin > s->job->to + 5.0;
        return true;
    }
    return false;
}

static int remux_seek(remux_state *s, dk_error *err)
{
    for (unsigned i = 0; i < s->in->nb_streams; i++)
        s->has_video |=
            s->map[i] >= 0 &&
            s->in->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
    if (s->job->from <= 0)
        return 0;
    int64_t at = (int64_t)(s->job->from * AV_TIME_BASE);
    if (s->in->start_time != AV_NOPTS_VALUE && s->in->start_time > 0)
        at += s->in->start_time;
    int ret = av_seek_frame(s->in, -1, at, AVSEEK_FLAG_BACKWARD);
    if (ret < 0)
        return dk_error_set(err, DK_ERR_INVALID, "cannot seek to %.2f s: %s",
                            s->job->from, av_err2str(ret));
    return 0;
}

static int remux_copy_packets(remux_state *s, dk_error *err)
{
    int seek = remux_seek(s, err);
    if (seek < 0)
        return seek;
    AVPacket *packet = av_packet_alloc();
    if (!packet)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    int ret = 0;
    for (;;) {
        int got = av_read_frame(s->in, packet);
        if (got == AVERROR_EOF)
            break;
        if (got == AVERROR_EXIT) {
            ret = video_interrupted_error(s->in, "copying", err);
            break;
        }
        if (got < 0) {
            if (remux_input_cut(s)) {
                s->report->truncated = true;
                break;
            }
            ret = dk_error_set(err, DK_ERR_INVALID, "damaged input: %s",
                               av_err2str(got));
            break;
        }
        if (remux_is_cut_tail(s, packet)) {
            s->report->truncated = true;
            av_packet_unref(packet);
            break;
        }
        if (s->map[packet->stream_index] < 0 ||
            remux_outside_range(s, packet)) {
            av_packet_unref(packet);
            if (s->past_range)
                break;
            continue;
        }
        ret = remux_write_packet(s, packet, err);
        av_packet_unref(packet);
        if (ret < 0)
            break;
        remux_report_progress(s);
    }
    av_packet_free(&packet);
    return ret;
}

static int64_t remux_file_size(const char *path)
{
    GStatBuf st;
    return g_stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

int video_remux(const video_remux_job *job, video_remux_report *report,
                dk_error *err)
{
    remux_state s = {.job = job, .report = report, .shown = -1};
    int ret = video_open(job->input, job->open_timeout, &s.in, err);
    if (ret < 0)
        return ret;
    /* probing is bounded; copying a long file may take as long as it must,
     * and only Ctrl-C stops it */
    video_set_deadline(s.in, 0);
    s.in_size = remux_file_size(job->input);
    /* a transport stream starts at its clock's value, not at 0: start the
     * copy at 0 as ffmpeg does, keeping the streams' relative offsets */
    s.shift = s.in->start_time != AV_NOPTS_VALUE && s.in->start_time > 0
                  ? s.in->start_time
                  : 0;
    s.map = g_new(int, s.in->nb_streams);
    for (unsigned i = 0; i < s.in->nb_streams; i++)
        s.map[i] = -1;

    ret = remux_open_output(&s, err);
    if (ret == 0)
        ret = remux_copy_packets(&s, err);
    if (ret == 0 && report->packets == 0)
        ret = dk_error_set(err, DK_ERR_INVALID, "no packet to copy");
    if (ret == 0) {
        /* writes the index and moves it in front: a second pass over the
         * file, which libavformat does not report on */
        if (job->item)
            dk_progress(job->item, -1, "moving the index to the front");
        ret = av_write_trailer(s.out);
        if (ret < 0)
            ret = ret == AVERROR_EXIT
                      ? video_interrupted_error(s.in, "finishing", err)
                      : remux_write_error(&s, ret, err);
    }
    /* after a failure the output is thrown away: freeing the context
     * releases the muxer's queued packets without writing a trailer */
    if (s.out) {
        avio_closep(&s.out->pb);
        avformat_free_context(s.out);
    }
    g_free(s.map);
    video_close(&s.in);
    return ret;
}
