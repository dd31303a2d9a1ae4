/* The shared file policies: atomic outputs, hashing, library sweeping and
 * naming, and the retry policy. */
#include <check.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dk_internal.h"
#include "dk_test.h"

static void teardown(void)
{
    dk_test_cleanup_dirs();
}

START_TEST(atomic_commit_replaces_whole_file)
{
    char *dir = dk_test_tmpdir("atomic");
    char *path = g_build_filename(dir, "sub", "out.jpg", NULL);
    dk_error err = {0};
    ck_assert_int_eq(dk_atomic_write_file(path, "old", 3, &err), 0);
    dk_atomic *file = NULL;
    ck_assert_int_eq(dk_atomic_open(path, &file, &err), 0);
    /* the temp keeps the extension and is hidden */
    g_autofree char *base = g_path_get_basename(dk_atomic_temp_path(file));
    ck_assert(base[0] == '.');
    ck_assert(g_str_has_suffix(base, ".jpg"));
    ck_assert(dk_is_temp_name(base));
    fputs("new content", dk_atomic_stream(file));
    /* until commit, the old file is what readers see */
    gsize len = 0;
    char *data = dk_test_read(path, &len);
    ck_assert_str_eq(data, "old");
    g_free(data);
    ck_assert_int_eq(dk_atomic_commit(&file, &err), 0);
    ck_assert_ptr_null(file);
    data = dk_test_read(path, &len);
    ck_assert_str_eq(data, "new content");
    g_free(data);
    g_autofree char *sub = g_path_get_dirname(path);
    ck_assert_int_eq(dk_test_count_files(sub), 1); /* no temp left */
    g_free(path);
    g_free(dir);
}
END_TEST

/* A sanitised name of any length can be written through the atomic writer
 * with what the library and plugins add to it: "_9999" when the name is
 * taken, stamp.sidecar's ".json" beside it. */
static const struct {
    int bytes; /* of the name before sanitising, about */
    const char *unit;
    const char *ext;
} long_names[] = {
    {240, "a", ".jpg"},
    {254, "\xC3\xA9", ".jpg"},          /* é: two bytes */
    {300, "\xE2\x80\x94", ".mp4"},      /* em dash: three */
    {600, "\xF0\x9F\x93\xB7", ".jpeg"}, /* camera emoji: four */
    {255, "x", ""},
};

/* Bytes that are not UTF-8 (Latin-1 names from old cameras' cards) are
 * stored as '_' in output names instead of failing the item. */
static const struct {
    const char *given, *clean;
} non_utf8_names[] = {
    {"web/caf\xe9.jpg", "web/caf_.jpg"},
    {"\xff\xfe.jpg", "__.jpg"},
    {"a\xc3.jpg", "a_.jpg"}, /* a cut two-byte sequence */
    {"\xe2\x80\x94\xe2\x80.mp4", "\xe2\x80\x94__.mp4"}, /* whole, then cut */
    {"ok/\xC3\xA9t\xE9.jpg", "ok/\xC3\xA9t_.jpg"},
};

START_TEST(non_utf8_names_are_stored_with_underscores)
{
    char *clean = NULL;
    dk_error err = {0};
    ck_assert_msg(dk_path_sanitize(non_utf8_names[_i].given, &clean, &err) == 0,
                  "%s", err.message);
    ck_assert_str_eq(clean, non_utf8_names[_i].clean);
    g_free(clean);
}
END_TEST

START_TEST(sanitized_long_names_can_be_written)
{
    char *dir = dk_test_tmpdir("longname");
    for (int pad = 0; pad < 4; pad++) {
        GString *name = g_string_new(NULL);
        for (int i = 0; i < pad; i++)
            g_string_append_c(name, 'p');
        while (name->len < (gsize)long_names[_i].bytes)
            g_string_append(name, long_names[_i].unit);
        g_string_append(name, long_names[_i].ext);
        g_autofree char *relative = g_strconcat("sub/", name->str, NULL);
        char *clean = NULL;
        dk_error err = {0};
        ck_assert_int_eq(dk_path_sanitize(relative, &clean, &err), 0);
        ck_assert(g_utf8_validate(clean, -1, NULL));
        ck_assert(g_str_has_suffix(clean, long_names[_i].ext));
        g_autofree char *numbered = NULL;
        const char *dot = strrchr(clean, '.');
        if (*long_names[_i].ext)
            numbered =
                g_strdup_printf("%.*s_9999%s", (int)(dot - clean), clean, dot);
        else
            numbered = g_strconcat(clean, "_9999", NULL);
        g_autofree char *sidecar = g_strconcat(numbered, ".json", NULL);
        g_autofree char *path = g_build_filename(dir, sidecar, NULL);
        ck_assert_msg(dk_atomic_write_file(path, "x", 1, &err) == 0,
                      "%zu bytes: %s", strlen(sidecar) - 4, err.message);
        g_free(clean);
        g_string_free(name, TRUE);
    }
    g_free(dir);
}
END_TEST

