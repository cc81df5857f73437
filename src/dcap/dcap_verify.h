/* SPDX-License-Identifier: Apache-2.0 */
/* las_dcap_verify with the trust anchors as a parameter (src/dcap/pck.h). */
#ifndef LAS_DCAP_VERIFY_H
#define LAS_DCAP_VERIFY_H

#include "dcap/pck.h"
#include "las/dcap.h"

/*
 * las_dcap_verify(quote, len, opt, result) is this function with
 * &las_dcap_default_trust. Tests pass a root of their own here to stand in
 * for Intel's, whose private keys nobody outside Intel holds.
 */
LAS_MUST_CHECK las_status las_dcap_verify_trusted(const uint8_t *quote, size_t len,
                                                  const struct las_dcap_verify_options *opt,
                                                  const struct las_dcap_trust *trust,
                                                  struct las_dcap_result *result);

#endif
