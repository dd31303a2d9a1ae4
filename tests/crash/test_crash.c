/* Crash trials: `dokpim run` over a batch of photos and clips, and
 * `dokpim queue work` uploading to the local servers, are killed with
 * SIGKILL at seeded random moments and run again, and what must survive
 * any kill is checked after each one (crash_trials.h).
 *
 *   DK_CRASH_TRIALS         kills of `dokpim run` (default 6)
 *   DK_CRASH_UPLOAD_TRIALS  kills of `dokpim queue work` (default 3)
 *   DK_CRASH_SEED           replays a printed seed
 *
 * CTest runs a few; bench/crash/run.sh N runs many. */
#include <check.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "crash_trials.h"
#include "dk_servers.h"
#include "dk_test.h"
#include "dk_upload_rig.h"

/* After a kill, how often the next run is killed too rather than left to
 * finish: 1 in RERUN_KILL_ODDS. */
#define RERUN_KILL_ODDS 3

static void remove_tree(const char *dir)
{
    /* originals are read-only */
    g_autofree char *cmd =
        g_strdup_printf("chmod -R u+w '%s' && rm -rf '%s'", dir, dir);
    g_free(dk_test_sh_ok("%s", cmd));
}

/* ---- the batch: camera JPEGs with EXIF, an MP4 and a MOV ---- */

#define FF       "ffmpeg -nostdin -v error -y "
#define BITEXACT "-fflags +bitexact -flags:v +bitexact -flags:a +bitexact "

static const char *const photo_sources[] = {
    "testsrc2=s=2000x1500:r=1",
    "smptehdbars=s=2000x1500:r=1",
    "mandelbrot=s=500x375:maxiter=200,scale=2000:1500",
    "testsrc=s=1000x750:r=1,scale=2000:1500,hue=h=120",
    "gradients=s=500x375:r=1:n=3:seed=7,scale=2000:1500",
    "testsrc2=s=1500x2000:r=1,hue=h=60",
};

static const char *const clip_recipes[] = {
    FF "-f lavfi -i testsrc2=s=640x360:r=25:d=3 "
       "-f lavfi -i sine=sample_rate=48000:d=3 -c:v libx264 -preset ultrafast "
       "-pix_fmt yuv420p -c:a aac " BITEXACT "-map_metadata -1 "
       "-metadata creation_time=2025-03-14T01:30:00Z MVI_0425.MP4",
    FF "-f lavfi -i smptebars=s=480x360:r=30:d=2 "
       "-f lavfi -i sine=frequency=880:sample_rate=44100:d=2 -c:v libx264 "
       "-preset ultrafast -pix_fmt yuv420p -c:a aac " BITEXACT
       "-map_metadata -1 IMG_0433.MOV",
};

static char *make_batch(const char *root)
{
    char *in = g_build_filename(root, "in", NULL);
    g_mkdir_with_parents(in, 0755);
    for (size_t i = 0; i < G_N_ELEMENTS(photo_sources); i++) {
        const char *size =
            strstr(photo_sources[i], "1500x2000") ? "1500x2000" : "2000x1500";
        g_autofree char *cmd = g_strdup_printf(
            "cd '%s' && " FF "-f lavfi -i '%s,noise=alls=6:allf=u:all_seed=%zu'"
            " -frames:v 1 -f rawvideo -pix_fmt rgb24 - | /usr/bin/convert "
            "-size %s -depth 8 rgb:- -quality 90 jpeg:IMG_%04zu.JPG && "
            "exiftool -q -overwrite_original -Make=Canon '-Model=Canon EOS R6' "
            "'-DateTimeOriginal=2025:03:14 09:%02zu:15' -OffsetTimeOriginal="
            "+08:00 -Orientation#=1 IMG_%04zu.JPG",
            in, photo_sources[i], i + 1, size, i + 1, i + 10, i + 1);
        g_free(dk_test_sh_ok("%s", cmd));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(clip_recipes); i++) {
        g_autofree char *cmd =
            g_strdup_printf("cd '%s' && %s", in, clip_recipes[i]);
        g_free(dk_test_sh_ok("%s", cmd));
    }
    return in;
}

/* pipelines/event-photos.conf and event-video.conf as one pipeline, at
 * sizes that keep a run short. */