START_TEST(atomic_abort_leaves_old_state)
{
    char *dir = dk_test_tmpdir("abort");
    char *path = g_build_filename(dir, "out.txt", NULL);
    dk_atomic *file = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_atomic_open(path, &file, &err), 0);
    fputs("half", dk_atomic_stream(file));
    dk_atomic_abort(&file);
    ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(dk_test_count_files(dir), 0);
    dk_atomic_abort(&file); /* NULL is fine */
    g_free(path);
    g_free(dir);
}
END_TEST

START_TEST(atomic_open_fails_cleanly_in_readonly_folder)
{
    if (geteuid() == 0)
        return; /* root writes anywhere; the check means nothing */
    char *dir = dk_test_tmpdir("ro");
    g_chmod(dir, 0555);
    char *path = g_build_filename(dir, "x", NULL);
    dk_atomic *file = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_atomic_open(path, &file, &err), DK_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "cannot create"));
    g_chmod(dir, 0755);
    g_free(path);
    g_free(dir);
}
END_TEST

START_TEST(hash_matches_known_vector)
{
    char *dir = dk_test_tmpdir("hash");
    char *path = g_build_filename(dir, "abc", NULL);
    dk_test_write(path, "abc", 3);
    char hex[65];
    dk_error err = {0};
    ck_assert_int_eq(dk_hash_file(path, hex, &err), 0);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
                          "b00361a396177a9cb410ff61f20015ad");
    ck_assert_int_eq(dk_hash_file("/nonexistent/file", hex, &err), DK_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/file"));
    g_free(path);
    g_free(dir);
}
END_TEST

START_TEST(library_sweeps_temp_files_and_numbers_names)
{
    char *dir = dk_test_tmpdir("lib");
    char *stale =
        g_build_filename(dir, "derived", "web", ".x.dk-tmp-abcdef.jpg", NULL);
    dk_test_write(stale, "half", 4);
    dk_library *library = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_library_open(dir, &library, &err), 0);
    ck_assert(!g_file_test(stale, G_FILE_TEST_EXISTS));
    /* a second process cannot take the same library */
    dk_library *second = NULL;
    ck_assert_int_eq(dk_library_open(dir, &second, &err), DK_ERR_EXISTS);
    ck_assert_ptr_nonnull(strstr(err.message, "in use"));

    dk_item *a = dk_item_new("/in/a.jpg", 1, library);
    dk_item *b = dk_item_new("/in/b.jpg", 2, library);
    char *candidate = g_build_filename(library->root, "derived", "w.jpg", NULL);
    char *first = NULL, *second_name = NULL, *again = NULL;
    ck_assert_int_eq(dk_library_reserve(library, a, candidate, &first, &err),
                     0);
    ck_assert_int_eq(
        dk_library_reserve(library, b, candidate, &second_name, &err), 0);
    ck_assert_str_eq(first, candidate);
    ck_assert(g_str_has_suffix(second_name, "w_2.jpg"));
    /* the same item asking again keeps its name */
    ck_assert_int_eq(dk_library_reserve(library, a, candidate, &again, &err),
                     0);
    ck_assert_str_eq(again, first);
    g_free(first);
    g_free(second_name);
    g_free(again);
    g_free(candidate);
    dk_item_free(&a);
    dk_item_free(&b);
    dk_library_free(&library);
    g_free(stale);
    g_free(dir);
}
END_TEST

/* An existing output is another item's only when a manifest names it; a
 * file nobody recorded (a killed run's last rename) is free to take. */
