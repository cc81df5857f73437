/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "las/verifier.h"

__attribute__((format(printf, 4, 5))) static las_status
refuse(struct las_verify_result *res, las_status st, const char *check, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->reason, sizeof res->reason, fmt, ap);
    va_end(ap);
    res->status = st;
    res->check = check;
    return st;
}

static bool any_of(const uint8_t *value, const uint8_t (*set)[32], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (memcmp(value, set[i], 32) == 0)
            return true;
    }
    return false;
}

las_status las_quote_verify(const uint8_t *buf, size_t len, const struct las_verify_options *opt,
                            struct las_verify_result *res)
{
    char hex[2 * 64 + 1];
    memset(res, 0, sizeof *res);

    las_status st = las_quote_check_signature(buf, len, &res->quote);
    if (st == LAS_ERR_BAD_SIZE)
        return refuse(res, st, "format", "not a LAS quote: %zu bytes, expected %d", len,
                      LAS_QUOTE_SIZE);
    if (st == LAS_ERR_UNSUPPORTED)
        return refuse(res, st, "format", "unsupported LAS quote version or flags");
    if (st == LAS_ERR_SIGNATURE)
        return refuse(res, st, "signature",
                      "signature does not verify under the platform ID in the quote");
    if (st != LAS_OK)
        return refuse(res, st, "format", "not a LAS quote (bad magic or reserved bytes)");

    const struct las_quote *q = &res->quote;
    if ((q->flags & LAS_QUOTE_FLAG_SIMULATED) && !opt->allow_simulation)
        return refuse(res, LAS_ERR_SIMULATED, "simulation",
                      "quote comes from a simulated LAS (no security); allow simulation to "
                      "accept it");
    if (opt->n_platforms > 0 && !any_of(q->platform_id, opt->platforms, opt->n_platforms)) {
        las_hex_encode(q->platform_id, 32, hex, 1);
        return refuse(res, LAS_ERR_REFUSED, "platform",
                      "platform ID %s is not among the %zu trusted platform(s)", hex,
                      opt->n_platforms);
    }
    if ((q->body.attributes.flags & LAS_SGX_FLAGS_DEBUG) && !opt->allow_debug)
        return refuse(res, LAS_ERR_REFUSED, "debug",
                      "enclave runs in debug mode (its memory is readable by the host)");
    if (opt->n_mrenclaves > 0 && !any_of(q->body.mrenclave, opt->mrenclaves, opt->n_mrenclaves)) {
        las_hex_encode(q->body.mrenclave, 32, hex, 0);
        return refuse(res, LAS_ERR_REFUSED, "mrenclave", "MRENCLAVE %s is not an accepted value",
                      hex);
    }
    if (opt->mrsigner && memcmp(q->body.mrsigner, opt->mrsigner, 32) != 0) {
        las_hex_encode(q->body.mrsigner, 32, hex, 0);
        return refuse(res, LAS_ERR_REFUSED, "mrsigner", "MRSIGNER %s is not the expected one", hex);
    }
    if (opt->report_data && memcmp(q->body.report_data, opt->report_data, 64) != 0) {
        las_hex_encode(q->body.report_data, 64, hex, 0);
        return refuse(res, LAS_ERR_REFUSED, "report_data",
                      "report_data %s differs from the expected value", hex);
    }
    res->status = LAS_OK;
    return LAS_OK;
}
