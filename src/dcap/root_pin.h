/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root CA pins: SHA-256 of a root certificate's SubjectPublicKeyInfo. Intel's
 * root is pinned by its key in pck.c; simulated roots, one per simulated
 * platform, are pinned by the caller (las_dcap_verify_options.sim_roots).
 */
#ifndef LAS_DCAP_ROOT_PIN_H
#define LAS_DCAP_ROOT_PIN_H

#include <openssl/x509.h>

#include "las/dcap.h"

/* The pin of cert's public key. */
LAS_MUST_CHECK las_status las_dcap_root_pin(X509 *cert, uint8_t out[static LAS_DCAP_ROOT_PIN_SIZE]);

/*
 * The pin of the root CA certificate that a DCAP quote's PCK chain ends in,
 * without verifying anything (`las inspect`).
 */
LAS_MUST_CHECK las_status las_dcap_quote_root_pin(const uint8_t *quote, size_t len,
                                                  uint8_t out[static LAS_DCAP_ROOT_PIN_SIZE]);

#endif
