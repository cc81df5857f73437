/* SPDX-License-Identifier: Apache-2.0 */
/* las_dcap_verify: every check of docs/dcap.md, in that order. */
#include "dcap/dcap_verify.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/hex.h"
#include "dcap/collateral.h"
#include "dcap/dcap_quote.h"
#include "common/reason.h"
#include "dcap/pck.h"
#include "dcap/root_pin.h"
#include "las/dcap.h"

/* One verification: the parsed quote and what the checks so far established. */
struct verification {
    const struct las_dcap_trust *trust;
    const struct las_dcap_verify_options *opt;
    bool allow_simulation;
    bool pin_sim_root; /* a simulated root must be one of opt->sim_roots */
    int64_t at;
    struct las_dcap_result *res;
    struct las_dcap_quote q;
    struct las_x509_chain chain;          /* verified PCK chain: leaf ... root */
    const struct las_dcap_anchor *anchor; /* the root it ends in */
    struct las_pck_info pck;
};

LAS_MUST_CHECK static las_status check_header(struct verification *v)
{
    if (memcmp(v->q.qe_vendor_id, las_dcap_intel_qe_vendor_id, sizeof v->q.qe_vendor_id) != 0)
        return las_refuse(v->res, LAS_ERR_UNSUPPORTED, "header",
                          "the QE vendor ID is not Intel's quoting enclave's");
    return LAS_OK;
}

/*
 * A chain to a simulated root is anchored only by a pin of that root: every
 * simulated platform makes its own, so its CN says nothing. Callers that
 * anchor the quote otherwise (las_dcap_verify_anchored's root_checked_by_caller)
 * skip this.
 */
LAS_MUST_CHECK static las_status check_sim_root(struct verification *v)
{
    char hex[2 * LAS_DCAP_ROOT_PIN_SIZE + 1];
    for (size_t i = 0; v->opt->sim_roots && i < v->opt->n_sim_roots; i++) {
        if (memcmp(v->opt->sim_roots[i], v->res->root_pin, LAS_DCAP_ROOT_PIN_SIZE) == 0)
            return LAS_OK;
    }
    las_hex_encode(v->res->root_pin, LAS_DCAP_ROOT_PIN_SIZE, hex, 0);
    return las_refuse(
        v->res, LAS_ERR_REFUSED, "sim_root",
        "the PCK chain ends in a simulated root CA that is not pinned (pin %s): trust "
        "it with --sim-root FILE (that LAS's sim-qe-root-ca.pem)",
        hex);
}

/* The PCK certificate chain up to a trusted root, and the leaf's SGX extension. */
LAS_MUST_CHECK static las_status check_pck_chain(struct verification *v)
{
    const char *check = NULL;
    char why[LAS_DCAP_REASON_SIZE];
    las_status st =
        las_pem_chain_parse(v->q.pck_chain, v->q.pck_chain_len, &v->chain, why, sizeof why);
    if (st != LAS_OK)
        return las_refuse(v->res, st, "pck_chain", "%s", why);
    struct las_chain_check how = {
        .at = v->at, .trust = v->trust, .allow_simulation = v->allow_simulation};
    st = las_x509_chain_verify(&v->chain, &how, &v->anchor, &check, why, sizeof why);
    if (st != LAS_OK)
        return las_refuse(v->res, st, check ? check : "pck_chain", "%s", why);
    v->res->simulated = v->anchor->simulated;
    if (las_dcap_root_pin(v->chain.certs[v->chain.n - 1], v->res->root_pin) != LAS_OK)
        return las_refuse(v->res, LAS_ERR_CRYPTO, "pck_chain",
                          "the root CA's key cannot be encoded");
    if (v->anchor->simulated && v->pin_sim_root && (st = check_sim_root(v)) != LAS_OK)
        return st;
    if (las_pck_info_from_cert(v->chain.certs[0], &v->pck) != LAS_OK)
        return las_refuse(v->res, LAS_ERR_MALFORMED, "pck_certificate",
                          "the PCK certificate has no well-formed SGX extension "
                          "(1.2.840.113741.1.13.1)");
    memcpy(v->res->fmspc, v->pck.fmspc, sizeof v->res->fmspc);
    memcpy(v->res->pceid, v->pck.pceid, sizeof v->res->pceid);
    return LAS_OK;
}

LAS_MUST_CHECK static las_status check_qe_report_signature(struct verification *v)
{
    las_status st = las_p256_verify_raw(X509_get0_pubkey(v->chain.certs[0]), v->q.qe_report_raw,
                                        LAS_SGX_REPORT_BODY_SIZE, v->q.qe_report_sig);
    if (st != LAS_OK)
        return las_refuse(v->res, st, "qe_report_signature",
                          "the QE report signature does not verify with the PCK certificate's key");
    return LAS_OK;
}

