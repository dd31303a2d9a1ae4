/* JUMBF boxes (ISO 19566-5): a 4-byte big-endian length counting itself,
 * a 4-byte type, the content. Superboxes (`jumb`) start with a `jumd`
 * description naming their content type and label. */
#include "c2pa_private.h"

#include <string.h>

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

size_t dk_jumbf_begin(GByteArray *out, const char type[4])
{
    size_t start = out->len;
    uint8_t header[8] = {0};
    memcpy(header + 4, type, 4);
    g_byte_array_append(out, header, sizeof header);
    return start;
}

int dk_jumbf_end(GByteArray *out, size_t start, dk_error *err)
{
    size_t len = out->len - start;
    if (len > UINT32_MAX)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "C2PA box of %zu bytes exceeds 4 GB", len);
    put_be32(out->data + start, (uint32_t)len);
    return 0;
}

void dk_jumbf_description(GByteArray *out, const uint8_t uuid[16],
                          const char *label)
{
    size_t start = dk_jumbf_begin(out, "jumd");
    const uint8_t toggles = 0x03; /* requestable, label present */
    g_byte_array_append(out, uuid, 16);
    g_byte_array_append(out, &toggles, 1);
    g_byte_array_append(out, (const uint8_t *)label, strlen(label) + 1);
    /* a description is a few dozen bytes: it cannot overflow */
    put_be32(out->data + start, (uint32_t)(out->len - start));
}

int dk_jumbf_content_superbox(GByteArray *out, const uint8_t uuid[16],
                              const char *label, const char content_type[4],
                              const uint8_t *content, size_t content_len,
                              dk_error *err)
{
    size_t outer = dk_jumbf_begin(out, "jumb");
    dk_jumbf_description(out, uuid, label);
    size_t inner = dk_jumbf_begin(out, content_type);
    g_byte_array_append(out, content, (guint)content_len);
    int rc = dk_jumbf_end(out, inner, err);
    return rc < 0 ? rc : dk_jumbf_end(out, outer, err);
}
