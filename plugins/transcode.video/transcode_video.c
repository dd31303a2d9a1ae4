/* transcode.video — a YouTube-ready MP4 from any clip GStreamer decodes:
 * rotation applied, scaled down to at most `height` lines (never up), the
 * shared overlay blended, H.264 High yuv420p with a closed GOP of at most
 * 2 s, AAC-LC 48 kHz stereo (silence added when the clip has no sound),
 * moov first. A file that already is all that, and gains nothing visual,
 * is remuxed instead of re-encoded.
 *
 *   [transcode]
 *   plugin=transcode.video
 *   preset=veryfast
 *   crf=23
 *   logo=../assets/logo/dokpim-logo.png
 *   lower-third=true
 */
#include <glib/gstdio.h>
#include <math.h>

#include <dokpim/dokpim.h>

#include "transcode_video.h"
#include "video_gst.h"

/* The lower third: bottom-left, inside the "title safe" margin, wide
 * enough for a long Indonesian name and title. */
#define LOWER_THIRD_WIDTH   0.45
#define LOWER_THIRD_MARGIN  0.05
#define LOWER_THIRD_OPACITY 1.0
/* Reading the headers of a sane file takes milliseconds. */
#define TRANSCODE_PROBE_TIMEOUT 30.0

typedef struct transcode_video_config {
    const dk_template *output;
    int height;
    int preset; /* index in x264_presets */
    int crf, max_bitrate, audio_bitrate;
    bool add_silence, remux_if_compliant;
    int timeout; /* seconds; 0: from the duration */
    dk_overlay_options overlay;
    bool lower_third;
    const dk_template *lower_third_text;
    double lower_third_seconds;
} transcode_video_config;

/* x264enc's speed-preset names, in the order of the option's choices. */
static const char *const x264_presets[] = {
    "ultrafast", "superfast", "veryfast", "faster",  "fast",
    "medium",    "slow",      "slower",   "veryslow"};

#define FIELD(member) DK_FIELD(transcode_video_config, member)
static const dk_option transcode_video_options[] = {
    {"output", DK_OPT_PATH_TEMPLATE,
     "youtube/{date:%Y%m%d}_{event.slug}_{seq:04}.mp4",
     "where the MP4 goes, under the library's derived/ folder", FIELD(output)},
    {"height", DK_OPT_INT, "1080",
     "largest short side in pixels (1080 = 1080p; a portrait clip stays "
     "1080 wide); smaller clips are never scaled up",
     144, 4320, FIELD(height)},
    {"preset", DK_OPT_ENUM, "veryfast", "x264 speed preset", 0, 0,
     "ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow", 0,
     FIELD(preset)},
    {"crf", DK_OPT_INT, "23",
     "x264 constant quality: lower is better and bigger", 0, 50, FIELD(crf)},
    {"max-bitrate", DK_OPT_INT, "0",
     "cap on the video bitrate in kbit/s (VBV); 0 = no cap", 0, 2048000,
     FIELD(max_bitrate)},
    {"audio-bitrate", DK_OPT_INT, "192", "AAC-LC bitrate in kbit/s", 32, 512,
     FIELD(audio_bitrate)},
    {"add-silence", DK_OPT_BOOL, "true",
     "give a clip without sound a silent stereo track", FIELD(add_silence)},
    {"remux-if-compliant", DK_OPT_BOOL, "true",
     "copy the packets instead of encoding when the file is already "
     "YouTube-ready and nothing visual changes (no overlay, rotation or "
     "scaling)",
     FIELD(remux_if_compliant)},
    {"timeout", DK_OPT_INT, "0",
     "seconds one clip may take; 0 = 10 x its duration + 60 s", 0, 604800,
     FIELD(timeout)},
    DK_OVERLAY_OPTIONS(transcode_video_config, overlay,
                       "{event.agency} \xc2\xb7 {event.title}", "bottom-right",
                       "0.25", "0.02", "0.85"),
    {"lower-third", DK_OPT_BOOL, "false",
     "show the leader's name and role at the start of the clip",
     FIELD(lower_third)},
    {"lower-third-text", DK_OPT_TEMPLATE, "{event.leader}\n{event.role}",
     "what the lower third says", FIELD(lower_third_text)},
    {"lower-third-seconds", DK_OPT_DOUBLE, "8",
     "how long the lower third stays", 0.5, 3600, FIELD(lower_third_seconds)},
    {NULL},
};
#undef FIELD

/* Frame rates YouTube lists; a variable-rate clip is resampled to the one
 * nearest its top rate (a phone recording at 30 fps that slows to 15 in
 * low light comes out at 30), so GOPs are 2 s and players see a constant
 * rate. */
static const struct {
    int num, den;
} standard_rates[] = {{24000, 1001}, {24, 1},       {25, 1},
                      {30000, 1001}, {30, 1},       {48, 1},
                      {50, 1},       {60000, 1001}, {60, 1}};
#define DEFAULT_RATE_INDEX 4 /* 30 fps when nothing is known */

static double rate_value(size_t index)
{
    return (double)standard_rates[index].num / standard_rates[index].den;
}

static void pick_rate(const video_probe *probe, transcode_video_job *job)
{
    double fps = probe->fps;
    if (probe->vfr || fps <= 0) {
        double top = probe->nominal_fps > fps ? probe->nominal_fps : fps;
        size_t best = DEFAULT_RATE_INDEX;
        for (size_t i = 0; top > 0 && i < G_N_ELEMENTS(standard_rates); i++)
            if (fabs(top - rate_value(i)) < fabs(top - rate_value(best)))
                best = i;
        job->rate_num = standard_rates[best].num;
        job->rate_den = standard_rates[best].den;
        fps = rate_value(best);
    }
    /* floor: 29.97 fps gives 59 frames, 1.97 s, never over 2 s */
    int frames = (int)floor(2.0 * fps + 1e-6);
    job->keyframe_interval = frames > 1 ? frames : 1;
}

