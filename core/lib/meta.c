/* The typed metadata dictionary items carry between stages. Every value
 * keeps a text form so templates and manifests need no type switch. */
#include "dk_internal.h"

#include <inttypes.h>
#include <string.h>

static void meta_value_free(gpointer data)
{
    dk_meta_value *value = data;
    g_free(value->text);
    g_free(value);
}

dk_meta *dk_meta_new(void)
{
    dk_meta *meta = g_new0(dk_meta, 1);
    meta->values =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, meta_value_free);
    return meta;
}

void dk_meta_free(dk_meta **meta)
{
    if (!meta || !*meta)
        return;
    g_hash_table_destroy((*meta)->values);
    g_free(*meta);
    *meta = NULL;
}

static void meta_store(dk_meta *meta, const char *key, dk_meta_value *value)
{
    g_hash_table_replace(meta->values, g_strdup(key), value);
}

void dk_meta_set_string(dk_meta *meta, const char *key, const char *text)
{
    if (!text) {
        g_hash_table_remove(meta->values, key);
        return;
    }
    dk_meta_value *value = g_new0(dk_meta_value, 1);
    value->type = DK_META_STRING;
    value->text = g_strdup(text);
    meta_store(meta, key, value);
}

void dk_meta_set_int(dk_meta *meta, const char *key, int64_t number)
{
    dk_meta_value *value = g_new0(dk_meta_value, 1);
    value->type = DK_META_INT;
    value->i = number;
    value->text = g_strdup_printf("%" PRId64, number);
    meta_store(meta, key, value);
}

void dk_meta_set_double(dk_meta *meta, const char *key, double number)
{
    dk_meta_value *value = g_new0(dk_meta_value, 1);
    value->type = DK_META_DOUBLE;
    value->d = number;
    char buffer[G_ASCII_DTOSTR_BUF_SIZE];
    /* %.10g keeps GPS degrees and durations exact enough, in C locale */
    value->text =
        g_strdup(g_ascii_formatd(buffer, sizeof buffer, "%.10g", number));
    meta_store(meta, key, value);
}

void dk_meta_set_bool(dk_meta *meta, const char *key, bool flag)
{
    dk_meta_value *value = g_new0(dk_meta_value, 1);
    value->type = DK_META_BOOL;
    value->b = flag;
    value->text = g_strdup(flag ? "true" : "false");
    meta_store(meta, key, value);
}

const dk_meta_value *dk_meta_lookup(const dk_meta *meta, const char *key)
{
    return meta ? g_hash_table_lookup(meta->values, key) : NULL;
}

const char *dk_meta_get(const dk_meta *meta, const char *key)
{
    const dk_meta_value *value = dk_meta_lookup(meta, key);
    return value ? value->text : NULL;
}

bool dk_meta_get_int(const dk_meta *meta, const char *key, int64_t *number)
{
    const dk_meta_value *value = dk_meta_lookup(meta, key);
    if (!value)
        return false;
    if (value->type == DK_META_INT) {
        *number = value->i;
        return true;
    }
    char *end = NULL;
    gint64 parsed = g_ascii_strtoll(value->text, &end, 10);
    if (end == value->text || *end)
        return false;
    *number = parsed;
    return true;
}

bool dk_meta_get_double(const dk_meta *meta, const char *key, double *number)
{
    const dk_meta_value *value = dk_meta_lookup(meta, key);
    if (!value)
        return false;
    if (value->type == DK_META_DOUBLE || value->type == DK_META_INT) {
        *number = value->type == DK_META_INT ? (double)value->i : value->d;
        return true;
    }
    char *end = NULL;
    double parsed = g_ascii_strtod(value->text, &end);
    if (end == value->text || *end)
        return false;
    *number = parsed;
    return true;
}

int dk_meta_orientation(const dk_meta *meta)
{
    int64_t orientation = 1;
    if (!dk_meta_get_int(meta, "image.orientation", &orientation) ||
        orientation < 1 || orientation > 8)
        return 1;
    return (int)orientation;
}

GList *dk_meta_sorted_keys(const dk_meta *meta)
{
    GList *keys = g_hash_table_get_keys(meta->values);
    return g_list_sort(keys, (GCompareFunc)strcmp);
}

dk_meta *dk_meta_copy(const dk_meta *meta)
{
    dk_meta *copy = dk_meta_new();
    GHashTableIter iter;
    gpointer key, data;
    g_hash_table_iter_init(&iter, meta->values);
    while (g_hash_table_iter_next(&iter, &key, &data)) {
        const dk_meta_value *value = data;
        dk_meta_value *dup = g_memdup2(value, sizeof *value);
        dup->text = g_strdup(value->text);
        meta_store(copy, key, dup);
    }
    return copy;
}

char *dk_meta_value_encode(const dk_meta_value *value)
{
    static const char tags[] = {'s', 'i', 'd', 'b'};
    return g_strdup_printf("%c:%s", tags[value->type], value->text);
}

void dk_meta_set_encoded(dk_meta *meta, const char *key, const char *encoded)
{
    if (!encoded || strlen(encoded) < 2 || encoded[1] != ':') {
        dk_meta_set_string(meta, key, encoded ? encoded : "");
        return;
    }
    const char *text = encoded + 2;
    switch (encoded[0]) {
    case 'i':
        dk_meta_set_int(meta, key, g_ascii_strtoll(text, NULL, 10));
        break;
    case 'd':
        dk_meta_set_double(meta, key, g_ascii_strtod(text, NULL));
        break;
    case 'b':
        dk_meta_set_bool(meta, key, strcmp(text, "true") == 0);
        break;
    default:
        dk_meta_set_string(meta, key, text);
    }
}
