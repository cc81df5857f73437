/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How the operator decides that a node's platform ID is verified: the one
 * place where it calls the project's evidence verifier (liblas), so that the
 * rest of the operator never depends on the verifier's interface.
 */
#ifndef LAS_OP_VERIFY_H
#define LAS_OP_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/evidence.h"
#include "operator/spec.h"

#define LAS_OP_REASON_SIZE 320

struct las_op_succession {
    char old_id[65], new_id[65];
    unsigned old_isvsvn, new_isvsvn;
    char old_cpusvn[33], new_cpusvn[33];
    uint64_t issued_at;
};

struct las_op_verdict {
    bool verified;
    bool simulated;       /* verified: from the hardware quote; else the document's own claim */
    char platform_id[65]; /* the verified ID; "" unless verified */
    char claimed_id[65];  /* the ID the document names, verified or not ("" if none) */
    char tcb_status[48];  /* Intel's name, "NotEvaluated" without collateral */
    char reason[LAS_OP_REASON_SIZE]; /* why it is not verified, "" when it is */
    /* The verified succession chain, oldest first (only when verified). */
    size_t n_successions;
    struct las_op_succession successions[LAS_EVIDENCE_MAX_SUCCESSIONS];
};

/*
 * Verifies one node's evidence document (GET /v1/platform) with the trust
 * settings of the spec and the collateral (NULL: none). Never fails: an
 * unverifiable document gives verified = false and a reason.
 */
void las_op_verify_evidence(const uint8_t *doc, size_t len, const struct las_op_trust *trust,
                            const uint8_t *collateral, size_t collateral_len,
                            struct las_op_verdict *out);

/* True when the verdict's succession chain leads from old_id to its ID. */
bool las_op_verdict_succeeds(const struct las_op_verdict *v, const char *old_id);

#endif
