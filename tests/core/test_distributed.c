/* `dokpim submit` and `dokpim work`, end to end through the real binary:
 * a batch of generated photos and clips submitted with the shipped
 * pipelines, performed by one worker, by two at once (each in its own
 * working folder), by a worker killed mid-transcode and the one after it,
 * and with bad inputs among good ones. What a local `dokpim run` of the
 * same batch makes is the reference: the same output names, the same
 * stage records in the manifests.
 *
 * The queue is the library's SQLite queue.db unless DOKPIM_QUEUE names
 * another (the PostgreSQL runs register this suite with it set). */
#include <check.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "dk_test.h"
#include "dk_test_tools.h"

#define PHOTOS 20
#define FF     "ffmpeg -nostdin -v error -y "

/* Made once in main(), read by every test. */
static char *root, *photos, *clips, *long_clip, *event;
static char *photo_pipeline, *video_pipeline;
static char *reference; /* a local run of photos and clips */

/* Small sizes keep a run short; the same --set for submit and run. */
static const char *const photo_sets[] = {"--set", "web.web-size=480", "--set",
                                         "web.thumbnail-size=120", NULL};
static const char *const video_sets[] = {
    "--set", "transcode.height=240",   "--set", "transcode.preset=ultrafast",
    "--set", "thumbnail.candidates=2", NULL};

/* A fresh folder under root: the tests run in forked children, whose own
 * test_dir() folders the parent would not know to remove. */
static char *test_dir(const char *tag)
{
    g_autofree char *tmpl = g_strdup_printf("%s/%s-XXXXXX", root, tag);
    char *dir = g_mkdtemp(g_steal_pointer(&tmpl));
    ck_assert_ptr_nonnull(dir);
    return dir;
}

static void make_media(void)
{
    photos = g_build_filename(root, "photos", NULL);
    clips = g_build_filename(root, "clips", NULL);
    long_clip = g_build_filename(root, "long", NULL);
    g_mkdir_with_parents(photos, 0755);
    g_mkdir_with_parents(clips, 0755);
    g_mkdir_with_parents(long_clip, 0755);
    /* one frame each, every one different (the noise seed moves on) */
    g_free(dk_test_sh_ok(
        "cd '%s' && " FF "-f lavfi -i 'testsrc2=s=640x480:r=5:d=%d,"
        "noise=alls=8:allf=t' -q:v 3 IMG_%%04d.JPG && exiftool -q "
        "-overwrite_original -Make=Canon '-Model=Canon EOS R6' "
        "'-DateTimeOriginal=2025:03:14 09:30:15' .",
        photos, PHOTOS / 5));
    g_free(dk_test_sh_ok(
        "cd '%s' && " FF "-f lavfi -i testsrc2=s=320x240:r=25:d=2 -f lavfi "
        "-i sine=sample_rate=48000:d=2 -c:v libx264 -preset ultrafast "
        "-pix_fmt yuv420p -c:a aac -metadata creation_time="
        "2025-03-14T01:30:00Z MVI_0001.MP4 && " FF
        "-f lavfi -i smptebars=s=320x240:r=30:d=2 -f lavfi -i "
        "sine=frequency=880:sample_rate=44100:d=2 -c:v libx264 -preset "
        "ultrafast -pix_fmt yuv420p -c:a aac MVI_0002.MP4",
        clips));
    /* long enough at 720p that a kill lands in the middle of transcode */
    g_free(dk_test_sh_ok(
        "cd '%s' && " FF "-f lavfi -i testsrc2=s=1280x720:r=25:d=12 -f lavfi "
        "-i sine=sample_rate=48000:d=12 -c:v libx264 -preset ultrafast "
        "-pix_fmt yuv420p -c:a aac MVI_0100.MP4",
        long_clip));
}

