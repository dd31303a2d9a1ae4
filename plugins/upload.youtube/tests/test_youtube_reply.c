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

int main(void)
{
    Suite *suite = suite_create("youtube_reply");
    TCase *tc = tcase_create("answers");
    tcase_add_loop_test(tc, test_confirmed_range, 0, G_N_ELEMENTS(range_rows));
    suite_add_tcase(suite, tc);
    return dk_test_run_suite(suite);
}
