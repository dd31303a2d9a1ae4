/* dokpim archive: BagIt bags of a library, judged by other tools too
 * (sha512sum -c and sha256sum -c from inside the bag; bag_check.py, which
 * reads the RFC's rules with its own decoder and hashlib), and hostile or
 * damaged bags, each problem named by its file. */
#include <check.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dk_test.h"

static char *dir, *library;

#define AGENCY       "Bagian Prokompim Setda Kabupaten Badung"
#define PHOTOGRAPHER "Ni Komang Ayu Pradnyani"
#define TITLE        "Rapat Koordinasi Penanganan Sampah Se-Kabupaten Badung"

/* The archive pipeline over inputs with spaces, %, and the same accented
 * name in NFC and NFD (distinct bytes), then files the output templates
 * would never make (CR and LF in names, a literal "%25", a C2PA store)
 * put into derived/ by hand: the bag must carry every name as it is. */
static void setup(void)
{
    dir = dk_test_tmpdir("archive");
    g_setenv("DOKPIM_PLUGIN_PATH", dk_test_plugin_dir(), TRUE);
    g_setenv("DOKPIM_NO_BAR", "1", TRUE);
    library = g_build_filename(dir, "lib", NULL);
    g_autofree char *conf = dk_test_source_path("pipelines/archive-batch.conf");
    g_autofree char *event =
        dk_test_source_path("assets/sample-event/event.ini");
    g_free(dk_test_sh_ok(
        "cd '%s' && mkdir -p in/sub && echo one > 'in/a file.txt' && "
        "printf 'x%%%%y' > 'in/sub/per%%%%cent.txt' && "
        "printf nfc > \"in/caf$(printf '\\303\\251').txt\" && "
        "printf nfd > \"in/cafe$(printf '\\314\\201').txt\"",
        dir));
    g_autofree char *inputs = g_build_filename(dir, "in", NULL);
    const char *run[] = {"run", conf,    "--event", event,
                         "-o",  library, inputs,    NULL};
    g_autofree char *err = NULL;
    int status = dk_test_dokpim(run, NULL, &err);
    if (status != 0)
        dk_test_fail("dokpim run exited %d: %s", status, err);
    g_free(dk_test_sh_ok(
        "cd '%s/derived' && mkdir odd && cd odd && "
        "printf 1 > \"cr$(printf '\\r')name\" && "
        "printf 2 > \"lf$(printf '\\nx')\" && "
        "printf 3 > '100%%%%25 literal' && printf 4 > 'photo .c2pa'",
        library));
}

static void teardown(void)
{
    g_free(dir);
    g_free(library);
    dk_test_cleanup_dirs();
}

static JsonObject *parse(const char *text, JsonParser **parser)
{
    *parser = json_parser_new();
    GError *error = NULL;
    ck_assert_msg(json_parser_load_from_data(*parser, text, -1, &error),
                  "bad JSON: %s (%s)", error ? error->message : "", text);
    return json_node_get_object(json_parser_get_root(*parser));
}

/* archive LIBRARY --bag OUT [--copy] --json: its JSON (g_free) */
static char *bag(const char *out, bool copy)
{
    const char *args[] = {"archive", library,  "--bag",
                          out,       "--json", copy ? "--copy" : NULL,
                          NULL};
    char *json = NULL;
    g_autofree char *err = NULL;
    int status = dk_test_dokpim(args, &json, &err);
    ck_assert_msg(status == 0, "archive exited %d: %s", status, err);
    return json;
}

static int validate(const char *path, char **out)
{
    const char *args[] = {"archive", "--validate", path, NULL};
    return dk_test_dokpim(args, out, NULL);
}

static gint64 member(JsonObject *o, const char *name)
{
    return json_object_get_int_member(o, name);
}

