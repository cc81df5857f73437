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
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
 * checks that the simulator uses these values).
 */
const struct las_dcap_anchor las_dcap_sim_anchor = {
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
                                                                &las_dcap_sim_anchor};
const struct las_dcap_trust las_dcap_default_trust = {default_anchors, 2};

#define SGX_EXT_OID "1.2.840.113741.1.13.1"

/* ---- PEM ---------------------------------------------------------------- */

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

static int is_b64(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
}

/* Consumes one line end ('\n' or "\r\n"); 0 when there is none. */
static int line_end(const uint8_t *buf, size_t len, size_t *p)
{
    if (*p < len && buf[*p] == '\n') {
        (*p)++;
        return 1;
    }
    if (*p + 1 < len && buf[*p] == '\r' && buf[*p + 1] == '\n') {
        *p += 2;
        return 1;
    }
    return 0;
}

static int match(const uint8_t *buf, size_t len, size_t p, const char *lit)
{
    size_t n = strlen(lit);
    return n <= len - p && memcmp(buf + p, lit, n) == 0;
}

/* Decodes canonical base64 (re-encoding must give the same text) into DER. */
LAS_MUST_CHECK static las_status b64_decode_canonical(const uint8_t *b64, size_t n, uint8_t *der,
                                                      size_t der_cap, size_t *der_len)
{
    size_t pad = 0;
    if (n == 0 || n % 4 != 0 || n / 4 * 3 > der_cap)
        return LAS_ERR_MALFORMED;
    while (pad < 2 && b64[n - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < n - pad; i++) {
        if (b64[i] == '=')
            return LAS_ERR_MALFORMED;
    }
    int got = EVP_DecodeBlock(der, b64, (int)n);
    if (got < 0 || (size_t)got != n / 4 * 3)
        return LAS_ERR_MALFORMED;
    *der_len = (size_t)got - pad;
    uint8_t *again = malloc(n + 1);
    if (again == NULL)
        return LAS_ERR_NO_MEMORY;
    int m = EVP_EncodeBlock(again, der, (int)*der_len);
    las_status st =
        (m >= 0 && (size_t)m == n && memcmp(again, b64, n) == 0) ? LAS_OK : LAS_ERR_MALFORMED;
    free(again);
    return st;
}

las_status las_pem_chain_parse(const uint8_t *buf, size_t len, struct las_x509_chain *out,
                               char *reason, size_t reason_size)
{
    enum { B64_MAX = (LAS_DCAP_CERT_MAX + 2) / 3 * 4 };
    uint8_t *b64 = NULL, *der = NULL;
    size_t p = 0;
    las_status st = LAS_OK;

    memset(out, 0, sizeof *out);
    b64 = malloc(B64_MAX);
    der = malloc(LAS_DCAP_CERT_MAX);
    if (b64 == NULL || der == NULL) {
        st = LAS_ERR_NO_MEMORY;
        goto out;
    }
    for (;;) {
        while (line_end(buf, len, &p))
            ;
        if (p == len || buf[p] == '\0')
            break;
        if (!match(buf, len, p, pem_begin)) {
            st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                          "unexpected byte 0x%02x at offset %zu of the PEM certificate chain",
                          buf[p], p);
            goto out;
        }
        p += strlen(pem_begin);
        if (!line_end(buf, len, &p)) {
            st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                          "PEM header is not on its own line");
            goto out;
        }
        size_t n = 0;
        for (;;) {
            if (p == len) {
                st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                              "PEM certificate has no END line");
                goto out;
            }
            if (line_end(buf, len, &p))
                continue;
            if (buf[p] == '-')
                break;
            if (!is_b64(buf[p])) {
                st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                              "invalid byte 0x%02x at offset %zu inside a PEM certificate", buf[p],
                              p);
                goto out;
            }
            if (n == B64_MAX) {
                st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                              "PEM certificate is larger than %d bytes", LAS_DCAP_CERT_MAX);
                goto out;
            }
            b64[n++] = buf[p++];
        }
        if (!match(buf, len, p, pem_end)) {
            st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                          "malformed PEM END line at offset %zu", p);
            goto out;
        }
        p += strlen(pem_end);
        if (p < len && buf[p] != '\0' && !line_end(buf, len, &p)) {
            st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                          "PEM END line is followed by 0x%02x", buf[p]);
            goto out;
        }
        size_t der_len = 0;
        if (b64_decode_canonical(b64, n, der, LAS_DCAP_CERT_MAX, &der_len) != LAS_OK) {
            st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                          "certificate %zu of the PEM chain is not canonical base64", out->n + 1);
            goto out;
        }
        if (out->n == LAS_DCAP_MAX_CHAIN) {
            st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                          "PEM chain has more than %d certificates", LAS_DCAP_MAX_CHAIN);
            goto out;
        }
        const unsigned char *dp = der;
        X509 *cert = d2i_X509(NULL, &dp, (long)der_len);
        if (cert == NULL || dp != der + der_len) {
            X509_free(cert);
            ERR_clear_error();
            st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                          "certificate %zu of the PEM chain is not valid DER X.509", out->n + 1);
            goto out;
        }
        out->certs[out->n++] = cert;
    }
    /* Only NUL padding (the QE's string terminator) may follow the chain. */
    for (; p < len; p++) {
        if (buf[p] != '\0') {
            st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                          "unexpected byte 0x%02x at offset %zu after the PEM chain", buf[p], p);
            goto out;
        }
    }
    if (out->n == 0)
        st = las_fail(LAS_ERR_MALFORMED, reason, reason_size, "no certificate in the PEM chain");
