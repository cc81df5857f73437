/* SPDX-License-Identifier: Apache-2.0 */
#include "common/reason.h"
#include "dcap/dcap_quote.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"

const uint8_t las_dcap_intel_qe_vendor_id[LAS_DCAP_QE_VENDOR_ID_SIZE] = {
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
};

/*
 * QE report, its signature, QE auth data and the type-5 certification data:
 * the tail of the v3 signature data and the whole of v4's type-6 data.
 */
LAS_MUST_CHECK static las_status parse_qe_part(struct las_reader *r, struct las_dcap_quote *q,
                                               char *reason, size_t size)
{
    uint16_t auth_len = 0, cert_type = 0;
    uint32_t cert_len = 0;

    las_read_view(r, &q->qe_report_raw, LAS_SGX_REPORT_BODY_SIZE);
    las_read_view(r, &q->qe_report_sig, LAS_DCAP_ECDSA_SIG_SIZE);
    las_read_u16le(r, &auth_len);
    las_read_view(r, &q->qe_auth_data, auth_len);
    q->qe_auth_len = auth_len;
    las_read_u16le(r, &cert_type);
    las_read_u32le(r, &cert_len);
    if (las_reader_status(r) != LAS_OK)
        return las_fail(LAS_ERR_MALFORMED, reason, size, "QE report section is truncated");
    if (cert_type != LAS_DCAP_CERT_TYPE_PCK_CHAIN)
        return las_fail(LAS_ERR_UNSUPPORTED, reason, size,
                        "certification data type %u is not supported (need 5: PCK certificate "
                        "chain)",
                        cert_type);
    if (cert_len != las_reader_remaining(r))
        return las_fail(LAS_ERR_MALFORMED, reason, size,
                        "certification data size %u does not match the %zu bytes present", cert_len,
                        las_reader_remaining(r));
    las_read_view(r, &q->pck_chain, cert_len);
    q->pck_chain_len = cert_len;
    if (las_reader_end(r) != LAS_OK)
        return las_fail(LAS_ERR_MALFORMED, reason, size, "certification data is truncated");
    if (las_sgx_report_body_parse(q->qe_report_raw, LAS_SGX_REPORT_BODY_SIZE, &q->qe_report) !=
        LAS_OK)
        return las_fail(LAS_ERR_MALFORMED, reason, size, "QE report does not parse");
    return LAS_OK;
}

/* Header, report body and the signature data's length: must be all that follows. */
LAS_MUST_CHECK static las_status parse_header(struct las_reader *r, struct las_dcap_quote *out,
                                              const uint8_t **sig_data, uint32_t *sig_len,
                                              char *reason, size_t size)
{
    const uint8_t *body_raw = NULL;
    size_t len = las_reader_remaining(r);
    las_read_u16le(r, &out->version);
    las_read_u16le(r, &out->att_key_type);
    las_read_u32le(r, &out->tee_type);
    las_read_u16le(r, &out->qe_svn);
    las_read_u16le(r, &out->pce_svn);
    las_read_bytes(r, out->qe_vendor_id, sizeof out->qe_vendor_id);
    las_read_bytes(r, out->user_data, sizeof out->user_data);
    las_read_view(r, &body_raw, LAS_SGX_REPORT_BODY_SIZE);
    las_read_u32le(r, sig_len);
    if (las_reader_status(r) != LAS_OK)
        return las_fail(LAS_ERR_MALFORMED, reason, size,
                        "quote is truncated (%zu bytes; header, report body and signature length "
                        "need %d)",
                        len, LAS_DCAP_SIGNED_SIZE + 4);
    if (out->version != 3 && out->version != 4)
        return las_fail(LAS_ERR_UNSUPPORTED, reason, size,
                        "quote version %u is not supported (3 and 4 are)", out->version);
    if (out->att_key_type != LAS_DCAP_ATT_KEY_ECDSA_P256)
        return las_fail(LAS_ERR_UNSUPPORTED, reason, size,
                        "attestation key type %u is not supported (2: ECDSA-256 with P-256)",
                        out->att_key_type);
    if (out->tee_type != LAS_DCAP_TEE_TYPE_SGX)
        return las_fail(LAS_ERR_UNSUPPORTED, reason, size,
                        "TEE type 0x%08x is not supported (only SGX, 0x00000000)", out->tee_type);
    if (*sig_len != las_reader_remaining(r))
        return las_fail(LAS_ERR_MALFORMED, reason, size,
                        "signature data length %u does not match the %zu bytes that follow",
                        *sig_len, las_reader_remaining(r));
    las_read_view(r, sig_data, *sig_len);
    if (las_reader_end(r) != LAS_OK)
        return las_fail(LAS_ERR_MALFORMED, reason, size, "quote is truncated");
    if (las_sgx_report_body_parse(body_raw, LAS_SGX_REPORT_BODY_SIZE, &out->body) != LAS_OK)
        return las_fail(LAS_ERR_MALFORMED, reason, size, "report body does not parse");
    return LAS_OK;
}

