/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform key (DESIGN §2): an Ed25519 key whose seed is HKDF-SHA256 of
 * a SEAL key (policy MRSIGNER, LAS's ISVPRODID, given CPUSVN and ISVSVN, a
 * fixed KEYID). It is re-derived at every start; nothing secret is stored.
 */
#ifndef LAS_PLATFORM_KEY_H
#define LAS_PLATFORM_KEY_H

#include <stdint.h>

#include "backend/backend.h"
#include "las/quote.h"

/* The KEYID naming the purpose of the SEAL key (32 bytes, zero padded). */
#define LAS_PLATFORM_KEYID "LAS platform key"
/* HKDF info string: purpose and version of the derivation. */
#define LAS_PLATFORM_HKDF_INFO "LAS platform key v1: Ed25519 seed"

struct las_platform_key {
    uint8_t public_key[LAS_PLATFORM_ID_SIZE]; /* = the platform ID */
    uint8_t secret_key[64];                   /* libsodium layout: seed || public key */
    uint8_t cpusvn[LAS_SGX_CPUSVN_SIZE];
    uint16_t isvsvn;
};

/* The SEAL KEYREQUEST of the platform key for (cpusvn, isvsvn). */
void las_platform_key_request(const uint8_t cpusvn[static 16], uint16_t isvsvn,
                              struct las_sgx_keyrequest *req);

/*
 * Derives the platform key for (cpusvn, isvsvn) through the backend. SGX
 * allows only a CPUSVN/ISVSVN not beyond the current ones (older keys, for
 * succession). *out is wiped on failure; callers wipe it after use
 * (las_wipe) and keep it in locked memory.
 */
LAS_MUST_CHECK las_status las_platform_key_derive(struct las_backend *b,
                                                  const uint8_t cpusvn[static 16], uint16_t isvsvn,
                                                  struct las_platform_key *out);

#endif