/*
 * The certified report is the quoting enclave's: the PCE certifies any
 * enclave with the PROVISIONKEY attribute, so without this check a QE of
 * one's own could sign quotes of any report body. Checked with and without
 * collateral, against the identity pinned for the chain's root.
 */
LAS_MUST_CHECK static las_status check_qe_identity(struct verification *v)
{
    const struct las_sgx_report_body *qe = &v->q.qe_report;
    const struct las_dcap_anchor *a = v->anchor;
    char got[65], want[65];
    if (!las_ct_equal(qe->mrsigner, a->qe_mrsigner, sizeof a->qe_mrsigner)) {
        las_hex_encode(qe->mrsigner, 32, got, 1);
        las_hex_encode(a->qe_mrsigner, 32, want, 1);
        return las_refuse(
            v->res, LAS_ERR_REFUSED, "qe_identity",
            "the QE report's MRSIGNER %s is not the quoting enclave's %s (pinned for %s)", got,
            want, a->name);
    }
    if (qe->isvprodid != a->qe_isvprodid)
        return las_refuse(
            v->res, LAS_ERR_REFUSED, "qe_identity",
            "the QE report's ISVPRODID %u is not the quoting enclave's %u (pinned for "
            "%s)",
            qe->isvprodid, a->qe_isvprodid, a->name);
    if (qe->attributes.flags & LAS_SGX_FLAGS_DEBUG)
        return las_refuse(v->res, LAS_ERR_REFUSED, "qe_identity",
                          "the quoting enclave is a debug enclave: its attestation key is readable "
                          "by the host");
    return LAS_OK;
}

/* SHA-256(attestation key || QE auth data), hashed in place (auth data is up to 64 KiB). */
LAS_MUST_CHECK static las_status binding_hash(const uint8_t key[static LAS_DCAP_ECDSA_KEY_SIZE],
                                              const uint8_t *auth, size_t auth_len,
                                              uint8_t out[static LAS_SHA256_SIZE])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    las_status st = LAS_ERR_CRYPTO;
    if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
        EVP_DigestUpdate(md, key, LAS_DCAP_ECDSA_KEY_SIZE) == 1 &&
        (auth_len == 0 || EVP_DigestUpdate(md, auth, auth_len) == 1) &&
        EVP_DigestFinal_ex(md, out, &n) == 1 && n == LAS_SHA256_SIZE)
        st = LAS_OK;
    EVP_MD_CTX_free(md);
    return st;
}

/* The QE report binds the attestation key (and QE auth data) in its report data. */
LAS_MUST_CHECK static las_status check_qe_report_data(struct verification *v)
{
    static const uint8_t zeros[32];
    uint8_t binding[LAS_SHA256_SIZE];
    if (binding_hash(v->q.attest_key, v->q.qe_auth_data, v->q.qe_auth_len, binding) != LAS_OK)
        return las_refuse(v->res, LAS_ERR_CRYPTO, "qe_report_data", "SHA-256 failed");
    if (!las_ct_equal(binding, v->q.qe_report.report_data, sizeof binding) ||
        !las_ct_equal(zeros, v->q.qe_report.report_data + 32, sizeof zeros))
        return las_refuse(v->res, LAS_ERR_SIGNATURE, "qe_report_data",
                          "the QE report data is not SHA-256(attestation key || QE auth data) || "
                          "32 zero bytes");
    return LAS_OK;
}

/* The attestation key signs header || report body. */
LAS_MUST_CHECK static las_status check_quote_signature(struct verification *v)
{
    EVP_PKEY *key = NULL;
    if (las_p256_key_from_raw(v->q.attest_key, &key) != LAS_OK)
        return las_refuse(v->res, LAS_ERR_MALFORMED, "attestation_key",
                          "the attestation key is not a P-256 point");
    las_status st = las_p256_verify_raw(key, v->q.signed_data, v->q.signed_len, v->q.signature);
    EVP_PKEY_free(key);
    if (st != LAS_OK)
        return las_refuse(
            v->res, st, "quote_signature",
            "the quote signature over header and report body does not verify with the "
            "attestation key");
    return LAS_OK;
}

/* SHA-256(PCK certificate DER || QE report): what a collateral verdict is about. */
LAS_MUST_CHECK static las_status platform_digest(struct verification *v)
{
    unsigned char *der = NULL;
    int n = i2d_X509(v->chain.certs[0], &der);
    uint8_t *buf = n > 0 ? malloc((size_t)n + LAS_SGX_REPORT_BODY_SIZE) : NULL;
    las_status st = LAS_ERR_CRYPTO;
    if (buf) {
        memcpy(buf, der, (size_t)n);
        memcpy(buf + n, v->q.qe_report_raw, LAS_SGX_REPORT_BODY_SIZE);
        st = las_sha256(buf, (size_t)n + LAS_SGX_REPORT_BODY_SIZE, v->res->platform_digest);
    }
    free(buf);
    OPENSSL_free(der);
    return st == LAS_OK ? st : las_refuse(v->res, st, "pck_certificate", "cannot hash it");
}

