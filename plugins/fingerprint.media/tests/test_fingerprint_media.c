/* fingerprint.media and `dokpim locate`, end to end with the real binary:
 * two originals of Indonesian speech are archived through `dokpim run`,
 * then circulating copies are located (tests/locate_corpus.sh makes
 * them): a faithful 240p re-encode, the hoax with "tidak" cut out, a
 * recording never archived, picture or sound alone, and broken files. */
#include "dk_test.h"

#include <check.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static char *dir;                   /* the corpus */
static char *library;               /* the originals, archived with prints */
static double word_start, word_end; /* "tidak" in sambutan.mp4 */

static char *corpus(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

/* `dokpim locate --json -o LIBRARY args...`: the parsed document (free
 * with json_node_unref), exit status in *status, stderr in *err. */
static JsonNode *locate(const char *lib, const char *const *args, int *status,
                        char **err)
{
    const char *argv[16] = {"locate", "--json", "-o", lib};
    size_t n = 4;
    for (size_t i = 0; args[i] && n < G_N_ELEMENTS(argv) - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char *out = NULL;
    *status = dk_test_dokpim(argv, &out, err);
    JsonParser *parser = json_parser_new();
    ck_assert_msg(json_parser_load_from_data(parser, out, -1, NULL),
                  "not JSON: %s (stderr: %s)", out, *err);
    JsonNode *root = json_node_copy(json_parser_get_root(parser));
    g_object_unref(parser);
    g_free(out);
    return root;
}

static JsonObject *clip_answer(JsonNode *root, guint i)
{
    JsonArray *clips =
        json_object_get_array_member(json_node_get_object(root), "clips");
    ck_assert_uint_gt(json_array_get_length(clips), i);
    return json_array_get_object_element(clips, i);
}

static JsonObject *best_match(JsonObject *clip)
{
    JsonArray *m = json_object_get_array_member(clip, "matches");
    ck_assert_msg(json_array_get_length(m) > 0, "%s: no match",
                  json_object_get_string_member(clip, "clip"));
    return json_array_get_object_element(m, 0);
}

static const char *status_of(JsonObject *clip)
{
    return json_object_get_string_member(clip, "status");
}

/* How many findings of kind the match lists. */
static guint count_kind(JsonObject *match, const char *kind)
{
    JsonArray *f = json_object_get_array_member(match, "findings");
    guint n = 0;
    for (guint i = 0; i < json_array_get_length(f); i++)
        n += strcmp(json_object_get_string_member(
                        json_array_get_object_element(f, i), "kind"),
                    kind) == 0;
    return n;
}

static JsonNode *locate_one(const char *name, int *status, char **err)
{
    char *clip = corpus(name);
    const char *args[] = {clip, NULL};
    JsonNode *root = locate(library, args, status, err);
    g_free(clip);
    return root;
}

START_TEST(test_archive_has_prints_and_index)
{
    char *out =
        dk_test_sh_ok("find '%s/prints' -name '*.dkfp' | wc -l", library);
    ck_assert_str_eq(out, "2");
    g_free(out);
    char *index = g_build_filename(library, "prints", "index", NULL);
    ck_assert_msg(g_file_test(index, G_FILE_TEST_IS_DIR), "no %s", index);
    g_free(index);
    /* a second run of the same originals prints nothing again */
    char *before =
        dk_test_sh_ok("stat -c %%Y.%%y '%s'/prints/*/*.dkfp | md5sum", library);
    char *pipeline = g_build_filename(dir, "archive.conf", NULL);
    char *originals = corpus("originals");
    char *event = corpus("event.ini");
    const char *args[] = {"run", pipeline, "--event", event,
                          "-o",  library,  originals, NULL};
    char *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, NULL, &err), 0);
    g_free(event);
    char *after =
        dk_test_sh_ok("stat -c %%Y.%%y '%s'/prints/*/*.dkfp | md5sum", library);
    ck_assert_str_eq(before, after);
    g_free(before);
    g_free(after);
    g_free(err);
    g_free(pipeline);
    g_free(originals);
}
END_TEST

START_TEST(test_faithful_reencode)
{
    int status;
    char *err = NULL;
    JsonNode *root = locate_one("faithful.mp4", &status, &err);
    JsonObject *clip = clip_answer(root, 0);
    ck_assert_str_eq(status_of(clip), "located");
    JsonObject *m = best_match(clip);
    ck_assert_str_eq(json_object_get_string_member(m, "item"), "sambutan.mp4");
    ck_assert_str_eq(json_object_get_string_member(m, "verdict"), "faithful");
    double offset = json_object_get_double_member(m, "offset");
    ck_assert_msg(fabs(offset) <= 0.1, "offset %.3f", offset);
    ck_assert_int_eq(status, 0);
    json_node_unref(root);
    g_free(err);
}
END_TEST

