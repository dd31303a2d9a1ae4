/* Test clips and independent judges; see video_clips.h. */
#include "video_clips.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dk_test.h"
#include "dk_test_tools.h"

#define FF "ffmpeg -nostdin -v error -y "

/* clang-format off */
const video_clip video_clips[] = {
    /* landscape, mono 44.1 kHz, one keyframe: nothing YouTube-ready */
    {"land.mp4",
     FF "-f lavfi -i testsrc2=size=640x360:rate=30 "
     "-f lavfi -i sine=frequency=440:sample_rate=44100 -t 3 "
     "-c:v libx264 -pix_fmt yuv420p -c:a aac -ac 1 land.mp4",
     640, 360, true, false},
    /* 1081 lines: only 4:4:4 H.264 can store an odd height */
    {"odd.mp4",
     FF "-f lavfi -i testsrc2=size=720x1080:rate=25 -f lavfi -i sine -t 2 "
     "-vf scale=720:1081 -c:v libx264 -pix_fmt yuv444p -c:a aac odd.mp4",
     720, 1081, true, false},
    /* a phone held upright: stored 640x360 with a display matrix; the red
     * block marks the stored top-left corner */
    {"portrait.mp4",
     FF "-f lavfi -i color=c=gray:size=640x360:rate=30 -f lavfi -i sine "
     "-t 2 -vf drawbox=x=0:y=0:w=160:h=90:color=red:t=fill "
     "-c:v libx264 -pix_fmt yuv420p -c:a aac p.mp4 && "
     FF "-i p.mp4 -c copy -metadata:s:v:0 rotate=90 portrait.mp4 && "
     "rm p.mp4",
     360, 640, true, true},
    {"silent.mp4",
     FF "-f lavfi -i testsrc2=size=640x360:rate=25 -t 2.5 "
     "-c:v libx264 -pix_fmt yuv420p silent.mp4",
     640, 360, false, false},
    /* 1 s at 30 fps, 1 s at 15 fps (a phone in low light), 1 s at 30 */
    {"vfr.mp4",
     FF "-f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine -t 3 "
     "-vf \"setpts='if(lt(N,30),N/30,if(lt(N,45),1+(N-30)/15,"
     "2+(N-45)/30))/TB'\" -frames:v 75 -fps_mode vfr "
     "-c:v libx264 -pix_fmt yuv420p -c:a aac vfr.mp4",
     640, 360, true, false},
    /* a camcorder's 1080i, smaller: 50 pictures a second woven into 25
     * frames of two fields, top first */
    {"interlaced.mp4",
     FF "-f lavfi -i testsrc2=size=720x576:rate=50 -f lavfi -i sine -t 2 "
     "-vf tinterlace=interleave_top,setfield=tff -flags +ildct+ilme "
     "-c:v libx264 -x264-params tff=1 "
     "-pix_fmt yuv420p -c:a aac interlaced.mp4",
     720, 576, true, false},
    /* what recent phones record */
    {"hevc.mov",
     FF "-f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine -t 2 "
     "-c:v libx265 -x265-params log-level=error -tag:v hvc1 "
     "-pix_fmt yuv420p -c:a aac hevc.mov",
     640, 360, true, false},
    /* already what YouTube asks for: High, yuv420p, GOP 1 s, AAC 48k 2ch */
    {"ready.mp4",
     FF "-f lavfi -i testsrc2=size=640x360:rate=30 "
     "-f lavfi -i sine=sample_rate=48000 -t 3 -c:v libx264 -profile:v high "
     "-pix_fmt yuv420p -g 30 -c:a aac -ac 2 ready.mp4",
     640, 360, true, false},
    /* long enough at a slow preset to outlast a 1 s timeout */
    {"long.mp4",
     FF "-f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine -t 8 "
     "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac long.mp4",
     1280, 720, true, false},
    /* blurred except between 2.0 and 2.8 s, for the sharpness pick */
    {"blurry.mp4",
     FF "-f lavfi -i testsrc2=size=1280x720:rate=25 -t 5 "
     "-vf \"boxblur=luma_radius=12:chroma_radius=6:"
     "enable='not(between(t,2,2.8))'\" "
     "-c:v libx264 -pix_fmt yuv420p -g 25 blurry.mp4",
     1280, 720, false, false},
    {"garbage.mp4", "head -c 65536 /dev/urandom > garbage.mp4", 0, 0,
     false, false},
    /* a recording stopped before its index was written */
    {"truncated.mp4",
     FF "-f lavfi -i testsrc2=size=640x360:rate=30 -t 2 "
     "-c:v libx264 -pix_fmt yuv420p t.mp4 && head -c 20000 t.mp4 "
     "> truncated.mp4 && rm t.mp4",
     0, 0, false, false},
    /* a fast-start clip (moov first) whose camera lost power: 3 s in the
     * index, the file cut at 70 % (kept, shorter) or 20 % (refused) */
    {"cut-fast.mp4",
     FF "-f lavfi -i testsrc2=size=640x360:rate=30 "
     "-f lavfi -i sine=sample_rate=48000 -t 3 -c:v libx264 -pix_fmt yuv420p "
     "-g 30 -c:a aac -ac 2 -movflags +faststart f.mp4 && "
     "head -c $(($(stat -c %s f.mp4) * 70 / 100)) f.mp4 > cut-fast.mp4 && "
     "rm f.mp4",
     640, 360, true, false},
    {"cut-early.mp4",
     FF "-f lavfi -i testsrc2=size=640x360:rate=30 "
     "-f lavfi -i sine=sample_rate=48000 -t 3 -c:v libx264 -pix_fmt yuv420p "
     "-g 30 -c:a aac -ac 2 -movflags +faststart f.mp4 && "
     "head -c $(($(stat -c %s f.mp4) * 20 / 100)) f.mp4 > cut-early.mp4 && "
     "rm f.mp4",
     640, 360, true, false},
    /* camera MOVs with uncompressed sound, which MP4 cannot carry */
    {"pcm-s16le.mov",
     FF "-f lavfi -i testsrc2=size=640x360:rate=25 "
     "-f lavfi -i sine=sample_rate=48000 -t 2 -c:v libx264 -pix_fmt yuv420p "
     "-c:a pcm_s16le -ac 2 pcm-s16le.mov",
     640, 360, true, false},
    {"pcm-s24le.mov",
     FF "-f lavfi -i testsrc2=size=640x360:rate=25 "
     "-f lavfi -i sine=sample_rate=48000 -t 2 -c:v libx264 -pix_fmt yuv420p "
     "-c:a pcm_s24le -ac 2 pcm-s24le.mov",
     640, 360, true, false},
    {"pcm-twos.mov",
     FF "-f lavfi -i testsrc2=size=640x360:rate=25 "
     "-f lavfi -i sine=sample_rate=48000 -t 2 -c:v libx264 -pix_fmt yuv420p "
     "-c:a pcm_s16be -ac 2 pcm-twos.mov",
     640, 360, true, false},
    /* small on disk (crf 45), big once encoded at crf 5: fills a disk */
    {"tiny-hd.mp4",
     FF "-f lavfi -i testsrc2=size=1280x720:rate=30 -t 3 -c:v libx264 "
     "-preset ultrafast -crf 45 -pix_fmt yuv420p tiny-hd.mp4",
     1280, 720, false, false},
};
/* clang-format on */
const size_t video_clip_count = G_N_ELEMENTS(video_clips);

