/* upload.webdav against nginx with its DAV modules on loopback
 * (tests/servers/nginx-dav.sh), through the shared storage suite. */
#include "dk_storage_suite.h"
#include "dk_test.h"

static char *webdav_remote_root(const dk_server *server)
{
    return g_build_filename(server->dir, "www", "arsip", NULL);
}

static char *webdav_config(const dk_server *server)
{
    /* the folder does not exist yet: MKCOL makes it */
    return g_strdup_printf("url=%s/arsip/", server->base);
}

static const dk_storage_protocol webdav = {
    .plugin = "upload.webdav",
    .script = "nginx-dav.sh",
    .remote_root = webdav_remote_root,
    .config = webdav_config,
    .resumes = false, /* no partial PUT in plain WebDAV */
};

int main(void)
{
    SRunner *runner = srunner_create(dk_storage_suite(&webdav));
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : 0;
}