/* v4: the QE part is wrapped in certification data of type 6. */
LAS_MUST_CHECK static las_status parse_v4_qe_part(struct las_reader *sr, struct las_dcap_quote *q,
                                                  char *reason, size_t size)
{
    const uint8_t *inner = NULL;
    uint32_t inner_len = 0;
    struct las_reader ir;
    las_read_u16le(sr, &q->outer_cert_type);
    las_read_u32le(sr, &inner_len);
    if (las_reader_status(sr) != LAS_OK)
        return las_fail(LAS_ERR_MALFORMED, reason, size, "signature data is truncated");
    if (q->outer_cert_type != LAS_DCAP_CERT_TYPE_QE_REPORT)
        return las_fail(LAS_ERR_UNSUPPORTED, reason, size,
                        "v4 certification data type %u is not supported (need 6: QE report "
                        "certification data)",
                        q->outer_cert_type);
    if (inner_len != las_reader_remaining(sr))
        return las_fail(LAS_ERR_MALFORMED, reason, size,
                        "certification data size %u does not match the %zu bytes present",
                        inner_len, las_reader_remaining(sr));
    las_read_view(sr, &inner, inner_len);
    if (las_reader_end(sr) != LAS_OK)
        return las_fail(LAS_ERR_MALFORMED, reason, size, "signature data is truncated");
    las_reader_init(&ir, inner, inner_len);
    return parse_qe_part(&ir, q, reason, size);
}

las_status las_dcap_quote_parse(const uint8_t *buf, size_t len, struct las_dcap_quote *out,
                                char *reason, size_t reason_size)
{
    struct las_reader r, sr;
    const uint8_t *sig_data = NULL;
    uint32_t sig_len = 0;
    las_status st;

    memset(out, 0, sizeof *out);
    if (reason && reason_size)
        reason[0] = '\0';
    if (buf == NULL || len > LAS_DCAP_QUOTE_MAX) {
        st = las_fail(LAS_ERR_BAD_SIZE, reason, reason_size, "quote is larger than %d bytes",
                      LAS_DCAP_QUOTE_MAX);
        goto out;
    }
    las_reader_init(&r, buf, len);
    st = parse_header(&r, out, &sig_data, &sig_len, reason, reason_size);
    if (st != LAS_OK)
        goto out;
    out->signed_data = buf;
    out->signed_len = LAS_DCAP_SIGNED_SIZE;
    las_reader_init(&sr, sig_data, sig_len);
    las_read_view(&sr, &out->signature, LAS_DCAP_ECDSA_SIG_SIZE);
    las_read_view(&sr, &out->attest_key, LAS_DCAP_ECDSA_KEY_SIZE);
    if (out->version == 3) {
        out->outer_cert_type = LAS_DCAP_CERT_TYPE_PCK_CHAIN;
        st = parse_qe_part(&sr, out, reason, reason_size);
    } else {
        st = parse_v4_qe_part(&sr, out, reason, reason_size);
    }
out:
    if (st != LAS_OK)
        memset(out, 0, sizeof *out);
    return st;
}
