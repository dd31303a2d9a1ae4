/* The contact sheet's pieces driven directly, with cells as the plugin
 * makes them from an item's meta (choice.* included): the PDF judged by
 * pdfinfo, pdftotext, pdfimages and pdffonts, the HTML by Python's
 * html.parser, the JPEG by its pixels; order and selection; the notes
 * that let a partial re-run label every cell; bad and edge input. */
#include "dk_test.h"
#include "transcode_photo.h"
#include "transcode_photo_corpus.h"
#include "transcode_photo_sheet.h"

#include <check.h>
#include <glib/gstdio.h>
#include <string.h>

static char *dir;

/* pango keeps a few fontconfig patterns alive on its loader thread. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

static void setup(void)
{
    ck_assert_msg(dk_test_have("pdftotext") && dk_test_have("identify"),
                  "poppler-utils and ImageMagick are needed (install-deps.sh)");
    dir = dk_test_tmpdir("transcode-photo-sheet");
}

static void teardown(void)
{
    g_clear_pointer(&dir, g_free);
    dk_test_cleanup_dirs();
}

#define LONG_CAPTION_WORDS 30 /* "word00 " ... : 300 characters */
#define BALINESE           "\xe1\xac\x85\xe1\xac\xa7\xe1\xad\x84\xe1\xac\xb2"
#define ARABIC             "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85"

static char *long_caption(void)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < LONG_CAPTION_WORDS; i++)
        g_string_append_printf(s, "word%02d%s", i,
                               i + 1 < LONG_CAPTION_WORDS ? "    " : "end");
    return g_string_free(s, FALSE);
}

/* n cells whose thumbnails are solid colours in dir/thumbs; cell 3's
 * thumbnail is broken, cell 4's is missing, cell 5 has the long caption,
 * cell 6 a Balinese and Arabic one, cell 7 no capture time. */
static transcode_photo_sheet_cell *make_cells(int n)
{
    static const char *const colours[] = {"#ff0000", "#00ff00", "#0000ff",
                                          "#ffff00"};
    char *thumbs = g_build_filename(dir, "thumbs", NULL);
    g_mkdir_with_parents(thumbs, 0755);
    /* one ImageMagick run for all: a test's time stays small */
    GString *cmd = g_string_new("/usr/bin/convert");
    transcode_photo_sheet_cell *cells = g_new0(transcode_photo_sheet_cell, n);
    for (int i = 0; i < n; i++) {
        transcode_photo_sheet_cell *c = &cells[i];
        c->thumb = g_strdup_printf("%s/t%03d.jpg", thumbs, i + 1);
        c->web = g_strdup_printf("%s/web/w%03d.jpg", dir, i + 1);
        c->name = g_strdup_printf("IMG_%04d.JPG", 7000 + i);
        c->seq = i + 1;
        c->time = g_strdup_printf("2026-12-04 09:%02d:00", i % 60);
        c->when = 1796374800 + i * 60;
        c->rating = i % 6;
        c->label = i % 3 == 1   ? g_strdup("pick")
                   : i % 3 == 2 ? g_strdup("reject")
                                : NULL;
        c->caption = g_strdup_printf("Caption number %d", i + 1);
        if (i != 3 && i != 4)
            g_string_append_printf(
                cmd, " \\( -size %s xc:%s -quality 90 -write '%s' +delete \\)",
                i % 2 ? "120x160" : "160x120", colours[i % 4], c->thumb);
    }
    g_string_append(cmd, " -size 1x1 xc:black null:");
    g_free(dk_test_sh_ok("%s", cmd->str));
    g_string_free(cmd, TRUE);
    if (n > 3)
        dk_test_write(cells[3].thumb, "broken", -1);
    if (n > 5) {
        g_free(cells[5].caption);
        cells[5].caption = long_caption();
    }
    if (n > 6) {
        g_free(cells[6].caption);
        cells[6].caption = g_strdup("Upacara " BALINESE " " ARABIC);
    }
    if (n > 7) {
        g_clear_pointer(&cells[7].time, g_free);
        cells[7].when = G_MININT64;
    }
    g_free(thumbs);
    return cells;
}