/* argv: dokpim COMMAND PIPELINE --event EVENT -o LIBRARY SETS... INPUT */
static int batch_command(const char *command, const char *library,
                         const char *pipeline, const char *const *sets,
                         const char *input, char **out, char **err)
{
    GPtrArray *args = g_ptr_array_new();
    const char *head[] = {command, pipeline, "--event", event, "-o", library};
    for (size_t i = 0; i < G_N_ELEMENTS(head); i++)
        g_ptr_array_add(args, (gpointer)head[i]);
    for (int i = 0; sets && sets[i]; i++)
        g_ptr_array_add(args, (gpointer)sets[i]);
    g_ptr_array_add(args, (gpointer)input);
    g_ptr_array_add(args, NULL);
    int status = dk_test_dokpim((const char *const *)args->pdata, out, err);
    g_ptr_array_free(args, TRUE);
    return status;
}

static void submit_ok(const char *library, const char *pipeline,
                      const char *const *sets, const char *input)
{
    g_autofree char *err = NULL;
    int status =
        batch_command("submit", library, pipeline, sets, input, NULL, &err);
    ck_assert_msg(status == 0, "submit exited %d: %s", status, err);
}

static void submit_batch(const char *library)
{
    submit_ok(library, photo_pipeline, photo_sets, photos);
    submit_ok(library, video_pipeline, video_sets, clips);
}

/* `dokpim work -o LIBRARY --until-empty` started in its own folder, as a
 * worker on another machine would be: nothing may depend on the folder
 * it runs in. */
static char *work_command(const char *library, const char *tag)
{
    g_autofree char *cwd = test_dir(tag);
    return g_strdup_printf("cd '%s' && exec '%s' work -o '%s' --until-empty",
                           cwd, dk_test_bin(), library);
}

static JsonArray *jobs(const char *library)
{
    g_autofree char *out = NULL;
    const char *args[] = {"queue", "list", "-o", library, "--json", NULL};
    ck_assert_int_eq(dk_test_dokpim(args, &out, NULL), 0);
    JsonParser *parser = json_parser_new();
    ck_assert(json_parser_load_from_data(parser, out, -1, NULL));
    JsonArray *array =
        json_array_ref(json_node_get_array(json_parser_get_root(parser)));
    g_object_unref(parser);
    return array;
}

static const char *member(JsonObject *o, const char *name)
{
    return json_object_get_null_member(o, name)
               ? NULL
               : json_object_get_string_member(o, name);
}

static JsonObject *job_of(JsonArray *list, const char *basename)
{
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *o = json_array_get_object_element(list, i);
        g_autofree char *base = g_path_get_basename(member(o, "path"));
        if (!strcmp(base, basename))
            return o;
    }
    return NULL;
}

/* ---- the library compared with the local run's ---- */

/* g_ptr_array_sort() passes pointers to the elements */
static int compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *top, const char *relative, GPtrArray *out)
{
    g_autofree char *path = g_build_filename(top, relative, NULL);
    GDir *dir = g_dir_open(path, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(relative, name, NULL);
        g_autofree char *full = g_build_filename(top, child, NULL);
        if (g_file_test(full, G_FILE_TEST_IS_DIR))
            walk(top, child, out);
        else
            g_ptr_array_add(out, g_strdup(child));
    }
    if (dir)
        g_dir_close(dir);
}

/* Every file of originals/, derived/ and items/, relative, sorted, with
 * the temp files (a killed worker's) left out and counted. */
static char *listing(const char *library, int *temps)
{
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    const char *const subs[] = {"originals", "derived", "items"};
    for (size_t i = 0; i < G_N_ELEMENTS(subs); i++)
        walk(library, subs[i], files);
    g_ptr_array_sort(files, compare_strings);
    GString *text = g_string_new(NULL);
    for (guint i = 0; i < files->len; i++) {
        const char *f = files->pdata[i];
        g_autofree char *base = g_path_get_basename(f);
        if (strstr(base, ".dk-tmp-")) {
            if (temps)
                (*temps)++;
            continue;
        }
        g_string_append_printf(text, "%s\n", f);
    }
    g_ptr_array_free(files, TRUE);
    return g_string_free(text, FALSE);
}

