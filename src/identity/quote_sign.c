/* SPDX-License-Identifier: Apache-2.0 */
/* LAS quote v1 signing with the platform key (the daemon's side of the format). */
#include "identity/quote_sign.h"

#include <sodium.h>
#include <string.h>

#include "format/quote_signing.h"

las_status las_quote_sign(const struct las_platform_key *key, uint16_t flags, uint64_t issued_at,
                          const struct las_sgx_report_body *body,
                          uint8_t out[static LAS_QUOTE_SIZE])
{
    struct las_quote q;
    memset(&q, 0, sizeof q);
    q.version = LAS_QUOTE_VERSION;
    q.flags = flags;
    q.issued_at = issued_at;
    memcpy(q.platform_id, key->public_key, sizeof q.platform_id);
    memcpy(q.cpusvn, key->cpusvn, sizeof q.cpusvn);
    q.isvsvn = key->isvsvn;
    q.body = *body;

    /* The wire form with a zero signature, then the signature over its signed part. */
    uint8_t msg[LAS_QUOTE_SIGNING_INPUT_SIZE];
    las_quote_serialize(&q, out);
    las_quote_signing_input(out, msg);
    if (crypto_sign_detached(out + LAS_QUOTE_SIGNED_SIZE, NULL, msg, sizeof msg, key->secret_key) !=
        0) {
        memset(out, 0, LAS_QUOTE_SIZE);
        return LAS_ERR_CRYPTO;
    }
    return LAS_OK;
}
