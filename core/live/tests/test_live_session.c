/* The live session without any media: command parsing, stop requests,
 * redaction, and the status line / JSON the CLI prints (JSON judged by
 * json-glib's parser, not by string compares). */
#include <check.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "dk_internal.h"
#include "dk_test.h"
#include "live_host.h"

static const struct {
    const char *line;
    int rc;
    bool stop;
    dk_live_command_kind kind;
    dk_live_switch value;
} command_cases[] = {
    {"lower-third on", 0, false, DK_LIVE_CMD_LOWER_THIRD, DK_LIVE_ON},
    {"  Lower-Third   OFF \n", 0, false, DK_LIVE_CMD_LOWER_THIRD, DK_LIVE_OFF},
    {"l", 0, false, DK_LIVE_CMD_LOWER_THIRD, DK_LIVE_TOGGLE},
    {"slate toggle", 0, false, DK_LIVE_CMD_SLATE, DK_LIVE_TOGGLE},
    {"s", 0, false, DK_LIVE_CMD_SLATE, DK_LIVE_TOGGLE},
    {"clock on", 0, false, DK_LIVE_CMD_CLOCK, DK_LIVE_ON},
    {"q", 0, true, 0, 0},
    {"stop", 0, true, 0, 0},
    {"", DK_ERR_NOT_FOUND, false, 0, 0},
    {"   \t ", DK_ERR_NOT_FOUND, false, 0, 0},
    {"# a comment", DK_ERR_NOT_FOUND, false, 0, 0},
    {"slate maybe", DK_ERR_INVALID, false, 0, 0},
    {"stop now", DK_ERR_INVALID, false, 0, 0},
    {"lower-third on off", DK_ERR_INVALID, false, 0, 0},
    {"fire", DK_ERR_INVALID, false, 0, 0},
    {"\xff\xfe", DK_ERR_INVALID, false, 0, 0},
};

START_TEST(test_parse_command)
{
    dk_live_command command = {0};
    bool stop = true;
    dk_error err = {0};
    int rc =
        dk_live_parse_command(command_cases[_i].line, &command, &stop, &err);
    ck_assert_msg(rc == command_cases[_i].rc, "'%s': rc %d (%s)",
                  command_cases[_i].line, rc, err.message);
    if (rc == 0) {
        ck_assert(stop == command_cases[_i].stop);
        if (!stop) {
            ck_assert_int_eq(command.kind, command_cases[_i].kind);
            ck_assert_int_eq(command.value, command_cases[_i].value);
        }
    } else if (rc == DK_ERR_INVALID) {
        ck_assert(strlen(err.message) > 0);
    }
}
END_TEST

START_TEST(test_command_queue_keeps_order)
{
    dk_live *live = dk_live_new(NULL, "/tmp", 0);
    ck_assert_int_eq(dk_live_push_line(live, "slate on", NULL), 0);
    ck_assert_int_eq(dk_live_push_line(live, "l", NULL), 0);
    ck_assert_int_lt(dk_live_push_line(live, "bogus", NULL), 0);
    dk_live_command c;
    ck_assert(dk_live_next_command(live, &c));
    ck_assert_int_eq(c.kind, DK_LIVE_CMD_SLATE);
    ck_assert_int_eq(c.value, DK_LIVE_ON);
    ck_assert(dk_live_next_command(live, &c));
    ck_assert_int_eq(c.kind, DK_LIVE_CMD_LOWER_THIRD);
    ck_assert(!dk_live_next_command(live, &c));
    ck_assert(!dk_live_stop_requested(live));
    ck_assert_int_eq(dk_live_push_line(live, "stop", NULL), 0);
    ck_assert(dk_live_stop_requested(live));
    dk_live_free(&live);
    ck_assert_ptr_null(live);
}
END_TEST

START_TEST(test_duration_counts_from_begin)
{
    dk_live *live = dk_live_new(NULL, "/tmp", 0.2);
    ck_assert(dk_live_uptime(live) == 0.0);
    g_usleep(300000); /* not begun: no time is counted yet */
    ck_assert(!dk_live_stop_requested(live));
    dk_live_begin(live);
    ck_assert(!dk_live_stop_requested(live));
    g_usleep(250000);
    ck_assert(dk_live_stop_requested(live));
    ck_assert(dk_live_uptime(live) >= 0.2);
    dk_live_free(&live);
}
END_TEST

