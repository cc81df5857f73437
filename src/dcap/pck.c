/* SPDX-License-Identifier: Apache-2.0 */
#include "common/reason.h"
#include "dcap/pck.h"

#include <limits.h>
#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/rfc3339.h"
#include "las/dcap.h"

/*
 * Pinned: the SubjectPublicKeyInfo of "Intel SGX Root CA" (P-256). A chain
 * is Intel's only if its self-signed root carries exactly this key; the
 * unit test compares it with Intel's published root certificate.
 */
const uint8_t las_intel_sgx_root_spki[LAS_INTEL_ROOT_SPKI_SIZE] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x0b, 0xa9, 0xc4, 0xc0, 0xc0,
    0xc8, 0x61, 0x93, 0xa3, 0xfe, 0x23, 0xd6, 0xb0, 0x2c, 0xda, 0x10, 0xa8, 0xbb, 0xd4, 0xe8, 0x8e,
    0x48, 0xb4, 0x45, 0x85, 0x61, 0xa3, 0x6e, 0x70, 0x55, 0x25, 0xf5, 0x67, 0x91, 0x8e, 0x2e, 0xdc,
    0x88, 0xe4, 0x0d, 0x86, 0x0b, 0xd0, 0xcc, 0x4e, 0xe2, 0x6a, 0xac, 0xc9, 0x88, 0xe5, 0x05, 0xa9,
    0x53, 0x55, 0x8c, 0x45, 0x3f, 0x6b, 0x09, 0x04, 0xae, 0x73, 0x94,
};

/*
 * Intel's quoting enclave, as Intel's QE identity collateral names it
 * ("mrsigner", "isvprodid" of https://api.trustedservices.intel.com/sgx/
 * certification/v4/qe/identity). Intel's PCE certifies the report of any
 * enclave with the PROVISIONKEY attribute, so only this identity makes a
 * PCK-certified report the QE's.
 */
const struct las_dcap_anchor las_dcap_intel_anchor = {
    .name = "Intel SGX Root CA",
    .simulated = false,
    .root_spki = las_intel_sgx_root_spki,
    .root_spki_len = sizeof las_intel_sgx_root_spki,
    .qe_mrsigner = {0x8c, 0x4f, 0x57, 0x75, 0xd7, 0x96, 0x50, 0x3e, 0x96, 0x13, 0x7f,
                    0x77, 0xc6, 0x8a, 0x82, 0x9a, 0x00, 0x56, 0xac, 0x8d, 0xed, 0x70,
                    0x14, 0x0b, 0x08, 0x1b, 0x09, 0x44, 0x90, 0xc5, 0x7b, 0xff},
    .qe_isvprodid = 1,
    .tcb_signing_cn = LAS_INTEL_TCB_SIGNING_CN,
};

/*
 * The simulated QE of docs/sim-qe.md: MRSIGNER = SHA-256("LAS simulated SGX
 * architectural enclave signer v1"), ISVPRODID 1 (tests/unit/test_sim_qe.c
 * checks that the simulator uses these values). Public values, as Intel's
 * are: what the verifier trusts of a simulated platform when simulation is
 * tolerated and that platform's root is pinned. The second default anchor.
 */
static const struct las_dcap_anchor simulated_anchor = {
    .name = LAS_SIM_ROOT_CA_CN,
    .simulated = true,
    .root_cn = LAS_SIM_ROOT_CA_CN,
    .qe_mrsigner = {0x33, 0x4b, 0x21, 0xe6, 0x72, 0x63, 0xa5, 0xa2, 0x6b, 0xf4, 0x88,
                    0x65, 0x0c, 0x82, 0x2e, 0x5e, 0x6d, 0x58, 0x0d, 0x51, 0x96, 0x41,
                    0x7b, 0xba, 0x6b, 0x64, 0xb5, 0xc9, 0xdf, 0xea, 0x95, 0x73},
    .qe_isvprodid = 1,
    .tcb_signing_cn = LAS_SIM_TCB_SIGNING_CN,
};