static char *write_batch_pipeline(const char *root)
{
    g_autofree char *logo = dk_test_source_path("assets/logo/dokpim-logo.png");
    char *path = g_build_filename(root, "batch.conf", NULL);
    g_autofree char *text = g_strdup_printf(
        "[pipeline]\nstages=photo;video;stamp;watermark;web;vstamp;thumbnail;"
        "transcode\n"
        "[photo]\nplugin=ingest.photo\n[video]\nplugin=ingest.video\n"
        "[stamp]\nplugin=stamp.exif\ncaption={event.title} — {event.place}, "
        "{event.city}, {date:%%d %%B %%Y}\n"
        "output=full/{date:%%Y%%m%%d}_{event.slug}_{seq:04}.jpg\n"
        "[watermark]\nplugin=watermark.photo\nlogo=%s\n"
        "text={event.agency} · {event.title}\n"
        "[web]\nplugin=transcode.photo\nweb-size=1024\nthumbnail-size=240\n"
        "[vstamp]\nplugin=stamp.video\n"
        "output=stamped/{date:%%Y%%m%%d}_{event.slug}_{seq:04}.mp4\n"
        "[thumbnail]\nplugin=thumbnail.video\nlogo=%s\ntext={event.title}\n"
        "candidates=3\n"
        "[transcode]\nplugin=transcode.video\nlogo=%s\n"
        "text={event.agency} · {event.title}\nheight=360\npreset=ultrafast\n"
        "lower-third=true\n",
        logo, logo, logo);
    dk_test_write(path, text, -1);
    return path;
}

typedef struct batch {
    char *root, *in, *pipeline, *event;
    GHashTable *inputs; /* sha256 of each input before any run */
} batch;

static void run_argv(const batch *b, const char *library, const char **argv)
{
    const char *fixed[] = {dk_test_bin(), "run", b->pipeline, "--event",
                           b->event,      "-o",  library,     "-j",
                           "2",           b->in, NULL};
    memcpy(argv, fixed, sizeof fixed);
}

static double run_to_end(const batch *b, const char *library)
{
    const char *argv[11];
    run_argv(b, library, argv);
    return crash_run_timed(argv, 300);
}

static void check_inputs(const batch *b, crash_tally *tally, const char *trial)
{
    g_autoptr(GHashTable) now = crash_hash_tree(b->in);
    GHashTableIter iter;
    gpointer name, sha;
    g_hash_table_iter_init(&iter, b->inputs);
    while (g_hash_table_iter_next(&iter, &name, &sha))
        if (g_strcmp0(g_hash_table_lookup(now, name), sha) != 0)
            crash_fail(tally, trial, "input %s changed", (char *)name);
    if (g_hash_table_size(now) != g_hash_table_size(b->inputs))
        crash_fail(tally, trial, "files appeared among the inputs");
}

START_TEST(test_run_killed_at_random_moments)
{
    int trials = crash_param("DK_CRASH_TRIALS", 6);
    GRand *rand = crash_rand("run");
    g_setenv("DOKPIM_NO_BAR", "1", TRUE);
    batch b = {.root = dk_test_tmpdir("crash-run")};
    b.in = make_batch(b.root);
    b.pipeline = write_batch_pipeline(b.root);
    b.event = dk_test_source_path("assets/sample-event/event.ini");
    b.inputs = crash_hash_tree(b.in);
    crash_tally tally = {0};

    g_autofree char *reference = g_build_filename(b.root, "reference", NULL);
    double seconds = run_to_end(&b, reference);
    ck_assert_msg(seconds > 0, "the uninterrupted run failed");
    /* a second uninterrupted run shows that nothing differs but what
     * crash_same_output ignores (MP4 times, XMP line order) */
    g_autofree char *second = g_build_filename(b.root, "second", NULL);
    ck_assert_msg(run_to_end(&b, second) > 0, "the second run failed");
    crash_check_finished(second, reference, &tally, "second uninterrupted run");
    ck_assert_msg(tally.failures == 0, "two uninterrupted runs differ");
    remove_tree(second);
    printf("crash run: uninterrupted run %.2f s\n", seconds);

    g_autofree char *library = NULL;
    int failures_before = 0;
    for (int k = 0, round = 0; k < trials; k++) {
        if (!library) {
            library = g_strdup_printf("%s/library-%d", b.root, round++);
            failures_before = tally.failures;
        }
        double at = g_rand_double_range(rand, 0, seconds);
        g_autofree char *trial = g_strdup_printf(
            "run kill %d at %.3f s into %s", k + 1, at, library);
        const char *argv[11];
        run_argv(&b, library, argv);
        int status = 0;
        tally.trials++;
        if (!crash_kill_after(argv, (gint64)(at * G_USEC_PER_SEC), &status)) {
            tally.missed++;
            if (status != 0)
                crash_fail(&tally, trial, "the run exited %d", status);
        }
        if (crash_check_after_kill(library, reference, &tally, trial) > 0)
            tally.mid_write++;
        check_inputs(&b, &tally, trial);
        if (k + 1 < trials && g_rand_int_range(rand, 0, RERUN_KILL_ODDS) == 0)
            continue; /* the re-run is the next kill's run */
        if (run_to_end(&b, library) < 0)
            crash_fail(&tally, trial, "the re-run failed");
        crash_check_finished(library, reference, &tally, trial);
        check_inputs(&b, &tally, trial);
        /* a failed one stays for reading when DOKPIM_KEEP_TEST_DIRS is set */
        if (tally.failures == failures_before)
            remove_tree(library);
        g_clear_pointer(&library, g_free);
    }
    crash_tally_print("run", &tally);
    ck_assert_msg(tally.failures == 0, "%d checks failed (see above)",
                  tally.failures);
    g_rand_free(rand);
    g_hash_table_unref(b.inputs);
    g_free(b.in);
    g_free(b.pipeline);
    g_free(b.event);
    g_free(b.root);
    dk_test_cleanup_dirs();
}
END_TEST

