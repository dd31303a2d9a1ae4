/* stamp.exif through the real `dokpim` binary: ingest.photo + stamp.exif
 * on a small batch with the sample event, outputs judged by exiftool and
 * by comparing bytes with the inputs. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "dk_test.h"
#include "dk_test_tools.h"
#include "stamp_exif_samples.h"

static char *root;      /* removed at the end */
static char *inputs;    /* the batch */
static char *event_ini; /* assets/sample-event/event.ini */
static char *pipeline;
static GKeyFile *event;

static const char camera_name[] = "DSC_0001.jpg";
static const char whatsapp_name[] =
    "WhatsApp Image 2025-03-14 at 10.11.22.jpeg";
static const char phone_name[] = "IMG_20250314_101122.jpg";
static const char broken_name[] = "bad-xmp.jpg";

static char *event_value(const char *key)
{
    char *v = g_key_file_get_string(event, "event", key, NULL);
    ck_assert_msg(v != NULL, "sample event has no %s", key);
    return v;
}

static char *member(JsonObject *o, const char *name)
{
    return stamp_exif_member(o, name);
}

static void assert_member(JsonObject *o, const char *name, const char *want)
{
    char *got = member(o, name);
    ck_assert_msg(strcmp(got, want) == 0, "%s: got '%s', want '%s'", name, got,
                  want);
    g_free(got);
}

/* Runs the pipeline over the batch into library; returns the exit status
 * and stderr. */
static int run(const char *library, const char *extra, char **err)
{
    const char *args[] = {"run",
                          pipeline,
                          "--event",
                          event_ini,
                          "-o",
                          library,
                          "-j",
                          "2",
                          extra ? "--set" : inputs,
                          extra ? extra : NULL,
                          extra ? inputs : NULL,
                          NULL};
    return dk_test_dokpim(args, NULL, err);
}

/* The stamped output of each input, from the item manifests. */
static GHashTable *outputs_by_input(const char *library)
{
    GHashTable *map =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    char *items = g_build_filename(library, "items", NULL);
    GDir *dir = g_dir_open(items, 0, NULL);
    ck_assert_msg(dir != NULL, "no items folder in %s", library);
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        char *path = g_build_filename(items, name, NULL);
        GKeyFile *manifest = g_key_file_new();
        ck_assert(g_key_file_load_from_file(manifest, path, 0, NULL));
        char *sources =
            g_key_file_get_string(manifest, "item", "sources", NULL);
        char *out =
            g_key_file_get_string(manifest, "stage:stamp", "path.0", NULL);
        if (sources && out) {
            char **list = g_strsplit(sources, ";", -1);
            g_hash_table_insert(map, g_path_get_basename(list[0]),
                                g_build_filename(library, out, NULL));
            g_strfreev(list);
        }
        g_free(sources);
        g_free(out);
        g_key_file_unref(manifest);
        g_free(path);
    }
    g_dir_close(dir);
    g_free(items);
    return map;
}

static char *input_path(const char *name)
{
    return g_build_filename(inputs, name, NULL);
}

