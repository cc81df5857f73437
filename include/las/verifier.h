/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verifier of LAS quotes: one evaluator, las_quote_verify, judges a
 * quote against a policy (las/policy.h), with the platform's verified
 * evidence when the caller has it. Every rule is evaluated and explained, in
 * the order of docs/verifier.md; the first failing rule decides.
 *
 * It fails closed: a quote is accepted only when its platform is trusted
 * through the policy, i.e. its platform ID is pinned (platforms), or it is
 * the verified successor of a pinned ID (follow_successions), or the policy
 * pins no platform and the quote comes with platform evidence anchored in a
 * root the policy trusts. Evidence counts only from the LAS enclave the
 * policy pins (evidence.las_mrsigner or las_mrenclave; without a pin,
 * hardware evidence counts for nothing and simulated evidence must come
 * from the simulated LAS), whatever options it was verified with. The empty
 * policy accepts nothing.
 */
#ifndef LAS_VERIFIER_H
#define LAS_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/evidence.h"
#include "las/policy.h"
#include "las/quote.h"
#include "las/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LAS_REASON_SIZE       512 /* room for a nested verifier's reason */
#define LAS_VERIFY_MAX_CHECKS 16
#define LAS_NONCE_MAX         LAS_SGX_REPORT_DATA_SIZE

/* What only the verifier knows at verification time. Zero it, then set. */
struct las_verify_args {
    /* The evaluation time, seconds since the epoch; 0 = the current time. */
    int64_t now;
    /* The nonce this verifier chose for this quote (1..LAS_NONCE_MAX bytes),
     * required by a policy with attestation.nonce; NULL when none. */
    const uint8_t *nonce;
    size_t nonce_len;
    /* The evidence of the quote's platform, as las_evidence_verify returned
     * it (verified with las_policy_evidence_options of the same policy), or
     * NULL. A result whose `verified` flag is not set counts as refused. One
     * verified result may serve every quote of its platform. */
    const struct las_evidence_result *evidence;
};

enum las_check_outcome {
    LAS_CHECK_PASS = 0,
    LAS_CHECK_FAIL,
    LAS_CHECK_SKIPPED, /* the policy does not ask for it, or it cannot be evaluated */
};

/* "pass", "fail", "skipped". */
const char *las_check_outcome_name(enum las_check_outcome o);

struct las_check {
    const char *name; /* rule name, static ("signature", "platform", ...) */
    enum las_check_outcome outcome;
    char reason[LAS_REASON_SIZE];
};

struct las_verdict {
    las_status status;                              /* LAS_OK: accepted */
    const char *check;                              /* the first failing rule, NULL when accepted */
    char reason[LAS_REASON_SIZE];                   /* why it refused (that rule's reason) */
    struct las_check checks[LAS_VERIFY_MAX_CHECKS]; /* every rule, in rule order */
    size_t n_checks;
    bool quote_valid; /* the signature verified and quote is filled */
    struct las_quote quote;
    int64_t evaluated_at; /* the "now" used */
    /* Set when the platform was accepted as the verified successor of a
     * pinned platform ID (follow_successions): which one, and in how many
     * successions. */
    bool successor;
    uint8_t predecessor[LAS_PLATFORM_ID_SIZE];
    size_t succession_steps;
};

/*
 * Verifies the LAS quote in buf against policy. Returns verdict->status:
 * LAS_OK when no rule failed; otherwise the refusal of the first failing rule
 * (LAS_ERR_SIGNATURE, LAS_ERR_BAD_SIZE, LAS_ERR_UNSUPPORTED or
 * LAS_ERR_MALFORMED for the quote itself, LAS_ERR_SIMULATED, LAS_ERR_REFUSED)
 * with verdict->check and verdict->reason; LAS_ERR_INVALID_ARGUMENT for bad
 * arguments. args may be NULL (now, no nonce, no evidence).
 *
 * Checked: the quote's format and signature; that its platform is trusted
 * (above); simulation, debug mode, the enclave identity, report data, nonce,
 * age (max_age, LAS_POLICY_DEFAULT_MAX_AGE when the policy sets none; a quote
 * from more than LAS_POLICY_CLOCK_SKEW seconds in the future is refused), and
 * with evidence its TCB status and advisories, as the policy says (hardware
 * evidence verified without collateral has the status Unknown, refused
 * unless the policy tolerates unknown-tcb).
 *
 * The caller's part: freshness beyond max_age. A quote is fresh only if its
 * report data carries a nonce this verifier chose for it; require one with
 * attestation.nonce and pass it in args->nonce. And what the enclave's
 * report data means to your protocol (a key hash, a channel binding).
 */
LAS_MUST_CHECK las_status las_quote_verify(const struct las_policy *policy, const uint8_t *buf,
                                           size_t len, const struct las_verify_args *args,
                                           struct las_verdict *verdict);

#ifdef __cplusplus
}
#endif

#endif