START_TEST(bag_passes_independent_checks)
{
    g_autofree char *out = g_build_filename(dir, "bag", NULL);
    g_autofree char *json = bag(out, false);
    JsonParser *parser = NULL;
    JsonObject *o = parse(json, &parser);
    /* originals, the sidecar's copy and JSON, item manifests, odd files */
    g_autofree char *count = dk_test_sh_ok(
        "cd '%s' && find originals derived items -type f -printf . | wc -c",
        library);
    ck_assert_int_eq(member(o, "files"), g_ascii_strtoll(count, NULL, 10));
    ck_assert_int_eq(member(o, "files"), 4 * 4 + 4);
    ck_assert_int_eq(member(o, "linked"), member(o, "files"));
    g_object_unref(parser);

    /* the coreutils read the manifests as they are: every line whose
     * name needed no encoding (the rest is bag_check.py's) */
    g_autofree char *plain = dk_test_sh_ok(
        "cd '%s' && for m in manifest-sha512.txt manifest-sha256.txt; do "
        "a=${m#manifest-}; a=${a%%.txt}; grep -v %% $m | ${a}sum -c --strict "
        "--quiet || exit 1; grep -vc %% $m; done; "
        "sha512sum -c --strict --quiet tagmanifest-sha512.txt && "
        "sha256sum -c --strict --quiet tagmanifest-sha256.txt && "
        "wc -l < tagmanifest-sha256.txt",
        out);
    ck_assert_str_eq(plain, "15\n15\n4");

    g_autofree char *script = dk_test_source_path("tests/core/bag_check.py");
    g_autofree char *checked =
        dk_test_sh_ok("/usr/bin/python3 '%s' '%s' 'Source-Organization=" AGENCY
                      "' 'Contact-Name=" PHOTOGRAPHER "'",
                      script, out);
    /* 20 files in two manifests, 4 tag files in two; per%cent (copy
     * and sidecar), 100%25, CR and LF need encoding: 5 names, twice */
    ck_assert_str_eq(checked, "checked 48 entries, 10 with percent-encoded "
                              "names");
    g_autofree char *info =
        dk_test_sh_ok("grep '^External-Description: ' '%s/bag-info.txt'", out);
    ck_assert_msg(strstr(info, TITLE) && strstr(info, "2025-03-14"), "%s",
                  info);

    g_autofree char *said = NULL;
    ck_assert_int_eq(validate(out, &said), 0);

    /* hard links: the library's inode, not a copy */
    g_autofree char *same = dk_test_sh_ok(
        "cd '%s' && f=$(ls originals/*/* | head -1) && "
        "[ \"$(stat -c %%i \"$f\")\" = \"$(stat -c %%i '%s'/data/\"$f\")\" ] "
        "&& echo linked",
        library, out);
    ck_assert_str_eq(same, "linked");
    /* no lock, no half-written files, no source cache in the bag */
    g_autofree char *extra = dk_test_sh_ok(
        "cd '%s/data' && find . -name .lock -o -path './sources*' | wc -l",
        out);
    ck_assert_str_eq(extra, "0");
}
END_TEST

START_TEST(copy_and_the_same_bytes)
{
    g_autofree char *linked = g_build_filename(dir, "linked", NULL);
    g_autofree char *copied = g_build_filename(dir, "copied", NULL);
    g_free(bag(linked, false));
    g_autofree char *json = bag(copied, true);
    JsonParser *parser = NULL;
    JsonObject *o = parse(json, &parser);
    ck_assert_int_eq(member(o, "linked"), 0);
    ck_assert_int_eq(member(o, "copied") + member(o, "reflinked"),
                     member(o, "files"));
    g_object_unref(parser);
    g_autofree char *diff = dk_test_sh_ok(
        "diff -r '%s/data' '%s/data' && cmp '%s/manifest-sha512.txt' "
        "'%s/manifest-sha512.txt' && echo same",
        linked, copied, linked, copied);
    ck_assert_str_eq(diff, "same");
    g_autofree char *inode = dk_test_sh_ok(
        "cd '%s' && f=$(ls originals/*/* | head -1) && "
        "[ \"$(stat -c %%i \"$f\")\" != \"$(stat -c %%i '%s'/data/\"$f\")\" ] "
        "&& echo own",
        library, copied);
    ck_assert_str_eq(inode, "own");
    ck_assert_int_eq(validate(copied, NULL), 0);
    /* OUT is never written over */
    const char *again[] = {"archive", library, "--bag", copied, NULL};
    g_autofree char *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(again, NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "exists already"));
}
END_TEST

/* One damage per row, made with the shell in a copied bag ($B); the
 * validator must fail and print a line starting with the file. The
 * hostile rows point at a FIFO outside the bag: opening it would hang
 * the validator, which the test's timeout turns into a failure. */
