/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Platform evidence: the document with which a LAS proves that its platform
 * ID belongs to a genuine LAS enclave on genuine SGX hardware, and the
 * succession statements that link an old platform ID to its successor.
 * Format and checks: docs/evidence.md.
 */
#ifndef LAS_EVIDENCE_H
#define LAS_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/dcap.h"
#include "las/quote.h"
#include "las/sgx.h"
#include "las/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LAS_EVIDENCE_VERSION         1
#define LAS_EVIDENCE_MAX             (256 * 1024) /* largest evidence document accepted */
#define LAS_EVIDENCE_MAX_SUCCESSIONS 8
#define LAS_EVIDENCE_REASON_SIZE     512 /* room for the DCAP verifier's reason nested in it */
#define LAS_EVIDENCE_BINDING_CONTEXT "LAS platform evidence v1\n"
#define LAS_SUCCESSION_CONTEXT       "LAS succession v1\n"
#define LAS_SUCCESSION_MESSAGE_SIZE  (sizeof LAS_SUCCESSION_CONTEXT - 1 + 2 * (32 + 16 + 2) + 8)

/* "Platform old_id became new_id", signed by both keys. */
struct las_succession {
    uint8_t old_id[LAS_PLATFORM_ID_SIZE];
    uint8_t old_cpusvn[LAS_SGX_CPUSVN_SIZE];
    uint16_t old_isvsvn;
    uint8_t new_id[LAS_PLATFORM_ID_SIZE];
    uint8_t new_cpusvn[LAS_SGX_CPUSVN_SIZE];
    uint16_t new_isvsvn;
    uint64_t issued_at; /* seconds since the epoch */
    uint8_t old_signature[LAS_SIGNATURE_SIZE];
    uint8_t new_signature[LAS_SIGNATURE_SIZE];
};

/*
 * The trust configuration of an evidence verification. Hardware evidence is
 * anchored by Intel's root key, built in, and needs the LAS enclave pinned
 * (las_mrsigner or las_mrenclave), and collateral unless allow_unknown_tcb.
 * Simulated evidence needs simulation tolerated and an anchor of its own:
 * its simulated root CA among sim_roots, its platform ID among platforms,
 * or (follow_successions) a succession chain that starts at one of
 * platforms. An empty configuration accepts nothing.
 * las_policy_evidence_options derives it from a policy.
 */
struct las_evidence_options {
    const uint8_t *collateral; /* DCAP collateral JSON for the TCB status, or NULL */
    size_t collateral_len;
    int64_t at;                   /* evaluation time (seconds); 0 = now */
    bool allow_simulation;        /* tolerate simulated evidence (no security) */
    const uint8_t *las_mrenclave; /* pin the LAS enclave by MRENCLAVE (32 bytes) or NULL */
    const uint8_t *las_mrsigner;  /* pin it by MRSIGNER (32 bytes) or NULL */
    const uint8_t (*sim_roots)[LAS_DCAP_ROOT_PIN_SIZE]; /* pinned simulated root CAs */
    size_t n_sim_roots;
    const uint8_t (*platforms)[LAS_PLATFORM_ID_SIZE]; /* pinned platform IDs */
    size_t n_platforms;
    bool follow_successions; /* a chain from a pinned ID anchors its successor */
    /* Instead of collateral: an earlier verdict with collateral for this
     * platform's hardware quote (a previous result's dcap member), reused
     * (las_dcap_verify_options.collateral_verdict). */
    const struct las_dcap_result *collateral_verdict;
    /* Accept hardware evidence without collateral (nor collateral_verdict),
     * its TCB status Unknown: revocation and TCB level unchecked. Default
     * false: refused (check "hardware_quote", from the DCAP check
     * "collateral"). */
    bool allow_unknown_tcb;
};

/* What anchors verified evidence (las_evidence_result.anchor). */
enum las_evidence_anchor {
    LAS_ANCHOR_NONE = 0,   /* not verified */
    LAS_ANCHOR_INTEL_ROOT, /* hardware: the PCK chain ends in Intel's root key */
    LAS_ANCHOR_SIM_ROOT,   /* simulated: the chain ends in a pinned simulated root */
    LAS_ANCHOR_PLATFORM,   /* simulated: its platform ID is pinned */
    LAS_ANCHOR_SUCCESSION, /* simulated: its succession chain starts at a pinned ID */
};

struct las_evidence_result {
    las_status status;
    const char *check; /* name of the refusing check, or NULL */
    char reason[LAS_EVIDENCE_REASON_SIZE];
    bool verified; /* set by las_evidence_verify when, and only when, it returns LAS_OK */
    enum las_evidence_anchor anchor;
    uint8_t platform_id[LAS_PLATFORM_ID_SIZE]; /* the attested ID (valid when status is OK) */
    bool simulated;
    struct las_sgx_report_body las; /* LAS's own report body, as the hardware quote attests */
    struct las_dcap_result dcap;    /* TCB status, advisories, FMSPC of the platform */
    struct las_succession successions[LAS_EVIDENCE_MAX_SUCCESSIONS];
    size_t n_successions;
};

/*
 * Verifies an evidence document: the DCAP quote (las_dcap_verify, which
 * refuses hardware evidence without collateral unless
 * opt->allow_unknown_tcb), that it covers exactly the LAS report body of
 * the document, that this report body binds the platform ID, that the
 * enclave is LAS (ISVPRODID, not debug, and the pinned MRENCLAVE or
 * MRSIGNER; simulated evidence defaults to the simulated LAS signer), every
 * succession statement, and that a trust anchor of opt holds (check
 * "anchor"; the refusal names what to pin). On success result->platform_id
 * is the attested platform ID and result->verified is set.
 *
 * Checked: that the platform key whose public half is platform_id is held by
 * the pinned LAS enclave on a genuine (or the pinned simulated) SGX
 * platform, with the TCB status of the collateral (result->dcap.tcb_status;
 * Unknown only when tolerated). Not checked, the caller's part: whether that
 * TCB status and its advisories are acceptable, and that the platform is one
 * of the caller's machines (pin the IDs you enrolled, or let
 * las_quote_verify judge the evidence against a policy: it does both).
 */
LAS_MUST_CHECK las_status las_evidence_verify(const uint8_t *json, size_t len,
                                              const struct las_evidence_options *opt,
                                              struct las_evidence_result *result);

/*
 * The report data that binds a platform ID (and the SVNs of its key): what
 * LAS's REPORT must carry for its evidence. A computation, no check.
 */
void las_evidence_report_data(const uint8_t id[static LAS_PLATFORM_ID_SIZE],
                              const uint8_t cpusvn[static LAS_SGX_CPUSVN_SIZE], uint16_t isvsvn,
                              uint8_t out[static LAS_SGX_REPORT_DATA_SIZE]);

/* The bytes both keys sign in a succession statement. */
void las_succession_message(const struct las_succession *s,
                            uint8_t out[static LAS_SUCCESSION_MESSAGE_SIZE]);

/*
 * Checks both signatures of one succession statement (old and new platform
 * key over las_succession_message). Not checked, the caller's part: that
 * it is an upgrade, that statements form one chain ending at the platform
 * that presents them, and that the chain starts at an ID you trust;
 * las_evidence_verify and las_quote_verify (follow_successions) check all.
 */
LAS_MUST_CHECK las_status las_succession_verify(const struct las_succession *s);

#ifdef __cplusplus
}
#endif

#endif
