/* Finding, opening and vetting plugin modules. A module is trusted only
 * after its envelope, descriptor and option table pass the checks here. */
#include "dk_internal.h"

#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

dk_registry *dk_registry_new(void)
{
    dk_registry *r = g_new0(dk_registry, 1);
    r->plugins = g_ptr_array_new();
    r->problems = g_ptr_array_new_with_free_func(g_free);
    r->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    r->refused_names =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return r;
}

static void loaded_plugin_free(dk_loaded_plugin *lp)
{
    g_free(lp->options);
    g_free(lp->path);
    g_free(lp);
}

void dk_registry_free(dk_registry **registry)
{
    if (!registry || !*registry)
        return;
    dk_registry *r = *registry;
    /* Modules stay mapped: GStreamer and GLib types they registered must
     * outlive them, and the process is about to end anyway. */
    for (guint i = 0; i < r->plugins->len; i++)
        loaded_plugin_free(r->plugins->pdata[i]);
    g_ptr_array_free(r->plugins, TRUE);
    g_ptr_array_free(r->problems, TRUE);
    g_hash_table_destroy(r->by_name);
    g_hash_table_destroy(r->refused_names);
    g_free(r);
    *registry = NULL;
}

static void add_dir(GPtrArray *dirs, const char *dir)
{
    if (!dir || !*dir || !g_path_is_absolute(dir))
        return;
    g_autofree char *canon = g_canonicalize_filename(dir, NULL);
    for (guint i = 0; i < dirs->len; i++)
        if (strcmp(dirs->pdata[i], canon) == 0)
            return;
    g_ptr_array_add(dirs, g_steal_pointer(&canon));
}

char *dk_executable_dir(void)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    return exe ? g_path_get_dirname(exe) : NULL;
}

char *dk_shipped_dir(const char *build_dir, const char *relative,
                     const char *configured)
{
    g_autofree char *exe_dir = dk_executable_dir();
    if (exe_dir && strcmp(exe_dir, DK_BUILD_BIN_DIR) == 0)
        return g_strdup(build_dir);
    if (exe_dir && g_str_has_suffix(exe_dir, "/" DK_INSTALL_BINDIR)) {
        g_autofree char *prefix = g_path_get_dirname(exe_dir);
        char *beside = g_build_filename(prefix, relative, NULL);
        if (g_file_test(beside, G_FILE_TEST_IS_DIR))
            return beside;
        g_free(beside);
    }
    return g_strdup(configured);
}

/* <prefix>/lib/dokpim/plugins for a binary in <prefix>/bin: installs stay
 * relocatable. */
static char *plugins_beside_binary(const char *exe_dir)
{
    if (!exe_dir || !g_str_has_suffix(exe_dir, "/" DK_INSTALL_BINDIR))
        return NULL;
    g_autofree char *prefix = g_path_get_dirname(exe_dir);
    return g_build_filename(prefix, DK_INSTALL_LIBDIR, "dokpim", "plugins",
                            NULL);
}

GPtrArray *dk_plugin_search_path(void)
{
    GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
    const char *env = g_getenv("DOKPIM_PLUGIN_PATH");
    if (env) {
        gchar **parts = g_strsplit(env, ":", -1);
        /* relative entries would make the current folder a plugin source */
        for (int i = 0; parts[i]; i++)
            add_dir(dirs, parts[i]);
        g_strfreev(parts);
    }
    g_autofree char *exe_dir = dk_executable_dir();
    if (exe_dir && strcmp(exe_dir, DK_BUILD_BIN_DIR) == 0)
        add_dir(dirs, DK_BUILD_PLUGIN_DIR);
    g_autofree char *beside = plugins_beside_binary(exe_dir);
    add_dir(dirs, beside);
    add_dir(dirs, DK_INSTALL_PLUGIN_DIR);
    return dirs;
}

static bool valid_plugin_name(const char *name)
{
    if (!name || !*name || strlen(name) > 64)
        return false;
    for (const char *p = name; *p; p++)
        if (!(g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '.' ||
              *p == '-' || *p == '_'))
            return false;
    return strchr(name, '.') != NULL;
}