static const struct {
    const char *damage;
    const char *line; /* a line of stdout starts with this */
} damaged[] = {
    {"f=$(ls $B/data/originals/*/* | head -1); printf X | "
     "dd of=$f conv=notrunc 2>/dev/null; echo ${f#$B/}",
     ": sha256 checksum differs from manifest-sha256.txt"},
    {"rm $B/data/derived/odd/photo\\ .c2pa",
     "data/derived/odd/photo .c2pa: missing (listed in manifest-"},
    {"echo x > $B/data/extra.txt",
     "data/extra.txt: not listed in manifest-sha512.txt"},
    {"echo \"$(printf %064d 0)  data/../../fifo\" >> $B/manifest-sha256.txt",
     "manifest-sha256.txt:21: refusing a path that leaves the bag: "
     "data/../../fifo"},
    {"echo \"$(printf %0128d 0)  $D/fifo\" >> $B/manifest-sha512.txt",
     "manifest-sha512.txt:21: refusing a path that leaves the bag: /"},
    {"ln -s $D/fifo $B/data/link", "data/link: symlink points out of the bag"},
    {"ln -s $D $B/data/up && echo \"$(printf %064d 0)  data/up/fifo\" >> "
     "$B/manifest-sha256.txt",
     "data/up: symlink points out of the bag"},
    {"sed -i 's/^Payload-Oxum: .*/Payload-Oxum: 1.1/' $B/bag-info.txt",
     "bag-info.txt: Payload-Oxum is 1.1, the payload is "},
    {"printf 'BagIt-Version: 1.0\\n' > $B/bagit.txt",
     "bagit.txt: is not the two lines"},
    /* what a copy through macOS may do to a name: NFC to NFD */
    {"cd $B && e=$(printf '\\303\\251') && d=$(printf 'e\\314\\201') && "
     "f=$(ls data/derived/sidecar/*/*/*caf$e.txt) && g=$(echo \"$f\" | "
     "sed s/caf$e/caf$d/) && mv \"$f\" \"$g\" && "
     "echo \"$f: missing (listed in manifest-sha256.txt); $g\"",
     ", the same name in another Unicode normalisation (NFC/NFD), is not "
     "listed: renamed by a copy?"},
};

START_TEST(damage_is_named)
{
    g_autofree char *good = g_build_filename(dir, "good", NULL);
    g_free(bag(good, true));
    g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    for (size_t i = 0; i < G_N_ELEMENTS(damaged); i++) {
        g_autofree char *b = g_strdup_printf("%s/bag%zu", dir, i);
        g_autofree char *named =
            dk_test_sh_ok("D='%s'; B='%s'; cp -a \"$D/good\" \"$B\" && { %s; }",
                          dir, b, damaged[i].damage);
        g_autofree char *out = NULL;
        int status = validate(b, &out);
        g_autofree char *want =
            g_strconcat(*named ? named : "", damaged[i].line, NULL);
        g_autofree char *at_line_start = g_strconcat("\n", want, NULL);
        g_autofree char *text = g_strconcat("\n", out ? out : "", NULL);
        ck_assert_msg(status == 1 && strstr(text, at_line_start),
                      "row %zu (%s): exit %d, wanted a line \"%s\", got:\n%s",
                      i, damaged[i].damage, status, want, out);
    }
    /* --json names them too */
    g_autofree char *b = g_strdup_printf("%s/bag2", dir);
    const char *args[] = {"archive", "--validate", b, "--json", NULL};
    g_autofree char *json = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, &json, NULL), 1);
    JsonParser *parser = NULL;
    JsonObject *o = parse(json, &parser);
    ck_assert(!json_object_get_boolean_member(o, "valid"));
    JsonArray *problems = json_object_get_array_member(o, "problems");
    /* sorted by file: the Payload-Oxum, then both manifests' */
    ck_assert_uint_eq(json_array_get_length(problems), 3);
    const char *files[] = {"bag-info.txt", "data/extra.txt", "data/extra.txt"};
    for (guint i = 0; i < 3; i++) {
        JsonObject *p = json_array_get_object_element(problems, i);
        ck_assert_str_eq(json_object_get_string_member(p, "file"), files[i]);
    }
    g_object_unref(parser);
}
END_TEST

/* An original whose bytes no longer match its name (the sha256 at
 * import) is not archived with fresh checksums: the bag fails whole. */
START_TEST(changed_original_is_not_archived)
{
    g_free(dk_test_sh_ok("cd '%s' && f=$(ls originals/*/* | head -1) && "
                         "chmod u+w \"$f\" && echo more >> \"$f\"",
                         library));
    g_autofree char *out = g_build_filename(dir, "bag", NULL);
    const char *args[] = {"archive", library, "--bag", out, NULL};
    g_autofree char *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, NULL, &err), 1);
    ck_assert_msg(strstr(err, "original changed since import: "), "%s", err);
    g_autofree char *left =
        dk_test_sh_ok("ls -a '%s' | grep -c bag; true", dir);
    ck_assert_str_eq(left, "0");
}
END_TEST

/* Killed mid-way (SIGKILL while a large original is being copied): no
 * OUT, only OUT.partial-*, which the next run removes before it writes
 * a complete bag. */