/* What a stage record says that does not depend on when it ran: its
 * fingerprint and, for each output, the path, role and plugin. */
static char *stage_records(const char *manifest)
{
    g_autoptr(GKeyFile) file = g_key_file_new();
    ck_assert_msg(g_key_file_load_from_file(file, manifest, 0, NULL),
                  "%s does not parse", manifest);
    g_auto(GStrv) groups = g_key_file_get_groups(file, NULL);
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    for (int g = 0; groups[g]; g++) {
        if (!g_str_has_prefix(groups[g], "stage:"))
            continue;
        g_auto(GStrv) keys = g_key_file_get_keys(file, groups[g], NULL, NULL);
        for (int k = 0; keys[k]; k++) {
            if (strcmp(keys[k], "fingerprint") &&
                strcmp(keys[k], "derivatives") &&
                !g_str_has_prefix(keys[k], "path.") &&
                !g_str_has_prefix(keys[k], "role.") &&
                !g_str_has_prefix(keys[k], "plugin."))
                continue;
            g_autofree char *value =
                g_key_file_get_value(file, groups[g], keys[k], NULL);
            g_ptr_array_add(lines, g_strdup_printf("[%s] %s=%s", groups[g],
                                                   keys[k], value));
        }
    }
    /* a re-recorded group moves to the end of the file: order is noise */
    g_ptr_array_sort(lines, compare_strings);
    GString *text = g_string_new(NULL);
    for (guint i = 0; i < lines->len; i++)
        g_string_append_printf(text, "%s\n", (char *)lines->pdata[i]);
    g_ptr_array_free(lines, TRUE);
    return g_string_free(text, FALSE);
}

static void assert_same_as_reference(const char *library)
{
    g_autofree char *mine = listing(library, NULL);
    g_autofree char *theirs = listing(reference, NULL);
    ck_assert_msg(!strcmp(mine, theirs),
                  "outputs differ from the local run:\n--- workers\n%s--- "
                  "local run\n%s",
                  mine, theirs);
    g_auto(GStrv) names = g_strsplit(mine, "\n", -1);
    int manifests = 0;
    for (int i = 0; names[i]; i++) {
        if (!g_str_has_prefix(names[i], "items/"))
            continue;
        g_autofree char *a = g_build_filename(library, names[i], NULL);
        g_autofree char *b = g_build_filename(reference, names[i], NULL);
        g_autofree char *ra = stage_records(a);
        g_autofree char *rb = stage_records(b);
        ck_assert_msg(!strcmp(ra, rb),
                      "%s: stage records differ\n--- workers\n%s--- local "
                      "run\n%s",
                      names[i], ra, rb);
        manifests++;
    }
    ck_assert_int_eq(manifests, PHOTOS + 2);
    /* fingerprint.media's finish(): the batch's finish job indexed the
     * clips, as the end of a local run does */
    g_autofree char *index = g_build_filename(library, "prints", "index", NULL);
    g_autofree char *segments =
        dk_test_sh_ok("ls '%s' | grep -c '^seg-.*\\.dkix$' || true", index);
    ck_assert_msg(atoi(segments) >= 1, "no index segment in %s", index);
}

/* Every item job done, each taken once; the finish jobs done. Returns the
 * item jobs' remote_status notes joined (who did each). */