static int check_options(const dk_plugin *plugin, dk_error *err)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    int rc = 0;
    for (const dk_option *o = plugin->options; o && o->name && rc == 0; o++) {
        if (strcmp(o->name, "plugin") == 0 || strchr(o->name, '.') ||
            !g_hash_table_add(seen, (gpointer)o->name)) {
            rc = dk_error_set(err, DK_ERR_ABI,
                              "option '%s' is reserved, has a dot, or is "
                              "declared twice",
                              o->name);
            break;
        }
        if (o->type < DK_OPT_STRING || o->type > DK_OPT_DIR) {
            rc = dk_error_set(err, DK_ERR_ABI,
                              "option '%s' has unknown type "
                              "%d",
                              o->name, (int)o->type);
            break;
        }
        if (o->type == DK_OPT_ENUM && !o->choices) {
            rc = dk_error_set(err, DK_ERR_ABI,
                              "option '%s' is an enum "
                              "without choices",
                              o->name);
            break;
        }
        rc = dk_option_check_binding(o, plugin->config_size, err);
        if (rc < 0)
            break;
        /* Defaults must pass the same validation as user values, except
         * files, which only have to exist once a config names them. */
        if (o->default_value && *o->default_value && o->type != DK_OPT_PATH &&
            o->type != DK_OPT_DIR) {
            char *resolved = NULL;
            rc = dk_option_validate(o, o->default_value, NULL, NULL, &resolved,
                                    err);
            g_free(resolved);
            if (rc < 0) {
                dk_error_prefix(err, "default of option '%s': ", o->name);
                rc = err ? (err->code = DK_ERR_ABI) : DK_ERR_ABI;
            }
        }
    }
    g_hash_table_destroy(seen);
    return rc;
}

/* ABI 2 and older wrote a bare number; 3.0 on write major << 16 | minor. */
static void split_version(uint32_t version, unsigned *major, unsigned *minor)
{
    *major = version >> 16 ? version >> 16 : version;
    *minor = version >> 16 ? version & 0xffff : 0;
}

/* The smallest descriptor and option row 3.0 wrote; later minors append. */
#define DK_PLUGIN_SIZE_3_0 offsetof(dk_plugin, extensions)
#define DK_OPTION_SIZE_3_0 offsetof(dk_option, set_offset)

static int check_envelope(const dk_plugin_module *module, dk_error *err)
{
    if (!module)
        return dk_error_set(err, DK_ERR_ABI, "entry point returned nothing");
    unsigned major, minor;
    split_version(module->abi_version, &major, &minor);
    if (major != DK_ABI_MAJOR || minor > DK_ABI_MINOR)
        return dk_error_set(err, DK_ERR_ABI,
                            "built for plugin ABI %u.%u, this dokpim speaks "
                            "ABI %d.%d: %s",
                            major, minor, DK_ABI_MAJOR, DK_ABI_MINOR,
                            major == DK_ABI_MAJOR
                                ? "update dokpim, or build the plugin against "
                                  "this version"
                                : "rebuild the plugin against this dokpim");
    /* a minor only appends, so sizes between the 3.0 layout and ours are
     * what some minor in between wrote */
    if (module->struct_size < DK_PLUGIN_SIZE_3_0 ||
        module->struct_size > sizeof(dk_plugin) ||
        module->option_size < DK_OPTION_SIZE_3_0 ||
        module->option_size > sizeof(dk_option))
        return dk_error_set(err, DK_ERR_ABI,
                            "descriptor of %u bytes or option rows of %u "
                            "bytes do not match ABI %u.%u",
                            module->struct_size, module->option_size, major,
                            minor);
    if (!module->plugin)
        return dk_error_set(err, DK_ERR_ABI, "envelope has no descriptor");
    return 0;
}

/* Copies the module's descriptor and option rows into this core's layout,
 * zero-filling what an older minor did not have (OBS does the same with
 * its source descriptors). */
static void copy_descriptor(const dk_plugin_module *module,
                            dk_loaded_plugin *lp)
{
    memcpy(&lp->descriptor, module->plugin, module->struct_size);
    lp->abi_version = module->abi_version;
    const char *row = (const char *)lp->descriptor.options;
    size_t count = 0;
    while (row &&
           ((const dk_option *)(row + count * module->option_size))->name)
        count++;
    lp->options = g_new0(dk_option, count + 1);
    for (size_t i = 0; i < count; i++)
        memcpy(&lp->options[i], row + i * module->option_size,
               module->option_size);
    lp->descriptor.options = lp->options;
    lp->plugin = &lp->descriptor;
}

