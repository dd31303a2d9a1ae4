/* One read of a file for all of a bag's checksums (and its copy): the
 * disk, not the hashing, is what an archive of a whole event waits for. */
#include "bag.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>

#define CHUNK (1 << 20)

const char *const dk_bag_algorithms[DK_BAG_ALGORITHMS] = {"sha512", "sha256"};

static int write_all(int fd, const unsigned char *data, size_t size)
{
    while (size) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

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
    posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
    unsigned char *buffer = g_malloc(CHUNK);
    guint64 total = 0;
    while (rc == 0) {
        ssize_t got = read(in, buffer, CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = dk_error_set(err, DK_ERR_IO, "cannot read: %s",
                              g_strerror(errno));
            break;
        }
        if (got == 0)
            break;
        for (int i = 0; i < n; i++)
            EVP_DigestUpdate(sums[i], buffer, (size_t)got);
        if (out >= 0 && write_all(out, buffer, (size_t)got) != 0)
            rc = dk_error_set(err, DK_ERR_IO, "cannot write: %s",
                              g_strerror(errno));
        total += (guint64)got;
    }
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            to_hex(sums[i], hex[i]);
        EVP_MD_CTX_free(sums[i]);
    }
    g_free(buffer);
    if (size)
        *size = total;
    return rc;
}
