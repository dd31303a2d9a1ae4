/* upload.youtube against the local YouTube protocol stand-in
 * (tests/servers/youtube_server.py): the real dokpim queues a generated
 * video with `dokpim run`, `dokpim queue work` uploads it, and every
 * injected fault must end with the file's exact bytes on the server, in
 * one video. */
#include "dk_servers.h"
#include "dk_test.h"
#include "dk_upload_rig.h"

#include <check.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *video; /* generated once for the suite */
static char *video_sha256;
static gint64 video_size;

static void make_video(void)
{
    if (video)
        return;
    char *dir = dk_test_tmpdir("ytvideo");
    video = g_build_filename(dir, "rapat.mp4", NULL);
    /* nearly lossless, so a few seconds make ~1.4 MB: several chunks */
    g_autofree char *cmd = g_strdup_printf(
        "ffmpeg -loglevel error -f lavfi -i testsrc2=size=640x360:rate=25 "
        "-t 3 -c:v libx264 -preset ultrafast -qp 5 -pix_fmt yuv420p -y '%s'",
        video);
    ck_assert_int_eq(dk_test_sh(cmd, NULL, NULL), 0);
    video_sha256 = dk_test_sha256(video);
    struct stat st;
    stat(video, &st);
    video_size = st.st_size;
    ck_assert_int_gt(video_size, 4 * 262144);
    g_free(dir);
}

typedef struct rig {
    dk_server server;
    char *dir;
    char *library;
    char *credentials;
    char *pipeline;
    char *event;
} rig;

static void write_faults(rig *r, const char *faults, GPtrArray *args)
{
    if (!faults)
        return;
    g_autofree char *path = g_build_filename(r->dir, "faults.json", NULL);
    dk_test_write(path, faults, -1);
    g_ptr_array_add(args, g_strdup("--faults"));
    g_ptr_array_add(args, g_strdup(path));
}

/* Server, credentials (0600), event and pipeline; extra is appended to
 * the [youtube] group. */
/* Set by a test that wants thumbnail.video before the upload. */
static bool thumbnail;

static void rig_up(rig *r, const char *faults, const char *server_args,
                   const char *extra)
{
    make_video();
    memset(r, 0, sizeof *r);
    r->dir = dk_test_tmpdir("yt");
    GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
    write_faults(r, faults, args);
    gchar **more = g_strsplit(server_args ? server_args : "", " ", -1);
    for (int i = 0; more[i]; i++)
        if (*more[i])
            g_ptr_array_add(args, g_strdup(more[i]));
    g_strfreev(more);
    g_ptr_array_add(args, NULL);
    dk_server_start(&r->server, "youtube-standin.sh",
                    (const char *const *)args->pdata);
    g_ptr_array_free(args, TRUE);
    r->library = g_build_filename(r->dir, "library", NULL);
    r->credentials = g_build_filename(r->dir, "youtube.json", NULL);
    g_autofree char *creds = g_strdup_printf(
        "{\"client_id\": \"test-client.apps\", \"client_secret\": "
        "\"test-secret\", \"refresh_token\": \"test-refresh-token\", "
        "\"token_uri\": \"%s/token\", \"device_uri\": \"%s/device/code\"}",
        r->server.base, r->server.base);
    dk_test_write(r->credentials, creds, -1);
    chmod(r->credentials, 0600);
    r->event = g_build_filename(r->dir, "event.ini", NULL);
    dk_test_write(r->event,
                  "[event]\ntitle=Rapat Paripurna DPRD\ndate=2024-09-02\n"
                  "city=Mangupura\nlanguage=id\ntags=DPRD, Badung\n"
                  "agency=Diskominfo Badung\n",
                  -1);
    r->pipeline = g_build_filename(r->dir, "upload.conf", NULL);
    /* the rig's settings, less those the test sets itself: a key twice in
     * a group is a configuration error */
    static const char *const defaults[] = {
        "chunk-size=262144",  "retry-wait=0.05",
        "retries=4",          "stall-timeout=5",
        "processing-wait=20", "poll-interval=1",
        "privacy=unlisted",   NULL};
    GString *settings = g_string_new(NULL);
    for (int i = 0; defaults[i]; i++) {
        g_autofree char *key =
            g_strndup(defaults[i], strcspn(defaults[i], "=") + 1);
        g_autofree char *line = g_strconcat("\n", key, NULL);
        g_autofree char *given = g_strconcat("\n", extra ? extra : "", NULL);
        if (!strstr(given, line))
            g_string_append_printf(settings, "%s\n", defaults[i]);
    }
    g_autofree char *conf = g_strdup_printf(
        "[pipeline]\nstages=ingest;%syoutube\n"
        "[ingest]\nplugin=ingest.video\n%s"
        "[youtube]\nplugin=upload.youtube\ncredentials=%s\napi-base=%s\n"
        "title={event.title} — {event.city}\ntags={event.tags}\n%s%s\n",
        thumbnail ? "thumb;" : "",
        thumbnail ? "[thumb]\nplugin=thumbnail.video\ncandidates=2\n" : "",
        r->credentials, r->server.base, settings->str, extra ? extra : "");
    g_string_free(settings, TRUE);
    dk_test_write(r->pipeline, conf, -1);
}

