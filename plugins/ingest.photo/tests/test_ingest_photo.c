/* ingest.photo through its probe callback, loaded from the built module as
 * the core loads it. Every corpus photo is either accepted with metadata
 * that agrees with exiftool's reading of the same file, or refused with
 * its one-line error. Also: what the plugin claims, paths that are not
 * photos, clock offsets from a real pipeline config, mutation fuzzing of
 * the headers, and the cost of the check next to hashing. */
#include <check.h>
#include <dlfcn.h>
#include <dokpim/dokpim.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the test builds probe stages and a pipeline as `dokpim` does */
#include "dk_internal.h"
#include "dk_test.h"
#include "photo_corpus.h"

static const dk_plugin *plugin;
static dk_event *event;
static dk_stage *stage;
static GTimeZone *event_tz;
static char *root; /* removed at the end; holds corpus and scratch */
static char *corpus;
static JsonObject *exiftool_facts; /* file name -> exiftool's object */
static JsonParser *exiftool_parser;

/* ---- set-up, once, before Check forks the tests ---- */

static const dk_plugin *load_plugin(void)
{
    char *path =
        g_build_filename(dk_test_plugin_dir(), "ingest.photo.so", NULL);
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!module) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        abort();
    }
    g_free(path);
    dk_plugin_entry_fn entry =
        (dk_plugin_entry_fn)dlsym(module, DK_PLUGIN_ENTRY_SYMBOL);
    if (!entry || entry()->abi_version != DK_ABI_VERSION ||
        entry()->struct_size != sizeof(dk_plugin)) {
        fprintf(stderr, "ingest.photo.so: bad entry point\n");
        abort();
    }
    return entry()->plugin;
}

/* exiftool -n: numbers as numbers, signed composite GPS coordinates. */
static void read_exiftool_facts(void)
{
    char *q = g_shell_quote(corpus);
    char *cmd = g_strdup_printf(
        "exiftool -j -n -q -q -FileName -ImageWidth -ImageHeight "
        "-ColorComponents -ColorTransform -EncodingProcess -Orientation "
        "-Make -Model "
        "-Composite:GPSLatitude -Composite:GPSLongitude "
        "-Composite:GPSAltitude -DateTimeOriginal -OffsetTimeOriginal "
        "-SubSecTimeOriginal %s",
        q);
    char *out = NULL;
    /* exiftool exits 1 when some files (the broken ones) have errors */
    int status = dk_test_sh(cmd, &out, NULL);
    if (status < 0 || !out) {
        fprintf(stderr, "exiftool did not run\n");
        abort();
    }
    exiftool_parser = json_parser_new();
    GError *error = NULL;
    if (!json_parser_load_from_data(exiftool_parser, out, -1, &error)) {
        fprintf(stderr, "exiftool JSON: %s\n", error->message);
        abort();
    }
    exiftool_facts = json_object_new();
    JsonArray *files =
        json_node_get_array(json_parser_get_root(exiftool_parser));
    for (guint i = 0; i < json_array_get_length(files); i++) {
        JsonObject *o = json_array_get_object_element(files, i);
        json_object_set_object_member(
            exiftool_facts, json_object_get_string_member(o, "FileName"),
            json_object_ref(o));
    }
    g_free(out);
    g_free(cmd);
    g_free(q);
}

static void suite_setup(void)
{
    plugin = load_plugin();
    dk_error err = {0};
    char *event_path = dk_test_source_path("assets/sample-event/event.ini");
    if (dk_event_load(event_path, &event, &err) < 0) {
        fprintf(stderr, "%s\n", err.message);
        abort();
    }
    g_free(event_path);
    stage = dk_stage_new_default(plugin, event, &err);
    event_tz = g_time_zone_new_identifier("Asia/Makassar");
    root = dk_test_tmpdir("photo");
    corpus = g_build_filename(root, "corpus", NULL);
    photo_corpus_build(corpus);
    read_exiftool_facts();
}

/* ---- helpers ---- */

static int probe(const dk_stage *with, const char *path, dk_meta *meta,
                 dk_error *err)
{
    dk_error_clear(err);
    return plugin->probe(with, path, meta, err);
}

