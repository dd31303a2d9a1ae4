/* The feed behind a uri or file source: a decoding pipeline of its own
 * (uridecodebin ! appsink) whose frames are pushed into the live pipeline's
 * appsrcs, re-timed onto its clock. Keeping it separate means a file can be
 * looped with a plain flushing seek and a camera that drops out can be
 * restarted (with the core's retry policy) without the encoder, the
 * recording or the pushes ever seeing a flush. */
#ifndef LIVE_YOUTUBE_FEED_H
#define LIVE_YOUTUBE_FEED_H

#include "live_youtube.h"

/* video: the appsrc to feed; audio: its sound appsrc, or NULL to drop the
 * source's sound (a separate device is used). */
live_youtube_feed *live_youtube_feed_new(const live_youtube_config *config,
                                         GstElement *video, GstElement *audio,
                                         dk_error *err);
/* Called on the main loop when the picture is lost (true: show the slate)
 * and when it is back. */
typedef void (*live_youtube_feed_lost_fn)(void *user, bool lost);

/* Starts decoding (and filling until the first frame); bus messages are
 * handled on the default main context. Call once the live pipeline is
 * playing. */
void live_youtube_feed_start(live_youtube_feed *feed, dk_live *live,
                             live_youtube_feed_lost_fn on_lost, void *user);
/* Stops decoding; the caller ends the live pipeline's stream with EOS. */
void live_youtube_feed_stop(live_youtube_feed *feed);
void live_youtube_feed_free(live_youtube_feed **feed);

#endif
