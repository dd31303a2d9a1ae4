/* The manifest: assertions (ingredient, actions, event, hard binding),
 * the claim v2 that lists their hashes, its COSE signature, and the JUMBF
 * manifest store around them. Container-neutral: the hard binding comes
 * in as CBOR. */
#include "c2pa_private.h"

#include <string.h>

#define DK_LABEL_INGREDIENT    "c2pa.ingredient.v3"
#define DK_LABEL_ACTIONS       "c2pa.actions.v2"
#define DK_LABEL_CREATIVE_WORK "stds.schema-org.CreativeWork"
#define DK_ASSERTION_URI       "self#jumbf=c2pa.assertions/"

static bool nonempty(const char *s)
{
    return s && *s;
}

/* An assertion as it sits in the store, with the hash the claim lists:
 * SHA-256 of the superbox's payload (description and content boxes). */
typedef struct assertion {
    char *label;
    GByteArray *box;
    uint8_t hash[32];
} assertion;

static void assertion_clear(gpointer p)
{
    assertion *a = p;
    g_free(a->label);
    g_byte_array_unref(a->box);
}

static int add_assertion(GArray *list, const char *label, bool json,
                         const uint8_t *content, size_t len, dk_error *err)
{
    assertion a = {.label = g_strdup(label), .box = g_byte_array_new()};
    int rc = dk_jumbf_content_superbox(
        a.box, json ? DK_UUID_JSON : DK_UUID_CBOR, label,
        json ? "json" : "cbor", content, len, err);
    if (rc < 0) {
        assertion_clear(&a);
        return rc;
    }
    dk_sha256(a.box->data + 8, a.box->len - 8, a.hash);
    g_array_append_val(list, a);
    return 0;
}

static int add_cbor_assertion(GArray *list, const char *label,
                              cbor_item_t *item, dk_error *err)
{
    uint8_t *bytes;
    size_t len;
    int rc = dk_cbor_finish(item, &bytes, &len, err);
    if (rc == 0)
        rc = add_assertion(list, label, false, bytes, len, err);
    g_free(bytes);
    return rc;
}

