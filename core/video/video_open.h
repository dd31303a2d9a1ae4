/* dokpim video — opening a video file with libavformat the way every dokpim
 * video stage must: local files only, video containers only, bounded
 * probing, interruptible by a deadline or Ctrl-C, and a one-line reason
 * when the file is not something we can read.
 *
 * Part of core/video (a static library each video plugin links), so
 * ingest, stamp, transcode and thumbnail share one hardened opener rather
 * than copies of it. */
#ifndef VIDEO_OPEN_H
#define VIDEO_OPEN_H

#include <libavformat/avformat.h>

#include <dokpim/error.h>

/* Opens path, reads the stream information, and leaves *out ready for
 * av_read_frame(). Gives up after timeout_s seconds (fractions allowed)
 * with DK_ERR_TIMEOUT, or at once with DK_ERR_CANCELLED when the run is
 * being stopped. On failure *out is NULL and err says what is wrong with
 * the file: "empty file", "not a recognised media container",
 * "truncated: no index (moov) — the recording was not finalised ...". The
 * context is the caller's to free with video_close(). */
int video_open(const char *path, double timeout_s, AVFormatContext **out,
               dk_error *err);

/* Replaces the deadline of an opened input: timeout_s seconds from now, or
 * none (only Ctrl-C interrupts) when timeout_s <= 0. Copying a three-hour
 * file legitimately takes longer than probing it. */
void video_set_deadline(AVFormatContext *ctx, double timeout_s);

/* For a libav call on ctx that returned AVERROR_EXIT: records and returns
 * DK_ERR_CANCELLED (Ctrl-C) or DK_ERR_TIMEOUT (its deadline passed), with
 * what was being done ("probing", "copying") in the message. */
int video_interrupted_error(AVFormatContext *ctx, const char *doing,
                            dk_error *err);

/* Closes and frees *ctx (and its deadline); accepts NULL. */
void video_close(AVFormatContext **ctx);

/* An AVIOInterruptCB for outputs: stops only when the run is cancelled. */
AVIOInterruptCB video_cancel_callback(void);

/* "file:" + path, so a name with a colon is never taken for a protocol.
 * Caller g_free()s. */
char *video_file_url(const char *path);

/* Makes libav quiet once per process: plugins never print, the CLI owns
 * the terminal. */
void video_silence_libav(void);

#endif
