/* dokpim — C2PA (Content Credentials, spec 2.x) manifests.
 *
 * The manifest builder (claim v2, assertions, COSE_Sign1 over the claim,
 * the JUMBF manifest store) knows nothing about containers: it takes the
 * hard-binding assertion as CBOR from the caller. The JPEG embedder is
 * one such caller (c2pa.hash.data over the file minus its APP11
 * segments); a BMFF embedder would supply c2pa.hash.bmff.v3 the same way.
 *
 *     dk_c2pa_signer *s;
 *     dk_c2pa_signer_load(identity_dir, NULL, &s, err);
 *     dk_c2pa_sign_jpeg(in, out, &info, s, err);   // out via dk_atomic_*
 *     dk_c2pa_signer_free(s);
 */
#ifndef DOKPIM_C2PA_H
#define DOKPIM_C2PA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dokpim/error.h>
#include <dokpim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The office's signing identity (dokpim/keys.h) as C2PA signs with it:
 * x5chain holds the signing certificate, then intermediates (a
 * self-signed root is left out: validators take anchors from their trust
 * list). */
typedef struct dk_c2pa_signer dk_c2pa_signer;

/* Loads through dk_signing_identity_load, with its checks (key mode 0600,
 * key matches the signing certificate, chain verifies, C2PA signer
 * profile): dir_or_key_path is an identity folder (chain_path NULL) or a
 * PEM key with chain_path its certificates. */
DK_API int dk_c2pa_signer_load(const char *dir_or_key_path,
                               const char *chain_path, dk_c2pa_signer **out,
                               dk_error *err);
DK_API void dk_c2pa_signer_free(dk_c2pa_signer *signer);

/* A key = value pair for an action's parameters. */
typedef struct dk_c2pa_param {
    const char *name;
    const char *value;
} dk_c2pa_param;

/* One entry of c2pa.actions.v2. The first action of a manifest must be
 * c2pa.opened (the builder adds it, pointing at the parent ingredient);
 * these are what came after: "c2pa.edited", "c2pa.resized",
 * "c2pa.watermarked", "c2pa.transcoded", "c2pa.edited.metadata"... */
typedef struct dk_c2pa_action {
    const char *action;      /* the C2PA action name */
    const char *plugin;      /* dokpim plugin that did it, or NULL */
    const char *description; /* or NULL */
    const dk_c2pa_param *params;
    size_t n_params;
} dk_c2pa_action;

/* What the manifest says about the asset. Strings are UTF-8; NULL or ""
 * leaves an optional field out. */
typedef struct dk_c2pa_info {
    const char *generator_version; /* dokpim's version, e.g. "0.9.0" */
    const char *title;             /* dc:title of the signed asset */
    const char *format;            /* its media type, e.g. "image/jpeg" */
    /* The archived original: a parentOf ingredient carrying its sha256. */
    const char *parent_title;
    const char *parent_format;
    const char *parent_sha256_hex; /* 64 lower-case hex digits */
    const dk_c2pa_action *actions;
    size_t n_actions;
    /* A schema.org CreativeWork as JSON-LD object text (the event:
     * author, publisher, dates, location), or NULL. */
    const char *creative_work_json;
} dk_c2pa_info;

/* Builds a signed manifest store (the `jumb` superbox with the c2pa
 * description) around the hard binding given as CBOR bytes under
 * binding_label. The store's size depends only on the info, the signer
 * and binding_len, so a caller can build once with placeholder binding
 * values to learn the size, then again with the real ones.
 * *store is the caller's to g_free(). */
DK_API int dk_c2pa_build_store(const dk_c2pa_info *info,
                               const dk_c2pa_signer *signer,
                               const char *binding_label,
                               const uint8_t *binding, size_t binding_len,
                               uint8_t **store, size_t *store_len,
                               dk_error *err);

/* A c2pa.hash.data assertion's CBOR: sha256 hash of the asset with the
 * byte range [start, start + length) excluded. Integers are written at a
 * fixed width so the size does not change with the values. */