START_TEST(test_cancel_stops)
{
    dk_live *live = dk_live_new(NULL, "/tmp", 0);
    ck_assert(!dk_live_stop_requested(live));
    dk_cancel_request();
    ck_assert(dk_live_stop_requested(live));
    dk_cancel_reset();
    dk_live_free(&live);
}
END_TEST

static const struct {
    const char *text, *secret, *want;
} redact_cases[] = {
    {"rtmp://h/live2/abcd-1234 failed", "abcd-1234",
     "rtmp://h/live2/***** failed"},
    {"abcd abcdabcd", "abcd", "***** **********"},
    {"nothing here", "abcd", "nothing here"},
    {"no secret set", "", "no secret set"},
    {"", "abcd", ""},
};

START_TEST(test_redact)
{
    g_autofree char *got =
        dk_live_redact(redact_cases[_i].text, redact_cases[_i].secret);
    ck_assert_str_eq(got, redact_cases[_i].want);
}
END_TEST

static const dk_live_output_status outputs[] = {
    {"primary", "rtmps://a.example:443/live2", DK_LIVE_OUTPUT_LIVE, 4.2e6,
     123456789, 0, 2, 0},
    {"backup", "rtmps://b.example:443/live2", DK_LIVE_OUTPUT_RETRYING, 0, 99,
     17, 3, 1.5},
};

START_TEST(test_status_line)
{
    dk_live_status s = {.frames = 900,
                        .dropped_frames = 4,
                        .recording = "/lib/live/a.mkv",
                        .recording_bytes = 812400000,
                        .lower_third = true,
                        .n_outputs = 2,
                        .outputs = outputs};
    g_autofree char *line = dk_live_status_line(&s, 3723.9);
    ck_assert_ptr_nonnull(strstr(line, "ON AIR 01:02:03"));
    ck_assert_ptr_nonnull(
        strstr(line, "primary: live 4.2 Mb/s (2 reconnects)"));
    ck_assert_ptr_nonnull(strstr(line, "backup: down, retry in 1.5 s"));
    ck_assert_ptr_nonnull(strstr(line, "17 dropped"));
    ck_assert_ptr_nonnull(strstr(line, "dropped 4"));
    ck_assert_ptr_nonnull(strstr(line, "rec 812.4 MB"));
    ck_assert_ptr_nonnull(strstr(line, "lower third on"));
    ck_assert_ptr_null(strchr(line, '\n'));
}
END_TEST

/* The first word: is an ingest receiving, and the lower third's state
 * whether on or off. */
static const struct {
    dk_live_output_state primary;
    int n_outputs;
    bool lower_third;
    const char *starts, *has;
} state_cases[] = {
    {DK_LIVE_OUTPUT_LIVE, 1, false, "ON AIR ", "lower third off"},
    {DK_LIVE_OUTPUT_CONNECTING, 1, true, "off air ", "lower third on"},
    {DK_LIVE_OUTPUT_RETRYING, 1, false, "off air ", "lower third off"},
    {DK_LIVE_OUTPUT_CONNECTING, 0, false, "recording ", "lower third off"},
};

START_TEST(test_status_line_states)
{
    dk_live_output_status o = {.name = "primary",
                               .where = "rtmp://h:1935/live",
                               .state = state_cases[_i].primary};
    dk_live_status s = {.lower_third = state_cases[_i].lower_third,
                        .n_outputs = state_cases[_i].n_outputs,
                        .outputs = &o};
    g_autofree char *line = dk_live_status_line(&s, 5);
    ck_assert_msg(g_str_has_prefix(line, state_cases[_i].starts), "%s", line);
    ck_assert_msg(strstr(line, state_cases[_i].has), "%s", line);
}
END_TEST

/* "on air" comes from the core once a report has an ingest receiving,
 * never before, once per change. */
static GPtrArray *said;
static void keep_event(void *user, dk_live_level level, const char *subject,
                       const char *message, double uptime)
{
    (void)user;
    (void)uptime;
    g_ptr_array_add(said,
                    g_strdup_printf("%s %s: %s", dk_live_level_name(level),
                                    subject ? subject : "-", message));
}

