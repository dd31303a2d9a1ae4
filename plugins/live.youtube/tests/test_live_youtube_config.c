/* The parts of live.youtube's configuration that guard the stream key and
 * the ingest addresses, tested without any media: URL splitting (what
 * rtmp2sink gets, and what messages may show) and the key file checks. */
#include <check.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dk_test.h"
#include "live_youtube.h"

static const struct {
    const char *url;
    int rc;
    const char *scheme, *host;
    int port;
    const char *application, *where;
} urls[] = {
    {"rtmps://a.rtmps.youtube.com/live2", 0, "rtmps", "a.rtmps.youtube.com",
     443, "live2", "rtmps://a.rtmps.youtube.com:443/live2"},
    {"rtmps://b.rtmps.youtube.com/live2?backup=1", 0, "rtmps",
     "b.rtmps.youtube.com", 443, "live2?backup=1",
     "rtmps://b.rtmps.youtube.com:443/live2?backup=1"},
    {"rtmp://127.0.0.1:1935/live", 0, "rtmp", "127.0.0.1", 1935, "live",
     "rtmp://127.0.0.1:1935/live"},
    {"RTMP://Example.org/app", 0, "rtmp", "Example.org", 1935, "app",
     "rtmp://Example.org:1935/app"},
    {"rtmp://[::1]:1936/live", 0, "rtmp", "::1", 1936, "live",
     "rtmp://::1:1936/live"},
    {"http://example.org/live", DK_ERR_CONFIG},
    {"srt://example.org:9000", DK_ERR_CONFIG},
    {"rtmp://example.org", DK_ERR_CONFIG},
    {"rtmp://example.org/", DK_ERR_CONFIG},
    {"rtmp://example.org/live2/the-stream-key", DK_ERR_CONFIG},
    {"rtmp://user:secret@example.org/live", DK_ERR_CONFIG},
    {"rtmp:///live", DK_ERR_CONFIG},
    {"not a url at all", DK_ERR_CONFIG},
    {"", DK_ERR_CONFIG},
};

START_TEST(test_target_parse)
{
    live_youtube_target t;
    dk_error err = {0};
    int rc = live_youtube_target_parse(urls[_i].url, "primary", &t, &err);
    ck_assert_msg(rc == urls[_i].rc, "%s: rc %d (%s)", urls[_i].url, rc,
                  err.message);
    if (rc == 0) {
        ck_assert_str_eq(t.scheme, urls[_i].scheme);
        ck_assert_str_eq(t.host, urls[_i].host);
        ck_assert_int_eq(t.port, urls[_i].port);
        ck_assert_str_eq(t.application, urls[_i].application);
        ck_assert_str_eq(t.where, urls[_i].where);
    } else {
        ck_assert_ptr_nonnull(strstr(err.message, "primary"));
        /* a URL with a password is refused without repeating it */
        ck_assert_ptr_null(strstr(err.message, "secret"));
    }
    live_youtube_target_clear(&t);
}
END_TEST

static const struct {
    const char *content;
    mode_t mode;
    int rc;
    const char *key, *says;
} keys[] = {
    {"abcd-efgh-ijkl-mnop-qrst\n", 0600, 0, "abcd-efgh-ijkl-mnop-qrst", NULL},
    {"  abcd-1234  \r\n", 0400, 0, "abcd-1234", NULL},
    {"abcd-1234\n", 0644, DK_ERR_CONFIG, NULL, "chmod 600"},
    {"abcd-1234\n", 0604, DK_ERR_CONFIG, NULL, "0604"},
    {"abcd-1234\n", 0620, DK_ERR_CONFIG, NULL, "other users"},
    {"", 0600, DK_ERR_CONFIG, NULL, "is empty"},
    {"\n\n", 0600, DK_ERR_CONFIG, NULL, "is empty"},
    {"abcd 1234\n", 0600, DK_ERR_CONFIG, NULL, "one line"},
    {"abcd\n1234\n", 0600, DK_ERR_CONFIG, NULL, "one line"},
    {"live2/abcd\n", 0600, DK_ERR_CONFIG, NULL, "one line"},
    {"abcd\x01"
     "1234",
     0600, DK_ERR_CONFIG, NULL, "one line"},
};

START_TEST(test_read_key)
{
    char *dir = dk_test_tmpdir("key");
    char *path = g_build_filename(dir, "key", NULL);
    dk_test_write(path, keys[_i].content, -1);
    chmod(path, keys[_i].mode);
    char *key = NULL;
    dk_error err = {0};
    int rc = live_youtube_read_key(path, &key, &err);
    ck_assert_msg(rc == keys[_i].rc, "row %d: rc %d (%s)", _i, rc, err.message);
    if (rc == 0) {
        ck_assert_str_eq(key, keys[_i].key);
    } else {
        ck_assert_ptr_null(key);
        ck_assert_msg(strstr(err.message, keys[_i].says), "row %d: %s", _i,
                      err.message);
        ck_assert_ptr_null(strstr(err.message, "abcd"));
    }
    g_free(key);
    g_free(path);
    g_free(dir);
    dk_test_cleanup_dirs();
}
END_TEST

START_TEST(test_key_file_missing_or_odd)
{
    char *key = NULL;
    dk_error err = {0};
    ck_assert_int_eq(live_youtube_read_key("/nonexistent/key", &key, &err),
                     DK_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/key"));
    ck_assert_int_eq(live_youtube_read_key("/", &key, &err), DK_ERR_CONFIG);
    char *dir = dk_test_tmpdir("key");
    char *target = g_build_filename(dir, "real", NULL);
    char *link = g_build_filename(dir, "link", NULL);
    dk_test_write(target, "abcd\n", -1);
    chmod(target, 0600);
    ck_assert_int_eq(symlink(target, link), 0);
    /* a symlink could point a shared config at someone else's key */
    ck_assert_int_eq(live_youtube_read_key(link, &key, &err), DK_ERR_CONFIG);
    ck_assert_ptr_null(key);
    g_free(target);
    g_free(link);
    g_free(dir);
    dk_test_cleanup_dirs();
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("live.youtube config");
    TCase *tc = tcase_create("config");
    tcase_add_loop_test(tc, test_target_parse, 0, G_N_ELEMENTS(urls));
    tcase_add_loop_test(tc, test_read_key, 0, G_N_ELEMENTS(keys));
    tcase_add_test(tc, test_key_file_missing_or_odd);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(config_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : 0;
}
