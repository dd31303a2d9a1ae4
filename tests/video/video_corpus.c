/* Builds the video corpus: small clips from ffmpeg's test sources (a few
 * frames each, so the whole corpus takes seconds), then broken variants
 * made by mp4_damage.py from them, so every defect is exactly the one
 * named. */
#include "video_corpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test.h"

/* Sources: 2 s of a moving test card and a tone. _base.mp4 is written
 * without faststart, so its moov comes last (as a camera writes it). */
#define SRC_V(size, rate, secs)                                                \
    "-f lavfi -i testsrc2=s=" size ":r=" rate ":d=" secs " "
#define SRC_A(secs) "-f lavfi -i sine=f=440:sample_rate=48000:d=" secs " "
#define X264        "-c:v libx264 -preset ultrafast -g 30 "

const video_case video_cases[] = {
    /* ---- odd but valid ---- */
    {"clip.mp4",
     "$FF -i _base.mp4 -c copy -metadata creation_time=2024-09-02T06:11:22Z "
     "-metadata location=-08.5800+115.1800/ clip.mp4",
     NULL, "container", "2024-09-02T14:11:22+08:00", .has_gps = true},
    {"phone-portrait.mp4",
     "$FF -i _base.mp4 -c copy -metadata:s:v:0 rotate=270 "
     "-metadata creation_time=2024-09-02T06:12:00Z phone-portrait.mp4",
     NULL, "container", "2024-09-02T14:12:00+08:00", .rotated = true},
    {"vfr.mp4",
     "$FF -f lavfi -i 'testsrc2=s=320x240:r=30:d=1[a];"
     "testsrc2=s=320x240:r=10:d=1[b];[a][b]concat' -fps_mode vfr " X264
     "vfr.mp4",
     NULL, "file-time", "2023-05-06T15:08:09+08:00", .vfr = true},
    {"no-audio.mkv", "$FF " SRC_V("320x240", "25", "2") X264 "no-audio.mkv",
     NULL, "file-time", "2023-05-06T15:08:09+08:00"},
    {"tall-1081.mp4",
     "$FF " SRC_V("480x1081", "10", "1") X264 "-pix_fmt yuv444p tall-1081.mp4",
     NULL, "file-time", "2023-05-06T15:08:09+08:00"},
    {"interrupted.mp4",
     "$FF " SRC_V("320x240", "30", "3") X264
     "-g 15 -movflags +frag_keyframe+empty_moov _frag.mp4 && "
     "$DAMAGE cut-fragment _frag.mp4 interrupted.mp4 3",
     NULL, "file-time", "2023-05-06T15:08:09+08:00", .truncated = true},
    /* a fast-start clip (moov first) whose power went at 70 % of its
     * media data: the index lists 2 s, 1.4 s are in the file */
    {"cut-faststart.mp4",
     "$FF -i _base.mp4 -c copy -movflags +faststart _fast.mp4 && "
     "$DAMAGE cut-box _fast.mp4 cut-faststart.mp4 mdat 70",
     NULL, "file-time", "2023-05-06T15:08:09+08:00", .truncated = true},
    /* the same with its mdat sized "to the end of the file", as some
     * recorders write it before they know the size: only the index
     * tells that samples are missing */
    {"cut-open-mdat.mp4", "$DAMAGE open-mdat _fast.mp4 cut-open-mdat.mp4 70",
     NULL, "file-time", "2023-05-06T15:08:09+08:00", .truncated = true},
    /* moov last, cut in its last 1 %: the user data (tags), after the
     * tracks */
    {"cut-moov-tags.mp4", "$DAMAGE cut-box _base.mp4 cut-moov-tags.mp4 moov 99",
     NULL, "file-time", "2023-05-06T15:08:09+08:00", .truncated = true,
     .tags_cut = true},
    {"VID-20240902-WA0003.mp4",
     "$FF -i _base.mp4 -c copy -map_metadata -1 VID-20240902-WA0003.mp4", NULL,
     "filename", "2024-09-02T00:00:00+08:00"},
    {"iphone.mov",
     "$FF " SRC_V("320x240", "30", "1")
         SRC_A("1") "-c:v libx265 -preset ultrafast -x265-params "
                    "log-level=none -tag:v hvc1 "
                    "-c:a aac -movflags use_metadata_tags "
                    "-metadata "
                    "com.apple.quicktime.creationdate=2024-09-02T15:11:22+0900 "
                    "-metadata creation_time=2024-09-01T00:00:00Z iphone.mov",
     NULL, "container", "2024-09-02T14:11:22+08:00"},
    {"camera.MTS",
     "$FF " SRC_V("320x240", "25", "2") SRC_A("2") X264
     "-c:a aac -f mpegts camera.MTS",
     NULL, "file-time", "2023-05-06T15:08:09+08:00"},
    {"web.webm",
     "$FF " SRC_V("160x120", "15", "1")
         SRC_A("1") "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a "
                    "libopus web.webm",
     NULL, "file-time", "2023-05-06T15:08:09+08:00"},
    {"old.AVI",
     "$FF " SRC_V("320x240", "25", "1")
         SRC_A("1") "-c:v mpeg4 -c:a libmp3lame old.AVI",
     NULL, "file-time", "2023-05-06T15:08:09+08:00"},
    /* the rate drops after 12 s: only the average betrays it */
    {"late-vfr.mp4",
     "$FF -f lavfi -i 'testsrc2=s=64x48:r=30:d=12[a];"
     "testsrc2=s=64x48:r=10:d=2[b];[a][b]concat' -fps_mode vfr " X264
     "late-vfr.mp4",
     NULL, "file-time", "2023-05-06T15:08:09+08:00", .vfr = true},
    {"timecode.mov",
     "$FF " SRC_V("160x120", "25", "1") X264
     "-timecode 01:00:00:00 timecode.mov",
     NULL, "file-time", "2023-05-06T15:08:09+08:00"},
    {"subtitles.mkv",
     "printf '1\\n00:00:00,000 --> 00:00:01,000\\nHalo\\n' > _sub.srt && "
     "$FF " SRC_V("160x120", "25", "1") "-i _sub.srt " X264
                                        "-c:s srt subtitles.mkv",
     NULL, "file-time", "2023-05-06T15:08:09+08:00"},
    {"attachment.mkv",
     "echo 'catatan liputan' > _notes.txt && $FF " SRC_V("160x120", "25", "1")
         X264
     "-attach _notes.txt -metadata:s:t mimetype=text/plain attachment.mkv",
     NULL, "file-time", "2023-05-06T15:08:09+08:00"},
    {"pcm-audio.avi",
     "$FF " SRC_V("160x120", "25", "1")
         SRC_A("1") "-c:v mpeg4 -c:a pcm_s16le pcm-audio.avi",
     NULL, "file-time", "2023-05-06T15:08:09+08:00"},
    /* ---- broken: set aside with one line ---- */
    {"empty.mp4", ": > empty.mp4", "empty file"},
    {"garbage.mp4", "$DAMAGE garbage garbage.mp4 200000 5",
     "not a recognised media container"},
    {"truncated.mp4", "$DAMAGE cut-mdat _base.mp4 truncated.mp4",
     "truncated: no index (moov) — the recording was not finalised (the "
     "file ends at byte"},
    {"cut-header.mp4", "head -c 20 _base.mp4 > cut-header.mp4",
     "truncated: no index (moov) — the recording was not finalised"},
    /* fast start cut after 20 % of the media data: a third of a second
     * is no clip */
    {"cut-early.mp4", "$DAMAGE cut-box _fast.mp4 cut-early.mp4 mdat 20",
     "truncated: the index describes 2.0 s, the file holds 0."},
    /* the index itself cut: moov first (no media yet), moov last (the
     * media whole, its index not) halfway and before the first track
     * (libav then sees no stream at all) */
    {"cut-moov-first.mp4",
     "$DAMAGE cut-box _fast.mp4 cut-moov-first.mp4 moov 60",
     "truncated: the index (moov) is cut off at byte"},
    {"cut-moov-last.mp4", "$DAMAGE cut-box _base.mp4 cut-moov-last.mp4 moov 60",
     "truncated: the index (moov) is cut off at byte"},
    {"cut-moov-early.mp4",
     "$DAMAGE cut-box _base.mp4 cut-moov-early.mp4 moov 5",
     "truncated: the index (moov) is cut off at byte"},
    {"audio-only.mp4", "$FF " SRC_A("1") "-c:a aac audio-only.mp4",
     "no video stream"},
    {"unknown-codec.mp4",
     "$DAMAGE fourcc _base.mp4 unknown-codec.mp4 avc1 dkx1",
     "unsupported video codec 'dkx1'"},
    /* an HLS playlist must not make us open the files it names */
    {"playlist.mp4",
     "printf '#EXTM3U\\n#EXT-X-TARGETDURATION:1\\n#EXTINF:1,\\n/etc/passwd\\n"
     "#EXT-X-ENDLIST\\n' > playlist.mp4",
     "not a recognised media container"},
    {"picture.mp4",
     "$FF " SRC_V("64x64", "1", "1") "-frames:v 1 -c:v png -f image2 "
                                     "picture.mp4",
     "not a recognised media container"},
};
const size_t video_case_count = G_N_ELEMENTS(video_cases);