static const struct las_dcap_anchor *const default_anchors[] = {&las_dcap_intel_anchor,
                                                                &simulated_anchor};
const struct las_dcap_trust las_dcap_default_trust = {default_anchors, 2};

#define SGX_EXT_OID "1.2.840.113741.1.13.1"

/* ---- PEM ---------------------------------------------------------------- */

/*
 * Whether seg is exactly text, with every "\n" of text written as "\r\n"
 * when crlf is set.
 */
static bool same_text(const uint8_t *seg, size_t seg_len, const char *text, size_t text_len,
                      bool crlf)
{
    struct las_reader s, t;
    las_reader_init(&s, seg, seg_len);
    las_reader_init(&t, (const uint8_t *)text, text_len);
    while (las_reader_remaining(&t) > 0) {
        uint8_t want = 0, got = 0;
        las_read_u8(&t, &want);
        if (want == '\n' && crlf) {
            las_read_u8(&s, &got);
            if (got != '\r')
                return false;
        }
        las_read_u8(&s, &got);
        if (got != want)
            return false;
    }
    return las_reader_end(&s) == LAS_OK;
}

/* Whether only NUL bytes (the QE's string terminator) are left in r; consumes nothing. */
static bool only_nul_left(const struct las_reader *r)
{
    struct las_reader rest = *r;
    while (las_reader_remaining(&rest) > 0) {
        uint8_t c = 0;
        las_read_u8(&rest, &c);
        if (c != 0)
            return false;
    }
    return true;
}

/*
 * The certificate at r, read by OpenSSL's PEM reader. Its text must be
 * exactly what OpenSSL's PEM writer makes of it (as Intel's QE and PCS write
 * it), so that no modified chain reads the same: nothing before the BEGIN
 * line, 64-character base64 lines without stray padding bits, "\n" or
 * "\r\n" line ends, exactly one DER certificate.
 */
LAS_MUST_CHECK static las_status read_certificate(struct las_reader *r, size_t number, X509 **out,
                                                  char *reason, size_t reason_size)
{
    size_t left = las_reader_remaining(r);
    const uint8_t *start = NULL, *seg = NULL;
    char *text = NULL;
    las_status st = LAS_ERR_NO_MEMORY;
    las_read_view(r, &start, 0);
    BIO *in = BIO_new_mem_buf(start, (int)left), *canon = BIO_new(BIO_s_mem());
    X509 *x = NULL;

    if (in == NULL || canon == NULL) {
        las_fail(st, reason, reason_size, "out of memory");
        goto out;
    }
    x = PEM_read_bio_X509(in, NULL, NULL, NULL);
    if (x == NULL) {
        st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                      "certificate %zu of the PEM chain is not a PEM certificate", number);
        goto out;
    }
    int der_len = i2d_X509(x, NULL);
    long text_len = 0;
    if (PEM_write_bio_X509(canon, x) != 1 || (text_len = BIO_get_mem_data(canon, &text)) <= 0) {
        st = las_fail(LAS_ERR_CRYPTO, reason, reason_size, "OpenSSL cannot write a certificate");
        goto out;
    }
    size_t consumed = left - (size_t)BIO_pending(in);
    las_read_view(r, &seg, consumed);
    if (!same_text(seg, consumed, text, (size_t)text_len, false) &&
        !same_text(seg, consumed, text, (size_t)text_len, true)) {
        st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                      "certificate %zu of the PEM chain is not in canonical PEM form", number);
        goto out;
    }
    if (der_len <= 0 || der_len > LAS_DCAP_CERT_MAX) {
        st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                      "certificate %zu of the PEM chain is larger than %d bytes", number,
                      LAS_DCAP_CERT_MAX);
        goto out;
    }
    *out = x;
    x = NULL;
    st = LAS_OK;