START_TEST(test_batch)
{
    char *library = dk_test_tmpdir("stamp-lib");
    char *before[3];
    const char *good[] = {camera_name, whatsapp_name, phone_name};
    for (int i = 0; i < 3; i++) {
        char *p = input_path(good[i]);
        before[i] = dk_test_sha256(p);
        g_free(p);
    }
    char *err = NULL;
    /* one file with a broken XMP packet: stamped with a fresh packet and
     * one warning naming it; exempi's own complaint (no file name) stays
     * off stderr */
    ck_assert_int_eq(run(library, NULL, &err), 0);
    int lines_naming = 0;
    char **lines = g_strsplit(err, "\n", -1);
    for (char **l = lines; *l; l++)
        if (g_str_has_prefix(*l, "dokpim: warning: ") &&
            strstr(*l, broken_name) && strstr(*l, "XMP: ")) {
            lines_naming++;
            ck_assert_msg(strstr(*l, ": stamp: XMP: the photo's packet was "
                                     "dropped and a fresh one written"),
                          "unclear: %s", *l);
        }
    g_strfreev(lines);
    ck_assert_msg(lines_naming == 1, "stderr: %s", err);
    ck_assert_msg(!strstr(err, "XML parsing failure"), "stderr: %s", err);
    /* the sample agency is longer than IIM's 32-byte Credit: said for
     * every photo (the whole name is in XMP, checked below) */
    const char *all[] = {camera_name, whatsapp_name, phone_name, broken_name};
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
        char *said =
            g_strdup_printf("%s: stamp: IPTC Credit: credit cut from", all[i]);
        ck_assert_msg(strstr(err, said), "no Credit warning for %s", all[i]);
        g_free(said);
    }

    GHashTable *outputs = outputs_by_input(library);
    ck_assert_int_eq(g_hash_table_size(outputs), 4);
    char *title = event_value("title"), *place = event_value("place");
    char *city = event_value("city"), *agency = event_value("agency");
    char *photographer = event_value("photographer");
    char *copyright = event_value("copyright");
    /* the default caption template, with the date in the event's
     * language (id) */
    char *caption =
        g_strdup_printf("%s — %s, %s, 14 Maret 2025", title, place, city);
    for (int i = 0; i < 3; i++) {
        const char *out = g_hash_table_lookup(outputs, good[i]);
        ck_assert_msg(out != NULL, "no stamped copy of %s", good[i]);
        char *in = input_path(good[i]);
        char *verdict = stamp_exif_validate(out);
        ck_assert_msg(strcmp(verdict, "OK") == 0, "%s: %s", out, verdict);
        g_free(verdict);
        char *scan_in = stamp_exif_scan_sha256(in);
        char *scan_out = stamp_exif_scan_sha256(out);
        ck_assert_str_eq(scan_in, scan_out);
        /* inputs stay as they were */
        char *after = dk_test_sha256(in);
        ck_assert_str_eq(before[i], after);

        JsonObject *o = dk_test_exiftool(out, stamp_exif_tags);
        assert_member(o, "IFD0:Artist", photographer);
        assert_member(o, "IPTC:By-line", photographer);
        assert_member(o, "XMP-dc:Creator", photographer);
        assert_member(o, "IFD0:Copyright", copyright);
        assert_member(o, "XMP-dc:Rights", copyright);
        assert_member(o, "IPTC:CopyrightNotice", copyright);
        assert_member(o, "IFD0:ImageDescription", caption);
        assert_member(o, "ExifIFD:UserComment", caption);
        assert_member(o, "IPTC:Caption-Abstract", caption);
        assert_member(o, "XMP-dc:Description", caption);
        assert_member(o, "XMP-iptcExt:Event", title);
        assert_member(o, "IPTC:ObjectName", title);
        assert_member(o, "XMP-photoshop:Credit", agency);
        assert_member(o, "XMP-iptcCore:Location", place);
        /* IIM's 32-byte Credit holds a shorter, still readable agency */
        char *credit = member(o, "IPTC:Credit");
        ck_assert_msg(strlen(credit) <= 32 && strlen(credit) > 10 &&
                          g_str_has_prefix(agency, credit),
                      "IPTC Credit '%s'", credit);
        g_free(credit);
        /* the event's tags join what an earlier tool put there */
        char *keywords = g_strdup_printf(
            "%sBadung;Bupati;sampah;lingkungan;rapat koordinasi;Puspem Badung",
            good[i] == camera_name ? "oldkw;" : "");
        assert_member(o, "IPTC:Keywords", keywords);
        g_free(keywords);
        assert_member(o, "IPTC:CodedCharacterSet", "UTF8");
        json_object_unref(o);
        g_free(scan_in);
        g_free(scan_out);
        g_free(after);
        g_free(in);
        g_free(before[i]);
    }
    /* the camera's own time stays; the times read from names are marked */
    JsonObject *cam = dk_test_exiftool(
        g_hash_table_lookup(outputs, camera_name), stamp_exif_tags);
    assert_member(cam, "ExifIFD:DateTimeOriginal", "2025:03:14 10:11:22");
    assert_member(cam, "XMP-dokpim:CaptureTimeInferred", "");
    json_object_unref(cam);
    JsonObject *wa = dk_test_exiftool(
        g_hash_table_lookup(outputs, whatsapp_name), stamp_exif_tags);
    assert_member(wa, "ExifIFD:DateTimeOriginal", "");
    assert_member(wa, "XMP-photoshop:DateCreated", "2025:03:14 10:11:22+08:00");
    assert_member(wa, "XMP-dokpim:CaptureTimeSource", "filename");
    json_object_unref(wa);

    /* a second run finds the work done and leaves the copies alone */
    char *first = dk_test_sha256(g_hash_table_lookup(outputs, camera_name));
    g_free(err);
    ck_assert_int_eq(run(library, NULL, &err), 0);
    /* the skipped stage's warning is repeated from the manifest */
    ck_assert_msg(strstr(err, "XMP: the photo's packet was dropped"),
                  "stderr: %s", err);
    char *second = dk_test_sha256(g_hash_table_lookup(outputs, camera_name));
    ck_assert_str_eq(first, second);
    GHashTable *again = outputs_by_input(library);
    ck_assert_int_eq(g_hash_table_size(again), 4);
    g_hash_table_unref(again);

    g_free(first);
    g_free(second);
    g_free(caption);
    g_free(title);
    g_free(place);
    g_free(city);
    g_free(agency);
    g_free(photographer);
    g_free(copyright);
    g_hash_table_unref(outputs);
    g_free(err);
    g_free(library);
}
END_TEST

