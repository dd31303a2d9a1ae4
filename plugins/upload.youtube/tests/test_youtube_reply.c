/* How upload.youtube reads the API's answers (youtube_reply.c), one row
 * per answer, without a server. Rows marked "fuzz" were found by
 * tests/fuzz/fuzz_youtube.c. */
#include "answers.h"
#include "dk_test.h"
#include "upload_youtube.h"

#include <check.h>
#include <string.h>

/* An answer as the client gets it: status, header lines, body. */
static void answer(youtube_reply *reply, long status, const char *const *lines,
                   const char *content_type, const char *body)
{
    memset(reply, 0, sizeof *reply);
    reply->http.status = status;
    reply->http.headers =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (const char *const *l = lines; l && *l; l++)
        dk_http_response_take_header(&reply->http, *l, strlen(*l));
    if (content_type) {
        g_autofree char *line =
            g_strconcat("Content-Type: ", content_type, "\r\n", NULL);
        dk_http_response_take_header(&reply->http, line, strlen(line));
    }
    reply->http.body = g_string_new(body ? body : "");
    youtube_reply_read(reply);
}

typedef struct {
    const char *range; /* the header line's value; NULL: no header */
    int64_t total;
    int64_t expect;
} range_row;

static const range_row range_rows[] = {
    {NULL, 1000, 0},
    {"bytes=0-499", 1000, 500},
    {"bytes=0-999", 1000, 1000},
    {"bytes=0-1000", 1000, -1},                /* past the file's end */
    {"bytes=0-9223372036854775807", 1000, -1}, /* fuzz: LAST + 1 overflowed */
    {"bytes=0-9223372036854775807", INT64_MAX, -1}, /* fuzz */
    {"bytes=0--5", 1000, -1},                       /* a negative count */
    {"bytes=0-", 1000, -1},
    {"bytes=5-9", 1000, -1}, /* not a prefix of the file */
    {"garbage", 1000, -1},
    {"bytes=0-0", 0, -1},
};

START_TEST(test_confirmed_range)
{
    const range_row *row = &range_rows[_i];
    g_autofree char *line =
        row->range ? g_strconcat("Range: ", row->range, "\r\n", NULL) : NULL;
    const char *lines[] = {line, NULL};
    youtube_reply reply;
    answer(&reply, 308, lines, NULL, NULL);
    ck_assert_int_eq(reply.verdict, YOUTUBE_INCOMPLETE);
    ck_assert_int_eq(youtube_reply_confirmed(&reply, row->total), row->expect);
    youtube_reply_clear(&reply);
}
END_TEST

typedef struct {
    long status;
    const char *body; /* JSON */
    youtube_verdict verdict;
    const char *reason, *message, *video_id;
    bool has_item;
} body_row;

static const body_row body_rows[] = {
    {403,
     "{\"error\":{\"message\":\"over\",\"errors\":[{\"reason\":"
     "\"quotaExceeded\"}]}}",
     YOUTUBE_QUOTA, "quotaExceeded", "over", NULL, false},
    {401, "{\"error\":\"invalid_token\"}", YOUTUBE_FAIL, "invalid_token", NULL,
     NULL, false},
    {201, "{\"id\":\"dQw4w9WgXcQ\"}", YOUTUBE_OK, NULL, NULL, "dQw4w9WgXcQ",
     false},
    {200, "{\"items\":[{\"id\":\"x\"}]}", YOUTUBE_OK, NULL, NULL, NULL, true},
    /* members of the wrong type name nothing (fuzz: json-glib criticals) */
    {403, "{\"error\":{\"message\":\"m\",\"errors\":5}}", YOUTUBE_FAIL, NULL,
     "m", NULL, false},
    {200, "{\"items\":{\"id\":\"x\"}}", YOUTUBE_OK, NULL, NULL, NULL, false},
    {201, "{\"id\":{\"videoId\":\"x\"}}", YOUTUBE_OK, NULL, NULL, NULL, false},
    {201, "{\"id\":7}", YOUTUBE_OK, NULL, NULL, NULL, false},
};

START_TEST(test_body)
{
    const body_row *row = &body_rows[_i];
    youtube_reply reply;
    answer(&reply, row->status, NULL, "application/json; charset=UTF-8",
           row->body);
    ck_assert_int_eq(reply.verdict, row->verdict);
    ck_assert_pstr_eq(reply.reason, row->reason);
    ck_assert_pstr_eq(reply.message, row->message);
    ck_assert_pstr_eq(youtube_reply_video_id(&reply), row->video_id);
    ck_assert_int_eq(youtube_reply_first_item(&reply) != NULL, row->has_item);
    youtube_reply_clear(&reply);
}
END_TEST

int main(void)
{
    /* a json-glib critical is a wrong-type read of the answer: fail */
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    Suite *suite = suite_create("youtube_reply");
    TCase *tc = tcase_create("answers");
    tcase_add_loop_test(tc, test_confirmed_range, 0, G_N_ELEMENTS(range_rows));
    tcase_add_loop_test(tc, test_body, 0, G_N_ELEMENTS(body_rows));
    suite_add_tcase(suite, tc);
    return dk_test_run_suite(suite);
}
