/* sign.c2pa through the real dokpim binary on the shipped signed photo
 * pipeline, judged by the C2PA reference reader (c2pa-rs compiled to
 * WebAssembly, tests/c2pa/judge.sh), exiftool and ImageMagick: every
 * signed output validates with the test office's anchor, is untrusted
 * (and nothing else) without it, and fails once tampered with. */
#include "c2pa_fixture.h"
#include "dk_test.h"

#include <check.h>
#include <json-glib/json-glib.h>
#include <string.h>

static char *dir;

static char *path_in(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

/* The shipped pipeline; key-dir=keys stays as shipped: it is resolved
 * from the config's folder (dir), not from where dokpim runs. */
static void write_pipeline(const char *name, bool with_sign)
{
    c2pa_fixture_pipeline(
        dir, "event-photos-signed.conf", name, false,
        with_sign ? NULL : "-e 's|;web;sign$|;web|' -e '/^\\[sign\\]/,$d'");
}

static void setup(void)
{
    dir = c2pa_fixture_dir("sign-c2pa", "exiftool node");
    c2pa_fixture_keys(dir, "keys");
    char *event = dk_test_source_path("assets/sample-event/event.ini");
    g_free(dk_test_sh_ok("mkdir -p '%s/photos' && cp '%s' '%s/event.ini'", dir,
                         event, dir));
    for (int i = 1; i <= 2; i++)
        g_free(dk_test_sh_ok(
            "/usr/bin/convert -size %dx%d plasma:fractal -quality 92 "
            "'%s/photos/p%d.jpg' && exiftool -q -overwrite_original "
            "'-DateTimeOriginal=2025:03:14 10:0%d:00' -Model=TestCam "
            "'%s/photos/p%d.jpg'",
            1200 - 300 * i, 800, dir, i, i, dir, i));
    write_pipeline("signed.conf", true);
    write_pipeline("unsigned.conf", false);
    g_free(event);
}

static void teardown(void)
{
    dk_test_cleanup_dirs();
}

static void run(const char *conf, const char *library, const char *event)
{
    c2pa_fixture_run(dir, conf, library, event, "photos");
}

/* The published JPEGs of a library, sorted, relative to dir. */
static gchar **outputs(const char *library)
{
    char *list = dk_test_sh_ok("cd '%s' && find %s/derived -name '*.jpg' | "
                               "sort",
                               dir, library);
    gchar **files = g_strsplit(list, "\n", -1);
    g_free(list);
    return files;
}

/* The reference reader's verdict on one file. */
static JsonObject *judge(const char *file, bool trust)
{
    return c2pa_fixture_judge(dir, file, trust ? "keys/ca-cert.pem" : NULL);
}

/* The failure codes, joined by spaces ("" when none). */
static char *failures(JsonObject *o)
{
    GString *s = g_string_new("");
    JsonArray *a = json_object_has_member(o, "failures")
                       ? json_object_get_array_member(o, "failures")
                       : NULL;
    for (guint i = 0; a && i < json_array_get_length(a); i++)
        g_string_append_printf(s, "%s%s", i ? " " : "",
                               json_array_get_string_element(a, i));
    return g_string_free(s, FALSE);
}

static void assert_valid(const char *file, const char *photographer)
{
    JsonObject *t = judge(file, true);
    char *f = failures(t);
    ck_assert_msg(
        strcmp(json_object_get_string_member(t, "state"), "Trusted") == 0 &&
            *f == '\0',
        "%s with the anchor: %s [%s]", file,
        json_object_get_string_member(t, "state"), f);
    g_free(f);
    /* the original as parentOf, and the event */
    JsonArray *ing = json_object_get_array_member(t, "ingredients");
    ck_assert_uint_eq(json_array_get_length(ing), 1);
    JsonObject *i0 = json_array_get_object_element(ing, 0);
    ck_assert_str_eq(json_object_get_string_member(i0, "relationship"),
                     "parentOf");
    JsonObject *cw = json_object_get_object_member(t, "creative_work");
    JsonObject *author = json_array_get_object_element(
        json_object_get_array_member(cw, "author"), 0);
    ck_assert_str_eq(json_object_get_string_member(author, "name"),
                     photographer);
    JsonArray *actions = json_object_get_array_member(t, "actions");
    ck_assert_str_eq(json_array_get_string_element(actions, 0), "c2pa.opened");
    ck_assert_str_eq(json_array_get_string_element(actions, 1),
                     "c2pa.edited.metadata");
    /* the action names the plugin (not just the stage) and its options,
     * no absolute paths (file options give their name only) */
    JsonObject *p1 = json_array_get_object_element(
        json_object_get_array_member(t, "action_parameters"), 1);
    ck_assert_str_eq(json_object_get_string_member(p1, "org.dokpim.plugin"),
                     "stamp.exif");
    JsonObject *s1 = json_object_get_object_member(p1, "org.dokpim.settings");
    ck_assert_str_eq(json_object_get_string_member(s1, "org.dokpim.stage"),
                     "stamp");
    ck_assert_msg(json_object_has_member(s1, "org.dokpim.options"),
                  "%s: no options", file);
    const char *options =
        json_object_get_string_member(s1, "org.dokpim.options");
    ck_assert_msg(strstr(options, "output=") && !strstr(options, "=/") &&
                      !strstr(options, dir),
                  "%s: options '%s'", file, options);
    /* the web copy and thumbnail carry the watermark transcode drew */
    bool web = strstr(file, "/web/") != NULL, edited = false;
    for (guint i = 0; i < json_array_get_length(actions); i++)
        edited |= strcmp(json_array_get_string_element(actions, i),
                         "c2pa.edited") == 0;
    ck_assert_msg(edited == web, "%s: watermark action %s", file,
                  edited ? "on a file without one" : "missing");
    json_object_unref(t);

    JsonObject *u = judge(file, false);
    f = failures(u);
    ck_assert_msg(strcmp(f, "signingCredential.untrusted") == 0,
                  "%s without the anchor: [%s]", file, f);
    g_free(f);
    json_object_unref(u);
}

/* Signing rewrote each derivative in place after its stage registered it:
 * every record of it in the item manifests must name the signed bytes. */
static void assert_recorded_hashes(const char *library)
{
    char *list = dk_test_sh_ok("ls '%s/%s/items'/*.ini", dir, library);
    gchar **manifests = g_strsplit(g_strstrip(list), "\n", -1);
    unsigned checked = 0;
    for (int m = 0; manifests[m] && *manifests[m]; m++) {
        GKeyFile *kf = g_key_file_new();
        ck_assert(g_key_file_load_from_file(kf, manifests[m], 0, NULL));
        gchar **groups = g_key_file_get_groups(kf, NULL);
        for (int g = 0; groups[g]; g++) {
            int n = g_key_file_get_integer(kf, groups[g], "derivatives", NULL);
            for (int i = 0; i < n; i++) {
                char key[32];
                g_snprintf(key, sizeof key, "path.%d", i);
                char *rel = g_key_file_get_string(kf, groups[g], key, NULL);
                g_snprintf(key, sizeof key, "sha256.%d", i);
                char *sha = g_key_file_get_string(kf, groups[g], key, NULL);
                char *disk = dk_test_sh_ok("cd '%s/%s' && sha256sum '%s'", dir,
                                           library, rel);
                ck_assert_msg(sha && strncmp(disk, sha, 64) == 0,
                              "%s [%s] %s: recorded %s, on disk %.64s",
                              manifests[m], groups[g], rel, sha, disk);
                checked += strstr(rel, ".jpg") != NULL;
                g_free(rel);
                g_free(sha);
                g_free(disk);
            }
        }
        g_strfreev(groups);
        g_key_file_free(kf);
    }
    ck_assert_uint_ge(checked, 6);
    g_strfreev(manifests);
    g_free(list);
}

static char *event_photographer(void)
{
    return dk_test_sh_ok("sed -n 's/^photographer=//p' '%s/event.ini'", dir);
}

START_TEST(test_signed_outputs)
{
    run("signed.conf", "lib", "event.ini");
    gchar **files = outputs("lib");
    /* stamped full-size, web, thumbnail for each of the two photos */
    ck_assert_uint_eq(g_strv_length(files), 6);
    char *photographer = event_photographer();
    for (int i = 0; files[i]; i++)
        assert_valid(files[i], photographer);
    assert_recorded_hashes("lib");

    /* pixels and exiftool's reading as without signing */
    run("unsigned.conf", "plain", "event.ini");
    gchar **plain = outputs("plain");
    ck_assert_uint_eq(g_strv_length(plain), 6);
    for (int i = 0; files[i]; i++) {
        char *a = dk_test_sh_ok("cd '%s' && /usr/bin/convert '%s' rgb:- | "
                                "sha256sum",
                                dir, files[i]);
        char *b = dk_test_sh_ok("cd '%s' && /usr/bin/convert '%s' rgb:- | "
                                "sha256sum",
                                dir, plain[i]);
        ck_assert_msg(strcmp(a, b) == 0, "pixels of %s changed", files[i]);
        g_free(a);
        g_free(b);
        a = dk_test_sh_ok("cd '%s' && exiftool -validate -warning -a -s3 '%s'",
                          dir, files[i]);
        b = dk_test_sh_ok("cd '%s' && exiftool -validate -warning -a -s3 '%s'",
                          dir, plain[i]);
        ck_assert_msg(strcmp(a, b) == 0,
                      "exiftool on %s: '%s' (unsigned: '%s')", files[i], a, b);
        g_free(a);
        g_free(b);
    }
    g_strfreev(plain);
    g_strfreev(files);
    g_free(photographer);
}
END_TEST

static void assert_tampered(const char *file, const char *how)
{
    JsonObject *o = judge(file, true);
    const char *state = json_object_get_string_member(o, "state");
    char *f = failures(o);
    ck_assert_msg(strcmp(state, "Invalid") == 0 &&
                      strstr(f, "assertion.dataHash.mismatch"),
                  "%s (%s): %s [%s]", file, how, state, f);
    g_free(f);
    json_object_unref(o);
}

START_TEST(test_tampered)
{
    run("signed.conf", "lib", "event.ini");
    gchar **files = outputs("lib");
    const char *web = files[4]; /* lib/derived/web/web/..._0001.jpg */
    ck_assert(strstr(web, "/web/web/"));
    /* one bit of scan data, 200 bytes before EOI */
    g_free(dk_test_sh_ok(
        "cd '%s' && cp '%s' pixel.jpg && /usr/bin/python3 -c \"import sys; "
        "b = bytearray(open('pixel.jpg', 'rb').read()); b[-200] ^= 1; "
        "open('pixel.jpg', 'wb').write(b)\"",
        dir, web));
    assert_tampered("pixel.jpg", "one bit of scan data");
    /* a metadata edit after signing (exiftool keeps the APP11 segments) */
    g_free(dk_test_sh_ok("cd '%s' && cp '%s' meta.jpg && exiftool -q "
                         "-overwrite_original -Artist=Someone meta.jpg",
                         dir, web));
    assert_tampered("meta.jpg", "Artist changed by exiftool");
    g_strfreev(files);
}
END_TEST

static char *hashes(const char *library)
{
    return dk_test_sh_ok("cd '%s' && find %s/derived -name '*.jpg' | sort | "
                         "xargs sha256sum",
                         dir, library);
}

START_TEST(test_rerun)
{
    run("signed.conf", "lib", "event.ini");
    char *first = hashes("lib");
    /* unchanged: not signed again (a new signature would differ: the
     * manifest label and the ECDSA nonce are random) */
    run("signed.conf", "lib", "event.ini");
    char *second = hashes("lib");
    ck_assert_str_eq(first, second);
    /* a changed event field re-signs, and the manifest says the new one
     * (the photographer: the title would rename the files) */
    g_free(dk_test_sh_ok("cd '%s' && sed 's/^photographer=.*/photographer=Made "
                         "Baru/' "
                         "event.ini > event2.ini",
                         dir));
    run("signed.conf", "lib", "event2.ini");
    char *third = hashes("lib");
    gchar **a = g_strsplit(second, "\n", -1), **b = g_strsplit(third, "\n", -1);
    ck_assert_uint_eq(g_strv_length(a), g_strv_length(b));
    for (int i = 0; a[i]; i++)
        ck_assert_msg(strncmp(a[i], b[i], 64) != 0, "not re-signed: %s", b[i]);
    gchar **files = outputs("lib");
    for (int i = 0; files[i]; i++)
        assert_valid(files[i], "Made Baru");
    assert_recorded_hashes("lib");
    g_strfreev(files);
    g_strfreev(a);
    g_strfreev(b);
    g_free(first);
    g_free(second);
    g_free(third);
}
END_TEST

/* Without a key the signed pipeline is refused before any work, saying
 * what to do; a readable key is refused like every secret. */
START_TEST(test_check_refusals)
{
    char *shipped = dk_test_source_path("pipelines/event-photos-signed.conf");
    char *event = path_in("event.ini");
    const char *args[] = {"check", "--event", event, shipped, NULL};
    char *err = NULL;
    g_free(dk_test_sh_ok("mkdir -p '%s/empty'", dir));
    char *cmd = g_strdup_printf("cd '%s/empty' && DOKPIM_PLUGIN_DIR='%s' '%s' "
                                "check --event '%s' '%s'",
                                dir, dk_test_plugin_dir(), dk_test_bin(), event,
                                shipped);
    int status = dk_test_sh(cmd, NULL, &err);
    ck_assert_int_ne(status, 0);
    /* key-dir=keys is looked for beside the config, not in the cwd */
    ck_assert_msg(strstr(err, "pipelines/keys") && !strstr(err, "empty/keys"),
                  "%s", err);
    g_free(err);
    g_free(cmd);
    (void)args;

    g_free(dk_test_sh_ok("chmod 644 '%s/keys/signing-key.pem'", dir));
    char *conf = path_in("signed.conf");
    const char *check[] = {"check", "--event", event, conf, NULL};
    err = NULL;
    status = dk_test_dokpim(check, NULL, &err);
    ck_assert_int_ne(status, 0);
    ck_assert_msg(strstr(err, "chmod 600"), "%s", err);
    g_free(err);
    g_free(dk_test_sh_ok("chmod 600 '%s/keys/signing-key.pem'", dir));
    status = dk_test_dokpim(check, NULL, NULL);
    ck_assert_int_eq(status, 0);
    g_free(conf);
    g_free(shipped);
    g_free(event);
}
END_TEST

/* The settings the core records with each derivative (and sign.c2pa puts
 * in its actions) never carry a private file's value: the key given as
 * key= is left out, the chain beside it is named. */
START_TEST(test_settings_without_secrets)
{
    g_free(dk_test_sh_ok(
        "cd '%s' && sed 's|^key-dir=keys|key=keys/signing-key.pem\\nchain="
        "keys/signing-chain.pem|' signed.conf > files.conf",
        dir));
    run("files.conf", "flib", "event.ini");
    char *out = dk_test_sh_ok("cat '%s/flib/items'/*.ini", dir);
    ck_assert_msg(strstr(out, "plugin.0=sign.c2pa"), "%s", out);
    ck_assert_msg(strstr(out, "chain=signing-chain.pem"), "%s", out);
    ck_assert_msg(!strstr(out, "signing-key"), "%s", out);
    ck_assert_msg(strstr(out, "plugin.0=stamp.exif"), "%s", out);
    g_free(out);
}
END_TEST

/* The library's own output, with a manifest spread over three APP11
 * segments, passes the reference reader too. */
START_TEST(test_many_segments_reference)
{
    g_free(dk_test_sh_ok(
        "cd '%s' && /usr/bin/python3 -c \"import json; print(json.dumps("
        "{'@context': 'https://schema.org', '@type': 'CreativeWork', "
        "'name': 'big', 'text': 'x' * 150000}))\" > big.json",
        dir));
    c2pa_fixture_sign_tool(dir, "photos/p1.jpg", "big.jpg", "keys",
                           "$(sha256sum photos/p1.jpg | cut -c1-64) big.json");
    char *n = dk_test_sh_ok("cd '%s' && exiftool -v3 big.jpg | grep -c "
                            "'JPEG APP11'",
                            dir);
    ck_assert_str_eq(n, "3");
    JsonObject *t = judge("big.jpg", true);
    char *f = failures(t);
    ck_assert_msg(
        strcmp(json_object_get_string_member(t, "state"), "Trusted") == 0 &&
            *f == '\0',
        "big.jpg: %s [%s]", json_object_get_string_member(t, "state"), f);
    g_free(f);
    g_free(n);
    json_object_unref(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sign.c2pa");
    TCase *tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_signed_outputs);
    tcase_add_test(tc, test_tampered);
    tcase_add_test(tc, test_rerun);
    tcase_add_test(tc, test_check_refusals);
    tcase_add_test(tc, test_settings_without_secrets);
    tcase_add_test(tc, test_many_segments_reference);
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
