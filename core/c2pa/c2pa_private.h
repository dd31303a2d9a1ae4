/* dokpim — what the C2PA library's files share: JUMBF boxes written into
 * a GByteArray, CBOR through libcbor, SHA-256 through libcrypto. */
#ifndef DOKPIM_C2PA_PRIVATE_H
#define DOKPIM_C2PA_PRIVATE_H

#include <dokpim/c2pa.h>

#include <cbor.h>
#include <glib.h>
#include <openssl/evp.h>
#include <stdbool.h>

/* JUMBF content types (ISO 19566-5) and C2PA superbox types: the first
 * four bytes name them, the rest is the ISO suffix. */
#define DK_C2PA_UUID(a, b, c, d)                                               \
    ((const uint8_t[16]){a, b, c, d, 0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, \
                         0xAA, 0x00, 0x38, 0x9B, 0x71})
#define DK_UUID_STORE      DK_C2PA_UUID('c', '2', 'p', 'a')
#define DK_UUID_MANIFEST   DK_C2PA_UUID('c', '2', 'm', 'a')
#define DK_UUID_ASSERTIONS DK_C2PA_UUID('c', '2', 'a', 's')
#define DK_UUID_CLAIM      DK_C2PA_UUID('c', '2', 'c', 'l')
#define DK_UUID_SIGNATURE  DK_C2PA_UUID('c', '2', 'c', 's')
#define DK_UUID_CBOR       DK_C2PA_UUID('c', 'b', 'o', 'r')
#define DK_UUID_JSON       DK_C2PA_UUID('j', 's', 'o', 'n')

/* Opens a box of type (4 chars) and returns its start, for
 * dk_jumbf_end(), which patches in the length once the content is in. */
size_t dk_jumbf_begin(GByteArray *out, const char type[4]);
int dk_jumbf_end(GByteArray *out, size_t start, dk_error *err);
/* A description box: requestable, labelled (toggles 0x03). */
void dk_jumbf_description(GByteArray *out, const uint8_t uuid[16],
                          const char *label);
/* A whole superbox holding one content box: description + content. */
int dk_jumbf_content_superbox(GByteArray *out, const uint8_t uuid[16],
                              const char *label, const char content_type[4],
                              const uint8_t *content, size_t content_len,
                              dk_error *err);

/* CBOR building: every helper returns a new reference or NULL on no
 * memory; dk_cbor_put() moves value into map under key. */
cbor_item_t *dk_cbor_uint(uint64_t value);
cbor_item_t *dk_cbor_text(const char *text);
cbor_item_t *dk_cbor_bytes(const uint8_t *data, size_t len);
bool dk_cbor_put(cbor_item_t *map, const char *key, cbor_item_t *value);
/* {"url": url, "hash": hash} */
cbor_item_t *dk_cbor_hashed_uri(const char *url, const uint8_t hash[32]);
/* Serializes item (and drops the caller's reference to it). */
int dk_cbor_finish(cbor_item_t *item, uint8_t **out, size_t *out_len,
                   dk_error *err);

void dk_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/* The COSE_Sign1 (tag 18) over payload with a detached payload, alg ES256
 * and x5chain in the protected header. Its size is fixed for a signer. */
int dk_c2pa_cose_sign(const dk_c2pa_signer *signer, const uint8_t *payload,
                      size_t payload_len, uint8_t **out, size_t *out_len,
                      dk_error *err);

/* Reading a manifest store. Every pointer points into the store buffer
 * the caller keeps alive; every length was checked against it. */
typedef struct dk_c2pa_assertion {
    char *label;
    const uint8_t *payload; /* the superbox's payload: what the claim hashes */
    size_t payload_len;
    const uint8_t *content; /* the content box's data (CBOR or JSON) */
    size_t content_len;
    char type[5]; /* the content box's type: "cbor", "json"... */
} dk_c2pa_assertion;

typedef struct dk_c2pa_manifest {
    char *label;
    GArray *assertions; /* dk_c2pa_assertion */
    const uint8_t *claim;
    size_t claim_len;
    const uint8_t *signature;
    size_t signature_len;
} dk_c2pa_manifest;

