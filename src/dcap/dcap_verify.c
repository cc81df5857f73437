/* SPDX-License-Identifier: Apache-2.0 */
/* las_dcap_verify: every check of docs/dcap.md, in that order. */
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "dcap/collateral.h"
#include "dcap/dcap_quote.h"
#include "dcap/pck.h"
#include "las/dcap.h"

__attribute__((format(printf, 4, 5))) static las_status
refuse(struct las_dcap_result *res, las_status st, const char *check, const char *fmt, ...)
{
    va_list ap;
    res->check = check;
    va_start(ap, fmt);
    vsnprintf(res->reason, sizeof res->reason, fmt, ap);
    va_end(ap);
    return st;
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

las_status las_dcap_verify(const uint8_t *quote, size_t len,
                           const struct las_dcap_verify_options *opt,
                           struct las_dcap_result *result)
{
    struct las_dcap_quote q;
    struct las_x509_chain chain = {0};
    struct las_pck_info pck;
    EVP_PKEY *attest_key = NULL;
    uint8_t binding[LAS_SHA256_SIZE];
    const char *check = NULL;
    char why[LAS_DCAP_REASON_SIZE];
    bool simulated = false;
    int64_t at;
    las_status st;

    if (result == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    memset(result, 0, sizeof *result);
    if (quote == NULL || opt == NULL) {
        st = refuse(result, LAS_ERR_INVALID_ARGUMENT, "arguments", "no quote or no options");
        goto out;
    }
    at = opt->at != 0 ? opt->at : (int64_t)time(NULL);

    st = las_dcap_quote_parse(quote, len, &q, why, sizeof why);
    if (st != LAS_OK) {
        refuse(result, st, "quote_format", "%s", why);
        goto out;
    }
    result->version = q.version;
    if (memcmp(q.qe_vendor_id, las_dcap_intel_qe_vendor_id, sizeof q.qe_vendor_id) != 0) {
        st = refuse(result, LAS_ERR_UNSUPPORTED, "header",
                    "the QE vendor ID is not Intel's quoting enclave's");
        goto out;
    }

    /* PCK certificate chain up to the pinned root (or the simulated one). */
    st = las_pem_chain_parse(q.pck_chain, q.pck_chain_len, &chain, why, sizeof why);
    if (st != LAS_OK) {
        refuse(result, st, "pck_chain", "%s", why);
        goto out;
    }
    st = las_x509_chain_verify(&chain, at, opt->allow_simulation, NULL, 0, &simulated, &check, why,
                               sizeof why);
    if (st != LAS_OK) {
        refuse(result, st, check, "%s", why);
        goto out;
    }
    result->simulated = simulated;
    st = las_pck_info_from_cert(chain.certs[0], &pck);
    if (st != LAS_OK) {
        refuse(result, st, "pck_certificate",
               "the PCK certificate has no well-formed SGX extension (1.2.840.113741.1.13.1)");
        goto out;
    }
    memcpy(result->fmspc, pck.fmspc, sizeof result->fmspc);
    memcpy(result->pceid, pck.pceid, sizeof result->pceid);

    /* The QE report is signed by the PCK key ... */
    st = las_p256_verify_raw(X509_get0_pubkey(chain.certs[0]), q.qe_report_raw,
                             LAS_SGX_REPORT_BODY_SIZE, q.qe_report_sig);
    if (st != LAS_OK) {
        refuse(result, st, "qe_report_signature",
               "the QE report signature does not verify with the PCK certificate's key");
        goto out;
    }
    /* ... and binds the attestation key (and QE auth data) in its report data. */
    st = binding_hash(q.attest_key, q.qe_auth_data, q.qe_auth_len, binding);
    if (st != LAS_OK) {
        refuse(result, st, "qe_report_data", "SHA-256 failed");
        goto out;
    }
    static const uint8_t zeros[32];
    if (!las_ct_equal(binding, q.qe_report.report_data, sizeof binding) ||
        !las_ct_equal(zeros, q.qe_report.report_data + 32, sizeof zeros)) {
        st = refuse(result, LAS_ERR_SIGNATURE, "qe_report_data",
                    "the QE report data is not SHA-256(attestation key || QE auth data) || "
                    "32 zero bytes");
        goto out;
    }

    /* The attestation key signs header || report body. */
    st = las_p256_key_from_raw(q.attest_key, &attest_key);
    if (st != LAS_OK) {
        refuse(result, LAS_ERR_MALFORMED, "attestation_key",
               "the attestation key is not a P-256 point");
        goto out;
    }
    st = las_p256_verify_raw(attest_key, q.signed_data, q.signed_len, q.signature);
    if (st != LAS_OK) {
        refuse(result, st, "quote_signature",
               "the quote signature over header and report body does not verify with the "
               "attestation key");
        goto out;
    }
    result->body = q.body;

    if (opt->collateral) {
        struct las_dcap_collateral_input in = {
            .pck_chain = &chain,
            .pck = &pck,
            .qe_report = &q.qe_report,
            .at = at,
            .allow_simulation = opt->allow_simulation,
        };
        st = las_dcap_collateral_verify(opt->collateral, opt->collateral_len, &in, result);
    }
out:
    EVP_PKEY_free(attest_key);
    las_x509_chain_free(&chain);
    result->status = st;
    if (st == LAS_OK) {
        result->check = NULL;
        result->reason[0] = '\0';
    }
    return st;
}
