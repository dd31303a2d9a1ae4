/* What every live test does: folders under the suite's live_test_root (so the
 * teardown finds every server started), stream keys, the `dokpim live`
 * command line, its JSON output, and the checks on a recording. */
#include <check.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dk_test.h"
#include "live_test.h"

char *live_test_root; /* every server and library of the suite lives here */

void live_suite_setup(void)
{
    live_test_root = dk_test_tmpdir("live");
}

void live_suite_teardown(void)
{
    live_server_stop_all(live_test_root);
    dk_test_cleanup_dirs();
    g_clear_pointer(&live_test_root, g_free);
}

/* A folder for one test, inside live_test_root so the teardown finds its
 * servers. */
char *live_test_dir(const char *tag)
{
    g_autofree char *tmpl =
        g_strdup_printf("%s/%s-XXXXXX", live_test_root, tag);
    char *dir = g_mkdtemp(g_steal_pointer(&tmpl));
    ck_assert_ptr_nonnull(dir);
    return dir;
}

char *live_random_key(void)
{
    return g_strdup_printf("dk%08x%08x", g_random_int(), g_random_int());
}

char *live_write_key(const char *dir, const char *key, mode_t mode)
{
    char *path = g_build_filename(dir, "stream.key", NULL);
    g_autofree char *line = g_strconcat(key, "\n", NULL);
    dk_test_write(path, line, -1);
    chmod(path, mode);
    return path;
}

int live_free_port(void)
{
    g_autofree char *out = NULL;
    dk_test_sh("/usr/bin/python3 -c 'import socket; s=socket.socket(); "
               "s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])'",
               &out, NULL);
    return atoi(out);
}

/* dokpim live on the shipped pipeline; more "--set" values follow. */
GPtrArray *live_args(const char *library, double duration)
{
    GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(args, g_strdup("live"));
    g_ptr_array_add(args, dk_test_source_path("pipelines/live-youtube.conf"));
    g_ptr_array_add(args, g_strdup("--event"));
    g_ptr_array_add(args, dk_test_source_path("assets/sample-event/event.ini"));
    g_ptr_array_add(args, g_strdup("-o"));
    g_ptr_array_add(args, g_strdup(library));
    g_ptr_array_add(args, g_strdup("--json"));
    if (duration > 0) {
        g_ptr_array_add(args, g_strdup("--duration"));
        g_ptr_array_add(args, g_strdup_printf("%g", duration));
    }
    return args;
}

void live_set(GPtrArray *args, const char *option, const char *value)
{
    g_ptr_array_add(args, g_strdup("--set"));
    g_ptr_array_add(args, g_strdup_printf("youtube.%s=%s", option, value));
}

/* NULL-terminates args for running: add no options after this. */
const char *const *live_argv(GPtrArray *args)
{
    g_ptr_array_add(args, NULL);
    return (const char *const *)args->pdata;
}

void live_parse_output(const char *stdout_text, live_output *o)
{
    memset(o, 0, sizeof *o);
    o->events = g_ptr_array_new();
    g_auto(GStrv) lines = g_strsplit(stdout_text, "\n", -1);
    for (char **l = lines; *l && o->n_parsers < 4096; l++) {
        if (!**l)
            continue;
        JsonParser *parser = json_parser_new();
        ck_assert_msg(json_parser_load_from_data(parser, *l, -1, NULL),
                      "not JSON: %s", *l);
        o->parsers[o->n_parsers++] = parser;
        JsonObject *obj = json_node_get_object(json_parser_get_root(parser));
        const char *type = json_object_get_string_member(obj, "type");
        if (strcmp(type, "event") == 0)
            g_ptr_array_add(o->events, obj);
        else if (strcmp(type, "status") == 0)
            o->last_status = obj, o->statuses++;
    }
}

void live_clear_output(live_output *o)
{
    g_ptr_array_unref(o->events);
    for (int i = 0; i < o->n_parsers; i++)
        g_object_unref(o->parsers[i]);
}

/* The first event about subject at level whose message has text. */
JsonObject *live_find_event(const live_output *o, const char *subject,
                            const char *level, const char *text)
{
    for (guint i = 0; i < o->events->len; i++) {
        JsonObject *e = o->events->pdata[i];
        const char *s = json_object_get_null_member(e, "subject")
                            ? NULL
                            : json_object_get_string_member(e, "subject");
        if (subject && g_strcmp0(s, subject) != 0)
            continue;
        if (level &&
            strcmp(json_object_get_string_member(e, "level"), level) != 0)
            continue;
        if (text && !strstr(json_object_get_string_member(e, "message"), text))
            continue;
        return e;
    }
    return NULL;
}

void live_assert_no_key(const live_proc *proc, const char *key)
{
    g_autofree char *all = live_proc_output(proc);
    ck_assert_msg(!strstr(all, key), "the stream key was printed:\n%s", all);
}

char *live_only_recording(const char *library)
{
    GPtrArray *files = live_recordings(library);
    ck_assert_msg(files->len == 1, "%u recordings in %s", files->len, library);
    char *path = g_strdup(files->pdata[0]);
    g_ptr_array_unref(files);
    return path;
}

void live_assert_recording(const char *library, double expected,
                           double tolerance)
{
    g_autofree char *path = live_only_recording(library);
    g_autofree char *codecs = probe_codecs(path);
    ck_assert_str_eq(codecs, "h264,aac");
    double duration = probe_duration(path);
    ck_assert_msg(duration > expected - tolerance &&
                      duration < expected + tolerance,
                  "recording is %.2f s, expected %.2f", duration, expected);
    double gap = probe_largest_video_gap(path);
    ck_assert_msg(gap < 0.2, "the recording has a %.2f s gap", gap);
}

void live_send_command(const char *fifo, const char *line)
{
    g_autofree char *text = g_strconcat(line, "\n", NULL);
    FILE *f = fopen(fifo, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

int live_test_main(Suite *suite)
{
    /* fail loudly rather than skip: the install script provides these */
    if (!dk_test_have("ffprobe") || !dk_test_have("ffmpeg") ||
        !g_file_test("/usr/sbin/nginx", G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr, "ffmpeg, ffprobe or nginx is missing: run "
                        "scripts/install-deps.sh\n");
        return 1;
    }
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : 0;
}