DK_API int dk_c2pa_data_hash_cbor(uint64_t start, uint64_t length,
                                  const uint8_t hash[32], uint8_t **cbor,
                                  size_t *cbor_len, dk_error *err);

/* Where a JPEG's C2PA manifest store sits: [offset, offset + length)
 * covers its APP11 segments (markers included). length is 0 when there
 * is none. Checks every length against size; hostile input gives
 * DK_ERR_INVALID with one line. */
typedef struct dk_c2pa_jpeg_span {
    uint64_t offset;
    uint64_t length;
    uint32_t segments;
} dk_c2pa_jpeg_span;

DK_API int dk_c2pa_jpeg_find(const uint8_t *data, size_t size,
                             dk_c2pa_jpeg_span *span, dk_error *err);

/* Reassembles the manifest store from the span's segments (the JUMBF
 * bytes without the JPEG XT headers). *store is the caller's to g_free. */
DK_API int dk_c2pa_jpeg_read_store(const uint8_t *data, size_t size,
                                   const dk_c2pa_jpeg_span *span,
                                   uint8_t **store, size_t *store_len,
                                   dk_error *err);

/* Signs in_path into out_path (written through dk_atomic_*; may equal
 * in_path). A manifest store already in the file is replaced. Only
 * APP11 segments are added: every other byte, scan data included, is
 * copied unchanged. */
DK_API int dk_c2pa_sign_jpeg(const char *in_path, const char *out_path,
                             const dk_c2pa_info *info,
                             const dk_c2pa_signer *signer, dk_error *err);

/* Signs an MP4/MOV (ISO BMFF with ftyp first) into out_path (written
 * through dk_atomic_*; may equal in_path): the store goes into a C2PA
 * `uuid` box right after ftyp, bound by c2pa.hash.bmff.v2; a C2PA box
 * already in the file is replaced. The stco/co64 chunk offsets are moved
 * by the size change; sample data and every other box are copied
 * unchanged. */
DK_API int dk_c2pa_sign_bmff(const char *in_path, const char *out_path,
                             const dk_c2pa_info *info,
                             const dk_c2pa_signer *signer, dk_error *err);

/* What dk_c2pa_verify found in a file. Integrity and trust are separate:
 * a file signed by an unknown certificate can be intact. Strings are
 * NULL when absent; the *_error fields say why a check failed. */
typedef struct dk_c2pa_report {
    bool has_manifest;     /* a manifest store is there */
    const char *container; /* "jpeg", "bmff" or NULL when not recognised */
    bool unsupported;      /* its format is not supported yet (invalid says) */
    char *invalid;         /* the store could not be read (or its format is not
                              supported yet): why, and nothing below is set */
    char *signer_subject, *signer_org;
    char signer_sha256[65]; /* of the leaf certificate (DER), hex */
    bool signature_ok;      /* ES256 over the claim with the leaf's key */
    char *signature_error;
    bool trusted; /* the leaf chains to an anchor */
    char *trust_error;
    bool binding_ok; /* the hard binding matches the file's bytes */
    char *binding_error;
    bool assertions_ok; /* every assertion matches the claim's hash */
    char *assertions_error;
    char *title, *generator;
    char *parent_title, *parent_sha256; /* the parentOf ingredient */
    char **actions; /* NULL-terminated action names, or NULL */
} dk_c2pa_report;

/* Reads and checks the manifest of a file's bytes. anchors: PEM files of
 * trusted certificates (NULL-terminated; NULL or empty: none trusted).
 * Returns 0 whatever the file holds (its state is in the report), < 0
 * only when an anchor file cannot be read. */
DK_API int dk_c2pa_verify(const uint8_t *data, size_t size,
                          const char *const *anchors, dk_c2pa_report *report,
                          dk_error *err);
/* Signature, hard binding and assertion hashes all good. */
DK_API bool dk_c2pa_report_intact(const dk_c2pa_report *report);
DK_API void dk_c2pa_report_clear(dk_c2pa_report *report);

#ifdef __cplusplus
}
#endif
#endif