static void rig_down(rig *r)
{
    dk_server_stop(&r->server);
    g_free(r->dir);
    g_free(r->library);
    g_free(r->credentials);
    g_free(r->pipeline);
    g_free(r->event);
    dk_test_cleanup_dirs();
    g_free(video);
    g_free(video_sha256);
    video = NULL;
    video_sha256 = NULL;
}

static void queue_video(rig *r)
{
    dk_rig_queue(r->pipeline, r->event, r->library, video);
}

static int work(rig *r, char **err)
{
    return dk_rig_work(r->library, err);
}

/* queue work that must end with this status; shows its output if not */
static void work_expect(rig *r, int expected)
{
    char *err = NULL;
    int status = work(r, &err);
    ck_assert_msg(status == expected, "queue work: exit %d, not %d: %s", status,
                  expected, err);
    g_free(err);
}

static JsonObject *server_state(rig *r, JsonNode **keep)
{
    g_autofree char *text = dk_server_get(&r->server, "/_test/state");
    *keep = dk_rig_parse(text);
    return json_node_get_object(*keep);
}

static JsonObject *job(rig *r, int index, JsonNode **keep)
{
    return dk_rig_job(r->library, (guint)index, keep);
}

/* Exactly one video, holding exactly the file. */
static void assert_one_true_video(rig *r, const char *expected_id)
{
    JsonNode *keep = NULL;
    JsonObject *state = server_state(r, &keep);
    JsonArray *videos = json_object_get_array_member(state, "videos");
    ck_assert_int_eq(json_array_get_length(videos), 1);
    JsonObject *v = json_array_get_object_element(videos, 0);
    ck_assert_int_eq(json_object_get_int_member(v, "size"), video_size);
    ck_assert_str_eq(json_object_get_string_member(v, "sha256"), video_sha256);
    if (expected_id)
        ck_assert_str_eq(json_object_get_string_member(v, "id"), expected_id);
    json_node_unref(keep);
}

static int64_t state_int(rig *r, const char *name)
{
    JsonNode *keep = NULL;
    int64_t value = json_object_get_int_member(server_state(r, &keep), name);
    json_node_unref(keep);
    return value;
}

/* ---- one row per fault: the upload must end right ---- */
typedef struct fault_case {
    const char *name;
    const char *faults;
    const char *server_args;
    const char *options;
    int exit_status;           /* of queue work (3: jobs deferred) */
    const char *job_state;     /* queue list --json */
    int videos;                /* on the server */
    int sessions;              /* resumable sessions opened */
    const char *remote_status; /* substring, or NULL */
    const char *error_has;     /* substring of last_error, or NULL */
} fault_case;