/* ---- uploads ---- */

typedef struct target {
    const char *name;   /* "webdav" */
    const char *script; /* server launcher in tests/servers */
    const char *server_args[3];
    gint64 size; /* bytes of each trial's file */
    dk_server server;
    char *pipeline;
    char *remote;   /* where the server stores crash/NAME; NULL: YouTube */
    double seconds; /* one uninterrupted upload */
} target;

static char *stage_lines(target *t, const char *dir)
{
    const dk_server *s = &t->server;
    if (!strcmp(t->name, "webdav")) {
        t->remote = g_build_filename(s->dir, "www", "arsip", "crash", NULL);
        return g_strdup_printf("plugin=upload.webdav\nurl=%s/arsip/\n"
                               "verify=sha256\n",
                               s->base);
    }
    if (!strcmp(t->name, "sftp")) {
        t->remote = g_build_filename(s->dir, "remote", "crash", NULL);
        return g_strdup_printf("plugin=upload.sftp\nurl=%s%s/remote/\n"
                               "key=%s/client_key\nknown-hosts=%s/known_hosts\n"
                               "verify=sha256\n",
                               s->base, s->dir, s->dir, s->dir);
    }
    g_autofree char *credentials = g_build_filename(dir, "youtube.json", NULL);
    g_autofree char *text = g_strdup_printf(
        "{\"client_id\": \"test-client.apps\", \"client_secret\": "
        "\"test-secret\", \"refresh_token\": \"test-refresh-token\", "
        "\"token_uri\": \"%s/token\"}",
        s->base);
    dk_test_write(credentials, text, -1);
    g_chmod(credentials, 0600);
    return g_strdup_printf("plugin=upload.youtube\ncredentials=%s\n"
                           "api-base=%s\ntitle={event.title}\n"
                           "privacy=unlisted\nchunk-size=1048576\n"
                           "processing-wait=0\n",
                           credentials, s->base);
}

static void target_up(target *t, const char *dir)
{
    dk_server_start(&t->server, t->script, t->server_args);
    g_autofree char *lines = stage_lines(t, dir);
    t->pipeline = g_strdup_printf("%s/%s.conf", dir, t->name);
    g_autofree char *conf = g_strdup_printf(
        "[pipeline]\nstages=ingest;up\n[ingest]\nplugin=ingest.file\n"
        "[up]\n%s%sretry-wait=0.05\nretries=3\nstall-timeout=5\n",
        lines, t->remote ? "remote-path=crash/{original.name}\n" : "");
    dk_test_write(t->pipeline, conf, -1);
}

static void target_down(target *t)
{
    dk_server_stop(&t->server);
    g_free(t->pipeline);
    g_free(t->remote);
}

/* One file to send: seeded bytes, a name of its own, a library of its
 * own, queued. */
typedef struct upload {
    char *input, *name, *library, *sha256;
} upload;

