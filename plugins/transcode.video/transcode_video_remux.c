/* The remux path of transcode.video, for files that already are what
 * YouTube asks for and gain nothing visual: core/video's libavformat
 * remux, with no new tags. Every packet is copied byte for byte (the AAC
 * priming packet included, which a qtdemux ! mp4mux remux would drop at
 * the edit list), and the moov goes to the front. */
#include "transcode_video.h"

#include "video_remux.h"

int transcode_video_remux(const transcode_video_job *job, dk_error *err)
{
    video_remux_job copy = {
        .input = job->input,
        .output = job->output,
        .output_name = job->output_name,
        .format = "mp4",
        .open_timeout = job->open_timeout,
        .item = job->item,
    };
    video_remux_report report = {.dropped = g_string_new(NULL)};
    int rc = video_remux(&copy, &report, err);
    g_string_free(report.dropped, TRUE);
    return rc;
}
