/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the whole DCAP verification of Intel's real quote
 * (../shared/testdata/dcap/phala_sgx_quote.bin) with the input as its
 * collateral, at a time inside the real collateral's validity
 * (docs/dcap.md). The quote itself is valid, so every refusal must come from
 * a collateral check. Without the shared data the target exits 77: the replay
 * test is reported as skipped and scripts/fuzz says so.
 *
 * The data directory is $LAS_DCAP_TESTDATA, else ../shared/testdata/dcap
 * (scripts/fuzz runs from the project root).
 */
#include <stdio.h>
#include <string.h>

#include "common/crypto.h"
#include "common/file.h"
#include "fuzz.h"
#include "las/dcap.h"

#define T_REAL 1751328000 /* 2025-07-01T00:00:00Z */

static uint8_t *quote;
static size_t quote_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("LAS_DCAP_TESTDATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/phala_sgx_quote.bin", dir ? dir : "../shared/testdata/dcap");
    if (las_crypto_init() != LAS_OK)
        return 1;
    if (las_file_read(path, LAS_DCAP_QUOTE_MAX, &quote, &quote_len) != LAS_OK) {
        fprintf(stderr, "SKIP: %s is absent; fuzz_dcap_collateral needs Intel's real quote\n",
                path);
        exit(77);
    }
    return 0;
}

/* The checks of the quote itself (docs/dcap.md, 1-9): none may refuse. */
static int is_quote_check(const char *check)
{
    static const char *const quote_checks[] = {
        "arguments",           "quote_format",   "header",
        "pck_chain",           "simulation",     "pck_certificate",
        "qe_report_signature", "qe_report_data", "attestation_key",
        "quote_signature",
    };
    for (size_t i = 0; i < sizeof quote_checks / sizeof quote_checks[0]; i++) {
        if (strcmp(check, quote_checks[i]) == 0)
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct las_dcap_verify_options opt = {.collateral = data, .collateral_len = size, .at = T_REAL};
    struct las_dcap_result r;
    las_status st = las_dcap_verify(quote, quote_len, &opt, &r);
    FUZZ_ASSERT(st == r.status && !r.simulated);
    if (st == LAS_OK) {
        FUZZ_ASSERT(r.check == NULL && r.tcb_status != LAS_TCB_UNKNOWN &&
                    r.tcb_status != LAS_TCB_REVOKED && r.n_advisories <= LAS_DCAP_MAX_ADVISORIES);
    } else {
        FUZZ_ASSERT(r.check != NULL && r.reason[0] != '\0' && !is_quote_check(r.check));
        FUZZ_ASSERT(memchr(r.reason, '\0', sizeof r.reason) != NULL);
    }
    return 0;
}