/* Parses the store's JUMBF and fills the active (last) manifest. */
int dk_c2pa_parse_store(const uint8_t *store, size_t len,
                        dk_c2pa_manifest *active, dk_error *err);
void dk_c2pa_manifest_clear(dk_c2pa_manifest *m);
const dk_c2pa_assertion *dk_c2pa_find_assertion(const dk_c2pa_manifest *m,
                                                const char *label);

/* One hashed URI of the claim's assertion list. */
typedef struct dk_c2pa_ref {
    char *label; /* the part after c2pa.assertions/ */
    uint8_t hash[32];
} dk_c2pa_ref;

typedef struct dk_c2pa_claim {
    GArray *refs; /* dk_c2pa_ref */
    char *title, *generator;
} dk_c2pa_claim;

int dk_c2pa_parse_claim(const uint8_t *cbor, size_t len, dk_c2pa_claim *claim,
                        dk_error *err);
void dk_c2pa_claim_clear(dk_c2pa_claim *claim);

/* A COSE_Sign1 with a detached payload. */
typedef struct dk_c2pa_cose {
    GBytes *protected_header;
    uint8_t sig[64];
    GPtrArray *certs; /* GBytes, DER; the signer's first */
} dk_c2pa_cose;

int dk_c2pa_parse_cose(const uint8_t *cbor, size_t len, dk_c2pa_cose *cose,
                       dk_error *err);
void dk_c2pa_cose_clear(dk_c2pa_cose *cose);
/* Decodes CBOR with one line on failure; what names it in the line. */
int dk_cbor_decode(const uint8_t *data, size_t len, const char *what,
                   cbor_item_t **out, dk_error *err);
/* The map's value under a text key, or NULL. */
cbor_item_t *dk_cbor_get(const cbor_item_t *map, const char *key);
/* A text item's copy (g_free), or NULL when item is no text. */
char *dk_cbor_strdup(const cbor_item_t *item);

/* Where a container keeps its store, as the binding check needs it. */
typedef struct dk_c2pa_found {
    uint8_t *store;
    size_t store_len;
    uint64_t offset, length; /* the store's bytes in the file */
} dk_c2pa_found;

/* A container's verifier hooks (c2pa_verify.c's table). find: 0 with
 * found->store NULL when there is no manifest. */
bool dk_c2pa_bmff_sniff(const uint8_t *data, size_t size);
int dk_c2pa_bmff_find(const uint8_t *data, size_t size, dk_c2pa_found *found,
                      dk_error *err);
int dk_c2pa_bmff_hash_check(const uint8_t *data, size_t size,
                            const dk_c2pa_found *found, const uint8_t *cbor,
                            size_t len, dk_error *err);
/* What every hard binding's check starts with (c2pa.hash.data,
 * c2pa.hash.bmff.v2): decodes the assertion labelled label, refuses an
 * algorithm other than SHA-256, or a member named unsupported_key (may be
 * NULL; unsupported_what says what it is), as DK_ERR_UNSUPPORTED, and a
 * hash that is not 32 bytes as DK_ERR_INVALID. On success *root is the
 * decoded map (cbor_decref) and *hash its 32 bytes. */
int dk_c2pa_binding_open(const uint8_t *cbor, size_t len, const char *label,
                         const char *unsupported_key,
                         const char *unsupported_what, cbor_item_t **root,
                         const uint8_t **hash, dk_error *err);

/* ISO BMFF: one top-level box. */
typedef struct dk_bmff_box {
    uint64_t off, size, header;
    char type[5];
    bool c2pa; /* a uuid box with the C2PA extended type */
} dk_bmff_box;

extern const uint8_t dk_c2pa_bmff_uuid[16];
/* The top-level boxes (dk_bmff_box) of a file that starts with ftyp. */
int dk_c2pa_bmff_boxes(const uint8_t *data, uint64_t size, GArray *boxes,
                       dk_error *err);
/* One box's share of the c2pa.hash.bmff.v2 hash: its offset in the file
 * (64-bit big-endian), then its bytes. Signer and verifier both hash
 * through this, so they cannot drift apart. */
void dk_c2pa_bmff_hash_box(EVP_MD_CTX *md, uint64_t offset,
                           const uint8_t *bytes, uint64_t size);

#endif
