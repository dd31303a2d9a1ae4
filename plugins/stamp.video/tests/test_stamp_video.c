/* stamp.video's remux on the generated corpus, judged by ffprobe and
 * mediainfo: the same packets byte for byte (sha256 each) at the same
 * times, the tags, moov before mdat, rotation and codec tags kept, the
 * duration within one frame, tracks MP4 cannot carry dropped with a note,
 * the input untouched. Plus the small pure functions. */
#include <check.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test.h"
#include "dk_test_tools.h"
#include "stamp_video.h"
#include "video_corpus.h"
#include "video_remux.h"

static char *corpus_dir;

/* ---- pure functions ---- */

static const struct {
    double latitude, longitude, altitude;
    bool has_altitude;
    const char *text;
} iso_rows[] = {
    {-8.58, 115.18, 0, false, "-08.5800+115.1800/"},
    {37.78583, -122.40642, 12.3, true, "+37.7858-122.4064+12.3/"},
    {0, 0, 0, false, "+00.0000+000.0000/"},
    {-90, -180, -5, true, "-90.0000-180.0000-5.0/"},
};

START_TEST(test_iso6709_row)
{
    char *text =
        stamp_video_iso6709(iso_rows[_i].latitude, iso_rows[_i].longitude,
                            iso_rows[_i].altitude, iso_rows[_i].has_altitude);
    ck_assert_str_eq(text, iso_rows[_i].text);
    g_free(text);
}
END_TEST

static const struct {
    const char *output, *input, *muxer;
} muxer_rows[] = {
    {"a/b.mp4", "x.mov", "mp4"}, {"a/b.MOV", "x.mp4", "mov"},
    {"a/b.m4v", "x.mkv", "mp4"}, {"a/b.mkv", "x.MOV", "mov"},
    {"a/b", "x.mts", "mp4"},     {".b.dk-tmp-1", "x.avi", "mp4"},
};

START_TEST(test_muxer_row)
{
    ck_assert_str_eq(
        video_remux_muxer_for(muxer_rows[_i].output, muxer_rows[_i].input),
        muxer_rows[_i].muxer);
}
END_TEST

/* ---- the muxer a clip needs ---- */

static const struct {
    const char *file, *wanted, *chosen;
} fit_rows[] = {
    {"pcm-audio.avi", "mp4", "mov"}, /* PCM sound: only QuickTime */
    {"pcm-audio.avi", "mov", "mov"}, {"clip.mp4", "mp4", "mp4"},
    {"iphone.mov", "mp4", "mp4"},    /* HEVC + AAC fit in MP4 */
    {"subtitles.mkv", "mp4", "mp4"}, /* a subtitle is dropped, not kept */
    {"web.webm", "mp4", "mp4"},
};

START_TEST(test_fit_muxer_row)
{
    char *in = g_build_filename(corpus_dir, fit_rows[_i].file, NULL);
    const char *chosen = NULL;
    dk_error err = {0};
    ck_assert_msg(
        video_remux_fit_muxer(in, fit_rows[_i].wanted, 30, &chosen, &err) == 0,
        "%s: %s", fit_rows[_i].file, err.message);
    ck_assert_str_eq(chosen, fit_rows[_i].chosen);
    g_free(in);
}
END_TEST

/* ---- remuxing the corpus ---- */

typedef struct remux_row {
    const char *file;
    /* Annex B H.264 and ADTS AAC from a transport stream must be rewrapped
     * into MP4's length-prefixed form: same frames, different bytes. */
    bool rewrapped;
    const char *dropped; /* text the dropped-streams note must contain */
    const char *error;   /* the remux must fail with this text */
} remux_row;

static const remux_row remux_rows[] = {
    {"clip.mp4"},
    {"phone-portrait.mp4"},
    {"vfr.mp4"},
    {"late-vfr.mp4"},
    {"no-audio.mkv"},
    {"tall-1081.mp4"},
    {"interrupted.mp4"},
    {"VID-20240902-WA0003.mp4"},
    {"iphone.mov"},
    {"camera.MTS", .rewrapped = true},
    {"web.webm"},
    {"old.AVI"},
    /* the muxer rebuilds the timecode track from the tag: same sample */
    {"timecode.mov"},
    {"attachment.mkv", .dropped = "stream 1 (attachment, text/plain)"},
    {"subtitles.mkv", .dropped = "stream 1 (subtitle, subrip)"},
    {"pcm-audio.avi", .error = "mp4 cannot carry the audio stream 1"},
    {"garbage.mp4", .error = "not a recognised media container"},
    {"truncated.mp4", .error = "truncated: no index (moov)"},
};

