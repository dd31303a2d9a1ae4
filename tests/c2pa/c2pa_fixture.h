/* What the C2PA suites share: a folder with the test office's keys
 * (make-test-ca.sh), the reference reader's verdicts (judge.sh), short
 * clips (ffmpeg's test sources), the library's signing tool, and the
 * dokpim commands run inside that folder. Every path a function takes is
 * relative to the suite's folder unless it says otherwise. */
#ifndef C2PA_FIXTURE_H
#define C2PA_FIXTURE_H

#include <dokpim/c2pa.h>

#include <json-glib/json-glib.h>
#include <stdbool.h>

/* A fresh folder for the suite (removed with the suite's others), after
 * checking that each of the space-separated tools is on PATH; the
 * fontconfig caches ImageMagick and the watermark leave are suppressed
 * for the dokpim children LeakSanitizer watches. */
char *c2pa_fixture_dir(const char *tag, const char *tools);
/* The test CA and an ES256 signing identity in dir/sub (created; sub ""
 * is dir itself): signing-key.pem, signing-chain.pem, ca-cert.pem. */
void c2pa_fixture_keys(const char *dir, const char *sub);
/* The library's signer for dir/sub's keys (dk_c2pa_signer_free). */
dk_c2pa_signer *c2pa_fixture_signer(const char *dir, const char *sub);

/* One second of ffmpeg's testsrc picture (size "WxH", rate per second)
 * and a sine tone, encoded with options (codecs, -movflags...) to name. */
void c2pa_fixture_clip(const char *dir, const char *name, const char *size,
                       int rate, const char *options);
/* tests/c2pa's dk-c2pa-sign: signs in to out with dir/keys' identity (or
 * another folder's) and the extra arguments the tool takes (parent
 * sha256, a CreativeWork JSON); NULL extra: a zero parent hash. */
void c2pa_fixture_sign_tool(const char *dir, const char *in, const char *out,
                            const char *keys, const char *extra);

/* The reference reader's JSON for one file; trust: the anchor PEM, or
 * NULL for none (json_object_unref). */
JsonObject *c2pa_fixture_judge(const char *dir, const char *file,
                               const char *trust);
/* Its verdict on each of the space-separated files, from one reader run:
 * "STATE failure..." (and the reader's error, if any), a line each. */
char *c2pa_fixture_verdicts(const char *dir, const char *files,
                            const char *trust);

/* The shipped pipelines/<shipped> with its logo made absolute (and the
 * key-dir too when absolute_keys: dir/keys), through the extra sed
 * arguments, written to dir/out. */
void c2pa_fixture_pipeline(const char *dir, const char *shipped,
                           const char *out, bool absolute_keys,
                           const char *sed);
/* `dokpim run -q --event EVENT -o LIBRARY CONF INPUTS`, which must
 * succeed. */
void c2pa_fixture_run(const char *dir, const char *conf, const char *library,
                      const char *event, const char *inputs);
/* `dokpim verify ARGS` (a shell word list): its exit status, stdout in
 * *out (g_free); fails the test on a sanitizer report. */
int c2pa_fixture_verify(const char *dir, const char *args, char **out);

#endif
