/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DCAP collateral (docs/dcap.md): the JSON document with Intel's QvE
 * collateral field names, the TCB info and QE identity it carries, their
 * signatures and CRLs, and the TCB status evaluation.
 */
#ifndef LAS_DCAP_COLLATERAL_H
#define LAS_DCAP_COLLATERAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dcap/pck.h"
#include "las/dcap.h"
#include "las/status.h"

#define LAS_TCB_MAX_LEVELS         128
#define LAS_TCB_MAX_LEVEL_ADVISORY 32
#define LAS_DCAP_CRL_MAX           (256 * 1024)

/* The collateral document; strings are NUL-terminated copies. */
struct las_dcap_collateral {
    char *pck_crl_issuer_chain;
    uint8_t *root_ca_crl; /* DER */
    size_t root_ca_crl_len;
    uint8_t *pck_crl; /* DER */
    size_t pck_crl_len;
    char *tcb_info_issuer_chain;
    char *tcb_info; /* the exact signed bytes of the "tcbInfo" object */
    size_t tcb_info_len;
    uint8_t tcb_info_sig[64]; /* r || s */
    char *qe_identity_issuer_chain;
    char *qe_identity; /* the exact signed bytes of the "enclaveIdentity" object */
    size_t qe_identity_len;
    uint8_t qe_identity_sig[64];
};

/*
 * Parses the collateral JSON. tcb_info / qe_identity may be the signed
 * object itself (with the signature in tcb_info_signature /
 * qe_identity_signature) or Intel PCS's response body
 * {"tcbInfo":{...},"signature":"..."}, whose object bytes are then cut out
 * verbatim. On failure *out is freed and zeroed.
 */
LAS_MUST_CHECK las_status las_dcap_collateral_parse(const uint8_t *buf, size_t len,
                                                    struct las_dcap_collateral *out, char *reason,
                                                    size_t reason_size);
void las_dcap_collateral_free(struct las_dcap_collateral *c);

struct las_tcb_advisories {
    char ids[LAS_TCB_MAX_LEVEL_ADVISORY][LAS_DCAP_ADVISORY_SIZE];
    size_t n;
};

struct las_tcb_level {
    uint8_t comp_svn[LAS_SGX_TCB_COMPONENTS];
    uint16_t pcesvn;
    enum las_tcb_status status;
    struct las_tcb_advisories adv;
};

struct las_tcb_info {
    int version; /* 2 or 3 */
    int64_t issue_date, next_update;
    uint8_t fmspc[6];
    uint8_t pceid[2];
    size_t n_levels;
    struct las_tcb_level levels[LAS_TCB_MAX_LEVELS];
};

struct las_qe_tcb_level {
    uint16_t isvsvn;
    enum las_tcb_status status;
    struct las_tcb_advisories adv;
};

struct las_qe_identity {
    int version; /* 2 */
    int64_t issue_date, next_update;
    uint32_t miscselect, miscselect_mask;
    uint8_t attributes[16], attributes_mask[16];
    uint8_t mrsigner[32];
    uint16_t isvprodid;
    size_t n_levels;
    struct las_qe_tcb_level levels[LAS_TCB_MAX_LEVELS];
};

/* Parses the "tcbInfo" object of an SGX TCB info (versions 2 and 3). */
LAS_MUST_CHECK las_status las_tcb_info_parse(const uint8_t *buf, size_t len,
                                             struct las_tcb_info *out, char *reason,
                                             size_t reason_size);

/* Parses the "enclaveIdentity" object of a QE identity (version 2, id "QE"). */
LAS_MUST_CHECK las_status las_qe_identity_parse(const uint8_t *buf, size_t len,
                                                struct las_qe_identity *out, char *reason,
                                                size_t reason_size);

/* Inputs of the collateral checks, taken from the verified quote. */
struct las_dcap_collateral_input {
    const struct las_x509_chain *pck_chain; /* verified: leaf, intermediate(s), root */
    const struct las_pck_info *pck;
    const struct las_sgx_report_body *qe_report;
    int64_t at;
    const struct las_dcap_anchor *anchor; /* the root the PCK chain ends in */
};

/*
 * Runs every collateral check (docs/dcap.md, "With collateral") and fills
 * result->tcb_status and the advisories. On refusal result->check and
 * result->reason say why.
 */
LAS_MUST_CHECK las_status las_dcap_collateral_verify(const uint8_t *json, size_t len,
                                                     const struct las_dcap_collateral_input *in,
                                                     struct las_dcap_result *result);

/*
 * TCB status from the TCB levels (platform) and the QE identity levels, as
 * Intel's QvL combines them. LAS_ERR_REFUSED when no TCB level matches.
 */
LAS_MUST_CHECK las_status las_tcb_evaluate(const struct las_tcb_info *tcb,
                                           const struct las_qe_identity *qe,
                                           const struct las_pck_info *pck, uint16_t qe_isvsvn,
                                           struct las_dcap_result *result);

/* Intel's status string to enum; LAS_TCB_UNKNOWN for an unknown string. */
enum las_tcb_status las_tcb_status_parse(const char *s);

#endif
