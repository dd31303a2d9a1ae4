/* sign.c2pa — embeds a signed C2PA manifest (Content Credentials) in every
 * JPEG, MP4 and MOV the earlier stages published for an item: the stamped
 * full-size copy, the watermarked copy, the web copy, the thumbnail; a
 * clip's stamped remux and its YouTube transcode. Each manifest
 * names the archived original (a parentOf ingredient with its sha256),
 * what the stages did to it, and the event; the signed file replaces the
 * unsigned one atomically. The core's fingerprints re-run this stage when
 * an earlier stage or the event changed, and skip it otherwise. */
#include <dokpim/c2pa.h>
#include <dokpim/dokpim.h>
#include <dokpim/keys.h>

#include <json-glib/json-glib.h>
#include <string.h>

typedef struct sign_c2pa_config {
    const char *key_dir;
    const char *key;
    const char *chain;
} sign_c2pa_config;

#define FIELD(member) DK_FIELD(sign_c2pa_config, member)
static const dk_option sign_c2pa_options[] = {
    /* a folder, resolved from the config's folder like the files below */
    {.name = "key-dir",
     .type = DK_OPT_DIR,
     .default_value = "",
     .help = "folder holding " DK_KEYS_SIGNING_KEY " and " DK_KEYS_SIGNING_CHAIN
             " (as `dokpim keys init` writes them)",
     FIELD(key_dir)},
    {.name = "key",
     .type = DK_OPT_PATH,
     .default_value = "",
     .help = "the signing key (PEM, ECDSA P-256), instead of key-dir",
     .flags = DK_OPTION_PRIVATE_FILE,
     FIELD(key)},
    {.name = "chain",
     .type = DK_OPT_PATH,
     .default_value = "",
     .help = "the signing certificate then its issuers (PEM), with key",
     FIELD(chain)},
    {.name = NULL},
};

/* Loads the signing identity the options name; its checks (key mode,
 * key matches the certificate, chain verifies) are keys.h's. */
static int load_signer(const sign_c2pa_config *c, dk_c2pa_signer **signer,
                       dk_error *err)
{
    bool dir = *c->key_dir, files = *c->key || *c->chain;
    if (dir == files)
        return dk_error_set(err, DK_ERR_CONFIG,
                            dir ? "sign.c2pa: give key-dir or key and chain, "
                                  "not both"
                                : "sign.c2pa needs a signing key: key-dir "
                                  "(see `dokpim keys init`) or key and chain");
    if (files && !(*c->key && *c->chain))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "sign.c2pa: key and chain go together");
    return dir ? dk_c2pa_signer_load(c->key_dir, NULL, signer, err)
               : dk_c2pa_signer_load(c->key, c->chain, signer, err);
}

static int sign_c2pa_check(const dk_stage *stage, const void *config,
                           dk_error *err)
{
    (void)stage;
    dk_c2pa_signer *signer = NULL;
    int rc = load_signer(config, &signer, err);
    dk_c2pa_signer_free(signer);
    return rc;
}

static int sign_c2pa_open(const dk_stage *stage, const void *config,
                          void **state, dk_error *err)
{
    (void)stage;
    return load_signer(config, (dk_c2pa_signer **)state, err);
}

static void sign_c2pa_close(void *state)
{
    dk_c2pa_signer_free(state);
}

/* What the file is, by its first bytes (not its name): a derivative's
 * extension may not say, e.g. a clip stamped as .mov under an .mp4 name. */
typedef enum signable { SIGN_NONE, SIGN_JPEG, SIGN_BMFF } signable;

static signable signable_kind(const char *path)
{
    unsigned char magic[8] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(magic, 1, 8, f) : 0;
    if (f)
        fclose(f);
    if (n >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF)
        return SIGN_JPEG;
    /* ISO BMFF (MP4, MOV): ftyp first, which the embedder requires too */
    if (n == 8 && memcmp(magic + 4, "ftyp", 4) == 0)
        return SIGN_BMFF;
    return SIGN_NONE;
}

static bool is_jpeg(const char *path)
{
    return signable_kind(path) == SIGN_JPEG;
}