START_TEST(existing_name_is_taken_only_when_recorded)
{
    char *dir = dk_test_tmpdir("taken");
    g_autofree char *recorded =
        g_build_filename(dir, "derived", "s", "r.jpg", NULL);
    g_autofree char *orphan =
        g_build_filename(dir, "derived", "s", "o.jpg", NULL);
    dk_test_write(recorded, "r", 1);
    dk_test_write(orphan, "o", 1);
    g_autofree char *manifest = g_build_filename(dir, "items", "ab.ini", NULL);
    dk_test_write(manifest,
                  "[item]\nsha256=ab\n[stage:s]\nfingerprint=f\n"
                  "derivatives=1\nrole.0=main\npath.0=derived/s/r.jpg\n",
                  -1);
    dk_library *library = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_library_open(dir, &library, &err), 0);
    dk_item *item = dk_item_new("/in/c.jpg", 3, library);
    const char *cases[][2] = {{recorded, "r_2.jpg"}, {orphan, "o.jpg"}};
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *chosen = NULL;
        ck_assert_int_eq(
            dk_library_reserve(library, item, cases[i][0], &chosen, &err), 0);
        ck_assert_msg(g_str_has_suffix(chosen, cases[i][1]), "%s for %s",
                      chosen, cases[i][0]);
        g_free(chosen);
    }
    dk_item_free(&item);
    dk_library_free(&library);
    g_free(dir);
}
END_TEST

START_TEST(import_is_content_addressed_and_read_only)
{
    char *dir = dk_test_tmpdir("import");
    char *lib_dir = g_build_filename(dir, "lib", NULL);
    char *backup = g_build_filename(dir, "backup", NULL);
    char *src = g_build_filename(dir, "IMG_1.JPG", NULL);
    dk_test_write(src, "abc", 3);
    dk_library *library = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_library_open(lib_dir, &library, &err), 0);
    dk_item *item = dk_item_new(src, 1, library);
    ck_assert_int_eq(dk_item_import_original(item, backup, &err), 0);
    ck_assert_str_eq(item->sha256, "ba7816bf8f01cfea414140de5dae2223"
                                   "b00361a396177a9cb410ff61f20015ad");
    ck_assert(g_str_has_suffix(item->original_path,
                               "/originals/ba/ba7816bf8f01cfea414140de5dae2223"
                               "b00361a396177a9cb410ff61f20015ad.jpg"));
    struct stat st;
    ck_assert_int_eq(stat(item->original_path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0444);
    g_autofree char *in_backup = g_build_filename(
        backup, "originals", "ba",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.jpg",
        NULL);
    ck_assert(g_file_test(in_backup, G_FILE_TEST_IS_REGULAR));
    /* the source is untouched */
    gsize len = 0;
    char *data = dk_test_read(src, &len);
    ck_assert_str_eq(data, "abc");
    g_free(data);
    dk_item_free(&item);
    dk_library_free(&library);
    g_free(src);
    g_free(backup);
    g_free(lib_dir);
    g_free(dir);
}
END_TEST

static char *import_sha(dk_library *library, const char *src)
{
    dk_error err = {0};
    dk_item *item = dk_item_new(src, 1, library);
    ck_assert_msg(dk_item_import_original(item, NULL, &err) == 0, "%s",
                  err.message);
    char *sha = g_strdup(item->sha256);
    dk_item_free(&item);
    return sha;
}

/* A re-run trusts what it recorded only while the source is unchanged by
 * every measure a stat gives, ctime included: a file rewritten in place
 * with its size and mtime put back is hashed again. */