static const char *const title = "Rapat Paripurna DPRD — Sidang I";

static const char *member_text(JsonObject *object, const char *name)
{
    return object && json_object_has_member(object, name)
               ? json_object_get_string_member(object, name)
               : NULL;
}

/* Per stream index: a GPtrArray of "sha256 @ pts" strings, in order. */
static GPtrArray *packets_by_stream(const char *path, unsigned streams)
{
    JsonObject *probe =
        dk_test_ffprobe_json(path, "-show_entries packet=stream_index,pts_time,"
                                   "data_hash -show_data_hash sha256");
    JsonArray *packets = json_object_get_array_member(probe, "packets");
    GPtrArray *by_stream =
        g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    for (unsigned i = 0; i < streams; i++)
        g_ptr_array_add(by_stream, g_ptr_array_new_with_free_func(g_free));
    for (guint i = 0; i < json_array_get_length(packets); i++) {
        JsonObject *p = json_array_get_object_element(packets, i);
        unsigned index =
            (unsigned)json_object_get_int_member(p, "stream_index");
        ck_assert_uint_lt(index, streams);
        /* times to the millisecond: time bases may differ, instants not */
        const char *pts = member_text(p, "pts_time");
        double seconds = pts ? g_ascii_strtod(pts, NULL) : NAN;
        g_ptr_array_add(
            by_stream->pdata[index],
            g_strdup_printf("%s @ %.3f", member_text(p, "data_hash"), seconds));
    }
    json_object_unref(probe);
    return by_stream;
}

static unsigned stream_count(JsonObject *probe)
{
    return json_array_get_length(
        json_object_get_array_member(probe, "streams"));
}

static JsonObject *stream_at(JsonObject *probe, unsigned index)
{
    return json_array_get_object_element(
        json_object_get_array_member(probe, "streams"), index);
}

static int rotation_of(JsonObject *stream)
{
    if (!json_object_has_member(stream, "side_data_list"))
        return 0;
    JsonArray *list = json_object_get_array_member(stream, "side_data_list");
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *sd = json_array_get_object_element(list, i);
        if (json_object_has_member(sd, "rotation"))
            return (int)json_object_get_int_member(sd, "rotation");
    }
    return 0;
}

/* Offsets of the first moov and mdat boxes of an MP4, by walking its
 * top-level box headers. */
static void box_order(const char *path, long long *moov, long long *mdat)
{
    gsize len = 0;
    guchar *data = (guchar *)dk_test_read(path, &len);
    ck_assert_ptr_nonnull(data);
    *moov = *mdat = -1;
    gsize at = 0;
    while (at + 8 <= len) {
        unsigned long long size = (unsigned long long)data[at] << 24 |
                                  data[at + 1] << 16 | data[at + 2] << 8 |
                                  data[at + 3];
        if (memcmp(data + at + 4, "moov", 4) == 0 && *moov < 0)
            *moov = (long long)at;
        if (memcmp(data + at + 4, "mdat", 4) == 0 && *mdat < 0)
            *mdat = (long long)at;
        if (size == 1 && at + 16 <= len) {
            size = 0;
            for (int i = 0; i < 8; i++)
                size = size << 8 | data[at + 8 + i];
        }
        if (size < 8)
            break;
        at += size;
    }
    g_free(data);
}

static char *mediainfo_streamable(const char *path)
{
    char *quoted = g_shell_quote(path);
    char *cmd = g_strdup_printf(
        "mediainfo --Inform='General;%%IsStreamable%%' %s", quoted);
    char *out = g_strstrip(dk_test_sh_ok("%s", cmd));
    g_free(cmd);
    g_free(quoted);
    return out;
}

