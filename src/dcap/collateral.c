/* SPDX-License-Identifier: Apache-2.0 */
/* The collateral document and the checks that need it (docs/dcap.md). */
#include "common/reason.h"
#include "dcap/collateral.h"

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Skips a JSON string starting at s[*p] == '"' (input already validated). */
static int skip_string(const char *s, size_t len, size_t *p)
{
    for ((*p)++; *p < len; (*p)++) {
        if (s[*p] == '\\')
            (*p)++;
        else if (s[*p] == '"') {
            (*p)++;
            return 1;
        }
    }
    return 0;
}

/*
 * Finds the verbatim bytes of the top-level member `key` (an object) of a
 * validated JSON object, as Intel signs exactly those bytes.
 */
static int member_span(const char *s, size_t len, const char *key, size_t *start, size_t *end)
{
    size_t p = 0, klen = strlen(key);
    int depth = 0;
    while (p < len) {
        char c = s[p];
        if (c == '"') {
            size_t q = p;
            if (!skip_string(s, len, &p))
                return 0;
            if (depth == 1 && p - q - 2 == klen && memcmp(s + q + 1, key, klen) == 0) {
                while (p < len && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r'))
                    p++;
                if (p >= len || s[p] != ':')
                    continue;
                p++;
                while (p < len && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r'))
                    p++;
                if (p >= len || s[p] != '{')
                    return 0;
                *start = p;
                int d = 0;
                while (p < len) {
                    if (s[p] == '"') {
                        if (!skip_string(s, len, &p))
                            return 0;
                        continue;
                    }
                    if (s[p] == '{' || s[p] == '[')
                        d++;
                    else if (s[p] == '}' || s[p] == ']') {
                        if (--d == 0) {
                            *end = p + 1;
                            return 1;
                        }
                    }
                    p++;
                }
                return 0;
            }
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        p++;
    }
    return 0;
}

/*
 * One signed object: either the object itself with its signature in
 * sig_key, or a PCS body {"<wrap>":{...},"signature":"..."}.
 */
LAS_MUST_CHECK static las_status signed_field(json_t *root, const char *key, const char *sig_key,
                                              const char *wrap, char **out, size_t *out_len,
                                              uint8_t sig[64], char *reason, size_t reason_size)
{
    size_t len = 0, start = 0, end = 0;
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
        if (!member_span(s, len, wrap, &start, &end)) {
            las_fail(st, reason, reason_size, "cannot locate \"%s\" inside \"%s\"", wrap, key);
            goto out;
        }
        if (sig_hex == NULL)
            sig_hex = json_string_value(json_object_get(inner, "signature"));
        memmove(s, s + start, end - start);
        len = end - start;
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

struct ctx {
    const struct las_dcap_collateral_input *in;
    struct las_dcap_result *res;
    uint8_t *anchor; /* SPKI of the PCK chain's root: every collateral chain ends there */
    size_t anchor_len;
    X509_CRL *root_crl;
};

LAS_MUST_CHECK static las_status crl_load(struct ctx *c, const char *check, const uint8_t *der,
                                          size_t len, X509 *issuer, X509_CRL **out)
{
    const unsigned char *p = der;
    int64_t this_update = 0, next_update = 0;
    char a[LAS_RFC3339_SIZE], b[LAS_RFC3339_SIZE], when[LAS_RFC3339_SIZE];
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    las_status st;

    *out = NULL;
    if (crl == NULL || p != der + len) {
        st = las_refuse(c->res, LAS_ERR_MALFORMED, check, "the CRL is not valid DER");
        goto out;
    }
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) {
        st = las_refuse(c->res, LAS_ERR_REFUSED, check,
                        "the CRL's issuer is not its certificate's CA");
        goto out;
    }
    if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
        st = las_refuse(c->res, LAS_ERR_SIGNATURE, check, "the CRL's signature does not verify");
        goto out;
    }
    if (las_asn1_time_to_epoch(X509_CRL_get0_lastUpdate(crl), &this_update) != LAS_OK ||
        X509_CRL_get0_nextUpdate(crl) == NULL ||
        las_asn1_time_to_epoch(X509_CRL_get0_nextUpdate(crl), &next_update) != LAS_OK) {
        st = las_refuse(c->res, LAS_ERR_MALFORMED, check, "the CRL's update times are malformed");
        goto out;
    }
    if (c->in->at < this_update || c->in->at > next_update) {
        las_rfc3339_format(this_update, a);
        las_rfc3339_format(next_update, b);
        las_rfc3339_format(c->in->at, when);
        st = las_refuse(c->res, LAS_ERR_REFUSED, check, "the CRL is valid from %s to %s, not at %s",
                        a, b, when);
        goto out;
    }
    *out = crl;
    crl = NULL;
    st = LAS_OK;
out:
    ERR_clear_error();
    X509_CRL_free(crl);
    return st;
}

/* A CRL lists serial numbers of its issuer's certificates only. */
static int is_revoked(X509_CRL *crl, X509 *cert)
{
    X509_REVOKED *entry = NULL;
    return X509_NAME_cmp(X509_get_issuer_name(cert), X509_CRL_get_issuer(crl)) == 0 &&
           X509_CRL_get0_by_serial(crl, &entry, X509_get0_serialNumber(cert)) == 1;
}

/* Parses and verifies a collateral chain; certificates under the root must not be revoked. */
LAS_MUST_CHECK static las_status chain_load(struct ctx *c, const char *check, const char *pem,
                                            struct las_x509_chain *chain)
{
    const char *why_check = NULL;
    const struct las_dcap_anchor *anchor = c->in->anchor;
    char why[LAS_DCAP_REASON_SIZE];
    las_status st = las_pem_chain_parse((const uint8_t *)pem, strlen(pem), chain, why, sizeof why);
    if (st != LAS_OK)
        return las_refuse(c->res, st, check, "%s", why);
    st = las_x509_chain_verify(chain, c->in->at, NULL, false, c->anchor, c->anchor_len, &anchor,
                               &why_check, why, sizeof why);
    if (st != LAS_OK)
        return las_refuse(c->res, st, check, "%s", why);
    for (size_t i = 0; i + 1 < chain->n; i++) {
        if (is_revoked(c->root_crl, chain->certs[i]))
            return las_refuse(c->res, LAS_ERR_REFUSED, "revocation",
                              "certificate %zu of the %s is revoked by the root CA CRL", i, check);
    }
    return LAS_OK;
}

/*
 * Only the root's TCB Signing certificate signs TCB info and QE identities:
 * issued by the root itself, neither a PCK certificate nor a CA, with the
 * anchor's subject. Otherwise one extracted (or revoked) PCK or CA key could
 * declare any platform up to date.
 */
LAS_MUST_CHECK static las_status check_tcb_signer(struct ctx *c, const char *check,
                                                  const struct las_x509_chain *chain)
{
    X509 *signer = chain->certs[0];
    const char *want = c->in->anchor->tcb_signing_cn;
    if (las_x509_has_sgx_extension(signer))
        return las_refuse(c->res, LAS_ERR_REFUSED, check,
                          "the signer is a PCK certificate, not the \"%s\" certificate", want);
    if (X509_check_ca(signer) != 0)
        return las_refuse(c->res, LAS_ERR_REFUSED, check,
                          "the signer is a CA certificate, not the \"%s\" certificate", want);
    if (chain->n != 2)
        return las_refuse(c->res, LAS_ERR_REFUSED, check,
                          "the signer is not issued by the root CA itself (chain of %zu)",
                          chain->n);
    if (!las_x509_has_cn(signer, want))
        return las_refuse(c->res, LAS_ERR_REFUSED, check, "the signer's subject CN is not \"%s\"",
                          want);
    if ((X509_get_extension_flags(signer) & EXFLAG_KUSAGE) &&
        !(X509_get_key_usage(signer) & KU_DIGITAL_SIGNATURE))
        return las_refuse(c->res, LAS_ERR_REFUSED, check,
                          "the signer's key usage does not allow digital signatures");
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

las_status las_dcap_collateral_verify(const uint8_t *json, size_t len,
                                      const struct las_dcap_collateral_input *in,
                                      struct las_dcap_result *res)
{
    struct las_dcap_collateral col;
    struct las_x509_chain pck_crl_chain = {0}, tcb_chain = {0}, qe_chain = {0};
    struct las_tcb_info *tcb = NULL;
    struct las_qe_identity *qe = NULL;
    X509_CRL *pck_crl = NULL;
    char why[LAS_DCAP_REASON_SIZE];
    struct ctx c = {.in = in, .res = res};
    const struct las_x509_chain *pck = in->pck_chain;
    X509 *root = pck->certs[pck->n - 1];
    las_status st;

    st = las_dcap_collateral_parse(json, len, &col, why, sizeof why);
    if (st != LAS_OK) {
        las_refuse(c.res, st, "collateral", "%s", why);
        goto out;
    }
    tcb = calloc(1, sizeof *tcb);
    qe = calloc(1, sizeof *qe);
    if (tcb == NULL || qe == NULL) {
        st = las_refuse(c.res, LAS_ERR_NO_MEMORY, "collateral", "out of memory");
        goto out;
    }
    st = las_x509_spki(root, &c.anchor, &c.anchor_len);
    if (st != LAS_OK) {
        las_refuse(c.res, st, "collateral", "cannot encode the root CA's key");
        goto out;
    }

    /* Root CA CRL, then the PCK CRL with its own issuer chain. */
    st = crl_load(&c, "root_ca_crl", col.root_ca_crl, col.root_ca_crl_len, root, &c.root_crl);
    if (st != LAS_OK)
        goto out;
    st = chain_load(&c, "pck_crl_issuer_chain", col.pck_crl_issuer_chain, &pck_crl_chain);
    if (st != LAS_OK)
        goto out;
    st = crl_load(&c, "pck_crl", col.pck_crl, col.pck_crl_len, pck_crl_chain.certs[0], &pck_crl);
    if (st != LAS_OK)
        goto out;
    if (X509_NAME_cmp(X509_CRL_get_issuer(pck_crl), X509_get_issuer_name(pck->certs[0])) != 0) {
        st = las_refuse(c.res, LAS_ERR_REFUSED, "pck_crl",
                    "the PCK CRL is not issued by the PCK certificate's CA");
        goto out;
    }
    if (is_revoked(pck_crl, pck->certs[0])) {
        st = las_refuse(c.res, LAS_ERR_REFUSED, "revocation", "the PCK certificate is revoked");
        goto out;
    }
    for (size_t i = 1; i + 1 < pck->n; i++) {
        if (is_revoked(c.root_crl, pck->certs[i])) {
            st = las_refuse(c.res, LAS_ERR_REFUSED, "revocation",
                        "the PCK chain's intermediate CA is revoked by the root CA CRL");
            goto out;
        }
    }

    /* TCB info: signer chain, signature over the exact bytes, validity, platform match. */
    st = chain_load(&c, "tcb_info_issuer_chain", col.tcb_info_issuer_chain, &tcb_chain);
    if (st == LAS_OK)
        st = check_tcb_signer(&c, "tcb_info_issuer_chain", &tcb_chain);
    if (st != LAS_OK)
        goto out;
    st = las_p256_verify_raw(X509_get0_pubkey(tcb_chain.certs[0]), (const uint8_t *)col.tcb_info,
                             col.tcb_info_len, col.tcb_info_sig);
    if (st != LAS_OK) {
        las_refuse(c.res, st, "tcb_info_signature",
               "the TCB info signature does not verify with the TCB signing certificate");
        goto out;
    }
    st = las_tcb_info_parse((const uint8_t *)col.tcb_info, col.tcb_info_len, tcb, why, sizeof why);
    if (st != LAS_OK) {
        las_refuse(c.res, st, "tcb_info", "%s", why);
        goto out;
    }
    st = check_validity(&c, "tcb_info_validity", "the TCB info", tcb->issue_date, tcb->next_update);
    if (st != LAS_OK)
        goto out;
    if (memcmp(tcb->fmspc, in->pck->fmspc, sizeof tcb->fmspc) != 0) {
        char a[13], b[13];
        las_hex_encode(in->pck->fmspc, 6, a, 1);
        las_hex_encode(tcb->fmspc, 6, b, 1);
        st = las_refuse(c.res, LAS_ERR_REFUSED, "fmspc",
                    "the PCK certificate's FMSPC %s differs from the TCB info's %s", a, b);
        goto out;
    }
    if (memcmp(tcb->pceid, in->pck->pceid, sizeof tcb->pceid) != 0) {
        char a[5], b[5];
        las_hex_encode(in->pck->pceid, 2, a, 1);
        las_hex_encode(tcb->pceid, 2, b, 1);
        st = las_refuse(c.res, LAS_ERR_REFUSED, "pce_id",
                    "the PCK certificate's PCE ID %s differs from the TCB info's %s", a, b);
        goto out;
    }

    /* QE identity: signer chain, signature, validity, the QE report against it. */
    st = chain_load(&c, "qe_identity_issuer_chain", col.qe_identity_issuer_chain, &qe_chain);
    if (st == LAS_OK)
        st = check_tcb_signer(&c, "qe_identity_issuer_chain", &qe_chain);
    if (st != LAS_OK)
        goto out;
    st = las_p256_verify_raw(X509_get0_pubkey(qe_chain.certs[0]), (const uint8_t *)col.qe_identity,
                             col.qe_identity_len, col.qe_identity_sig);
    if (st != LAS_OK) {
        las_refuse(c.res, st, "qe_identity_signature",
               "the QE identity signature does not verify with its signing certificate");
        goto out;
    }
    st = las_qe_identity_parse((const uint8_t *)col.qe_identity, col.qe_identity_len, qe, why,
                               sizeof why);
    if (st != LAS_OK) {
        las_refuse(c.res, st, "qe_identity", "%s", why);
        goto out;
    }
    st = check_validity(&c, "qe_identity_validity", "the QE identity", qe->issue_date,
                        qe->next_update);
    if (st != LAS_OK)
        goto out;
    const struct las_sgx_report_body *qr = in->qe_report;
    uint8_t attrs[16];
    int attrs_ok = 1;
    for (size_t i = 0; i < 8; i++) {
        attrs[i] = (uint8_t)(qr->attributes.flags >> (8 * i));
        attrs[8 + i] = (uint8_t)(qr->attributes.xfrm >> (8 * i));
    }
    for (size_t i = 0; i < 16; i++)
        attrs_ok &=
            (attrs[i] & qe->attributes_mask[i]) == (qe->attributes[i] & qe->attributes_mask[i]);
    if (memcmp(qr->mrsigner, qe->mrsigner, sizeof qe->mrsigner) != 0) {
        st = las_refuse(c.res, LAS_ERR_REFUSED, "qe_identity",
                    "the QE report's MRSIGNER is not the QE identity's");
        goto out;
    }
    if (qr->isvprodid != qe->isvprodid) {
        st = las_refuse(c.res, LAS_ERR_REFUSED, "qe_identity",
                    "the QE report's ISVPRODID %u is not the QE identity's %u", qr->isvprodid,
                    qe->isvprodid);
        goto out;
    }
    if ((qr->miscselect & qe->miscselect_mask) != (qe->miscselect & qe->miscselect_mask)) {
        st = las_refuse(c.res, LAS_ERR_REFUSED, "qe_identity",
                    "the QE report's MISCSELECT does not match the QE identity under its mask");
        goto out;
    }
    if (!attrs_ok) {
        st = las_refuse(c.res, LAS_ERR_REFUSED, "qe_identity",
                    "the QE report's ATTRIBUTES do not match the QE identity under its mask");
        goto out;
    }

    st = las_tcb_evaluate(tcb, qe, in->pck, qr->isvsvn, res);
out:
    X509_CRL_free(pck_crl);
    X509_CRL_free(c.root_crl);
    OPENSSL_free(c.anchor);
    las_x509_chain_free(&pck_crl_chain);
    las_x509_chain_free(&tcb_chain);
    las_x509_chain_free(&qe_chain);
    free(tcb);
    free(qe);
    las_dcap_collateral_free(&col);
    ERR_clear_error();
    return st;
}
