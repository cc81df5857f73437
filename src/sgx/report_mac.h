/* SPDX-License-Identifier: Apache-2.0 */
/* The local-attestation check every target enclave makes on a REPORT. */
#ifndef LAS_REPORT_MAC_H
#define LAS_REPORT_MAC_H

#include <stdint.h>

#include "common/crypto.h"
#include "las/sgx.h"
#include "las/status.h"

/*
 * Checks report's MAC with the target's REPORT key (as EGETKEY gave it for
 * the report's KEYID): AES-128-CMAC over the 384 serialized body bytes,
 * compared in constant time. LAS_ERR_REPORT_MAC when it does not match.
 */
LAS_MUST_CHECK las_status las_report_mac_check(const uint8_t report_key[static LAS_SGX_KEY_SIZE],
                                               const struct las_sgx_report *report);

/* The same check with the REPORT key prepared once (las_cmac_key_init). */
LAS_MUST_CHECK las_status las_report_mac_check_keyed(const struct las_cmac_key *report_key,
                                                     const struct las_sgx_report *report);

#endif