out:
    free(b64);
    free(der);
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

las_status las_x509_chain_verify(const struct las_x509_chain *c, int64_t at,
                                 const struct las_dcap_trust *trust, bool allow_simulation,
                                 const uint8_t *root_spki, size_t root_spki_len,
                                 const struct las_dcap_anchor **anchor, const char **check,
                                 char *reason, size_t reason_size)
{
    X509_STORE *store = NULL;
    X509_STORE_CTX *ctx = NULL;
    STACK_OF(X509) *untrusted = NULL;
    uint8_t *spki = NULL;
    size_t spki_len = 0;
    las_status st;

    *check = "pck_chain";
    if (c->n < 2) {
        st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                      "certificate chain has %zu certificate(s); leaf and root are needed", c->n);
        goto out;
    }
    X509 *root = c->certs[c->n - 1];
    EVP_PKEY *root_key = X509_get0_pubkey(root);
    if (root_key == NULL || X509_check_issued(root, root) != X509_V_OK ||
        X509_verify(root, root_key) != 1) {
        st = las_fail(LAS_ERR_SIGNATURE, reason, reason_size,
                      "the last certificate of the chain is not a self-signed root");
        goto out;
    }
    st = las_x509_spki(root, &spki, &spki_len);
    if (st != LAS_OK) {
        las_fail(st, reason, reason_size, "root public key cannot be encoded");
        goto out;
    }
    if (root_spki) {
        if (spki_len != root_spki_len || memcmp(spki, root_spki, root_spki_len) != 0) {
            st = las_fail(LAS_ERR_REFUSED, reason, reason_size,
                          "chain ends in a root CA other than the PCK chain's");
            goto out;
        }
    } else {
        const struct las_dcap_anchor *a = find_anchor(trust, root, spki, spki_len);
        if (a == NULL) {
            st = las_fail(LAS_ERR_REFUSED, reason, reason_size,
                          "the root CA's public key is not the pinned Intel SGX Root CA key");
            goto out;
        }
        if (a->simulated && !allow_simulation) {
            *check = "simulation";
            st = las_fail(LAS_ERR_SIMULATED, reason, reason_size,
                          "the PCK chain ends in the simulated root CA \"%s\": simulated SGX gives "
                          "no security (allow simulation to accept it)",
                          a->name);
            goto out;
        }
        *anchor = a;
    }

    store = X509_STORE_new();
    ctx = X509_STORE_CTX_new();
    untrusted = sk_X509_new_null();
    if (store == NULL || ctx == NULL || untrusted == NULL ||
        X509_STORE_add_cert(store, root) != 1) {
        st = las_fail(LAS_ERR_CRYPTO, reason, reason_size, "OpenSSL X509 store setup failed");
        goto out;
    }
    for (size_t i = 1; i + 1 < c->n; i++) {
        if (!sk_X509_push(untrusted, c->certs[i])) {
            st = las_fail(LAS_ERR_CRYPTO, reason, reason_size, "OpenSSL X509 stack failed");
            goto out;
        }
    }
    if (X509_STORE_CTX_init(ctx, store, c->certs[0], untrusted) != 1) {
        st = las_fail(LAS_ERR_CRYPTO, reason, reason_size, "OpenSSL X509 context setup failed");
        goto out;
    }
    X509_STORE_CTX_set_time(ctx, 0, (time_t)at);
    if (X509_verify_cert(ctx) != 1) {
        int err = X509_STORE_CTX_get_error(ctx);
        char when[LAS_RFC3339_SIZE];
        las_rfc3339_format(at, when);
        st =
            las_fail(err == X509_V_ERR_CERT_NOT_YET_VALID || err == X509_V_ERR_CERT_HAS_EXPIRED
                         ? LAS_ERR_REFUSED
                         : LAS_ERR_SIGNATURE,
                     reason, reason_size, "certificate at depth %d: %s (at %s)",
                     X509_STORE_CTX_get_error_depth(ctx), X509_verify_cert_error_string(err), when);
        goto out;
    }
    /* Every certificate given must be on the verified path, in order. */
    STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
    if (path == NULL || (size_t)sk_X509_num(path) != c->n) {
        st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                      "the chain contains certificates that are not on the path to the root");
        goto out;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (X509_cmp(sk_X509_value(path, (int)i), c->certs[i]) != 0) {
            st = las_fail(LAS_ERR_MALFORMED, reason, reason_size,
                          "the chain's certificates are not in leaf-to-root order");
            goto out;
        }
    }
    *check = NULL;
    st = LAS_OK;
out:
    if (st != LAS_OK && root_spki == NULL)
        *anchor = NULL;
    ERR_clear_error();
    OPENSSL_free(spki);
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
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

las_status las_asn1_time_to_epoch(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    *out = 0;
    memset(&tm, 0, sizeof tm);
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return LAS_ERR_MALFORMED;
    *out = las_epoch_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                tm.tm_min, tm.tm_sec);
    return LAS_OK;
}
