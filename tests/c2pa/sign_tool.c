/* dk-c2pa-sign IN OUT KEY CHAIN [PARENT_SHA256 [CREATIVE_WORK.json]]:
 * signs a JPEG (or an MP4/MOV, by OUT's extension) with the C2PA library
 * directly, so the reference-reader
 * tests can judge the library's output apart from the plugin (and sign odd
 * inputs, such as a manifest too big for one APP11 segment). */
#include <dokpim/c2pa.h>

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s IN OUT KEY CHAIN [PARENT_SHA256]\n",
                argv[0]);
        return 2;
    }
    dk_error err = {0};
    dk_c2pa_signer *signer;
    if (dk_c2pa_signer_load(argv[3], argv[4], &signer, &err) < 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    const dk_c2pa_param params[] = {{"width", "1600"}, {"quality", "85"}};
    const dk_c2pa_action actions[] = {
        {"c2pa.resized", "transcode.photo", "web copy", params, 2},
        {"c2pa.edited", "watermark.photo", "visible logo", NULL, 0},
    };
    dk_c2pa_info info = {
        .generator_version = "test",
        .title = "signed.jpg",
        .format = "image/jpeg",
        .parent_title = "original.jpg",
        .parent_format = "image/jpeg",
        .parent_sha256_hex =
            argc > 5 ? argv[5]
                     : "0000000000000000000000000000000000000000000000000000"
                       "000000000000",
        .actions = actions,
        .n_actions = 2,
        .creative_work_json =
            "{\"@context\":\"https://schema.org\",\"@type\":\"CreativeWork\","
            "\"author\":[{\"@type\":\"Person\",\"name\":\"Test "
            "Photographer\"}]}",
    };
    char *cw = NULL;
    if (argc > 6 && !g_file_get_contents(argv[6], &cw, NULL, NULL)) {
        fprintf(stderr, "%s: cannot read\n", argv[6]);
        return 1;
    }
    if (cw)
        info.creative_work_json = cw;
    /* MP4/MOV by the output's name: the BMFF embedder */
    bool bmff =
        g_str_has_suffix(argv[2], ".mp4") || g_str_has_suffix(argv[2], ".mov");
    if (bmff) {
        info.title = "signed.mp4";
        info.format =
            g_str_has_suffix(argv[2], ".mov") ? "video/quicktime" : "video/mp4";
        info.parent_format = info.format;
    }
    int rc = bmff ? dk_c2pa_sign_bmff(argv[1], argv[2], &info, signer, &err)
                  : dk_c2pa_sign_jpeg(argv[1], argv[2], &info, signer, &err);
    dk_c2pa_signer_free(signer);
    g_free(cw);
    if (rc < 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    return 0;
}
