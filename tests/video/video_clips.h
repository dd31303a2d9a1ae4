/* Clips for the transcode.video and thumbnail.video suites, generated with
 * ffmpeg at test time, and ways to judge outputs with independent tools
 * (ffprobe, ffmpeg decoding to raw RGB, a top-level MP4 box walk). */
#ifndef VIDEO_CLIPS_H
#define VIDEO_CLIPS_H

#include <dokpim/overlay.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct video_clip {
    const char *file;   /* name in the clip folder */
    const char *recipe; /* sh command run in the folder ($FF = ffmpeg) */
    int display_width, display_height; /* as a player shows the source */
    bool has_audio;
    bool rotated;
} video_clip;

extern const video_clip video_clips[];
extern const size_t video_clip_count;
const video_clip *video_clips_find(const char *file);

/* Writes the named clips (NULL-terminated) into dir. */
void video_clips_make(const char *dir, const char *const *files);
/* The folder root/clips, made, holding the named clips; g_free(). */
char *video_clips_folder(const char *root, const char *const *files);

/* ffprobe's -show_format -show_streams, as the judges read it. */
#define VIDEO_CLIPS_PROBE "-show_format -show_streams"
/* The first stream of codec_type ("video", "audio") in what
 * dk_test_ffprobe_json() answered, or NULL. */
JsonObject *video_clips_stream(JsonObject *probe, const char *type);
/* A member that ffprobe prints as a string ("3.000000") as a number. */
double video_clips_number(JsonObject *object, const char *member);
int video_clips_count_streams(JsonObject *probe, const char *type);

/* Largest gap in seconds between video keyframes (packet flags), the last
 * one measured to the end of the stream. */
double video_clips_max_keyframe_gap(const char *path);

/* Index of the top-level box `type` ("moov", "mdat"), -1 if absent. */
int video_clips_box_index(const char *path, const char *type);

/* Frame `index` (0 for a picture) decoded by ffmpeg, rotation applied as
 * players do, scaled when scale_width > 0, as packed RGB of *width x
 * *height. g_free(). */
uint8_t *video_clips_rgb_frame(const char *path, int index, int scale_width,
                               int scale_height, int *width, int *height);
/* Mean absolute difference of two RGB pictures of the same size inside
 * the rectangle (x, y, w, h). */
double video_clips_mean_diff(const uint8_t *a, const uint8_t *b, int width,
                             int x, int y, int w, int h);
/* Fails the test unless a and b (with and without an overlay) differ
 * clearly inside the mark's rectangle and little inside the rectangle
 * (x, y, w, h) the mark never covers. */
void video_clips_assert_mark(const uint8_t *a, const uint8_t *b, int width,
                             const int mark[4], int x, int y, int w, int h);

/* Where the shared renderer puts the mark (logo + text, the plugins'
 * default size, margin and opacity) on a width x height frame, asked
 * independently of the plugin under test. dk_overlay_free(). */
dk_overlay *video_clips_expected_mark(char *logo, char *text, dk_anchor anchor,
                                      int width, int height);

/* One `dokpim run` over clips. */
typedef struct video_clips_run {
    char *library; /* LIBRARY folder it wrote */
    int status;    /* exit status */
    char *out;     /* its stdout: the --json summary */
    char *err;     /* its stderr */
    double seconds;
} video_clips_run;

/* Writes conf_text to root/name.conf and runs it (--json) with the sample
 * event on the named inputs from the clips folder, into root/lib-name. */
void video_clips_dokpim(video_clips_run *result, const char *root,
                        const char *name, const char *conf_text,
                        const char *clips, const char *const *inputs);

/* The same with a pipeline file (pipelines/event-video.conf). */
void video_clips_dokpim_file(video_clips_run *result, const char *root,
                             const char *name, const char *conf,
                             const char *clips, const char *const *inputs);

/* video_clips_dokpim on the pipeline ingest.video then one group `stage`
 * of `plugin` writing `output` ("{original.stem}.mp4"); extra are
 * `key=value` lines for that group. */
void video_clips_dokpim_stage(video_clips_run *result, const char *root,
                              const char *name, const char *stage,
                              const char *plugin, const char *output,
                              const char *extra, const char *clips,
                              const char *const *inputs);

/* LIBRARY/derived/STAGE/<clip stem><extension>; g_free(). */
char *video_clips_output(const video_clips_run *run, const char *stage,
                         const char *clip, const char *extension);

/* How many stderr lines of run name file and say "error". */
int video_clips_error_lines(const video_clips_run *run, const char *file);

/* Files under dir whose names show an unfinished write (".dk-tmp-"). */
int video_clips_count_temp_files(const char *dir);

#endif
