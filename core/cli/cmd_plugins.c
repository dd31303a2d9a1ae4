/* dokpim plugins [NAME]: what is installed, and one plugin's options. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char *type_name(dk_option_type type)
{
    switch (type) {
    case DK_OPT_STRING:
        return "string";
    case DK_OPT_TEMPLATE:
        return "template";
    case DK_OPT_PATH_TEMPLATE:
        return "path template";
    case DK_OPT_PATH:
        return "file";
    case DK_OPT_BOOL:
        return "boolean";
    case DK_OPT_INT:
        return "integer";
    case DK_OPT_DOUBLE:
        return "number";
    case DK_OPT_ENUM:
        return "choice";
    case DK_OPT_LIST:
        return "list (;)";
    case DK_OPT_DIR:
        return "folder";
    }
    return "?";
}

static void print_kinds(unsigned kinds)
{
    if (!kinds) {
        printf("no items (a live session)");
        return;
    }
    static const unsigned bits[] = {DK_KIND_FILE, DK_KIND_PHOTO, DK_KIND_VIDEO,
                                    DK_KIND_AUDIO};
    if (kinds == DK_KIND_ANY) {
        printf("any");
        return;
    }
    bool first = true;
    for (size_t i = 0; i < G_N_ELEMENTS(bits); i++)
        if (kinds & bits[i]) {
            printf("%s%s", first ? "" : ", ", dk_kind_name(bits[i]));
            first = false;
        }
}

static void print_plugin(const dk_loaded_plugin *lp)
{
    const dk_plugin *p = lp->plugin;
    printf("%s — %s\n\n", p->name, p->summary);
    printf("  module:  %s (plugin ABI %u.%u)\n  role:    %s\n  handles: ",
           lp->path, lp->abi_version >> 16, lp->abi_version & 0xffff,
           dk_plugin_role_name(p->role));
    print_kinds(p->item_kinds);
    if (p->extensions) {
        g_auto(GStrv) list = g_strsplit(p->extensions, "|", -1);
        printf("\n  claims: ");
        for (int i = 0; list[i]; i++)
            printf(" *.%s", list[i]);
        printf(" (any case)");
    }
    printf("\n\nOptions:\n");
    if (!p->options || !p->options->name)
        printf("  (none)\n");
    for (const dk_option *o = p->options; o && o->name; o++) {
        printf("  %-20s %s", o->name, type_name(o->type));
        if (o->type == DK_OPT_ENUM)
            printf(": %s", o->choices);
        else if ((o->type == DK_OPT_INT || o->type == DK_OPT_DOUBLE) &&
                 o->min != o->max)
            printf(", %g to %g", o->min, o->max);
        if ((o->flags & DK_OPTION_REQUIRED) || !o->default_value)
            printf(", required");
        else if (o->flags & DK_OPTION_SECRET)
            printf(", default hidden");
        else
            printf(", default \"%s\"", o->default_value);
        printf("\n  %-20s %s\n", "", o->help ? o->help : "");
    }
}

int cmd_plugins(int argc, char **argv)
{
    g_auto(GStrv) rest = NULL;
    GOptionEntry entries[] = {{G_OPTION_REMAINING, 0, 0,
                               G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL},
                              {NULL}};
    bool parsed =
        cli_parse(&argc, &argv, "[NAME]",
                  "Lists the plugins found on the plugin path, or shows one "
                  "plugin's options\nwith their types, defaults and help.",
                  entries);
    if (!parsed)
        return DK_EXIT_USAGE;
    dk_registry *registry = cli_load_plugins();
    int status = DK_EXIT_OK;
    if (rest && rest[0]) {
        const dk_loaded_plugin *lp = dk_registry_find(registry, rest[0]);
        if (lp) {
            print_plugin(lp);
        } else {
            cli_error("no plugin named '%s' (dokpim plugins lists them)",
                      rest[0]);
            status = DK_EXIT_USAGE;
        }
    } else {
        for (guint i = 0; i < registry->plugins->len; i++) {
            const dk_loaded_plugin *lp = registry->plugins->pdata[i];
            printf("%-18s %-10s %s\n", lp->plugin->name,
                   dk_plugin_role_name(lp->plugin->role), lp->plugin->summary);
        }
        if (!registry->plugins->len) {
            cli_error("no plugins found; set DOKPIM_PLUGIN_PATH or install "
                      "dokpim");
            status = DK_EXIT_USAGE;
        }
    }
    dk_registry_free(&registry);
    return status;
}
