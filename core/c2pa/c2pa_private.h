/* dokpim — what the C2PA library's files share: JUMBF boxes written into
 * a GByteArray, CBOR through libcbor, SHA-256 through libcrypto. */
#ifndef DOKPIM_C2PA_PRIVATE_H
#define DOKPIM_C2PA_PRIVATE_H

#include <dokpim/c2pa.h>

#include <cbor.h>
#include <glib.h>
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

#endif