static int check_descriptor(const dk_plugin *p, dk_error *err)
{
    if (!valid_plugin_name(p->name))
        return dk_error_set(err, DK_ERR_ABI,
                            "name '%s' is not like 'family.job' (lower case)",
                            p->name ? p->name : "(null)");
    if (!p->summary || !*p->summary)
        return dk_error_set(err, DK_ERR_ABI, "%s has no summary", p->name);
    if (!dk_plugin_role_name(p->role))
        return dk_error_set(err, DK_ERR_ABI, "%s has unknown role %d", p->name,
                            (int)p->role);
    bool live = p->role == DK_ROLE_LIVE;
    if (live ? !p->live : !p->process)
        return dk_error_set(err, DK_ERR_ABI, "%s has no %s callback", p->name,
                            live ? "live" : "process");
    if (p->role == DK_ROLE_UPLOAD && !p->perform)
        return dk_error_set(err, DK_ERR_ABI,
                            "%s is an upload plugin without perform()",
                            p->name);
    /* a live session has no batch, so its finish() would never run */
    if (live && p->finish)
        return dk_error_set(err, DK_ERR_ABI,
                            "%s is a live plugin with finish(), which only "
                            "item plugins get",
                            p->name);
    if (p->role == DK_ROLE_INGEST && !p->accepts &&
        !(p->extensions && *p->extensions))
        return dk_error_set(err, DK_ERR_ABI,
                            "%s is an ingest plugin without accepts() or "
                            "extensions",
                            p->name);
    if (live ? p->item_kinds != 0 : p->item_kinds == 0)
        return dk_error_set(err, DK_ERR_ABI, "%s: %s", p->name,
                            live ? "a live plugin sees no items, so it "
                                   "declares no item kinds"
                                 : "handles no item kinds");
    int rc = check_options(p, err);
    if (rc < 0)
        dk_error_prefix(err, "%s: ", p->name);
    return rc;
}

bool dk_plugin_accepts(const dk_plugin *plugin, const char *path)
{
    if (plugin->role != DK_ROLE_INGEST)
        return false;
    if (plugin->accepts)
        return plugin->accepts(path);
    const char *base = strrchr(path, '/');
    const char *dot = strrchr(base ? base + 1 : path, '.');
    if (!dot || dot == (base ? base + 1 : path))
        return false;
    gchar **list = g_strsplit(plugin->extensions, "|", -1);
    bool found = false;
    for (int i = 0; list[i] && !found; i++)
        found = g_ascii_strcasecmp(list[i], dot + 1) == 0;
    g_strfreev(list);
    return found;
}

static int refuse(dk_registry *registry, const char *path, dk_error *err)
{
    g_ptr_array_add(registry->problems,
                    g_strdup_printf("%s: refused: %s", path, err->message));
    return err->code ? err->code : DK_ERR_ABI;
}

int dk_registry_load_file(dk_registry *registry, const char *path,
                          dk_error *err)
{
    dk_error local = {0};
    if (!err)
        err = &local;
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        dk_error_set(err, DK_ERR_ABI, "cannot load: %s", dlerror());
        return refuse(registry, path, err);
    }
    dk_plugin_entry_fn entry;
    *(void **)&entry = dlsym(handle, DK_PLUGIN_ENTRY_SYMBOL);
    if (!entry) {
        dk_error_set(err, DK_ERR_ABI,
                     "no %s() entry point: not a dokpim plugin",
                     DK_PLUGIN_ENTRY_SYMBOL);
        dlclose(handle);
        return refuse(registry, path, err);
    }
    const dk_plugin_module *module = entry();
    if (check_envelope(module, err) < 0) {
        dlclose(handle);
        return refuse(registry, path, err);
    }
    dk_loaded_plugin *lp = g_new0(dk_loaded_plugin, 1);
    copy_descriptor(module, lp);
    const dk_plugin *plugin = lp->plugin;
    if (check_descriptor(plugin, err) < 0) {
        loaded_plugin_free(lp);
        dlclose(handle);
        return refuse(registry, path, err);
    }
    const dk_loaded_plugin *first =
        g_hash_table_lookup(registry->by_name, plugin->name);
    if (first) {
        dk_error_set(err, DK_ERR_EXISTS,
                     "a second plugin named %s (the first is %s)", plugin->name,
                     first->path);
        g_hash_table_replace(registry->refused_names, g_strdup(plugin->name),
                             g_strdup(path));
        loaded_plugin_free(lp);
        /* not dlclose()d: its constructors may have run */
        return refuse(registry, path, err);
    }
    lp->path = g_strdup(path);
    g_ptr_array_add(registry->plugins, lp);
    g_hash_table_insert(registry->by_name, (gpointer)plugin->name, lp);
    return 0;
}

static int compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void dk_registry_load_dir(dk_registry *registry, const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)))
        if (g_str_has_suffix(name, ".so"))
            g_ptr_array_add(names, g_strdup(name));
    g_dir_close(d);
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path =
            g_build_filename(dir, (char *)names->pdata[i], NULL);
        dk_registry_load_file(registry, path, NULL);
    }
    g_ptr_array_free(names, TRUE);
}

dk_registry *dk_registry_load_default(void)
{
    dk_registry *registry = dk_registry_new();
    GPtrArray *dirs = dk_plugin_search_path();
    for (guint i = 0; i < dirs->len; i++)
        dk_registry_load_dir(registry, dirs->pdata[i]);
    g_ptr_array_free(dirs, TRUE);
    return registry;
}

const dk_loaded_plugin *dk_registry_find(const dk_registry *registry,
                                         const char *name)
{
    return g_hash_table_lookup(registry->by_name, name);
}