const video_clip *video_clips_find(const char *file)
{
    for (size_t i = 0; i < video_clip_count; i++)
        if (strcmp(video_clips[i].file, file) == 0)
            return &video_clips[i];
    ck_abort_msg("no clip named %s", file);
    return NULL;
}

void video_clips_make(const char *dir, const char *const *files)
{
    for (const char *const *f = files; *f; f++) {
        char *cmd =
            g_strdup_printf("cd '%s' && %s", dir, video_clips_find(*f)->recipe);
        g_free(dk_test_sh_ok("%s", cmd));
        g_free(cmd);
    }
}

char *video_clips_folder(const char *root, const char *const *files)
{
    char *clips = g_build_filename(root, "clips", NULL);
    g_mkdir_with_parents(clips, 0755);
    video_clips_make(clips, files);
    return clips;
}

JsonObject *video_clips_stream(JsonObject *probe, const char *type)
{
    JsonArray *streams = json_object_get_array_member(probe, "streams");
    for (guint i = 0; i < json_array_get_length(streams); i++) {
        JsonObject *s = json_array_get_object_element(streams, i);
        if (g_strcmp0(json_object_get_string_member(s, "codec_type"), type) ==
            0)
            return s;
    }
    return NULL;
}

int video_clips_count_streams(JsonObject *probe, const char *type)
{
    JsonArray *streams = json_object_get_array_member(probe, "streams");
    int n = 0;
    for (guint i = 0; i < json_array_get_length(streams); i++)
        n += g_strcmp0(
                 json_object_get_string_member(
                     json_array_get_object_element(streams, i), "codec_type"),
                 type) == 0;
    return n;
}

