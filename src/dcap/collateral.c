/* SPDX-License-Identifier: Apache-2.0 */
/* The collateral document and the checks that need it (docs/dcap.md). */
#include "common/reason.h"
#include "dcap/collateral.h"

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hex.h"
#include "common/rfc3339.h"

/* Largest PEM chain or signed JSON object inside the collateral. */
#define FIELD_MAX (256 * 1024)

void las_dcap_collateral_free(struct las_dcap_collateral *c)
{
    free(c->pck_crl_issuer_chain);
    free(c->root_ca_crl);
    free(c->pck_crl);
    free(c->tcb_info_issuer_chain);
    free(c->tcb_info);
    free(c->qe_identity_issuer_chain);
    free(c->qe_identity);
    memset(c, 0, sizeof *c);
}

static char *dup_string(json_t *root, const char *key, size_t *len)
{
    json_t *v = json_object_get(root, key);
    size_t n = json_string_length(v);
    if (!json_is_string(v) || n == 0 || n > FIELD_MAX || strlen(json_string_value(v)) != n)
        return NULL;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, json_string_value(v), n + 1);
        if (len)
            *len = n;
    }
    return s;
}

static uint8_t *dup_hex(json_t *root, const char *key, size_t *len)
{
    const char *s = json_string_value(json_object_get(root, key));
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n % 2 != 0 || n / 2 > LAS_DCAP_CRL_MAX)
        return NULL;
    uint8_t *b = malloc(n / 2);
    if (b && las_hex_decode(s, b, n / 2) != LAS_OK) {
        free(b);
        return NULL;
    }
    *len = n / 2;
    return b;
}