static void check_tags(JsonObject *out_probe)
{
    JsonObject *format = json_object_get_object_member(out_probe, "format");
    JsonObject *tags = json_object_get_object_member(format, "tags");
    ck_assert_str_eq(member_text(tags, "title"), title);
    ck_assert_str_eq(member_text(tags, "artist"), "Tim Dokumentasi");
    ck_assert_str_eq(member_text(tags, "comment"), "Paripurna — Tabanan");
    ck_assert_str_eq(member_text(tags, "description"), "Paripurna — Tabanan");
    ck_assert_str_eq(member_text(tags, "date"), "2024-09-02");
    ck_assert_str_eq(member_text(tags, "copyright"), "Pemkab Tabanan");
    ck_assert_str_eq(member_text(tags, "grouping"), "paripurna-20240902");
    ck_assert_str_eq(member_text(tags, "location"), "-08.5800+115.1800/");
    /* the source had none: the capture time fills it */
    const char *created = member_text(tags, "creation_time");
    ck_assert_ptr_nonnull(created);
}

static void check_packets(const remux_row *row, const char *in,
                          JsonObject *in_probe, const char *out,
                          const char *dropped)
{
    unsigned in_streams = stream_count(in_probe);
    GPtrArray *before = packets_by_stream(in, in_streams);
    JsonObject *out_probe = dk_test_ffprobe_json(out, "-show_streams");
    unsigned out_streams = stream_count(out_probe);
    GPtrArray *after = packets_by_stream(out, out_streams);
    const video_case *c = video_corpus_find(row->file);
    unsigned next = 0;
    for (unsigned i = 0; i < in_streams; i++) {
        char needle[32];
        g_snprintf(needle, sizeof needle, "stream %u ", i);
        if (strstr(dropped, needle))
            continue; /* dropped, and said so */
        ck_assert_uint_lt(next, out_streams);
        GPtrArray *a = before->pdata[i], *b = after->pdata[next++];
        guint expected = a->len;
        if (c && c->truncated)
            expected = a->len - 1; /* the cut last frame is left out */
        ck_assert_msg(b->len == expected, "%s stream %u: %u packets, want %u",
                      row->file, i, b->len, expected);
        for (guint k = 0; k < expected && !row->rewrapped; k++)
            ck_assert_msg(strcmp(a->pdata[k], b->pdata[k]) == 0,
                          "%s stream %u packet %u: %s != %s", row->file, i, k,
                          (char *)a->pdata[k], (char *)b->pdata[k]);
    }
    ck_assert_uint_eq(next, out_streams);
    g_ptr_array_unref(before);
    g_ptr_array_unref(after);
    json_object_unref(out_probe);
}

static void check_container(const remux_row *row, JsonObject *in_probe,
                            JsonObject *out_probe, const char *out)
{
    JsonObject *in_format = json_object_get_object_member(in_probe, "format");
    JsonObject *out_format = json_object_get_object_member(out_probe, "format");
    /* the temp name has no .mp4: the muxer was chosen by name */
    ck_assert_str_eq(member_text(out_format, "format_name"),
                     "mov,mp4,m4a,3gp,3g2,mj2");
    long long moov, mdat;
    box_order(out, &moov, &mdat);
    ck_assert_msg(moov >= 0 && mdat > moov, "%s: moov at %lld, mdat at %lld",
                  row->file, moov, mdat);
    char *streamable = mediainfo_streamable(out);
    ck_assert_str_eq(streamable, "Yes");
    g_free(streamable);

    JsonObject *in_video = stream_at(in_probe, 0);
    JsonObject *out_video = stream_at(out_probe, 0);
    ck_assert_int_eq(rotation_of(out_video), rotation_of(in_video));
    ck_assert_str_eq(member_text(out_video, "codec_name"),
                     member_text(in_video, "codec_name"));
    if (strcmp(member_text(in_format, "format_name"),
               "mov,mp4,m4a,3gp,3g2,mj2") == 0)
        ck_assert_str_eq(member_text(out_video, "codec_tag_string"),
                         member_text(in_video, "codec_tag_string"));

    const video_case *c = video_corpus_find(row->file);
    if (c && c->truncated)
        return; /* its duration: the complete frames, see check_packets */
    int num = 0, den = 0;
    ck_assert_int_eq(
        sscanf(member_text(in_video, "avg_frame_rate"), "%d/%d", &num, &den),
        2);
    ck_assert(num > 0 && den > 0);
    double frame = (double)den / num; /* one frame at the average rate */
    double in_duration =
        g_ascii_strtod(member_text(in_format, "duration"), NULL);
    double out_duration =
        g_ascii_strtod(member_text(out_format, "duration"), NULL);
    ck_assert_msg(fabs(in_duration - out_duration) <= frame,
                  "%s: duration %g, source %g", row->file, out_duration,
                  in_duration);
}