static const fault_case fault_cases[] = {
    {.name = "clean",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 1,
     .remote_status = "processed"},
    {.name = "drop mid chunk",
     .faults = "[{\"on\":\"chunk\",\"nth\":2,\"do\":\"drop_mid\",\"keep_"
               "fraction\":0.6}]",
     .options = "chunk-size=524288",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 1,
     .remote_status = "processed"},
    {.name = "drop after chunk",
     .faults = "[{\"on\":\"chunk\",\"nth\":3,\"do\":\"drop\"}]",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 1},
    {.name = "500 then 503",
     .faults = "[{\"on\":\"chunk\",\"nth\":2,\"do\":\"error\",\"code\":500},"
               "{\"on\":\"chunk\",\"nth\":3,\"do\":\"error\",\"code\":503}]",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 1},
    {.name = "partial range",
     .faults =
         "[{\"on\":\"chunk\",\"nth\":1,\"do\":\"partial\",\"keep\":262144},"
         "{\"on\":\"chunk\",\"nth\":3,\"do\":\"partial\",\"keep\":0}]",
     .options = "chunk-size=786432",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 1},
    {.name = "status query fails too",
     .faults = "[{\"on\":\"chunk\",\"nth\":2,\"do\":\"drop_mid\"},"
               "{\"on\":\"status\",\"nth\":1,\"do\":\"error\",\"code\":503}]",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 1},
    {.name = "expired access token",
     .faults = "[{\"on\":\"chunk\",\"nth\":2,\"do\":"
               "\"unauthorized\"}]",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 1},
    {.name = "503 on insert",
     .faults = "[{\"on\":\"insert\",\"nth\":1,\"do\":\"error\","
               "\"code\":503}]",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 1},
    {.name = "session expired once",
     .faults = "[{\"on\":\"chunk\",\"nth\":3,\"do\":\"expire\"}]",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 2},
    {.name = "session expires always: no loop",
     .faults = "[{\"on\":\"chunk\",\"every\":true,\"do\":\"expire\"}]",
     .exit_status = 1,
     .job_state = "failed",
     .videos = 0,
     .sessions = 2,
     .error_has = "expired"},
    {.name = "slow answer past the stall limit",
     .faults = "[{\"on\":\"chunk\",\"nth\":2,\"do\":\"slow\",\"seconds\":3}]",
     .options = "stall-timeout=1",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 1},
    {.name = "quotaExceeded defers",
     .faults = "[{\"on\":\"insert\",\"nth\":1,\"do\":\"quota\"}]",
     .exit_status = 3,
     .job_state = "deferred",
     .videos = 0,
     .sessions = 0,
     .error_has = "quota"},
    {.name = "uploadLimitExceeded defers",
     .faults = "[{\"on\":\"insert\",\"nth\":1,\"do\":\"upload_limit\"}]",
     .exit_status = 3,
     .job_state = "deferred",
     .videos = 0,
     .sessions = 0,
     .error_has = "number of videos"},
    {.name = "local quota count defers",
     .options = "quota-daily=1000",
     .exit_status = 3,
     .job_state = "deferred",
     .videos = 0,
     .sessions = 0,
     .error_has = "quota"},
    {.name = "revoked refresh token defers",
     .faults = "[{\"on\":\"token\",\"nth\":1,\"do\":\"invalid_grant\"}]",
     .exit_status = 3,
     .job_state = "deferred",
     .videos = 0,
     .sessions = 0,
     .error_has = "dokpim youtube auth"},
    {.name = "400 is final",
     .faults = "[{\"on\":\"insert\",\"nth\":1,\"do\":\"error\","
               "\"code\":400}]",
     .exit_status = 1,
     .job_state = "failed",
     .videos = 0,
     .sessions = 0,
     .error_has = "HTTP 400"},
    {.name = "5xx past the retries waits for later",
     .faults =
         "[{\"on\":\"chunk\",\"every\":true,\"do\":\"error\",\"code\":503}]",
     .exit_status = 3,
     .job_state = "deferred",
     .videos = 0,
     .sessions = 1,
     .error_has = "gave up"},
    {.name = "unaudited project forces private",
     .server_args = "--force-private",
     .options = "privacy=public",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 1,
     .remote_status = "private (forced"},
    {.name = "rejected by YouTube",
     .server_args = "--reject duplicate",
     .exit_status = 0,
     .job_state = "done",
     .videos = 1,
     .sessions = 1,
     .remote_status = "rejected: duplicate"},
};