/* Skips JSON white space: r is left at the next other byte. */
static void skip_space(struct las_reader *r)
{
    struct las_reader next = *r;
    uint8_t c = 0;
    las_read_u8(&next, &c);
    while (las_reader_status(&next) == LAS_OK &&
           (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
        *r = next;
        las_read_u8(&next, &c);
    }
}

/* Decodes the JSON value after white space at r and consumes it; *text, *len are its bytes. */
static json_t *read_value(struct las_reader *r, const uint8_t **text, size_t *len)
{
    json_error_t err;
    skip_space(r);
    size_t left = las_reader_remaining(r);
    las_read_view(r, text, 0);
    json_t *v = *text ? json_loadb((const char *)*text, left,
                                   JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &err)
                      : NULL;
    *len = v ? (size_t)err.position : 0;
    las_read_skip(r, *len);
    return v;
}

/* Consumes white space and the byte after it: whether that byte is want. */
static bool read_token(struct las_reader *r, uint8_t want)
{
    uint8_t c = 0;
    skip_space(r);
    las_read_u8(r, &c);
    return las_reader_status(r) == LAS_OK && c == want;
}

/*
 * The verbatim bytes of the top-level member `key` of the JSON object text
 * s (already validated, no duplicate keys), an object itself: Intel signs
 * exactly those bytes. jansson decodes each key and value, the reader keeps
 * the place.
 */
static bool member_span(const char *s, size_t len, const char *key, const uint8_t **out,
                        size_t *out_len)
{
    struct las_reader r;
    las_reader_init(&r, (const uint8_t *)s, len);
    if (!read_token(&r, '{'))
        return false;
    do {
        const uint8_t *text = NULL;
        size_t n = 0;
        json_t *k = read_value(&r, &text, &n);
        bool match = json_is_string(k) && strcmp(json_string_value(k), key) == 0;
        json_decref(k);
        if (k == NULL || !read_token(&r, ':'))
            return false;
        json_t *v = read_value(&r, &text, &n);
        bool object = json_is_object(v);
        json_decref(v);
        if (match && object) {
            *out = text;
            *out_len = n;
            return true;
        }
        if (v == NULL || match)
            return false;
    } while (read_token(&r, ','));
    return false;
}

/*
 * One signed object: either the object itself with its signature in
 * sig_key, or a PCS body {"<wrap>":{...},"signature":"..."}.
 */
LAS_MUST_CHECK static las_status signed_field(json_t *root, const char *key, const char *sig_key,
                                              const char *wrap, char **out, size_t *out_len,
                                              uint8_t sig[64], char *reason, size_t reason_size)
{
    size_t len = 0, span_len = 0;
    const uint8_t *span = NULL;
    char *s = dup_string(root, key, &len);
    json_t *inner = NULL;
    const char *sig_hex = json_string_value(json_object_get(root, sig_key));
    las_status st = LAS_ERR_MALFORMED;

    if (s == NULL) {
        las_fail(st, reason, reason_size, "collateral field \"%s\" is missing or not a string",
                 key);
        goto out;
    }
    inner = json_loadb(s, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(inner)) {
        las_fail(st, reason, reason_size, "collateral field \"%s\" is not a JSON object", key);
        goto out;
    }
    if (json_object_get(inner, wrap)) {
        if (!member_span(s, len, wrap, &span, &span_len)) {
            las_fail(st, reason, reason_size, "cannot locate \"%s\" inside \"%s\"", wrap, key);
            goto out;
        }
        if (sig_hex == NULL)
            sig_hex = json_string_value(json_object_get(inner, "signature"));
        memmove(s, span, span_len);
        len = span_len;
        s[len] = '\0';
    }
    if (sig_hex == NULL || las_hex_decode(sig_hex, sig, 64) != LAS_OK) {
        las_fail(st, reason, reason_size, "signature of \"%s\" is missing or not 64 bytes of hex",
                 key);
        goto out;
    }
    *out = s;
    *out_len = len;
    s = NULL;
    st = LAS_OK;
out:
    json_decref(inner);
    free(s);
    return st;
}

las_status las_dcap_collateral_parse(const uint8_t *buf, size_t len,
                                     struct las_dcap_collateral *out, char *reason,
                                     size_t reason_size)
{
    json_error_t err;
    json_t *root = NULL;
    las_status st = LAS_ERR_MALFORMED;

    memset(out, 0, sizeof *out);
    if (buf == NULL || len > LAS_DCAP_COLLATERAL_MAX) {
        st = las_fail(LAS_ERR_BAD_SIZE, reason, reason_size, "collateral is larger than %d bytes",
                      LAS_DCAP_COLLATERAL_MAX);
        goto out;
    }
    root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(root)) {
        las_fail(st, reason, reason_size, "collateral is not a JSON object (line %d: %s)", err.line,
                 root ? "not an object" : err.text);
        goto out;
    }
    static const char *const chains[] = {"pck_crl_issuer_chain", "tcb_info_issuer_chain",
                                         "qe_identity_issuer_chain"};
    char **chain_out[] = {&out->pck_crl_issuer_chain, &out->tcb_info_issuer_chain,
                          &out->qe_identity_issuer_chain};
    for (size_t i = 0; i < 3; i++) {
        if ((*chain_out[i] = dup_string(root, chains[i], NULL)) == NULL) {
            las_fail(st, reason, reason_size, "collateral field \"%s\" is missing or not a string",
                     chains[i]);
            goto out;
        }
    }
    if ((out->root_ca_crl = dup_hex(root, "root_ca_crl", &out->root_ca_crl_len)) == NULL ||
        (out->pck_crl = dup_hex(root, "pck_crl", &out->pck_crl_len)) == NULL) {
        las_fail(st, reason, reason_size, "collateral root_ca_crl/pck_crl are missing or not hex");
        goto out;
    }
    st = signed_field(root, "tcb_info", "tcb_info_signature", "tcbInfo", &out->tcb_info,
                      &out->tcb_info_len, out->tcb_info_sig, reason, reason_size);
    if (st != LAS_OK)
        goto out;
    st = signed_field(root, "qe_identity", "qe_identity_signature", "enclaveIdentity",
                      &out->qe_identity, &out->qe_identity_len, out->qe_identity_sig, reason,
                      reason_size);
out:
    json_decref(root);
    if (st != LAS_OK)
        las_dcap_collateral_free(out);
    return st;
}

/* ---- checks --------------------------------------------------------------- */

/* One collateral verification: the parsed document and what the checks established. */
struct ctx {
    const struct las_dcap_collateral_input *in;
    struct las_dcap_result *res;
    struct las_dcap_collateral col;
    uint8_t *root_spki; /* of the PCK chain's root: every collateral chain ends there */
    size_t root_spki_len;
    STACK_OF(X509_CRL) * crls;    /* root CA CRL and PCK CRL */
    struct las_x509_chain signer; /* the chain of the object being checked */
    struct las_tcb_info *tcb;
    struct las_qe_identity *qe;
};

/*
 * Exactly one DER CRL with a nextUpdate: OpenSSL would take a CRL without
 * one as valid forever. Signature, issuer and validity are checked by
 * OpenSSL's path validation (check_path in pck.c).
 */