static AVDictionary *test_tags(void)
{
    AVDictionary *tags = NULL;
    av_dict_set(&tags, "title", title, 0);
    av_dict_set(&tags, "artist", "Tim Dokumentasi", 0);
    av_dict_set(&tags, "comment", "Paripurna — Tabanan", 0);
    av_dict_set(&tags, "description", "Paripurna — Tabanan", 0);
    av_dict_set(&tags, "date", "2024-09-02", 0);
    av_dict_set(&tags, "copyright", "Pemkab Tabanan", 0);
    av_dict_set(&tags, "grouping", "paripurna-20240902", 0);
    av_dict_set(&tags, "location", "-08.5800+115.1800/", 0);
    return tags;
}

START_TEST(test_remux_row)
{
    const remux_row *row = &remux_rows[_i];
    char *in = g_build_filename(corpus_dir, row->file, NULL);
    char *out = g_strdup_printf("%s/stamped-%d.dk-tmp", corpus_dir, _i);
    char *hash_before = dk_test_sha256(in);
    AVDictionary *tags = test_tags();
    video_remux_job job = {
        .input = in,
        .output = out,
        .format = "mp4",
        .tags = tags,
        .fallback_creation_time = "2024-09-02T06:11:22.000000Z",
        .open_timeout = 30,
    };
    video_remux_report report = {.dropped = g_string_new(NULL)};
    dk_error err = {0};
    int ret = video_remux(&job, &report, &err);
    char *hash_after = dk_test_sha256(in);
    ck_assert_str_eq(hash_before, hash_after);

    if (row->error) {
        ck_assert_int_lt(ret, 0);
        ck_assert_msg(strstr(err.message, row->error), "%s: '%s'", row->file,
                      err.message);
    } else {
        ck_assert_msg(ret == 0, "%s: %s", row->file, err.message);
        if (row->dropped)
            ck_assert_str_eq(report.dropped->str, row->dropped);
        else
            ck_assert_str_eq(report.dropped->str, "");
        const video_case *c = video_corpus_find(row->file);
        ck_assert_int_eq(report.truncated, c && c->truncated);

        JsonObject *in_probe =
            dk_test_ffprobe_json(in, "-show_format -show_streams");
        JsonObject *out_probe =
            dk_test_ffprobe_json(out, "-show_format -show_streams");
        check_tags(out_probe);
        check_container(row, in_probe, out_probe, out);
        check_packets(row, in, in_probe, out, report.dropped->str);
        json_object_unref(in_probe);
        json_object_unref(out_probe);
    }
    av_dict_free(&tags);
    g_string_free(report.dropped, TRUE);
    g_free(hash_before);
    g_free(hash_after);
    g_free(out);
    g_free(in);
}
END_TEST

/* The source's creation time wins over the fallback; a timecode track's
 * time survives as the video stream's tag (the muxer rebuilds the track). */
START_TEST(test_keeps_source_times)
{
    char *in = g_build_filename(corpus_dir, "clip.mp4", NULL);
    char *out = g_build_filename(corpus_dir, "kept.mp4", NULL);
    video_remux_job job = {.input = in,
                           .output = out,
                           .format = "mp4",
                           .fallback_creation_time =
                               "2030-01-01T00:00:00.000000Z",
                           .open_timeout = 30};
    video_remux_report report = {.dropped = g_string_new(NULL)};
    ck_assert_int_eq(video_remux(&job, &report, NULL), 0);
    JsonObject *probe = dk_test_ffprobe_json(out, "-show_format");
    JsonObject *tags = json_object_get_object_member(
        json_object_get_object_member(probe, "format"), "tags");
    ck_assert_str_eq(member_text(tags, "creation_time"),
                     "2024-09-02T06:11:22.000000Z");
    ck_assert_str_eq(member_text(tags, "location"), "-08.5800+115.1800/");
    json_object_unref(probe);

    g_free(in);
    in = g_build_filename(corpus_dir, "timecode.mov", NULL);
    job.input = in;
    ck_assert_int_eq(video_remux(&job, &report, NULL), 0);
    probe = dk_test_ffprobe_json(out, "-show_streams");
    JsonObject *video = stream_at(probe, 0);
    ck_assert_str_eq(
        member_text(json_object_get_object_member(video, "tags"), "timecode"),
        "01:00:00:00");
    json_object_unref(probe);
    g_string_free(report.dropped, TRUE);
    g_free(out);
    g_free(in);
}
END_TEST