START_TEST(test_on_air_follows_ingests)
{
    said = g_ptr_array_new_with_free_func(g_free);
    dk_live_host host = {.event = keep_event};
    dk_live *live = dk_live_new(&host, "/tmp", 0);
    dk_live_output_status o[2] = {
        {.name = "primary", .where = "rtmp://a:1935/live"},
        {.name = "backup", .where = "rtmp://b:1935/live"},
    };
    dk_live_status s = {.n_outputs = 2, .outputs = o};
    static const dk_live_output_state steps[][2] = {
        {DK_LIVE_OUTPUT_CONNECTING, DK_LIVE_OUTPUT_CONNECTING},
        {DK_LIVE_OUTPUT_RETRYING, DK_LIVE_OUTPUT_CONNECTING},
        {DK_LIVE_OUTPUT_RETRYING, DK_LIVE_OUTPUT_LIVE}, /* on air */
        {DK_LIVE_OUTPUT_LIVE, DK_LIVE_OUTPUT_LIVE},
        {DK_LIVE_OUTPUT_RETRYING, DK_LIVE_OUTPUT_LIVE},
        {DK_LIVE_OUTPUT_RETRYING, DK_LIVE_OUTPUT_RETRYING}, /* off air */
        {DK_LIVE_OUTPUT_LIVE, DK_LIVE_OUTPUT_CONNECTING},   /* on again */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
        o[0].state = steps[i][0];
        o[1].state = steps[i][1];
        dk_live_report(live, &s);
    }
    ck_assert_int_eq(said->len, 3);
    ck_assert_str_eq(said->pdata[0],
                     "info backup: on air (rtmp://b:1935/live)");
    ck_assert(g_str_has_prefix(said->pdata[1], "warning -: off air"));
    ck_assert_str_eq(said->pdata[2],
                     "info primary: on air (rtmp://a:1935/live)");
    /* the outputs stopping at the end of a live is not news */
    dk_live_push_line(live, "stop", NULL);
    o[0].state = o[1].state = DK_LIVE_OUTPUT_STOPPED;
    dk_live_report(live, &s);
    ck_assert_int_eq(said->len, 3);
    dk_live_free(&live);
    g_ptr_array_unref(said);
}
END_TEST

