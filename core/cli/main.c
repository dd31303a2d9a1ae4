/* dokpim — media pipeline for documentation crews. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"run", cmd_run, N_("process photos and videos through a pipeline")},
    {"submit", cmd_submit,
     N_("record a batch as jobs for dokpim work (many machines)")},
    {"work", cmd_work, N_("perform queued jobs: processing and uploads")},
    {"watch", cmd_watch, N_("process files as they land in folders")},
    {"check", cmd_check, N_("validate a pipeline (and event) without running")},
    {"plugins", cmd_plugins, N_("list plugins, or show one plugin's options")},
    {"probe", cmd_probe, N_("show what dokpim learns of a file")},
    {"queue", cmd_queue, N_("list, retry or perform the upload queue")},
    {"youtube", cmd_youtube, N_("authorize YouTube uploads (device code)")},
    {"live", cmd_live, N_("go live: stream to YouTube/RTMP(S) and record")},
    {"audit", cmd_audit, N_("re-hash a library, name changed/missing files")},
    {"keys", cmd_keys, N_("create, import or export the office signing key")},
    {"archive", cmd_archive, N_("write or validate a BagIt archive package")},
    {"verify", cmd_verify,
     N_("check a file's Content Credentials or library record")},
    {"locate", cmd_locate,
     N_("find where a circulating clip came from and how it was edited")},
    {"doctor", cmd_doctor,
     N_("check this machine is ready: plugins, codecs, "
        "fonts, secrets, space, queue, clock")},
    {"choose", cmd_choose, N_("rate, pick or caption photos of a library")},
    {"publish", cmd_publish,
     N_("run a pipeline over a library's own photos (e.g. the picks)")},
    {"serve", cmd_serve, N_("the crew's web page: gallery, live, queue")},
};

static void usage(FILE *out)
{
    fprintf(out, "%s", _("Usage: dokpim COMMAND [OPTIONS...]\n\nCommands:\n"));
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, _(commands[i].summary));
    fprintf(out, "%s",
            _("\n'dokpim COMMAND --help' shows a command's options.\n"
              "Exit status: 0 all done, 1 some items failed, 2 usage or "
              "configuration error, 130 interrupted.\n"));
}

int main(int argc, char **argv)
{
    dk_i18n_init();
    if (argc < 2) {
        usage(stderr);
        return DK_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("dokpim %s (plugin ABI %d)\n", DK_VERSION, DK_ABI_VERSION);
        return DK_EXIT_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        strcmp(name, "help") == 0) {
        usage(stdout);
        return DK_EXIT_OK;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    cli_error("unknown command '%s'", name);
    usage(stderr);
    return DK_EXIT_USAGE;
}