START_TEST(test_keep_gps_false)
{
    char *library = dk_test_tmpdir("stamp-gps");
    char *err = NULL;
    ck_assert_int_eq(run(library, "stamp.keep-gps=false", &err), 0);
    GHashTable *outputs = outputs_by_input(library);
    JsonObject *o = dk_test_exiftool(g_hash_table_lookup(outputs, camera_name),
                                     stamp_exif_tags);
    ck_assert(o != NULL);
    GList *names = json_object_get_members(o);
    for (GList *l = names; l; l = l->next)
        ck_assert_msg(!strstr(l->data, "GPS"), "%s survived keep-gps=false",
                      (char *)l->data);
    g_list_free(names);
    assert_member(o, "IFD0:Make", "Canon");
    json_object_unref(o);
    g_hash_table_unref(outputs);
    g_free(err);
    g_free(library);
}
END_TEST

/* Values no XMP packet can carry are refused before any file is touched,
 * naming the file, the group, the option and the limit, whether they come
 * from the event or from the option's own text. */
static const struct {
    const char *event_field; /* NULL: none changed */
    const char *set;         /* --set STAGE.OPTION=, NULL: none */
    const char *message;
} too_long_rows[] = {
    /* the default caption holds the title, " — ", place, city and date */
    {"title", NULL,
     "[stamp]: caption: 102464 bytes after expansion, more than the 65 000 "
     "bytes an APP1 XMP packet can carry"},
    {NULL, "caption",
     "[stamp]: caption: 102400 bytes after expansion, more "
     "than the 65 000 bytes an APP1 XMP packet can carry"},
    {"agency", NULL, "[stamp]: credit: 102400 bytes after expansion"},
};