static void free_cells(transcode_photo_sheet_cell *cells, int n)
{
    for (int i = 0; i < n; i++)
        transcode_photo_sheet_cell_clear(&cells[i]);
    g_free(cells);
}

static transcode_photo_sheet_options options(void)
{
    transcode_photo_sheet_options o = {
        .formats = TRANSCODE_PHOTO_SHEET_JPEG | TRANSCODE_PHOTO_SHEET_PDF |
                   TRANSCODE_PHOTO_SHEET_HTML,
        .cell = 160,
        .per_page = 30,
        .title = "Kunjungan Gubernur",
        .date = "2026-12-04",
        .place = "Denpasar",
        .quality = 85,
    };
    return o;
}

static char *path_in(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

typedef int (*sheet_writer)(const char *, const transcode_photo_sheet_cell *,
                            size_t, const transcode_photo_sheet_options *,
                            dk_error *);

/* Writes dir/name with writer; the path, g_free() it. */
static char *write_ok(sheet_writer writer, const char *name,
                      const transcode_photo_sheet_cell *cells, int n,
                      const transcode_photo_sheet_options *o)
{
    char *path = path_in(name);
    dk_error err = {0};
    int rc = writer(path, cells, (size_t)n, o, &err);
    ck_assert_msg(rc == 0, "%s: %s", name, err.message);
    return path;
}

/* pdftotext's words with the layout's line breaks and spaces folded, so
 * a caption wrapped over two lines still reads as one string. */
static char *pdf_text(const char *pdf)
{
    char *raw = dk_test_sh_ok("pdftotext -enc UTF-8 '%s' -", pdf);
    GString *s = g_string_new(NULL);
    for (char *p = raw; *p; p++)
        if (!g_ascii_isspace(*p))
            g_string_append_c(s, *p);
        else if (s->len && s->str[s->len - 1] != ' ')
            g_string_append_c(s, ' ');
    g_free(raw);
    return g_string_free(s, FALSE);
}

/* Whether a word below the header starts in the first column of five and
 * ends past it (A4: 28 pt margins, 6 pt gap). */
static bool overflows(const char *pdf)
{
    /* the column is 107.9 pt, its text 6 pt narrower */
    const double edge = 28 + (595.276 - 2 * 28) / 5 - 3;
    char *out = dk_test_sh_ok(
        "pdftotext -bbox '%s' - | awk -F'\"' '/<word/ && $4 > 60 && "
        "$2 < %.1f && $6 > %.1f'",
        pdf, edge, edge);
    bool over = *out != '\0';
    if (over)
        fprintf(stderr, "%s", out);
    g_free(out);
    return over;
}

START_TEST(test_pdf)
{
    const int n = 40; /* 30 a page: two pages */
    transcode_photo_sheet_cell *cells = make_cells(n);
    transcode_photo_sheet_options o = options();
    char *pdf =
        write_ok(transcode_photo_sheet_write_pdf, "sheet.pdf", cells, n, &o);

    char *info = dk_test_sh_ok("pdfinfo '%s'", pdf);
    ck_assert_msg(strstr(info, "Pages:           2\n"), "%s", info);
    ck_assert_msg(strstr(info, "A4"), "not A4: %s", info);
    ck_assert_msg(strstr(info, "Kunjungan Gubernur"), "no title: %s", info);
    g_free(info);

    char *text = pdf_text(pdf);
    for (int i = 0; i < n; i++) {
        char *want = g_strdup_printf("#%d IMG_%04d.JPG", i + 1, 7000 + i);
        ck_assert_msg(strstr(text, want), "no \"%s\" in: %s", want, text);
        g_free(want);
        if (i == 5 || i == 6)
            continue;
        want = g_strdup_printf("Caption number %d ", i + 1);
        ck_assert_msg(strstr(text, want), "no \"%s\"", want);
        g_free(want);
    }
    ck_assert(strstr(text, "page 1 of 2") && strstr(text, "page 2 of 2"));
    ck_assert(strstr(text, "time unknown"));
    ck_assert(strstr(text, "2026-12-04 09:12:00"));
    ck_assert(strstr(text, "PICK") && strstr(text, "REJECT"));
    ck_assert(strstr(text, "no thumbnail"));
    ck_assert_msg(strstr(text, "word00 word01"), "%s", text);
    g_free(text);
    /* the 300-character caption takes two lines, not eight (the text cut
     * off stays in the PDF as the ellipsis' text, so count lines) */
    char *lines = dk_test_sh_ok(
        "pdftotext -f 1 -l 1 -bbox '%s' - | awk -F'\"' '/>word[0-9]/{print "
        "$4}' | sort -u | wc -l",
        pdf);
    ck_assert_msg(atoi(lines) == 2, "caption on %s lines", lines);
    g_free(lines);
    ck_assert_msg(!overflows(pdf), "text runs out of the first column");

    /* every readable thumbnail embedded as its own JPEG */
    char *images =
        dk_test_sh_ok("pdfimages -list '%s' | awk 'NR>2{print $9}' | sort | "
                      "uniq -c",
                      pdf);
    char *want = g_strdup_printf("%d jpeg", n - 2);
    ck_assert_msg(strstr(images, want), "want %s, got: %s", want, images);
    g_free(want);
    g_free(images);
    /* Balinese drawn with the face that has it (fontconfig's fallback;
     * Arabic may come from DejaVu, which has it too) */
    char *fonts = dk_test_sh_ok("pdffonts '%s'", pdf);
    ck_assert_msg(strstr(fonts, "NotoSansBalinese"), "%s", fonts);
    g_free(fonts);

    /* small: the thumbnails' bytes plus a little per cell */
    GStatBuf st;
    off_t thumbs = 0;
    for (int i = 0; i < n; i++)
        if (g_stat(cells[i].thumb, &st) == 0)
            thumbs += st.st_size;
    ck_assert_int_eq(g_stat(pdf, &st), 0);
    ck_assert_msg(st.st_size < thumbs + 400 * 1024, "%ld bytes for %ld",
                  (long)st.st_size, (long)thumbs);
    g_free(pdf);
    free_cells(cells, n);
}
END_TEST

/* html.parser: every img src exists, each name and caption is text, and
 * no element but the page's own came out of the data. */
static const char html_check[] =
    "import sys, os, html.parser\n"
    "page, want = sys.argv[1], sys.argv[2:]\n"
    "base = os.path.dirname(page)\n"
    "class P(html.parser.HTMLParser):\n"
    "    def __init__(s):\n"
    "        super().__init__(); s.text=''; s.tags=set(); s.imgs=[]\n"
    "    def handle_starttag(s, tag, attrs):\n"
    "        s.tags.add(tag)\n"
    "        if tag == 'img': s.imgs.append(dict(attrs)['src'])\n"
    "    def handle_data(s, d): s.text += d\n"
    "p = P(); p.feed(open(page, encoding='utf-8').read())\n"
    "from urllib.parse import unquote\n"
    "bad = [i for i in p.imgs if not os.path.isfile(os.path.join(base, "
    "unquote(i)))]\n"
    "assert not bad, 'missing: %r' % bad\n"
    "assert 'script' not in p.tags, p.tags\n"
    "for w in want: assert w in p.text, 'no %r' % w\n"
    "print(len(p.imgs))\n";

START_TEST(test_html)
{
    const int n = 9;
    transcode_photo_sheet_cell *cells = make_cells(n);
    g_free(cells[0].name);
    cells[0].name = g_strdup("<script>alert(1)</script>.jpg");
    g_free(cells[1].caption);
    cells[1].caption = g_strdup("Tom & Jerry <b>\"quoted\"</b>");
    transcode_photo_sheet_options o = options();
    char *page =
        write_ok(transcode_photo_sheet_write_html, "sheet.html", cells, n, &o);
    char *script = path_in("check.py");
    dk_test_write(script, html_check, -1);
    GString *cmd = g_string_new(NULL);
    g_string_append_printf(cmd, "/usr/bin/python3 '%s' '%s'", script, page);
    const char *want[] = {"<script>alert(1)</script>.jpg",
                          "Tom & Jerry <b>\"quoted\"</b>",
                          "Caption number 3",
                          "Upacara " BALINESE " " ARABIC,
                          "word29end",
                          "time unknown",
                          "Kunjungan Gubernur",
                          "Denpasar"};
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        char *quoted = g_shell_quote(want[i]);
        g_string_append_printf(cmd, " %s", quoted);
        g_free(quoted);
    }
    char *out = dk_test_sh_ok("%s", cmd->str);
    ck_assert_int_eq(atoi(out), n - 1); /* the missing one has no img */
    g_free(out);
    /* links are relative: the page moves with the library */
    char *body = dk_test_read(page, NULL);
    ck_assert(strstr(body, "src=\"thumbs/t001.jpg\""));
    ck_assert(strstr(body, "href=\"web/w001.jpg\""));
    ck_assert(!strstr(body, dir));
    g_free(body);
    g_string_free(cmd, TRUE);
    g_free(script);
    g_free(page);
    free_cells(cells, n);
}
END_TEST

