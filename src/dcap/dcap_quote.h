/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parser of Intel DCAP ECDSA quotes for SGX (versions 3 and 4, TEE type 0),
 * byte layout in docs/dcap.md. The parser only checks structure; every
 * signature and binding is checked by las_dcap_verify.
 */
#ifndef LAS_DCAP_QUOTE_H
#define LAS_DCAP_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "las/dcap.h"
#include "las/sgx.h"
#include "las/status.h"

#define LAS_DCAP_HEADER_SIZE       48
#define LAS_DCAP_SIGNED_SIZE       (LAS_DCAP_HEADER_SIZE + LAS_SGX_REPORT_BODY_SIZE)
#define LAS_DCAP_ECDSA_SIG_SIZE    64 /* r || s, big-endian, 32 bytes each */
#define LAS_DCAP_ECDSA_KEY_SIZE    64 /* x || y, big-endian, 32 bytes each */
#define LAS_DCAP_QE_VENDOR_ID_SIZE 16
#define LAS_DCAP_USER_DATA_SIZE    20

#define LAS_DCAP_ATT_KEY_ECDSA_P256  2
#define LAS_DCAP_TEE_TYPE_SGX        0x00000000u
#define LAS_DCAP_CERT_TYPE_PCK_CHAIN 5 /* PEM: PCK leaf, intermediate CA, root CA */
#define LAS_DCAP_CERT_TYPE_QE_REPORT 6 /* v4: QE report, its signature, auth data, type 5 */

/* Intel's quoting enclave vendor ID (939A7233-F79C-4CA9-940A-0DB3957F0607). */
extern const uint8_t las_dcap_intel_qe_vendor_id[LAS_DCAP_QE_VENDOR_ID_SIZE];

/* A parsed quote; the pointers are views into the parsed buffer. */
struct las_dcap_quote {
    uint16_t version;
    uint16_t att_key_type;
    uint32_t tee_type; /* reserved (zero) in v3 */
    uint16_t qe_svn;   /* v3 header; reserved in v4 */
    uint16_t pce_svn;  /* v3 header; reserved in v4 */
    uint8_t qe_vendor_id[LAS_DCAP_QE_VENDOR_ID_SIZE];
    uint8_t user_data[LAS_DCAP_USER_DATA_SIZE];
    struct las_sgx_report_body body;

    const uint8_t *signed_data; /* header || report body: what the attestation key signs */
    size_t signed_len;
    const uint8_t *signature;  /* LAS_DCAP_ECDSA_SIG_SIZE */
    const uint8_t *attest_key; /* LAS_DCAP_ECDSA_KEY_SIZE */

    const uint8_t *qe_report_raw; /* 384 bytes: what the PCK key signs */
    struct las_sgx_report_body qe_report;
    const uint8_t *qe_report_sig; /* LAS_DCAP_ECDSA_SIG_SIZE */
    const uint8_t *qe_auth_data;
    size_t qe_auth_len;

    uint16_t outer_cert_type; /* 5 in v3, 6 in v4 */
    const uint8_t *pck_chain; /* PEM text of certification data type 5 */
    size_t pck_chain_len;
};

/*
 * Parses buf (exactly one quote, no trailing bytes). LAS_ERR_BAD_SIZE when
 * too large, LAS_ERR_UNSUPPORTED for a version, key type, TEE type or
 * certification data type we do not handle, LAS_ERR_MALFORMED otherwise.
 * reason (may be NULL) receives a one-line explanation. *out is zeroed on
 * failure.
 */
LAS_MUST_CHECK las_status las_dcap_quote_parse(const uint8_t *buf, size_t len,
                                               struct las_dcap_quote *out, char *reason,
                                               size_t reason_size);

#endif
