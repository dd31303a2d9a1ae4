/* example.caption — the plugin to copy when writing your own.
 *
 * It writes one small text file per item holding a caption made from a
 * template, e.g. "Rapat Koordinasi — Mangupura (IMG_0412.JPG)". Everything
 * a real plugin does is here: an option table the core validates, a
 * template expanded per item, an output path the core picks and keeps
 * inside the library, an atomic write, and a derivative recorded so that
 * re-runs skip finished work.
 *
 * Build it outside the dokpim tree against an installed dokpim:
 *   cc -shared -fPIC -o example.caption.so example_caption.c \
 *      $(pkg-config --cflags --libs dokpim)
 *   DOKPIM_PLUGIN_PATH=$PWD dokpim plugins example.caption
 */
#include <dokpim/dokpim.h>

#include <string.h>

/* One row per option: name, type, default, help (and, where they apply,
 * min/max, choices, flags). The core rejects configs with unknown options,
 * wrong types or bad templates before any file is touched, so process()
 * can trust every value. Designated initializers keep -Wextra quiet. */
static const dk_option example_caption_options[] = {
    {.name = "caption",
     .type = DK_OPT_TEMPLATE,
     .default_value = "{event.title} — {event.city} ({original.name})",
     .help = "text of the caption"},
    {.name = "output",
     .type = DK_OPT_PATH_TEMPLATE,
     .default_value = "{original.stem}.txt",
     .help = "file name of the caption, inside derived/<stage>/"},
    {.name = "uppercase",
     .type = DK_OPT_BOOL,
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
    (void)state; /* no open() callback, so no per-run state */
    g_autofree char *caption = NULL;
    int rc = dk_stage_expand(stage, "caption", item, &caption, err);
    if (rc < 0)
        return rc;
    if (dk_stage_bool(stage, "uppercase")) {
        char *upper = g_utf8_strup(caption, -1);
        g_free(caption);
        caption = upper;
    }
    /* The core expands the template, sanitises it and reserves a name no
     * other item uses in this run. */
    g_autofree char *path = NULL;
    rc = dk_stage_output_path(stage, "output", item, &path, err);
    if (rc < 0)
        return rc;
    g_autofree char *text = g_strconcat(caption, "\n", NULL);
    /* Temp file + fsync + rename: a crash never leaves half a caption. */
    rc = dk_atomic_write_file(path, text, strlen(text), err);
    if (rc < 0)
        return rc;
    /* Not main-line: later stages keep reading the photo, not this. */
    return dk_item_add_derivative(item, "caption", path, false, err);
}

/* The descriptor: DK_PLUGIN_DEFINE adds the ABI version and the exported
 * entry point the loader looks for. */
DK_PLUGIN_DEFINE(example_caption) = {
    .name = "example.caption",
    .summary = "example plugin: write a caption text file per item",
    .stage = DK_STAGE_EXPORT,
    .kinds = DK_KIND_ANY,
    .options = example_caption_options,
    .process = example_caption_process,
};
