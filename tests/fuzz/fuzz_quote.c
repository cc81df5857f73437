/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the LAS quote reader, its writer and the verifier. */
#include <string.h>

#include "common/crypto.h"
#include "fuzz.h"
#include "las/quote.h"
#include "las/verifier.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return las_crypto_init() == LAS_OK ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct las_quote q;
    uint8_t again[LAS_QUOTE_SIZE];
    if (las_quote_parse(data, size, &q) == LAS_OK) {
        FUZZ_ASSERT(size == LAS_QUOTE_SIZE);
        las_quote_serialize(&q, again);
        FUZZ_ASSERT(memcmp(again, data, size) == 0);
    }

    /* The verifier, with and without constraints: a refusal is fine, a crash is not. */
    static const uint8_t platform[1][LAS_PLATFORM_ID_SIZE] = {{0x42}};
    static const uint8_t mrenclave[1][LAS_SGX_HASH_SIZE] = {{0x17}};
    struct las_verify_options open = {.allow_simulation = true, .allow_debug = true};
    struct las_verify_options strict = {
        .platforms = platform, .n_platforms = 1, .mrenclaves = mrenclave, .n_mrenclaves = 1};
    struct las_verify_result result;
    las_status st = las_quote_verify(data, size, &open, &result);
    FUZZ_ASSERT(st == result.status);
    st = las_quote_verify(data, size, &strict, &result);
    FUZZ_ASSERT(st != LAS_OK); /* no input can be from platform 42.. with a valid signature */
    return 0;
}