START_TEST(test_fault)
{
    const fault_case *c = &fault_cases[_i];
    rig r;
    rig_up(&r, c->faults, c->server_args, c->options);
    queue_video(&r);
    char *err = NULL;
    int status = work(&r, &err);
    ck_assert_msg(status == c->exit_status, "%s: exit %d: %s", c->name, status,
                  err);
    /* --until-empty with jobs waiting says so, and until when */
    if (c->exit_status == 3)
        ck_assert_msg(strstr(err, "1 job deferred, the first until "), "%s: %s",
                      c->name, err);
    /* nothing secret reaches the output */
    ck_assert_msg(!strstr(err, "test-refresh-token") && !strstr(err, "ya29.") &&
                      !strstr(err, "upload_id") && !strstr(err, "test-secret"),
                  "%s: secret in output: %s", c->name, err);
    g_free(err);
    JsonNode *keep = NULL;
    JsonObject *j = job(&r, 0, &keep);
    ck_assert_msg(!strcmp(dk_rig_text(j, "state"), c->job_state),
                  "%s: job %s (%s)", c->name, dk_rig_text(j, "state"),
                  dk_rig_text(j, "last_error"));
    if (c->videos)
        assert_one_true_video(&r, dk_rig_text(j, "remote_id"));
    else {
        JsonNode *s = NULL;
        ck_assert_int_eq(json_array_get_length(json_object_get_array_member(
                             server_state(&r, &s), "videos")),
                         0);
        json_node_unref(s);
    }
    ck_assert_msg(state_int(&r, "sessions_created") == c->sessions,
                  "%s: %" G_GINT64_FORMAT " sessions", c->name,
                  state_int(&r, "sessions_created"));
    if (c->remote_status)
        ck_assert_msg(
            dk_rig_text(j, "remote_status") &&
                strstr(dk_rig_text(j, "remote_status"), c->remote_status),
            "%s: remote status %s", c->name, dk_rig_text(j, "remote_status"));
    if (c->error_has)
        ck_assert_msg(dk_rig_text(j, "last_error") &&
                          strstr(dk_rig_text(j, "last_error"), c->error_has),
                      "%s: last error %s", c->name,
                      dk_rig_text(j, "last_error"));
    json_node_unref(keep);
    rig_down(&r);
}
END_TEST

/* Quota days end at midnight Pacific time: the deferred job waits for the
 * next one (plus a minute), computed here with Python's zoneinfo. */
START_TEST(test_quota_waits_for_pacific_midnight)
{
    rig r;
    rig_up(&r, "[{\"on\":\"insert\",\"nth\":1,\"do\":\"quota\"}]", NULL, NULL);
    queue_video(&r);
    work_expect(&r, 3);
    JsonNode *keep = NULL;
    JsonObject *j = job(&r, 0, &keep);
    int64_t not_before = json_object_get_int_member(j, "not_before");
    char *out = NULL;
    ck_assert_int_eq(
        dk_test_sh("/usr/bin/python3 -c 'import datetime, zoneinfo\n"
                   "tz = zoneinfo.ZoneInfo(\"America/Los_Angeles\")\n"
                   "now = datetime.datetime.now(tz)\n"
                   "d = now.date() + datetime.timedelta(days=1)\n"
                   "m = datetime.datetime(d.year, d.month, d.day, tzinfo=tz)\n"
                   "print(int(m.timestamp()))'",
                   &out, NULL),
        0);
    ck_assert_int_eq(not_before, g_ascii_strtoll(out, NULL, 10) + 60);
    g_free(out);
    /* the other jobs of the day do not even ask: the bucket is marked */
    ck_assert_int_eq(state_int(&r, "sessions_created"), 0);
    json_node_unref(keep);
    rig_down(&r);
}
END_TEST

/* kill -9 in the middle of a chunk, start again: the upload resumes from
 * the byte the server confirmed, in the same session, one video. */
START_TEST(test_kill_worker_mid_upload)
{
    rig r;
    rig_up(&r, NULL, "--throttle 300000", "chunk-size=1048576");
    queue_video(&r);
    for (int round = 0; round < 2; round++) {
        const char *argv[] = {dk_test_bin(), "queue",         "work", "-o",
                              r.library,     "--until-empty", NULL};
        GPid pid = dk_test_spawn(argv);
        int64_t goal = (round + 1) * video_size / 3;
        for (int i = 0; i < 400 && state_int(&r, "bytes_received") < goal; i++)
            g_usleep(20000);
        dk_test_reap(pid, SIGKILL);
    }
    JsonNode *keep = NULL;
    JsonObject *j = job(&r, 0, &keep);
    ck_assert_str_eq(dk_rig_text(j, "state"),
                     "running"); /* as the kill left it */
    ck_assert(json_object_get_boolean_member(j, "session_open"));
    json_node_unref(keep);
    work_expect(&r, 0);
    j = job(&r, 0, &keep);
    ck_assert_str_eq(dk_rig_text(j, "state"), "done");
    assert_one_true_video(&r, dk_rig_text(j, "remote_id"));
    ck_assert_int_eq(state_int(&r, "sessions_created"), 1);
    /* what was sent again after the kills is small */
    ck_assert_int_lt(state_int(&r, "bytes_received"), video_size * 3 / 2);
    json_node_unref(keep);
    rig_down(&r);
}
END_TEST

/* The ledger: a changed title queues nothing new; after purge-done the
 * content is still known; only --force sends it again. */
