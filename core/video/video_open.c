#include "video_open.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <libavutil/log.h>
#include <string.h>

#include <dokpim/plugin.h>

#include "video_boxes.h"

/* Containers a camera or phone clip comes in, plus a few audio containers
 * with a magic number so a renamed sound file says "no video stream".
 * Everything else (playlists, concat scripts, image sequences) is refused:
 * an .mp4 that is really an HLS playlist must not make us open other
 * files. Raw bitstream formats (mp3, aac) are left out on purpose: they
 * match random bytes and would turn garbage into "audio". */
#define VIDEO_OPEN_FORMATS "mov,matroska,avi,mpegts,wav,ogg,flac"

/* Bounds on what probing may read; the libav defaults, made explicit. */
#define VIDEO_OPEN_PROBE_BYTES "10000000"
#define VIDEO_OPEN_ANALYZE_US  "10000000"
#define VIDEO_OPEN_MAX_STREAMS "64"

typedef struct video_deadline {
    gint64 until_us; /* monotonic; 0: no deadline */
    double seconds;  /* for the message */
} video_deadline;

static int video_interrupt(void *opaque)
{
    const video_deadline *deadline = opaque;
    if (dk_cancelled())
        return 1;
    return deadline && deadline->until_us &&
           g_get_monotonic_time() > deadline->until_us;
}

static void video_deadline_arm(video_deadline *deadline, double seconds)
{
    deadline->seconds = seconds;
    deadline->until_us =
        seconds > 0 ? g_get_monotonic_time() + (gint64)(seconds * 1e6) : 0;
}

static gsize video_silenced;

void video_silence_libav(void)
{
    if (g_once_init_enter(&video_silenced)) {
        /* DOKPIM_LIBAV_LOG=1 keeps libav's own messages for debugging. */
        if (!g_getenv("DOKPIM_LIBAV_LOG"))
            av_log_set_level(AV_LOG_QUIET);
        g_once_init_leave(&video_silenced, 1);
    }
}

char *video_file_url(const char *path)
{
    return g_strconcat("file:", path, NULL);
}

AVIOInterruptCB video_cancel_callback(void)
{
    return (AVIOInterruptCB){video_interrupt, NULL};
}

static int video_stopped_error(const video_deadline *deadline,
                               const char *doing, dk_error *err)
{
    if (dk_cancelled())
        return dk_error_set(err, DK_ERR_CANCELLED, "cancelled while %s", doing);
    return dk_error_set(err, DK_ERR_TIMEOUT,
                        "%s took longer than %g s (option timeout)", doing,
                        deadline ? deadline->seconds : 0.0);
}

int video_interrupted_error(AVFormatContext *ctx, const char *doing,
                            dk_error *err)
{
    return video_stopped_error(ctx ? ctx->interrupt_callback.opaque : NULL,
                               doing, err);
}

/* libav failed to open the file: find a reason a person can act on. */
static int video_open_failure(const char *path, int averr, dk_error *err)
{
    video_boxes boxes;
    if (video_boxes_scan(path, &boxes, NULL) < 0)
        memset(&boxes, 0, sizeof boxes);
    int cut = video_boxes_cut_error(&boxes, err);
    if (cut < 0)
        return cut;
    if (boxes.iso_bmff && boxes.has_moov)
        return dk_error_set(err, DK_ERR_INVALID,
                            "damaged MP4/MOV index (moov): %s",
                            av_err2str(averr));
    return dk_error_set(err, DK_ERR_INVALID,
                        "not a recognised media container (%s)",
                        av_err2str(averr));
}

static int video_check_file(const char *path, dk_error *err)
{
    GStatBuf st;
    if (g_stat(path, &st) != 0)
        return dk_error_set(err, DK_ERR_IO, "cannot read: %s",
                            g_strerror(errno));
    /* A FIFO or device would block in open() where no interrupt reaches. */
    if (!S_ISREG(st.st_mode))
        return dk_error_set(err, DK_ERR_INVALID, "not a regular file");
    if (st.st_size == 0)
        return dk_error_set(err, DK_ERR_INVALID, "empty file");
    return 0;
}

int video_open(const char *path, double timeout_s, AVFormatContext **out,
               dk_error *err)
{
    *out = NULL;
    int ret = video_check_file(path, err);
    if (ret < 0)
        return ret;
    video_silence_libav();

    video_deadline *deadline = g_new0(video_deadline, 1);
    video_deadline_arm(deadline, timeout_s);
    AVFormatContext *ctx = avformat_alloc_context();
    if (!ctx) {
        g_free(deadline);
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    }
    ctx->interrupt_callback = (AVIOInterruptCB){video_interrupt, deadline};

    AVDictionary *options = NULL;
    av_dict_set(&options, "format_whitelist", VIDEO_OPEN_FORMATS, 0);
    av_dict_set(&options, "protocol_whitelist", "file", 0);
    av_dict_set(&options, "probesize", VIDEO_OPEN_PROBE_BYTES, 0);
    av_dict_set(&options, "analyzeduration", VIDEO_OPEN_ANALYZE_US, 0);
    av_dict_set(&options, "max_streams", VIDEO_OPEN_MAX_STREAMS, 0);
    /* MOV data references may point at other files: never follow them. */
    av_dict_set(&options, "enable_drefs", "0", 0);

    char *url = video_file_url(path);
    ret = avformat_open_input(&ctx, url, NULL, &options);
    g_free(url);
    av_dict_free(&options);
    if (ret < 0) {
        /* avformat_open_input freed ctx; the deadline is still ours */
        int code = ret == AVERROR_EXIT
                       ? video_stopped_error(deadline, "opening", err)
                       : video_open_failure(path, ret, err);
        g_free(deadline);
        return code;
    }

    ret = avformat_find_stream_info(ctx, NULL);
    if (ret < 0) {
        int code = ret == AVERROR_EXIT
                       ? video_interrupted_error(ctx, "probing", err)
                       : dk_error_set(err, DK_ERR_INVALID,
                                      "cannot read stream information: %s",
                                      av_err2str(ret));
        video_close(&ctx);
        return code;
    }
    *out = ctx;
    return 0;
}

void video_set_deadline(AVFormatContext *ctx, double timeout_s)
{
    if (ctx && ctx->interrupt_callback.opaque)
        video_deadline_arm(ctx->interrupt_callback.opaque, timeout_s);
}

void video_close(AVFormatContext **ctx)
{
    if (!ctx || !*ctx)
        return;
    video_deadline *deadline = (*ctx)->interrupt_callback.opaque;
    avformat_close_input(ctx);
    g_free(deadline);
}
