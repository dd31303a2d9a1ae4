/* core/forensics/print_file.c: a print file's bytes. A print that parses
 * is written back byte for byte (every field is checked, none dropped). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "print_file_private.h"

static void check(const uint8_t *data, size_t size)
{
    dk_media_print print;
    dk_error err = {0};
    int rc = dk_print_parse(data, size, &print, &err);
    if (rc) {
        FUZZ_CHECK(rc == DK_ERR_INVALID || rc == DK_ERR_NOMEM);
        FUZZ_CHECK(err.message[0] && !strchr(err.message, '\n'));
        return;
    }
    uint8_t *back = NULL;
    size_t back_size = 0;
    FUZZ_CHECK(dk_print_encode(&print, &back, &back_size, &err) == 0);
    FUZZ_CHECK(back_size == size && memcmp(back, data, size) == 0);
    free(back);
    dk_media_print_clear(&print);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    check(data, size);
    /* and with the CRC-32 trailer made right, so that mutations reach the
     * checks behind it */
    if (size >= 4) {
        uint8_t *copy = g_memdup2(data, size);
        uint32_t crc = (uint32_t)crc32_z(0, copy, size - 4);
        memcpy(copy + size - 4, &crc, 4);
        check(copy, size);
        g_free(copy);
    }
    return 0;
}
