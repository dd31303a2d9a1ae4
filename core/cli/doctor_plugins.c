/* doctor: every module on the plugin path loads, at this core's ABI. The
 * loader's own refusals are the findings, so they read the same as the
 * warnings of every other command. */
#include "doctor.h"

void doctor_check_plugins(doctor *d)
{
    const dk_registry *r = d->registry;
    for (guint i = 0; i < r->problems->len; i++)
        doctor_add(d, DOCTOR_FAIL, "plugins",
                   N_("remove the module from the plugin path, or rebuild it "
                      "against this dokpim"),
                   "%s", (const char *)r->problems->pdata[i]);
    if (!r->plugins->len) {
        doctor_add(d, DOCTOR_FAIL, "plugins",
                   N_("install dokpim, or set DOKPIM_PLUGIN_PATH"),
                   "no plugins found on the plugin path");
        return;
    }
    GPtrArray *dirs = dk_plugin_search_path();
    g_autofree char *path = NULL;
    g_ptr_array_add(dirs, NULL);
    path = g_strjoinv(":", (char **)dirs->pdata);
    g_ptr_array_free(dirs, TRUE);
    doctor_add(d, DOCTOR_OK, "plugins", NULL,
               "%u plugins load at plugin ABI %d.%d (path %s)", r->plugins->len,
               DK_ABI_MAJOR, DK_ABI_MINOR, path);
}