LAS_MUST_CHECK static las_status crl_add(struct ctx *c, const char *check, const uint8_t *der,
                                         size_t len)
{
    const unsigned char *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    las_status st = LAS_OK;
    if (crl == NULL || p != der + len)
        st = las_refuse(c->res, LAS_ERR_MALFORMED, check, "the CRL is not valid DER");
    else if (X509_CRL_get0_nextUpdate(crl) == NULL)
        st = las_refuse(c->res, LAS_ERR_MALFORMED, check, "the CRL has no nextUpdate");
    else if (!sk_X509_CRL_push(c->crls, crl))
        st = las_refuse(c->res, LAS_ERR_NO_MEMORY, check, "out of memory");
    else
        crl = NULL;
    X509_CRL_free(crl);
    ERR_clear_error();
    return st;
}

/* The PCK chain once more, now with revocation: the leaf against the PCK CRL, its CA the root's. */
LAS_MUST_CHECK static las_status check_crls(struct ctx *c)
{
    const struct las_dcap_anchor *anchor = c->in->anchor;
    const char *check = NULL;
    char why[LAS_DCAP_REASON_SIZE];
    struct las_chain_check how = {.at = c->in->at,
                                  .root_spki = c->root_spki,
                                  .root_spki_len = c->root_spki_len,
                                  .crls = c->crls};
    las_status st = crl_add(c, "root_ca_crl", c->col.root_ca_crl, c->col.root_ca_crl_len);
    if (st == LAS_OK)
        st = crl_add(c, "pck_crl", c->col.pck_crl, c->col.pck_crl_len);
    if (st != LAS_OK)
        return st;
    st = las_x509_chain_verify(c->in->pck_chain, &how, &anchor, &check, why, sizeof why);
    if (st != LAS_OK)
        return las_refuse(c->res, st, check ? check : "pck_chain", "PCK chain: %s", why);
    return LAS_OK;
}

/*
 * Parses a collateral chain into c->signer and verifies it with revocation:
 * it ends in the PCK chain's root and no certificate in it is revoked.
 */
LAS_MUST_CHECK static las_status chain_load(struct ctx *c, const char *check, const char *pem)
{
    const struct las_dcap_anchor *anchor = c->in->anchor;
    const char *why_check = NULL;
    char why[LAS_DCAP_REASON_SIZE];
    struct las_chain_check how = {.at = c->in->at,
                                  .root_spki = c->root_spki,
                                  .root_spki_len = c->root_spki_len,
                                  .crls = c->crls};
    las_x509_chain_free(&c->signer);
    las_status st =
        las_pem_chain_parse((const uint8_t *)pem, strlen(pem), &c->signer, why, sizeof why);
    if (st != LAS_OK)
        return las_refuse(c->res, st, check, "%s", why);
    st = las_x509_chain_verify(&c->signer, &how, &anchor, &why_check, why, sizeof why);
    if (st != LAS_OK)
        return las_refuse(c->res, st, why_check ? why_check : check, "%s: %s", check, why);
    return LAS_OK;
}

/* The PCK CRL's issuer chain starts with the PCK leaf's CA, whose CRL check_crls used. */
LAS_MUST_CHECK static las_status check_pck_crl_issuer(struct ctx *c)
{
    const char *check = "pck_crl_issuer_chain";
    las_status st = chain_load(c, check, c->col.pck_crl_issuer_chain);
    if (st != LAS_OK)
        return st;
    X509 *ca = c->signer.certs[0], *leaf = c->in->pck_chain->certs[0];
    X509 *pck_ca = c->in->pck_chain->certs[1];
    if (X509_NAME_cmp(X509_get_subject_name(ca), X509_get_issuer_name(leaf)) != 0 ||
        EVP_PKEY_eq(X509_get0_pubkey(ca), X509_get0_pubkey(pck_ca)) != 1)
        return las_refuse(
            c->res, LAS_ERR_REFUSED, check,
            "the PCK CRL's issuer chain does not start with the PCK certificate's CA");
    return LAS_OK;
}

/*
 * Only the root's TCB Signing certificate signs TCB info and QE identities:
 * issued by the root itself, neither a PCK certificate nor a CA, with the
 * anchor's subject. Otherwise one extracted (or revoked) PCK or CA key could
 * declare any platform up to date.
 */