START_TEST(test_status_json)
{
    dk_live_status s = {.frames = 900,
                        .recording_bytes = 5,
                        .n_outputs = 2,
                        .outputs = outputs};
    g_autofree char *text = dk_live_status_json(&s, 12.5);
    ck_assert_ptr_null(strchr(text, '\n')); /* one event per line */
    g_autoptr(JsonParser) parser = json_parser_new();
    ck_assert(json_parser_load_from_data(parser, text, -1, NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    ck_assert_str_eq(json_object_get_string_member(o, "type"), "status");
    /* the backup retries, the primary is live */
    ck_assert(json_object_get_boolean_member(o, "on_air"));
    ck_assert_int_eq(json_object_get_int_member(o, "uptime_ms"), 12500);
    ck_assert_int_eq(json_object_get_int_member(o, "frames"), 900);
    ck_assert(json_object_get_null_member(o, "recording"));
    JsonArray *a = json_object_get_array_member(o, "outputs");
    ck_assert_int_eq(json_array_get_length(a), 2);
    JsonObject *b = json_array_get_object_element(a, 1);
    ck_assert_str_eq(json_object_get_string_member(b, "state"), "retrying");
    ck_assert_int_eq(json_object_get_int_member(b, "reconnects"), 3);
    ck_assert_int_eq(json_object_get_int_member(b, "retry_in_ms"), 1500);
    ck_assert_int_eq(json_object_get_int_member(
                         json_array_get_object_element(a, 0), "bitrate"),
                     4200000);
    ck_assert(!json_object_has_member(json_array_get_object_element(a, 0),
                                      "retry_in_ms"));
}
END_TEST

/* The host's status callback formats the line as `dokpim live --json`
 * does; the service health set before the report is in it, and only in
 * reports (not in a line formatted outside one). */
static char *health_line;
static void on_status_json(void *user, const dk_live_status *status,
                           double uptime)
{
    (void)user;
    g_free(health_line);
    health_line = dk_live_status_json(status, uptime);
}

static JsonObject *parse_line(JsonParser *parser, const char *text)
{
    ck_assert(json_parser_load_from_data(parser, text, -1, NULL));
    return json_node_get_object(json_parser_get_root(parser));
}

START_TEST(test_service_health_in_status_json)
{
    dk_live_host host = {.status = on_status_json};
    dk_live *live = dk_live_new(&host, "/tmp", 0);
    dk_live_status s = {.frames = 1};
    dk_live_report(live, &s);
    g_autoptr(JsonParser) p0 = json_parser_new();
    ck_assert(
        !json_object_has_member(parse_line(p0, health_line), "youtube_health"));
    dk_live_set_service_health(
        live, "bad", "[{\"type\":\"bitrateLow\",\"severity\":\"warning\"}]");
    dk_live_report(live, &s);
    g_autoptr(JsonParser) p1 = json_parser_new();
    JsonObject *o = parse_line(p1, health_line);
    ck_assert_str_eq(json_object_get_string_member(o, "youtube_health"), "bad");
    JsonArray *issues = json_object_get_array_member(o, "youtube_issues");
    ck_assert_int_eq(json_array_get_length(issues), 1);
    ck_assert_str_eq(json_object_get_string_member(
                         json_array_get_object_element(issues, 0), "type"),
                     "bitrateLow");
    /* not a JSON array: an empty list, never the text */
    dk_live_set_service_health(live, "good", "not json");
    dk_live_report(live, &s);
    g_autoptr(JsonParser) p2 = json_parser_new();
    o = parse_line(p2, health_line);
    ck_assert_str_eq(json_object_get_string_member(o, "youtube_health"),
                     "good");
    ck_assert_int_eq(json_array_get_length(
                         json_object_get_array_member(o, "youtube_issues")),
                     0);
    /* outside a report, no session's health leaks into a line */
    g_autofree char *outside = dk_live_status_json(&s, 1);
    g_autoptr(JsonParser) p3 = json_parser_new();
    ck_assert(
        !json_object_has_member(parse_line(p3, outside), "youtube_health"));
    g_clear_pointer(&health_line, g_free);
    dk_live_free(&live);
}
END_TEST

static int events_seen;
static void on_event(void *user, dk_live_level level, const char *subject,
                     const char *message, double uptime)
{
    (void)user;
    (void)uptime;
    ck_assert_int_eq(level, DK_LIVE_WARNING);
    ck_assert_str_eq(subject, "primary");
    ck_assert_str_eq(message, "retry 2 in 1.5 s");
    events_seen++;
}

START_TEST(test_event_reaches_host)
{
    dk_live_host host = {.event = on_event};
    dk_live *live = dk_live_new(&host, "/tmp", 0);
    dk_live_event(live, DK_LIVE_WARNING, "primary", "retry %d in %.1f s", 2,
                  1.5);
    ck_assert_int_eq(events_seen, 1);
    g_autofree char *text =
        dk_live_event_json(DK_LIVE_ERROR, NULL, "quote \" and \\", 1.0);
    g_autoptr(JsonParser) parser = json_parser_new();
    ck_assert(json_parser_load_from_data(parser, text, -1, NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    ck_assert_str_eq(json_object_get_string_member(o, "level"), "error");
    ck_assert_str_eq(json_object_get_string_member(o, "message"),
                     "quote \" and \\");
    ck_assert(json_object_get_null_member(o, "subject"));
    dk_live_add_recording(live, "/x/a.mkv");
    ck_assert_int_eq(dk_live_recordings(live)->len, 1);
    dk_live_free(&live);
}
END_TEST

/* A live plugin built for ABI 3.2 passes the structs as they were then:
 * a shorter status, and outputs packed at their old size. */
static dk_live_status seen;
static dk_live_output_status seen_outputs[2];
static void keep_status(void *user, const dk_live_status *status, double uptime)
{
    (void)user;
    (void)uptime;
    seen = *status;
    for (int i = 0; i < status->n_outputs && i < 2; i++)
        seen_outputs[i] = status->outputs[i];
    seen.outputs = seen_outputs; /* theirs only live during the call */
}

START_TEST(test_status_from_abi_3_2)
{
    const size_t status_3_2 = offsetof(dk_live_status, encoder_fps);
    const size_t output_3_2 = offsetof(dk_live_output_status, outage_seconds);
    char *packed = g_malloc0(2 * output_3_2);
    memcpy(packed, &outputs[0], output_3_2);
    memcpy(packed + output_3_2, &outputs[1], output_3_2);
    dk_live_status full = {.frames = 77,
                           .n_outputs = 2,
                           .outputs = (const dk_live_output_status *)packed};
    char *old = g_malloc0(status_3_2); /* nothing past it is readable */
    memcpy(old, &full, status_3_2);
    dk_live_host host = {.status = keep_status};
    dk_live *live = dk_live_new(&host, "/tmp", 0);
    dk_live_set_plugin_abi(live, 3u << 16 | 2);
    dk_live_report(live, (const dk_live_status *)old);
    ck_assert_int_eq(seen.frames, 77);
    ck_assert_int_eq(seen.n_outputs, 2);
    ck_assert_str_eq(seen_outputs[1].name, "backup");
    ck_assert_int_eq(seen_outputs[1].reconnects, 3);
    ck_assert(isnan(seen.encoder_fps) && isnan(seen.audio_level_db[1]));
    ck_assert(isnan(seen_outputs[0].outage_seconds));
    /* unknown figures are null in JSON, and left out of the line */
    g_autofree char *text = dk_live_status_json(&seen, 1);
    g_autoptr(JsonParser) parser = json_parser_new();
    ck_assert(json_parser_load_from_data(parser, text, -1, NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    ck_assert(json_object_get_null_member(o, "encoder_fps"));
    ck_assert(json_object_get_null_member(o, "audio_level_db"));
    g_autofree char *line = dk_live_status_line(&seen, 1);
    ck_assert_msg(!strstr(line, "fps") && !strstr(line, "audio"), "%s", line);
    dk_live_free(&live);
    g_free(old);
    g_free(packed);
}
END_TEST

/* ABI 3.3's figures, as the JSON line and the text line show them. */
START_TEST(test_status_figures)
{
    dk_live_output_status o = outputs[0];
    o.outage_seconds = 3.25;
    o.last_outage_at = 61.5;
    dk_live_status s = {.n_outputs = 1,
                        .outputs = &o,
                        .recording = "/lib/a.mkv",
                        .encoder_fps = 29.97,
                        .cpu_percent = 142.6,
                        .audio_level_db = {-18.4, DK_LIVE_SILENCE_DB},
                        .free_disk_bytes = 12300000000ull,
                        .outage_seconds = 0};
    g_autofree char *text = dk_live_status_json(&s, 70);
    g_autoptr(JsonParser) parser = json_parser_new();
    ck_assert(json_parser_load_from_data(parser, text, -1, NULL));
    JsonObject *j = json_node_get_object(json_parser_get_root(parser));
    ck_assert_int_eq(json_object_get_int_member(j, "encoder_fps"), 30);
    ck_assert_int_eq(json_object_get_int_member(j, "cpu_percent"), 143);
    JsonArray *db = json_object_get_array_member(j, "audio_level_db");
    ck_assert_int_eq(json_array_get_int_element(db, 0), -18);
    ck_assert_int_eq(json_array_get_int_element(db, 1), -100);
    ck_assert_int_eq(json_object_get_int_member(j, "free_disk_bytes"),
                     12300000000);
    ck_assert_int_eq(json_object_get_int_member(j, "outage_ms"), 0);
    JsonObject *p = json_array_get_object_element(
        json_object_get_array_member(j, "outputs"), 0);
    ck_assert_int_eq(json_object_get_int_member(p, "outage_ms"), 3250);
    ck_assert_int_eq(json_object_get_int_member(p, "last_outage_at_ms"), 61500);
    g_autofree char *line = dk_live_status_line(&s, 70);
    ck_assert_msg(strstr(line, "down 3.2 s") && strstr(line, "| 30 fps") &&
                      strstr(line, "CPU 143%") &&
                      strstr(line, "12.30 GB free") &&
                      strstr(line, "audio -18/-100 dB"),
                  "%s", line);
}
END_TEST

static Suite *live_session_suite(void)
{
    Suite *s = suite_create("live_session");
    TCase *tc = tcase_create("session");
    tcase_add_loop_test(tc, test_parse_command, 0, G_N_ELEMENTS(command_cases));
    tcase_add_test(tc, test_command_queue_keeps_order);
    tcase_add_test(tc, test_duration_counts_from_begin);
    tcase_add_test(tc, test_cancel_stops);
    tcase_add_loop_test(tc, test_redact, 0, G_N_ELEMENTS(redact_cases));
    tcase_add_test(tc, test_status_line);
    tcase_add_loop_test(tc, test_status_line_states, 0,
                        G_N_ELEMENTS(state_cases));
    tcase_add_test(tc, test_on_air_follows_ingests);
    tcase_add_test(tc, test_status_from_abi_3_2);
    tcase_add_test(tc, test_status_figures);
    tcase_add_test(tc, test_status_json);
    tcase_add_test(tc, test_event_reaches_host);
    tcase_add_test(tc, test_service_health_in_status_json);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(live_session_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : 0;
}