START_TEST(import_remembers_unchanged_sources_only)
{
    char *dir = dk_test_tmpdir("source-cache");
    char *lib_dir = g_build_filename(dir, "lib", NULL);
    char *src = g_build_filename(dir, "a.jpg", NULL);
    char *other = g_build_filename(dir, "b.jpg", NULL);
    char *fresh = g_build_filename(dir, "c.jpg", NULL);
    dk_test_write(src, "abc", 3);
    dk_test_write(other, "xyz", 3);
    g_usleep(1100 * 1000); /* older than the one-second racy window */
    dk_test_write(fresh, "new", 3);
    dk_library *library = NULL;
    dk_error err = {0};
    ck_assert_int_eq(dk_library_open(lib_dir, &library, &err), 0);
    char *sha_a = import_sha(library, src);
    char *sha_b = import_sha(library, other);
    char *sha_c = import_sha(library, fresh);
    /* what the cache holds is what a re-run believes: point a's entry at
     * b's content and a re-run reports b's hash without reading a */
    char *entries = NULL;
    char *cmd = g_strdup_printf("grep -rl ' %s$' '%s/sources'", sha_a, lib_dir);
    ck_assert_int_eq(dk_test_sh(cmd, &entries, NULL), 0);
    g_strstrip(entries);
    ck_assert_msg(*entries && !strchr(entries, '\n'), "entries: %s", entries);
    gsize length = 0;
    char *entry = dk_test_read(entries, &length);
    char *at = strstr(entry, sha_a);
    memcpy(at, sha_b, 64);
    dk_test_write(entries, entry, (gssize)length);
    char *again = import_sha(library, src);
    ck_assert_str_eq(again, sha_b);
    g_free(again);
    /* rewritten in place, same size, mtime restored: hashed again */
    struct stat st;
    ck_assert_int_eq(stat(src, &st), 0);
    FILE *f = fopen(src, "r+b"); /* same inode, unlike dk_test_write */
    ck_assert(f && fwrite("abd", 1, 3, f) == 3 && fclose(f) == 0);
    struct stat now;
    ck_assert_int_eq(stat(src, &now), 0);
    ck_assert_int_eq(now.st_ino, st.st_ino);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    ck_assert_int_eq(utimensat(AT_FDCWD, src, times, 0), 0);
    again = import_sha(library, src);
    ck_assert_str_ne(again, sha_a);
    ck_assert_str_ne(again, sha_b);
    g_free(again);
    /* a file changed within the last second is never recorded */
    g_free(cmd);
    cmd = g_strdup_printf("grep -rl ' %s$' '%s/sources'", sha_c, lib_dir);
    ck_assert_int_ne(dk_test_sh(cmd, NULL, NULL), 0);
    dk_library_free(&library);
    g_free(entry);
    g_free(entries);
    g_free(cmd);
    g_free(sha_a);
    g_free(sha_b);
    g_free(sha_c);
    g_free(fresh);
    g_free(other);
    g_free(src);
    g_free(lib_dir);
    g_free(dir);
}
END_TEST

START_TEST(retry_waits_grow_cap_and_stop)
{
    dk_retry_policy policy = {.first_wait = 2.0,
                              .growth = 1.5,
                              .jitter = 0.2,
                              .max_wait = 5.0,
                              .max_attempts = 6};
    dk_retry retry;
    dk_retry_init(&retry, &policy);
    const double base[] = {2.0, 3.0, 4.5, 5.0, 5.0, 5.0};
    for (int i = 0; i < 6; i++) {
        double wait = dk_retry_next_wait(&retry);
        ck_assert_msg(wait >= base[i] * 0.8 - 1e-9 &&
                          wait <= fmin(base[i] * 1.2, 5.0) + 1e-9,
                      "attempt %d waited %g", i, wait);
    }
    ck_assert(dk_retry_next_wait(&retry) < 0);
    dk_retry_reset(&retry);
    ck_assert(dk_retry_next_wait(&retry) <= 2.4);
}
END_TEST

static int reported;
static void on_retry(void *user, int attempt, double wait, const char *why)
{
    (void)user;
    (void)wait;
    ck_assert_str_eq(why, "server gone");
    reported = attempt;
}

START_TEST(retry_wait_reports_and_is_cancellable)
{
    dk_retry_policy policy = {.first_wait = 0.01,
                              .growth = 2,
                              .max_wait = 0.02,
                              .max_attempts = 2,
                              .on_retry = on_retry};
    dk_retry retry;
    dk_retry_init(&retry, &policy);
    dk_error err = {0};
    ck_assert_int_eq(dk_retry_wait(&retry, "server gone", &err), 0);
    ck_assert_int_eq(reported, 1);
    ck_assert_int_eq(dk_retry_wait(&retry, "server gone", &err), 0);
    ck_assert_int_eq(dk_retry_wait(&retry, "server gone", &err),
                     DK_ERR_TIMEOUT);

    policy.first_wait = 30; /* would take 30 s unless cancel wakes it */
    policy.max_wait = 30;
    dk_retry_init(&retry, &policy);
    dk_cancel_request();
    gint64 start = g_get_monotonic_time();
    ck_assert_int_eq(dk_retry_wait(&retry, "server gone", &err),
                     DK_ERR_CANCELLED);
    ck_assert(g_get_monotonic_time() - start < 1000000);
    dk_cancel_reset();
}
END_TEST