static char *assert_all_done_once(const char *library)
{
    JsonArray *list = jobs(library);
    GString *who = g_string_new(NULL);
    int items = 0, finishes = 0;
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *o = json_array_get_object_element(list, i);
        const char *kind = member(o, "kind");
        ck_assert_msg(!strcmp(member(o, "state"), "done"), "job %s is %s: %s",
                      member(o, "path"), member(o, "state"),
                      member(o, "last_error") ? member(o, "last_error") : "");
        if (!strcmp(kind, "process")) {
            ck_assert_msg(json_object_get_int_member(o, "attempts") == 1,
                          "%s was taken %d times", member(o, "path"),
                          (int)json_object_get_int_member(o, "attempts"));
            g_string_append_printf(who, "%s\n", member(o, "remote_status"));
            items++;
        } else {
            ck_assert_str_eq(kind, "finish");
            finishes++;
        }
    }
    json_array_unref(list);
    ck_assert_int_eq(items, PHOTOS + 2);
    ck_assert_int_eq(finishes, 2); /* photos (contact sheet), clips (index) */
    return g_string_free(who, FALSE);
}

START_TEST(one_worker_makes_what_a_local_run_makes)
{
    g_autofree char *dir = test_dir("dist-one");
    g_autofree char *library = g_build_filename(dir, "lib", NULL);
    submit_batch(library);
    /* the same batch again: nothing new */
    g_autofree char *err = NULL;
    ck_assert_int_eq(batch_command("submit", library, photo_pipeline,
                                   photo_sets, photos, NULL, &err),
                     0);
    g_autofree char *expected =
        g_strdup_printf("0 submitted, %d already queued or done", PHOTOS);
    ck_assert_msg(strstr(err, expected), "resubmitted: %s", err);
    /* and its --json says the same */
    const char *const json_sets[] = {"--set",  "web.web-size=480",
                                     "--set",  "web.thumbnail-size=120",
                                     "--json", NULL};
    g_autofree char *out = NULL;
    ck_assert_int_eq(batch_command("submit", library, photo_pipeline, json_sets,
                                   photos, &out, NULL),
                     0);
    JsonParser *parser = json_parser_new();
    ck_assert_msg(json_parser_load_from_data(parser, out, -1, NULL), "%s", out);
    JsonObject *summary = json_node_get_object(json_parser_get_root(parser));
    ck_assert_int_eq(json_object_get_int_member(summary, "submitted"), 0);
    ck_assert_int_eq(json_object_get_int_member(summary, "already"), PHOTOS);
    ck_assert_int_eq(
        json_array_get_length(json_object_get_array_member(summary, "inputs")),
        PHOTOS);
    ck_assert(!json_object_get_null_member(summary, "finish_job"));
    g_object_unref(parser);
    /* queue list shows the kind of each job before any worker ran */
    g_autofree char *table = NULL;
    const char *list[] = {"queue", "list", "-o", library, NULL};
    ck_assert_int_eq(dk_test_dokpim(list, &table, NULL), 0);
    ck_assert_ptr_nonnull(strstr(table, "KIND"));
    ck_assert_ptr_nonnull(strstr(table, "MACHINE"));
    ck_assert_ptr_nonnull(strstr(table, "finish"));

    g_autofree char *cmd = work_command(library, "dist-one-cwd");
    g_autofree char *work_err = NULL;
    int status = dk_test_sh(cmd, NULL, &work_err);
    ck_assert_msg(status == 0, "work exited %d: %s", status, work_err);
    ck_assert_ptr_nonnull(strstr(work_err, "transcode (5/5)"));
    g_autofree char *who = assert_all_done_once(library);
    assert_same_as_reference(library);
    /* the library opened as a worker's: a local run may take it after */
    g_autofree char *run_err = NULL;
    ck_assert_int_eq(batch_command("run", library, photo_pipeline, photo_sets,
                                   photos, NULL, &run_err),
                     0);
    ck_assert_msg(strstr(run_err, "0 done"), "re-run: %s", run_err);
}
END_TEST

