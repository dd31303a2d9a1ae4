#include "json.h"

#include <stdio.h>
#include <string.h>

char *json_text(JsonBuilder *builder, bool pretty)
{
    JsonGenerator *generator = json_generator_new();
    JsonNode *root = json_builder_get_root(builder);
    json_generator_set_root(generator, root);
    json_generator_set_pretty(generator, pretty);
    char *text = json_generator_to_data(generator, NULL);
    json_node_unref(root);
    g_object_unref(generator);
    return text;
}

void json_print(JsonBuilder *builder)
{
    g_autofree char *text = json_text(builder, true);
    printf("%s\n", text);
    fflush(stdout);
}

void json_print_line(JsonBuilder *builder)
{
    g_autofree char *text = json_text(builder, false);
    printf("%s\n", text);
    fflush(stdout);
}

static void add_value(JsonBuilder *builder, const dk_meta_value *value)
{
    switch (value->type) {
    case DK_META_INT:
        json_builder_add_int_value(builder, value->i);
        break;
    case DK_META_DOUBLE:
        json_builder_add_double_value(builder, value->d);
        break;
    case DK_META_BOOL:
        json_builder_add_boolean_value(builder, value->b);
        break;
    default:
        json_add_string(builder, NULL, value->text);
    }
}

/* Keys are sorted, so keys sharing a prefix are adjacent: open and close
 * objects as the dotted prefix changes. (By convention no key is both a
 * leaf and a prefix of another.) */
void json_add_meta(JsonBuilder *builder, const dk_meta *meta)
{
    GList *keys = dk_meta_sorted_keys(meta);
    gchar **open = NULL; /* path of objects currently open */
    guint depth = 0;
    for (GList *k = keys; k; k = k->next) {
        gchar **parts = g_strsplit(k->data, ".", -1);
        guint n = g_strv_length(parts);
        guint common = 0;
        while (common < depth && common + 1 < n &&
               strcmp(open[common], parts[common]) == 0)
            common++;
        for (guint d = depth; d > common; d--)
            json_builder_end_object(builder);
        gchar **next_open = g_new0(gchar *, n);
        for (guint d = 0; d < common; d++)
            next_open[d] = g_strdup(open[d]);
        for (guint d = common; d + 1 < n; d++) {
            json_builder_set_member_name(builder, parts[d]);
            json_builder_begin_object(builder);
            next_open[d] = g_strdup(parts[d]);
        }
        g_strfreev(open);
        open = next_open;
        depth = n - 1;
        const dk_meta_value *value = dk_meta_lookup(meta, k->data);
        if (value->type == DK_META_STRING) {
            json_add_string(builder, parts[n - 1], value->text);
        } else {
            json_builder_set_member_name(builder, parts[n - 1]);
            add_value(builder, value);
        }
        g_strfreev(parts);
    }
    for (guint d = depth; d > 0; d--)
        json_builder_end_object(builder);
    g_strfreev(open);
    g_list_free(keys);
}

void json_add_string(JsonBuilder *builder, const char *name, const char *value)
{
    if (name)
        json_builder_set_member_name(builder, name);
    if (!value) {
        json_builder_add_null_value(builder);
        return;
    }
    if (g_utf8_validate(value, -1, NULL)) {
        json_builder_add_string_value(builder, value);
        return;
    }
    /* a strict parser rejects the whole document over one such byte */
    g_autofree char *shown = g_utf8_make_valid(value, -1);
    json_builder_add_string_value(builder, shown);
    if (!name)
        return;
    g_autofree char *bytes_name = g_strconcat(name, "_bytes", NULL);
    g_autofree char *bytes =
        g_base64_encode((const guchar *)value, strlen(value));
    json_builder_set_member_name(builder, bytes_name);
    json_builder_add_string_value(builder, bytes);
}

static void add_item(JsonBuilder *builder, const dk_result *r)
{
    const dk_item *item = r->item;
    json_builder_begin_object(builder);
    json_add_string(builder, "input", item->source_path);
    json_add_string(builder, "status", dk_status_name(r->status));
    json_add_string(builder, "error",
                    r->status == DK_STATUS_FAILED ||
                            r->status == DK_STATUS_CANCELLED
                        ? r->message
                        : NULL);
    json_add_string(builder, "note",
                    r->status == DK_STATUS_FAILED ? NULL : r->message);
    json_add_string(builder, "failed_stage", r->stage);
    json_add_string(builder, "kind",
                    item->sha256 ? dk_kind_name(item->kind) : NULL);
    json_add_string(builder, "sha256", item->sha256);
    json_add_string(builder, "original", item->original_path);
    json_builder_set_member_name(builder, "derivatives");
    json_builder_begin_array(builder);
    for (guint i = 0; i < item->derivatives->len; i++) {
        const dk_derivative *d = item->derivatives->pdata[i];
        json_builder_begin_object(builder);
        json_add_string(builder, "stage", d->stage);
        json_add_string(builder, "role", d->role);
        json_add_string(builder, "path", d->path);
        json_add_string(builder, "sha256", d->sha256);
        if (d->size >= 0) {
            json_builder_set_member_name(builder, "size");
            json_builder_add_int_value(builder, d->size);
        }
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    json_builder_set_member_name(builder, "stages");
    json_builder_begin_array(builder);
    for (guint i = 0; r->stages && i < r->stages->len; i++) {
        const dk_stage_outcome *o = r->stages->pdata[i];
        json_builder_begin_object(builder);
        json_add_string(builder, "stage", o->stage);
        json_add_string(builder, "status", o->status);
        json_add_string(builder, "reason", o->reason);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    json_builder_set_member_name(builder, "warnings");
    json_builder_begin_array(builder);
    for (guint i = 0; i < item->warnings->len; i++) {
        const dk_warning *w = item->warnings->pdata[i];
        json_builder_begin_object(builder);
        json_add_string(builder, "stage", w->stage);
        json_add_string(builder, "message", w->message);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);
}

void json_add_result(JsonBuilder *builder, const dk_result *result)
{
    add_item(builder, result);
}

void json_print_run(const dk_pipeline *pipeline, const dk_library *library,
                    const dk_run *run)
{
    JsonBuilder *builder = json_builder_new();
    json_builder_begin_object(builder);
    json_add_string(builder, "pipeline", pipeline->path);
    json_add_string(builder, "event",
                    pipeline->event ? pipeline->event->path : NULL);
    json_add_string(builder, "library", library->root);
    json_builder_set_member_name(builder, "counts");
    json_builder_begin_object(builder);
    for (int s = DK_STATUS_DONE; s <= DK_STATUS_CANCELLED; s++) {
        json_builder_set_member_name(builder, dk_status_name(s));
        json_builder_add_int_value(builder, run->counts[s]);
    }
    json_builder_end_object(builder);
    json_builder_set_member_name(builder, "items");
    json_builder_begin_array(builder);
    for (guint i = 0; i < run->results->len; i++)
        add_item(builder, run->results->pdata[i]);
    json_builder_end_array(builder);
    json_builder_set_member_name(builder, "stage_errors");
    json_builder_begin_array(builder);
    for (guint i = 0; i < run->stage_errors->len; i++)
        json_add_string(builder, NULL, run->stage_errors->pdata[i]);
    json_builder_end_array(builder);
    json_builder_end_object(builder);
    json_print(builder);
    g_object_unref(builder);
}