double video_clips_number(JsonObject *object, const char *member)
{
    ck_assert_msg(json_object_has_member(object, member), "no %s", member);
    JsonNode *node = json_object_get_member(object, member);
    if (json_node_get_value_type(node) == G_TYPE_STRING)
        return g_ascii_strtod(json_node_get_string(node), NULL);
    return json_node_get_double(node);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double video_clips_max_keyframe_gap(const char *path)
{
    char *out = dk_test_ffprobe(path, "-select_streams v:0 -show_entries "
                                      "packet=pts_time,duration_time,flags "
                                      "-of csv=p=0");
    ck_assert_msg(out != NULL, "ffprobe could not read %s", path);
    char **lines = g_strsplit(out, "\n", -1);
    GArray *keys = g_array_new(FALSE, FALSE, sizeof(double));
    double end = 0;
    for (char **l = lines; *l; l++) {
        char **f = g_strsplit(*l, ",", -1);
        if (g_strv_length(f) >= 3) {
            double pts = g_ascii_strtod(f[0], NULL);
            double duration = g_ascii_strtod(f[1], NULL);
            if (pts + duration > end)
                end = pts + duration;
            if (strchr(f[2], 'K'))
                g_array_append_val(keys, pts);
        }
        g_strfreev(f);
    }
    ck_assert_msg(keys->len > 0, "no keyframe in %s", path);
    g_array_sort(keys, compare_doubles);
    double gap = end - g_array_index(keys, double, keys->len - 1);
    for (guint i = 1; i < keys->len; i++)
        gap = fmax(gap, g_array_index(keys, double, i) -
                            g_array_index(keys, double, i - 1));
    g_array_free(keys, TRUE);
    g_strfreev(lines);
    g_free(out);
    return gap;
}

int video_clips_box_index(const char *path, const char *type)
{
    gsize len = 0;
    char *data = dk_test_read(path, &len);
    ck_assert_msg(data != NULL, "cannot read %s", path);
    int index = -1, n = 0;
    for (gsize at = 0; at + 8 <= len; n++) {
        const uint8_t *p = (const uint8_t *)data + at;
        uint64_t size = (uint64_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
        if (size == 1 && at + 16 <= len) {
            size = 0;
            for (int i = 8; i < 16; i++)
                size = size << 8 | p[i];
        } else if (size == 0) {
            size = len - at;
        }
        if (memcmp(p + 4, type, 4) == 0) {
            index = n;
            break;
        }
        if (size < 8)
            break;
        at += size;
    }
    g_free(data);
    return index;
}

uint8_t *video_clips_rgb_frame(const char *path, int index, int scale_width,
                               int scale_height, int *width, int *height)
{
    /* binary output goes through a file, not a C string */
    char *tmp = g_strdup_printf("%s/dokpim-frame-%d.ppm", g_get_tmp_dir(),
                                (int)getpid());
    char *scale = scale_width > 0 ? g_strdup_printf(",scale=%d:%d", scale_width,
                                                    scale_height)
                                  : g_strdup("");
    char *cmd = g_strdup_printf("ffmpeg -nostdin -v error -y -i '%s' "
                                "-vf 'select=eq(n\\,%d)%s' -frames:v 1 "
                                "-c:v ppm '%s'",
                                path, index, scale, tmp);
    g_free(scale);
    g_free(dk_test_sh_ok("%s", cmd));
    gsize len = 0;
    char *ppm = dk_test_read(tmp, &len);
    remove(tmp);
    int w = 0, h = 0, max = 0, header = 0;
    ck_assert_msg(ppm &&
                      sscanf(ppm, "P6 %d %d %d%n", &w, &h, &max, &header) == 3,
                  "no frame %d from %s", index, path);
    header++; /* the single whitespace after maxval */
    ck_assert_uint_ge(len, (gsize)header + (gsize)w * h * 3);
    uint8_t *rgb = g_memdup2(ppm + header, (gsize)w * h * 3);
    *width = w;
    *height = h;
    g_free(ppm);
    g_free(cmd);
    g_free(tmp);
    return rgb;
}

double video_clips_mean_diff(const uint8_t *a, const uint8_t *b, int width,
                             int x, int y, int w, int h)
{
    double sum = 0;
    for (int row = y; row < y + h; row++)
        for (int col = x; col < x + w; col++)
            for (int c = 0; c < 3; c++) {
                size_t i = ((size_t)row * width + col) * 3 + c;
                sum += abs((int)a[i] - (int)b[i]);
            }
    return w > 0 && h > 0 ? sum / ((double)w * h * 3) : 0;
}

void video_clips_assert_mark(const uint8_t *a, const uint8_t *b, int width,
                             const int mark[4], int x, int y, int w, int h)
{
    double inside =
        video_clips_mean_diff(a, b, width, mark[0], mark[1], mark[2], mark[3]);
    double outside = video_clips_mean_diff(a, b, width, x, y, w, h);
    ck_assert_msg(inside > 8 && inside > 4 * outside,
                  "mark region differs by %.1f, elsewhere %.1f", inside,
                  outside);
}

dk_overlay *video_clips_expected_mark(char *logo, char *text, dk_anchor anchor,
                                      int width, int height)
{
    dk_overlay_spec spec = {
        .logo_path = logo,
        .text = text,
        .font = "Sans Bold",
        .anchor = anchor,
        .width_fraction = 0.25,
        .margin_fraction = 0.02,
        .opacity = 0.85,
    };
    dk_overlay *mark = NULL;
    dk_error err = {0};
    ck_assert_msg(dk_overlay_render(&spec, width, height, 1, &mark, &err) == 0,
                  "%s", err.message);
    return mark;
}

void video_clips_dokpim_file(video_clips_run *result, const char *root,
                             const char *name, const char *conf,
                             const char *clips, const char *const *inputs)
{
    char *event = dk_test_source_path("assets/sample-event/event.ini");
    result->library = g_strdup_printf("%s/lib-%s", root, name);
    GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
    const char *fixed[] = {"run", "--json",        "-e", event,
                           "-o",  result->library, conf};
    for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
        g_ptr_array_add(args, g_strdup(fixed[i]));
    for (const char *const *in = inputs; *in; in++)
        g_ptr_array_add(args, g_build_filename(clips, *in, NULL));
    g_ptr_array_add(args, NULL);
    gint64 start = g_get_monotonic_time();
    result->status = dk_test_dokpim((const char *const *)args->pdata,
                                    &result->out, &result->err);
    result->seconds = (g_get_monotonic_time() - start) / 1e6;
    g_ptr_array_free(args, TRUE);
    g_free(event);
}

void video_clips_dokpim(video_clips_run *result, const char *root,
                        const char *name, const char *conf_text,
                        const char *clips, const char *const *inputs)
{
    char *conf = g_strdup_printf("%s/%s.conf", root, name);
    dk_test_write(conf, conf_text, -1);
    video_clips_dokpim_file(result, root, name, conf, clips, inputs);
    g_free(conf);
}

void video_clips_dokpim_stage(video_clips_run *result, const char *root,
                              const char *name, const char *stage,
                              const char *plugin, const char *output,
                              const char *extra, const char *clips,
                              const char *const *inputs)
{
    char *text = g_strdup_printf("[pipeline]\nstages=ingest;%s\n\n"
                                 "[ingest]\nplugin=ingest.video\n\n"
                                 "[%s]\nplugin=%s\noutput=%s\n%s\n",
                                 stage, stage, plugin, output, extra);
    video_clips_dokpim(result, root, name, text, clips, inputs);
    g_free(text);
}

char *video_clips_output(const video_clips_run *run, const char *stage,
                         const char *clip, const char *extension)
{
    const char *dot = strrchr(clip, '.');
    char *stem = dot ? g_strndup(clip, dot - clip) : g_strdup(clip);
    char *path = g_strdup_printf("%s/derived/%s/%s%s", run->library, stage,
                                 stem, extension);
    g_free(stem);
    return path;
}

int video_clips_error_lines(const video_clips_run *run, const char *file)
{
    char **lines = g_strsplit(run->err ? run->err : "", "\n", -1);
    int n = 0;
    for (char **l = lines; *l; l++)
        n += strstr(*l, file) != NULL && strstr(*l, "error") != NULL;
    g_strfreev(lines);
    return n;
}

int video_clips_count_temp_files(const char *dir)
{
    char *cmd = g_strdup_printf("find '%s' -name '*.dk-tmp-*' | wc -l", dir);
    char *out = dk_test_sh_ok("%s", cmd);
    int n = atoi(out);
    g_free(out);
    g_free(cmd);
    return n;
}