START_TEST(two_workers_share_one_library)
{
    g_autofree char *dir = test_dir("dist-two");
    g_autofree char *library = g_build_filename(dir, "lib", NULL);
    submit_batch(library);
    g_autofree char *a = work_command(library, "dist-two-a");
    g_autofree char *b = work_command(library, "dist-two-b");
    g_autofree char *both = g_strdup_printf(
        "(%s) 2>'%s/a.log' & (%s) 2>'%s/b.log' & wait %%1; ra=$?; wait %%2; "
        "rb=$?; echo $ra $rb",
        a, dir, b, dir);
    g_autofree char *statuses = dk_test_sh_ok("%s", both);
    ck_assert_str_eq(statuses, "0 0");
    g_autofree char *who = assert_all_done_once(library);
    assert_same_as_reference(library);
    /* both took items: the notes name two lease owners */
    g_auto(GStrv) notes = g_strsplit(who, "\n", -1);
    g_autoptr(GHashTable) owners =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (int i = 0; notes[i]; i++) {
        const char *by = strstr(notes[i], ", by ");
        if (by)
            g_hash_table_add(owners, g_strdup(by + 5));
    }
    ck_assert_msg(g_hash_table_size(owners) == 2,
                  "%u worker(s) did the items:\n%s", g_hash_table_size(owners),
                  who);
}
END_TEST

/* Every photo asks for the same output name (no {seq} in it): a local run
 * numbers them NAME, NAME_2, ... in one process; two workers must do the
 * same between them, never both writing one name. */
START_TEST(two_workers_never_pick_one_name)
{
    g_autofree char *dir = test_dir("dist-names");
    g_autofree char *library = g_build_filename(dir, "lib", NULL);
    const char *const sets[] = {
        "--set", "stamp.output=full/sama.jpg", "--set", "web.web-size=160",
        "--set", "web.thumbnail-size=0",       NULL};
    submit_ok(library, photo_pipeline, sets, photos);
    g_autofree char *a = work_command(library, "dist-names-a");
    g_autofree char *b = work_command(library, "dist-names-b");
    g_autofree char *both = g_strdup_printf(
        "(%s) 2>/dev/null & (%s) 2>/dev/null & wait %%1; ra=$?; wait %%2; "
        "rb=$?; echo $ra $rb",
        a, b);
    g_autofree char *statuses = dk_test_sh_ok("%s", both);
    ck_assert_str_eq(statuses, "0 0");
    /* each item's manifest names its own stamped file, and it holds that
     * item's photo (its sha256 as recorded) */
    g_autofree char *items = g_build_filename(library, "items", NULL);
    GDir *d = g_dir_open(items, 0, NULL);
    ck_assert_ptr_nonnull(d);
    g_autoptr(GHashTable) names =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    const char *entry;
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(items, entry, NULL);
        g_autoptr(GKeyFile) m = g_key_file_new();
        ck_assert(g_key_file_load_from_file(m, path, 0, NULL));
        g_autofree char *out =
            g_key_file_get_value(m, "stage:stamp", "path.0", NULL);
        g_autofree char *sha =
            g_key_file_get_value(m, "stage:stamp", "sha256.0", NULL);
        ck_assert_msg(out && sha, "%s: no stamp output", entry);
        ck_assert_msg(!g_hash_table_contains(names, out),
                      "%s is named by two items", out);
        g_autofree char *file = g_build_filename(library, out, NULL);
        g_autofree char *now = dk_test_sha256(file);
        ck_assert_msg(now && !strcmp(now, sha),
                      "%s is not the file its item recorded", out);
        g_hash_table_add(names, g_steal_pointer(&out));
    }
    g_dir_close(d);
    ck_assert_int_eq(g_hash_table_size(names), PHOTOS);
    for (int n = 1; n <= PHOTOS; n++) {
        g_autofree char *name =
            n == 1 ? g_strdup("derived/stamp/full/sama.jpg")
                   : g_strdup_printf("derived/stamp/full/sama_%d.jpg", n);
        ck_assert_msg(g_hash_table_contains(names, name), "no %s", name);
    }
}
END_TEST