static void upload_queue(upload *u, const target *t, const char *dir,
                         const char *event, GRand *rand, const char *tag)
{
    g_autofree char *folder = g_strdup_printf("%s/%s-%s", dir, t->name, tag);
    u->name = g_strdup_printf("%s-%s.bin", t->name, tag);
    u->input = g_build_filename(folder, u->name, NULL);
    u->library = g_build_filename(folder, "library", NULL);
    gsize words = (gsize)t->size / 4 + 1;
    guint32 *data = g_new(guint32, words);
    for (gsize i = 0; i < words; i++)
        data[i] = g_rand_int(rand);
    dk_test_write(u->input, data, t->size);
    g_free(data);
    u->sha256 = dk_test_sha256(u->input);
    dk_rig_queue(t->pipeline, event, u->library, u->input);
}

static void upload_clear(upload *u)
{
    g_free(u->input);
    g_free(u->name);
    g_free(u->library);
    g_free(u->sha256);
}

static void work_argv(const upload *u, const char **argv)
{
    const char *fixed[] = {dk_test_bin(), "queue",         "work", "-o",
                           u->library,    "--until-empty", NULL};
    memcpy(argv, fixed, sizeof fixed);
}

/* The YouTube stand-in's videos whose bytes are sha256. *all gets how
 * many videos it holds. */
static int videos_with(const target *t, const char *sha256, int *all)
{
    g_autofree char *text = dk_server_get(&t->server, "/_test/state");
    JsonNode *root = dk_rig_parse(text);
    JsonArray *videos =
        json_object_get_array_member(json_node_get_object(root), "videos");
    int n = 0;
    *all = (int)json_array_get_length(videos);
    for (int i = 0; i < *all; i++)
        n += !g_strcmp0(json_object_get_string_member(
                            json_array_get_object_element(videos, i), "sha256"),
                        sha256);
    json_node_unref(root);
    return n;
}

static char *job_state(const upload *u)
{
    JsonNode *keep = NULL;
    JsonObject *job = dk_rig_job(u->library, 0, &keep);
    char *state = g_strdup(dk_rig_text(job, "state"));
    json_node_unref(keep);
    return state;
}

/* After a kill: nothing incomplete under the final name (storage), no
 * video of wrong bytes (YouTube: every video holds one trial's file).
 * Returns whether the kill found the job running (mid-transfer). */
static bool check_upload_after_kill(const target *t, const upload *u,
                                    int videos_before, crash_tally *tally,
                                    const char *trial)
{
    if (t->remote) {
        g_autofree char *final = g_build_filename(t->remote, u->name, NULL);
        g_autofree char *sha = dk_test_sha256(final);
        if (sha && strcmp(sha, u->sha256) != 0)
            crash_fail(tally, trial, "%s holds other bytes", final);
    } else {
        int all = 0;
        int ours = videos_with(t, u->sha256, &all);
        if (all - videos_before != ours || ours > 1)
            crash_fail(tally, trial, "%d new videos, %d of them this file",
                       all - videos_before, ours);
    }
    g_autofree char *state = job_state(u);
    return !g_strcmp0(state, "running");
}

/* After the last run: the file is on the server whole, once, and the
 * queue has one job for it, done. */
static void check_delivered(const target *t, const upload *u, int videos_before,
                            crash_tally *tally, const char *trial)
{
    guint jobs = dk_rig_job_count(u->library);
    g_autofree char *state = job_state(u);
    if (jobs != 1 || g_strcmp0(state, "done") != 0)
        crash_fail(tally, trial, "%u jobs, the first %s", jobs, state);
    if (t->remote) {
        g_autofree char *final = g_build_filename(t->remote, u->name, NULL);
        g_autofree char *part = g_strconcat(final, ".dk-part", NULL);
        g_autofree char *sha = dk_test_sha256(final);
        if (g_strcmp0(sha, u->sha256) != 0)
            crash_fail(tally, trial, "%s is not the file sent", final);
        if (g_file_test(part, G_FILE_TEST_EXISTS))
            crash_fail(tally, trial, "%s left behind", part);
    } else {
        int all = 0;
        int ours = videos_with(t, u->sha256, &all);
        if (ours != 1 || all != videos_before + 1)
            crash_fail(tally, trial, "%d videos of this file, %d new", ours,
                       all - videos_before);
    }
}

static int video_count(const target *t)
{
    int all = 0;
    if (!t->remote)
        videos_with(t, "", &all);
    return all;
}