static int hex_to_bytes(const char *hex, uint8_t out[32])
{
    if (!hex || strlen(hex) != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        int hi = g_ascii_xdigit_value(hex[2 * i]);
        int lo = g_ascii_xdigit_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* The archived original. It carries no manifest of its own, so the
 * ingredient points at it by content: a hashed external URI (C2PA 2.x
 * $hashed-ext-uri-map) with the original's sha256. */
static cbor_item_t *ingredient(const dk_c2pa_info *info, const uint8_t sha[32])
{
    cbor_item_t *m = cbor_new_definite_map(5);
    if (!m)
        return NULL;
    bool ok = dk_cbor_put(m, "relationship", dk_cbor_text("parentOf"));
    if (ok && nonempty(info->parent_title))
        ok = dk_cbor_put(m, "dc:title", dk_cbor_text(info->parent_title));
    if (ok && nonempty(info->parent_format))
        ok = dk_cbor_put(m, "dc:format", dk_cbor_text(info->parent_format));
    char *iid = g_strdup_printf("sha256:%s", info->parent_sha256_hex);
    ok = ok && dk_cbor_put(m, "instanceID", dk_cbor_text(iid));
    g_free(iid);
    if (ok) {
        cbor_item_t *d = cbor_new_definite_map(3);
        char *url = g_strdup_printf("urn:sha256:%s", info->parent_sha256_hex);
        ok = d && dk_cbor_put(d, "url", dk_cbor_text(url)) &&
             dk_cbor_put(d, "alg", dk_cbor_text("sha256")) &&
             dk_cbor_put(d, "hash", dk_cbor_bytes(sha, 32));
        g_free(url);
        if (ok)
            ok = dk_cbor_put(m, "data", d);
        else if (d)
            cbor_decref(&d);
    }
    if (!ok)
        cbor_decref(&m);
    return m;
}

static cbor_item_t *software_agent(const dk_c2pa_info *info)
{
    cbor_item_t *m = cbor_new_definite_map(2);
    if (m && dk_cbor_put(m, "name", dk_cbor_text("dokpim")) &&
        dk_cbor_put(m, "version",
                    dk_cbor_text(nonempty(info->generator_version)
                                     ? info->generator_version
                                     : "unknown")))
        return m;
    if (m)
        cbor_decref(&m);
    return NULL;
}

static cbor_item_t *one_action(const dk_c2pa_info *info,
                               const dk_c2pa_action *a)
{
    cbor_item_t *m = cbor_new_definite_map(4);
    cbor_item_t *params = cbor_new_definite_map(2);
    bool ok = m && params &&
              dk_cbor_put(m, "action", dk_cbor_text(a->action)) &&
              dk_cbor_put(m, "softwareAgent", software_agent(info));
    if (ok && nonempty(a->description))
        ok = dk_cbor_put(m, "description", dk_cbor_text(a->description));
    if (ok && nonempty(a->plugin))
        ok = dk_cbor_put(params, "org.dokpim.plugin", dk_cbor_text(a->plugin));
    if (ok && a->n_params) {
        cbor_item_t *settings = cbor_new_definite_map(a->n_params);
        for (size_t i = 0; ok && settings && i < a->n_params; i++)
            ok = dk_cbor_put(
                settings, a->params[i].name,
                dk_cbor_text(a->params[i].value ? a->params[i].value : ""));
        ok = ok && dk_cbor_put(params, "org.dokpim.settings", settings);
    }
    ok = ok && dk_cbor_put(m, "parameters", params);
    params = NULL;
    if (!ok && m)
        cbor_decref(&m);
    return m;
}

static cbor_item_t *actions(const dk_c2pa_info *info,
                            const uint8_t ingredient_hash[32])
{
    cbor_item_t *list = cbor_new_definite_array(info->n_actions + 1);
    cbor_item_t *opened = cbor_new_definite_map(3);
    cbor_item_t *params = cbor_new_definite_map(1);
    cbor_item_t *refs = cbor_new_definite_array(1);
    cbor_item_t *ref = dk_cbor_hashed_uri(DK_ASSERTION_URI DK_LABEL_INGREDIENT,
                                          ingredient_hash);
    bool ok = list && opened && params && refs && ref &&
              cbor_array_push(refs, ref) &&
              dk_cbor_put(params, "ingredients", refs) &&
              dk_cbor_put(opened, "action", dk_cbor_text("c2pa.opened")) &&
              dk_cbor_put(opened, "softwareAgent", software_agent(info)) &&
              dk_cbor_put(opened, "parameters", params) &&
              cbor_array_push(list, opened);
    if (ref)
        cbor_decref(&ref);
    if (opened)
        cbor_decref(&opened);
    for (size_t i = 0; ok && i < info->n_actions; i++) {
        cbor_item_t *a = one_action(info, &info->actions[i]);
        ok = a && cbor_array_push(list, a);
        if (a)
            cbor_decref(&a);
    }
    cbor_item_t *m = cbor_new_definite_map(1);
    if (ok && m && dk_cbor_put(m, "actions", list))
        return m;
    if (m)
        cbor_decref(&m);
    return NULL;
}

static int build_assertions(const dk_c2pa_info *info, const char *binding_label,
                            const uint8_t *binding, size_t binding_len,
                            GArray *list, dk_error *err)
{
    uint8_t sha[32];
    if (hex_to_bytes(info->parent_sha256_hex, sha) < 0)
        return dk_error_set(err, DK_ERR_INVALID,
                            "C2PA: the original's sha256 is not 64 hex digits");
    int rc = add_cbor_assertion(list, DK_LABEL_INGREDIENT,
                                ingredient(info, sha), err);
    if (rc < 0)
        return rc;
    const uint8_t *ing_hash = g_array_index(list, assertion, 0).hash;
    rc = add_cbor_assertion(list, DK_LABEL_ACTIONS, actions(info, ing_hash),
                            err);
    if (rc == 0 && nonempty(info->creative_work_json))
        rc = add_assertion(list, DK_LABEL_CREATIVE_WORK, true,
                           (const uint8_t *)info->creative_work_json,
                           strlen(info->creative_work_json), err);
    if (rc == 0)
        rc = add_assertion(list, binding_label, false, binding, binding_len,
                           err);
    return rc;
}

static cbor_item_t *claim(const dk_c2pa_info *info, GArray *list)
{
    cbor_item_t *m = cbor_new_definite_map(6);
    cbor_item_t *gen = cbor_new_definite_map(2);
    cbor_item_t *created = cbor_new_definite_array(list->len);
    char *uuid = g_uuid_string_random();
    char *iid = g_strdup_printf("xmp:iid:%s", uuid);
    g_free(uuid);
    bool ok =
        m && gen && created &&
        dk_cbor_put(m, "instanceID", dk_cbor_text(iid)) &&
        dk_cbor_put(gen, "name", dk_cbor_text("dokpim")) &&
        dk_cbor_put(gen, "version",
                    dk_cbor_text(nonempty(info->generator_version)
                                     ? info->generator_version
                                     : "unknown")) &&
        dk_cbor_put(m, "claim_generator_info", gen) &&
        dk_cbor_put(m, "signature", dk_cbor_text("self#jumbf=c2pa.signature"));
    gen = NULL;
    g_free(iid);
    for (guint i = 0; ok && i < list->len; i++) {
        assertion *a = &g_array_index(list, assertion, i);
        char *url = g_strconcat(DK_ASSERTION_URI, a->label, NULL);
        cbor_item_t *h = dk_cbor_hashed_uri(url, a->hash);
        ok = h && cbor_array_push(created, h);
        g_free(url);
        if (h)
            cbor_decref(&h);
    }
    ok = ok && dk_cbor_put(m, "created_assertions", created);
    created = NULL;
    if (ok && nonempty(info->title))
        ok = dk_cbor_put(m, "dc:title", dk_cbor_text(info->title));
    ok = ok && dk_cbor_put(m, "alg", dk_cbor_text("sha256"));
    if (!ok && m)
        cbor_decref(&m);
    return m;
}

static int assemble(GArray *list, const uint8_t *claim_bytes, size_t claim_len,
                    const uint8_t *sig, size_t sig_len, GByteArray *out,
                    dk_error *err)
{
    size_t store = dk_jumbf_begin(out, "jumb");
    dk_jumbf_description(out, DK_UUID_STORE, "c2pa");
    size_t manifest = dk_jumbf_begin(out, "jumb");
    /* the UUID form c2pa-rs writes: a fixed length, so the store's size
     * does not depend on it */
    char *uuid = g_uuid_string_random();
    char *label = g_strdup_printf("urn:c2pa:%s", uuid);
    g_free(uuid);
    dk_jumbf_description(out, DK_UUID_MANIFEST, label);
    g_free(label);
    size_t assertions = dk_jumbf_begin(out, "jumb");
    dk_jumbf_description(out, DK_UUID_ASSERTIONS, "c2pa.assertions");
    for (guint i = 0; i < list->len; i++) {
        GByteArray *box = g_array_index(list, assertion, i).box;
        g_byte_array_append(out, box->data, box->len);
    }
    int rc = dk_jumbf_end(out, assertions, err);
    if (rc == 0)
        rc = dk_jumbf_content_superbox(out, DK_UUID_CLAIM, "c2pa.claim.v2",
                                       "cbor", claim_bytes, claim_len, err);
    if (rc == 0)
        rc = dk_jumbf_content_superbox(out, DK_UUID_SIGNATURE, "c2pa.signature",
                                       "cbor", sig, sig_len, err);
    if (rc == 0)
        rc = dk_jumbf_end(out, manifest, err);
    if (rc == 0)
        rc = dk_jumbf_end(out, store, err);
    return rc;
}

int dk_c2pa_build_store(const dk_c2pa_info *info, const dk_c2pa_signer *signer,
                        const char *binding_label, const uint8_t *binding,
                        size_t binding_len, uint8_t **store, size_t *store_len,
                        dk_error *err)
{
    GArray *list = g_array_new(FALSE, TRUE, sizeof(assertion));
    g_array_set_clear_func(list, assertion_clear);
    uint8_t *claim_bytes = NULL, *sig = NULL;
    size_t claim_len = 0, sig_len = 0;
    int rc =
        build_assertions(info, binding_label, binding, binding_len, list, err);
    if (rc == 0)
        rc = dk_cbor_finish(claim(info, list), &claim_bytes, &claim_len, err);
    if (rc == 0)
        rc = dk_c2pa_cose_sign(signer, claim_bytes, claim_len, &sig, &sig_len,
                               err);
    GByteArray *out = g_byte_array_new();
    if (rc == 0)
        rc = assemble(list, claim_bytes, claim_len, sig, sig_len, out, err);
    g_free(claim_bytes);
    g_free(sig);
    g_array_unref(list);
    if (rc < 0) {
        g_byte_array_unref(out);
        return rc;
    }
    *store_len = out->len;
    *store = g_byte_array_free(out, FALSE);
    return 0;
}

int dk_c2pa_data_hash_cbor(uint64_t start, uint64_t length,
                           const uint8_t hash[32], uint8_t **cbor,
                           size_t *cbor_len, dk_error *err)
{
    if (start > UINT32_MAX || length > UINT32_MAX)
        return dk_error_set(err, DK_ERR_UNSUPPORTED,
                            "C2PA: files over 4 GB need a BMFF binding");
    cbor_item_t *range = cbor_new_definite_map(2);
    cbor_item_t *excl = cbor_new_definite_array(1);
    cbor_item_t *m = cbor_new_definite_map(5);
    /* fixed-width integers: the two signing passes must agree on size */
    bool ok =
        range && excl && m &&
        dk_cbor_put(range, "start", cbor_build_uint32((uint32_t)start)) &&
        dk_cbor_put(range, "length", cbor_build_uint32((uint32_t)length)) &&
        cbor_array_push(excl, range) && dk_cbor_put(m, "exclusions", excl) &&
        dk_cbor_put(m, "name", dk_cbor_text("jumbf manifest")) &&
        dk_cbor_put(m, "alg", dk_cbor_text("sha256")) &&
        dk_cbor_put(m, "hash", dk_cbor_bytes(hash, 32)) &&
        dk_cbor_put(m, "pad", dk_cbor_bytes(NULL, 0));
    excl = NULL;
    if (range)
        cbor_decref(&range);
    if (!ok && m)
        cbor_decref(&m);
    return dk_cbor_finish(ok ? m : NULL, cbor, cbor_len, err);
}