char *video_corpus_path(const char *dir, const video_case *c)
{
    return g_build_filename(dir, c->file, NULL);
}

char *video_corpus_flip_path(const char *dir, int index)
{
    char name[32];
    g_snprintf(name, sizeof name, "flipped-%02d.mp4", index);
    return g_build_filename(dir, name, NULL);
}

const video_case *video_corpus_find(const char *file)
{
    for (size_t i = 0; i < video_case_count; i++)
        if (strcmp(video_cases[i].file, file) == 0)
            return &video_cases[i];
    return NULL;
}

static void video_corpus_event(const char *dir)
{
    char *path = g_build_filename(dir, "event.ini", NULL);
    const char *text = "[event]\n"
                       "title=Rapat Paripurna DPRD\n"
                       "leader=I Komang Bupati\n"
                       "role=Bupati Tabanan\n"
                       "place=Gedung DPRD\n"
                       "city=Tabanan\n"
                       "date=" VIDEO_CORPUS_DATE "\n"
                       "timezone=" VIDEO_CORPUS_TIMEZONE "\n"
                       "photographer=Tim Dokumentasi Prokopim\n"
                       "copyright=Pemerintah Kabupaten Tabanan\n"
                       "tags=dprd;paripurna\n"
                       "language=id\n";
    dk_test_write(path, text, -1);
    g_free(path);
}

