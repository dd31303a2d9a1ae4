/* core/c2pa: reading and checking a file's manifest store (JUMBF boxes,
 * the active manifest, the claim CBOR and its hashed URIs, the
 * COSE_Sign1 and its x5chain, the hard binding) on any bytes. Whatever
 * the input, the check returns 0 with a verdict: a store that cannot be
 * read says why in one line, and "intact" needs every check passed. */
#include <dokpim/c2pa.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    dk_c2pa_report r;
    dk_error err = {0};
    FUZZ_CHECK(dk_c2pa_verify(data, size, NULL, &r, &err) == 0);
    if (r.invalid) {
        FUZZ_CHECK(r.has_manifest && r.invalid[0] != '\0' &&
                   !strchr(r.invalid, '\n'));
        FUZZ_CHECK(!r.signature_ok && !r.binding_ok && !r.assertions_ok);
    }
    if (dk_c2pa_report_intact(&r))
        FUZZ_CHECK(r.signature_ok && r.binding_ok && r.assertions_ok &&
                   strlen(r.signer_sha256) == 64);
    FUZZ_CHECK(!r.trusted); /* no anchors given */
    dk_c2pa_report_clear(&r);
    return 0;
}
