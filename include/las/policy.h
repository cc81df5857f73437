/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policies: may this enclave, on this platform, with this hardware state, be
 * trusted? A policy is a YAML document (docs/policy.md) parsed into a fixed
 * struct; evaluating it against a LAS quote (and, when available, the
 * verdict of the platform's evidence) runs every rule and reports the outcome
 * of each one, so a refusal always names its rule and why.
 */
#ifndef LAS_POLICY_H
#define LAS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/dcap.h"
#include "las/quote.h"
#include "las/status.h"
#include "las/verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest policy document accepted, in bytes. */
#define LAS_POLICY_MAX_SIZE       (64 * 1024)
#define LAS_POLICY_MAX_PLATFORMS  64
#define LAS_POLICY_MAX_MRENCLAVES 64
#define LAS_POLICY_MAX_ADVISORIES 64
#define LAS_POLICY_NAME_SIZE      128 /* name, NUL included */
#define LAS_POLICY_VERSION        1
/* attestation.max_age accepts 1 s to 10 years. */
#define LAS_POLICY_MAX_AGE_LIMIT (10ull * 365 * 24 * 3600)
/* A quote issued up to this many seconds after the evaluation time is still
 * accepted by max_age (clocks of LAS and verifier differ a little). */
#define LAS_POLICY_CLOCK_SKEW 300
#define LAS_POLICY_ERROR_SIZE 256
#define LAS_POLICY_MAX_CHECKS 16

/* security.tolerate, one bit each. */
enum las_policy_toleration {
    LAS_TOLERATE_DEBUG_MODE = 1u << 0,           /* "debug-mode" */
    LAS_TOLERATE_SIMULATION = 1u << 1,           /* "simulation" */
    LAS_TOLERATE_OUTDATED_TCB = 1u << 2,         /* "outdated-tcb" */
    LAS_TOLERATE_SW_HARDENING_NEEDED = 1u << 3,  /* "software-hardening-needed" */
    LAS_TOLERATE_CONFIGURATION_NEEDED = 1u << 4, /* "configuration-needed" */
};

/* A parsed policy. Every list holds exactly n_* valid entries. */
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
    bool has_max_age;
    uint64_t max_age;  /* seconds */
    uint32_t tolerate; /* enum las_policy_toleration bits */
    char ignore_advisories[LAS_POLICY_MAX_ADVISORIES][LAS_DCAP_ADVISORY_SIZE];
    size_t n_ignore_advisories;
};

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
 * zeroed on failure.
 */
LAS_MUST_CHECK las_status las_policy_load(const uint8_t *buf, size_t len, struct las_policy *out,
                                          struct las_policy_error *err);

/* las_policy_load on a file's contents; LAS_ERR_IO when it cannot be read. */
LAS_MUST_CHECK las_status las_policy_load_file(const char *path, struct las_policy *out,
                                               struct las_policy_error *err);

/* The YAML spelling of one toleration bit ("debug-mode", ...), or NULL. */
const char *las_policy_toleration_name(uint32_t bit);

/*
 * The verdict of the platform's evidence (a DCAP quote binding the platform
 * ID, checked with las_dcap_verify), as plain facts. Pass NULL (or present =
 * false) when no evidence was verified.
 */
struct las_policy_platform {
    bool present;
    bool simulated;                 /* the evidence chains to the simulated root CA */
    enum las_tcb_status tcb_status; /* LAS_TCB_UNKNOWN: verified without collateral */
    const char (*advisories)[LAS_DCAP_ADVISORY_SIZE];
    size_t n_advisories;
    uint8_t platform_id[LAS_PLATFORM_ID_SIZE]; /* the platform ID the evidence binds */
};

enum las_check_outcome {
    LAS_CHECK_PASS = 0,
    LAS_CHECK_FAIL,
    LAS_CHECK_SKIPPED, /* the policy does not ask for it, or it cannot be evaluated */
};

/* "pass", "fail", "skipped". */
const char *las_check_outcome_name(enum las_check_outcome o);

struct las_policy_check {
    const char *name; /* rule name, static ("signature", "platform", ...) */
    enum las_check_outcome outcome;
    char reason[LAS_REASON_SIZE];
};

struct las_policy_verdict {
    las_status status;            /* LAS_OK: accepted */
    const char *refused_by;       /* name of the first failing check, NULL when accepted */
    char reason[LAS_REASON_SIZE]; /* why it refused (copy of that check's reason) */
    struct las_policy_check checks[LAS_POLICY_MAX_CHECKS]; /* in rule order */
    size_t n_checks;
    bool quote_valid; /* the signature verified and quote is filled */
    struct las_quote quote;
    int64_t evaluated_at; /* the "now" used */
};

/*
 * Evaluates policy against the LAS quote in buf: the signature first, then
 * every rule in the order of docs/policy.md. All rules are evaluated and
 * reported in verdict->checks (after a bad signature the others are skipped).
 * now is the evaluation time in seconds since the epoch (>= 0). Returns
 * verdict->status: LAS_OK when every check passed or was skipped; otherwise
 * the refusal of the first failing check (LAS_ERR_SIGNATURE, LAS_ERR_BAD_SIZE,
 * LAS_ERR_UNSUPPORTED, LAS_ERR_MALFORMED for the quote itself,
 * LAS_ERR_SIMULATED, LAS_ERR_REFUSED), or LAS_ERR_INVALID_ARGUMENT.
 */
LAS_MUST_CHECK las_status las_policy_evaluate(const struct las_policy *policy, const uint8_t *buf,
                                              size_t len,
                                              const struct las_policy_platform *platform,
                                              int64_t now, struct las_policy_verdict *verdict);

#ifdef __cplusplus
}
#endif

#endif