out:
    ERR_clear_error();
    X509_free(x);
    BIO_free(in);
    BIO_free(canon);
    return st;
}

las_status las_pem_chain_parse(const uint8_t *buf, size_t len, struct las_x509_chain *out,
                               char *reason, size_t reason_size)
{
    struct las_reader r;
    las_status st = LAS_OK;

    memset(out, 0, sizeof *out);
    if (buf == NULL || len > INT_MAX)
        return las_fail(LAS_ERR_MALFORMED, reason, reason_size, "no PEM certificate chain");
    las_reader_init(&r, buf, len);
    while (st == LAS_OK && !only_nul_left(&r)) {
        if (out->n == LAS_DCAP_MAX_CHAIN)
            st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                          "PEM chain has more than %d certificates", LAS_DCAP_MAX_CHAIN);
        else
            st = read_certificate(&r, out->n + 1, &out->certs[out->n], reason, reason_size);
        if (st == LAS_OK)
            out->n++;
    }
    if (st == LAS_OK && out->n == 0)
        st = las_fail(LAS_ERR_MALFORMED, reason, reason_size, "no certificate in the PEM chain");
    if (st != LAS_OK)
        las_x509_chain_free(out);
    return st;
}

void las_x509_chain_free(struct las_x509_chain *c)
{
    for (size_t i = 0; i < c->n; i++)
        X509_free(c->certs[i]);
    memset(c, 0, sizeof *c);
}

/* ---- chain -------------------------------------------------------------- */

las_status las_x509_spki(X509 *cert, uint8_t **der, size_t *len)
{
    unsigned char *p = NULL;
    int n = i2d_PUBKEY(X509_get0_pubkey(cert), &p);
    *der = NULL;
    *len = 0;
    if (n <= 0) {
        ERR_clear_error();
        return LAS_ERR_MALFORMED;
    }
    *der = p;
    *len = (size_t)n;
    return LAS_OK;
}

bool las_x509_has_cn(X509 *cert, const char *cn)
{
    X509_NAME *name = X509_get_subject_name(cert);
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, idx) >= 0)
        return false;
    ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    size_t n = strlen(cn);
    return s && (size_t)ASN1_STRING_length(s) == n && memcmp(ASN1_STRING_get0_data(s), cn, n) == 0;
}

bool las_x509_has_sgx_extension(X509 *cert)
{
    ASN1_OBJECT *oid = OBJ_txt2obj(SGX_EXT_OID, 1);
    bool found = oid != NULL && X509_get_ext_by_OBJ(cert, oid, -1) >= 0;
    ASN1_OBJECT_free(oid);
    ERR_clear_error();
    return found;
}

/*
 * The anchor whose root the chain's root is: its pinned key first, then its
 * subject CN (the simulated root differs per platform). NULL when none.
 */
static const struct las_dcap_anchor *find_anchor(const struct las_dcap_trust *trust, X509 *root,
                                                 const uint8_t *spki, size_t spki_len)
{
    for (size_t i = 0; i < trust->n; i++) {
        const struct las_dcap_anchor *a = trust->anchors[i];
        if (a->root_spki && a->root_spki_len == spki_len &&
            memcmp(a->root_spki, spki, spki_len) == 0)
            return a;
    }
    for (size_t i = 0; i < trust->n; i++) {
        const struct las_dcap_anchor *a = trust->anchors[i];
        if (a->root_spki == NULL && a->root_cn && las_x509_has_cn(root, a->root_cn))
            return a;
    }
    return NULL;
}

/*
 * The chain's root: self-signed, and the anchor it is (how->trust), or the
 * very key how->root_spki. A simulated anchor needs how->allow_simulation.
 */
