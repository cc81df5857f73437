/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the TARGETINFO reader (las_sgx_targetinfo_parse) and its writer. */
#include <string.h>

#include "fuzz.h"
#include "las/sgx.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct las_sgx_targetinfo ti;
    uint8_t again[LAS_SGX_TARGETINFO_SIZE];
    if (las_sgx_targetinfo_parse(data, size, &ti) != LAS_OK)
        return 0;
    FUZZ_ASSERT(size == LAS_SGX_TARGETINFO_SIZE);
    las_sgx_targetinfo_serialize(&ti, again);
    /* Reserved bytes are kept verbatim, so the round trip is exact. */
    FUZZ_ASSERT(memcmp(again, data, size) == 0);
    return 0;
}
