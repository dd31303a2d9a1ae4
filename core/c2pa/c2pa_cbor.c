/* Small builders over libcbor so the manifest code reads as the CDDL. */
#include "c2pa_private.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

cbor_item_t *dk_cbor_uint(uint64_t value)
{
    /* the shortest form, as deterministic CBOR wants */
    if (value <= UINT8_MAX)
        return cbor_build_uint8((uint8_t)value);
    if (value <= UINT16_MAX)
        return cbor_build_uint16((uint16_t)value);
    if (value <= UINT32_MAX)
        return cbor_build_uint32((uint32_t)value);
    return cbor_build_uint64(value);
}

cbor_item_t *dk_cbor_text(const char *text)
{
    return cbor_build_stringn(text, strlen(text));
}

cbor_item_t *dk_cbor_bytes(const uint8_t *data, size_t len)
{
    return cbor_build_bytestring(data, len);
}

bool dk_cbor_put(cbor_item_t *map, const char *key, cbor_item_t *value)
{
    cbor_item_t *k = dk_cbor_text(key);
    bool ok = k && value &&
              cbor_map_add(map, (struct cbor_pair){.key = k, .value = value});
    if (k)
        cbor_decref(&k);
    if (value)
        cbor_decref(&value);
    return ok;
}

cbor_item_t *dk_cbor_hashed_uri(const char *url, const uint8_t hash[32])
{
    cbor_item_t *map = cbor_new_definite_map(2);
    if (map && dk_cbor_put(map, "url", dk_cbor_text(url)) &&
        dk_cbor_put(map, "hash", dk_cbor_bytes(hash, 32)))
        return map;
    if (map)
        cbor_decref(&map);
    return NULL;
}

int dk_cbor_finish(cbor_item_t *item, uint8_t **out, size_t *out_len,
                   dk_error *err)
{
    unsigned char *buf = NULL;
    size_t cap = 0;
    size_t len = item ? cbor_serialize_alloc(item, &buf, &cap) : 0;
    if (item)
        cbor_decref(&item);
    if (len == 0) {
        free(buf);
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory building CBOR");
    }
    *out = g_memdup2(buf, len);
    *out_len = len;
    free(buf);
    return 0;
}

void dk_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    unsigned int n = 32;
    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}
