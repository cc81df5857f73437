/* SPDX-License-Identifier: Apache-2.0 */
/* las_dcap_verify with the trust anchors as a parameter (src/dcap/pck.h). */
#ifndef LAS_DCAP_VERIFY_H
#define LAS_DCAP_VERIFY_H

#include "dcap/pck.h"
#include "las/dcap.h"

/*
 * las_dcap_verify(quote, len, opt, result) is this function with
 * &las_dcap_default_trust and root_checked_by_caller false.
 *
 * With root_checked_by_caller, a chain to a simulated root CA that opt does
 * not pin is accepted (when simulation is allowed), result->root_pin naming
 * it: for verifiers that anchor the quote by other means and check the pin
 * themselves (platform evidence: a pinned platform ID); never a verdict on
 * its own. Tests pass a trust with a root of their own to stand in for
 * Intel's, whose private keys nobody outside Intel holds.
 */
LAS_MUST_CHECK las_status las_dcap_verify_anchored(const uint8_t *quote, size_t len,
                                                   const struct las_dcap_verify_options *opt,
                                                   const struct las_dcap_trust *trust,
                                                   bool root_checked_by_caller,
                                                   struct las_dcap_result *result);

#endif
