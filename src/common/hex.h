/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LAS_HEX_H
#define LAS_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "las/status.h"

/* Writes 2*n hex digits (upper or lower case) and a NUL into out (size >= 2*n+1). */
void las_hex_encode(const uint8_t *in, size_t n, char *out, int upper);

/*
 * Decodes exactly n bytes from str, which must be exactly 2*n hex digits
 * (either case, no prefix, no spaces). Locale-independent. On failure out is
 * zeroed and LAS_ERR_MALFORMED (bad digit) or LAS_ERR_BAD_SIZE is returned.
 */
LAS_MUST_CHECK las_status las_hex_decode(const char *str, uint8_t *out, size_t n);

#endif