START_TEST(test_too_long_refused)
{
    char *dir = dk_test_tmpdir("stamp-long");
    char *library = g_build_filename(dir, "library", NULL);
    char *long_text = g_strnfill(102400, 'a');
    char *long_event = g_build_filename(dir, "event.ini", NULL);
    GKeyFile *copy = g_key_file_new();
    ck_assert(g_key_file_load_from_file(copy, event_ini, 0, NULL));
    if (too_long_rows[_i].event_field)
        g_key_file_set_string(copy, "event", too_long_rows[_i].event_field,
                              long_text);
    ck_assert(g_key_file_save_to_file(copy, long_event, NULL));
    g_key_file_unref(copy);
    /* {seq} needs a file: only the option's own text counts */
    char *set = too_long_rows[_i].set
                    ? g_strdup_printf("stamp.%s={seq}%s", too_long_rows[_i].set,
                                      long_text)
                    : g_strdup("stamp.keep-gps=true");
    const char *args[] = {"run",   pipeline, "--event", long_event, "-o",
                          library, "--set",  set,       inputs,     NULL};
    char *err = NULL;
    ck_assert_int_eq(dk_test_dokpim(args, NULL, &err), 2);
    ck_assert_msg(strstr(err, pipeline) &&
                      strstr(err, too_long_rows[_i].message),
                  "stderr: %.300s", err);
    ck_assert(!g_file_test(library, G_FILE_TEST_EXISTS) ||
              !g_file_test(g_build_filename(library, "items", NULL),
                           G_FILE_TEST_EXISTS));
    g_free(err);
    g_free(set);
    g_free(long_event);
    g_free(long_text);
    g_free(library);
    g_free(dir);
}
END_TEST

static void teardown(void)
{
    dk_test_cleanup_dirs();
}

static void make_batch(void)
{
    char *bare = stamp_exif_sample(root, "bare.jpg", SAMPLE_BARE, 320, 240);
    g_free(stamp_exif_sample(inputs, camera_name, SAMPLE_CAMERA, 640, 480));
    g_free(stamp_exif_sample(inputs, phone_name, SAMPLE_PHONE, 400, 300));
    gsize n = 0;
    char *data = dk_test_read(bare, &n);
    char *wa = input_path(whatsapp_name);
    dk_test_write(wa, data, (gssize)n);
    /* a JPEG ingest accepts but whose XMP does not parse */
    GByteArray *jpeg = g_byte_array_new_take((guint8 *)data, n);
    static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0"
                              "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF>";
    GByteArray *broken =
        stamp_exif_insert_segment(jpeg, 0xE1, xmp, sizeof(xmp) - 1);
    char *bad = input_path(broken_name);
    dk_test_write(bad, broken->data, broken->len);
    g_byte_array_unref(broken);
    g_byte_array_unref(jpeg);
    g_free(bad);
    g_free(wa);
    g_free(bare);
}

int main(void)
{
    static const char *const tools[] = {"exiftool", "vips", "sha256sum"};
    for (size_t i = 0; i < G_N_ELEMENTS(tools); i++)
        if (!dk_test_have(tools[i])) {
            fprintf(stderr, "%s is missing: run scripts/install-deps.sh\n",
                    tools[i]);
            return 1;
        }
    root = g_dir_make_tmp("dokpim-stamp-cli-XXXXXX", NULL);
    if (!root)
        return 1;
    inputs = g_build_filename(root, "batch", NULL);
    g_mkdir_with_parents(inputs, 0755);
    make_batch();
    event_ini = dk_test_source_path("assets/sample-event/event.ini");
    event = g_key_file_new();
    if (!g_key_file_load_from_file(event, event_ini, 0, NULL)) {
        fprintf(stderr, "cannot read %s\n", event_ini);
        return 1;
    }
    pipeline = g_build_filename(root, "stamp.conf", NULL);
    static const char conf[] = "[pipeline]\nstages=ingest;stamp\n\n"
                               "[ingest]\nplugin=ingest.photo\n\n"
                               "[stamp]\nplugin=stamp.exif\n";
    dk_test_write(pipeline, conf, -1);

    Suite *s = suite_create("stamp.exif cli");
    TCase *tc = tcase_create("run");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_batch);
    tcase_add_test(tc, test_keep_gps_false);
    tcase_add_loop_test(tc, test_too_long_refused, 0,
                        G_N_ELEMENTS(too_long_rows));
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    if (!g_getenv("DOKPIM_KEEP_TEST_DIRS")) {
        char *rm = g_strdup_printf("rm -rf '%s'", root);
        dk_test_sh(rm, NULL, NULL);
        g_free(rm);
    }
    g_key_file_unref(event);
    return failed ? 1 : 0;
}