START_TEST(test_ledger_stops_second_video)
{
    rig r;
    rig_up(&r, NULL, NULL, "processing-wait=0");
    queue_video(&r);
    work_expect(&r, 0);
    ck_assert_int_eq(dk_rig_dokpim(NULL, NULL, "run", r.pipeline, "--event",
                                   r.event, "-o", r.library, "--set",
                                   "youtube.title=Judul Lain", video, NULL),
                     0);
    char *out = NULL;
    ck_assert_int_eq(dk_rig_dokpim(&out, NULL, "queue", "list", "--json", "-o",
                                   r.library, NULL),
                     0);
    JsonNode *keep = dk_rig_parse(out);
    g_free(out);
    ck_assert_int_eq(json_array_get_length(json_node_get_array(keep)), 1);
    json_node_unref(keep);
    ck_assert_int_eq(
        dk_rig_dokpim(NULL, NULL, "queue", "purge-done", "-o", r.library, NULL),
        0);
    ck_assert_int_eq(dk_rig_dokpim(NULL, NULL, "run", r.pipeline, "--event",
                                   r.event, "-o", r.library, "--set",
                                   "youtube.title=Judul Ketiga", video, NULL),
                     0);
    work_expect(&r, 0);
    JsonObject *j = job(&r, 0, &keep);
    ck_assert_str_eq(dk_rig_text(j, "state"), "done");
    ck_assert_str_eq(dk_rig_text(j, "remote_status"), "already sent (ledger)");
    ck_assert_int_eq(state_int(&r, "sessions_created"), 1);
    g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT,
                                          json_object_get_int_member(j, "id"));
    json_node_unref(keep);
    ck_assert_int_eq(
        dk_rig_dokpim(NULL, NULL, "queue", "retry", id, "-o", r.library, NULL),
        1); /* done: needs --force */
    ck_assert_int_eq(dk_rig_dokpim(NULL, NULL, "queue", "retry", "--force", id,
                                   "-o", r.library, NULL),
                     0);
    work_expect(&r, 0);
    JsonObject *s = server_state(&r, &keep);
    ck_assert_int_eq(
        json_array_get_length(json_object_get_array_member(s, "videos")), 2);
    json_node_unref(keep);
    rig_down(&r);
}
END_TEST

/* A failing playlist insertion fails only its step: retrying the job runs
 * that step again, without a new upload, and inserts the video once. */
START_TEST(test_failed_step_retried_alone)
{
    rig r;
    rig_up(&r,
           "[{\"on\":\"playlist_insert\",\"nth\":1,\"do\":\"error\","
           "\"code\":400}]",
           NULL, "playlist=PLbadung2024");
    queue_video(&r);
    work_expect(&r, 1);
    JsonNode *keep = NULL;
    JsonObject *j = job(&r, 0, &keep);
    ck_assert_str_eq(dk_rig_text(j, "state"), "failed");
    ck_assert_ptr_nonnull(dk_rig_text(j, "remote_id"));
    g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT,
                                          json_object_get_int_member(j, "id"));
    json_node_unref(keep);
    ck_assert_int_eq(
        dk_rig_dokpim(NULL, NULL, "queue", "retry", id, "-o", r.library, NULL),
        0);
    work_expect(&r, 0);
    j = job(&r, 0, &keep);
    ck_assert_str_eq(dk_rig_text(j, "state"), "done");
    JsonArray *steps = json_object_get_array_member(j, "steps");
    for (guint i = 0; i < json_array_get_length(steps); i++) {
        JsonObject *step = json_array_get_object_element(steps, i);
        ck_assert_str_eq(dk_rig_text(step, "state"), "done");
    }
    assert_one_true_video(&r, dk_rig_text(j, "remote_id"));
    ck_assert_int_eq(state_int(&r, "sessions_created"), 1);
    JsonObject *s = server_state(&r, &keep);
    ck_assert_int_eq(json_array_get_length(
                         json_object_get_array_member(s, "playlist_items")),
                     1);
    json_node_unref(keep);
    rig_down(&r);
}
END_TEST

/* The custom thumbnail thumbnail.video made is set on the video, even
 * when the first thumbnails.set call fails. */
