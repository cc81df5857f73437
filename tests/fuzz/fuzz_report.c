/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the SGX REPORT reader (las_sgx_report_parse) and its writer. */
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
    struct las_sgx_report r;
    uint8_t again[LAS_SGX_REPORT_SIZE];
    if (las_sgx_report_parse(data, size, &r) != LAS_OK)
        return 0;
    /* Whatever parses must serialize back to the same bytes. */
    FUZZ_ASSERT(size == LAS_SGX_REPORT_SIZE);
    las_sgx_report_serialize(&r, again);
    FUZZ_ASSERT(memcmp(again, data, size) == 0);
    return 0;
}