/* The job's note, state and attempts, from `queue list --json`. */
static char *note_of(const char *library, const char *basename, char **state,
                     int *attempts)
{
    JsonArray *list = jobs(library);
    JsonObject *o = job_of(list, basename);
    char *note = o && member(o, "note") ? g_strdup(member(o, "note")) : NULL;
    if (state)
        *state = o ? g_strdup(member(o, "state")) : NULL;
    if (attempts)
        *attempts = o ? (int)json_object_get_int_member(o, "attempts") : 0;
    json_array_unref(list);
    return note;
}

/* `dokpim work -o LIBRARY` in a folder of its own, not waited for. */
static GPid spawn_worker(const char *library, const char *tag, bool until_empty)
{
    g_autofree char *cwd = test_dir(tag);
    const char *argv[] = {"sh",
                          "-c",
                          "cd \"$0\" && exec \"$1\" work -o \"$2\" $3",
                          cwd,
                          dk_test_bin(),
                          library,
                          until_empty ? "--until-empty" : "",
                          NULL};
    return dk_test_spawn(argv);
}

START_TEST(worker_killed_mid_transcode_is_replaced)
{
    g_autofree char *dir = test_dir("dist-kill");
    g_autofree char *library = g_build_filename(dir, "lib", NULL);
    const char *const sets[] = {"--set", "transcode.height=720", "--set",
                                "thumbnail.candidates=2", NULL};
    submit_ok(library, video_pipeline, sets, long_clip);
    /* a lease shorter than the transcode: only the heartbeat keeps it */
    g_setenv("DOKPIM_LEASE_SECONDS", "2", TRUE);
    GPid first = spawn_worker(library, "dist-kill-first", false);
    bool in_transcode = false;
    for (int i = 0; i < 600 && !in_transcode; i++) {
        g_autofree char *note = note_of(library, "MVI_0100.MP4", NULL, NULL);
        in_transcode = note && g_str_has_prefix(note, "transcode");
        if (!in_transcode)
            g_usleep(50000);
    }
    ck_assert_msg(in_transcode, "the worker never reached transcode");
    g_usleep(2500000);
    /* a second worker meanwhile: the job stays the first's */
    GPid second = spawn_worker(library, "dist-kill-second", true);
    g_usleep(800000);
    g_autofree char *state = NULL;
    int attempts = 0;
    g_autofree char *note = note_of(library, "MVI_0100.MP4", &state, &attempts);
    ck_assert_msg(!strcmp(state, "running") &&
                      g_str_has_prefix(note, "transcode"),
                  "transcode ended before the kill (%s: %s): make the clip "
                  "longer",
                  state, note);
    ck_assert_msg(attempts == 1,
                  "the second worker took a job whose lease was renewed");
    /* queue list names the machine running it */
    JsonArray *running = jobs(library);
    ck_assert_str_eq(member(job_of(running, "MVI_0100.MP4"), "machine"),
                     g_get_host_name());
    json_array_unref(running);
    ck_assert_int_eq(dk_test_reap(first, SIGKILL), -SIGKILL);

    /* what the kill left: no transcode output under its final name, only
     * a temp file, and every finished file whole */
    int temps = 0;
    g_autofree char *left = listing(library, &temps);
    ck_assert_msg(!strstr(left, "derived/transcode/"),
                  "a transcode output appeared before it was done:\n%s", left);
    ck_assert_msg(temps >= 1, "no temp file: the kill missed transcode");
    g_auto(GStrv) kept = g_strsplit(left, "\n", -1);
    for (int i = 0; kept[i]; i++) {
        if (!g_str_has_suffix(kept[i], ".mp4"))
            continue;
        g_autofree char *path = g_build_filename(library, kept[i], NULL);
        g_autofree char *probe =
            dk_test_ffprobe(path, "-show_entries format=duration -of csv=p=0");
        ck_assert_msg(probe != NULL, "%s is not whole after the kill", kept[i]);
    }

    /* the second worker (SQLite: the dead pid is seen at once; on another
     * machine: once the lease ran out) takes the job again, ends it and
     * then the batch's finish job */
    ck_assert_int_eq(dk_test_reap(second, 0), 0);
    JsonArray *list = jobs(library);
    JsonObject *job = job_of(list, "MVI_0100.MP4");
    ck_assert_str_eq(member(job, "state"), "done");
    ck_assert_int_eq(json_object_get_int_member(job, "attempts"), 2);
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *o = json_array_get_object_element(list, i);
        ck_assert_str_eq(member(o, "state"), "done");
    }
    json_array_unref(list);
    g_autofree char *done = listing(library, NULL);
    g_auto(GStrv) names = g_strsplit(done, "\n", -1);
    int transcoded = 0;
    for (int i = 0; names[i]; i++) {
        if (!g_str_has_prefix(names[i], "derived/transcode/"))
            continue;
        ck_assert_msg(!strstr(names[i], "_2."), "%s: a second name", names[i]);
        g_autofree char *path = g_build_filename(library, names[i], NULL);
        g_autofree char *duration =
            dk_test_ffprobe(path, "-show_entries format=duration -of csv=p=0");
        ck_assert_msg(duration && g_ascii_strtod(duration, NULL) > 11.5,
                      "%s is not the whole clip (%s)", names[i],
                      duration ? duration : "ffprobe failed");
        transcoded++;
    }
    ck_assert_int_eq(transcoded, 1);
}
END_TEST