static char *corpus_path(const char *file)
{
    return g_build_filename(corpus, file, NULL);
}

static int64_t meta_int(const dk_meta *meta, const char *key)
{
    int64_t v = -1;
    ck_assert_msg(dk_meta_get_int(meta, key, &v), "no %s", key);
    return v;
}

static void assert_meta_str(const dk_meta *meta, const char *key,
                            const char *want, const char *file)
{
    const char *got = dk_meta_get(meta, key);
    ck_assert_msg(g_strcmp0(got, want) == 0, "%s: %s is \"%s\", want \"%s\"",
                  file, key, got ? got : "(unset)", want ? want : "(unset)");
}

static void assert_meta_near(const dk_meta *meta, const char *key,
                             JsonObject *facts, const char *member,
                             const char *file)
{
    double got = 0;
    bool has = dk_meta_get_double(meta, key, &got);
    bool want = json_object_has_member(facts, member);
    ck_assert_msg(has == want, "%s: %s %s, exiftool %s", file, key,
                  has ? "set" : "unset", want ? "has it" : "has not");
    if (want) {
        double expected = json_object_get_double_member(facts, member);
        ck_assert_msg(fabs(got - expected) < 1e-6, "%s: %s %.7f, exiftool %.7f",
                      file, key, got, expected);
    }
}

