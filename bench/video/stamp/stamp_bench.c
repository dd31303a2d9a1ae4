/* The stamp stage alone: video_remux() on one clip with the tags
 * run.sh also gives `ffmpeg -c copy -metadata`, so the two do the same
 * work (read every packet, write it, move moov to the front). Built by
 * run.sh against the build tree.
 *
 *   stamp_bench IN OUT TITLE ARTIST COMMENT DATE COPYRIGHT EVENT_ID     */
#include <stdio.h>

#include "video_remux.h"

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr,
                "usage: %s IN OUT TITLE ARTIST COMMENT DATE COPYRIGHT "
                "EVENT_ID\n",
                argv[0]);
        return 2;
    }
    AVDictionary *tags = NULL;
    av_dict_set(&tags, "title", argv[3], 0);
    av_dict_set(&tags, "artist", argv[4], 0);
    av_dict_set(&tags, "comment", argv[5], 0);
    av_dict_set(&tags, "description", argv[5], 0);
    av_dict_set(&tags, "date", argv[6], 0);
    av_dict_set(&tags, "copyright", argv[7], 0);
    av_dict_set(&tags, "grouping", argv[8], 0);
    video_remux_job job = {
        .input = argv[1],
        .output = argv[2],
        .format = "mp4",
        .tags = tags,
        .open_timeout = 60,
    };
    video_remux_report report = {.dropped = g_string_new(NULL)};
    dk_error err = {0};
    int ret = video_remux(&job, &report, &err);
    if (ret < 0)
        fprintf(stderr, "stamp_bench: %s\n", err.message);
    g_string_free(report.dropped, TRUE);
    av_dict_free(&tags);
    return ret < 0;
}
