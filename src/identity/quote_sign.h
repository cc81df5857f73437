/* SPDX-License-Identifier: Apache-2.0 */
/* Quote signing, used by the daemon only. */
#ifndef LAS_QUOTE_SIGN_H
#define LAS_QUOTE_SIGN_H

#include "format/quote_signing.h"
#include "identity/platform_key.h"
#include "las/quote.h"

/* Builds and signs a LAS quote over an application's REPORT body. */
LAS_MUST_CHECK las_status las_quote_sign(const struct las_platform_key *key, uint16_t flags,
                                         uint64_t issued_at, const struct las_sgx_report_body *body,
                                         uint8_t out[static LAS_QUOTE_SIZE]);

#endif