LAS_MUST_CHECK static las_status check_tcb_signer(struct ctx *c, const char *check)
{
    X509 *signer = c->signer.certs[0];
    const char *want = c->in->anchor->tcb_signing_cn;
    if (las_x509_has_sgx_extension(signer))
        return las_refuse(c->res, LAS_ERR_REFUSED, check,
                          "the signer is a PCK certificate, not the \"%s\" certificate", want);
    if (X509_check_ca(signer) != 0)
        return las_refuse(c->res, LAS_ERR_REFUSED, check,
                          "the signer is a CA certificate, not the \"%s\" certificate", want);
    if (c->signer.n != 2)
        return las_refuse(c->res, LAS_ERR_REFUSED, check,
                          "the signer is not issued by the root CA itself (chain of %zu)",
                          c->signer.n);
    if (!las_x509_has_cn(signer, want))
        return las_refuse(c->res, LAS_ERR_REFUSED, check, "the signer's subject CN is not \"%s\"",
                          want);
    if ((X509_get_extension_flags(signer) & EXFLAG_KUSAGE) &&
        !(X509_get_key_usage(signer) & KU_DIGITAL_SIGNATURE))
        return las_refuse(c->res, LAS_ERR_REFUSED, check,
                          "the signer's key usage does not allow digital signatures");
    return LAS_OK;
}

/* A signed object: its chain, the signer's role, the signature over its exact bytes. */
LAS_MUST_CHECK static las_status check_signed(struct ctx *c, const char *chain_check,
                                              const char *pem, const char *sig_check,
                                              const char *what, const char *text, size_t len,
                                              const uint8_t sig[64])
{
    las_status st = chain_load(c, chain_check, pem);
    if (st == LAS_OK)
        st = check_tcb_signer(c, chain_check);
    if (st != LAS_OK)
        return st;
    if (las_p256_verify_raw(X509_get0_pubkey(c->signer.certs[0]), (const uint8_t *)text, len,
                            sig) != LAS_OK)
        return las_refuse(c->res, LAS_ERR_SIGNATURE, sig_check,
                          "the %s signature does not verify with the TCB signing certificate",
                          what);
    return LAS_OK;
}

LAS_MUST_CHECK static las_status check_validity(struct ctx *c, const char *check, const char *what,
                                                int64_t issue, int64_t next)
{
    char a[LAS_RFC3339_SIZE], b[LAS_RFC3339_SIZE], when[LAS_RFC3339_SIZE];
    if (c->in->at >= issue && c->in->at <= next)
        return LAS_OK;
    las_rfc3339_format(issue, a);
    las_rfc3339_format(next, b);
    las_rfc3339_format(c->in->at, when);
    return las_refuse(c->res, LAS_ERR_REFUSED, check,
                      "%s is valid from %s (issueDate) to %s (nextUpdate), not at %s", what, a, b,
                      when);
}

/* TCB info: signed by the TCB signer, well-formed, valid now, for this platform. */
LAS_MUST_CHECK static las_status check_tcb_info(struct ctx *c)
{
    char why[LAS_DCAP_REASON_SIZE], a[13], b[13];
    const struct las_pck_info *pck = c->in->pck;
    las_status st =
        check_signed(c, "tcb_info_issuer_chain", c->col.tcb_info_issuer_chain, "tcb_info_signature",
                     "TCB info", c->col.tcb_info, c->col.tcb_info_len, c->col.tcb_info_sig);
    if (st != LAS_OK)
        return st;
    st = las_tcb_info_parse((const uint8_t *)c->col.tcb_info, c->col.tcb_info_len, c->tcb, why,
                            sizeof why);
    if (st != LAS_OK)
        return las_refuse(c->res, st, "tcb_info", "%s", why);
    st = check_validity(c, "tcb_info_validity", "the TCB info", c->tcb->issue_date,
                        c->tcb->next_update);
    if (st != LAS_OK)
        return st;
    if (memcmp(c->tcb->fmspc, pck->fmspc, sizeof pck->fmspc) != 0) {
        las_hex_encode(pck->fmspc, 6, a, 1);
        las_hex_encode(c->tcb->fmspc, 6, b, 1);
        return las_refuse(c->res, LAS_ERR_REFUSED, "fmspc",
                          "the PCK certificate's FMSPC %s differs from the TCB info's %s", a, b);
    }
    if (memcmp(c->tcb->pceid, pck->pceid, sizeof pck->pceid) != 0) {
        las_hex_encode(pck->pceid, 2, a, 1);
        las_hex_encode(c->tcb->pceid, 2, b, 1);
        return las_refuse(c->res, LAS_ERR_REFUSED, "pce_id",
                          "the PCK certificate's PCE ID %s differs from the TCB info's %s", a, b);
    }
    return LAS_OK;
}