START_TEST(bad_inputs_fail_alone)
{
    g_autofree char *dir = test_dir("dist-bad");
    g_autofree char *in = g_build_filename(dir, "in", NULL);
    g_autofree char *library = g_build_filename(dir, "lib", NULL);
    g_free(dk_test_sh_ok("mkdir -p '%s' && cp '%s/IMG_0001.JPG' "
                         "'%s/IMG_0002.JPG' '%s/' && head -c 3000 "
                         "'%s/IMG_0003.JPG' > '%s/IMG_0003.JPG' && printf "
                         "'agenda\\nrapat\\n' > '%s/agenda.txt'",
                         in, photos, photos, in, photos, in, in));
    /* a pipeline that does not load is refused at submit, no job made */
    g_autofree char *broken = g_build_filename(dir, "broken.conf", NULL);
    dk_test_write(broken, "[pipeline]\nstages=x\n[x]\nplugin=no.such\n", -1);
    g_autofree char *err = NULL;
    ck_assert_int_eq(
        batch_command("submit", library, broken, NULL, in, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "no.such"));

    submit_ok(library, photo_pipeline, photo_sets, in);
    g_autofree char *cmd = work_command(library, "dist-bad-cwd");
    g_autofree char *work_err = NULL;
    ck_assert_int_eq(dk_test_sh(cmd, NULL, &work_err), 1);
    JsonArray *list = jobs(library);
    JsonObject *corrupt = job_of(list, "IMG_0003.JPG");
    ck_assert_str_eq(member(corrupt, "state"), "failed");
    const char *why = member(corrupt, "last_error");
    ck_assert_msg(strstr(why, "IMG_0003.JPG: ingest: ") && !strchr(why, '\n'),
                  "%s", why);
    JsonObject *text = job_of(list, "agenda.txt");
    ck_assert_str_eq(member(text, "state"), "done");
    ck_assert_msg(g_str_has_prefix(member(text, "note"), "skipped: "), "%s",
                  member(text, "note"));
    for (int i = 1; i <= 2; i++) {
        g_autofree char *name = g_strdup_printf("IMG_%04d.JPG", i);
        JsonObject *good = job_of(list, name);
        ck_assert_str_eq(member(good, "state"), "done");
        ck_assert_msg(g_str_has_prefix(member(good, "note"), "done: "), "%s",
                      member(good, "note"));
    }
    json_array_unref(list);
    /* the worker's own line names the file and the problem, once */
    ck_assert_ptr_nonnull(strstr(work_err, "IMG_0003.JPG: ingest: "));
}
END_TEST