/* A .mov keeps QuickTime: every tag still there (as metadata keys), the
 * HEVC hvc1 tag, moov first, the packets. */
START_TEST(test_mov_output)
{
    char *in = g_build_filename(corpus_dir, "iphone.mov", NULL);
    char *out = g_build_filename(corpus_dir, "stamped-iphone.mov", NULL);
    AVDictionary *tags = test_tags();
    video_remux_job job = {.input = in,
                           .output = out,
                           .format = "mov",
                           .tags = tags,
                           .open_timeout = 30};
    video_remux_report report = {.dropped = g_string_new(NULL)};
    dk_error err = {0};
    ck_assert_msg(video_remux(&job, &report, &err) == 0, "%s", err.message);
    JsonObject *in_probe =
        dk_test_ffprobe_json(in, "-show_format -show_streams");
    JsonObject *out_probe =
        dk_test_ffprobe_json(out, "-show_format -show_streams");
    JsonObject *format = json_object_get_object_member(out_probe, "format");
    ck_assert_str_eq(member_text(json_object_get_object_member(format, "tags"),
                                 "major_brand"),
                     "qt  ");
    check_tags(out_probe);
    const remux_row row = {"iphone.mov"};
    check_container(&row, in_probe, out_probe, out);
    check_packets(&row, in, in_probe, out, "");
    json_object_unref(in_probe);
    json_object_unref(out_probe);
    av_dict_free(&tags);
    g_string_free(report.dropped, TRUE);
    g_free(out);
    g_free(in);
}
END_TEST

/* A damaged index: the remux finishes or fails with a reason, and never
 * touches its input. */
START_TEST(test_flipped_row)
{
    char *in = video_corpus_flip_path(corpus_dir, _i);
    char *out = g_strdup_printf("%s/stamped-flip-%d.mp4", corpus_dir, _i);
    char *before = dk_test_sha256(in);
    video_remux_job job = {
        .input = in, .output = out, .format = "mp4", .open_timeout = 30};
    video_remux_report report = {.dropped = g_string_new(NULL)};
    dk_error err = {0};
    if (video_remux(&job, &report, &err) < 0)
        ck_assert_msg(err.message[0] && !strchr(err.message, '\n'), "%s",
                      err.message);
    else
        ck_assert_int_gt(report.packets, 0);
    char *after = dk_test_sha256(in);
    ck_assert_str_eq(before, after);
    g_free(after);
    g_free(before);
    g_string_free(report.dropped, TRUE);
    g_free(out);
    g_free(in);
}
END_TEST

static Suite *stamp_video_suite(void)
{
    Suite *s = suite_create("stamp.video");
    TCase *pure = tcase_create("pure");
    tcase_add_loop_test(pure, test_iso6709_row, 0, G_N_ELEMENTS(iso_rows));
    tcase_add_loop_test(pure, test_muxer_row, 0, G_N_ELEMENTS(muxer_rows));
    suite_add_tcase(s, pure);
    TCase *remux = tcase_create("remux");
    tcase_add_loop_test(remux, test_remux_row, 0, G_N_ELEMENTS(remux_rows));
    tcase_add_loop_test(remux, test_fit_muxer_row, 0, G_N_ELEMENTS(fit_rows));
    tcase_add_test(remux, test_keeps_source_times);
    tcase_add_test(remux, test_mov_output);
    tcase_add_loop_test(remux, test_flipped_row, 0, VIDEO_CORPUS_FLIPS);
    suite_add_tcase(s, remux);
    return s;
}

int main(void)
{
    corpus_dir = dk_test_tmpdir("stamp-video");
    video_corpus_build(corpus_dir);
    SRunner *runner = srunner_create(stamp_video_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    dk_test_cleanup_dirs();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
