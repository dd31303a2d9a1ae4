/* upload.sftp against OpenSSH's sshd run as the current user on loopback
 * (tests/servers/sshd-user.sh), through the shared storage suite, plus
 * the host key check. */
#include "dk_storage_suite.h"
#include "dk_test.h"
#include "dk_upload_rig.h"

#include <string.h>

static char *sftp_remote_root(const dk_server *server)
{
    return g_build_filename(server->dir, "remote", NULL);
}

static char *sftp_config(const dk_server *server)
{
    return g_strdup_printf("url=%s%s/remote/\nkey=%s/client_key\n"
                           "known-hosts=%s/known_hosts",
                           server->base, server->dir, server->dir, server->dir);
}

static const dk_storage_protocol sftp = {
    .plugin = "upload.sftp",
    .script = "sshd-user.sh",
    .remote_root = sftp_remote_root,
    .config = sftp_config,
    .resumes = true,
};

/* A server whose key is not in known_hosts is refused, not trusted. */
START_TEST(test_unknown_host_key_refused)
{
    dk_server server;
    dk_server_start(&server, "sshd-user.sh", NULL);
    char *dir = dk_test_tmpdir("sftpkey");
    g_autofree char *input = g_build_filename(dir, "a.bin", NULL);
    dk_test_write(input, "dokpim", -1);
    g_autofree char *event = g_build_filename(dir, "event.ini", NULL);
    dk_test_write(event, "[event]\ntitle=T\ndate=2024-09-02\n", -1);
    g_autofree char *stranger = g_build_filename(dir, "known_hosts", NULL);
    g_autofree char *line =
        g_strdup_printf("[127.0.0.1]:%d ssh-ed25519 "
                        "AAAAC3NzaC1lZDI1NTE5AAAAIKf3Yp1cJgGxI0SbNt0Y5UqkGRVXQn"
                        "C1IYxXbVLyYv5c\n",
                        server.port);
    dk_test_write(stranger, line, -1);
    g_autofree char *conf = g_strdup_printf(
        "[pipeline]\nstages=ingest;archive\n[ingest]\nplugin=ingest.file\n"
        "[archive]\nplugin=upload.sftp\nurl=%s%s/remote/\nkey=%s/client_key\n"
        "known-hosts=%s\nretry-wait=0.05\nretries=1\n",
        server.base, server.dir, server.dir, stranger);
    g_autofree char *pipeline = g_build_filename(dir, "p.conf", NULL);
    dk_test_write(pipeline, conf, -1);
    g_autofree char *library = g_build_filename(dir, "lib", NULL);
    ck_assert_int_eq(dk_rig_dokpim(NULL, NULL, "run", "-q", pipeline, "--event",
                                   event, "-o", library, input, NULL),
                     0);
    char *err = NULL;
    dk_rig_dokpim(NULL, &err, "queue", "work", "-o", library, "--until-empty",
                  NULL);
    JsonNode *keep = NULL;
    JsonObject *job = dk_rig_job(library, 0, &keep);
    ck_assert_msg(strcmp(dk_rig_text(job, "state"), "done") != 0, "%s", err);
    g_autofree char *remote = g_build_filename(server.dir, "remote", NULL);
    ck_assert(!g_file_test(remote, G_FILE_TEST_EXISTS));
    json_node_unref(keep);
    g_free(err);
    g_free(dir);
    dk_server_stop(&server);
    dk_test_cleanup_dirs();
}
END_TEST

int main(void)
{
    Suite *suite = dk_storage_suite(&sftp);
    TCase *keys = tcase_create("keys");
    dk_rig_isolate_queue(keys);
    tcase_add_test(keys, test_unknown_host_key_refused);
    suite_add_tcase(suite, keys);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : 0;
}
