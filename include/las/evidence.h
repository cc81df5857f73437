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

struct las_evidence_options {
    const uint8_t *collateral; /* DCAP collateral JSON for the TCB status, or NULL */
    size_t collateral_len;
    int64_t at;                   /* evaluation time (seconds); 0 = now */
    bool allow_simulation;        /* accept simulated evidence (no security) */
    const uint8_t *las_mrenclave; /* pin the LAS enclave by MRENCLAVE (32 bytes) or NULL */
    const uint8_t *las_mrsigner;  /* pin it by MRSIGNER (32 bytes) or NULL */
};

struct las_evidence_result {
    las_status status;
    const char *check; /* name of the refusing check, or NULL */
    char reason[LAS_DCAP_REASON_SIZE];
    uint8_t platform_id[LAS_PLATFORM_ID_SIZE]; /* the attested ID (valid when status is OK) */
    bool simulated;
    struct las_sgx_report_body las; /* LAS's own report body, as the hardware quote attests */
    struct las_dcap_result dcap;    /* TCB status, advisories, FMSPC of the platform */
    struct las_succession successions[LAS_EVIDENCE_MAX_SUCCESSIONS];
    size_t n_successions;
};

/*
 * Verifies an evidence document: the DCAP quote (las_dcap_verify), that it
 * covers exactly the LAS report body of the document, that this report body
 * binds the platform ID, that the enclave is LAS (ISVPRODID, not debug, and
 * the pinned MRENCLAVE or MRSIGNER; simulated evidence defaults to the
 * simulated LAS signer), and every succession statement. On success
 * result->platform_id is the attested platform ID.
 */
LAS_MUST_CHECK las_status las_evidence_verify(const uint8_t *json, size_t len,
                                              const struct las_evidence_options *opt,
                                              struct las_evidence_result *result);

/* The report data that binds a platform ID (and the SVNs of its key). */
void las_evidence_report_data(const uint8_t id[static LAS_PLATFORM_ID_SIZE],
                              const uint8_t cpusvn[static LAS_SGX_CPUSVN_SIZE], uint16_t isvsvn,
                              uint8_t out[static LAS_SGX_REPORT_DATA_SIZE]);

/* The bytes both keys sign in a succession statement. */
void las_succession_message(const struct las_succession *s,
                            uint8_t out[static LAS_SUCCESSION_MESSAGE_SIZE]);

/* Checks both signatures of a succession statement. */
LAS_MUST_CHECK las_status las_succession_verify(const struct las_succession *s);

#ifdef __cplusplus
}
#endif

#endif
