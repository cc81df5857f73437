/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the platform key signs in a LAS quote: the signing context followed
 * by the first LAS_QUOTE_SIGNED_SIZE bytes of the wire form
 * (docs/quote-format.md). The daemon signs it (identity/quote_sign.c), the
 * verifier checks it (las_quote_check_signature).
 */
#ifndef LAS_QUOTE_SIGNING_H
#define LAS_QUOTE_SIGNING_H

#include <stdint.h>

#include "las/quote.h"

#define LAS_QUOTE_SIGNING_INPUT_SIZE (sizeof LAS_QUOTE_SIGNING_CONTEXT - 1 + LAS_QUOTE_SIGNED_SIZE)

void las_quote_signing_input(const uint8_t signed_part[static LAS_QUOTE_SIGNED_SIZE],
                             uint8_t out[static LAS_QUOTE_SIGNING_INPUT_SIZE]);

#endif
