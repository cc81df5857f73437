/* SPDX-License-Identifier: Apache-2.0 */
/* LAS quote v1: wire format, signing input and signature check. */
#include "format/quote_signing.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/hex.h"

static const uint8_t quote_magic[4] = {'L', 'A', 'S', 'Q'};
enum { QUOTE_RESERVED_SIZE = 6 };

_Static_assert(4 + 2 + 2 + 8 + 32 + 16 + 2 + QUOTE_RESERVED_SIZE + LAS_SGX_REPORT_BODY_SIZE ==
                   LAS_QUOTE_SIGNED_SIZE,
               "signed part of the quote");
_Static_assert(LAS_QUOTE_SIGNED_SIZE + LAS_SIGNATURE_SIZE == LAS_QUOTE_SIZE, "quote size");

static void write_signed_part(struct las_writer *w, const struct las_quote *q)
{
    uint8_t body[LAS_SGX_REPORT_BODY_SIZE];
    las_sgx_report_body_serialize(&q->body, body);
    las_write_bytes(w, quote_magic, sizeof quote_magic);
    las_write_u16le(w, q->version);
    las_write_u16le(w, q->flags);
    las_write_u64le(w, q->issued_at);
    las_write_bytes(w, q->platform_id, sizeof q->platform_id);
    las_write_bytes(w, q->cpusvn, sizeof q->cpusvn);
    las_write_u16le(w, q->isvsvn);
    las_write_zeros(w, QUOTE_RESERVED_SIZE);
    las_write_bytes(w, body, sizeof body);
}

void las_quote_serialize(const struct las_quote *q, uint8_t out[static LAS_QUOTE_SIZE])
{
    struct las_writer w;
    las_writer_init(&w, out, LAS_QUOTE_SIZE);
    write_signed_part(&w, q);
    las_write_bytes(&w, q->signature, sizeof q->signature);
    if (las_writer_end(&w) != LAS_OK)
        abort();
}

las_status las_quote_parse(const uint8_t *buf, size_t len, struct las_quote *out)
{
    memset(out, 0, sizeof *out);
    if (len != LAS_QUOTE_SIZE)
        return LAS_ERR_BAD_SIZE;

    struct las_reader r;
    uint8_t magic[4], reserved[QUOTE_RESERVED_SIZE];
    const uint8_t *body;
    las_reader_init(&r, buf, len);
    las_read_bytes(&r, magic, sizeof magic);
    las_read_u16le(&r, &out->version);
    las_read_u16le(&r, &out->flags);
    las_read_u64le(&r, &out->issued_at);
    las_read_bytes(&r, out->platform_id, sizeof out->platform_id);
    las_read_bytes(&r, out->cpusvn, sizeof out->cpusvn);
    las_read_u16le(&r, &out->isvsvn);
    las_read_bytes(&r, reserved, sizeof reserved);
    las_read_view(&r, &body, LAS_SGX_REPORT_BODY_SIZE);
    las_read_bytes(&r, out->signature, sizeof out->signature);
    las_status st = las_reader_end(&r);
    if (st == LAS_OK)
        st = las_sgx_report_body_parse(body, LAS_SGX_REPORT_BODY_SIZE, &out->body);
    if (st == LAS_OK && memcmp(magic, quote_magic, sizeof magic) != 0)
        st = LAS_ERR_MALFORMED;
    if (st == LAS_OK && out->version != LAS_QUOTE_VERSION)
        st = LAS_ERR_UNSUPPORTED;
    if (st == LAS_OK && (out->flags & ~LAS_QUOTE_FLAGS_KNOWN))
        st = LAS_ERR_UNSUPPORTED;
    if (st == LAS_OK && !sodium_is_zero(reserved, sizeof reserved))
        st = LAS_ERR_MALFORMED;
    if (st != LAS_OK)
        memset(out, 0, sizeof *out);
    return st;
}

void las_quote_signing_input(const uint8_t signed_part[static LAS_QUOTE_SIGNED_SIZE],
                             uint8_t out[static LAS_QUOTE_SIGNING_INPUT_SIZE])
{
    memcpy(out, LAS_QUOTE_SIGNING_CONTEXT, sizeof LAS_QUOTE_SIGNING_CONTEXT - 1);
    memcpy(out + sizeof LAS_QUOTE_SIGNING_CONTEXT - 1, signed_part, LAS_QUOTE_SIGNED_SIZE);
}

las_status las_quote_check_signature(const uint8_t *buf, size_t len, struct las_quote *out)
{
    las_status st = las_quote_parse(buf, len, out);
    if (st != LAS_OK)
        return st;
    /* libsodium wants sodium_init() first; a relying party need not know (cheap once done). */
    if (las_crypto_init() != LAS_OK) {
        memset(out, 0, sizeof *out);
        return LAS_ERR_CRYPTO;
    }
    uint8_t msg[LAS_QUOTE_SIGNING_INPUT_SIZE];
    las_quote_signing_input(buf, msg);
    if (crypto_sign_verify_detached(out->signature, msg, sizeof msg, out->platform_id) != 0) {
        memset(out, 0, sizeof *out);
        return LAS_ERR_SIGNATURE;
    }
    return LAS_OK;
}

void las_platform_id_format(const uint8_t id[static LAS_PLATFORM_ID_SIZE],
                            char out[static LAS_PLATFORM_ID_HEX_SIZE])
{
    las_hex_encode(id, LAS_PLATFORM_ID_SIZE, out, 1);
}

las_status las_platform_id_parse(const char *hex, uint8_t id[static LAS_PLATFORM_ID_SIZE])
{
    return las_hex_decode(hex, id, LAS_PLATFORM_ID_SIZE);
}