static const char *media_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    static const char *const map[][2] = {
        {"jpg", "image/jpeg"},     {"jpeg", "image/jpeg"},
        {"png", "image/png"},      {"heic", "image/heic"},
        {"heif", "image/heif"},    {"tif", "image/tiff"},
        {"tiff", "image/tiff"},    {"webp", "image/webp"},
        {"mp4", "video/mp4"},      {"m4v", "video/mp4"},
        {"mov", "video/quicktime"}};
    for (size_t i = 0; dot && i < G_N_ELEMENTS(map); i++)
        if (g_ascii_strcasecmp(dot + 1, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* What a stage did, by the role it gave its output. */
static void describe(const char *role, const char **action, const char **what)
{
    static const char *const map[][3] = {
        {"stamped", "c2pa.edited.metadata",
         "event metadata written into EXIF, IPTC and XMP"},
        {"watermarked", "c2pa.edited", "visible watermark (logo and text)"},
        {"web", "c2pa.resized", "web copy, scaled and re-encoded as JPEG"},
        {"thumbnail", "c2pa.resized", "thumbnail, scaled and re-encoded"},
        {"stamped-video", "c2pa.edited.metadata",
         "event tags written into the container (a remux, packets "
         "untouched)"},
        {"youtube", "c2pa.transcoded",
         "YouTube upload version, watermarked and re-encoded (H.264, AAC)"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
        if (strcmp(role, map[i][0]) == 0) {
            *action = map[i][1];
            *what = map[i][2];
            return;
        }
    *action = "c2pa.edited";
    *what = role;
}

static void add_member(JsonBuilder *b, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, value);
}

static void add_thing(JsonBuilder *b, const char *member, const char *type,
                      const char *name, const char *extra_key,
                      const char *extra)
{
    if (!name || !*name)
        return;
    json_builder_set_member_name(b, member);
    json_builder_begin_object(b);
    add_member(b, "@type", type);
    add_member(b, "name", name);
    add_member(b, extra_key, extra);
    json_builder_end_object(b);
}

/* The event as a schema.org CreativeWork (JSON-LD): who made the photo,
 * for which office, of whom, where and when. */
static char *creative_work(const dk_stage *stage, const dk_item *item)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    add_member(b, "@context", "https://schema.org");
    add_member(b, "@type", "CreativeWork");
    add_member(b, "name", dk_stage_event(stage, "title"));
    const char *photographer = dk_stage_event(stage, "photographer");
    if (photographer && *photographer) {
        json_builder_set_member_name(b, "author");
        json_builder_begin_array(b);
        json_builder_begin_object(b);
        add_member(b, "@type", "Person");
        add_member(b, "name", photographer);
        json_builder_end_object(b);
        json_builder_end_array(b);
    }
    add_thing(b, "sourceOrganization", "Organization",
              dk_stage_event(stage, "agency"), NULL, NULL);
    add_thing(b, "about", "Person", dk_stage_event(stage, "leader"), "jobTitle",
              dk_stage_event(stage, "role"));
    add_thing(b, "contentLocation", "Place", dk_stage_event(stage, "place"),
              "address", dk_stage_event(stage, "city"));
    add_member(b, "dateCreated",
               dk_meta_get(dk_item_meta_const(item), "capture.time"));
    add_member(b, "temporalCoverage", dk_stage_event(stage, "date"));
    add_member(b, "copyrightNotice", dk_stage_event(stage, "copyright"));
    json_builder_end_object(b);
    JsonGenerator *gen = json_generator_new();
    JsonNode *root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    char *text = json_generator_to_data(gen, NULL);
    json_node_unref(root);
    g_object_unref(gen);
    g_object_unref(b);
    return text;
}

/* watermark.photo leaves its mark as an overlay request that
 * transcode.photo draws into the web copy and the thumbnail: say so in
 * their manifests, with what was drawn. */
static void add_overlay_action(const dk_item *item, const char *role,
                               GArray *actions, GPtrArray *params)
{
    const dk_meta *meta = dk_item_meta_const(item);
    const char *logo = dk_meta_get(meta, "overlay.logo");
    const char *text = dk_meta_get(meta, "overlay.text");
    bool drawn = (logo && *logo) || (text && *text);
    if (!drawn || (strcmp(role, "web") != 0 && strcmp(role, "thumbnail") != 0))
        return;
    dk_c2pa_param *pp = g_new0(dk_c2pa_param, 2);
    size_t n = 0;
    if (logo && *logo)
        pp[n++] =
            (dk_c2pa_param){"org.dokpim.logo",
                            strrchr(logo, '/') ? strrchr(logo, '/') + 1 : logo};
    if (text && *text)
        pp[n++] = (dk_c2pa_param){"org.dokpim.text", text};
    g_ptr_array_add(params, pp);
    dk_c2pa_action a = {.action = "c2pa.edited",
                        .description = "visible watermark (logo and text)",
                        .params = pp,
                        .n_params = n};
    g_array_append_val(actions, a);
}

/* Signs derivative n: its actions are those of the image files it was
 * made from (earlier derivatives of other stages) and its own. */
static int sign_one(const dk_stage *stage, const dk_c2pa_signer *signer,
                    dk_item *item, unsigned n, const char *cw, dk_error *err)
{
    const char *role, *from;
    const char *path = dk_item_derivative(item, n, &role, &from);
    signable kind = signable_kind(path);
    GArray *actions = g_array_new(FALSE, TRUE, sizeof(dk_c2pa_action));
    GPtrArray *params = g_ptr_array_new_with_free_func(g_free);
    for (unsigned j = 0; j <= n; j++) {
        const char *r, *s;
        const char *p = dk_item_derivative(item, j, &r, &s);
        /* a clip's stages each read the original, not each other's
         * output: a video derivative carries only its own action */
        if (j < n && (strcmp(s, from) == 0 || !is_jpeg(p) || kind == SIGN_BMFF))
            continue;
        /* stamp.video's "stamped" is a remux, not stamp.exif's edit */
        if (strcmp(r, "stamped") == 0 && signable_kind(p) == SIGN_BMFF)
            r = "stamped-video";
        const char *settings = NULL;
        const char *plugin = dk_item_derivative_made_by(item, j, &settings);
        dk_c2pa_param *pp = g_new0(dk_c2pa_param, 4);
        size_t np = 0;
        pp[np++] = (dk_c2pa_param){"org.dokpim.stage", s};
        pp[np++] = (dk_c2pa_param){"org.dokpim.role", r};
        pp[np++] = (dk_c2pa_param){"org.dokpim.output", strrchr(p, '/') + 1};
        if (settings && *settings)
            pp[np++] = (dk_c2pa_param){"org.dokpim.options", settings};
        g_ptr_array_add(params, pp);
        /* the plugin, not the stage's name in this pipeline: that names
         * the software that did it (an old manifest knows only the stage) */
        dk_c2pa_action a = {
            .plugin = plugin ? plugin : s, .params = pp, .n_params = np};
        describe(r, &a.action, &a.description);
        g_array_append_val(actions, a);
    }
    add_overlay_action(item, role, actions, params);
    g_autofree char *title = g_path_get_basename(path);
    g_autofree char *parent = g_path_get_basename(dk_item_source_path(item));
    const char *format = kind == SIGN_JPEG ? "image/jpeg" : media_type(path);
    dk_c2pa_info info = {
        .generator_version = DK_VERSION,
        .title = title,
        .format = format ? format : "video/mp4",
        .parent_title = parent,
        .parent_format = media_type(parent),
        .parent_sha256_hex = dk_item_sha256(item),
        .actions = (const dk_c2pa_action *)actions->data,
        .n_actions = actions->len,
        .creative_work_json = cw,
    };
    int rc = kind == SIGN_BMFF
                 ? dk_c2pa_sign_bmff(path, path, &info, signer, err)
                 : dk_c2pa_sign_jpeg(path, path, &info, signer, err);
    /* registered again, so the manifest's sha256 and size for this path
     * are the signed file's (the core updates the earlier record too) */
    if (rc == 0)
        rc = dk_item_add_derivative(item, role, path, false, err);
    g_array_unref(actions);
    g_ptr_array_unref(params);
    (void)stage;
    return rc;
}

static int sign_c2pa_process(const dk_stage *stage, void *state, dk_item *item,
                             dk_error *err)
{
    g_autofree char *cw = creative_work(stage, item);
    int rc = 0;
    unsigned signed_files = 0;
    /* counted first: signing registers each file again, after these */
    unsigned count = dk_item_derivative_count(item);
    for (unsigned n = 0; rc == 0 && n < count; n++) {
        const char *path = dk_item_derivative(item, n, NULL, NULL);
        if (signable_kind(path) == SIGN_NONE)
            continue;
        rc = sign_one(stage, state, item, n, cw, err);
        signed_files++;
    }
    if (rc == 0 && signed_files == 0)
        dk_item_warn(item, "no JPEG, MP4 or MOV derivative to sign");
    return rc;
}

DK_PLUGIN_DEFINE(sign_c2pa) = {
    .name = "sign.c2pa",
    .summary = "embed signed C2PA Content Credentials in every published "
               "JPEG, MP4 and MOV",
    .role = DK_ROLE_EXPORT,
    .item_kinds = DK_KIND_PHOTO | DK_KIND_VIDEO,
    .options = sign_c2pa_options,
    .config_size = sizeof(sign_c2pa_config),
    .check = sign_c2pa_check,
    .open = sign_c2pa_open,
    .process = sign_c2pa_process,
    .close = sign_c2pa_close,
};
