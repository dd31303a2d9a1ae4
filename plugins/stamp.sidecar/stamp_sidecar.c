/* stamp.sidecar — copies the file and writes the event's metadata next to
 * it as a JSON sidecar, for files whose format has no place for metadata
 * (or for archives that want it readable without exiftool). */
#include <dokpim/dokpim.h>

#include <json-glib/json-glib.h>
#include <string.h>

typedef struct stamp_sidecar_config {
    const dk_template *output;
    const dk_template *caption;
} stamp_sidecar_config;

#define FIELD(member) DK_FIELD(stamp_sidecar_config, member)
static const dk_option stamp_sidecar_options[] = {
    {.name = "output",
     .type = DK_OPT_PATH_TEMPLATE,
     .default_value = "{date:%Y%m%d}_{event.slug}_{seq:04}.{original.ext}",
     .help = "name of the copy; the sidecar is the same name plus .json",
     FIELD(output)},
    {.name = "caption",
     .type = DK_OPT_TEMPLATE,
     .default_value = "{event.title} — {event.city}",
     .help = "caption written into the sidecar",
     FIELD(caption)},
    {.name = NULL},
};

static const char *const event_fields[] = {
    "title", "leader",       "role",      "agency", "place",    "city",
    "date",  "photographer", "copyright", "tags",   "language", NULL};

static char *sidecar_json(const dk_stage *stage, const dk_item *item,
                          const char *caption)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "event");
    json_builder_begin_object(b);
    for (int i = 0; event_fields[i]; i++) {
        const char *value = dk_stage_event(stage, event_fields[i]);
        if (!value)
            continue;
        json_builder_set_member_name(b, event_fields[i]);
        json_builder_add_string_value(b, value);
    }
    json_builder_end_object(b);
    json_builder_set_member_name(b, "caption");
    json_builder_add_string_value(b, caption);
    json_builder_set_member_name(b, "original_name");
    g_autofree char *name = g_path_get_basename(dk_item_source_path(item));
    json_builder_add_string_value(b, name);
    json_builder_set_member_name(b, "sha256");
    json_builder_add_string_value(b, dk_item_sha256(item));
    const char *capture = dk_meta_get(dk_item_meta_const(item), "capture.time");
    const char *source =
        dk_meta_get(dk_item_meta_const(item), "capture.source");
    json_builder_set_member_name(b, "capture_time");
    json_builder_add_string_value(b, capture ? capture : "");
    json_builder_set_member_name(b, "capture_source");
    json_builder_add_string_value(b, source ? source : "");
    json_builder_end_object(b);
    JsonGenerator *gen = json_generator_new();
    JsonNode *root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    char *text = json_generator_to_data(gen, NULL);
    json_node_unref(root);
    g_object_unref(gen);
    g_object_unref(b);
    return text;
}

static int stamp_sidecar_process(const dk_stage *stage, void *state,
                                 dk_item *item, dk_error *err)
{
    (void)state;
    const stamp_sidecar_config *c = dk_stage_config(stage);
    g_autofree char *copy = NULL, *caption = NULL, *sidecar = NULL;
    int rc = dk_stage_output_path(stage, c->output, item, &copy, err);
    if (rc == 0)
        rc = dk_stage_expand(stage, c->caption, item, &caption, err);
    if (rc == 0)
        rc = dk_atomic_copy_file(dk_item_current_path(item), copy, err);
    if (rc < 0)
        return rc;
    sidecar = g_strconcat(copy, ".json", NULL);
    g_autofree char *json = sidecar_json(stage, item, caption);
    rc = dk_atomic_write_file(sidecar, json, strlen(json), err);
    if (rc == 0)
        rc = dk_item_add_derivative(item, "copy", copy, true, err);
    if (rc == 0)
        rc = dk_item_add_derivative(item, "sidecar", sidecar, false, err);
    return rc;
}

DK_PLUGIN_DEFINE(stamp_sidecar) = {
    .name = "stamp.sidecar",
    .summary = "copy the file and write event metadata beside it as JSON",
    .role = DK_ROLE_STAMP,
    .item_kinds = DK_KIND_ANY,
    .options = stamp_sidecar_options,
    .config_size = sizeof(stamp_sidecar_config),
    .process = stamp_sidecar_process,
};