START_TEST(test_jpeg)
{
    const int n = 7;
    transcode_photo_sheet_cell *cells = make_cells(n);
    transcode_photo_sheet_options o = options();
    o.columns = 4;
    char *sheet =
        write_ok(transcode_photo_sheet_write, "sheet.jpg", cells, n, &o);
    tp_pixels p = tp_load(sheet);
    int pitch = p.w / 4;
    ck_assert_int_eq(p.w % 4, 0);
    ck_assert_int_ge(pitch, 160);
    ck_assert_int_lt(pitch, 200);
    /* a header, then two rows of cells, each with text under its square:
     * find the header from where the first (red, 160x120) thumbnail
     * starts */
    int top = 0;
    for (int rgb[3]; top < p.h; top++) {
        tp_sample(&p, 0.5 / 4, (double)top / p.h, rgb);
        if (tp_classify(rgb) == TP_RED)
            break;
    }
    int header = top - 2 - (pitch - 120) / 2; /* the 5x5 sample: 2 px */
    ck_assert_msg(header > 10, "no header above the cells (%d)", header);
    int row_h = (p.h - header) / 2;
    ck_assert_msg(row_h > pitch * 5 / 4, "%dx%d: no room for text", p.w, p.h);
    for (int i = 0; i < n; i++) {
        int col = i % 4, row = i / 4;
        int rgb[3];
        int y = header + row * row_h + pitch / 2;
        tp_sample(&p, (col + 0.5) / 4, (double)y / p.h, rgb);
        if (i != 3 && i != 4) { /* those are marked "no thumbnail" */
            static const tp_colour want[] = {TP_RED, TP_GREEN, TP_BLUE,
                                             TP_YELLOW};
            ck_assert_msg(tp_classify(rgb) == want[i % 4], "cell %d: %d,%d,%d",
                          i, rgb[0], rgb[1], rgb[2]);
        }
        /* light text pixels in the band under every cell */
        int light = 0;
        for (int yy = y + pitch / 2; yy < header + (row + 1) * row_h; yy++)
            for (int x = col * pitch; x < (col + 1) * pitch; x++)
                light += p.rgb[((size_t)yy * p.w + x) * 3] > 180;
        ck_assert_msg(light > 30, "cell %d: no text under it (%d)", i, light);
    }
    tp_pixels_free(&p);
    g_free(sheet);
    free_cells(cells, n);
}
END_TEST