START_TEST(test_word_cut_is_found)
{
    int status;
    char *err = NULL;
    JsonNode *root = locate_one("cut.mp4", &status, &err);
    JsonObject *m = best_match(clip_answer(root, 0));
    ck_assert_str_eq(json_object_get_string_member(m, "item"), "sambutan.mp4");
    ck_assert_str_eq(json_object_get_string_member(m, "verdict"), "edited");
    ck_assert_uint_eq(count_kind(m, "cut"), 1);
    JsonArray *f = json_object_get_array_member(m, "findings");
    JsonObject *cut = NULL;
    for (guint i = 0; i < json_array_get_length(f); i++) {
        JsonObject *o = json_array_get_object_element(f, i);
        if (strcmp(json_object_get_string_member(o, "kind"), "cut") == 0)
            cut = o;
    }
    double at = json_object_get_double_member(cut, "clip_start");
    double from = json_object_get_double_member(cut, "orig_start");
    double to = json_object_get_double_member(cut, "orig_end");
    /* within the 0.25 s; a join in the 0.12 s pause before the
     * word could be anywhere in it */
    ck_assert_msg(fabs(at - word_start) <= 0.25, "cut at %.2f, not %.2f", at,
                  word_start);
    ck_assert_msg(from <= word_start + 0.25 && to >= word_end - 0.25 &&
                      from >= word_start - 0.25 && to <= word_end + 0.25,
                  "cut %.2f-%.2f, the word is %.2f-%.2f", from, to, word_start,
                  word_end);
    ck_assert_uint_eq(count_kind(m, "inserted"), 0);
    ck_assert_uint_eq(count_kind(m, "reordered"), 0);
    ck_assert_int_eq(status, 3);
    json_node_unref(root);
    g_free(err);
}
END_TEST

START_TEST(test_not_in_archive)
{
    int status;
    char *err = NULL;
    JsonNode *root = locate_one("distractor.mp4", &status, &err);
    JsonObject *clip = clip_answer(root, 0);
    ck_assert_str_eq(status_of(clip), "not_in_archive");
    ck_assert_int_eq(status, 4);
    json_node_unref(root);
    g_free(err);
}
END_TEST

/* One stream is enough, and the answer says which one it used. */
START_TEST(test_one_stream)
{
    static const char *const names[] = {"noaudio.mp4", "soundonly.m4a"};
    static const char *const warnings[] = {"no audio: located by picture only",
                                           "no video: located by sound only"};
    for (int i = 0; i < 2; i++) {
        int status;
        char *err = NULL;
        JsonNode *root = locate_one(names[i], &status, &err);
        JsonObject *clip = clip_answer(root, 0);
        JsonArray *w = json_object_get_array_member(clip, "warnings");
        ck_assert_uint_eq(json_array_get_length(w), 1);
        ck_assert_str_eq(json_array_get_string_element(w, 0), warnings[i]);
        JsonObject *m = best_match(clip);
        ck_assert_str_eq(json_object_get_string_member(m, "item"),
                         "sambutan.mp4");
        ck_assert_str_eq(json_object_get_string_member(m, "verdict"),
                         "faithful");
        ck_assert_int_eq(status, 0);
        json_node_unref(root);
        g_free(err);
    }
}
END_TEST

/* Each broken clip gets its line; the others are still answered. */
START_TEST(test_bad_clips)
{
    char *shortclip = corpus("short.mp4"), *garbage = corpus("garbage.mp4");
    char *good = corpus("faithful.mp4");
    const char *args[] = {"locate", "-o", library, shortclip,
                          garbage,  good, NULL};
    char *out = NULL, *err = NULL;
    int status = dk_test_dokpim(args, &out, &err);
    ck_assert_int_eq(status, 1);
    ck_assert_msg(strstr(err, "short.mp4: too short to locate: 0.4 s"), "%s",
                  err);
    ck_assert_msg(strstr(err, "garbage.mp4: "), "%s", err);
    ck_assert_msg(strstr(out, "faithful.mp4: ") && strstr(out, "FAITHFUL"),
                  "%s", out);
    g_free(out);
    g_free(err);
    g_free(shortclip);
    g_free(garbage);
    g_free(good);
}
END_TEST

