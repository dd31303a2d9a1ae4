/* transcode.photo through the real dokpim binary: ingest.photo, then
 * watermark.photo (overlay request only), then transcode.photo, on a batch
 * of generated photos in all 8 EXIF orientations, greyscale, CMYK and
 * progressive ones, and broken ones. Judged by identify, convert and
 * exiftool. */
#include "dk_test.h"
#include "transcode_photo_corpus.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

static char *path_in(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static char *path_in(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *name = g_strdup_vprintf(fmt, args);
    va_end(args);
    char *path = g_build_filename(dir, name, NULL);
    g_free(name);
    return path;
}

static void setup(void)
{
    ck_assert_msg(dk_test_have("exiftool") && dk_test_have("identify"),
                  "exiftool and ImageMagick are needed (install-deps.sh)");
    dir = dk_test_tmpdir("transcode-photo-cli");
    /* the suppression must reach the dokpim child under ASan too */
    dk_test_lsan_suppress(dir, "leak:libfontconfig.so\n");

    char *event = dk_test_source_path("assets/sample-event/event.ini");
    g_free(dk_test_sh_ok("cp '%s' '%s/event.ini' && mkdir -p '%s/photos'",
                         event, dir, dir));
    g_free(event);
    for (int o = 1; o <= 8; o++) {
        char *p = path_in("photos/o%d.jpg", o);
        tp_make_corners(p, 640, 400, o, NULL);
        g_free(p);
    }
    static const struct {
        const char *name, *options;
    } models[] = {{"cmyk", "-colorspace CMYK"},
                  {"grey", "-colorspace Gray"},
                  {"progressive", "-interlace JPEG"}};
    for (size_t i = 0; i < G_N_ELEMENTS(models); i++) {
        char *p = path_in("photos/%s.jpg", models[i].name);
        tp_make_corners(p, 640, 400, 1, models[i].options);
        g_free(p);
    }
    g_free(dk_test_sh_ok(
        "cd '%s/photos' && /usr/bin/convert -size 900x600 plasma:fractal "
        "-quality 92 /tmp/dk-tp-$$.jpg && head -c 20000 /tmp/dk-tp-$$.jpg "
        "> trunc.jpg && rm /tmp/dk-tp-$$.jpg && : > zero.jpg && "
        "/usr/bin/convert -size 64x64 xc:red png:png.jpg",
        dir));
}

static void teardown(void)
{
    g_clear_pointer(&dir, g_free);
    dk_test_cleanup_dirs();
}

static char *write_pipeline(const char *extra)
{
    char *logo = dk_test_source_path("assets/logo/dokpim-logo.png");
    char *path = path_in("photos.conf");
    char *text = g_strdup_printf(
        "[pipeline]\nstages=ingest;watermark;web\n\n"
        "[ingest]\nplugin=ingest.photo\n\n"
        "[watermark]\nplugin=watermark.photo\nlogo=%s\n"
        "text={event.agency}\nwidth=0.2\n\n"
        "[web]\nplugin=transcode.photo\nweb-size=320\nthumbnail-size=100\n"
        "web-output=web/{original.stem}.jpg\n"
        "thumbnail-output=thumbs/{original.stem}.jpg\n%s",
        logo, extra);
    dk_test_write(path, text, -1);
    g_free(text);
    g_free(logo);
    return path;
}

static int run(const char *pipeline, const char *library, const char *jobs,
               char **err)
{
    char *event = path_in("event.ini");
    char *photos = path_in("photos");
    const char *args[] = {"run", "-q", "--event", event,  "-o", library,
                          "-j",  jobs, pipeline,  photos, NULL};
    int status = dk_test_dokpim(args, NULL, err);
    g_free(photos);
    g_free(event);
    return status;
}

static void check_corners(const char *path, bool colour)
{
    tp_pixels p = tp_load(path);
    ck_assert_msg(p.w > p.h, "%s: %dx%d is not upright", path, p.w, p.h);
    static const double spots[3][2] = {{0.1, 0.1}, {0.9, 0.1}, {0.1, 0.9}};
    static const tp_colour want[3] = {TP_RED, TP_GREEN, TP_BLUE};
    for (int s = 0; s < 3 && colour; s++) {
        int rgb[3];
        tp_sample(&p, spots[s][0], spots[s][1], rgb);
        ck_assert_msg(tp_classify(rgb) == want[s], "%s corner %d: %d,%d,%d",
                      path, s, rgb[0], rgb[1], rgb[2]);
    }
    tp_pixels_free(&p);
}

START_TEST(test_event_batch)
{
    char *pipeline = write_pipeline(
        "contact-sheet=true\nsheet-format=jpeg;pdf;html\nsheet-order=time\n");
    char *library = path_in("library");
    char *before = dk_test_sh_ok("cd '%s/photos' && sha256sum *", dir);
    char *err = NULL;
    int status = run(pipeline, library, "2", &err);
    /* three broken files are set aside, the rest come out */
    ck_assert_msg(status == 1, "exit %d: %s", status, err);
    static const char *const broken[] = {"trunc.jpg", "zero.jpg", "png.jpg"};
    for (size_t i = 0; i < G_N_ELEMENTS(broken); i++)
        ck_assert_msg(strstr(err, broken[i]), "no line about %s in: %s",
                      broken[i], err);
    g_free(err);
    char *after = dk_test_sh_ok("cd '%s/photos' && sha256sum *", dir);
    ck_assert_str_eq(before, after); /* originals are never written */

    for (int o = 1; o <= 8; o++) {
        char *web = g_strdup_printf("%s/derived/web/web/o%d.jpg", library, o);
        char *thumb =
            g_strdup_printf("%s/derived/web/thumbs/o%d.jpg", library, o);
        int w, h;
        tp_identify(web, &w, &h);
        ck_assert_int_eq(w, 320);
        ck_assert_int_eq(h, 200);
        tp_identify(thumb, &w, &h);
        ck_assert_int_eq(w, 100);
        ck_assert_int_le(abs(h - 63), 1);
        check_corners(web, true);
        check_corners(thumb, true);
        char *tag = dk_test_sh_ok("exiftool -s3 -n -Orientation '%s'", web);
        ck_assert_msg(strcmp(tag, "1") == 0, "o%d: Orientation %s", o, tag);
        g_free(tag);
        /* the watermark watermark.photo asked for is in the bottom-right
         * quarter, which was plain yellow */
        tp_pixels p = tp_load(web);
        long other = 0;
        for (int y = p.h * 3 / 4; y < p.h; y++)
            for (int x = p.w * 3 / 4; x < p.w; x++) {
                const guint8 *px = p.rgb + ((size_t)y * p.w + x) * 3;
                int rgb[3] = {px[0], px[1], px[2]};
                other += tp_classify(rgb) != TP_YELLOW;
            }
        ck_assert_msg(other > 200, "o%d: no watermark (%ld)", o, other);
        tp_pixels_free(&p);
        g_free(web);
        g_free(thumb);
    }
    static const char *const models[] = {"cmyk", "grey", "progressive"};
    for (size_t i = 0; i < G_N_ELEMENTS(models); i++) {
        char *web =
            g_strdup_printf("%s/derived/web/web/%s.jpg", library, models[i]);
        check_corners(web, strcmp(models[i], "grey") != 0);
        g_free(web);
    }
    char *sheet = g_strdup_printf("%s/derived/web/contact-sheet.jpg", library);
    int sw, sh;
    tp_identify(sheet, &sw, &sh);
    ck_assert_int_ge(sw * sh, 11 * 100 * 100); /* 11 good photos */
    /* the PDF and HTML sheets name every good photo by its original name,
     * under the event's title */
    char *pdf = dk_test_sh_ok("pdftotext '%s/derived/web/contact-sheet.pdf' -",
                              library);
    char *html =
        dk_test_sh_ok("cat '%s/derived/web/contact-sheet.html'", library);
    for (int o = 1; o <= 8; o++) {
        char *name = g_strdup_printf("o%d.jpg", o);
        ck_assert_msg(strstr(pdf, name) && strstr(html, name), "no %s", name);
        g_free(name);
    }
    ck_assert(strstr(pdf, "page 1 of 1") && !strstr(pdf, "trunc.jpg"));
    ck_assert(strstr(html, "src=\"thumbs/o1.jpg\""));
    g_free(pdf);
    g_free(html);

    /* a re-run redoes nothing and changes no output */
    char *web_sums = dk_test_sh_ok(
        "cd '%s/derived/web' && sha256sum web/* thumbs/*", library);
    err = NULL;
    status = run(pipeline, library, "2", &err);
    ck_assert_msg(status == 1, "re-run exit %d: %s", status, err);
    g_free(err);
    char *web_sums2 = dk_test_sh_ok(
        "cd '%s/derived/web' && sha256sum web/* thumbs/*", library);
    ck_assert_str_eq(web_sums, web_sums2);
    ck_assert(g_file_test(sheet, G_FILE_TEST_EXISTS));
    g_free(web_sums);
    g_free(web_sums2);
    g_free(sheet);
    g_free(before);
    g_free(after);
    g_free(library);
    g_free(pipeline);
}
END_TEST

/* Options reach the plugin: --set changes the size and the metadata. */
START_TEST(test_options)
{
    char *pipeline = write_pipeline("");
    char *library = path_in("library");
    char *event = path_in("event.ini");
    char *photo = path_in("photos/o6.jpg");
    const char *args[] = {"run",     "-q",
                          "--event", event,
                          "-o",      library,
                          "--set",   "web.web-size=200",
                          "--set",   "web.metadata=strip",
                          "--set",   "web.thumbnail-size=0",
                          pipeline,  photo,
                          NULL};
    char *err = NULL;
    int status = dk_test_dokpim(args, NULL, &err);
    ck_assert_msg(status == 0, "exit %d: %s", status, err);
    g_free(err);
    char *web = g_strdup_printf("%s/derived/web/web/o6.jpg", library);
    int w, h;
    tp_identify(web, &w, &h);
    ck_assert_int_eq(w, 200);
    ck_assert_int_eq(h, 125);
    char *exif = dk_test_sh_ok("exiftool -s -EXIF:all '%s'", web);
    ck_assert_str_eq(exif, "");
    char *thumbs = g_strdup_printf("%s/derived/web/thumbs", library);
    ck_assert(!g_file_test(thumbs, G_FILE_TEST_EXISTS));
    /* a value out of range stops the run before any photo is touched */
    const char *bad[] = {"run",    "-q",    "--event", event,
                         "-o",     library, "--set",   "web.web-size=10",
                         pipeline, photo,   NULL};
    err = NULL;
    status = dk_test_dokpim(bad, NULL, &err);
    ck_assert_msg(status == 2, "exit %d: %s", status, err);
    ck_assert_msg(strstr(err, "web-size"), "%s", err);
    g_free(err);
    /* so do options that disagree */
    const char *clash[] = {"run",     "-q",
                           "--event", event,
                           "-o",      library,
                           "--set",   "web.contact-sheet=true",
                           "--set",   "web.thumbnail-size=0",
                           pipeline,  photo,
                           NULL};
    err = NULL;
    status = dk_test_dokpim(clash, NULL, &err);
    ck_assert_msg(status == 2, "exit %d: %s", status, err);
    ck_assert_msg(strstr(err, "contact-sheet"), "%s", err);
    g_free(err);
    /* and a sheet format no writer knows */
    const char *format[] = {"run",     "-q",
                            "--event", event,
                            "-o",      library,
                            "--set",   "web.contact-sheet=true",
                            "--set",   "web.sheet-format=pdf;gif",
                            pipeline,  photo,
                            NULL};
    err = NULL;
    status = dk_test_dokpim(format, NULL, &err);
    ck_assert_msg(status == 2, "exit %d: %s", status, err);
    ck_assert_msg(strstr(err, "sheet-format: unknown format \"gif\""), "%s",
                  err);
    g_free(err);
    g_free(thumbs);
    g_free(exif);
    g_free(web);
    g_free(photo);
    g_free(event);
    g_free(library);
    g_free(pipeline);
}
END_TEST

static char *choose(const char *library, const char *const *flags,
                    const char *photo)
{
    GPtrArray *args = g_ptr_array_new();
    g_ptr_array_add(args, "choose");
    g_ptr_array_add(args, "-o");
    g_ptr_array_add(args, (char *)library);
    for (size_t i = 0; flags[i]; i++)
        g_ptr_array_add(args, (char *)flags[i]);
    g_ptr_array_add(args, (char *)photo);
    g_ptr_array_add(args, NULL);
    char *err = NULL;
    int status = dk_test_dokpim((const char *const *)args->pdata, NULL, &err);
    ck_assert_msg(status == 0, "choose exit %d: %s", status, err);
    g_ptr_array_free(args, TRUE);
    return err;
}

/* The crew's choices, made with dokpim choose, reach the sheet on the
 * next run: the chosen photo's rating, mark and caption, the rejected one
 * left out (sheet-only=not-rejected), and every other cell still labelled
 * although only the two chosen photos were redone. */
START_TEST(test_sheet_choices)
{
    char *pipeline = write_pipeline("contact-sheet=true\n"
                                    "sheet-format=pdf;html\n"
                                    "sheet-only=not-rejected\n");
    char *library = path_in("library");
    char *err = NULL;
    int status = run(pipeline, library, "2", &err);
    ck_assert_msg(status == 1, "exit %d: %s", status, err);
    g_free(err);
    char *o1 = path_in("photos/o1.jpg"), *o2 = path_in("photos/o2.jpg");
    char *o3_thumb = g_strdup_printf("%s/derived/web/thumbs/o3.jpg", library);
    char *o3_sum = dk_test_sha256(o3_thumb);
    const char *const pick[] = {"--rating",
                                "5",
                                "--pick",
                                "--caption",
                                "Bupati menyapa warga Mangupura",
                                NULL};
    g_free(choose(library, pick, o1));
    const char *const reject[] = {"--reject", NULL};
    g_free(choose(library, reject, o2));
    status = run(pipeline, library, "2", &err);
    ck_assert_msg(status == 1, "re-run exit %d: %s", status, err);
    g_free(err);
    char *pdf = dk_test_sh_ok("pdftotext '%s/derived/web/contact-sheet.pdf' - "
                              "| tr -s ' \\n' '  '",
                              library);
    ck_assert_msg(strstr(pdf, "Bupati menyapa warga Mangupura") &&
                      strstr(pdf, "\u2605\u2605\u2605\u2605\u2605") &&
                      strstr(pdf, "PICK"),
                  "%s", pdf);
    ck_assert_msg(!strstr(pdf, "o2.jpg"), "the reject is on the sheet: %s",
                  pdf);
    for (int o = 3; o <= 8; o++) {
        char *name = g_strdup_printf("o%d.jpg", o);
        ck_assert_msg(strstr(pdf, name), "no %s in %s", name, pdf);
        g_free(name);
    }
    /* o3 was not redone: its cell came from the note */
    char *o3_again = dk_test_sha256(o3_thumb);
    ck_assert_str_eq(o3_sum, o3_again);
    char *html =
        dk_test_sh_ok("cat '%s/derived/web/contact-sheet.html'", library);
    ck_assert(strstr(html, "Bupati menyapa warga Mangupura"));
    ck_assert(!strstr(html, "o2.jpg"));
    g_free(html);
    g_free(o3_again);
    g_free(o3_sum);
    g_free(o3_thumb);
    g_free(pdf);
    g_free(o1);
    g_free(o2);
    g_free(library);
    g_free(pipeline);
}
END_TEST

/* A contact sheet that cannot be written fails the run with one line
 * naming it; the photos' own derivatives are still there. */
START_TEST(test_sheet_failure)
{
    char *pipeline = write_pipeline("contact-sheet=true\n");
    char *library = path_in("library");
    char *event = path_in("event.ini");
    char *photo = path_in("photos/o6.jpg");
    /* a folder where the sheet goes: the final rename cannot replace it */
    char *blocker =
        g_strdup_printf("%s/derived/web/contact-sheet.jpg/x", library);
    dk_test_write(blocker, "x", 1);
    const char *args[] = {"run",   "-q",     "--event", event, "-o",
                          library, pipeline, photo,     NULL};
    char *err = NULL;
    int status = dk_test_dokpim(args, NULL, &err);
    ck_assert_msg(status == 1, "exit %d: %s", status, err);
    ck_assert_msg(strstr(err, "dokpim: error: stage [web] (transcode.photo): "
                              "contact-sheet.jpg: "),
                  "%s", err);
    ck_assert_msg(strstr(err, "1 stage failed"), "%s", err);
    g_free(err);
    static const char *const outputs[] = {"web/o6.jpg", "thumbs/o6.jpg"};
    for (size_t i = 0; i < G_N_ELEMENTS(outputs); i++) {
        char *out = g_strdup_printf("%s/derived/web/%s", library, outputs[i]);
        ck_assert_msg(g_file_test(out, G_FILE_TEST_IS_REGULAR), "no %s", out);
        g_free(out);
    }
    g_free(blocker);
    g_free(photo);
    g_free(event);
    g_free(library);
    g_free(pipeline);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("transcode.photo cli");
    TCase *tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_event_batch);
    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_sheet_failure);
    tcase_add_test(tc, test_sheet_choices);
    suite_add_tcase(s, tc);
    return dk_test_run_suite(s);
}