START_TEST(test_select)
{
    const int n = 9;
    transcode_photo_sheet_cell *cells = make_cells(n);
    /* shuffle times: the last cell was taken first */
    cells[8].when = 1;
    transcode_photo_sheet_options o = options();
    o.order = SHEET_ORDER_TIME;
    size_t kept = transcode_photo_sheet_select(cells, n, &o);
    ck_assert_int_eq(kept, n);
    ck_assert_int_eq(cells[0].seq, 9);
    ck_assert_int_eq(cells[n - 1].seq, 8); /* unknown time: last */
    o.order = SHEET_ORDER_SEQ;
    o.only = SHEET_ONLY_NOT_REJECTED;
    kept = transcode_photo_sheet_select(cells, kept, &o);
    ck_assert_int_eq(kept, 6); /* seq 3, 6, 9 are rejects */
    for (size_t i = 0; i < kept; i++)
        ck_assert_int_ne(cells[i].seq % 3, 0);
    ck_assert_int_eq(cells[0].seq, 1);
    o.only = SHEET_ONLY_PICKED;
    kept = transcode_photo_sheet_select(cells, kept, &o);
    ck_assert_int_eq(kept, 3);
    for (size_t i = 0; i < kept; i++)
        ck_assert_str_eq(cells[i].label, "pick");
    free_cells(cells, (int)kept);
}
END_TEST

