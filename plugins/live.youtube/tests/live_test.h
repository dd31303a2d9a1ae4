/* What the live tests share: the nginx-rtmp server started per test
 * (tests/servers/nginx-rtmp/nginx-rtmp.sh), dokpim running in the
 * background, and ffprobe as the independent judge. */
#ifndef LIVE_TEST_H
#define LIVE_TEST_H

#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <sys/types.h>

/* ---- the server (live_server.c) ---- */
typedef struct live_server {
    char *dir; /* config, logs and recordings (dir/rec has the .flv files) */
    char *rtmp_url;  /* rtmp://127.0.0.1:PORT/live */
    char *rtmps_url; /* with tls: TLS in front of the same server */
    char *ca_file;   /* with tls: the certificate to trust */
} live_server;

/* Starts nginx-rtmp in a new folder under root; key: the only stream name
 * it accepts (NULL: any). Fails the test if it cannot. */
void live_server_start(live_server *server, const char *root, const char *key,
                       bool tls);
/* Starts it again on the same ports after live_server_stop(). */
void live_server_restart(live_server *server);
void live_server_stop(live_server *server);
void live_server_clear(live_server *server);
/* Stops every server started under root (fixture teardown). */
void live_server_stop_all(const char *root);
/* The streams it received, oldest first (g_ptr_array_unref). */
GPtrArray *live_server_streams(const live_server *server);

/* ---- dokpim in the background (live_server.c) ---- */
typedef struct live_proc {
    GPid pid;
    gint64 started; /* monotonic us */
    char *out_path, *err_path;
} live_proc;

/* Runs argv (searched on PATH), stdout and stderr to dir/TAG.out and
 * dir/TAG.err, stdin from /dev/null. */
void live_proc_spawn(live_proc *proc, const char *dir, const char *tag,
                     const char *const *argv);
/* Runs dokpim with args the same way (TAG "dokpim"). */
void live_proc_start(live_proc *proc, const char *dir, const char *const *args);
/* Waits up to timeout_s; returns the exit status, or -1 (killed, hung).
 * *seconds: how long it ran, when not NULL. */
int live_proc_wait(live_proc *proc, int timeout_s, double *seconds);
void live_proc_signal(live_proc *proc, int signo);
/* Waits up to timeout_s for text on its stdout; false if it did not
 * come. */
bool live_proc_wait_output(const live_proc *proc, const char *text,
                           int timeout_s);
/* Everything it printed (both streams); g_free. */
char *live_proc_output(const live_proc *proc);
char *live_proc_stdout(const live_proc *proc);
void live_proc_clear(live_proc *proc);

/* ---- CPU pressure (live_hog.c) ---- */
/* Starts per_core busy loops per core, each ending by itself after at most
 * seconds; the pids, for live_hog_stop(). */
GArray *live_hog_start(int per_core, unsigned seconds);
/* Kills and reaps them; NULL is fine. */
void live_hog_stop(GArray **hogs);

/* ---- ffprobe (live_probe.c) ---- */
double probe_duration(const char *path);          /* format duration, s */
char *probe_codecs(const char *path);             /* "h264,aac"; g_free */
GArray *probe_keyframes(const char *path);        /* video keyframe times */
GArray *probe_video_packets(const char *path);    /* every video packet's */
double probe_largest_video_gap(const char *path); /* between packets, s */
/* The luma of the frame at `at` seconds, scaled down to
 * PROBE_LUMA_WIDTH x PROBE_LUMA_HEIGHT, row by row; NULL on failure
 * (g_free). */
#define PROBE_LUMA_WIDTH  64
#define PROBE_LUMA_HEIGHT 36
unsigned char *probe_luma(const char *path, double at);
/* Mean luma of the frame at `at` seconds, 0..255; -1 on failure. */
double probe_mean_luma(const char *path, double at);

/* The recording files dokpim wrote under library/live, sorted. */
GPtrArray *live_recordings(const char *library);

/* ---- the tests' common ground (live_common.c) ---- */
/* Every server and library of a suite lives under this folder. */
extern char *live_test_root;
void live_suite_setup(void);          /* unchecked fixture: makes the root */
void live_suite_teardown(void);       /* stops every server, removes the root */
char *live_test_dir(const char *tag); /* a new folder under the root */
char *live_random_key(void);
/* Writes key to dir/stream.key with mode; the path, g_free. */
char *live_write_key(const char *dir, const char *key, mode_t mode);
int live_free_port(void); /* nobody listens there */
/* "live" on the shipped pipeline with --event, -o library, --json and
 * --duration (0: none); add "--set youtube.X=Y" with live_set(). */
GPtrArray *live_args(const char *library, double duration);
void live_set(GPtrArray *args, const char *option, const char *value);
/* NULL-terminates args for running: add nothing after this. */
const char *const *live_argv(GPtrArray *args);

/* JSON lines on stdout: the events, and the last status line. */
typedef struct live_output {
    GPtrArray *events; /* JsonObject of every event */
    JsonObject *last_status;
    int statuses;
    JsonParser *parsers[4096];
    int n_parsers;
} live_output;
void live_parse_output(const char *stdout_text, live_output *output);
void live_clear_output(live_output *output);
/* The first event about subject (NULL: any) at level (NULL: any) whose
 * message contains text (NULL: any). */
JsonObject *live_find_event(const live_output *output, const char *subject,
                            const char *level, const char *text);
void live_assert_no_key(const live_proc *proc, const char *key);
/* The one recording under library/live, g_free; fails otherwise. */
char *live_only_recording(const char *library);
/* H.264 + AAC, duration within tolerance, no gap in the video. */
void live_assert_recording(const char *library, double expected,
                           double tolerance);
/* Writes line to the control FIFO. */
void live_send_command(const char *fifo, const char *line);
/* Runs the suite (after checking the tools are there). */
int live_test_main(Suite *suite);

#endif
