/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the LAS quote reader, its writer and the verifier. */
#include <string.h>

#include "common/crypto.h"
#include "fuzz.h"
#include "las/quote.h"
#include "las/policy.h"
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

    /* The verifier: a pin that no input can satisfy with a valid signature, and the
     * empty policy that tolerates everything but pins nothing. Refusals are fine, a
     * crash or an acceptance is not. */
    static struct las_policy pinned, open;
    static struct las_verdict v;
    static bool ready;
    if (!ready) {
        las_policy_init(&pinned);
        pinned.platforms[0][0] = 0x42;
        pinned.n_platforms = 1;
        pinned.tolerate = ~0u;
        las_policy_init(&open);
        open.tolerate = ~0u;
        ready = true;
    }
    struct las_verify_args args = {.now = 1700000000};
    las_status st = las_quote_verify(&pinned, data, size, &args, &v);
    FUZZ_ASSERT(st == v.status && st != LAS_OK);
    st = las_quote_verify(&open, data, size, &args, &v);
    FUZZ_ASSERT(st == v.status && st != LAS_OK);
    return 0;
}