/* An earlier verdict with collateral, reused for a quote of the same platform. */
LAS_MUST_CHECK static las_status reuse_collateral_verdict(struct verification *v)
{
    const struct las_dcap_result *c = v->opt->collateral_verdict;
    struct las_dcap_result *r = v->res;
    if (c->status != LAS_OK || c->tcb_status == LAS_TCB_UNKNOWN ||
        memcmp(c->platform_digest, r->platform_digest, sizeof r->platform_digest) != 0 ||
        memcmp(c->root_pin, r->root_pin, sizeof r->root_pin) != 0)
        return las_refuse(r, LAS_ERR_REFUSED, "collateral_verdict",
                          "the collateral verdict given is not a verdict with collateral for this "
                          "platform (another PCK certificate, quoting enclave or root)");
    r->tcb_status = c->tcb_status;
    r->n_advisories = c->n_advisories;
    memcpy(r->advisories, c->advisories, sizeof r->advisories);
    return LAS_OK;
}

/*
 * Without collateral nothing says whether Intel revoked the PCK certificate
 * or what the platform's TCB level is: a hardware quote is then accepted
 * only when the caller tolerates that explicitly. Simulated platforms have
 * no collateral at all; simulation is tolerated already.
 */
LAS_MUST_CHECK static las_status check_unknown_tcb(struct verification *v)
{
    if (v->anchor->simulated || v->opt->allow_unknown_tcb)
        return LAS_OK;
    return las_refuse(v->res, LAS_ERR_REFUSED, "collateral",
                      "no collateral: the TCB status of this hardware platform is unknown "
                      "(revocation and TCB level unchecked); supply DCAP collateral "
                      "(--collateral FILE) or tolerate it (--allow-unknown-tcb, policy "
                      "security.tolerate: unknown-tcb)");
}

/* The TCB status: from the collateral, or from an earlier verdict with it. */
LAS_MUST_CHECK static las_status check_collateral(struct verification *v)
{
    las_status st = platform_digest(v);
    if (st != LAS_OK)
        return st;
    if (v->opt->collateral) {
        struct las_dcap_collateral_input in = {
            .pck_chain = &v->chain,
            .pck = &v->pck,
            .qe_report = &v->q.qe_report,
            .at = v->at,
            .anchor = v->anchor,
        };
        return las_dcap_collateral_verify(v->opt->collateral, v->opt->collateral_len, &in, v->res);
    }
    return v->opt->collateral_verdict ? reuse_collateral_verdict(v) : check_unknown_tcb(v);
}

typedef las_status (*check_fn)(struct verification *);

las_status las_dcap_verify_anchored(const uint8_t *quote, size_t len,
                                    const struct las_dcap_verify_options *opt,
                                    const struct las_dcap_trust *trust, bool root_checked_by_caller,
                                    struct las_dcap_result *result)
{
    static const check_fn checks[] = {
        check_header,      check_pck_chain,      check_qe_report_signature,
        check_qe_identity, check_qe_report_data, check_quote_signature,
    };
    struct verification v = {
        .trust = trust, .opt = opt, .pin_sim_root = !root_checked_by_caller, .res = result};
    char why[LAS_DCAP_REASON_SIZE];
    las_status st;

    if (result == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    memset(result, 0, sizeof *result);
    if (quote == NULL || opt == NULL || trust == NULL) {
        st = las_refuse(result, LAS_ERR_INVALID_ARGUMENT, "arguments", "no quote or no options");
        goto out;
    }
    v.allow_simulation = opt->allow_simulation;
    v.at = opt->at != 0 ? opt->at : (int64_t)time(NULL);

    st = las_dcap_quote_parse(quote, len, &v.q, why, sizeof why);
    if (st != LAS_OK) {
        las_refuse(result, st, "quote_format", "%s", why);
        goto out;
    }
    result->version = v.q.version;
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        st = checks[i](&v);
        if (st != LAS_OK)
            goto out;
    }
    result->body = v.q.body;
    st = check_collateral(&v);
out:
    las_x509_chain_free(&v.chain);
    result->status = st;
    if (st == LAS_OK) {
        result->check = NULL;
        result->reason[0] = '\0';
    }
    return st;
}

las_status las_dcap_verify(const uint8_t *quote, size_t len,
                           const struct las_dcap_verify_options *opt,
                           struct las_dcap_result *result)
{
    return las_dcap_verify_anchored(quote, len, opt, &las_dcap_default_trust, false, result);
}
