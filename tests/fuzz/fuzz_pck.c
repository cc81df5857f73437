/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the PEM certificate chain parser and the PCK certificate's
 * SGX extension parser. The whole input is tried as a PEM chain (then every
 * certificate's SGX extension is parsed, and the chain verified) and as the
 * DER value of the SGX extension.
 */
#include <string.h>

#include "common/crypto.h"
#include "dcap/pck.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return las_crypto_init() == LAS_OK ? 0 : 1;
}

static const struct las_pck_info zero_info;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct las_x509_chain chain;
    struct las_pck_info info;
    char reason[256];

    if (las_pem_chain_parse(data, size, &chain, reason, sizeof reason) == LAS_OK) {
        FUZZ_ASSERT(chain.n >= 1 && chain.n <= LAS_DCAP_MAX_CHAIN);
        for (size_t i = 0; i < chain.n; i++) {
            FUZZ_ASSERT(chain.certs[i] != NULL);
            if (las_pck_info_from_cert(chain.certs[i], &info) != LAS_OK)
                FUZZ_ASSERT(memcmp(&info, &zero_info, sizeof info) == 0);
        }
        /* Both trust settings; the simulated root is what a fuzzer can reach. */
        for (int sim = 0; sim < 2; sim++) {
            const struct las_dcap_anchor *anchor = NULL;
            const char *check = NULL;
            struct las_chain_check how = {.at = 1767225600 /* 2026-01-01 */,
                                          .trust = &las_dcap_default_trust,
                                          .allow_simulation = sim};
            las_status st =
                las_x509_chain_verify(&chain, &how, &anchor, &check, reason, sizeof reason);
            FUZZ_ASSERT(st == LAS_OK ? anchor != NULL && check == NULL : anchor == NULL);
            FUZZ_ASSERT(st == LAS_OK || memchr(reason, '\0', sizeof reason));
            FUZZ_ASSERT(sim || anchor == NULL || !anchor->simulated);
        }
        las_x509_chain_free(&chain);
    } else {
        FUZZ_ASSERT(chain.n == 0 && memchr(reason, '\0', sizeof reason));
    }

    if (las_pck_ext_parse(data, size, &info) == LAS_OK)
        FUZZ_ASSERT(info.sgx_type >= 0 && info.sgx_type <= 255);
    else
        FUZZ_ASSERT(memcmp(&info, &zero_info, sizeof info) == 0);
    return 0;
}
