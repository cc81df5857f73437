/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The messages of the platform evidence that platform keys sign or bind:
 * the report data binding a platform ID to LAS's REPORT, and the bytes of a
 * succession statement. The identity code builds and signs them, the
 * verifier checks them; both use these definitions (docs/evidence.md).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "las/evidence.h"

void las_evidence_report_data(const uint8_t id[static LAS_PLATFORM_ID_SIZE],
                              const uint8_t cpusvn[static LAS_SGX_CPUSVN_SIZE], uint16_t isvsvn,
                              uint8_t out[static LAS_SGX_REPORT_DATA_SIZE])
{
    uint8_t msg[sizeof LAS_EVIDENCE_BINDING_CONTEXT - 1 + 32 + 16 + 2];
    struct las_writer w;
    las_writer_init(&w, msg, sizeof msg);
    las_write_bytes(&w, LAS_EVIDENCE_BINDING_CONTEXT, sizeof LAS_EVIDENCE_BINDING_CONTEXT - 1);
    las_write_bytes(&w, id, 32);
    las_write_bytes(&w, cpusvn, 16);
    las_write_u16le(&w, isvsvn);
    memset(out, 0, LAS_SGX_REPORT_DATA_SIZE);
    if (las_writer_end(&w) != LAS_OK || las_sha256(msg, sizeof msg, out) != LAS_OK)
        abort();
}

void las_succession_message(const struct las_succession *s,
                            uint8_t out[static LAS_SUCCESSION_MESSAGE_SIZE])
{
    struct las_writer w;
    las_writer_init(&w, out, LAS_SUCCESSION_MESSAGE_SIZE);
    las_write_bytes(&w, LAS_SUCCESSION_CONTEXT, sizeof LAS_SUCCESSION_CONTEXT - 1);
    las_write_bytes(&w, s->old_id, 32);
    las_write_bytes(&w, s->old_cpusvn, 16);
    las_write_u16le(&w, s->old_isvsvn);
    las_write_bytes(&w, s->new_id, 32);
    las_write_bytes(&w, s->new_cpusvn, 16);
    las_write_u16le(&w, s->new_isvsvn);
    las_write_u64le(&w, s->issued_at);
    if (las_writer_end(&w) != LAS_OK)
        abort();
}

las_status las_succession_verify(const struct las_succession *s)
{
    uint8_t msg[LAS_SUCCESSION_MESSAGE_SIZE];
    if (las_crypto_init() != LAS_OK) /* as in las_quote_check_signature */
        return LAS_ERR_CRYPTO;
    las_succession_message(s, msg);
    if (crypto_sign_verify_detached(s->old_signature, msg, sizeof msg, s->old_id) != 0 ||
        crypto_sign_verify_detached(s->new_signature, msg, sizeof msg, s->new_id) != 0)
        return LAS_ERR_SIGNATURE;
    return LAS_OK;
}