/* The shared retry rows bind the member each name says, with the
 * defaults both upload families always had, and the policy takes them. */
typedef struct retry_config {
    int before;
    dk_retry_options retry;
} retry_config;

START_TEST(retry_options_bind_and_become_the_policy)
{
    static const dk_option rows[] = {DK_RETRY_OPTIONS(retry_config, retry),
                                     {NULL}};
    static const struct {
        const char *name, *default_value;
        size_t offset;
    } want[] = {
        {"retry-wait", "2", offsetof(retry_config, retry.first_wait)},
        {"retries", "10", offsetof(retry_config, retry.retries)},
        {"stall-timeout", "60", offsetof(retry_config, retry.stall_seconds)},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        ck_assert_str_eq(rows[i].name, want[i].name);
        ck_assert_str_eq(rows[i].default_value, want[i].default_value);
        ck_assert_uint_eq(rows[i].offset, want[i].offset);
    }
    ck_assert_ptr_null(rows[G_N_ELEMENTS(want)].name);

    dk_retry_options options = {
        .first_wait = 0.5, .retries = 3, .stall_seconds = 7};
    dk_retry_policy policy = dk_retry_policy_from_options(&options);
    ck_assert(policy.first_wait == 0.5);
    ck_assert_int_eq(policy.max_attempts, 3);
    ck_assert(policy.growth == dk_retry_policy_default().growth);
    ck_assert(policy.on_retry == dk_retry_report_progress);
}
END_TEST

static gpointer cancel_later(gpointer data)
{
    (void)data;
    g_usleep(100000);
    dk_cancel_request();
    return NULL;
}

START_TEST(cancel_wakes_a_sleeping_wait)
{
    dk_cancel_reset();
    GThread *t = g_thread_new("cancel", cancel_later, NULL);
    gint64 start = g_get_monotonic_time();
    ck_assert(!dk_cancel_sleep(20.0));
    ck_assert(g_get_monotonic_time() - start < 2000000);
    g_thread_join(t);
    dk_cancel_reset();
}
END_TEST

START_TEST(meta_keeps_types_and_round_trips)
{
    dk_meta *meta = dk_meta_new();
    dk_meta_set_int(meta, "image.width", 6000);
    dk_meta_set_double(meta, "gps.latitude", -8.58033);
    dk_meta_set_bool(meta, "capture.inferred", true);
    dk_meta_set_string(meta, "camera.model", "ILCE-7M3");
    int64_t w = 0;
    double lat = 0;
    ck_assert(dk_meta_get_int(meta, "image.width", &w));
    ck_assert_int_eq(w, 6000);
    ck_assert(dk_meta_get_double(meta, "gps.latitude", &lat));
    ck_assert_double_eq_tol(lat, -8.58033, 1e-9);
    ck_assert_str_eq(dk_meta_get(meta, "capture.inferred"), "true");
    dk_meta *copy = dk_meta_new();
    GList *keys = dk_meta_sorted_keys(meta);
    for (GList *k = keys; k; k = k->next) {
        char *encoded = dk_meta_value_encode(dk_meta_lookup(meta, k->data));
        dk_meta_set_encoded(copy, k->data, encoded);
        g_free(encoded);
    }
    g_list_free(keys);
    ck_assert_int_eq(dk_meta_lookup(copy, "image.width")->type, DK_META_INT);
    ck_assert_int_eq(dk_meta_lookup(copy, "capture.inferred")->type,
                     DK_META_BOOL);
    ck_assert_str_eq(dk_meta_get(copy, "gps.latitude"), "-8.58033");
    dk_meta_free(&meta);
    dk_meta_free(&copy);
}
END_TEST