LAS_MUST_CHECK static las_status check_root(const struct las_x509_chain *c,
                                            const struct las_chain_check *how,
                                            const struct las_dcap_anchor **anchor,
                                            const char **check, char *reason, size_t reason_size)
{
    X509 *root = c->certs[c->n - 1];
    EVP_PKEY *root_key = X509_get0_pubkey(root);
    uint8_t *spki = NULL;
    size_t spki_len = 0;
    las_status st = LAS_OK;

    if (root_key == NULL || X509_check_issued(root, root) != X509_V_OK ||
        X509_verify(root, root_key) != 1)
        return las_fail(LAS_ERR_SIGNATURE, reason, reason_size,
                        "the last certificate of the chain is not a self-signed root");
    if (las_x509_spki(root, &spki, &spki_len) != LAS_OK)
        return las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                        "root public key cannot be encoded");
    if (how->root_spki) {
        if (spki_len != how->root_spki_len || memcmp(spki, how->root_spki, spki_len) != 0)
            st = las_fail(LAS_ERR_REFUSED, reason, reason_size,
                          "chain ends in a root CA other than the PCK chain's");
    } else {
        const struct las_dcap_anchor *a = find_anchor(how->trust, root, spki, spki_len);
        if (a == NULL) {
            st = las_fail(LAS_ERR_REFUSED, reason, reason_size,
                          "the root CA's public key is not the pinned Intel SGX Root CA key");
        } else if (a->simulated && !how->allow_simulation) {
            *check = "simulation";
            st = las_fail(LAS_ERR_SIMULATED, reason, reason_size,
                          "the PCK chain ends in the simulated root CA \"%s\": simulated SGX gives "
                          "no security; not tolerated (--allow-simulation, or simulation in "
                          "security.tolerate)",
                          a->name);
        } else {
            *anchor = a;
        }
    }
    OPENSSL_free(spki);
    return st;
}

/*
 * The collateral item an OpenSSL error at depth is about: the certificate's
 * revocation, or its issuer's CRL (the root CA's for what the root issued,
 * else the PCK CRL). NULL for errors of the chain itself.
 */
static const char *revocation_check(int err, int depth, size_t n)
{
    switch (err) {
    case X509_V_ERR_CERT_REVOKED:
        return "revocation";
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
    case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
        return (size_t)depth + 2 >= n ? "root_ca_crl" : "pck_crl";
    default:
        return NULL;
    }
}

/*
 * OpenSSL's path validation at how->at, with the root as the only trust
 * anchor and, when how->crls is given, every certificate checked against its
 * issuer's CRL (X509_V_FLAG_CRL_CHECK_ALL). Every certificate given must be
 * on the verified path, in order.
 */
LAS_MUST_CHECK static las_status check_path(const struct las_x509_chain *c,
                                            const struct las_chain_check *how, const char **check,
                                            char *reason, size_t reason_size)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    las_status st = LAS_ERR_CRYPTO;
    char when[LAS_RFC3339_SIZE];

    if (store == NULL || ctx == NULL || untrusted == NULL ||
        X509_STORE_add_cert(store, c->certs[c->n - 1]) != 1) {
        las_fail(st, reason, reason_size, "OpenSSL X509 store setup failed");
        goto out;
    }
    for (size_t i = 1; i + 1 < c->n; i++) {
        if (!sk_X509_push(untrusted, c->certs[i])) {
            las_fail(st, reason, reason_size, "OpenSSL X509 stack failed");
            goto out;
        }
    }
    for (int i = 0; how->crls && i < sk_X509_CRL_num(how->crls); i++) {
        if (X509_STORE_add_crl(store, sk_X509_CRL_value(how->crls, i)) != 1) {
            las_fail(st, reason, reason_size, "OpenSSL X509 store setup failed");
            goto out;
        }
    }
    if (how->crls)
        X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    if (X509_STORE_CTX_init(ctx, store, c->certs[0], untrusted) != 1) {
        las_fail(st, reason, reason_size, "OpenSSL X509 context setup failed");
        goto out;
    }
    X509_STORE_CTX_set_time(ctx, 0, (time_t)how->at);
    if (X509_verify_cert(ctx) != 1) {
        int err = X509_STORE_CTX_get_error(ctx), depth = X509_STORE_CTX_get_error_depth(ctx);
        las_rfc3339_format(how->at, when);
        *check = revocation_check(err, depth, c->n);
        st = *check || err == X509_V_ERR_CERT_NOT_YET_VALID || err == X509_V_ERR_CERT_HAS_EXPIRED
                 ? LAS_ERR_REFUSED
                 : LAS_ERR_SIGNATURE;
        las_fail(st, reason, reason_size, "certificate at depth %d: %s (at %s)", depth,
                 X509_verify_cert_error_string(err), when);
        goto out;
    }
    STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
    st = LAS_ERR_MALFORMED;
    if (path == NULL || (size_t)sk_X509_num(path) != c->n) {
        las_fail(st, reason, reason_size,
                 "the chain contains certificates that are not on the path to the root");
        goto out;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (X509_cmp(sk_X509_value(path, (int)i), c->certs[i]) != 0) {
            las_fail(st, reason, reason_size,
                     "the chain's certificates are not in leaf-to-root order");
            goto out;
        }
    }
    st = LAS_OK;
