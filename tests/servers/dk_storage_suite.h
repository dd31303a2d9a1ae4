/* The suite every storage upload plugin (WebDAV, SFTP) must pass against
 * its real server: a protocol description in, a Check suite out. */
#ifndef DK_STORAGE_SUITE_H
#define DK_STORAGE_SUITE_H

#include <check.h>
#include <stdbool.h>

#include "dk_servers.h"

typedef struct dk_storage_protocol {
    const char *plugin; /* "upload.webdav" */
    const char *script; /* server launcher in tests/servers */
    /* Folder on this machine where the server stores what is sent to the
     * stage's url (g_free). */
    char *(*remote_root)(const dk_server *server);
    /* The stage's lines that reach the server: url=, keys (g_free). */
    char *(*config)(const dk_server *server);
    /* Whether an interrupted part is continued (else sent again). */
    bool resumes;
} dk_storage_protocol;

Suite *dk_storage_suite(const dk_storage_protocol *protocol);

#endif
