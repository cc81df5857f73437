/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hex through libsodium's codec. The wrappers stay because LAS's formats
 * need two things that sodium_bin2hex/sodium_hex2bin leave to the caller:
 * the platform ID is written in upper case (DESIGN §2: 64 upper-case hex
 * digits), and every hex field has an exact length, where sodium_hex2bin
 * also accepts a shorter string or stops at the first non-hex character.
 */
#include "common/hex.h"

#include <sodium.h>
#include <string.h>

void las_hex_encode(const uint8_t *in, size_t n, char *out, int upper)
{
    sodium_bin2hex(out, 2 * n + 1, in, n);
    for (size_t i = 0; upper && i < 2 * n; i++) {
        if (out[i] >= 'a' && out[i] <= 'f') /* not toupper: no locale */
            out[i] = (char)(out[i] - 'a' + 'A');
    }
}

las_status las_hex_decode(const char *str, uint8_t *out, size_t n)
{
    size_t len = str ? strlen(str) : 0, bin_len = 0;
    const char *end = NULL;
    if (str == NULL || len != 2 * n) {
        memset(out, 0, n);
        return LAS_ERR_BAD_SIZE;
    }
    if (sodium_hex2bin(out, n, str, len, NULL, &bin_len, &end) != 0 || bin_len != n ||
        end != str + len) {
        memset(out, 0, n);
        return LAS_ERR_MALFORMED;
    }
    return LAS_OK;
}
