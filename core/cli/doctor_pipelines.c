/* doctor: the shipped pipelines and the crew's own (--pipeline) pass what
 * `dokpim check` checks, through the same loader, and each stage's plugin
 * is installed. */
#include "doctor.h"

#include <string.h>

static int compare_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *doctor_shipped_pipelines(void)
{
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *dir = cli_shipped_dir(DK_SOURCE_PIPELINE_DIR, "pipelines",
                                           DK_INSTALL_PIPELINE_DIR);
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return paths;
    const char *name;
    while ((name = g_dir_read_name(d)))
        if (g_str_has_suffix(name, ".conf"))
            g_ptr_array_add(paths, g_build_filename(dir, name, NULL));
    g_dir_close(d);
    g_ptr_array_sort(paths, compare_paths);
    return paths;
}

GStrv doctor_pipeline_stages(const char *path)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
        return NULL;
    g_auto(GStrv) stages =
        g_key_file_get_string_list(kf, "pipeline", "stages", NULL, NULL);
    GPtrArray *pairs = g_ptr_array_new();
    for (int i = 0; stages && stages[i]; i++) {
        char *stage = g_strstrip(g_strdup(stages[i]));
        char *plugin = g_key_file_get_string(kf, stage, "plugin", NULL);
        g_ptr_array_add(pairs, stage);
        g_ptr_array_add(pairs, plugin ? plugin : g_strdup(""));
    }
    g_ptr_array_add(pairs, NULL);
    return (GStrv)g_ptr_array_free(pairs, FALSE);
}

/* The plugins the pipeline's stages name that are not installed, as
 * findings; true when there is none. */
static bool plugins_present(doctor *d, const char *path)
{
    g_auto(GStrv) pairs = doctor_pipeline_stages(path);
    bool present = true;
    for (int i = 0; pairs && pairs[i]; i += 2) {
        if (!*pairs[i + 1] || dk_registry_find(d->registry, pairs[i + 1]))
            continue;
        present = false;
        doctor_add(d, DOCTOR_FAIL, "pipelines",
                   "install the plugin, or add its folder to "
                   "DOKPIM_PLUGIN_PATH",
                   "%s: stage [%s] needs plugin %s, which is not installed",
                   path, pairs[i], pairs[i + 1]);
    }
    return present;
}

/* shipped: a pipeline that ships as an example to copy, which may need
 * settings of this office (a key folder, a credentials file) before it
 * runs; its problems are warnings. The crew's own pipelines FAIL. */
static void check_one(doctor *d, const char *path, bool shipped)
{
    if (!plugins_present(d, path))
        return;
    g_auto(GStrv) overrides =
        shipped ? doctor_default_overrides(path) : g_new0(char *, 1);
    GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
    dk_pipeline *pipeline = NULL;
    int rc =
        dk_pipeline_load(path, d->registry, NULL,
                         (const char *const *)overrides, &pipeline, problems);
    for (guint i = 0; i < problems->len; i++)
        doctor_add(d, shipped ? DOCTOR_WARN : DOCTOR_FAIL, "pipelines",
                   shipped ? "set it with --set STAGE.OPTION=VALUE when "
                             "running (the pipeline's first lines say how), "
                             "or ignore this if the machine does not run "
                             "this pipeline"
                           : "fix the pipeline (dokpim check shows the same)",
                   "%s", (const char *)problems->pdata[i]);
    if (rc == 0) {
        guint stages = pipeline->stages->len;
        doctor_add(d, DOCTOR_OK, "pipelines", NULL,
                   "%s: passes dokpim check (%u stage%s)", path, stages,
                   stages == 1 ? "" : "s");
        doctor_note_secrets(d, pipeline);
    }
    g_ptr_array_free(problems, TRUE);
    dk_pipeline_free(&pipeline);
}

void doctor_check_pipelines(doctor *d)
{
    GPtrArray *shipped = doctor_shipped_pipelines();
    if (!shipped->len)
        doctor_add(d, DOCTOR_WARN, "pipelines",
                   "reinstall dokpim (cmake --install) to get them",
                   "the shipped pipelines are not found");
    for (guint i = 0; i < shipped->len; i++)
        check_one(d, shipped->pdata[i], true);
    g_ptr_array_unref(shipped);
    for (int i = 0; d->pipelines && d->pipelines[i]; i++)
        check_one(d, d->pipelines[i], false);
}
