/* What the queue's clients read from server answers (answers.h), one row
 * per answer: numbers a server may send that the clock arithmetic must
 * survive. Rows marked "fuzz" were found by tests/fuzz. */
#include "answers.h"
#include "dk_test.h"

#include <check.h>
#include <string.h>
#include <time.h>

#define YEAR (366LL * 24 * 3600)

typedef struct {
    const char *expires_in; /* JSON text of the member */
    int64_t expect;         /* seconds from now the token is good for */
} lifetime_row;

static const lifetime_row lifetime_rows[] = {
    {"3599", 3599},
    {"\"3599\"", 3599},
    {"0", 0},
    {"1e300", 3600},                   /* fuzz: double to int64 overflowed */
    {"-1e300", 3600},                  /* fuzz */
    {"9223372036854775807", 3600},     /* fuzz: now + it overflowed */
    {"\"9223372036854775807\"", 3600}, /* fuzz */
    {"-5", 3600},
    {"\"12 hours\"", 3600},
    {"true", 3600},
};

START_TEST(test_token_lifetime)
{
    const lifetime_row *row = &lifetime_rows[_i];
    dk_oauth_credentials c = {.path = "/tmp/credentials.json"};
    g_autofree char *body = g_strdup_printf(
        "{\"access_token\":\"ya29\",\"expires_in\":%s}", row->expires_in);
    char *token = NULL;
    int64_t expires_at = 0;
    bool revoked = true;
    dk_error err = {0};
    int64_t before = (int64_t)time(NULL);
    ck_assert_int_eq(dk_oauth_read_token_answer(&c, 200, body, strlen(body),
                                                &token, &expires_at, &revoked,
                                                &err),
                     0);
    int64_t after = (int64_t)time(NULL);
    ck_assert_str_eq(token, "ya29");
    ck_assert(!revoked);
    ck_assert_msg(expires_at >= before + row->expect &&
                      expires_at <= after + row->expect,
                  "expires_in %s: %lld s from now", row->expires_in,
                  (long long)(expires_at - before));
    g_free(token);
}
END_TEST

typedef struct {
    const char *members; /* inside the device answer */
    int interval;
    int64_t lifetime;
} device_row;

static const device_row device_rows[] = {
    {"\"interval\":5,\"expires_in\":1800", 5, 1800},
    {"\"interval\":1e300,\"expires_in\":-1e300", 5, 1800}, /* fuzz */
    {"\"interval\":99999999999,\"expires_in\":1e19", 5, 1800},
    {"\"interval\":\"7\",\"expires_in\":\"600\"", 7, 600},
};

START_TEST(test_device_answer_numbers)
{
    const device_row *row = &device_rows[_i];
    g_autofree char *body = g_strdup_printf(
        "{\"device_code\":\"AH\",\"user_code\":\"GQVQ\","
        "\"verification_url\":\"https://www.google.com/device\",%s}",
        row->members);
    dk_oauth_device *device = NULL;
    dk_error err = {0};
    int64_t before = (int64_t)time(NULL);
    ck_assert_int_eq(
        dk_oauth_read_device_answer(200, body, strlen(body), &device, &err), 0);
    ck_assert_int_eq(device->interval, row->interval);
    ck_assert_int_ge(device->expires_at, before + row->lifetime);
    ck_assert_int_le(device->expires_at, before + row->lifetime + 5);
    dk_oauth_device_free(&device);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("answers");
    TCase *tc = tcase_create("oauth");
    tcase_add_loop_test(tc, test_token_lifetime, 0,
                        G_N_ELEMENTS(lifetime_rows));
    tcase_add_loop_test(tc, test_device_answer_numbers, 0,
                        G_N_ELEMENTS(device_rows));
    suite_add_tcase(suite, tc);
    return dk_test_run_suite(suite);
}
