/* dokpim — media pipeline for documentation crews. */
#include "cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"run", cmd_run, "process photos and videos through a pipeline"},
    {"submit", cmd_submit,
     "record a batch as jobs for dokpim work (many machines)"},
    {"work", cmd_work, "perform queued jobs: processing and uploads"},
    {"watch", cmd_watch, "process files as they land in folders"},
    {"check", cmd_check, "validate a pipeline (and event) without running"},
    {"plugins", cmd_plugins, "list plugins, or show one plugin's options"},
    {"probe", cmd_probe, "show what dokpim learns of a file"},
    {"queue", cmd_queue, "list, retry or perform the upload queue"},
    {"youtube", cmd_youtube, "authorize YouTube uploads (device code)"},
    {"live", cmd_live, "go live: stream to YouTube/RTMP(S) and record"},
    {"audit", cmd_audit, "re-hash a library, name changed/missing files"},
    {"keys", cmd_keys, "create, import or export the office signing key"},
    {"archive", cmd_archive, "write or validate a BagIt archive package"},
    {"verify", cmd_verify,
     "check a file's Content Credentials or library record"},
    {"locate", cmd_locate,
     "find where a circulating clip came from and how it was edited"},
    {"doctor", cmd_doctor,
     "check this machine is ready: plugins, codecs, "
     "fonts, secrets, space, queue, clock"},
    {"serve", cmd_serve, "the crew's web page: gallery, live, queue"},
    {"choose", cmd_choose, "rate, pick or caption photos of a library"},
    {"publish", cmd_publish,
     "run a pipeline over a library's own photos (e.g. the picks)"},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: dokpim COMMAND [OPTIONS...]\n\nCommands:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'dokpim COMMAND --help' shows a command's options.\n"
                 "Exit status: 0 all done, 1 some items failed, 2 usage or "
                 "configuration error, 130 interrupted.\n");
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
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
