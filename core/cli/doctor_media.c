/* doctor: the GStreamer elements and FFmpeg codecs and formats that the
 * shipped pipelines and `dokpim live` ask for exist. The table is read off
 * the plugins' sources (core/video, plugins/transcode.video,
 * thumbnail.video, live.youtube, ingest.video, fingerprint.media): when a
 * plugin starts asking for another element, add its row here. */
#include "doctor.h"

#include <gst/gst.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>

typedef enum {
    MEDIA_GST,        /* gst_element_factory_find */
    MEDIA_AV_DECODER, /* avcodec_find_decoder_by_name */
    MEDIA_AV_ENCODER, /* avcodec_find_encoder_by_name */
    MEDIA_AV_DEMUXER, /* av_find_input_format */
    MEDIA_AV_MUXER,   /* av_guess_format */
} media_kind;

#define GST_CORE "libgstreamer1.0-0"
#define GST_BASE "gstreamer1.0-plugins-base"
#define GST_GOOD "gstreamer1.0-plugins-good"
#define GST_BAD  "gstreamer1.0-plugins-bad"
#define GST_UGLY "gstreamer1.0-plugins-ugly"
#define GST_AV   "gstreamer1.0-libav"
#define FFMPEG   "libavcodec59 libavformat59"

static const struct {
    media_kind kind;
    const char *name;
    const char *package; /* the Debian package that ships it */
    const char *used_by;
    bool optional; /* only one source or option needs it: a warning */
} media[] = {
    /* files in, through decodebin: camera and phone clips */
    {MEDIA_GST, "filesrc", GST_CORE, "transcode.video, thumbnail.video"},
    {MEDIA_GST, "decodebin", GST_BASE, "transcode.video, thumbnail.video"},
    {MEDIA_GST, "qtdemux", GST_GOOD, "decoding MP4/MOV clips"},
    {MEDIA_GST, "matroskademux", GST_GOOD, "decoding MKV recordings"},
    {MEDIA_GST, "avdec_h264", GST_AV, "decoding H.264 clips"},
    {MEDIA_GST, "avdec_h265", GST_AV, "decoding HEVC phone clips"},
    {MEDIA_GST, "avdec_aac", GST_AV, "decoding AAC audio"},
    /* pictures and sound on the way */
    {MEDIA_GST, "videoconvertscale", GST_BASE,
     "transcode.video, thumbnail.video, live.youtube"},
    {MEDIA_GST, "videorate", GST_BASE, "transcode.video, live.youtube"},
    {MEDIA_GST, "videoflip", GST_GOOD, "transcode.video, thumbnail.video"},
    {MEDIA_GST, "videocrop", GST_GOOD, "thumbnail.video"},
    {MEDIA_GST, "deinterlace", GST_GOOD, "transcode.video"},
    {MEDIA_GST, "audioconvert", GST_BASE, "transcode.video, live.youtube"},
    {MEDIA_GST, "audioresample", GST_BASE, "transcode.video, live.youtube"},
    {MEDIA_GST, "audiotestsrc", GST_BASE,
     "transcode.video (silent clips), live.youtube"},
    {MEDIA_GST, "volume", GST_BASE, "live.youtube"},
    {MEDIA_GST, "audiomixer", GST_BASE, "live.youtube (file and uri feeds)"},
    {MEDIA_GST, "capsfilter", GST_CORE, "transcode.video, live.youtube"},
    {MEDIA_GST, "queue", GST_CORE, "transcode.video, live.youtube"},
    {MEDIA_GST, "tee", GST_CORE, "live.youtube"},
    {MEDIA_GST, "identity", GST_CORE, "live.youtube"},
    {MEDIA_GST, "appsrc", GST_BASE, "live.youtube"},
    {MEDIA_GST, "appsink", GST_BASE, "thumbnail.video, live.youtube"},
    {MEDIA_GST, "fakesink", GST_CORE, "core/video, live.youtube"},
    /* encoding and containers out */
    {MEDIA_GST, "x264enc", GST_UGLY, "transcode.video, live.youtube"},
    {MEDIA_GST, "avenc_aac", GST_AV, "transcode.video, live.youtube"},
    {MEDIA_GST, "h264parse", GST_BAD, "live.youtube"},
    {MEDIA_GST, "aacparse", GST_GOOD, "live.youtube"},
    {MEDIA_GST, "mp4mux", GST_GOOD, "transcode.video, live.youtube record"},
    {MEDIA_GST, "matroskamux", GST_GOOD, "live.youtube record-format=mkv"},
    {MEDIA_GST, "splitmuxsink", GST_GOOD, "live.youtube record"},
    {MEDIA_GST, "filesink", GST_CORE, "transcode.video, live.youtube record"},
    /* live: to YouTube, and the sources */
    {MEDIA_GST, "flvmux", GST_GOOD, "live.youtube"},
    {MEDIA_GST, "rtmp2sink", GST_BAD, "live.youtube"},
    {MEDIA_GST, "videotestsrc", GST_BASE, "live.youtube source=test"},
    {MEDIA_GST, "imagefreeze", GST_GOOD, "live.youtube source=test, slate"},
    {MEDIA_GST, "uridecodebin", GST_BASE, "live.youtube source=uri|file"},
    {MEDIA_GST, "v4l2src", GST_GOOD, "live.youtube source=v4l2", true},
    {MEDIA_GST, "pulsesrc", GST_GOOD, "live.youtube audio=pulse", true},
    {MEDIA_GST, "alsasrc", GST_BASE, "live.youtube audio=alsa", true},
    /* FFmpeg, called directly: the container opener's formats
     * (core/video/video_open.c), the fingerprint decoder, the remux */
    {MEDIA_AV_DEMUXER, "mov", FFMPEG, "ingest.video, stamp.video, locate"},
    {MEDIA_AV_DEMUXER, "matroska", FFMPEG, "ingest.video, locate"},
    {MEDIA_AV_DEMUXER, "avi", FFMPEG, "ingest.video"},
    {MEDIA_AV_DEMUXER, "mpegts", FFMPEG, "ingest.video"},
    {MEDIA_AV_DEMUXER, "wav", FFMPEG, "ingest.video (audio)"},
    {MEDIA_AV_DEMUXER, "ogg", FFMPEG, "ingest.video (audio)"},
    {MEDIA_AV_DEMUXER, "flac", FFMPEG, "ingest.video (audio)"},
    {MEDIA_AV_DECODER, "h264", FFMPEG, "fingerprint.media, locate"},
    {MEDIA_AV_DECODER, "hevc", FFMPEG, "fingerprint.media, locate"},
    {MEDIA_AV_DECODER, "aac", FFMPEG, "fingerprint.media, locate"},
    {MEDIA_AV_ENCODER, "aac", FFMPEG, "avenc_aac (transcode.video, live)"},
    {MEDIA_AV_MUXER, "mp4", FFMPEG, "stamp.video (remux), locate --extract"},
    {MEDIA_AV_MUXER, "mov", FFMPEG, "stamp.video (remux)"},
};

