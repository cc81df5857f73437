/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verifying LAS quotes: signature, then the caller's constraints. The result
 * names the first check that refused, in words an operator can act on.
 */
#ifndef LAS_VERIFIER_H
#define LAS_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/quote.h"
#include "las/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LAS_REASON_SIZE 256

struct las_verify_options {
    /* Trusted platform IDs; a quote from any other platform is refused. When
     * n_platforms is 0 every platform is accepted (signature still checked). */
    const uint8_t (*platforms)[LAS_PLATFORM_ID_SIZE];
    size_t n_platforms;
    /* Accepted MRENCLAVE values (any of); none given: any. */
    const uint8_t (*mrenclaves)[LAS_SGX_HASH_SIZE];
    size_t n_mrenclaves;
    const uint8_t *mrsigner;    /* 32 bytes, or NULL for any */
    const uint8_t *report_data; /* 64 bytes, or NULL for any */
    bool allow_simulation;      /* accept quotes from a simulated platform */
    bool allow_debug;           /* accept debug-mode enclaves */
};

struct las_verify_result {
    las_status status;
    const char *check;            /* name of the refusing check ("platform", ...) or NULL */
    char reason[LAS_REASON_SIZE]; /* human explanation of the refusal */
    struct las_quote quote;       /* the parsed quote when the signature verified */
};

/*
 * Verifies a LAS quote against opt. Returns LAS_OK only when the signature
 * verifies and every constraint holds; otherwise the status and result->check
 * and result->reason say why. result->quote is filled whenever the signature
 * verified, so callers can show what was refused.
 */
LAS_MUST_CHECK las_status las_quote_verify(const uint8_t *buf, size_t len,
                                           const struct las_verify_options *opt,
                                           struct las_verify_result *result);

#ifdef __cplusplus
}
#endif

#endif