/* Through the collector, as the plugin drives it: an empty run writes
 * nothing; a second run that adds one photo still labels all three. */
START_TEST(test_collect)
{
    const int n = 3;
    transcode_photo_sheet_cell *cells = make_cells(n);
    transcode_photo_sheet_options o = options();
    o.formats = TRANSCODE_PHOTO_SHEET_PDF | TRANSCODE_PHOTO_SHEET_HTML;
    char *base = path_in("out/contact-sheet");
    char *pdf = g_strconcat(base, ".pdf", NULL);
    dk_error err = {0};

    transcode_photo_sheet *sheet = transcode_photo_sheet_new(&o);
    ck_assert_int_eq(transcode_photo_sheet_finish(sheet, base, &err), 0);
    transcode_photo_sheet_free(&sheet);
    ck_assert(!g_file_test(pdf, G_FILE_TEST_EXISTS));

    sheet = transcode_photo_sheet_new(&o);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(transcode_photo_sheet_add(sheet, &cells[i], &err), 0);
    ck_assert_int_eq(transcode_photo_sheet_finish(sheet, base, &err), 0);
    transcode_photo_sheet_free(&sheet);

    g_free(cells[1].caption);
    cells[1].caption = g_strdup("Changed caption");
    sheet = transcode_photo_sheet_new(&o);
    ck_assert_int_eq(transcode_photo_sheet_add(sheet, &cells[1], &err), 0);
    int rc = transcode_photo_sheet_finish(sheet, base, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    transcode_photo_sheet_free(&sheet);
    char *text = pdf_text(pdf);
    ck_assert_msg(
        strstr(text, "#1 IMG_7000.JPG") && strstr(text, "#3 IMG_7002.JPG") &&
            strstr(text, "Caption number 3") && strstr(text, "Changed caption"),
        "%s", text);
    g_free(text);
    char *body = g_strconcat(base, ".html", NULL);
    char *html = dk_test_read(body, NULL);
    ck_assert(strstr(html, "src=\"../thumbs/t002.jpg\""));
    ck_assert(strstr(html, "href=\"../web/w002.jpg\""));
    g_free(html);
    g_free(body);
    /* only picks: one of three */
    o.only = SHEET_ONLY_PICKED;
    sheet = transcode_photo_sheet_new(&o);
    ck_assert_int_eq(transcode_photo_sheet_add(sheet, &cells[0], &err), 0);
    ck_assert_int_eq(transcode_photo_sheet_finish(sheet, base, &err), 0);
    transcode_photo_sheet_free(&sheet);
    char *info = dk_test_sh_ok("pdftotext '%s' - | grep -c IMG_ || true", pdf);
    ck_assert_int_eq(atoi(info), 1);
    g_free(info);
    g_free(pdf);
    g_free(base);
    free_cells(cells, n);
}
END_TEST

/* A long file name never runs into the next cell: it is ellipsised. */
START_TEST(test_long_name)
{
    const int n = 2;
    transcode_photo_sheet_cell *cells = make_cells(n);
    g_free(cells[0].name);
    cells[0].name = g_strdup_printf("START%0200dEND.jpg\x01\x1b", 0);
    transcode_photo_sheet_options o = options();
    char *pdf =
        write_ok(transcode_photo_sheet_write_pdf, "sheet.pdf", cells, n, &o);
    char *text = pdf_text(pdf);
    ck_assert_msg(strstr(text, "START") && strstr(text, "#2 IMG_7001.JPG"),
                  "%s", text);
    g_free(text);
    ck_assert_msg(!overflows(pdf), "the long name runs into the next cell");
    g_free(pdf);
    free_cells(cells, n);
}
END_TEST

static Suite *sheet_suite(void)
{
    Suite *s = suite_create("transcode.photo sheet");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"pdf", test_pdf},         {"html", test_html},
        {"jpeg", test_jpeg},       {"select", test_select},
        {"collect", test_collect}, {"long name", test_long_name},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    return dk_test_run_suite(sheet_suite());
}