/* One trial: a fresh file queued, the worker killed once or more, then
 * run to the end. */
static void upload_trial(target *t, const char *dir, const char *event,
                         GRand *rand, int *k, int trials, crash_tally *tally)
{
    upload u = {0};
    g_autofree char *tag = g_strdup_printf("%d", *k + 1);
    upload_queue(&u, t, dir, event, rand, tag);
    int videos_before = video_count(t);
    const char *argv[7];
    work_argv(&u, argv);
    g_autofree char *trial = NULL;
    for (bool again = true; again && *k < trials; (*k)++) {
        double at = g_rand_double_range(rand, 0, t->seconds);
        g_free(trial);
        trial = g_strdup_printf("%s upload kill %d at %.3f s into %s", t->name,
                                *k + 1, at, u.library);
        int status = 0;
        tally->trials++;
        if (!crash_kill_after(argv, (gint64)(at * G_USEC_PER_SEC), &status)) {
            tally->missed++;
            if (status != 0)
                crash_fail(tally, trial, "queue work exited %d", status);
        }
        if (check_upload_after_kill(t, &u, videos_before, tally, trial))
            tally->mid_write++;
        again = g_rand_int_range(rand, 0, RERUN_KILL_ODDS) == 0;
    }
    if (crash_run_timed(argv, 120) < 0)
        crash_fail(tally, trial, "queue work after the kills failed");
    check_delivered(t, &u, videos_before, tally, trial);
    upload_clear(&u);
}

/* One uninterrupted upload: it must deliver, and its time bounds the
 * kill moments. */
static void calibrate(target *t, const char *dir, const char *event,
                      GRand *rand, crash_tally *tally)
{
    upload u = {0};
    upload_queue(&u, t, dir, event, rand, "calibration");
    int videos_before = video_count(t);
    const char *argv[7];
    work_argv(&u, argv);
    t->seconds = crash_run_timed(argv, 120);
    ck_assert_msg(t->seconds > 0, "%s: the uninterrupted upload failed",
                  t->name);
    check_delivered(t, &u, videos_before, tally, "calibration");
    ck_assert_msg(tally->failures == 0, "%s: the uninterrupted upload is wrong",
                  t->name);
    printf("crash upload: %s, %" G_GINT64_FORMAT " bytes in %.2f s\n", t->name,
           t->size, t->seconds);
    upload_clear(&u);
}

START_TEST(test_upload_killed_at_random_moments)
{
    int trials = crash_param("DK_CRASH_UPLOAD_TRIALS", 3);
    GRand *rand = crash_rand("upload");
    char *dir = dk_test_tmpdir("crash-upload");
    g_autofree char *event = g_build_filename(dir, "event.ini", NULL);
    dk_test_write(event,
                  "[event]\ntitle=Rapat Paripurna DPRD\n"
                  "date=2024-09-02\n",
                  -1);
    /* sizes and the stand-in's pace keep one upload near a second */
    target targets[] = {
        {.name = "webdav", .script = "nginx-dav.sh", .size = 32 << 20},
        {.name = "sftp", .script = "sshd-user.sh", .size = 24 << 20},
        {.name = "youtube",
         .script = "youtube-standin.sh",
         .server_args = {"--throttle", "8000000", NULL},
         .size = 6 << 20},
    };
    crash_tally tally = {0};
    for (size_t i = 0; trials > 0 && i < G_N_ELEMENTS(targets); i++) {
        target_up(&targets[i], dir);
        calibrate(&targets[i], dir, event, rand, &tally);
    }
    for (int k = 0; k < trials;) {
        target *t = &targets[g_rand_int_range(rand, 0, G_N_ELEMENTS(targets))];
        upload_trial(t, dir, event, rand, &k, trials, &tally);
    }
    crash_tally_print("upload", &tally);
    ck_assert_msg(tally.failures == 0, "%d checks failed (see above)",
                  tally.failures);
    for (size_t i = 0; i < G_N_ELEMENTS(targets); i++)
        target_down(&targets[i]);
    g_rand_free(rand);
    g_free(dir);
    dk_test_cleanup_dirs();
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("crash");
    TCase *tc = tcase_create("kill");
    tcase_add_test(tc, test_run_killed_at_random_moments);
    tcase_add_test(tc, test_upload_killed_at_random_moments);
    suite_add_tcase(suite, tc);
    return dk_test_run_suite(suite);
}