/* A worker does the work that was submitted or none: an input changed
 * since, or a pipeline edited since, fails its job with a line saying so. */
START_TEST(changed_files_are_refused)
{
    g_autofree char *dir = test_dir("dist-changed");
    g_autofree char *in = g_build_filename(dir, "in", NULL);
    g_autofree char *library = g_build_filename(dir, "lib", NULL);
    g_autofree char *pipeline = g_build_filename(dir, "archive.conf", NULL);
    g_autofree char *shipped =
        dk_test_source_path("pipelines/archive-batch.conf");
    g_free(dk_test_sh_ok("mkdir -p '%s' && cp '%s' '%s' && echo satu > "
                         "'%s/a.txt' && echo dua > '%s/b.txt'",
                         in, shipped, pipeline, in, in));
    submit_ok(library, pipeline, NULL, in);
    /* b.txt rewritten after the submit (its size changes) */
    g_free(dk_test_sh_ok("echo 'dua, diubah' > '%s/b.txt'", in));
    g_autofree char *cmd = work_command(library, "dist-changed-cwd");
    ck_assert_int_eq(dk_test_sh(cmd, NULL, NULL), 1);
    JsonArray *list = jobs(library);
    ck_assert_str_eq(member(job_of(list, "a.txt"), "state"), "done");
    JsonObject *b = job_of(list, "b.txt");
    ck_assert_str_eq(member(b, "state"), "failed");
    ck_assert_msg(strstr(member(b, "last_error"), "b.txt changed since"), "%s",
                  member(b, "last_error"));
    json_array_unref(list);

    /* the pipeline edited after a submit: its job is refused, naming it */
    g_free(dk_test_sh_ok("echo tiga > '%s/c.txt'", in));
    submit_ok(library, pipeline, NULL, in);
    g_free(dk_test_sh_ok("echo '# diubah' >> '%s'", pipeline));
    ck_assert_int_eq(dk_test_sh(cmd, NULL, NULL), 1);
    list = jobs(library);
    JsonObject *c = job_of(list, "c.txt");
    ck_assert_str_eq(member(c, "state"), "failed");
    g_autofree char *expected = g_strdup_printf(
        "pipeline %s changed since the batch was submitted", pipeline);
    ck_assert_msg(strstr(member(c, "last_error"), expected), "%s",
                  member(c, "last_error"));
    json_array_unref(list);
}
END_TEST

int main(void)
{
    g_setenv("DOKPIM_NO_BAR", "1", TRUE);
    root = dk_test_tmpdir("dist-media");
    make_media();
    event = dk_test_source_path("assets/sample-event/event.ini");
    photo_pipeline = dk_test_source_path("pipelines/event-photos.conf");
    video_pipeline = dk_test_source_path("pipelines/event-video.conf");
    reference = g_build_filename(root, "reference", NULL);
    const struct {
        const char *pipeline;
        const char *const *sets;
        const char *input;
    } local[] = {{photo_pipeline, photo_sets, photos},
                 {video_pipeline, video_sets, clips}};
    for (size_t i = 0; i < G_N_ELEMENTS(local); i++) {
        g_autofree char *err = NULL;
        if (batch_command("run", reference, local[i].pipeline, local[i].sets,
                          local[i].input, NULL, &err) != 0)
            dk_test_fail("the local reference run failed: %s", err);
    }

    Suite *s = suite_create("distributed");
    TCase *tc = tcase_create("submit and work");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, one_worker_makes_what_a_local_run_makes);
    tcase_add_test(tc, two_workers_share_one_library);
    tcase_add_test(tc, two_workers_never_pick_one_name);
    tcase_add_test(tc, worker_killed_mid_transcode_is_replaced);
    tcase_add_test(tc, bad_inputs_fail_alone);
    tcase_add_test(tc, changed_files_are_refused);
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