static int even_floor(double value)
{
    int even = (int)(value / 2) * 2;
    return even >= 2 ? even : 2;
}

/* Never upscale; the limit applies to the short side, as "1080p" does. */
static void pick_size(const video_probe *probe, int limit,
                      transcode_video_job *job)
{
    int width, height;
    video_probe_display_size(probe, &width, &height);
    int short_side = width < height ? width : height;
    double scale = short_side > limit ? (double)limit / short_side : 1.0;
    job->width = even_floor(width * scale);
    job->height = even_floor(height * scale);
}

/* The lower third is the same renderer with a second spec. */
static int render_lower_third(const dk_stage *stage, const dk_item *item,
                              const transcode_video_job *job, dk_overlay **out,
                              dk_error *err)
{
    dk_overlay_spec spec = {
        .anchor = DK_ANCHOR_BOTTOM_LEFT,
        .width_fraction = LOWER_THIRD_WIDTH,
        .margin_fraction = LOWER_THIRD_MARGIN,
        .opacity = LOWER_THIRD_OPACITY,
    };
    const transcode_video_config *config = dk_stage_config(stage);
    int rc =
        dk_stage_expand(stage, config->lower_third_text, item, &spec.text, err);
    if (!rc && *g_strstrip(spec.text))
        rc = dk_overlay_render(&spec, job->width, job->height, 1, out, err);
    dk_overlay_spec_clear(&spec);
    return rc;
}

static bool wants_remux(const dk_stage *stage, const video_probe *probe,
                        const transcode_video_job *job, bool overlay)
{
    const transcode_video_config *config = dk_stage_config(stage);
    int width, height;
    video_probe_display_size(probe, &width, &height);
    return config->remux_if_compliant && !overlay && !config->lower_third &&
           probe->rotation == 0 && width == job->width &&
           height == job->height &&
           video_probe_not_compliant(probe, job->add_silence) == NULL;
}

static int run_job(const dk_stage *stage, dk_item *item,
                   transcode_video_job *job, bool remux, dk_error *err)
{
    const transcode_video_config *config = dk_stage_config(stage);
    char *path = NULL;
    dk_atomic *file = NULL;
    int rc = dk_stage_output_path(stage, config->output, item, &path, err);
    if (!rc)
        rc = dk_atomic_open(path, &file, err);
    if (rc) {
        g_free(path);
        return rc;
    }
    char *scratch = g_strconcat(dk_atomic_temp_path(file), ".mdat", NULL);
    job->output = dk_atomic_temp_path(file);
    job->output_name = path;
    job->scratch = scratch;
    rc = remux ? transcode_video_remux(job, err)
               : transcode_video_encode(job, err);
    g_unlink(scratch); /* mp4mux removes it on success, not on failure */
    g_free(scratch);
    if (rc)
        dk_atomic_abort(&file);
    else
        rc = dk_atomic_commit(&file, err);
    if (!rc)
        rc = dk_item_add_derivative(item, "youtube", path, true, err);
    g_free(path);
    return rc;
}

static int transcode_video_process(const dk_stage *stage, void *state,
                                   dk_item *item, dk_error *err)
{
    (void)state;
    const transcode_video_config *config = dk_stage_config(stage);
    video_probe probe;
    transcode_video_job job = {
        .input = dk_item_current_path(item), .probe = &probe, .item = item};
    int timeout = config->timeout;
    job.open_timeout = timeout > 0 ? (double)timeout : TRANSCODE_PROBE_TIMEOUT;
    int rc = video_probe_file(job.input, job.open_timeout, &probe, err);
    if (rc)
        return rc;
    job.deadline = video_gst_deadline(
        timeout > 0 ? (double)timeout
                    : video_gst_default_timeout(probe.duration));
    job.preset = x264_presets[config->preset];
    job.crf = config->crf;
    job.max_bitrate = config->max_bitrate;
    job.audio_bitrate = config->audio_bitrate;
    job.add_silence = config->add_silence;
    job.lower_third_seconds = config->lower_third_seconds;
    pick_size(&probe, config->height, &job);
    pick_rate(&probe, &job);

    dk_overlay_spec spec;
    dk_overlay *watermark = NULL, *lower_third = NULL;
    rc =
        dk_overlay_spec_from_options(stage, &config->overlay, item, &spec, err);
    bool overlay = rc > 0;
    if (rc >= 0 && wants_remux(stage, &probe, &job, overlay)) {
        rc = run_job(stage, item, &job, true, err);
    } else if (rc >= 0) {
        /* GStreamer starts only for clips that need it: a remux is pure
         * libavformat */
        rc = video_gst_init(err);
        if (!rc && overlay)
            rc = dk_overlay_render(&spec, job.width, job.height, 1, &watermark,
                                   err);
        if (!rc && config->lower_third)
            rc = render_lower_third(stage, item, &job, &lower_third, err);
        job.watermark = watermark;
        job.lower_third = lower_third;
        if (!rc)
            rc = run_job(stage, item, &job, false, err);
    }
    dk_overlay_free(&watermark);
    dk_overlay_free(&lower_third);
    dk_overlay_spec_clear(&spec);
    return rc;
}

DK_PLUGIN_DEFINE(transcode_video) = {
    .name = "transcode.video",
    .summary = "YouTube-ready MP4: rotate, scale, overlay, H.264 High + "
               "AAC-LC, fast start (remux when already compliant)",
    .role = DK_ROLE_TRANSCODE,
    .item_kinds = DK_KIND_VIDEO,
    .options = transcode_video_options,
    .config_size = sizeof(transcode_video_config),
    .process = transcode_video_process,
};