static const char *kind_name(media_kind kind)
{
    switch (kind) {
    case MEDIA_GST:
        return "GStreamer element";
    case MEDIA_AV_DECODER:
        return "FFmpeg decoder";
    case MEDIA_AV_ENCODER:
        return "FFmpeg encoder";
    case MEDIA_AV_DEMUXER:
        return "FFmpeg demuxer";
    case MEDIA_AV_MUXER:
        return "FFmpeg muxer";
    }
    return "?";
}

static bool present(media_kind kind, const char *name)
{
    switch (kind) {
    case MEDIA_GST: {
        GstElementFactory *factory = gst_element_factory_find(name);
        if (factory)
            gst_object_unref(factory);
        return factory != NULL;
    }
    case MEDIA_AV_DECODER:
        return avcodec_find_decoder_by_name(name) != NULL;
    case MEDIA_AV_ENCODER:
        return avcodec_find_encoder_by_name(name) != NULL;
    case MEDIA_AV_DEMUXER:
        return av_find_input_format(name) != NULL;
    case MEDIA_AV_MUXER:
        return av_guess_format(name, NULL, NULL) != NULL;
    }
    return false;
}

void doctor_check_media(doctor *d)
{
    GError *error = NULL;
    bool gst = gst_init_check(NULL, NULL, &error);
    if (!gst) {
        doctor_add(d, DOCTOR_FAIL, "media",
                   "reinstall " GST_CORE " and check GST_PLUGIN_PATH",
                   "GStreamer does not start: %s",
                   error ? error->message : "unknown reason");
        g_clear_error(&error);
    }
    unsigned checked = 0, missing = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(media); i++) {
        if (media[i].kind == MEDIA_GST && !gst)
            continue;
        checked++;
        if (present(media[i].kind, media[i].name))
            continue;
        missing++;
        g_autofree char *advice =
            g_strdup_printf("apt-get install %s", media[i].package);
        doctor_add(d, media[i].optional ? DOCTOR_WARN : DOCTOR_FAIL, "media",
                   advice, "%s %s is missing (%s needs it)",
                   kind_name(media[i].kind), media[i].name, media[i].used_by);
    }
    g_autofree char *gst_version = gst ? gst_version_string() : NULL;
    doctor_add(d, DOCTOR_OK, "media", NULL,
               "%u of %u elements, codecs and formats present (%s, FFmpeg "
               "%s)",
               checked - missing, checked,
               gst_version ? gst_version : "no GStreamer", av_version_info());
}