out:
    ERR_clear_error();
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return st;
}

las_status las_x509_chain_verify(const struct las_x509_chain *c, const struct las_chain_check *how,
                                 const struct las_dcap_anchor **anchor, const char **check,
                                 char *reason, size_t reason_size)
{
    const struct las_dcap_anchor *found = how->root_spki ? *anchor : NULL;
    las_status st;

    *check = NULL;
    if (c->n < 2)
        st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                      "certificate chain has %zu certificate(s); leaf and root are needed", c->n);
    else if ((st = check_root(c, how, &found, check, reason, reason_size)) == LAS_OK)
        st = check_path(c, how, check, reason, reason_size);
    *anchor = st == LAS_OK || how->root_spki ? found : NULL;
    return st;
}

/* ---- ECDSA -------------------------------------------------------------- */

las_status las_p256_key_from_raw(const uint8_t xy[static 64], EVP_PKEY **out)
{
    char group[] = "prime256v1";
    uint8_t point[65];
    EVP_PKEY_CTX *pc = NULL;
    las_status st = LAS_ERR_MALFORMED;

    *out = NULL;
    point[0] = 0x04; /* uncompressed */
    memcpy(point + 1, xy, 64);
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
        OSSL_PARAM_END,
    };
    pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (pc == NULL || EVP_PKEY_fromdata_init(pc) != 1)
        goto out;
    if (EVP_PKEY_fromdata(pc, out, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        *out = NULL;
        goto out;
    }
    st = LAS_OK;
out:
    ERR_clear_error();
    EVP_PKEY_CTX_free(pc);
    return st;
}

las_status las_p256_verify_raw(EVP_PKEY *key, const uint8_t *msg, size_t len,
                               const uint8_t sig[static 64])
{
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *der = NULL;
    EVP_MD_CTX *md = NULL;
    las_status st = LAS_ERR_SIGNATURE;

    if (key == NULL || !EVP_PKEY_is_a(key, "EC") || EVP_PKEY_get_bits(key) != 256)
        goto out;
    es = ECDSA_SIG_new();
    r = BN_bin2bn(sig, 32, NULL);
    s = BN_bin2bn(sig + 32, 32, NULL);
    if (es == NULL || r == NULL || s == NULL) {
        st = LAS_ERR_CRYPTO;
        goto out;
    }
    if (ECDSA_SIG_set0(es, r, s) != 1) {
        st = LAS_ERR_CRYPTO;
        goto out;
    }
    r = s = NULL; /* owned by es now */
    int der_len = i2d_ECDSA_SIG(es, &der);
    md = EVP_MD_CTX_new();
    if (der_len <= 0 || md == NULL) {
        st = LAS_ERR_CRYPTO;
        goto out;
    }
    if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1) {
        st = LAS_ERR_CRYPTO;
        goto out;
    }
    if (EVP_DigestVerify(md, der, (size_t)der_len, msg, len) == 1)
        st = LAS_OK;
