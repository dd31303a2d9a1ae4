/* One read of a file for all of a bag's checksums (and its copy), through
 * the core's read pass (hash.c): the disk, not the hashing, is what an
 * archive of a whole event waits for. */
#include "bag.h"

#include <openssl/evp.h>
#include <stdio.h>

const char *const dk_bag_algorithms[DK_BAG_ALGORITHMS] = {"sha512", "sha256"};

static void to_hex(EVP_MD_CTX *sum, char hex[DK_BAG_HEX_MAX])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(sum, digest, &length);
    for (unsigned int i = 0; i < length && 2 * i + 2 < DK_BAG_HEX_MAX; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

int dk_bag_digest_fd(int in, int out, const char *const *algorithms, int n,
                     char (*hex)[DK_BAG_HEX_MAX], guint64 *size, dk_error *err)
{
    EVP_MD_CTX *sums[8] = {0};
    int rc = 0;
    g_return_val_if_fail(n <= 8, DK_ERR_INTERNAL);
    for (int i = 0; i < n && rc == 0; i++) {
        const EVP_MD *md = EVP_get_digestbyname(algorithms[i]);
        sums[i] = EVP_MD_CTX_new();
        if (!md || !sums[i] || !EVP_DigestInit_ex(sums[i], md, NULL))
            rc = dk_error_set(err, DK_ERR_UNSUPPORTED,
                              "unknown checksum algorithm %s", algorithms[i]);
        hex[i][0] = '\0';
    }
    /* the callers name the file in the message */
    const dk_read_pass pass = {
        .in = in,
        .sums = sums,
        .n_sums = n,
        .outs = &out,
        .n_outs = out >= 0,
    };
    if (rc == 0)
        rc = dk_read_pass_run(&pass, size, err);
    else if (size)
        *size = 0;
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            to_hex(sums[i], hex[i]);
        EVP_MD_CTX_free(sums[i]);
    }
    return rc;
}