/* Clips that carry nothing to locate by: each says why, none crashes. */
START_TEST(test_nothing_to_locate_by)
{
    char *silence = corpus("silence.mp4"), *still = corpus("still.mp4");
    char *few = corpus("fewframes.mp4"), *notes = corpus("notes.mp4");
    const char *args[] = {"locate", "-o", library, silence,
                          still,    few,  notes,   NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, &out, &err), 1);
    ck_assert_msg(strstr(err, "silence.mp4: the sound is silence only: it "
                              "cannot locate the clip") &&
                      strstr(err, "silence.mp4: the picture is blank or "
                                  "uniform throughout"),
                  "%s", err);
    ck_assert_msg(strstr(out, "silence.mp4: 6.0 s, not in the archive") &&
                      strstr(out, "still.mp4: 6.0 s, not in the archive"),
                  "%s", out);
    ck_assert_msg(strstr(err, "still.mp4: no audio: located by picture only"),
                  "%s", err);
    ck_assert_msg(strstr(err, "fewframes.mp4: too short to locate: 0.1 s"),
                  "%s", err);
    ck_assert_msg(strstr(err, "notes.mp4: not a recognised media container"),
                  "%s", err);
    g_free(out);
    g_free(err);
    g_free(silence);
    g_free(still);
    g_free(few);
    g_free(notes);
}
END_TEST

START_TEST(test_plot_and_extract)
{
    char *work = dk_test_tmpdir("locate-out");
    char *png = g_build_filename(work, "cut.png", NULL);
    char *extract = g_build_filename(work, "extract", NULL);
    char *clip = corpus("cut.mp4");
    char *keys = g_build_filename(work, "keys", NULL);
    const char *init[] = {"keys",   "init",
                          "--org",  "Pemerintah Kabupaten Badung",
                          "--unit", "Bagian Prokompim",
                          "-o",     keys,
                          NULL};
    ck_assert_int_eq(dk_test_dokpim(init, NULL, NULL), 0);
    const char *args[] = {"--plot", png,  "--extract", extract,
                          "--sign", keys, clip,        NULL};
    int status;
    char *err = NULL;
    JsonNode *root = locate(library, args, &status, &err);
    ck_assert_int_eq(status, 3);
    char *size =
        dk_test_sh_ok("/usr/bin/identify -format '%%m %%wx%%h' '%s'", png);
    ck_assert_str_eq(size, "PNG 1200x720");
    JsonArray *ex =
        json_object_get_array_member(clip_answer(root, 0), "extracts");
    ck_assert_uint_eq(json_array_get_length(ex), 1);
    const char *copy = json_array_get_string_element(ex, 0);
    /* the original's stretch the clip covers (the whole speech here),
     * from its key frame, with both streams */
    char *probe = dk_test_sh_ok(
        "ffprobe -v error -show_entries stream=codec_type -of csv=p=0 '%s' "
        "| sort | tr '\\n' ' '",
        copy);
    ck_assert_str_eq(probe, "audio video");
    char *duration = dk_test_sh_ok(
        "ffprobe -v error -show_entries format=duration -of csv=p=0 '%s'",
        copy);
    char *orig = dk_test_sh_ok(
        "ffprobe -v error -show_entries format=duration -of csv=p=0 "
        "'%s/originals/sambutan.mp4'",
        dir);
    ck_assert_msg(g_ascii_strtod(duration, NULL) >
                      g_ascii_strtod(orig, NULL) - 3,
                  "extract %s s of %s s", duration, orig);
    /* Content Credentials: signed by the office, the archived original
     * its parent, which the library still holds byte for byte */
    char *anchor = g_build_filename(work, "ca.pem", NULL);
    g_free(dk_test_sh_ok("'%s' keys export '%s' > '%s'", dk_test_bin(), keys,
                         anchor));
    const char *verify[] = {"verify", "--trust", anchor, "-o",
                            library,  copy,      NULL};
    char *vout = NULL;
    ck_assert_int_eq(dk_test_dokpim(verify, &vout, NULL), 0);
    ck_assert_msg(strstr(vout, "intact, signer trusted") &&
                      strstr(vout, "from: sambutan.mp4") &&
                      strstr(vout, "bytes match"),
                  "%s", vout);
    g_free(vout);
    g_free(anchor);
    g_free(keys);
    json_node_unref(root);
    g_free(probe);
    g_free(duration);
    g_free(orig);
    g_free(size);
    g_free(err);
    g_free(clip);
    g_free(png);
    g_free(extract);
    g_free(work);
}
END_TEST