out:
    ERR_clear_error();
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    BN_free(r);
    BN_free(s);
    return st;
}

/* ---- SGX extension ------------------------------------------------------ */

enum {
    SEEN_PPID = 1 << 0,
    SEEN_TCB = 1 << 1,
    SEEN_PCEID = 1 << 2,
    SEEN_FMSPC = 1 << 3,
    SEEN_TYPE = 1 << 4,
    SEEN_ALL = (1 << 5) - 1,
};

/* Parses a DER SEQUENCE of SEQUENCE { OID, value } pairs. */
static STACK_OF(ASN1_TYPE) * seq_parse(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    if (len > LONG_MAX)
        return NULL;
    STACK_OF(ASN1_TYPE) *seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)len);
    if (seq && p != der + len) {
        sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
        return NULL;
    }
    return seq;
}

/* Splits one { OID, value } pair; the text OID goes to oid (dotted form). */
static STACK_OF(ASN1_TYPE) *
    pair_parse(const ASN1_TYPE *item, char *oid, size_t oid_size, ASN1_TYPE **value)
{
    if (item->type != V_ASN1_SEQUENCE)
        return NULL;
    STACK_OF(ASN1_TYPE) *pair =
        seq_parse(item->value.sequence->data, (size_t)item->value.sequence->length);
    if (pair == NULL)
        return NULL;
    ASN1_TYPE *key = sk_ASN1_TYPE_num(pair) == 2 ? sk_ASN1_TYPE_value(pair, 0) : NULL;
    if (key == NULL || key->type != V_ASN1_OBJECT ||
        OBJ_obj2txt(oid, (int)oid_size, key->value.object, 1) <= 0 || strlen(oid) >= oid_size - 1) {
        sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
        return NULL;
    }
    *value = sk_ASN1_TYPE_value(pair, 1);
    return pair;
}

static int octets(const ASN1_TYPE *v, uint8_t *out, size_t n)
{
    if (v->type != V_ASN1_OCTET_STRING || (size_t)v->value.octet_string->length != n)
        return 0;
    memcpy(out, v->value.octet_string->data, n);
    return 1;
}

static int integer(const ASN1_TYPE *v, int64_t max, int64_t *out)
{
    if (v->type != V_ASN1_INTEGER || ASN1_INTEGER_get_int64(out, v->value.integer) != 1)
        return 0;
    return *out >= 0 && *out <= max;
}

LAS_MUST_CHECK static las_status tcb_parse(const ASN1_TYPE *v, struct las_pck_info *out)
{
    STACK_OF(ASN1_TYPE) *seq = NULL;
    uint32_t seen = 0;
    las_status st = LAS_ERR_MALFORMED;

    if (v->type != V_ASN1_SEQUENCE)
        return LAS_ERR_MALFORMED;
    seq = seq_parse(v->value.sequence->data, (size_t)v->value.sequence->length);
    if (seq == NULL)
        goto out;
    for (int i = 0; i < sk_ASN1_TYPE_num(seq); i++) {
        char oid[64];
        ASN1_TYPE *val = NULL;
        STACK_OF(ASN1_TYPE) *pair = pair_parse(sk_ASN1_TYPE_value(seq, i), oid, sizeof oid, &val);
        int ok = 0;
        int64_t n = 0;
        unsigned idx = 0;
        char tail = 0;
        if (pair == NULL)
            goto out;
        if (sscanf(oid, SGX_EXT_OID ".2.%u%c", &idx, &tail) == 1 && idx >= 1 && idx <= 18 &&
            !(seen & (1u << idx))) {
            seen |= 1u << idx;
            if (idx <= LAS_SGX_TCB_COMPONENTS) {
                ok = integer(val, 255, &n);
                out->comp_svn[idx - 1] = (uint8_t)n;
            } else if (idx == 17) {
                ok = integer(val, 65535, &n);
                out->pcesvn = (uint16_t)n;
            } else {
                ok = octets(val, out->cpusvn, sizeof out->cpusvn);
            }
        } else if (strncmp(oid, SGX_EXT_OID ".2.", strlen(SGX_EXT_OID ".2.")) != 0) {
            ok = 0; /* foreign OID inside the TCB sequence */
        }
        sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
        if (!ok)
            goto out;
    }
    if (seen == ((1u << 19) - 2)) /* bits 1..18 */
        st = LAS_OK;
out:
    sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
    return st;
}

