/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the DCAP quote parser and the whole DCAP verification. */
#include "common/crypto.h"
#include "dcap/dcap_quote.h"
#include "dcap/root_pin.h"
#include "fuzz.h"
#include "las/dcap.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return las_crypto_init() == LAS_OK ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct las_dcap_quote q;
    char reason[256];
    if (las_dcap_quote_parse(data, size, &q, reason, sizeof reason) == LAS_OK)
        FUZZ_ASSERT(q.version == 3 || q.version == 4);

    /* Fixed time, both trust settings: the chain and signature checks run on what parses. */
    struct las_dcap_verify_options opt = {.at = 1767225600 /* 2026-01-01 */};
    struct las_dcap_result result;
    las_status st = las_dcap_verify(data, size, &opt, &result);
    FUZZ_ASSERT(st == result.status);
    opt.allow_simulation = true;
    st = las_dcap_verify(data, size, &opt, &result);
    FUZZ_ASSERT(st == result.status);
    /* With the simulated root the input chains to pinned, so that the checks after the
     * chain run too. */
    uint8_t pin[1][LAS_DCAP_ROOT_PIN_SIZE];
    if (las_dcap_quote_root_pin(data, size, pin[0]) == LAS_OK) {
        opt.sim_roots = (const uint8_t(*)[LAS_DCAP_ROOT_PIN_SIZE])pin;
        opt.n_sim_roots = 1;
        st = las_dcap_verify(data, size, &opt, &result);
        FUZZ_ASSERT(st == result.status);
    }
    return 0;
}