START_TEST(test_thumbnail_set)
{
    rig r;
    thumbnail = true;
    rig_up(&r,
           "[{\"on\":\"thumbnail\",\"nth\":1,\"do\":\"error\","
           "\"code\":503}]",
           NULL, "thumbnail=thumbnail");
    thumbnail = false;
    queue_video(&r);
    work_expect(&r, 0);
    g_autofree char *cmd = g_strdup_printf(
        "find '%s/derived' -name '*_thumb.jpg' | head -n 1", r.library);
    char *out = NULL;
    ck_assert_int_eq(dk_test_sh(cmd, &out, NULL), 0);
    g_strstrip(out);
    ck_assert_msg(*out, "thumbnail.video made no JPEG");
    g_autofree char *expected = dk_test_sha256(out);
    g_free(out);
    JsonNode *keep = NULL;
    JsonObject *state = server_state(&r, &keep);
    JsonObject *v = json_array_get_object_element(
        json_object_get_array_member(state, "videos"), 0);
    ck_assert_str_eq(json_object_get_string_member(v, "thumbnail_sha256"),
                     expected);
    json_node_unref(keep);
    rig_down(&r);
}
END_TEST

/* Hostile setups refused with one clear line. */
START_TEST(test_credentials_readable_by_others)
{
    rig r;
    rig_up(&r, NULL, NULL, NULL);
    queue_video(&r);
    chmod(r.credentials, 0644);
    char *err = NULL;
    ck_assert_int_eq(work(&r, &err), 1);
    ck_assert_msg(strstr(err, "chmod 600"), "%s", err);
    g_free(err);
    ck_assert_int_eq(state_int(&r, "token_grants"), 0);
    rig_down(&r);
}
END_TEST

static const struct {
    const char *set;
    const char *message;
} bad_meta[] = {
    {"youtube.title=<b>Rapat</b>", "< or >"},
    {"youtube.title=Rapat Paripurna DPRD Kabupaten Badung tentang Rancangan "
     "Peraturan Daerah Anggaran Pendapatan dan Belanja 2025",
     "100"},
    {"youtube.tags=" /* 26 tags of 20 characters: over 500 */
     "aaaaaaaaaaaaaaaaaaa1,aaaaaaaaaaaaaaaaaaa2,aaaaaaaaaaaaaaaaaaa3,"
     "aaaaaaaaaaaaaaaaaaa4,aaaaaaaaaaaaaaaaaaa5,aaaaaaaaaaaaaaaaaaa6,"
     "aaaaaaaaaaaaaaaaaaa7,aaaaaaaaaaaaaaaaaaa8,aaaaaaaaaaaaaaaaaaa9,"
     "aaaaaaaaaaaaaaaaaa10,aaaaaaaaaaaaaaaaaa11,aaaaaaaaaaaaaaaaaa12,"
     "aaaaaaaaaaaaaaaaaa13,aaaaaaaaaaaaaaaaaa14,aaaaaaaaaaaaaaaaaa15,"
     "aaaaaaaaaaaaaaaaaa16,aaaaaaaaaaaaaaaaaa17,aaaaaaaaaaaaaaaaaa18,"
     "aaaaaaaaaaaaaaaaaa19,aaaaaaaaaaaaaaaaaa20,aaaaaaaaaaaaaaaaaa21,"
     "aaaaaaaaaaaaaaaaaa22,aaaaaaaaaaaaaaaaaa23,aaaaaaaaaaaaaaaaaa24,"
     "aaaaaaaaaaaaaaaaaa25,aaaaaaaaaaaaaaaaaa26",
     "tags"},
    {"youtube.chunk-size=300000", "262144"},
    {"youtube.publish-at=2024-09-02T19:00:00+08:00", "privacy=private"},
    {"youtube.publish-at=besok malam", "RFC 3339"},
    {"youtube.credentials=", "set credentials="},
};

START_TEST(test_bad_metadata_caught_before_queueing)
{
    rig r;
    rig_up(&r, NULL, NULL, NULL);
    char *err = NULL;
    int status =
        dk_rig_dokpim(NULL, &err, "run", r.pipeline, "--event", r.event, "-o",
                      r.library, "--set", bad_meta[_i].set, video, NULL);
    ck_assert_msg(status != 0, "%s accepted", bad_meta[_i].set);
    ck_assert_msg(strstr(err, bad_meta[_i].message), "%s: %s", bad_meta[_i].set,
                  err);
    g_free(err);
    /* nothing reached the queue */
    g_autofree char *db = g_build_filename(r.library, "queue.db", NULL);
    if (dk_rig_queue_is_pg() || g_file_test(db, G_FILE_TEST_EXISTS)) {
        char *out = NULL;
        dk_rig_dokpim(&out, NULL, "queue", "list", "--json", "-o", r.library,
                      NULL);
        JsonNode *keep = dk_rig_parse(out);
        ck_assert_int_eq(json_array_get_length(json_node_get_array(keep)), 0);
        json_node_unref(keep);
        g_free(out);
    }
    rig_down(&r);
}
END_TEST