las_status las_pck_ext_parse(const uint8_t *der, size_t len, struct las_pck_info *out)
{
    STACK_OF(ASN1_TYPE) *seq = NULL;
    uint32_t seen = 0;
    las_status st = LAS_ERR_MALFORMED;

    memset(out, 0, sizeof *out);
    seq = seq_parse(der, len);
    if (seq == NULL)
        goto out;
    for (int i = 0; i < sk_ASN1_TYPE_num(seq); i++) {
        char oid[64];
        ASN1_TYPE *val = NULL;
        STACK_OF(ASN1_TYPE) *pair = pair_parse(sk_ASN1_TYPE_value(seq, i), oid, sizeof oid, &val);
        int ok = 1;
        uint32_t bit = 0;
        if (pair == NULL)
            goto out;
        if (strcmp(oid, SGX_EXT_OID ".1") == 0) {
            bit = SEEN_PPID;
            ok = octets(val, out->ppid, sizeof out->ppid);
        } else if (strcmp(oid, SGX_EXT_OID ".2") == 0) {
            bit = SEEN_TCB;
            ok = tcb_parse(val, out) == LAS_OK;
        } else if (strcmp(oid, SGX_EXT_OID ".3") == 0) {
            bit = SEEN_PCEID;
            ok = octets(val, out->pceid, sizeof out->pceid);
        } else if (strcmp(oid, SGX_EXT_OID ".4") == 0) {
            bit = SEEN_FMSPC;
            ok = octets(val, out->fmspc, sizeof out->fmspc);
        } else if (strcmp(oid, SGX_EXT_OID ".5") == 0) {
            int64_t t = 0;
            bit = SEEN_TYPE;
            ok = val->type == V_ASN1_ENUMERATED &&
                 ASN1_ENUMERATED_get_int64(&t, val->value.enumerated) == 1 && t >= 0 && t <= 255;
            out->sgx_type = (int)t;
        }
        /* Other entries (platform instance ID, configuration) are not used. */
        sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
        if (!ok || (seen & bit))
            goto out;
        seen |= bit;
    }
    if (seen == SEEN_ALL)
        st = LAS_OK;
out:
    ERR_clear_error();
    sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
    if (st != LAS_OK)
        memset(out, 0, sizeof *out);
    return st;
}

las_status las_pck_info_from_cert(X509 *cert, struct las_pck_info *out)
{
    ASN1_OBJECT *oid = OBJ_txt2obj(SGX_EXT_OID, 1);
    las_status st = LAS_ERR_MALFORMED;

    memset(out, 0, sizeof *out);
    if (oid == NULL) {
        st = LAS_ERR_CRYPTO;
        goto out;
    }
    int idx = X509_get_ext_by_OBJ(cert, oid, -1);
    if (idx < 0 || X509_get_ext_by_OBJ(cert, oid, idx) >= 0)
        goto out;
    ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
    if (data == NULL)
        goto out;
    st = las_pck_ext_parse(data->data, (size_t)data->length, out);
out:
    ERR_clear_error();
    ASN1_OBJECT_free(oid);
    return st;
}
