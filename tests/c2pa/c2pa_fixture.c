/* The C2PA suites' shared set-up: see c2pa_fixture.h. */
#include "c2pa_fixture.h"

#include "dk_test.h"

#include <check.h>
#include <string.h>

/* ImageMagick's and the watermark's fontconfig caches, kept for the
 * process's life on purpose. */
#define FONTCONFIG_RULE "leak:libfontconfig.so\n"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return FONTCONFIG_RULE;
}

char *c2pa_fixture_dir(const char *tag, const char *tools)
{
    gchar **need = g_strsplit(tools, " ", -1);
    for (int i = 0; need[i]; i++)
        ck_assert_msg(!*need[i] || dk_test_have(need[i]),
                      "%s is needed (install-deps.sh)", need[i]);
    g_strfreev(need);
    char *dir = dk_test_tmpdir(tag);
    dk_test_lsan_suppress(dir, FONTCONFIG_RULE);
    return dir;
}

void c2pa_fixture_keys(const char *dir, const char *sub)
{
    char *ca = dk_test_source_path("tests/c2pa/make-test-ca.sh");
    g_free(dk_test_sh_ok("cd '%s' && mkdir -p './%s' && sh '%s' './%s' 2>&1",
                         dir, sub, ca, sub));
    g_free(ca);
}

dk_c2pa_signer *c2pa_fixture_signer(const char *dir, const char *sub)
{
    char *key = g_build_filename(dir, sub, "signing-key.pem", NULL);
    char *chain = g_build_filename(dir, sub, "signing-chain.pem", NULL);
    dk_c2pa_signer *signer = NULL;
    dk_error err = {0};
    if (dk_c2pa_signer_load(key, chain, &signer, &err) < 0)
        dk_test_fail("signer: %s", err.message);
    g_free(key);
    g_free(chain);
    return signer;
}

void c2pa_fixture_clip(const char *dir, const char *name, const char *size,
                       int rate, const char *options)
{
    g_free(dk_test_sh_ok(
        "cd '%s' && ffmpeg -nostdin -v error -f lavfi -i "
        "testsrc=size=%s:rate=%d:duration=1 -f lavfi -i sine=duration=1 "
        "-shortest %s '%s'",
        dir, size, rate, options, name));
}

void c2pa_fixture_sign_tool(const char *dir, const char *in, const char *out,
                            const char *keys, const char *extra)
{
    char *tool = g_build_filename(g_getenv("DOKPIM_BUILD_DIR"), "core", "c2pa",
                                  "dk-c2pa-sign", NULL);
    g_free(dk_test_sh_ok("cd '%s' && '%s' '%s' '%s' '%s/signing-key.pem' "
                         "'%s/signing-chain.pem' %s",
                         dir, tool, in, out, keys, keys, extra ? extra : ""));
    g_free(tool);
}

/* The reader's output for files: one JSON object a line. */
static char *judge_lines(const char *dir, const char *files, const char *trust)
{
    char *judge = dk_test_source_path("tests/c2pa/judge.sh");
    char *anchor = trust ? g_strdup_printf("--trust '%s'", trust) : NULL;
    char *cmd = g_strdup_printf("cd '%s' && sh '%s' %s %s", dir, judge,
                                anchor ? anchor : "", files);
    char *out = NULL, *err = NULL;
    int status = dk_test_sh(cmd, &out, &err);
    ck_assert_msg(out && *out, "judge %s (%d): %s", files, status, err);
    g_free(err);
    g_free(cmd);
    g_free(anchor);
    g_free(judge);
    return out;
}

static JsonObject *parse(const char *line)
{
    JsonParser *p = json_parser_new();
    ck_assert_msg(json_parser_load_from_data(p, line, -1, NULL) &&
                      JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)),
                  "the reader said: %s", line);
    JsonObject *o =
        json_object_ref(json_node_get_object(json_parser_get_root(p)));
    g_object_unref(p);
    return o;
}

JsonObject *c2pa_fixture_judge(const char *dir, const char *file,
                               const char *trust)
{
    char *quoted = g_shell_quote(file);
    char *out = judge_lines(dir, quoted, trust);
    JsonObject *o = parse(out);
    g_free(out);
    g_free(quoted);
    return o;
}

char *c2pa_fixture_verdicts(const char *dir, const char *files,
                            const char *trust)
{
    char *out = judge_lines(dir, files, trust);
    gchar **lines = g_strsplit(g_strstrip(out), "\n", -1);
    GString *s = g_string_new("");
    for (int i = 0; lines[i]; i++) {
        JsonObject *o = parse(lines[i]);
        g_string_append_printf(s, "%s%s", i ? "\n" : "",
                               json_object_get_string_member(o, "state"));
        JsonArray *f = json_object_has_member(o, "failures")
                           ? json_object_get_array_member(o, "failures")
                           : NULL;
        for (guint k = 0; f && k < json_array_get_length(f); k++)
            g_string_append_printf(s, " %s",
                                   json_array_get_string_element(f, k));
        if (json_object_has_member(o, "error"))
            g_string_append_printf(s, " %s",
                                   json_object_get_string_member(o, "error"));
        json_object_unref(o);
    }
    g_strfreev(lines);
    g_free(out);
    return g_string_free(s, FALSE);
}

void c2pa_fixture_pipeline(const char *dir, const char *shipped,
                           const char *out, bool absolute_keys, const char *sed)
{
    char *rel = g_build_filename("pipelines", shipped, NULL);
    char *conf = dk_test_source_path(rel);
    char *assets = dk_test_source_path("assets");
    char *keys =
        absolute_keys
            ? g_strdup_printf("-e 's|^key-dir=keys|key-dir=%s/keys|'", dir)
            : g_strdup("");
    g_free(dk_test_sh_ok("sed -e 's|^logo=../assets|logo=%s|' %s %s '%s' > "
                         "'%s/%s'",
                         assets, keys, sed ? sed : "", conf, dir, out));
    g_free(keys);
    g_free(assets);
    g_free(conf);
    g_free(rel);
}

void c2pa_fixture_run(const char *dir, const char *conf, const char *library,
                      const char *event, const char *inputs)
{
    char *c = g_build_filename(dir, conf, NULL);
    char *lib = g_build_filename(dir, library, NULL);
    char *ev = g_build_filename(dir, event, NULL);
    char *in = g_build_filename(dir, inputs, NULL);
    const char *args[] = {"run", "-q", "--event", ev, "-o", lib, c, in, NULL};
    char *err = NULL;
    int status = dk_test_dokpim(args, NULL, &err);
    ck_assert_msg(status == 0, "dokpim run %s: %d\n%s", conf, status, err);
    g_free(err);
    g_free(in);
    g_free(ev);
    g_free(lib);
    g_free(c);
}

int c2pa_fixture_verify(const char *dir, const char *args, char **out)
{
    char *cmd =
        g_strdup_printf("cd '%s' && '%s' verify %s", dir, dk_test_bin(), args);
    char *err = NULL;
    int status = dk_test_sh(cmd, out, &err);
    ck_assert_msg(!err || !strstr(err, "Sanitizer"), "%s", err);
    g_free(err);
    g_free(cmd);
    return status;
}
