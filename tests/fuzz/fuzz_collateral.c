/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the DCAP collateral JSON parser (TCB info, QE identity, CRLs). */
#include "common/crypto.h"
#include "dcap/collateral.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return las_crypto_init() == LAS_OK ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct las_dcap_collateral c;
    char reason[256];
    if (las_dcap_collateral_parse(data, size, &c, reason, sizeof reason) == LAS_OK)
        las_dcap_collateral_free(&c);
    return 0;
}
