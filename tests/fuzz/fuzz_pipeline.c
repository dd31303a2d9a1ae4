/* core/lib/pipeline.c + option.c + keyfile.c: any bytes as a pipeline
 * config, validated against plugins whose option tables hold every option
 * type, with the sample event. Bytes after a "\n%%\n" line are --set
 * overrides, one a line. */
#include <string.h>

#include "dk_internal.h"
#include "fuzz_common.h"

static bool fuzz_accepts(const char *path)
{
    return g_str_has_suffix(path, ".jpg");
}

static int fuzz_process(const dk_stage *stage, void *state, dk_item *item,
                        dk_error *err)
{
    (void)stage, (void)state, (void)item, (void)err;
    return 0;
}

typedef struct stamp_config {
    const char *label, *logo, *target, *token;
    const dk_template *caption, *output;
    bool enabled, label_set;
    int count, mode;
    double ratio, scale;
    const char *const *words;
} stamp_config;

static int fuzz_check(const dk_stage *stage, const void *config, dk_error *err)
{
    /* the cross-option callback a plugin may have, expanding a template
     * with no item as `dokpim check` does */
    const stamp_config *c = config;
    g_autofree char *caption = NULL;
    int rc = dk_stage_expand(stage, c->caption, NULL, &caption, err);
    if (rc == DK_ERR_CONFIG)
        return rc;
    if (c->count > 5 && c->mode == 0)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "count above 5 needs mode=slow");
    return 0;
}

static const dk_option ingest_options[] = {
    {"clock-offsets", DK_OPT_LIST, "", "camera offsets"},
    {"backup-dir", DK_OPT_STRING, "", "a second folder"},
    {NULL},
};

#define F(member) DK_FIELD(stamp_config, member)
static const dk_option stamp_options[] = {
    {"label", DK_OPT_STRING, "x", "free text", F(label),
     DK_SET_FIELD(stamp_config, label_set)},
    {"caption", DK_OPT_TEMPLATE, "{event.title} #{seq:03}", "a template",
     F(caption)},
    {"output", DK_OPT_PATH_TEMPLATE, "{date:%Y}/{original.stem}.out",
     "output name", F(output)},
    {"logo", DK_OPT_PATH, "", "an input file", F(logo)},
    {"enabled", DK_OPT_BOOL, "true", "a switch", F(enabled)},
    {"count", DK_OPT_INT, "3", "a whole number", 1, 10, F(count)},
    {"ratio", DK_OPT_DOUBLE, "0.5", "a fraction", 0, 1, F(ratio)},
    {"scale", DK_OPT_DOUBLE, "1", "any number", F(scale)},
    {"mode", DK_OPT_ENUM, "fast", "a choice", 0, 0, "fast|slow", F(mode)},
    {"words", DK_OPT_LIST, "a;b", "a list", F(words)},
    {"target", DK_OPT_STRING, NULL, "required text", 0, 0, NULL,
     DK_OPTION_REQUIRED, F(target)},
    {"token", DK_OPT_STRING, "", "a secret", 0, 0, NULL, DK_OPTION_SECRET,
     F(token)},
    {NULL},
};

static const dk_plugin plugins[] = {
    {.name = "ingest.fuzz",
     .role = DK_ROLE_INGEST,
     .item_kinds = DK_KIND_PHOTO,
     .options = ingest_options,
     .accepts = fuzz_accepts,
     .process = fuzz_process},
    {.name = "stamp.fuzz",
     .role = DK_ROLE_STAMP,
     .item_kinds = DK_KIND_PHOTO,
     .options = stamp_options,
     .config_size = sizeof(stamp_config),
     .process = fuzz_process,
     .check = fuzz_check},
    {.name = "live.fuzz",
     .role = DK_ROLE_LIVE,
     .options = ingest_options,
     .process = fuzz_process},
};

static dk_registry *make_registry(void)
{
    dk_registry *registry = dk_registry_new();
    for (size_t i = 0; i < G_N_ELEMENTS(plugins); i++) {
        dk_loaded_plugin *lp = g_new0(dk_loaded_plugin, 1);
        lp->plugin = &plugins[i];
        lp->path = g_strdup_printf("/fuzz/%s.so", plugins[i].name);
        g_ptr_array_add(registry->plugins, lp);
        g_hash_table_insert(registry->by_name, (gpointer)plugins[i].name, lp);
    }
    /* a name two modules provide */
    g_hash_table_replace(registry->refused_names, g_strdup("stamp.twice"),
                         g_strdup("/fuzz/other/stamp.twice.so"));
    return registry;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static dk_registry *registry;
    if (!registry) {
        registry = make_registry();
        g_free(fuzz_write_file("logo.png", (const uint8_t *)"\x89PNG", 4));
    }
    const uint8_t *tail = NULL;
    size_t head_size = 0, tail_size = 0;
    fuzz_split(data, size, "\n%%\n", &tail, &head_size, &tail_size);
    g_autofree char *path = fuzz_write_file("pipeline.conf", data, head_size);
    g_autofree char *sets = fuzz_string(tail, tail_size);
    gchar **overrides = tail_size ? g_strsplit(sets, "\n", 16) : NULL;

    GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
    dk_pipeline *pipeline = NULL;
    int rc =
        dk_pipeline_load(path, registry, fuzz_sample_event(),
                         (const char *const *)overrides, &pipeline, problems);
    if (rc == 0) {
        FUZZ_CHECK(pipeline && problems->len == 0);
        for (guint i = 0; i < pipeline->stages->len; i++) {
            const dk_stage *stage = pipeline->stages->pdata[i];
            FUZZ_CHECK(stage->fingerprint && strlen(stage->fingerprint) == 64);
        }
        dk_pipeline_free(&pipeline);
    } else {
        FUZZ_CHECK(rc == DK_ERR_CONFIG && !pipeline && problems->len > 0);
    }
    g_ptr_array_unref(problems);
    g_strfreev(overrides);
    return 0;
}