START_TEST(meta_orientation_is_exif_or_upright)
{
    static const struct {
        const char *value; /* NULL: not set */
        int orientation;
    } rows[] = {{NULL, 1}, {"6", 6}, {"8", 8}, {"0", 1}, {"9", 1}, {"x", 1}};
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        dk_meta *meta = dk_meta_new();
        if (rows[i].value)
            dk_meta_set_string(meta, "image.orientation", rows[i].value);
        ck_assert_int_eq(dk_meta_orientation(meta), rows[i].orientation);
        dk_meta_free(&meta);
    }
}
END_TEST

/* Undoes dk_escape_text: the escaping must lose no byte. */
static char *unescape(const char *text)
{
    GString *out = g_string_new(NULL);
    for (const char *p = text; *p; p++) {
        if (*p != '\\') {
            g_string_append_c(out, *p);
            continue;
        }
        p++;
        if (*p == 'x') {
            char hex[3] = {p[1], p[2], 0};
            g_string_append_c(out, (char)strtol(hex, NULL, 16));
            p += 2;
        } else {
            g_string_append_c(out, *p == 'n'   ? '\n'
                                   : *p == 'r' ? '\r'
                                   : *p == 't' ? '\t'
                                               : *p);
        }
    }
    return g_string_free(out, FALSE);
}

START_TEST(escape_text_is_one_safe_line_and_reversible)
{
    static const struct {
        const char *raw, *escaped;
    } cases[] = {
        {"IMG_0412.JPG", "IMG_0412.JPG"},
        {"a\nb", "a\\nb"},
        {"a\rb\tc", "a\\rb\\tc"},
        {"\x1b[31mred", "\\x1b[31mred"},
        {"bell\x07", "bell\\x07"},
        {"del\x7f", "del\\x7f"},
        {"caf\xe9", "caf\\xe9"},        /* Latin-1 */
        {"caf\xc3\xa9", "caf\xc3\xa9"}, /* UTF-8 stays */
        {"csi\xc2\x9b"
         "2J",
         "csi\\xc2\\x9b2J"},                 /* C1 */
        {"\xc3", "\\xc3"},                   /* cut-off sequence */
        {"\xc0\xaf", "\\xc0\\xaf"},          /* overlong '/' */
        {"\xed\xa0\x80", "\\xed\\xa0\\x80"}, /* a surrogate */
        {"back\\slash", "back\\\\slash"},
        {"\\x41", "\\\\x41"}, /* not to be read back as 'A' */
        {"", ""},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *escaped = dk_escape_text(cases[i].raw);
        ck_assert_str_eq(escaped, cases[i].escaped);
        ck_assert(g_utf8_validate(escaped, -1, NULL));
        g_autofree char *back = unescape(escaped);
        ck_assert_str_eq(back, cases[i].raw);
    }
    ck_assert_ptr_null(dk_escape_text(NULL));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fileio");
    TCase *tc = tcase_create("policies");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, atomic_commit_replaces_whole_file);
    tcase_add_test(tc, escape_text_is_one_safe_line_and_reversible);
    tcase_add_loop_test(tc, non_utf8_names_are_stored_with_underscores, 0,
                        G_N_ELEMENTS(non_utf8_names));
    tcase_add_loop_test(tc, sanitized_long_names_can_be_written, 0,
                        G_N_ELEMENTS(long_names));
    tcase_add_test(tc, atomic_abort_leaves_old_state);
    tcase_add_test(tc, atomic_open_fails_cleanly_in_readonly_folder);
    tcase_add_test(tc, hash_matches_known_vector);
    tcase_add_test(tc, library_sweeps_temp_files_and_numbers_names);
    tcase_add_test(tc, existing_name_is_taken_only_when_recorded);
    tcase_add_test(tc, import_is_content_addressed_and_read_only);
    tcase_add_test(tc, import_remembers_unchanged_sources_only);
    tcase_add_test(tc, retry_waits_grow_cap_and_stop);
    tcase_add_test(tc, retry_wait_reports_and_is_cancellable);
    tcase_add_test(tc, retry_options_bind_and_become_the_policy);
    tcase_add_test(tc, cancel_wakes_a_sleeping_wait);
    tcase_add_test(tc, meta_keeps_types_and_round_trips);
    tcase_add_test(tc, meta_orientation_is_exif_or_upright);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
