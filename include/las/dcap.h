/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verification of Intel DCAP (ECDSA) quotes for SGX, versions 3 and 4, with
 * optional collateral (TCB info, QE identity, CRLs) for the TCB status.
 * Formats and checks are described in docs/dcap.md.
 */
#ifndef LAS_DCAP_H
#define LAS_DCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/sgx.h"
#include "las/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest DCAP quote accepted (certification data included). */
#define LAS_DCAP_QUOTE_MAX (64 * 1024)
/* Largest collateral document accepted. */
#define LAS_DCAP_COLLATERAL_MAX (1024 * 1024)
#define LAS_DCAP_MAX_ADVISORIES 64
#define LAS_DCAP_ADVISORY_SIZE  32
#define LAS_DCAP_REASON_SIZE    256
/* A root CA pin: SHA-256 of the root certificate's SubjectPublicKeyInfo (DER). */
#define LAS_DCAP_ROOT_PIN_SIZE 32

/* Subject CN of the simulated root CA (sim mode); only trusted when allowed. */
#define LAS_SIM_ROOT_CA_CN "LAS Simulated SGX Root CA"

enum las_tcb_status {
    LAS_TCB_UNKNOWN = 0, /* no collateral given: the TCB status was not evaluated */
    LAS_TCB_UP_TO_DATE,
    LAS_TCB_SW_HARDENING_NEEDED,
    LAS_TCB_CONFIGURATION_NEEDED,
    LAS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
    LAS_TCB_OUT_OF_DATE,
    LAS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
    LAS_TCB_REVOKED,
};

/* Intel's spelling ("UpToDate", "SWHardeningNeeded", ...). */
const char *las_tcb_status_name(enum las_tcb_status s);

struct las_dcap_verify_options {
    const uint8_t *collateral; /* collateral JSON (docs/dcap.md), or NULL */
    size_t collateral_len;
    int64_t at;            /* evaluation time, seconds since the epoch; 0 = now */
    bool allow_simulation; /* tolerate a chain to a pinned simulated root CA */
    /* The simulated root CAs trusted as anchors (pins, las_dcap_root_pins_from_pem).
     * Every simulated platform has its own root; tolerating simulation
     * trusts none of them by itself. */
    const uint8_t (*sim_roots)[LAS_DCAP_ROOT_PIN_SIZE];
    size_t n_sim_roots;
    /* Without collateral: the result of an earlier verification, with
     * collateral, of a quote of the same platform (same PCK certificate and
     * quoting enclave). Its TCB status and advisories are reused instead of
     * checking the collateral again; how long that verdict stays current is
     * the caller's decision, as when to fetch new collateral is. */
    const struct las_dcap_result *collateral_verdict;
    /* Accept a hardware quote without collateral (nor collateral_verdict):
     * its TCB status is then LAS_TCB_UNKNOWN, i.e. neither revocation nor
     * the platform's TCB level is checked (docs/dcap.md). Default false: such
     * a quote is refused (check "collateral"). Simulated quotes, for which no
     * collateral exists, do not need it. */
    bool allow_unknown_tcb;
};

struct las_dcap_result {
    las_status status;
    const char *check;                 /* name of the refusing check, or NULL */
    char reason[LAS_DCAP_REASON_SIZE]; /* why it was refused */
    uint16_t version;                  /* quote version (3 or 4) */
    bool simulated;                    /* chain ends in the simulated root CA */
    struct las_sgx_report_body body;   /* the attested enclave's report body */
    uint8_t fmspc[6];
    uint8_t pceid[2];
    enum las_tcb_status tcb_status;
    char advisories[LAS_DCAP_MAX_ADVISORIES][LAS_DCAP_ADVISORY_SIZE];
    size_t n_advisories;
    uint8_t root_pin[LAS_DCAP_ROOT_PIN_SIZE]; /* pin of the chain's root CA, once it verified */
    /* SHA-256 of the PCK certificate (DER) and the QE report: the platform a
     * collateral verdict is about (las_dcap_verify_options.collateral_verdict). */
    uint8_t platform_digest[32];
};

/*
 * Verifies a DCAP quote: structure, quote signature, QE report signature by
 * the PCK leaf, QE report data binding of the attestation key, the QE's
 * identity (pinned for the chain's root), the PCK chain to a trust anchor:
 * the pinned Intel SGX Root CA key, or, only with allow_simulation, one of
 * opt->sim_roots (a chain to any other simulated root is refused, check
 * "sim_root"), and the TCB status from the collateral (or an earlier
 * collateral verdict). A hardware quote without either is refused (check
 * "collateral") unless opt->allow_unknown_tcb. LAS_OK when every check
 * passes (a TCB status other than UpToDate is reported, not refused:
 * policies decide).
 *
 * Checked: that the quote was made by Intel's quoting enclave on a genuine
 * (or the pinned simulated) SGX platform for the enclave in result->body,
 * with the platform's TCB status (Unknown only when tolerated). Not
 * checked, the caller's part: which enclave that is (MRENCLAVE, MRSIGNER,
 * attributes of result->body), whether result->tcb_status and its
 * advisories are acceptable, and freshness (report data chosen by the
 * verifier).
 */
LAS_MUST_CHECK las_status las_dcap_verify(const uint8_t *quote, size_t len,
                                          const struct las_dcap_verify_options *opt,
                                          struct las_dcap_result *result);

/*
 * The pins of the root CA certificates in pem (one or more PEM CERTIFICATE
 * blocks, e.g. sim-qe-root-ca.pem of a simulated LAS's state directory), at
 * most max; *n is their number. LAS_ERR_MALFORMED when pem holds anything
 * else or no certificate, LAS_ERR_BAD_SIZE for more than max. Computes
 * pins only: whether a root deserves trust is the caller's decision (take
 * the file from the simulated LAS you mean, not from what it presents).
 */
LAS_MUST_CHECK las_status las_dcap_root_pins_from_pem(const uint8_t *pem, size_t len,
                                                      uint8_t (*pins)[LAS_DCAP_ROOT_PIN_SIZE],
                                                      size_t max, size_t *n);

#ifdef __cplusplus
}
#endif

#endif
