/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one rule for "this evidence comes from the LAS enclave the verifier
 * trusts", shared by the evidence verifier (against its options) and the
 * quote verifier (against the policy, again, since a caller may have
 * verified the evidence under other options).
 */
#ifndef LAS_VERIFIER_LAS_PIN_H
#define LAS_VERIFIER_LAS_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include "las/evidence.h"

/*
 * Whether las (the enclave the evidence's quote attests) is the LAS enclave
 * opt pins by MRENCLAVE and/or MRSIGNER. With no pin, hardware evidence is
 * refused (it shows only some enclave on genuine SGX) and simulated evidence
 * must come from the simulated LAS signer. On false, why says which.
 */
bool las_evidence_las_pinned(const struct las_evidence_options *opt, bool simulated,
                             const struct las_sgx_report_body *las, char *why, size_t why_len);

#endif
