/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policies: may this enclave, on this platform, with this hardware state, be
 * trusted? A policy is the whole trust configuration of a verifier: which
 * platforms (or their verified successors), which enclaves, how fresh, and
 * which weaknesses are tolerated. It comes from a YAML document
 * (las_policy_load, docs/policy.md) or is filled in by the caller after
 * las_policy_init (the `las verify` flags do that); either way one evaluator,
 * las_quote_verify (las/verifier.h), decides.
 */
#ifndef LAS_POLICY_H
#define LAS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/dcap.h"
#include "las/evidence.h"
#include "las/quote.h"
#include "las/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest policy document accepted, in bytes. */
#define LAS_POLICY_MAX_SIZE       (64 * 1024)
#define LAS_POLICY_MAX_PLATFORMS  64
#define LAS_POLICY_MAX_MRENCLAVES 64
#define LAS_POLICY_MAX_ADVISORIES 64
#define LAS_POLICY_MAX_SIM_ROOTS  16
#define LAS_POLICY_NAME_SIZE      128 /* name, NUL included */
#define LAS_POLICY_VERSION        1
/* attestation.max_age accepts 1 s to 10 years. */
#define LAS_POLICY_MAX_AGE_LIMIT (10ull * 365 * 24 * 3600)
/* The max_age of a policy that sets none: a quote is a statement about now. */
#define LAS_POLICY_DEFAULT_MAX_AGE 600
/* A quote issued up to this many seconds after the evaluation time is still
 * accepted (clocks of LAS and verifier differ a little); later, never. */
#define LAS_POLICY_CLOCK_SKEW 60
#define LAS_POLICY_ERROR_SIZE 256

/* security.tolerate, one bit each. */
enum las_policy_toleration {
    LAS_TOLERATE_DEBUG_MODE = 1u << 0,           /* "debug-mode" */
    LAS_TOLERATE_SIMULATION = 1u << 1,           /* "simulation" */
    LAS_TOLERATE_OUTDATED_TCB = 1u << 2,         /* "outdated-tcb" */
    LAS_TOLERATE_SW_HARDENING_NEEDED = 1u << 3,  /* "software-hardening-needed" */
    LAS_TOLERATE_CONFIGURATION_NEEDED = 1u << 4, /* "configuration-needed" */
    /* "unknown-tcb": hardware evidence verified without collateral, whose
     * TCB status (revocation, TCB level) is unknown. */
    LAS_TOLERATE_UNKNOWN_TCB = 1u << 5,
};

/*
 * attestation.nonce: how the report data must carry the nonce that the
 * verifier chose for this quote and supplies at verification time
 * (las_verify_args.nonce, `las verify --nonce`).
 */
enum las_policy_nonce {
    LAS_NONCE_NONE = 0, /* no nonce required */
    LAS_NONCE_EXACT,    /* report data = the nonce, zero padded to 64 bytes */
    LAS_NONCE_PREFIX,   /* report data starts with the nonce */
};

/*
 * A policy. Every list holds exactly n_* valid entries. las_policy_init
 * gives the empty policy (equal to the YAML document "{}"), which trusts no
 * platform and so accepts nothing.
 */
struct las_policy {
    uint32_t version;                /* always LAS_POLICY_VERSION after loading */
    char name[LAS_POLICY_NAME_SIZE]; /* "" when the document has none */
    uint8_t platforms[LAS_POLICY_MAX_PLATFORMS][LAS_PLATFORM_ID_SIZE];
    size_t n_platforms; /* 0: no platform pinned */
    uint8_t mrenclaves[LAS_POLICY_MAX_MRENCLAVES][LAS_SGX_HASH_SIZE];
    size_t n_mrenclaves; /* 0: any MRENCLAVE */
    bool has_mrsigner;
    uint8_t mrsigner[LAS_SGX_HASH_SIZE];
    bool has_isvprodid;
    uint16_t isvprodid;
    bool has_isvsvn_min;
    uint16_t isvsvn_min;
    bool has_isvsvn_max;
    uint16_t isvsvn_max;
    bool has_report_data;
    uint8_t report_data[LAS_SGX_REPORT_DATA_SIZE]; /* zero padded */
    enum las_policy_nonce nonce;
    bool has_max_age;
    uint64_t max_age;  /* seconds; LAS_POLICY_DEFAULT_MAX_AGE when !has_max_age */
    uint32_t tolerate; /* enum las_policy_toleration bits */
    char ignore_advisories[LAS_POLICY_MAX_ADVISORIES][LAS_DCAP_ADVISORY_SIZE];
    size_t n_ignore_advisories;
    /* follow_successions: a platform whose evidence carries a verified
     * succession chain from a pinned platform ID is trusted as its successor. */
    bool follow_successions;
    /* evidence: which LAS enclave platform evidence must come from, and which
     * simulated root CAs (SHA-256 of the root's SubjectPublicKeyInfo) anchor
     * simulated evidence. */
    bool has_las_mrsigner;
    uint8_t las_mrsigner[LAS_SGX_HASH_SIZE];
    bool has_las_mrenclave;
    uint8_t las_mrenclave[LAS_SGX_HASH_SIZE];
    uint8_t sim_roots[LAS_POLICY_MAX_SIM_ROOTS][LAS_DCAP_ROOT_PIN_SIZE];
    size_t n_sim_roots;
};

/* The empty policy: version 1, nothing trusted, nothing tolerated. */
void las_policy_init(struct las_policy *policy);

/* Where and why a policy document was refused; line and column count from 1. */
struct las_policy_error {
    size_t line;
    size_t column;
    char message[LAS_POLICY_ERROR_SIZE];
};

/*
 * Parses a policy document of len bytes (at most LAS_POLICY_MAX_SIZE). Strict:
 * unknown keys, duplicate keys, wrong types, malformed hex, out-of-range
 * numbers and unknown tolerations are refused. LAS_OK, or LAS_ERR_BAD_SIZE
 * (too large) / LAS_ERR_MALFORMED with err filled (err may be NULL). *out is
 * zeroed on failure. Checked: the document's form only. What it trusts is
 * decided by las_quote_verify; a policy that pins nothing accepts nothing.
 */
LAS_MUST_CHECK las_status las_policy_load(const uint8_t *buf, size_t len, struct las_policy *out,
                                          struct las_policy_error *err);

/* las_policy_load on a file's contents; LAS_ERR_IO when it cannot be read. */
LAS_MUST_CHECK las_status las_policy_load_file(const char *path, struct las_policy *out,
                                               struct las_policy_error *err);

/* The YAML spelling of one toleration bit ("debug-mode", ...), or NULL. */
const char *las_policy_toleration_name(uint32_t bit);

/*
 * The options with which to verify platform evidence for this policy
 * (las_evidence_verify): the policy's LAS enclave pins, simulated roots,
 * platform IDs, follow_successions and whether simulation and an unknown
 * TCB (no collateral) are tolerated. The caller adds collateral and the
 * time. out points into policy.
 */
void las_policy_evidence_options(const struct las_policy *policy, struct las_evidence_options *out);

#ifdef __cplusplus
}
#endif

#endif