/* `dokpim youtube auth` with the device-code flow: the refresh token lands
 * in the file, mode 0600, and is never printed. */
START_TEST(test_device_code_auth)
{
    rig r;
    rig_up(&r, NULL, NULL, NULL);
    g_autofree char *creds = g_strdup_printf(
        "{\"installed\": {\"client_id\": \"test-client.apps\", "
        "\"client_secret\": \"test-secret\", \"token_uri\": \"%s/token\"}, "
        "\"device_uri\": \"%s/device/code\"}",
        r.server.base, r.server.base);
    g_autofree char *path = g_build_filename(r.dir, "new.json", NULL);
    dk_test_write(path, creds, -1);
    chmod(path, 0644);
    char *out = NULL, *err = NULL;
    int status = dk_rig_dokpim(&out, &err, "youtube", "auth", path, NULL);
    ck_assert_msg(status == 2 && strstr(err, "chmod 600"), "status %d: %s",
                  status, err);
    g_free(err);
    g_free(out);
    chmod(path, 0600);
    status = dk_rig_dokpim(&out, &err, "youtube", "auth", path, NULL);
    ck_assert_msg(status == 0, "status %d: %s", status, err);
    ck_assert_msg(strstr(err, "GQVQ-JKEC"), "no user code shown: %s", err);
    ck_assert(!strstr(err, "test-refresh-token") &&
              !strstr(out, "test-refresh"));
    g_free(out);
    g_free(err);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    g_autofree char *saved = dk_test_read(path, NULL);
    ck_assert_msg(strstr(saved, "\"refresh_token\" : \"test-refresh-token\""),
                  "%s", saved);
    /* and the saved file works for an upload */
    g_autofree char *conf = dk_test_read(r.pipeline, NULL);
    g_autofree char *moved = g_strdup_printf("credentials=%s\n", path);
    g_autofree char *old = g_strdup_printf("credentials=%s\n", r.credentials);
    gchar **parts = g_strsplit(conf, old, 2);
    g_autofree char *joined = g_strjoinv(moved, parts);
    g_strfreev(parts);
    dk_test_write(r.pipeline, joined, -1);
    queue_video(&r);
    work_expect(&r, 0);
    assert_one_true_video(&r, NULL);
    rig_down(&r);
}
END_TEST

/* ---- offline: only what reaches the API costs quota ---- */
static int64_t quota_used(rig *r)
{
    g_autofree char *out = dk_rig_queue_sql(
        r->library, "SELECT coalesce(sum(used), 0) FROM quota");
    return g_ascii_strtoll(out, NULL, 10);
}

static char *closed_port_url(const char *scheme)
{
    g_autofree char *script = dk_test_source_path("tests/servers/free-port.sh");
    char *out = NULL;
    ck_assert_int_eq(dk_test_sh(script, &out, NULL), 0);
    g_strstrip(out);
    char *url = g_strdup_printf("%s://127.0.0.1:%s", scheme, out);
    g_free(out);
    return url;
}

typedef enum { OFF_SERVER_DOWN, OFF_API_REFUSED, OFF_DNS, OFF_TLS } offline_way;

static const struct {
    const char *name;
    offline_way how;
} offline_rows[] = {
    {"server down (token refresh refused)", OFF_SERVER_DOWN},
    {"API port closed", OFF_API_REFUSED},
    {"API host unknown", OFF_DNS},
    {"TLS handshake fails", OFF_TLS},
};

/* Each way the request cannot reach the API leaves the day's quota
 * untouched and the job waiting for the network, said as such. */
