/* SPDX-License-Identifier: Apache-2.0 */
#include "format/las_enclave.h"

#include <stdlib.h>

#include "common/crypto.h"

void las_enclave_sim_mrsigner(uint8_t out[static LAS_SGX_HASH_SIZE])
{
    static const char label[] = "LAS simulated enclave signer v1";
    if (las_sha256(label, sizeof label - 1, out) != LAS_OK)
        abort();
}