void video_corpus_build(const char *dir)
{
    char *quoted_dir = g_shell_quote(dir);
    char *script = dk_test_source_path("tests/video/mp4_damage.py");
    char *quoted_script = g_shell_quote(script);
    GString *cmd = g_string_new(NULL);
    g_string_append_printf(
        cmd,
        "set -e; cd %s; FF='ffmpeg -nostdin -hide_banner -v error -y'; "
        "DAMAGE='/usr/bin/python3 %s'; "
        "$FF " SRC_V("320x240", "30", "2") SRC_A("2") X264
        "-c:a aac -ac 2 -shortest _base.mp4; ",
        quoted_dir, quoted_script);
    for (size_t i = 0; i < video_case_count; i++)
        g_string_append_printf(cmd, "%s; ", video_cases[i].recipe);
    g_string_append_printf(cmd,
                           "for i in $(seq -w 0 %d); do $DAMAGE flip _base.mp4 "
                           "flipped-$i.mp4 $i 12; done; ",
                           VIDEO_CORPUS_FLIPS - 1);
    /* one known modification time for every file (file-time captures) */
    g_string_append_printf(cmd, "touch -d @%d *", VIDEO_CORPUS_MTIME);
    g_free(dk_test_sh_ok("%s", cmd->str));
    g_string_free(cmd, TRUE);
    video_corpus_event(dir);
    g_free(quoted_script);
    g_free(script);
    g_free(quoted_dir);
}
