/* SPDX-License-Identifier: Apache-2.0 */
#include "common/hex.h"

#include <string.h>

void las_hex_encode(const uint8_t *in, size_t n, char *out, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xf];
    }
    out[2 * n] = '\0';
}

int las_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

las_status las_hex_decode(const char *str, uint8_t *out, size_t n)
{
    if (str == NULL || strlen(str) != 2 * n) {
        memset(out, 0, n);
        return LAS_ERR_BAD_SIZE;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = las_hex_digit(str[2 * i]);
        int lo = las_hex_digit(str[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            memset(out, 0, n);
            return LAS_ERR_MALFORMED;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return LAS_OK;
}