/* A damaged index is named, with the way out; --reindex is that way. */
START_TEST(test_damaged_index_and_reindex)
{
    char *work = dk_test_tmpdir("locate-damaged");
    char *copy = g_build_filename(work, "lib", NULL);
    g_free(dk_test_sh_ok("cp -a '%s' '%s' && for f in '%s'/prints/index/*; "
                         "do case $f in *.lock) ;; *) printf 'XXXXXXXX' | dd "
                         "of=\"$f\" bs=1 seek=40 conv=notrunc 2>/dev/null;; "
                         "esac; done",
                         library, copy, copy));
    char *clip = corpus("faithful.mp4");
    const char *args[] = {clip, NULL};
    int status;
    char *err = NULL;
    char *out = NULL;
    const char *argv[] = {"locate", "-o", copy, clip, NULL};
    status = dk_test_dokpim(argv, &out, &err);
    ck_assert_int_eq(status, 2);
    ck_assert_msg(strstr(err, "/prints/index/") &&
                      strstr(err, "dokpim locate --reindex"),
                  "%s", err);
    g_free(out);
    g_free(err);
    const char *re[] = {"locate", "--reindex", "-o", copy, NULL};
    out = NULL;
    err = NULL;
    ck_assert_int_eq(dk_test_dokpim(re, &out, &err), 0);
    ck_assert_msg(strstr(out, "index rebuilt: 2 items"), "%s", out);
    g_free(out);
    g_free(err);
    JsonNode *root = locate(copy, args, &status, &err);
    ck_assert_str_eq(status_of(clip_answer(root, 0)), "located");
    ck_assert_int_eq(status, 0);
    json_node_unref(root);
    g_free(err);
    /* prints that never reached the index are named, not silently missed */
    g_free(dk_test_sh_ok("rm -rf '%s'/prints/index", copy));
    out = NULL;
    err = NULL;
    status = dk_test_dokpim(argv, &out, &err);
    ck_assert_msg(strstr(err, "2 of 2 prints are not in the index: run "
                              "dokpim locate --reindex"),
                  "%s", err);
    ck_assert_int_eq(status, 4);
    g_free(out);
    g_free(err);
    g_free(clip);
    g_free(copy);
    g_free(work);
}
END_TEST

static void setup(void)
{
    dir = dk_test_tmpdir("locate");
    char *script =
        dk_test_source_path("plugins/fingerprint.media/tests/locate_corpus.sh");
    g_free(dk_test_sh_ok("sh '%s' '%s' 2>&1", script, dir));
    g_free(script);
    char *times = dk_test_sh_ok("cat '%s/times.txt'", dir);
    if (sscanf(times, "%lf %lf", &word_start, &word_end) != 2)
        dk_test_fail("times.txt: %s", times);
    g_free(times);
    char *pipeline = g_build_filename(dir, "archive.conf", NULL);
    static const char conf[] = "[pipeline]\nname=Archive with prints\n"
                               "stages=ingest;fingerprint\n\n"
                               "[ingest]\nplugin=ingest.video\n\n"
                               "[fingerprint]\nplugin=fingerprint.media\n";
    dk_test_write(pipeline, conf, -1);
    char *event = g_build_filename(dir, "event.ini", NULL);
    static const char ev[] = "[event]\ntitle=Rapat Paripurna APBD 2027\n"
                             "leader=I Gede Wirasatya Arimbawa\n"
                             "date=2026-11-20\ntimezone=Asia/Makassar\n";
    dk_test_write(event, ev, -1);
    library = g_build_filename(dir, "library", NULL);
    char *originals = corpus("originals");
    const char *args[] = {"run", pipeline, "--event", event,
                          "-o",  library,  originals, NULL};
    char *err = NULL;
    if (dk_test_dokpim(args, NULL, &err) != 0)
        dk_test_fail("dokpim run: %s", err);
    g_free(err);
    g_free(pipeline);
    g_free(originals);
    g_free(event);
}

int main(void)
{
    setup();
    Suite *s = suite_create("fingerprint.media");
    TCase *tc = tcase_create("locate");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_archive_has_prints_and_index);
    tcase_add_test(tc, test_faithful_reencode);
    tcase_add_test(tc, test_word_cut_is_found);
    tcase_add_test(tc, test_not_in_archive);
    tcase_add_test(tc, test_one_stream);
    tcase_add_test(tc, test_bad_clips);
    tcase_add_test(tc, test_nothing_to_locate_by);
    tcase_add_test(tc, test_plot_and_extract);
    tcase_add_test(tc, test_damaged_index_and_reindex);
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
