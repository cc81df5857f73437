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
    /* Simulation tolerated and a platform pinned that no input can be (every check runs
     * before the anchor's), then nothing tolerated. */
    static const uint8_t platform[1][LAS_PLATFORM_ID_SIZE] = {{0x42}};
    struct las_evidence_options opt = {.allow_simulation = true,
                                       .platforms = platform,
                                       .n_platforms = 1,
                                       .follow_successions = true};
    struct las_evidence_result result;
    las_status st = las_evidence_verify(data, size, &opt, &result);
    FUZZ_ASSERT(st == result.status);
    FUZZ_ASSERT(st != LAS_OK || result.verified);
    opt.allow_simulation = false;
    st = las_evidence_verify(data, size, &opt, &result);
    FUZZ_ASSERT(st == result.status);
    return 0;
}