/* "2024:09:02 14:11:22" + "+07:00" + "25" as exiftool printed them. */
static GDateTime *exiftool_time(JsonObject *facts)
{
    const char *text = json_object_get_string_member(facts, "DateTimeOriginal");
    int y, mo, d, h, mi, s;
    ck_assert(sscanf(text, "%d:%d:%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) == 6);
    GTimeZone *tz =
        json_object_has_member(facts, "OffsetTimeOriginal")
            ? g_time_zone_new_identifier(
                  json_object_get_string_member(facts, "OffsetTimeOriginal"))
            : g_time_zone_ref(event_tz);
    ck_assert(tz != NULL);
    double seconds = s;
    if (json_object_has_member(facts, "SubSecTimeOriginal")) {
        /* digits after the decimal point: "25" is .25 s, "025" .025 s;
         * exiftool prints the first as a number, the second as text */
        JsonNode *node = json_object_get_member(facts, "SubSecTimeOriginal");
        char *digits = json_node_get_value_type(node) == G_TYPE_STRING
                           ? g_strdup_printf("0.%s", json_node_get_string(node))
                           : g_strdup_printf("0.%" G_GINT64_FORMAT,
                                             json_node_get_int(node));
        seconds += g_ascii_strtod(digits, NULL);
        g_free(digits);
    }
    GDateTime *t = g_date_time_new(tz, y, mo, d, h, mi, seconds);
    g_time_zone_unref(tz);
    return t;
}

static void assert_capture_time(const dk_meta *meta, GDateTime *want,
                                const char *file)
{
    const char *text = dk_meta_get(meta, "capture.time");
    ck_assert_msg(text != NULL, "%s: no capture.time", file);
    GDateTime *got = g_date_time_new_from_iso8601(text, NULL);
    ck_assert_msg(got != NULL, "%s: capture.time \"%s\" is not ISO 8601", file,
                  text);
    char *want_text = g_date_time_format_iso8601(want);
    /* same instant, same offset; milliseconds survive */
    ck_assert_msg(llabs(g_date_time_difference(got, want)) < 1000 &&
                      g_date_time_get_utc_offset(got) ==
                          g_date_time_get_utc_offset(want),
                  "%s: capture.time %s, want %s", file, text, want_text);
    g_free(want_text);
    g_date_time_unref(got);
}

/* The capture time must be the one its source implies. */
static void check_capture(const photo_case *c, const dk_meta *meta,
                          JsonObject *facts)
{
    assert_meta_str(meta, "capture.source", c->source, c->file);
    assert_meta_str(meta, "capture.inferred",
                    strcmp(c->source, "exif") ? "true" : "false", c->file);
    GDateTime *want = NULL;
    if (strcmp(c->source, "exif") == 0 && c->exif_trusted) {
        want = exiftool_time(facts);
    } else if (strcmp(c->source, "exif") == 0) {
        char *iso = g_strconcat(PHOTO_CORPUS_EXIF_TIME, "+08:00", NULL);
        want = g_date_time_new_from_iso8601(iso, NULL);
        g_free(iso);
    } else if (strcmp(c->source, "filename") == 0) {
        gboolean date_only = FALSE;
        want = dk_capture_time_from_filename(c->file, event_tz, &date_only);
        ck_assert(want != NULL);
        assert_meta_str(meta, "capture.date-only", date_only ? "true" : NULL,
                        c->file);
    } else {
        GDateTime *utc = g_date_time_new_from_unix_utc(PHOTO_CORPUS_MTIME);
        want = g_date_time_to_timezone(utc, event_tz);
        g_date_time_unref(utc);
    }
    assert_capture_time(meta, want, c->file);
    g_date_time_unref(want);
}

/* From the component count and the Adobe marker's transform as exiftool
 * reads them (0: RGB or CMYK, 1: YCbCr, 2: YCCK; JFIF files have none). */
static const char *expected_colorspace(JsonObject *facts)
{
    int64_t components = json_object_get_int_member(facts, "ColorComponents");
    int64_t transform =
        json_object_has_member(facts, "ColorTransform")
            ? json_object_get_int_member(facts, "ColorTransform")
            : -1;
    if (components == 1)
        return "grey";
    if (components == 3)
        return transform == 0 ? "rgb" : "ycbcr";
    return transform == 2 ? "ycck" : "cmyk";
}

/* Dimensions, components, progressive and orientation against exiftool;
 * camera and GPS too where the EXIF is well-formed. */
static void check_facts(const photo_case *c, const dk_meta *meta,
                        JsonObject *facts)
{
    bool heif = g_str_has_suffix(c->file, ".heic");
    assert_meta_str(meta, "image.format", heif ? "heif" : "jpeg", c->file);
    int64_t width = meta_int(meta, "image.width");
    int64_t height = meta_int(meta, "image.height");
    ck_assert_int_eq(width, json_object_get_int_member(facts, "ImageWidth"));
    ck_assert_int_eq(height, json_object_get_int_member(facts, "ImageHeight"));
    int64_t orientation =
        c->exif_trusted && json_object_has_member(facts, "Orientation")
            ? json_object_get_int_member(facts, "Orientation")
            : 1;
    if (c->exif_trusted || !json_object_has_member(facts, "Orientation"))
        ck_assert_int_eq(meta_int(meta, "image.orientation"), orientation);
    orientation = meta_int(meta, "image.orientation");
    bool turned = !heif && orientation >= 5;
    ck_assert_int_eq(meta_int(meta, "display.width"), turned ? height : width);
    ck_assert_int_eq(meta_int(meta, "display.height"), turned ? width : height);
    if (!heif) {
        ck_assert_int_eq(meta_int(meta, "image.components"),
                         json_object_get_int_member(facts, "ColorComponents"));
        assert_meta_str(meta, "image.colorspace", expected_colorspace(facts),
                        c->file);
        assert_meta_str(
            meta, "image.progressive",
            json_object_get_int_member(facts, "EncodingProcess") == 2 ? "true"
                                                                      : "false",
            c->file);
    }
    if (!c->exif_trusted)
        return;
    assert_meta_str(meta, "camera.make",
                    json_object_has_member(facts, "Make")
                        ? json_object_get_string_member(facts, "Make")
                        : NULL,
                    c->file);
    assert_meta_str(meta, "camera.model",
                    json_object_has_member(facts, "Model")
                        ? json_object_get_string_member(facts, "Model")
                        : NULL,
                    c->file);
    assert_meta_near(meta, "gps.latitude", facts, "GPSLatitude", c->file);
    assert_meta_near(meta, "gps.longitude", facts, "GPSLongitude", c->file);
    assert_meta_near(meta, "gps.altitude", facts, "GPSAltitude", c->file);
    assert_meta_str(meta, "jpeg.exif",
                    json_object_has_member(facts, "Make") ? "true" : "false",
                    c->file);
}

/* ---- the corpus, one test per file ---- */

START_TEST(test_corpus_file)
{
    const photo_case *c = &photo_cases[_i];
    char *path = corpus_path(c->file);
    dk_meta *meta = dk_meta_new();
    dk_error err = {0};
    int rc = probe(stage, path, meta, &err);
    if (c->code) {
        ck_assert_msg(rc == c->code, "%s: got %d (%s), want %d", c->file, rc,
                      err.message, c->code);
        ck_assert_msg(strstr(err.message, c->message) != NULL,
                      "%s: message \"%s\" lacks \"%s\"", c->file, err.message,
                      c->message);
        ck_assert_msg(strchr(err.message, '\n') == NULL, "%s: two lines",
                      c->file);
    } else {
        ck_assert_msg(rc == 0, "%s refused: %s", c->file, err.message);
        JsonObject *facts =
            json_object_get_object_member(exiftool_facts, c->file);
        ck_assert_msg(facts != NULL, "exiftool did not read %s", c->file);
        check_facts(c, meta, facts);
        check_capture(c, meta, facts);
        const char *warning = dk_meta_get(meta, "exif.warning");
        ck_assert_msg((warning != NULL) == c->exif_warning,
                      "%s: exif.warning %s", c->file,
                      warning ? warning : "(unset)");
    }
    dk_meta_free(&meta);
    g_free(path);
}
END_TEST

/* ---- what the plugin claims ---- */

static const struct {
    const char *path;
    bool claimed;
} accept_rows[] = {
    {"a.jpg", true},
    {"B.JPG", true},
    {"c.jpeg", true},
    {"d.JPEG", true},
    {"e.heic", true},
    {"f.HEIF", true},
    {"IMG_0001.HIF", true},
    {"dir.x/g.Jpg", true},
    {"h.png", false},
    {"i.jpg.txt", false},
    {"jpg", false},
    {"k.mp4", false},
    {"folder.jpg/file", false},
    {"", false},
    {".jpgx", false},
};

START_TEST(test_accepts)
{
    ck_assert_msg(plugin->accepts(accept_rows[_i].path) ==
                      accept_rows[_i].claimed,
                  "accepts(\"%s\")", accept_rows[_i].path);
}
END_TEST

/* ---- paths that are not photo files ---- */

START_TEST(test_not_files)
{
    char *dir = photo_corpus_scratch(root, "odd");
    char *folder = g_build_filename(dir, "folder.jpg", NULL);
    char *fifo = g_build_filename(dir, "pipe.jpg", NULL);
    char *missing = g_build_filename(dir, "missing.jpg", NULL);
    g_mkdir(folder, 0755);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    dk_meta *meta = dk_meta_new();
    dk_error err = {0};
    ck_assert_int_eq(probe(stage, folder, meta, &err), DK_ERR_INVALID);
    ck_assert(strstr(err.message, "not a regular file"));
    /* must not block waiting for a writer */
    ck_assert_int_eq(probe(stage, fifo, meta, &err), DK_ERR_INVALID);
    ck_assert(strstr(err.message, "not a regular file"));
    ck_assert_int_eq(probe(stage, missing, meta, &err), DK_ERR_NOT_FOUND);
    dk_meta_free(&meta);
    g_free(missing);
    g_free(fifo);
    g_free(folder);
    g_free(dir);
}
END_TEST

/* ---- clock offsets, through a real pipeline config ---- */

static dk_pipeline *load_pipeline(const char *offsets, dk_registry **registry)
{
    char *dir = photo_corpus_scratch(root, "pipeline");
    char *conf = g_build_filename(dir, "p.conf", NULL);
    char *text = g_strdup_printf("[pipeline]\nstages=ingest\n\n"
                                 "[ingest]\nplugin=ingest.photo\n"
                                 "clock-offsets=%s\n",
                                 offsets);
    dk_test_write(conf, text, -1);
    *registry = dk_registry_new();
    char *module =
        g_build_filename(dk_test_plugin_dir(), "ingest.photo.so", NULL);
    dk_error err = {0};
    ck_assert_msg(dk_registry_load_file(*registry, module, &err) == 0, "%s",
                  err.message);
    dk_pipeline *pipeline = NULL;
    GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
    int rc =
        dk_pipeline_load(conf, *registry, event, NULL, &pipeline, problems);
    ck_assert_msg(rc == 0, "pipeline: %s",
                  problems->len ? (char *)problems->pdata[0] : "?");
    g_ptr_array_free(problems, TRUE);
    g_free(module);
    g_free(text);
    g_free(conf);
    g_free(dir);
    return pipeline;
}

START_TEST(test_clock_offset_applied)
{
    dk_registry *registry = NULL;
    /* the exiftool photo is a "Canon EOS R6"; the orientation ones are
     * "dokpim" "Test Camera", matched on make + model */
    dk_pipeline *pipeline = load_pipeline(
        "Canon EOS R6=+00:05:30;dokpim Test Camera=-90;Other=5", &registry);
    const dk_stage *configured = pipeline->stages->pdata[0];
    static const struct {
        const char *file;
        int64_t offset; /* 0: none applies */
    } rows[] = {
        {"exif-full.jpg", 330},
        {"orientation-1.jpg", -90},
        {"exif-no-offset.JPG", 0},
        {"WhatsApp Image 2024-09-02 at 14.11.22.jpeg", 0},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        char *path = corpus_path(rows[i].file);
        dk_meta *plain = dk_meta_new(), *shifted = dk_meta_new();
        dk_error err = {0};
        ck_assert_int_eq(probe(stage, path, plain, &err), 0);
        ck_assert_int_eq(probe(configured, path, shifted, &err), 0);
        GDateTime *a = g_date_time_new_from_iso8601(
            dk_meta_get(plain, "capture.time"), NULL);
        GDateTime *b = g_date_time_new_from_iso8601(
            dk_meta_get(shifted, "capture.time"), NULL);
        ck_assert_msg(g_date_time_difference(b, a) ==
                          rows[i].offset * G_TIME_SPAN_SECOND,
                      "%s: shifted by %" G_GINT64_FORMAT " us", rows[i].file,
                      g_date_time_difference(b, a));
        int64_t recorded = 0;
        bool has = dk_meta_get_int(shifted, "capture.clock-offset", &recorded);
        ck_assert_int_eq(has, rows[i].offset != 0);
        if (has)
            ck_assert_int_eq(recorded, rows[i].offset);
        ck_assert(!dk_meta_get(plain, "capture.clock-offset"));
        g_date_time_unref(a);
        g_date_time_unref(b);
        dk_meta_free(&plain);
        dk_meta_free(&shifted);
        g_free(path);
    }
    dk_pipeline_free(&pipeline);
    dk_registry_free(&registry);
}
END_TEST

/* A malformed entry is a configuration error when the stage opens. */
START_TEST(test_clock_offset_refused)
{
    dk_registry *registry = NULL;
    dk_pipeline *pipeline = load_pipeline("Canon EOS R6=soon", &registry);
    dk_stage *configured = pipeline->stages->pdata[0];
    void *state = NULL;
    dk_error err = {0};
    ck_assert_int_eq(
        plugin->open(configured, dk_stage_config(configured), &state, &err),
        DK_ERR_CONFIG);
    ck_assert(strstr(err.message, "Canon EOS R6=soon"));
    ck_assert_ptr_null(state);
    dk_pipeline_free(&pipeline);
    dk_registry_free(&registry);
}
END_TEST

/* ---- mutation fuzzing: flipped bytes and cuts in the headers ---- */

/* DOKPIM_FUZZ_ROUNDS=100000 for a long run by hand; CI runs a few
 * hundred per file. */
static int fuzz_rounds(void)
{
    const char *env = g_getenv("DOKPIM_FUZZ_ROUNDS");
    int rounds = env ? atoi(env) : 0;
    return rounds > 0 ? rounds : 400;
}

static const char *const fuzz_seeds[] = {
    "exif-full.jpg", /* EXIF from exiftool, GPS, sub-seconds */
    "exif-big-endian.jpeg", "progressive.jpg", /* many scans and tables */
    "restart-markers.jpg",  "phone.heic",      /* libheif's box parser */
};

/* Plain stdio: g_file_set_contents() fsyncs each replacement, which would
 * make the rounds cost disk flushes instead of probes. */
static void write_round(const char *path, const guint8 *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert(f != NULL);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_mutations)
{
    char *source = corpus_path(fuzz_seeds[_i]);
    gsize len = 0;
    guint8 *original = (guint8 *)dk_test_read(source, &len);
    ck_assert(original && len > 400);
    char *dir = photo_corpus_scratch(root, "fuzz");
    char *path = g_build_filename(dir, fuzz_seeds[_i], NULL);
    GRand *rand = g_rand_new_with_seed(20240902 + (guint32)_i);
    guint8 *copy = g_malloc(len);
    /* mostly the headers: markers, EXIF IFDs, SOF, tables, boxes */
    gint32 span = (gint32)MIN(len, 4096);
    int accepted = 0, refused = 0, rounds = fuzz_rounds();
    for (int round = 0; round < rounds; round++) {
        memcpy(copy, original, len);
        gsize cut = len;
        int flips = g_rand_int_range(rand, 1, 6);
        for (int f = 0; f < flips; f++)
            copy[g_rand_int_range(rand, 0, span)] =
                (guint8)g_rand_int_range(rand, 0, 256);
        if (round % 5 == 0)
            cut = (gsize)g_rand_int_range(rand, 1, (gint32)len);
        write_round(path, copy, cut);
        dk_meta *meta = dk_meta_new();
        dk_error err = {0};
        int rc = probe(stage, path, meta, &err);
        if (rc == 0) {
            accepted++;
            ck_assert(dk_meta_get(meta, "capture.time") != NULL);
        } else {
            refused++;
            ck_assert_msg(rc == DK_ERR_INVALID || rc == DK_ERR_UNSUPPORTED,
                          "round %d: code %d", round, rc);
            ck_assert_msg(err.message[0] && !strchr(err.message, '\n'),
                          "round %d: message \"%s\"", round, err.message);
        }
        dk_meta_free(&meta);
    }
    /* both outcomes must occur, or the mutations test nothing */
    ck_assert_int_gt(accepted, 0);
    ck_assert_int_gt(refused, 0);
    g_rand_free(rand);
    g_free(copy);
    g_free(original);
    g_free(path);
    g_free(dir);
    g_free(source);
}
END_TEST

/* ---- cost: the check must be cheap next to hashing the same file ---- */

START_TEST(test_large_photo_probes)
{
    /* a camera-sized file: the structural walk must reach its EOI; how
     * fast it does so is bench/photo's business, not a test's */
    char *dir = photo_corpus_scratch(root, "big");
    char *path = g_build_filename(dir, "big.jpg", NULL);
    char *q = g_shell_quote(path);
    /* 24 MP at q92 with grain, about 10 MB like a camera's */
    char *cmd = g_strdup_printf("/usr/bin/convert -size 3000x2000 -seed 3 "
                                "plasma:fractal -attenuate 0.3 +noise "
                                "Gaussian -filter box -resize 6000x4000! "
                                "-quality 92 %s",
                                q);
    photo_corpus_sh(cmd);
    dk_meta *meta = dk_meta_new();
    dk_error err = {0};
    ck_assert_int_eq(probe(stage, path, meta, &err), 0);
    ck_assert_int_eq(meta_int(meta, "image.width"), 6000);
    ck_assert_int_eq(meta_int(meta, "image.height"), 4000);
    dk_meta_free(&meta);
    g_free(cmd);
    g_free(q);
    g_free(path);
    g_free(dir);
}
END_TEST

static Suite *ingest_photo_suite(void)
{
    Suite *s = suite_create("ingest_photo");
    TCase *tc = tcase_create("probe");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_corpus_file, 0, (int)photo_case_count);
    tcase_add_loop_test(tc, test_accepts, 0, G_N_ELEMENTS(accept_rows));
    tcase_add_test(tc, test_not_files);
    tcase_add_test(tc, test_clock_offset_applied);
    tcase_add_test(tc, test_clock_offset_refused);
    tcase_add_loop_test(tc, test_mutations, 0, G_N_ELEMENTS(fuzz_seeds));
    tcase_add_test(tc, test_large_photo_probes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    suite_setup();
    SRunner *runner = srunner_create(ingest_photo_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    dk_test_cleanup_dirs();
    return failed ? 1 : 0;
}