START_TEST(test_offline_charges_no_quota)
{
    rig r;
    rig_up(&r, NULL, NULL, "processing-wait=0");
    g_autofree char *api = NULL;
    switch (offline_rows[_i].how) {
    case OFF_SERVER_DOWN:
        api = g_strdup(r.server.base);
        break;
    case OFF_API_REFUSED:
        api = closed_port_url("http");
        break;
    case OFF_DNS:
        api = g_strdup("http://dokpim-offline.invalid");
        break;
    case OFF_TLS: /* the stand-in speaks plain HTTP */
        api = g_strdup_printf("https://127.0.0.1:%d", r.server.port);
        break;
    }
    g_autofree char *set = g_strconcat("youtube.api-base=", api, NULL);
    char *err = NULL;
    ck_assert_msg(dk_rig_dokpim(NULL, &err, "run", "-q", r.pipeline, "--event",
                                r.event, "-o", r.library, "--set", set, video,
                                NULL) == 0,
                  "%s", err);
    g_free(err);
    if (offline_rows[_i].how == OFF_SERVER_DOWN)
        dk_server_stop(&r.server);
    err = NULL;
    work(&r, &err);
    g_free(err);
    ck_assert_msg(quota_used(&r) == 0, "%s: %" G_GINT64_FORMAT " units spent",
                  offline_rows[_i].name, quota_used(&r));
    JsonNode *keep = NULL;
    JsonObject *j = job(&r, 0, &keep);
    ck_assert_str_eq(dk_rig_text(j, "state"), "deferred");
    ck_assert_msg(g_str_has_prefix(dk_rig_text(j, "last_error"), "network: "),
                  "%s: %s", offline_rows[_i].name,
                  dk_rig_text(j, "last_error"));
    json_node_unref(keep);
    char *out = NULL;
    ck_assert_int_eq(
        dk_rig_dokpim(&out, NULL, "queue", "list", "-o", r.library, NULL), 0);
    ck_assert_msg(strstr(out, "network: ") && strstr(out, "retrying at"), "%s",
                  out);
    g_free(out);
    rig_down(&r);
}
END_TEST

/* The symptom: with a day's quota of one insert, attempts while offline
 * used to spend it, so the upload waited for the next quota day once the
 * network was back. Now it goes as soon as it can. */
START_TEST(test_back_online_uploads_at_once)
{
    rig r;
    rig_up(&r, NULL, NULL, "processing-wait=0\nquota-daily=1600");
    queue_video(&r);
    int port = r.server.port;
    dk_server_stop(&r.server);
    char *err = NULL;
    work(&r, &err);
    g_free(err);
    g_autofree char *port_arg = g_strdup_printf("%d", port);
    const char *args[] = {"--port", port_arg, NULL};
    dk_server_start(&r.server, "youtube-standin.sh", args);
    ck_assert_int_eq(r.server.port, port);
    ck_assert_int_eq(
        dk_rig_dokpim(NULL, NULL, "queue", "retry", "1", "-o", r.library, NULL),
        0);
    work_expect(&r, 0);
    JsonNode *keep = NULL;
    JsonObject *j = job(&r, 0, &keep);
    ck_assert_msg(!strcmp(dk_rig_text(j, "state"), "done"), "job %s: %s",
                  dk_rig_text(j, "state"), dk_rig_text(j, "last_error"));
    assert_one_true_video(&r, dk_rig_text(j, "remote_id"));
    json_node_unref(keep);
    ck_assert_int_eq(quota_used(&r), 1600);
    rig_down(&r);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("upload.youtube");
    TCase *faults = tcase_create("faults");
    dk_rig_isolate_queue(faults);
    tcase_set_timeout(faults, 120);
    tcase_add_loop_test(faults, test_fault, 0, G_N_ELEMENTS(fault_cases));
    suite_add_tcase(suite, faults);
    TCase *crash = tcase_create("crash");
    dk_rig_isolate_queue(crash);
    tcase_set_timeout(crash, 120);
    tcase_add_test(crash, test_kill_worker_mid_upload);
    tcase_add_test(crash, test_ledger_stops_second_video);
    tcase_add_test(crash, test_failed_step_retried_alone);
    tcase_add_test(crash, test_quota_waits_for_pacific_midnight);
    tcase_add_test(crash, test_thumbnail_set);
    suite_add_tcase(suite, crash);
    TCase *offline = tcase_create("offline");
    dk_rig_isolate_queue(offline);
    tcase_set_timeout(offline, 120);
    tcase_add_loop_test(offline, test_offline_charges_no_quota, 0,
                        G_N_ELEMENTS(offline_rows));
    tcase_add_test(offline, test_back_online_uploads_at_once);
    suite_add_tcase(suite, offline);
    TCase *refuse = tcase_create("refuse");
    dk_rig_isolate_queue(refuse);
    tcase_set_timeout(refuse, 60);
    tcase_add_test(refuse, test_credentials_readable_by_others);
    tcase_add_loop_test(refuse, test_bad_metadata_caught_before_queueing, 0,
                        G_N_ELEMENTS(bad_meta));
    tcase_add_test(refuse, test_device_code_auth);
    suite_add_tcase(suite, refuse);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : 0;
}