/* The QE report against the QE identity: same enclave, MISCSELECT and ATTRIBUTES under masks. */
LAS_MUST_CHECK static las_status check_qe_report(struct ctx *c)
{
    const struct las_sgx_report_body *qr = c->in->qe_report;
    const struct las_qe_identity *qe = c->qe;
    uint8_t attrs[16];
    bool attrs_ok = true;
    for (size_t i = 0; i < 8; i++) {
        attrs[i] = (uint8_t)(qr->attributes.flags >> (8 * i));
        attrs[8 + i] = (uint8_t)(qr->attributes.xfrm >> (8 * i));
    }
    for (size_t i = 0; i < 16; i++)
        attrs_ok &=
            (attrs[i] & qe->attributes_mask[i]) == (qe->attributes[i] & qe->attributes_mask[i]);
    if (memcmp(qr->mrsigner, qe->mrsigner, sizeof qe->mrsigner) != 0)
        return las_refuse(c->res, LAS_ERR_REFUSED, "qe_identity",
                          "the QE report's MRSIGNER is not the QE identity's");
    if (qr->isvprodid != qe->isvprodid)
        return las_refuse(c->res, LAS_ERR_REFUSED, "qe_identity",
                          "the QE report's ISVPRODID %u is not the QE identity's %u", qr->isvprodid,
                          qe->isvprodid);
    if ((qr->miscselect & qe->miscselect_mask) != (qe->miscselect & qe->miscselect_mask))
        return las_refuse(
            c->res, LAS_ERR_REFUSED, "qe_identity",
            "the QE report's MISCSELECT does not match the QE identity under its mask");
    if (!attrs_ok)
        return las_refuse(c->res, LAS_ERR_REFUSED, "qe_identity",
                          "the QE report's ATTRIBUTES do not match the QE identity under its mask");
    return LAS_OK;
}

/* QE identity: signed by the TCB signer, well-formed, valid now, naming the QE of the quote. */
LAS_MUST_CHECK static las_status check_qe_identity(struct ctx *c)
{
    char why[LAS_DCAP_REASON_SIZE];
    las_status st = check_signed(c, "qe_identity_issuer_chain", c->col.qe_identity_issuer_chain,
                                 "qe_identity_signature", "QE identity", c->col.qe_identity,
                                 c->col.qe_identity_len, c->col.qe_identity_sig);
    if (st != LAS_OK)
        return st;
    st = las_qe_identity_parse((const uint8_t *)c->col.qe_identity, c->col.qe_identity_len, c->qe,
                               why, sizeof why);
    if (st != LAS_OK)
        return las_refuse(c->res, st, "qe_identity", "%s", why);
    st = check_validity(c, "qe_identity_validity", "the QE identity", c->qe->issue_date,
                        c->qe->next_update);
    return st == LAS_OK ? check_qe_report(c) : st;
}

LAS_MUST_CHECK static las_status check_tcb_status(struct ctx *c)
{
    return las_tcb_evaluate(c->tcb, c->qe, c->in->pck, c->in->qe_report->isvsvn, c->res);
}

typedef las_status (*collateral_check)(struct ctx *);

las_status las_dcap_collateral_verify(const uint8_t *json, size_t len,
                                      const struct las_dcap_collateral_input *in,
                                      struct las_dcap_result *res)
{
    static const collateral_check checks[] = {
        check_crls, check_pck_crl_issuer, check_tcb_info, check_qe_identity, check_tcb_status,
    };
    const struct las_x509_chain *pck = in->pck_chain;
    struct ctx c = {.in = in, .res = res};
    char why[LAS_DCAP_REASON_SIZE];

    las_status st = las_dcap_collateral_parse(json, len, &c.col, why, sizeof why);
    if (st != LAS_OK) {
        las_refuse(c.res, st, "collateral", "%s", why);
        goto out;
    }
    c.tcb = calloc(1, sizeof *c.tcb);
    c.qe = calloc(1, sizeof *c.qe);
    c.crls = sk_X509_CRL_new_null();
    if (c.tcb == NULL || c.qe == NULL || c.crls == NULL) {
        st = las_refuse(c.res, LAS_ERR_NO_MEMORY, "collateral", "out of memory");
        goto out;
    }
    st = las_x509_spki(pck->certs[pck->n - 1], &c.root_spki, &c.root_spki_len);
    if (st != LAS_OK) {
        las_refuse(c.res, st, "collateral", "cannot encode the root CA's key");
        goto out;
    }
    for (size_t i = 0; i < sizeof checks / sizeof checks[0] && st == LAS_OK; i++)
        st = checks[i](&c);
out:
    sk_X509_CRL_pop_free(c.crls, X509_CRL_free);
    OPENSSL_free(c.root_spki);
    las_x509_chain_free(&c.signer);
    free(c.tcb);
    free(c.qe);
    las_dcap_collateral_free(&c.col);
    ERR_clear_error();
    return st;
}
