/* example.caption — the plugin to copy when writing your own.
 *
 * It writes one small text file per item holding a caption made from a
 * template, e.g. "Rapat Koordinasi — Mangupura (IMG_0412.JPG)": an option
 * table bound to a config struct, a template expanded per item, an output
 * path the core picks inside the library, an atomic write, and a
 * derivative recorded so that re-runs skip finished work.
 *
 * Build it outside the dokpim tree against an installed dokpim:
 *   cc -shared -fPIC -o example.caption.so example_caption.c \
 *      $(pkg-config --cflags --libs dokpim)
 *   DOKPIM_PLUGIN_PATH=$PWD dokpim plugins example.caption
 */
#include <dokpim/dokpim.h>

#include <string.h>

/* The core validates the config's values against the rows below and
 * stores them here before the first item; the plugin never parses text. */
typedef struct example_caption_config {
    const dk_template *caption;
    const dk_template *output;
    bool uppercase;
} example_caption_config;

#define FIELD(member) DK_FIELD(example_caption_config, member)
static const dk_option example_caption_options[] = {
    {.name = "caption",
     .type = DK_OPT_TEMPLATE,
     FIELD(caption),
     .default_value = "{event.title} — {event.city} ({original.name})",
     .help = "text of the caption"},
    {.name = "output",
     .type = DK_OPT_PATH_TEMPLATE,
     FIELD(output),
     .default_value = "{original.stem}.txt",
     .help = "file name of the caption, inside derived/<stage>/"},
    {.name = "uppercase",
     .type = DK_OPT_BOOL,
     FIELD(uppercase),
     .default_value = "false",
     .help = "write the caption in capitals"},
    {.name = NULL},
};

/* Called for every item, possibly from several threads at once: keep no
 * mutable state outside the item. Return 0, or a negative DK_ERR_* with a
 * message; never print, never exit. */
static int example_caption_process(const dk_stage *stage, void *state,
                                   dk_item *item, dk_error *err)
{
    (void)state; /* no open(), so no per-run state */
    const example_caption_config *config = dk_stage_config(stage);
    g_autofree char *caption = NULL;
    g_autofree char *path = NULL;
    int rc = dk_stage_expand(stage, config->caption, item, &caption, err);
    /* the core sanitises the name and reserves it for this item alone */
    if (rc == 0)
        rc = dk_stage_output_path(stage, config->output, item, &path, err);
    if (rc < 0)
        return rc;
    if (config->uppercase) {
        char *upper = g_utf8_strup(caption, -1);
        g_free(caption);
        caption = upper;
    }
    g_autofree char *text = g_strconcat(caption, "\n", NULL);
    /* temp file + fsync + rename: a crash never leaves half a caption */
    rc = dk_atomic_write_file(path, text, strlen(text), err);
    /* not main-line: later stages keep reading the photo, not this */
    return rc < 0 ? rc
                  : dk_item_add_derivative(item, "caption", path, false, err);
}

DK_PLUGIN_DEFINE(example_caption) = {
    .name = "example.caption",
    .summary = "example plugin: write a caption text file per item",
    .role = DK_ROLE_EXPORT,
    .item_kinds = DK_KIND_ANY,
    .options = example_caption_options,
    .config_size = sizeof(example_caption_config),
    .process = example_caption_process,
};
