/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: platform evidence JSON (las_evidence_verify, which parses everything in it). */
#include "common/crypto.h"
#include "fuzz.h"
#include "las/evidence.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return las_crypto_init() == LAS_OK ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct las_evidence_options opt = {.allow_simulation = true};
    struct las_evidence_result result;
    las_status st = las_evidence_verify(data, size, &opt, &result);
    FUZZ_ASSERT(st == result.status);
    opt.allow_simulation = false;
    st = las_evidence_verify(data, size, &opt, &result);
    FUZZ_ASSERT(st == result.status);
    return 0;
}