START_TEST(killed_run_leaves_no_bag)
{
    g_autofree char *big = g_build_filename(dir, "big", NULL);
    g_free(dk_test_sh_ok("mkdir -p '%s' && head -c 400000000 /dev/zero > "
                         "'%s/clip.bin'",
                         big, big));
    g_autofree char *conf = dk_test_source_path("pipelines/archive-batch.conf");
    g_autofree char *event =
        dk_test_source_path("assets/sample-event/event.ini");
    const char *run[] = {"run", conf,    "--event", event,
                         "-o",  library, big,       NULL};
    ck_assert_int_eq(dk_test_dokpim(run, NULL, NULL), 0);
    g_autofree char *out = g_build_filename(dir, "bag", NULL);
    const char *args[] = {dk_test_bin(), "archive", library, "--bag",
                          out,           "--copy",  NULL};
    GPid pid = dk_test_spawn(args);
    g_autofree char *glob =
        g_strdup_printf("ls -d '%s'.partial-*/data/originals 2>/dev/null", out);
    bool started = false;
    for (int i = 0; i < 20000 && !started; i++) {
        started = dk_test_sh(glob, NULL, NULL) == 0;
        if (!started)
            g_usleep(1000);
    }
    ck_assert_int_eq(dk_test_reap(pid, SIGKILL), -SIGKILL);
    ck_assert_msg(started, "the partial bag never appeared");
    ck_assert_msg(!g_file_test(out, G_FILE_TEST_EXISTS),
                  "a killed run left %s (finished before the kill?)", out);
    g_autofree char *partials =
        dk_test_sh_ok("ls -d '%s'.partial-* | wc -l", out);
    ck_assert_str_eq(partials, "1");
    g_free(bag(out, false));
    g_autofree char *after =
        dk_test_sh_ok("ls -d '%s'.partial-* 2>/dev/null | wc -l", out);
    ck_assert_str_eq(after, "0");
    ck_assert_int_eq(validate(out, NULL), 0);
}
END_TEST

/* Two events in one library: bag-info.txt names both, in order. */
START_TEST(every_event_is_described)
{
    g_autofree char *event = g_build_filename(dir, "second.ini", NULL);
    dk_test_write(event,
                  "[event]\ntitle=Sidang Paripurna\nagency=Sekretariat "
                  "DPRD\nplace=Gedung DPRD\ncity=Mangupura\ndate=2025-04-01\n"
                  "timezone=Asia/Makassar\n",
                  -1);
    g_autofree char *input = g_build_filename(dir, "more", NULL);
    g_free(dk_test_sh_ok("mkdir -p '%s' && echo sidang > '%s/notes.txt'", input,
                         input));
    g_autofree char *conf = dk_test_source_path("pipelines/archive-batch.conf");
    const char *run[] = {"run", conf,    "--event", event,
                         "-o",  library, input,     NULL};
    ck_assert_int_eq(dk_test_dokpim(run, NULL, NULL), 0);
    g_autofree char *out = g_build_filename(dir, "bag", NULL);
    g_free(bag(out, false));
    g_autofree char *script = dk_test_source_path("tests/core/bag_check.py");
    g_free(dk_test_sh_ok("/usr/bin/python3 '%s' '%s' "
                         "'Source-Organization=" AGENCY "' "
                         "'Source-Organization=Sekretariat DPRD' "
                         "'External-Description=Sidang Paripurna — Gedung "
                         "DPRD, Mangupura — 2025-04-01'",
                         script, out));
}
END_TEST

/* Free space is checked before anything is written: on a full disk
 * (another file system, so the files would be copied) the archive says
 * so and leaves nothing behind, not even a .partial folder. */
START_TEST(full_disk_is_checked_first)
{
    const char *full = dk_test_full_disk();
    if (!full)
        return;
    g_autofree char *out = g_build_filename(full, "bag", NULL);
    const char *args[] = {"archive", library, "--bag", out, NULL};
    g_autofree char *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, NULL, &err), 1);
    ck_assert_msg(strstr(err, "not enough free space for the bag in "), "%s",
                  err);
    g_autofree char *left = dk_test_sh_ok("ls -A '%s'", full);
    ck_assert_str_eq(left, "filler");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("archive");
    TCase *tc = tcase_create("bag");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, bag_passes_independent_checks);
    tcase_add_test(tc, copy_and_the_same_bytes);
    tcase_add_test(tc, damage_is_named);
    tcase_add_test(tc, changed_original_is_not_archived);
    tcase_add_test(tc, killed_run_leaves_no_bag);
    tcase_add_test(tc, every_event_is_described);
    suite_add_tcase(s, tc);
    TCase *full = dk_test_full_disk_tcase();
    tcase_add_checked_fixture(full, setup, teardown);
    tcase_add_test(full, full_disk_is_checked_first);
    suite_add_tcase(s, full);
    return dk_test_run_suite(s);
}
