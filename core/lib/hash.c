/* Content hashing, and the one-pass copy that hashes while it copies so an
 * import reads the card only once. SHA-256 comes from OpenSSL's libcrypto:
 * with the CPU's SHA extensions it runs several times faster than GLib's
 * portable code, and hashing is most of an ingest's cost. */
#include "dk_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PASS_CHUNK (1 << 20)

static void hex_from_digest(EVP_MD_CTX *sum, char hex[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(sum, digest, &length);
    for (unsigned int i = 0; i < length && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    hex[64] = '\0';
}

int dk_hash_file(const char *path, char hex[65], dk_error *err)
{
    return dk_copy_and_hash(path, NULL, 0, hex, err);
}

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

/* "cannot read NAME: why", or without the name when the caller adds it. */
static int io_error(dk_error *err, const char *what, const char *name)
{
    if (name)
        return dk_error_errno(err, DK_ERR_IO, what, name);
    return dk_error_set(err, DK_ERR_IO, "%s: %s", what, g_strerror(errno));
}

int dk_read_pass_run(const dk_read_pass *pass, guint64 *size, dk_error *err)
{
    posix_fadvise(pass->in, 0, 0, POSIX_FADV_SEQUENTIAL);
    unsigned char *buffer = g_malloc(PASS_CHUNK);
    off_t total = 0;
    int rc = 0;
    while (rc == 0) {
        ssize_t n = read(pass->in, buffer, PASS_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = io_error(err, "cannot read", pass->in_name);
            break;
        }
        if (n == 0)
            break;
        for (int i = 0; i < pass->n_sums; i++)
            EVP_DigestUpdate(pass->sums[i], buffer, (size_t)n);
        for (int i = 0; i < pass->n_outs && rc == 0; i++) {
            if (write_all(pass->outs[i], buffer, (size_t)n) != 0)
                rc = io_error(err, "cannot write",
                              pass->out_names ? pass->out_names[i] : NULL);
            /* A copy flushed before it is renamed into place: start the
             * disk on this chunk now, while the next one is read and
             * hashed, so the flush at the end waits for the tail only. */
            else if (pass->start_flush)
                sync_file_range(pass->outs[i], total, n, SYNC_FILE_RANGE_WRITE);
        }
        total += n;
    }
    g_free(buffer);
    if (size)
        *size = (guint64)total;
    return rc;
}

int dk_copy_and_hash(const char *src, const char *const *dsts, int ndst,
                     char hex[65], dk_error *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return dk_error_errno(err, DK_ERR_IO, "cannot read", src);
    int out[4] = {-1, -1, -1, -1};
    int rc = 0;
    g_return_val_if_fail(ndst <= 4, DK_ERR_INTERNAL);
    for (int i = 0; i < ndst; i++) {
        out[i] = open(dsts[i], O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (out[i] < 0) {
            rc = dk_error_errno(err, DK_ERR_IO, "cannot write", dsts[i]);
            goto done;
        }
    }
    EVP_MD_CTX *sum = hex ? EVP_MD_CTX_new() : NULL;
    if (sum)
        EVP_DigestInit_ex(sum, EVP_sha256(), NULL);
    const dk_read_pass pass = {
        .in = in,
        .in_name = src,
        .sums = &sum,
        .n_sums = sum != NULL,
        .outs = out,
        .out_names = dsts,
        .n_outs = ndst,
        .start_flush = true,
    };
    rc = dk_read_pass_run(&pass, NULL, err);
    if (sum) {
        if (rc == 0)
            hex_from_digest(sum, hex);
        EVP_MD_CTX_free(sum);
    }
done:
    for (int i = 0; i < ndst; i++)
        if (out[i] >= 0 && close(out[i]) != 0 && rc == 0)
            rc = dk_error_errno(err, DK_ERR_IO, "cannot write", dsts[i]);
    close(in);
    return rc;
}
