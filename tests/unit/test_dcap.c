/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DCAP quote verification. Part 1 needs no shared data: it builds v3 and v4
 * quotes with fresh P-256 keys under a simulated PKI (root CN
 * LAS_SIM_ROOT_CA_CN), signed collateral and CRLs, and checks that every
 * check accepts the genuine input and refuses its tampered variant. Part 2
 * runs on Intel's real quote in ../shared/testdata/dcap (exit 77 without it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/crypto.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/rfc3339.h"
#include "dcap/collateral.h"
#include "dcap/dcap_quote.h"
#include "dcap/dcap_verify.h"
#include "dcap/pck.h"
#include "dcap/root_pin.h"
#include "sim/sim_qe.h"
#include "las/dcap.h"
#include "sim/sim_cpu.h"
#include "test_helpers.h"

/* The simulated QE's anchor: the second one las_dcap_verify trusts. */
#define SIM_ANCHOR (*las_dcap_default_trust.anchors[1])

/* las_dcap_verify under the anchors of trust (a test root standing in for Intel's). */
static las_status verify_trusted(const uint8_t *quote, size_t len,
                                 const struct las_dcap_verify_options *opt,
                                 const struct las_dcap_trust *trust, struct las_dcap_result *result)
{
    return las_dcap_verify_anchored(quote, len, opt, trust, false, result);
}

/* 2025-07-01T00:00:00Z: inside the real collateral's window (docs/dcap.md). */
#define T_REAL 1751328000
/* Time of the synthetic PKI. */
#define T0  1751328000
#define DAY 86400

/* ---- small builders -------------------------------------------------------- */

struct bytes {
    uint8_t *p;
    size_t n;
};

static void put(struct bytes *b, const void *d, size_t n)
{
    b->p = realloc(b->p, b->n + n + 1);
    assert_non_null(b->p);
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put_u16(struct bytes *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, x, 2);
}

static void put_u32(struct bytes *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

/* DER TLV with a short or two-byte length (enough for the SGX extension). */
static void tlv(struct bytes *out, uint8_t tag, const struct bytes *content)
{
    uint8_t h[4] = {tag};
    size_t hn;
    if (content->n < 128) {
        h[1] = (uint8_t)content->n;
        hn = 2;
    } else if (content->n < 256) {
        h[1] = 0x81;
        h[2] = (uint8_t)content->n;
        hn = 3;
    } else {
        h[1] = 0x82;
        h[2] = (uint8_t)(content->n >> 8);
        h[3] = (uint8_t)content->n;
        hn = 4;
    }
    put(out, h, hn);
    put(out, content->p, content->n);
}

/* OID 1.2.840.113741.1.13.1[.a[.b]] */
static void sgx_oid(struct bytes *out, int a, int b)
{
    static const uint8_t base[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};
    struct bytes c = {0};
    put(&c, base, sizeof base);
    if (a) {
        uint8_t x = (uint8_t)a;
        put(&c, &x, 1);
    }
    if (b) {
        uint8_t x = (uint8_t)b;
        put(&c, &x, 1);
    }
    tlv(out, 0x06, &c);
    free(c.p);
}

static void pair(struct bytes *out, int a, int b, uint8_t tag, const void *val, size_t n)
{
    struct bytes c = {0}, v = {(uint8_t *)val, n};
    sgx_oid(&c, a, b);
    tlv(&c, tag, &v);
    tlv(out, 0x30, &c);
    free(c.p);
}

/* Minimal DER INTEGER content of v (< 65536); returns its length. */
static size_t der_uint(uint16_t v, uint8_t out[3])
{
    uint8_t full[3] = {0, (uint8_t)(v >> 8), (uint8_t)v};
    size_t skip = 0;
    while (skip < 2 && full[skip] == 0 && !(full[skip + 1] & 0x80))
        skip++;
    memcpy(out, full + skip, 3 - skip);
    return 3 - skip;
}

/* The SGX extension value for a PCK leaf with these SVNs. */
static struct bytes sgx_extension(const uint8_t comp[16], uint16_t pcesvn, const uint8_t fmspc[6],
                                  const uint8_t pceid[2])
{
    struct bytes seq = {0}, tcb = {0}, tcbseq = {0}, out = {0}, c = {0};
    uint8_t ppid[16] = {1, 2, 3}, cpusvn[16] = {0}, type = 0;
    uint8_t v[3];
    for (int i = 0; i < 16; i++)
        pair(&tcb, 2, i + 1, 0x02, v, der_uint(comp[i], v));
    pair(&tcb, 2, 17, 0x02, v, der_uint(pcesvn, v));
    pair(&tcb, 2, 18, 0x04, cpusvn, 16);
    tlv(&tcbseq, 0x30, &tcb);
    pair(&seq, 1, 0, 0x04, ppid, 16);
    sgx_oid(&c, 2, 0);
    put(&c, tcbseq.p, tcbseq.n);
    tlv(&seq, 0x30, &c);
    pair(&seq, 3, 0, 0x04, pceid, 2);
    pair(&seq, 4, 0, 0x04, fmspc, 6);
    pair(&seq, 5, 0, 0x0a, &type, 1);
    tlv(&out, 0x30, &seq);
    free(seq.p);
    free(tcb.p);
    free(tcbseq.p);
    free(c.p);
    return out;
}

static EVP_PKEY *new_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    return k;
}

/* key_usage NULL: keyCertSign and cRLSign for a CA, none for a leaf. */
static X509 *make_cert_ku(EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer, const char *cn, int ca,
                          const struct bytes *sgx_ext, long serial, int64_t nb, int64_t na,
                          const char *key_usage)
{
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509V3_CTX v3;
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"LAS test", -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na);
    X509_set_pubkey(x, key);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                                            ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    if (ca && key_usage == NULL)
        key_usage = "critical,keyCertSign,cRLSign";
    if (key_usage) {
        e = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, key_usage);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (sgx_ext) {
        ASN1_OBJECT *oid = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(os, sgx_ext->p, (int)sgx_ext->n);
        e = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
        ASN1_OCTET_STRING_free(os);
        ASN1_OBJECT_free(oid);
    }
    assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
    X509_NAME_free(n);
    return x;
}

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer, const char *cn, int ca,
                       const struct bytes *sgx_ext, long serial, int64_t nb, int64_t na)
{
    return make_cert_ku(key, issuer_key, issuer, cn, ca, sgx_ext, serial, nb, na, NULL);
}

static void sign_raw(EVP_PKEY *key, const void *msg, size_t n, uint8_t sig[64])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char der[80];
    size_t der_len = sizeof der;
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestSign(md, der, &der_len, msg, n), 1);
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    assert_non_null(es);
    BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(md);
}

/* (r, s) -> (r, n - s): the other signature of the same message and key. */
static void maul(uint8_t sig[64])
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL), *ns = BN_new();
    assert_non_null(g);
    assert_true(s && ns && BN_sub(ns, EC_GROUP_get0_order(g), s));
    assert_int_equal(BN_bn2binpad(ns, sig + 32, 32), 32);
    BN_free(s);
    BN_free(ns);
    EC_GROUP_free(g);
}

static void raw_pub(EVP_PKEY *key, uint8_t xy[64])
{
    uint8_t pt[65];
    size_t n = 0;
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n), 1);
    assert_int_equal(n, 65);
    memcpy(xy, pt + 1, 64);
}

static void put_pem(struct bytes *b, X509 *x)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    PEM_write_bio_X509(bio, x);
    long n = BIO_get_mem_data(bio, &data);
    put(b, data, (size_t)n);
    BIO_free(bio);
}

static char *pem_chain(X509 *a, X509 *b)
{
    struct bytes s = {0};
    put_pem(&s, a);
    if (b)
        put_pem(&s, b);
    s.p[s.n] = '\0';
    return (char *)s.p;
}

/* ---- the synthetic platform ------------------------------------------------- */

/*
 * One root CA and what it issues: the PCK CA, the TCB signing certificate.
 * Two of them: a simulated hierarchy (root CN LAS_SIM_ROOT_CA_CN, trusted
 * with allow_simulation) and a hardware-like one whose root stands in for
 * Intel's: it is trusted as a non-simulated anchor with Intel's QE identity
 * and TCB signer subject, so that forgeries are tested on the hardware path
 * without Intel's private keys.
 */
struct hierarchy {
    EVP_PKEY *root_key, *ca_key, *pck_key, *tcb_key;
    X509 *root, *ca, *tcb_signer;
    const struct las_dcap_anchor *anchor; /* the identities expected under it */
};

struct pki {
    struct hierarchy sim, hw;
    EVP_PKEY *att_key, *other_root_key;
    X509 *other_root, *other_tcb_signer;
    uint8_t *hw_spki;
    size_t hw_spki_len;
    struct las_dcap_anchor hw_anchor;
    const struct las_dcap_anchor *anchors[3];
    struct las_dcap_trust trust; /* hw_anchor, then las_dcap_default_trust's */
};

static struct pki P;

struct qopts {
    uint16_t version;
    uint8_t comp_svn;   /* every PCK TCB component */
    uint16_t pcesvn;    /* PCK PCESVN */
    uint16_t qe_isvsvn; /* QE report ISVSVN */
    size_t auth_len;
    int bad_binding;
    int foreign_root;            /* chain to a root whose CN is not the simulated one ... */
    const char *foreign_root_cn; /* ... but this one (default "Some Other Root CA") */
    uint8_t fmspc[6];
    long pck_serial;
    int hw;                  /* under the hardware-like hierarchy */
    uint8_t qe_mrsigner[32]; /* QE report identity (default: the hierarchy's QE) */
    uint16_t qe_isvprodid;
    int qe_debug;
};

static struct qopts default_qopts(uint16_t version)
{
    struct qopts o = {.version = version,
                      .comp_svn = 5,
                      .pcesvn = 10,
                      .qe_isvsvn = 8,
                      .auth_len = 32,
                      .fmspc = {0x00, 0x90, 0x6e, 0xa1, 0x00, 0x00},
                      .pck_serial = 77,
                      .qe_isvprodid = SIM_ANCHOR.qe_isvprodid};
    memcpy(o.qe_mrsigner, SIM_ANCHOR.qe_mrsigner, 32);
    return o;
}

/* A quote whose chain ends in the root that stands in for Intel's, from Intel's QE. */
static struct qopts hw_qopts(uint16_t version)
{
    struct qopts o = default_qopts(version);
    o.hw = 1;
    o.qe_isvprodid = las_dcap_intel_anchor.qe_isvprodid;
    memcpy(o.qe_mrsigner, las_dcap_intel_anchor.qe_mrsigner, 32);
    return o;
}

/* An MRSIGNER that is neither Intel's QE's nor the simulated QE's: a QE of one's own. */
static const uint8_t ROGUE_MRSIGNER[32] = {0x0b, 0xad, 0x51, 0x90};

static const uint8_t PCEID[2] = {0, 0};

/* Region offsets of the built quote, for the tampering tests. */
struct layout {
    size_t header, body, sig, att_key, qe_report, qe_sig, auth, chain, end;
};

static struct bytes build_quote(const struct qopts *o, struct layout *lay)
{
    struct bytes q = {0}, sd = {0}, qe = {0};
    uint8_t comp[16], att[64], sig[64], auth[256], hashed[64 + 256], qe_raw[384];
    struct las_sgx_report_body body, qeb;
    const struct hierarchy *h = o->hw ? &P.hw : &P.sim;
    X509 *root = h->root, *ca = h->ca;
    EVP_PKEY *root_key = h->root_key;

    memset(comp, o->comp_svn, sizeof comp);
    if (o->foreign_root) {
        root_key = P.other_root_key;
        root = make_cert(root_key, root_key, NULL,
                         o->foreign_root_cn ? o->foreign_root_cn : "Some Other Root CA", 1, NULL, 1,
                         T0 - DAY, T0 + 365 * DAY);
        ca = make_cert(h->ca_key, root_key, root, "LAS Test PCK CA", 1, NULL, 2, T0 - DAY,
                       T0 + 365 * DAY);
    }
    struct bytes ext = sgx_extension(comp, o->pcesvn, o->fmspc, PCEID);
    X509 *leaf = make_cert(h->pck_key, h->ca_key, ca, "LAS Test PCK Certificate", 0, &ext,
                           o->pck_serial, T0 - DAY, T0 + 365 * DAY);
    free(ext.p);

    /* Header */
    put_u16(&q, o->version);
    put_u16(&q, 2);
    put_u32(&q, 0);
    put_u16(&q, o->qe_isvsvn);
    put_u16(&q, o->pcesvn);
    put(&q, las_dcap_intel_qe_vendor_id, 16);
    uint8_t user[20] = {0xaa};
    put(&q, user, 20);
    /* Application enclave body */
    memset(&body, 0, sizeof body);
    memset(body.mrenclave, 0x11, 32);
    memset(body.mrsigner, 0x22, 32);
    body.isvprodid = 7;
    body.isvsvn = 3;
    body.attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
    body.attributes.xfrm = 3;
    memcpy(body.report_data, "synthetic", 9);
    uint8_t body_raw[384];
    las_sgx_report_body_serialize(&body, body_raw);
    put(&q, body_raw, 384);
    sign_raw(P.att_key, q.p, 432, sig);
    raw_pub(P.att_key, att);

    /* QE report binding the attestation key and auth data */
    for (size_t i = 0; i < o->auth_len; i++)
        auth[i] = (uint8_t)i;
    memcpy(hashed, att, 64);
    memcpy(hashed + 64, auth, o->auth_len);
    memset(&qeb, 0, sizeof qeb);
    memcpy(qeb.mrsigner, o->qe_mrsigner, 32);
    memset(qeb.mrenclave, 0x33, 32);
    qeb.isvprodid = o->qe_isvprodid;
    qeb.isvsvn = o->qe_isvsvn;
    qeb.attributes.flags = 0x11 | (o->qe_debug ? LAS_SGX_FLAGS_DEBUG : 0);
    qeb.attributes.xfrm = 0xe7;
    assert_int_equal(las_sha256(hashed, 64 + o->auth_len, qeb.report_data), LAS_OK);
    if (o->bad_binding)
        qeb.report_data[40] = 1;
    las_sgx_report_body_serialize(&qeb, qe_raw);
    uint8_t qe_sig[64];
    sign_raw(h->pck_key, qe_raw, 384, qe_sig);

    struct bytes chain = {0};
    put_pem(&chain, leaf);
    put_pem(&chain, ca);
    put_pem(&chain, root);
    uint8_t nul = 0;
    put(&chain, &nul, 1);

    size_t base = 436; /* header + body + signature data length */
    put(&sd, sig, 64);
    put(&sd, att, 64);
    size_t qe_off = base + 128 + (o->version == 4 ? 6 : 0);
    put(&qe, qe_raw, 384);
    put(&qe, qe_sig, 64);
    put_u16(&qe, (uint16_t)o->auth_len);
    put(&qe, auth, o->auth_len);
    put_u16(&qe, 5);
    put_u32(&qe, (uint32_t)chain.n);
    put(&qe, chain.p, chain.n);
    if (o->version == 4) {
        put_u16(&sd, 6);
        put_u32(&sd, (uint32_t)qe.n);
    }
    put(&sd, qe.p, qe.n);
    put_u32(&q, (uint32_t)sd.n);
    put(&q, sd.p, sd.n);
    if (lay) {
        lay->header = 0;
        lay->body = 48;
        lay->sig = base;
        lay->att_key = base + 64;
        lay->qe_report = qe_off;
        lay->qe_sig = qe_off + 384;
        lay->auth = qe_off + 384 + 64 + 2;
        lay->chain = lay->auth + o->auth_len + 6;
        lay->end = q.n;
    }
    free(sd.p);
    free(qe.p);
    free(chain.p);
    X509_free(leaf);
    if (o->foreign_root) {
        X509_free(root);
        X509_free(ca);
    }
    return q;
}

/* ---- synthetic collateral ---------------------------------------------------- */

struct copts {
    uint8_t fmspc[6];
    const char *pceid;
    int64_t issue, next;
    int tamper_tcb_info;
    int tamper_qe_identity;
    int hw;                  /* signed under the hardware-like hierarchy */
    uint8_t qe_mrsigner[32]; /* QE identity's MRSIGNER (default: the hierarchy's QE) */
    int tcb_signer;          /* who signs the TCB info (enum signer) */
    int maul_signatures;     /* both signatures as (r, n - s) */
    int qe_signer;           /* who signs the QE identity */
    int revoke_pck;
    int64_t crl_next;
    int foreign_signer; /* TCB info signed under another root */
    int pcs_wrapped;    /* tcb_info as Intel PCS's {"tcbInfo":..,"signature":..} body */
    int swap_signatures;
    int qe_isvprodid;      /* QE identity's ISVPRODID (default 1, as the QE report) */
    const char *qe_attrs;  /* QE identity's attributes */
    const char *qe_misc;   /* QE identity's miscselect */
    int64_t qe_next;       /* QE identity's nextUpdate */
    int tcb_v2;            /* TCB info version 2 layout (sgxtcbcompNNsvn, no id) */
    long root_revoked;     /* serial on the root CA CRL (2: PCK CA, 3: TCB signer) */
    int64_t root_crl_next; /* the root CA CRL's nextUpdate when not crl_next; -1: none */
    int pck_crl_bad_key;   /* the PCK CRL signed by another key ... */
    int pck_crl_by_root;   /* ... or issued (and signed) by the root instead of the PCK CA */
};

static struct copts default_copts(void)
{
    struct copts c = {.fmspc = {0x00, 0x90, 0x6e, 0xa1, 0x00, 0x00},
                      .pceid = "0000",
                      .issue = T0 - DAY,
                      .next = T0 + 30 * DAY,
                      .crl_next = T0 + 30 * DAY,
                      .qe_isvprodid = 1,
                      .qe_attrs = "11000000000000000000000000000000",
                      .qe_misc = "00000000",
                      .qe_next = T0 + 30 * DAY};
    memcpy(c.qe_mrsigner, SIM_ANCHOR.qe_mrsigner, 32);
    return c;
}

static struct copts hw_copts(void)
{
    struct copts c = default_copts();
    c.hw = 1;
    memcpy(c.qe_mrsigner, las_dcap_intel_anchor.qe_mrsigner, 32);
    return c;
}

/* Certificates that may try to sign TCB info or a QE identity. */
enum signer {
    SIGNER_TCB = 0,    /* the hierarchy's TCB signing certificate: the only right one */
    SIGNER_PCK,        /* a PCK certificate (leaf) */
    SIGNER_CA,         /* the PCK CA (intermediate) */
    SIGNER_CA_ISSUED,  /* the TCB signer's subject, but issued by the PCK CA */
    SIGNER_WRONG_CN,   /* issued by the root, not a CA, another subject */
    SIGNER_NO_SIGNING, /* the right subject, but key usage keyCertSign only */
};

__attribute__((noinline)) static char *tcb_info_json(const struct copts *c)
{
    char fm[13], a[LAS_RFC3339_SIZE], b[LAS_RFC3339_SIZE], *s = NULL;
    /* Levels: all SVNs >= 5/pcesvn 10 UpToDate; >= 3 ConfigurationNeeded; >= 1 OutOfDate. */
    char lv[3][1024];
    const struct {
        int svn, pcesvn;
        const char *status, *adv;
    } L[3] = {{5, 10, "UpToDate", ""},
              {3, 9, "ConfigurationNeeded", ",\"advisoryIDs\":[\"INTEL-SA-TEST1\"]"},
              {1, 5, "OutOfDate", ",\"advisoryIDs\":[\"INTEL-SA-TEST1\",\"INTEL-SA-TEST2\"]"}};
    for (int i = 0; i < 3; i++) {
        char comps[640] = "";
        for (int k = 0; k < 16; k++) {
            char one[40];
            if (c->tcb_v2)
                snprintf(one, sizeof one, "\"sgxtcbcomp%02dsvn\":%d,", k + 1, L[i].svn);
            else
                snprintf(one, sizeof one, "%s{\"svn\":%d}", k ? "," : "", L[i].svn);
            strcat(comps, one);
        }
        if (c->tcb_v2)
            snprintf(lv[i], sizeof lv[i],
                     "{\"tcb\":{%s\"pcesvn\":%d},\"tcbDate\":\"2025-01-01T00:00:00Z\","
                     "\"tcbStatus\":\"%s\"%s}",
                     comps, L[i].pcesvn, L[i].status, L[i].adv);
        else
            snprintf(lv[i], sizeof lv[i],
                     "{\"tcb\":{\"sgxtcbcomponents\":[%s],\"pcesvn\":%d},\"tcbDate\":"
                     "\"2025-01-01T00:00:00Z\",\"tcbStatus\":\"%s\"%s}",
                     comps, L[i].pcesvn, L[i].status, L[i].adv);
    }
    las_hex_encode(c->fmspc, 6, fm, 1);
    las_rfc3339_format(c->issue, a);
    las_rfc3339_format(c->next, b);
    if (c->tcb_v2) {
        assert_true(asprintf(&s,
                             "{\"version\":2,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
                             "\"fmspc\":\"%s\",\"pceId\":\"%s\",\"tcbType\":0,"
                             "\"tcbEvaluationDataNumber\":1,\"tcbLevels\":[%s,%s,%s]}",
                             a, b, fm, c->pceid, lv[0], lv[1], lv[2]) > 0);
        return s;
    }
    assert_true(asprintf(&s,
                         "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"%s\",\"nextUpdate\":"
                         "\"%s\",\"fmspc\":\"%s\",\"pceId\":\"%s\",\"tcbType\":0,"
                         "\"tcbEvaluationDataNumber\":1,\"tcbLevels\":[%s,%s,%s]}",
                         a, b, fm, c->pceid, lv[0], lv[1], lv[2]) > 0);
    return s;
}

__attribute__((noinline)) static char *qe_identity_json(const struct copts *c)
{
    char a[LAS_RFC3339_SIZE], b[LAS_RFC3339_SIZE], mrs[65], *s = NULL;
    las_hex_encode(c->qe_mrsigner, 32, mrs, 1);
    las_rfc3339_format(c->issue, a);
    las_rfc3339_format(c->qe_next, b);
    assert_true(
        asprintf(&s,
                 "{\"id\":\"QE\",\"version\":2,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
                 "\"tcbEvaluationDataNumber\":1,\"miscselect\":\"%s\",\"miscselectMask\":"
                 "\"FFFFFFFF\",\"attributes\":\"%s\","
                 "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"%s\","
                 "\"isvprodid\":%d,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":8},\"tcbDate\":"
                 "\"2025-01-01T00:00:00Z\",\"tcbStatus\":\"UpToDate\"},{\"tcb\":{\"isvsvn\":4},"
                 "\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":\"OutOfDate\","
                 "\"advisoryIDs\":[\"INTEL-SA-QE1\"]}]}",
                 a, b, c->qe_misc, c->qe_attrs, mrs, c->qe_isvprodid) > 0);
    return s;
}

static char *crl_hex(X509 *issuer, EVP_PKEY *key, long revoked_serial, int64_t next)
{
    X509_CRL *crl = X509_CRL_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
    ASN1_TIME *t = ASN1_TIME_new();
    ASN1_TIME_set(t, (time_t)(T0 - DAY));
    X509_CRL_set1_lastUpdate(crl, t);
    ASN1_TIME_set(t, (time_t)next);
    if (next >= 0)
        X509_CRL_set1_nextUpdate(crl, t);
    if (revoked_serial) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *sn = ASN1_INTEGER_new();
        ASN1_INTEGER_set(sn, revoked_serial);
        X509_REVOKED_set_serialNumber(r, sn);
        ASN1_TIME_set(t, (time_t)(T0 - DAY));
        X509_REVOKED_set_revocationDate(r, t);
        X509_CRL_add0_revoked(crl, r);
        ASN1_INTEGER_free(sn);
    }
    ASN1_TIME_free(t);
    assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(crl, &der);
    assert_true(n > 0);
    char *hex = malloc(2 * (size_t)n + 1);
    las_hex_encode(der, (size_t)n, hex, 0);
    OPENSSL_free(der);
    X509_CRL_free(crl);
    return hex;
}

/*
 * Signs msg as `who` of hierarchy h and returns the PEM issuer chain that
 * comes with the signature (signer first, root last).
 */
static char *sign_as(const struct hierarchy *h, enum signer who, const char *msg, uint8_t sig[64])
{
    static const uint8_t comp[16] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    static const uint8_t fmspc[6] = {0x00, 0x90, 0x6e, 0xa1, 0x00, 0x00};
    const char *cn = h->anchor->tcb_signing_cn;
    X509 *x = NULL;
    char *chain = NULL;
    switch (who) {
    case SIGNER_TCB:
        sign_raw(h->tcb_key, msg, strlen(msg), sig);
        return pem_chain(h->tcb_signer, h->root);
    case SIGNER_PCK: {
        struct bytes ext = sgx_extension(comp, 10, fmspc, PCEID);
        x = make_cert(h->pck_key, h->ca_key, h->ca, "LAS Test PCK Certificate", 0, &ext, 78,
                      T0 - DAY, T0 + 365 * DAY);
        free(ext.p);
        sign_raw(h->pck_key, msg, strlen(msg), sig);
        struct bytes s = {0};
        put_pem(&s, x);
        put_pem(&s, h->ca);
        put_pem(&s, h->root);
        s.p[s.n] = '\0';
        chain = (char *)s.p;
        break;
    }
    case SIGNER_CA:
        sign_raw(h->ca_key, msg, strlen(msg), sig);
        return pem_chain(h->ca, h->root);
    case SIGNER_CA_ISSUED: {
        x = make_cert(h->tcb_key, h->ca_key, h->ca, cn, 0, NULL, 79, T0 - DAY, T0 + 365 * DAY);
        sign_raw(h->tcb_key, msg, strlen(msg), sig);
        struct bytes s = {0};
        put_pem(&s, x);
        put_pem(&s, h->ca);
        put_pem(&s, h->root);
        s.p[s.n] = '\0';
        chain = (char *)s.p;
        break;
    }
    case SIGNER_WRONG_CN:
        x = make_cert(h->tcb_key, h->root_key, h->root, "LAS Test Some Other Signer", 0, NULL, 80,
                      T0 - DAY, T0 + 365 * DAY);
        sign_raw(h->tcb_key, msg, strlen(msg), sig);
        chain = pem_chain(x, h->root);
        break;
    case SIGNER_NO_SIGNING:
        x = make_cert_ku(h->tcb_key, h->root_key, h->root, cn, 0, NULL, 81, T0 - DAY,
                         T0 + 365 * DAY, "critical,keyAgreement");
        sign_raw(h->tcb_key, msg, strlen(msg), sig);
        chain = pem_chain(x, h->root);
        break;
    }
    X509_free(x);
    return chain;
}

static struct bytes build_collateral(const struct copts *c)
{
    const struct hierarchy *h = c->hw ? &P.hw : &P.sim;
    char *tcb = tcb_info_json(c), *qe = qe_identity_json(c);
    uint8_t tsig[64], qsig[64];
    char tsig_hex[129], qsig_hex[129], *tchain;

    if (c->foreign_signer) {
        sign_raw(P.other_root_key, tcb, strlen(tcb), tsig);
        tchain = pem_chain(P.other_tcb_signer, P.other_root);
    } else {
        tchain = sign_as(h, (enum signer)c->tcb_signer, tcb, tsig);
    }
    char *qchain = sign_as(h, (enum signer)c->qe_signer, qe, qsig);
    if (c->maul_signatures) {
        maul(tsig);
        maul(qsig);
    }
    char *edit;
    if (c->tamper_tcb_info && (edit = strstr(tcb, "\"tcbEvaluationDataNumber\":1")) != NULL)
        edit[26] = '2';
    if (c->tamper_qe_identity && (edit = strstr(qe, "\"isvprodid\":1")) != NULL)
        edit[12] = '2';
    las_hex_encode(c->swap_signatures ? qsig : tsig, 64, tsig_hex, 0);
    las_hex_encode(qsig, 64, qsig_hex, 0);

    char *pchain = pem_chain(h->ca, h->root);
    char *root_crl = crl_hex(h->root, h->root_key, c->root_revoked,
                             c->root_crl_next ? c->root_crl_next : c->crl_next);
    char *pck_crl = crl_hex(c->pck_crl_by_root ? h->root : h->ca,
                            c->pck_crl_by_root   ? h->root_key
                            : c->pck_crl_bad_key ? h->tcb_key
                                                 : h->ca_key,
                            c->revoke_pck ? 77 : 0, c->crl_next);
    json_t *o = json_object();
    json_object_set_new(o, "pck_crl_issuer_chain", json_string(pchain));
    json_object_set_new(o, "root_ca_crl", json_string(root_crl));
    json_object_set_new(o, "pck_crl", json_string(pck_crl));
    json_object_set_new(o, "tcb_info_issuer_chain", json_string(tchain));
    if (c->pcs_wrapped) {
        char *w = NULL;
        if (c->pcs_wrapped == 2) /* the signature first, and white space everywhere */
            assert_true(asprintf(&w, "\n{\t\"signature\" :\r\n \"%s\" ,\n  \"tcbInfo\"\t:  %s\n}\n",
                                 tsig_hex, tcb) > 0);
        else
            assert_true(asprintf(&w, "{\"tcbInfo\": %s, \"signature\": \"%s\"}", tcb, tsig_hex) >
                        0);
        json_object_set_new(o, "tcb_info", json_string(w));
        free(w);
    } else {
        json_object_set_new(o, "tcb_info", json_string(tcb));
        json_object_set_new(o, "tcb_info_signature", json_string(tsig_hex));
    }
    json_object_set_new(o, "qe_identity_issuer_chain", json_string(qchain));
    json_object_set_new(o, "qe_identity", json_string(qe));
    json_object_set_new(o, "qe_identity_signature", json_string(qsig_hex));
    char *text = json_dumps(o, JSON_COMPACT);
    struct bytes out = {(uint8_t *)text, strlen(text)};
    json_decref(o);
    free(tcb);
    free(qe);
    free(tchain);
    free(qchain);
    free(pchain);
    free(root_crl);
    free(pck_crl);
    return out;
}

static void hierarchy_make(struct hierarchy *h, const char *root_cn,
                           const struct las_dcap_anchor *anchor)
{
    h->root_key = new_key();
    h->ca_key = new_key();
    h->pck_key = new_key();
    h->tcb_key = new_key();
    h->anchor = anchor;
    h->root =
        make_cert(h->root_key, h->root_key, NULL, root_cn, 1, NULL, 1, T0 - DAY, T0 + 3650 * DAY);
    h->ca = make_cert(h->ca_key, h->root_key, h->root, "LAS Test PCK CA", 1, NULL, 2, T0 - DAY,
                      T0 + 3650 * DAY);
    /* Key usage as in Intel's TCB Signing certificate. */
    h->tcb_signer =
        make_cert_ku(h->tcb_key, h->root_key, h->root, anchor->tcb_signing_cn, 0, NULL, 3, T0 - DAY,
                     T0 + 3650 * DAY, "critical,digitalSignature,nonRepudiation");
}

static void hierarchy_free(struct hierarchy *h)
{
    EVP_PKEY *keys[] = {h->root_key, h->ca_key, h->pck_key, h->tcb_key};
    X509 *certs[] = {h->root, h->ca, h->tcb_signer};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        EVP_PKEY_free(keys[i]);
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++)
        X509_free(certs[i]);
}

/* The simulated roots the tests trust (P.sim's, and the simulated QE's when added). */
static uint8_t sim_pins[4][LAS_DCAP_ROOT_PIN_SIZE];
static size_t n_sim_pins;

static int pki_setup(void **state)
{
    (void)state;
    if (las_crypto_init() != LAS_OK)
        return -1;
    hierarchy_make(&P.sim, LAS_SIM_ROOT_CA_CN, &SIM_ANCHOR);
    /* Intel's anchor with the test root's key in place of Intel's. */
    P.hw_anchor = las_dcap_intel_anchor;
    P.hw_anchor.name = "the test root standing in for Intel's";
    hierarchy_make(&P.hw, "LAS Test Root CA (stands in for Intel's)", &P.hw_anchor);
    if (las_x509_spki(P.hw.root, &P.hw_spki, &P.hw_spki_len) != LAS_OK)
        return -1;
    P.hw_anchor.root_spki = P.hw_spki;
    P.hw_anchor.root_spki_len = P.hw_spki_len;
    P.anchors[0] = &P.hw_anchor;
    P.anchors[1] = &las_dcap_intel_anchor;
    P.anchors[2] = &SIM_ANCHOR;
    P.trust.anchors = P.anchors;
    P.trust.n = 3;
    P.att_key = new_key();
    P.other_root_key = new_key();
    /* A second simulated root: same CN, different key. */
    P.other_root = make_cert(P.other_root_key, P.other_root_key, NULL, LAS_SIM_ROOT_CA_CN, 1, NULL,
                             1, T0 - DAY, T0 + 3650 * DAY);
    P.other_tcb_signer = make_cert(P.other_root_key, P.other_root_key, P.other_root,
                                   LAS_SIM_TCB_SIGNING_CN, 0, NULL, 3, T0 - DAY, T0 + 3650 * DAY);
    if (las_dcap_root_pin(P.sim.root, sim_pins[0]) != LAS_OK)
        return -1;
    n_sim_pins = 1;
    return 0;
}

static int pki_teardown(void **state)
{
    (void)state;
    hierarchy_free(&P.sim);
    hierarchy_free(&P.hw);
    EVP_PKEY_free(P.att_key);
    EVP_PKEY_free(P.other_root_key);
    X509_free(P.other_root);
    X509_free(P.other_tcb_signer);
    OPENSSL_free(P.hw_spki);
    return 0;
}

static las_status run_with(const struct bytes *q, const struct bytes *col, bool sim, int64_t at,
                           bool allow_unknown_tcb, struct las_dcap_result *r)
{
    struct las_dcap_verify_options o = {
        .at = at,
        .allow_simulation = sim,
        .sim_roots = (const uint8_t(*)[LAS_DCAP_ROOT_PIN_SIZE])sim_pins,
        .n_sim_roots = n_sim_pins,
        .allow_unknown_tcb = allow_unknown_tcb,
    };
    if (col) {
        o.collateral = col->p;
        o.collateral_len = col->n;
    }
    return verify_trusted(q->p, q->n, &o, &P.trust, r);
}

/* Verifies q under the test trust (the hardware-like root and the default anchors). */
static las_status run(const struct bytes *q, const struct bytes *col, bool sim, int64_t at,
                      struct las_dcap_result *r)
{
    return run_with(q, col, sim, at, false, r);
}

static void expect_refused(const struct bytes *q, const struct bytes *col, bool sim, int64_t at,
                           const char *check)
{
    struct las_dcap_result r;
    las_status st = run(q, col, sim, at, &r);
    if (st == LAS_OK || r.check == NULL || strcmp(r.check, check) != 0)
        fail_msg("expected refusal by '%s', got status %d check '%s' (%s)", check, st,
                 r.check ? r.check : "(none)", r.reason);
    assert_true(strlen(r.reason) > 0);
}

/* As expect_refused, and the reason names what refused it (not merely the check). */
static void expect_refused_because(const struct bytes *q, const struct bytes *col, bool sim,
                                   int64_t at, const char *check, const char *because)
{
    struct las_dcap_result r;
    las_status st = run(q, col, sim, at, &r);
    if (st == LAS_OK || r.check == NULL || strcmp(r.check, check) != 0 ||
        strstr(r.reason, because) == NULL)
        fail_msg("expected refusal by '%s' for '%s', got status %d check '%s' (%s)", check, because,
                 st, r.check ? r.check : "(none)", r.reason);
}

/* ---- synthetic tests ---------------------------------------------------------- */

static void sim_quote_needs_allow_simulation(uint16_t version)
{
    struct qopts o = default_qopts(version);
    struct bytes q = build_quote(&o, NULL);
    struct las_dcap_result r;

    assert_int_equal(run(&q, NULL, true, T0, &r), LAS_OK);
    assert_true(r.simulated);
    assert_int_equal(r.version, version);
    assert_int_equal(r.tcb_status, LAS_TCB_UNKNOWN);
    assert_int_equal(r.body.isvprodid, 7);
    assert_int_equal(r.body.isvsvn, 3);
    assert_memory_equal(r.body.report_data, "synthetic", 9);
    assert_memory_equal(r.fmspc, o.fmspc, 6);

    assert_int_equal(run(&q, NULL, false, T0, &r), LAS_ERR_SIMULATED);
    assert_string_equal(r.check, "simulation");
    assert_false(r.simulated);

    /* Tolerating simulation trusts no simulated root by itself: the pin is needed. */
    struct las_dcap_verify_options none = {.at = T0, .allow_simulation = true};
    assert_int_equal(verify_trusted(q.p, q.n, &none, &P.trust, &r), LAS_ERR_REFUSED);
    assert_string_equal(r.check, "sim_root");
    assert_non_null(strstr(r.reason, "--sim-root"));
    uint8_t other_pin[1][LAS_DCAP_ROOT_PIN_SIZE];
    assert_int_equal(las_dcap_root_pin(P.other_root, other_pin[0]), LAS_OK);
    none.sim_roots = (const uint8_t(*)[LAS_DCAP_ROOT_PIN_SIZE])other_pin;
    none.n_sim_roots = 1;
    assert_int_equal(verify_trusted(q.p, q.n, &none, &P.trust, &r), LAS_ERR_REFUSED);
    assert_string_equal(r.check, "sim_root");
    free(q.p);
}

static void test_sim_v3(void **state)
{
    (void)state;
    sim_quote_needs_allow_simulation(3);
}

static void test_sim_v4(void **state)
{
    (void)state;
    sim_quote_needs_allow_simulation(4);
}

static void tamper_regions(uint16_t version)
{
    struct qopts o = default_qopts(version);
    struct layout l;
    struct bytes q = build_quote(&o, &l);
    const struct {
        size_t off;
        const char *check;
    } cases[] = {
        {l.header + 0, "quote_format"},     /* version */
        {l.header + 2, "quote_format"},     /* attestation key type */
        {l.header + 4, "quote_format"},     /* TEE type */
        {l.header + 12, "header"},          /* QE vendor ID */
        {l.header + 30, "quote_signature"}, /* user data */
        {l.header + 8, "quote_signature"},  /* QE SVN (signed) */
        {l.body + 64, "quote_signature"},   /* MRENCLAVE */
        {l.body + 383, "quote_signature"},  /* report data */
        {l.sig + 5, "quote_signature"},     /* r */
        {l.sig + 40, "quote_signature"},    /* s */
        {l.att_key + 1, "qe_report_data"},  /* attestation key */
        {l.qe_report + 130, "qe_report_signature"},
        {l.qe_report + 320, "qe_report_signature"},
        {l.qe_sig + 3, "qe_report_signature"},
        {l.qe_sig + 63, "qe_report_signature"},
        {l.auth, "qe_report_data"},
        {l.auth + 31, "qe_report_data"},
        {l.chain + 100, "pck_chain"},
        {l.chain + (l.end - l.chain) / 2, "pck_chain"},
        {l.end - 3, "pck_chain"},
        {l.end - 1, "pck_chain"}, /* the NUL terminator */
        {432, "quote_format"},    /* signature data length */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        q.p[cases[i].off] ^= 0x01;
        expect_refused(&q, NULL, true, T0, cases[i].check);
        q.p[cases[i].off] ^= 0x01;
    }
    /* ... and every single byte, with two masks: nothing else may verify. */
    struct las_dcap_result r;
    for (size_t i = 0; i < q.n; i++) {
        for (int m = 0; m < 2; m++) {
            uint8_t mask = m ? 0x80 : 0x04;
            q.p[i] ^= mask;
            if (run(&q, NULL, true, T0, &r) == LAS_OK)
                fail_msg("flipping byte %zu with 0x%02x verified", i, mask);
            q.p[i] ^= mask;
        }
    }
    assert_int_equal(run(&q, NULL, true, T0, &r), LAS_OK);
    /* Truncated and extended quotes. */
    struct bytes shorter = {q.p, q.n - 1};
    expect_refused(&shorter, NULL, true, T0, "quote_format");
    q.p = realloc(q.p, q.n + 1);
    q.p[q.n] = 0;
    struct bytes longer = {q.p, q.n + 1};
    expect_refused(&longer, NULL, true, T0, "quote_format");
    free(q.p);
}

static void test_tamper_v3(void **state)
{
    (void)state;
    tamper_regions(3);
}

static void test_tamper_v4(void **state)
{
    (void)state;
    tamper_regions(4);
}

static void test_binding_and_auth_data(void **state)
{
    (void)state;
    struct qopts o = default_qopts(3);
    struct las_dcap_result r;
    o.bad_binding = 1;
    struct bytes q = build_quote(&o, NULL);
    expect_refused(&q, NULL, true, T0, "qe_report_data");
    free(q.p);
    o = default_qopts(4);
    o.auth_len = 0;
    q = build_quote(&o, NULL);
    assert_int_equal(run(&q, NULL, true, T0, &r), LAS_OK);
    free(q.p);
}

/* ---- the quoting enclave's identity, with and without collateral --------------------- */

/*
 * A forgery that needs no Intel secret: an enclave of one's own with the
 * PROVISIONKEY attribute gets its report certified by the platform's genuine
 * PCE (PCK key), and then signs quotes of any report body with an attestation
 * key of its own. Everything verifies except the QE's identity, so the pinned
 * identity alone must refuse it: without collateral, and with collateral
 * whose (validly signed) QE identity names the forged QE, so that only the
 * pin and not the collateral comparison can be what refuses.
 */
static void expect_rogue_qe_refused(const struct qopts *o, bool sim)
{
    struct bytes q = build_quote(o, NULL);
    struct copts c = o->hw ? hw_copts() : default_copts();
    memcpy(c.qe_mrsigner, o->qe_mrsigner, 32);
    c.qe_isvprodid = o->qe_isvprodid;
    if (o->qe_debug)
        c.qe_attrs = "13000000000000000000000000000000";
    struct bytes col = build_collateral(&c);
    const char *because =
        memcmp(o->qe_mrsigner, (o->hw ? &las_dcap_intel_anchor : &SIM_ANCHOR)->qe_mrsigner, 32) != 0
            ? "MRSIGNER"
        : o->qe_debug ? "debug enclave"
                      : "ISVPRODID";
    expect_refused_because(&q, NULL, sim, T0, "qe_identity", because);
    expect_refused_because(&q, &col, sim, T0, "qe_identity", because);
    if (!o->qe_debug)
        expect_refused_because(&q, &col, sim, T0, "qe_identity", "pinned");
    free(col.p);
    free(q.p);
}

static void rogue_qes(struct qopts genuine, bool sim)
{
    struct las_dcap_result r;
    struct bytes q = build_quote(&genuine, NULL);
    struct copts c = genuine.hw ? hw_copts() : default_copts();
    struct bytes col = build_collateral(&c);
    /* The forgeries below differ from this genuine quote in the QE report only. */
    assert_int_equal(run_with(&q, NULL, sim, T0, genuine.hw, &r), LAS_OK);
    assert_int_equal(r.simulated, !genuine.hw);
    assert_int_equal(run(&q, &col, sim, T0, &r), LAS_OK);
    assert_int_equal(r.tcb_status, LAS_TCB_UP_TO_DATE);
    free(col.p);
    free(q.p);

    struct qopts o = genuine;
    memcpy(o.qe_mrsigner, ROGUE_MRSIGNER, 32);
    expect_rogue_qe_refused(&o, sim);
    o = genuine;
    o.qe_isvprodid = 2; /* the right signer, another of its enclaves (the PCE's ISVPRODID) */
    expect_rogue_qe_refused(&o, sim);
    o = genuine;
    o.qe_debug = 1; /* the genuine QE in debug mode: the host reads its attestation key */
    expect_rogue_qe_refused(&o, sim);
    /* The other hierarchy's QE: Intel's under the simulated root, the simulated under Intel's. */
    o = genuine;
    memcpy(o.qe_mrsigner, (genuine.hw ? &SIM_ANCHOR : &las_dcap_intel_anchor)->qe_mrsigner, 32);
    expect_rogue_qe_refused(&o, sim);
}

/* Under the root that stands in for Intel's, simulation not allowed: the hardware path. */
static void test_qe_identity_pinned_hardware(void **state)
{
    (void)state;
    rogue_qes(hw_qopts(3), false);
    rogue_qes(hw_qopts(4), false);
    /* The stand-in root is trusted only by the test's anchor, never by las_dcap_verify. */
    struct qopts o = hw_qopts(3);
    struct bytes q = build_quote(&o, NULL);
    struct las_dcap_result r;
    struct las_dcap_verify_options opt = {.at = T0, .allow_simulation = true};
    assert_int_not_equal(las_dcap_verify(q.p, q.n, &opt, &r), LAS_OK);
    assert_string_equal(r.check, "pck_chain");
    free(q.p);
}

/* The simulated hierarchy pins the simulated QE the same way. */
static void test_qe_identity_pinned_simulated(void **state)
{
    (void)state;
    rogue_qes(default_qopts(3), true);
    rogue_qes(default_qopts(4), true);
}

/* ---- who may sign TCB info and QE identities ------------------------------------------ */

static void tcb_signer_roles(const struct qopts *o, bool sim)
{
    static const struct {
        enum signer who;
        const char *because;
    } wrong[] = {
        {SIGNER_PCK, "PCK certificate"},
        {SIGNER_CA, "CA certificate"},
        {SIGNER_CA_ISSUED, "not issued by the root CA itself"},
        {SIGNER_WRONG_CN, "subject CN"},
        {SIGNER_NO_SIGNING, "key usage"},
    };
    struct bytes q = build_quote(o, NULL);
    struct las_dcap_result r;
    struct copts c = o->hw ? hw_copts() : default_copts();
    struct bytes col = build_collateral(&c);
    assert_int_equal(run(&q, &col, sim, T0, &r), LAS_OK);
    free(col.p);
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        c = o->hw ? hw_copts() : default_copts();
        c.tcb_signer = wrong[i].who;
        col = build_collateral(&c);
        expect_refused_because(&q, &col, sim, T0, "tcb_info_issuer_chain", wrong[i].because);
        free(col.p);
        c = o->hw ? hw_copts() : default_copts();
        c.qe_signer = wrong[i].who;
        col = build_collateral(&c);
        expect_refused_because(&q, &col, sim, T0, "qe_identity_issuer_chain", wrong[i].because);
        free(col.p);
    }
    free(q.p);
}

static void test_tcb_signer_role(void **state)
{
    (void)state;
    struct qopts hw = hw_qopts(3), simulated = default_qopts(3);
    tcb_signer_roles(&hw, false);
    tcb_signer_roles(&simulated, true);
}

/* Replaces every occurrence of from in text by to (a new string). */
static char *replace_all(const char *text, const char *from, const char *to)
{
    struct bytes out = {0};
    const char *p = text, *hit;
    while ((hit = strstr(p, from)) != NULL) {
        put(&out, p, (size_t)(hit - p));
        put(&out, to, strlen(to));
        p = hit + strlen(from);
    }
    put(&out, p, strlen(p) + 1);
    return (char *)out.p;
}

static las_status pem_parse(const char *text, size_t len, struct las_x509_chain *c)
{
    char why[256];
    las_status st = las_pem_chain_parse((const uint8_t *)text, len, c, why, sizeof why);
    if (st != LAS_OK)
        assert_true(strlen(why) > 0);
    return st;
}

/*
 * PEM chains are read by OpenSSL and must be exactly in the form its PEM
 * writer (and Intel's QE) produces, so that no modified chain reads the same.
 */
static void test_pem_chain_canonical(void **state)
{
    (void)state;
    struct las_x509_chain c;
    char *lf = pem_chain(P.sim.ca, P.sim.root), *crlf = replace_all(lf, "\n", "\r\n");
    size_t n = strlen(lf);

    assert_int_equal(pem_parse(lf, n, &c), LAS_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(X509_cmp(c.certs[0], P.sim.ca), 0);
    assert_int_equal(X509_cmp(c.certs[1], P.sim.root), 0);
    las_x509_chain_free(&c);
    assert_int_equal(pem_parse(crlf, strlen(crlf), &c), LAS_OK);
    assert_int_equal(c.n, 2);
    las_x509_chain_free(&c);
    /* Trailing NUL bytes (the QE's terminator) are allowed, nothing else. */
    char *nul = calloc(1, n + 3);
    memcpy(nul, lf, n);
    assert_int_equal(pem_parse(nul, n + 3, &c), LAS_OK);
    las_x509_chain_free(&c);
    nul[n + 2] = 'x';
    assert_int_not_equal(pem_parse(nul, n + 3, &c), LAS_OK);
    assert_int_equal(c.n, 0);
    free(nul);

    /* Readable by OpenSSL's PEM reader, but not in its writer's form: refused. */
    char *first_crlf = replace_all(lf, "-----\n", "-----\r\n"); /* mixed line ends */
    char *blank = replace_all(lf, "-----\n-----BEGIN", "-----\n\n-----BEGIN");
    char *old_name = replace_all(lf, "CERTIFICATE-----", "X509 CERTIFICATE-----");
    char *junk = NULL, *tail = NULL;
    assert_true(asprintf(&junk, "subject=CN = x\n%s", lf) > 0);
    assert_true(asprintf(&tail, "%sjunk\n", lf) > 0);
    /* 76-character lines: the same base64, wrapped otherwise. */
    struct bytes wrapped = {0};
    const char *body = strchr(lf, '\n') + 1, *end = strstr(body, "-----END");
    struct bytes b64 = {0};
    for (const char *q = body; q < end; q++)
        if (*q != '\n')
            put(&b64, q, 1);
    put(&wrapped, lf, (size_t)(body - lf));
    for (size_t i = 0; i < b64.n; i += 76) {
        put(&wrapped, b64.p + i, b64.n - i < 76 ? b64.n - i : 76);
        put(&wrapped, "\n", 1);
    }
    put(&wrapped, end, strlen(end) + 1);
    const char *bad[] = {first_crlf, blank, old_name, junk, tail, (const char *)wrapped.p, ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (pem_parse(bad[i], strlen(bad[i]), &c) == LAS_OK)
            fail_msg("non-canonical PEM %zu was accepted", i);
        assert_int_equal(c.n, 0);
    }
    /* Five certificates: one more than a chain may have. */
    struct bytes five = {0};
    char *one = pem_chain(P.sim.root, NULL);
    for (int i = 0; i < 5; i++)
        put(&five, one, strlen(one));
    assert_int_not_equal(pem_parse((const char *)five.p, five.n, &c), LAS_OK);
    assert_int_equal(pem_parse((const char *)five.p, 4 * strlen(one), &c), LAS_OK);
    assert_int_equal(c.n, 4);
    las_x509_chain_free(&c);
    free(one);
    free(five.p);
    free(b64.p);
    free(wrapped.p);
    free(first_crlf);
    free(blank);
    free(old_name);
    free(junk);
    free(tail);
    free(lf);
    free(crlf);
}

/* ---- the pinned Intel root, without ../shared ------------------------------------------ */

/*
 * The pin is Intel's key: a P-256 SubjectPublicKeyInfo in canonical DER whose
 * SHA-256 is that of the SPKI of Intel's published "Intel SGX Root CA"
 * certificate (intel_sgx_root_ca.der), the anchor las_dcap_verify trusts uses
 * it, and a chain ending in any other root is refused, even one with Intel's
 * name. test_real_pinned_root compares the pin with the certificate itself
 * when ../shared is there.
 */
static void test_pinned_intel_root(void **state)
{
    (void)state;
    static const char fingerprint[] =
        "a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e";
    static const uint8_t header[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                     0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                     0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
    uint8_t hash[32], *der = NULL;
    char hex[65], group[32];
    size_t group_len = 0;

    /* SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING { uncompressed point } */
    assert_memory_equal(las_intel_sgx_root_spki, header, sizeof header);
    const unsigned char *p = las_intel_sgx_root_spki;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, LAS_INTEL_ROOT_SPKI_SIZE);
    assert_non_null(key);
    assert_ptr_equal(p, las_intel_sgx_root_spki + LAS_INTEL_ROOT_SPKI_SIZE);
    assert_int_equal(EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                                    sizeof group, &group_len),
                     1);
    assert_string_equal(group, "prime256v1");
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(key, NULL);
    assert_int_equal(EVP_PKEY_public_check(pc), 1); /* a point on the curve */
    EVP_PKEY_CTX_free(pc);
    int n = i2d_PUBKEY(key, &der);
    assert_int_equal(n, LAS_INTEL_ROOT_SPKI_SIZE);
    assert_memory_equal(der, las_intel_sgx_root_spki, LAS_INTEL_ROOT_SPKI_SIZE);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
    assert_int_equal(las_sha256(las_intel_sgx_root_spki, LAS_INTEL_ROOT_SPKI_SIZE, hash), LAS_OK);
    las_hex_encode(hash, 32, hex, 0);
    assert_string_equal(hex, fingerprint);

    assert_ptr_equal(las_dcap_intel_anchor.root_spki, las_intel_sgx_root_spki);
    assert_int_equal(las_dcap_intel_anchor.root_spki_len, LAS_INTEL_ROOT_SPKI_SIZE);
    assert_false(las_dcap_intel_anchor.simulated);
    assert_int_equal(las_dcap_default_trust.n, 2);
    assert_ptr_equal(las_dcap_default_trust.anchors[0], &las_dcap_intel_anchor);
    assert_true(SIM_ANCHOR.simulated);
    assert_string_equal(SIM_ANCHOR.root_cn, LAS_SIM_ROOT_CA_CN);
    assert_null(SIM_ANCHOR.root_spki);

    /* Another root, named as Intel's: refused by the public entry point, simulation or not. */
    struct qopts o = hw_qopts(3);
    o.foreign_root = 1;
    o.foreign_root_cn = "Intel SGX Root CA";
    struct bytes q = build_quote(&o, NULL);
    struct las_dcap_result r;
    for (int sim = 0; sim < 2; sim++) {
        struct las_dcap_verify_options opt = {.at = T0, .allow_simulation = sim};
        assert_int_equal(las_dcap_verify(q.p, q.n, &opt, &r), LAS_ERR_REFUSED);
        assert_string_equal(r.check, "pck_chain");
        assert_non_null(strstr(r.reason, "not the pinned Intel SGX Root CA key"));
    }
    free(q.p);
}

/*
 * ECDSA is malleable: (r, n - s) verifies wherever (r, s) does. LAS accepts
 * both forms (docs/dcap.md, "Signatures"): neither changes a signed byte, so
 * the result is identical, which this checks for every DCAP signature LAS
 * verifies itself.
 */
static void test_malleable_signatures_same_result(void **state)
{
    (void)state;
    struct qopts o = hw_qopts(3);
    struct layout l;
    struct bytes q = build_quote(&o, &l);
    struct copts c = hw_copts();
    struct bytes col = build_collateral(&c);
    struct las_dcap_result want, got;
    assert_int_equal(run(&q, &col, false, T0, &want), LAS_OK);
    maul(q.p + l.sig);    /* the quote signature */
    maul(q.p + l.qe_sig); /* the QE report signature */
    free(col.p);
    c.maul_signatures = 1; /* TCB info and QE identity */
    col = build_collateral(&c);
    assert_int_equal(run(&q, &col, false, T0, &got), LAS_OK);
    assert_memory_equal(&got, &want, sizeof got);
    free(col.p);
    free(q.p);
}

static void test_untrusted_root_and_time(void **state)
{
    (void)state;
    struct qopts o = default_qopts(3);
    o.foreign_root = 1;
    struct bytes q = build_quote(&o, NULL);
    expect_refused(&q, NULL, true, T0, "pck_chain");
    expect_refused(&q, NULL, false, T0, "pck_chain");
    free(q.p);
    o = default_qopts(3);
    q = build_quote(&o, NULL);
    expect_refused(&q, NULL, true, T0 + 400 * DAY, "pck_chain"); /* leaf expired */
    expect_refused(&q, NULL, true, T0 - 2 * DAY, "pck_chain");   /* not yet valid */
    free(q.p);
}

struct status_case {
    uint8_t comp;
    uint16_t pcesvn, qe_isvsvn;
    las_status want;
    enum las_tcb_status status;
    size_t n_adv;
};

static void test_collateral_status(void **state)
{
    (void)state;
    const struct status_case cases[] = {
        {5, 10, 8, LAS_OK, LAS_TCB_UP_TO_DATE, 0},
        {9, 12, 9, LAS_OK, LAS_TCB_UP_TO_DATE, 0},
        {4, 10, 8, LAS_OK, LAS_TCB_CONFIGURATION_NEEDED, 1},
        {5, 9, 8, LAS_OK, LAS_TCB_CONFIGURATION_NEEDED, 1}, /* PCESVN below level 0 */
        {2, 10, 8, LAS_OK, LAS_TCB_OUT_OF_DATE, 2},
        {5, 10, 5, LAS_OK, LAS_TCB_OUT_OF_DATE, 1},                      /* QE outdated */
        {3, 10, 4, LAS_OK, LAS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED, 2}, /* both */
        {5, 10, 3, LAS_ERR_REFUSED, LAS_TCB_REVOKED, 0},                 /* QE below all */
        {0, 10, 8, LAS_ERR_REFUSED, LAS_TCB_UNKNOWN, 0},                 /* no TCB level */
        {5, 4, 8, LAS_ERR_REFUSED, LAS_TCB_UNKNOWN, 0},
    };
    struct copts co = default_copts();
    struct bytes col = build_collateral(&co);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct qopts o = default_qopts(i % 2 ? 4 : 3);
        struct las_dcap_result r;
        o.comp_svn = cases[i].comp;
        o.pcesvn = cases[i].pcesvn;
        o.qe_isvsvn = cases[i].qe_isvsvn;
        struct bytes q = build_quote(&o, NULL);
        las_status st = run(&q, &col, true, T0, &r);
        if (st != cases[i].want || r.tcb_status != cases[i].status)
            fail_msg("case %zu: status %d tcb %s (%s)", i, st, las_tcb_status_name(r.tcb_status),
                     r.reason);
        if (st == LAS_OK)
            assert_int_equal(r.n_advisories, cases[i].n_adv);
        free(q.p);
    }
    free(col.p);
}

/*
 * Fail closed without collateral: a hardware quote (the hardware-like root,
 * trusted like Intel's) whose every signature verifies is refused when
 * nothing gives its TCB status, unless the caller tolerates that; with
 * collateral or an earlier collateral verdict it is judged as before.
 * Simulated quotes have no collateral and need no toleration.
 */
static void test_unknown_tcb_needs_toleration(void **state)
{
    (void)state;
    static struct las_dcap_result r, verdict;
    struct qopts o = hw_qopts(3);
    struct copts co = hw_copts();
    struct bytes q = build_quote(&o, NULL), col = build_collateral(&co);
    expect_refused_because(&q, NULL, false, T0, "collateral", "--collateral FILE");
    expect_refused_because(&q, NULL, false, T0, "collateral", "--allow-unknown-tcb");
    assert_int_equal(run_with(&q, NULL, false, T0, true, &r), LAS_OK);
    assert_false(r.simulated);
    assert_int_equal(r.tcb_status, LAS_TCB_UNKNOWN);
    assert_int_equal(r.n_advisories, 0);
    /* With collateral, tolerated or not: the collateral's status. */
    for (int tolerate = 0; tolerate < 2; tolerate++) {
        assert_int_equal(run_with(&q, &col, false, T0, tolerate, &verdict), LAS_OK);
        assert_int_equal(verdict.tcb_status, LAS_TCB_UP_TO_DATE);
    }
    /* An earlier verdict with collateral stands in for it. */
    struct las_dcap_verify_options opt = {.at = T0, .collateral_verdict = &verdict};
    assert_int_equal(verify_trusted(q.p, q.n, &opt, &P.trust, &r), LAS_OK);
    assert_int_equal(r.tcb_status, LAS_TCB_UP_TO_DATE);
    /* A forgery is still refused by its own check, not by the missing collateral. */
    q.p[q.n - 1] ^= 0x01;
    assert_int_not_equal(run_with(&q, NULL, false, T0, true, &r), LAS_OK);
    assert_string_not_equal(r.check, "collateral");
    free(q.p);
    free(col.p);
    /* Simulated: accepted without collateral, the status Unknown. */
    struct qopts so = default_qopts(3);
    q = build_quote(&so, NULL);
    assert_int_equal(run(&q, NULL, true, T0, &r), LAS_OK);
    assert_true(r.simulated);
    assert_int_equal(r.tcb_status, LAS_TCB_UNKNOWN);
    free(q.p);
}

/* A verdict with collateral serves later quotes of the same platform, and only those. */
static void test_collateral_verdict_reused(void **state)
{
    (void)state;
    static struct las_dcap_result first, again, plain;
    struct copts co = default_copts();
    struct bytes col = build_collateral(&co);
    struct qopts o = default_qopts(3);
    o.comp_svn = 4; /* ConfigurationNeeded, one advisory (test_collateral_status) */
    struct bytes q = build_quote(&o, NULL), other = build_quote(&o, NULL);
    assert_int_equal(run(&q, &col, true, T0, &first), LAS_OK);
    assert_int_equal(first.tcb_status, LAS_TCB_CONFIGURATION_NEEDED);
    assert_int_equal(first.n_advisories, 1);

    struct las_dcap_verify_options opt = {
        .at = T0,
        .allow_simulation = true,
        .sim_roots = (const uint8_t(*)[LAS_DCAP_ROOT_PIN_SIZE])sim_pins,
        .n_sim_roots = n_sim_pins,
        .collateral_verdict = &first,
    };
    assert_int_equal(verify_trusted(q.p, q.n, &opt, &P.trust, &again), LAS_OK);
    assert_int_equal(again.tcb_status, first.tcb_status);
    assert_int_equal(again.n_advisories, 1);
    assert_string_equal(again.advisories[0], first.advisories[0]);
    /* Another PCK certificate (another platform): not its verdict. */
    assert_int_equal(verify_trusted(other.p, other.n, &opt, &P.trust, &again), LAS_ERR_REFUSED);
    assert_string_equal(again.check, "collateral_verdict");
    /* A verdict made without collateral has no TCB status to give. */
    assert_int_equal(run(&q, NULL, true, T0, &plain), LAS_OK);
    opt.collateral_verdict = &plain;
    assert_int_equal(verify_trusted(q.p, q.n, &opt, &P.trust, &again), LAS_ERR_REFUSED);
    assert_string_equal(again.check, "collateral_verdict");
    free(q.p);
    free(other.p);
    free(col.p);
}

static void test_collateral_refusals(void **state)
{
    (void)state;
    struct qopts o = default_qopts(3);
    struct bytes q = build_quote(&o, NULL);
    struct las_dcap_result r;
    struct copts c;
    struct bytes col;

#define REFUSE_WITH(setup, at, check)                                                              \
    do {                                                                                           \
        c = default_copts();                                                                       \
        setup;                                                                                     \
        col = build_collateral(&c);                                                                \
        expect_refused(&q, &col, true, at, check);                                                 \
        free(col.p);                                                                               \
    } while (0)

    c = default_copts();
    col = build_collateral(&c);
    assert_int_equal(run(&q, &col, true, T0, &r), LAS_OK);
    assert_int_equal(r.tcb_status, LAS_TCB_UP_TO_DATE);
    /* Simulated chains stay refused without allow_simulation, collateral or not. */
    expect_refused(&q, &col, false, T0, "simulation");
    free(col.p);

    for (int wrapped = 1; wrapped <= 2; wrapped++) {
        c.pcs_wrapped = wrapped;
        col = build_collateral(&c);
        assert_int_equal(run(&q, &col, true, T0, &r), LAS_OK);
        free(col.p);
    }
    /* TCB info version 2: a configuration-needed platform. */
    struct qopts o4 = default_qopts(4);
    o4.comp_svn = 4;
    struct bytes q4 = build_quote(&o4, NULL);
    c = default_copts();
    c.tcb_v2 = 1;
    col = build_collateral(&c);
    assert_int_equal(run(&q4, &col, true, T0, &r), LAS_OK);
    assert_int_equal(r.tcb_status, LAS_TCB_CONFIGURATION_NEEDED);
    assert_int_equal(r.n_advisories, 1);
    assert_string_equal(r.advisories[0], "INTEL-SA-TEST1");
    free(col.p);
    free(q4.p);
    /* The root CRL lists serial 77 too: it is the root's, not the PCK leaf's (CA-issued). */
    c = default_copts();
    c.root_revoked = 77;
    col = build_collateral(&c);
    assert_int_equal(run(&q, &col, true, T0, &r), LAS_OK);
    free(col.p);

    REFUSE_WITH(c.tamper_tcb_info = 1, T0, "tcb_info_signature");
    REFUSE_WITH(c.swap_signatures = 1, T0, "tcb_info_signature");
    REFUSE_WITH(c.tamper_qe_identity = 1, T0, "qe_identity_signature");
    REFUSE_WITH(c.fmspc[5] = 1, T0, "fmspc");
    REFUSE_WITH(c.pceid = "0001", T0, "pce_id");
    REFUSE_WITH(c.qe_mrsigner[0] ^= 1, T0, "qe_identity");
    REFUSE_WITH(c.qe_isvprodid = 2, T0, "qe_identity");
    REFUSE_WITH(c.qe_attrs = "13000000000000000000000000000000", T0, "qe_identity"); /* DEBUG */
    REFUSE_WITH(c.qe_misc = "00000001", T0, "qe_identity");
    REFUSE_WITH(c.qe_next = T0 - 1, T0, "qe_identity_validity");
    REFUSE_WITH(c.revoke_pck = 1, T0, "revocation");
    REFUSE_WITH(c.root_revoked = 2, T0, "revocation"); /* the PCK CA */
    REFUSE_WITH(c.root_revoked = 3, T0, "revocation"); /* the TCB signer */
    REFUSE_WITH(c.foreign_signer = 1, T0, "tcb_info_issuer_chain");
    /* Everything expired: the CRLs first, the leaf's (OpenSSL checks from the leaf up). */
    REFUSE_WITH((void)0, T0 + 31 * DAY, "pck_crl");
    REFUSE_WITH(c.crl_next = T0 + 90 * DAY, T0 + 31 * DAY, "tcb_info_validity");
    REFUSE_WITH(c.crl_next = T0 - 1, T0, "pck_crl");
    REFUSE_WITH(c.root_crl_next = T0 - 1, T0, "root_ca_crl");
    REFUSE_WITH(c.root_crl_next = -1, T0, "root_ca_crl"); /* no nextUpdate: see below */
    REFUSE_WITH(c.pck_crl_bad_key = 1, T0, "pck_crl");
    REFUSE_WITH(c.pck_crl_by_root = 1, T0, "pck_crl");
    REFUSE_WITH((void)0, T0 - 2 * DAY, "pck_chain"); /* before the PCK leaf's validity */
#undef REFUSE_WITH

    struct bytes junk = {(uint8_t *)"{\"tcb_info\": 1}", 15};
    expect_refused(&q, &junk, true, T0, "collateral");
    struct bytes notjson = {(uint8_t *)"[", 1};
    expect_refused(&q, &notjson, true, T0, "collateral");
    free(q.p);
}

/*
 * Why crl_add refuses a CRL without nextUpdate before OpenSSL sees it:
 * OpenSSL's path validation takes such a CRL as valid forever, so a CRL
 * from before a revocation could be replayed indefinitely.
 */
static void test_crl_without_next_update(void **state)
{
    (void)state;
    struct copts c = default_copts();
    c.root_crl_next = -1;
    struct bytes col = build_collateral(&c);
    json_t *o = json_loadb((const char *)col.p, col.n, 0, NULL);
    const char *hex = json_string_value(json_object_get(o, "root_ca_crl"));
    size_t n = strlen(hex) / 2;
    uint8_t *der = malloc(n);
    assert_int_equal(las_hex_decode(hex, der, n), LAS_OK);
    const unsigned char *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)n);
    assert_non_null(crl);
    assert_null(X509_CRL_get0_nextUpdate(crl));

    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_add_cert(store, P.sim.root);
    X509_STORE_add_crl(store, crl);
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    assert_int_equal(X509_STORE_CTX_init(ctx, store, P.sim.ca, untrusted), 1);
    X509_STORE_CTX_set_time(ctx, 0, (time_t)(T0 + 3000 * DAY)); /* years later */
    assert_int_equal(X509_verify_cert(ctx), 1);                 /* OpenSSL: still fine */
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_free(untrusted);
    X509_CRL_free(crl);
    free(der);
    json_decref(o);

    struct qopts qo = default_qopts(3);
    struct bytes q = build_quote(&qo, NULL);
    expect_refused_because(&q, &col, true, T0, "root_ca_crl", "no nextUpdate");
    free(q.p);
    free(col.p);
}

static void test_parsers_reject_garbage(void **state)
{
    (void)state;
    struct las_dcap_quote dq;
    struct las_pck_info pi;
    struct las_x509_chain ch;
    struct las_tcb_info *ti = calloc(1, sizeof *ti);
    struct las_qe_identity *qi = calloc(1, sizeof *qi);
    char why[256];
    uint8_t zeros[1100] = {0};

    assert_int_not_equal(las_dcap_quote_parse(zeros, sizeof zeros, &dq, why, sizeof why), LAS_OK);
    assert_int_not_equal(las_dcap_quote_parse(NULL, 0, &dq, NULL, 0), LAS_OK);
    assert_int_not_equal(las_pck_ext_parse(zeros, 10, &pi), LAS_OK);
    assert_int_not_equal(las_pem_chain_parse((const uint8_t *)"hello", 5, &ch, why, sizeof why),
                         LAS_OK);
    assert_int_not_equal(las_tcb_info_parse((const uint8_t *)"{}", 2, ti, why, sizeof why), LAS_OK);
    assert_int_not_equal(las_qe_identity_parse((const uint8_t *)"{}", 2, qi, why, sizeof why),
                         LAS_OK);

    /* The PCK extension round trip, including a component SVN >= 128. */
    uint8_t comp[16] = {1, 2, 200, 4}, fm[6] = {1, 2, 3, 4, 5, 6}, pce[2] = {0, 1};
    struct bytes ext = sgx_extension(comp, 300, fm, pce);
    assert_int_equal(las_pck_ext_parse(ext.p, ext.n, &pi), LAS_OK);
    assert_memory_equal(pi.comp_svn, comp, 16);
    assert_int_equal(pi.pcesvn, 300);
    assert_memory_equal(pi.fmspc, fm, 6);
    assert_memory_equal(pi.pceid, pce, 2);
    for (size_t i = 0; i < ext.n; i++) { /* never crashes on a truncation */
        assert_int_not_equal(las_pck_ext_parse(ext.p, i, &pi), LAS_OK);
    }
    free(ext.p);
    free(ti);
    free(qi);
}

static void test_rfc3339(void **state)
{
    (void)state;
    int64_t t = 0;
    char buf[LAS_RFC3339_SIZE];
    assert_int_equal(las_rfc3339_parse("2025-01-01T00:00:00Z", &t), LAS_OK);
    assert_int_equal(t, 1735689600);
    assert_int_equal(las_rfc3339_parse("2025-01-01T02:30:00+02:30", &t), LAS_OK);
    assert_int_equal(t, 1735689600);
    assert_int_equal(las_rfc3339_parse("2024-12-31t19:00:00.999-05:00", &t), LAS_OK);
    assert_int_equal(t, 1735689600);
    assert_int_equal(las_rfc3339_parse("2024-02-29T12:00:00z", &t), LAS_OK);
    const char *bad[] = {
        "2025-02-29T00:00:00Z",      "2025-01-01T24:00:00Z",      "2025-01-01T00:00:60Z",
        "2025-01-01 00:00:00Z",      "2025-01-01T00:00:00",       "2025-1-01T00:00:00Z",
        "2025-01-01T00:00:00+0100",  "2025-01-01T00:00:00Zx",     "",
        "2025-01-01T00:00:00.Z",     " 2025-01-01T00:00:00Z",     "2025-01-01T00:00:00+24:00",
        "2025-01-01T00:00:00+01:60", "1970-01-01T00:30:00+01:00", "2025-01-01T0:00:00Z",
        "+2025-01-01T00:00:00Z",     "2025-01-01T00:00:00.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_not_equal(las_rfc3339_parse(bad[i], &t), LAS_OK);
    las_rfc3339_format(1751328000, buf);
    assert_string_equal(buf, "2025-07-01T00:00:00Z");
    las_rfc3339_format(951782400, buf); /* leap day of a year divisible by 400 */
    assert_string_equal(buf, "2000-02-29T00:00:00Z");
    las_rfc3339_format(0, buf);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    las_rfc3339_format(INT64_C(253402300800), buf); /* year 10000 */
    assert_string_equal(buf, "out-of-range");
    assert_int_equal(las_rfc3339_parse("9999-12-31T23:59:59Z", &t), LAS_OK);
    las_rfc3339_format(t, buf);
    assert_string_equal(buf, "9999-12-31T23:59:59Z");
    assert_string_equal(las_tcb_status_name(LAS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED),
                        "ConfigurationAndSWHardeningNeeded");
    assert_int_equal(las_tcb_status_parse("OutOfDateConfigurationNeeded"),
                     LAS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
    assert_int_equal(las_tcb_status_parse("Bogus"), LAS_TCB_UNKNOWN);
}

/* The simulated quoting enclave's quotes verify, but only when simulation is allowed. */
static void test_sim_qe_quote(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), why[256];
    struct las_sim_qe *qe = NULL;
    struct las_sim_cpu cpu;
    struct las_sim_enclave app;
    struct las_sgx_targetinfo ti;
    struct las_sgx_report rep;
    struct las_dcap_result r;
    uint8_t rd[64] = {0x42}, *quote = malloc(LAS_DCAP_QUOTE_MAX);
    size_t len = 0;

    assert_non_null(dir);
    assert_non_null(quote);
    assert_int_equal(las_sim_qe_open(test_dir(dir), &qe, why, sizeof why), LAS_OK);
    assert_int_equal(las_sim_cpu_open(test_dir(dir), NULL, &cpu, NULL, why, sizeof why), LAS_OK);
    memset(&app, 0, sizeof app);
    app.attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
    memset(app.mrenclave, 0xaa, 32);
    app.isvprodid = 9;
    las_sim_qe_target_info(qe, &ti);
    assert_int_equal(las_sim_ereport(&cpu, &app, &ti, rd, &rep), LAS_OK);
    assert_int_equal(las_sim_qe_quote(qe, &rep, quote, LAS_DCAP_QUOTE_MAX, &len), LAS_OK);

    struct bytes q = {quote, len};
    assert_int_equal(run(&q, NULL, true, 0, &r), LAS_ERR_REFUSED);
    assert_string_equal(r.check, "sim_root"); /* this platform's root is not pinned yet */
    char root_path[4096];
    uint8_t *pem = NULL;
    size_t pem_len = 0, got = 0;
    test_path(root_path, sizeof root_path, dir, LAS_SIM_QE_ROOT_FILE);
    assert_int_equal(las_file_read(root_path, 8192, &pem, &pem_len), LAS_OK);
    assert_int_equal(las_dcap_root_pins_from_pem(pem, pem_len, sim_pins + 1, 1, &got), LAS_OK);
    assert_int_equal(got, 1);
    assert_int_equal(las_dcap_root_pins_from_pem((const uint8_t *)"junk", 4, sim_pins + 2, 1, &got),
                     LAS_ERR_MALFORMED);
    free(pem);
    n_sim_pins = 2;
    assert_int_equal(run(&q, NULL, true, 0, &r), LAS_OK);
    assert_memory_equal(r.root_pin, sim_pins[1], LAS_DCAP_ROOT_PIN_SIZE);
    assert_true(r.simulated);
    assert_int_equal(r.version, 3);
    assert_int_equal(r.body.isvprodid, 9);
    assert_memory_equal(r.body.mrenclave, app.mrenclave, 32);
    assert_int_equal(r.body.report_data[0], 0x42);
    assert_memory_equal(r.fmspc, las_sim_qe_fmspc, 6);
    assert_int_equal(run(&q, NULL, false, 0, &r), LAS_ERR_SIMULATED);
    assert_string_equal(r.check, "simulation");
    quote[100] ^= 1;
    expect_refused(&q, NULL, true, 0, "quote_signature");
    n_sim_pins = 1;

    las_sim_qe_close(qe);
    las_wipe(&cpu, sizeof cpu);
    free(quote);
    test_tmpdir_free(dir);
}

/* ---- the real Intel quote ----------------------------------------------------------- */

static struct {
    uint8_t *quote, *col, *root;
    size_t quote_len, col_len, root_len;
} R;

static void real_load(void)
{
    char path[4096];
    const char *src = getenv("LAS_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/../shared/testdata/dcap/phala_sgx_quote.bin", src);
    assert_int_equal(las_file_read(path, LAS_DCAP_QUOTE_MAX, &R.quote, &R.quote_len), LAS_OK);
    snprintf(path, sizeof path, "%s/../shared/testdata/dcap/phala_sgx_quote_collateral.json", src);
    assert_int_equal(las_file_read(path, LAS_DCAP_COLLATERAL_MAX, &R.col, &R.col_len), LAS_OK);
    snprintf(path, sizeof path, "%s/../shared/testdata/dcap/intel_sgx_root_ca.der", src);
    assert_int_equal(las_file_read(path, 4096, &R.root, &R.root_len), LAS_OK);
}

static las_status real_run(const uint8_t *col, size_t col_len, int64_t at, bool sim,
                           struct las_dcap_result *r)
{
    struct las_dcap_verify_options o = {
        .collateral = col, .collateral_len = col_len, .at = at, .allow_simulation = sim};
    return las_dcap_verify(R.quote, R.quote_len, &o, r);
}

/* The real quote without collateral, an unknown TCB tolerated: every other check runs. */
static las_status real_run_unknown_tcb(int64_t at, struct las_dcap_result *r)
{
    struct las_dcap_verify_options o = {.at = at, .allow_unknown_tcb = true};
    return las_dcap_verify(R.quote, R.quote_len, &o, r);
}

static void test_real_pinned_root(void **state)
{
    (void)state;
    const unsigned char *p = R.root;
    X509 *root = d2i_X509(NULL, &p, (long)R.root_len);
    uint8_t *spki = NULL;
    size_t n = 0;
    assert_non_null(root);
    assert_int_equal(las_x509_spki(root, &spki, &n), LAS_OK);
    assert_int_equal(n, LAS_INTEL_ROOT_SPKI_SIZE);
    assert_memory_equal(spki, las_intel_sgx_root_spki, n);
    OPENSSL_free(spki);
    X509_free(root);
}

static void test_real_quote(void **state)
{
    (void)state;
    struct las_dcap_result r;
    for (int sim = 0; sim < 2; sim++) {
        assert_int_equal(real_run(R.col, R.col_len, T_REAL, sim, &r), LAS_OK);
        assert_false(r.simulated);
        assert_int_equal(r.version, 3);
        assert_int_equal(r.tcb_status, LAS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
        assert_int_equal(r.n_advisories, 2);
        assert_string_equal(r.advisories[0], "INTEL-SA-00289");
        assert_string_equal(r.advisories[1], "INTEL-SA-00615");
        assert_memory_equal(r.fmspc, "\x00\xa0\x67\x11\x00\x00", 6);
        assert_memory_equal(r.body.report_data, "Hello, world!", 13);
    }
    /* Without collateral the TCB status is unknown: refused, the reason says what to do. */
    for (int sim = 0; sim < 2; sim++) {
        assert_int_equal(real_run(NULL, 0, T_REAL, sim, &r), LAS_ERR_REFUSED);
        assert_string_equal(r.check, "collateral");
        assert_non_null(strstr(r.reason, "--collateral FILE"));
        assert_non_null(strstr(r.reason, "--allow-unknown-tcb"));
    }
    /* Tolerated: signatures, chain and QE identity only, the status Unknown. */
    assert_int_equal(real_run_unknown_tcb(T_REAL, &r), LAS_OK);
    assert_false(r.simulated);
    assert_int_equal(r.tcb_status, LAS_TCB_UNKNOWN);
    assert_int_equal(r.n_advisories, 0);
    assert_memory_equal(r.body.report_data, "Hello, world!", 13);
}

/*
 * The pinned QE identity is Intel's published one (the collateral's QE
 * identity), and it is checked on this real quote: under an Intel anchor
 * that pins another MRSIGNER or ISVPRODID, the same quote is refused by
 * qe_identity, with and without collateral.
 */
static void test_real_qe_identity_pinned(void **state)
{
    (void)state;
    struct las_dcap_collateral col;
    struct las_qe_identity *qi = calloc(1, sizeof *qi);
    struct las_dcap_result r;
    char why[256];
    assert_non_null(qi);
    assert_int_equal(las_dcap_collateral_parse(R.col, R.col_len, &col, why, sizeof why), LAS_OK);
    assert_int_equal(las_qe_identity_parse((const uint8_t *)col.qe_identity, col.qe_identity_len,
                                           qi, why, sizeof why),
                     LAS_OK);
    assert_memory_equal(qi->mrsigner, las_dcap_intel_anchor.qe_mrsigner, 32);
    assert_int_equal(qi->isvprodid, las_dcap_intel_anchor.qe_isvprodid);
    las_dcap_collateral_free(&col);
    free(qi);

    for (int field = 0; field < 2; field++) {
        struct las_dcap_anchor other = las_dcap_intel_anchor;
        const struct las_dcap_anchor *anchors[] = {&other};
        struct las_dcap_trust trust = {anchors, 1};
        if (field == 0)
            other.qe_mrsigner[31] ^= 1;
        else
            other.qe_isvprodid = 2;
        for (int with_col = 0; with_col < 2; with_col++) {
            struct las_dcap_verify_options o = {.collateral = with_col ? R.col : NULL,
                                                .collateral_len = with_col ? R.col_len : 0,
                                                .at = T_REAL};
            assert_int_equal(verify_trusted(R.quote, R.quote_len, &o, &trust, &r), LAS_ERR_REFUSED);
            assert_string_equal(r.check, "qe_identity");
            assert_non_null(strstr(r.reason, field == 0 ? "MRSIGNER" : "ISVPRODID"));
        }
    }
}

static void test_real_quote_tampered(void **state)
{
    (void)state;
    struct las_dcap_result r;
    /* v3 offsets: signature data at 436, QE report at 564, auth data size at 1012. */
    const struct {
        size_t off;
        const char *check;
    } cases[] = {
        {0, "quote_format"},
        {20, "header"},
        {40, "quote_signature"},
        {48 + 64, "quote_signature"},
        {48 + 320, "quote_signature"},
        {436 + 10, "quote_signature"},
        {500 + 10, "qe_report_data"},
        {564 + 200, "qe_report_signature"},
        {948 + 10, "qe_report_signature"},
        {1014 + 5, "qe_report_data"},
        {1052 + 300, "pck_chain"},
        {4599, "pck_chain"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        R.quote[cases[i].off] ^= 0x01;
        assert_int_not_equal(real_run(R.col, R.col_len, T_REAL, false, &r), LAS_OK);
        if (strcmp(r.check, cases[i].check) != 0)
            fail_msg("offset %zu: refused by %s, expected %s (%s)", cases[i].off, r.check,
                     cases[i].check, r.reason);
        R.quote[cases[i].off] ^= 0x01;
    }
    for (size_t i = 0; i < R.quote_len; i++) {
        R.quote[i] ^= 0x01;
        if (real_run_unknown_tcb(T_REAL, &r) == LAS_OK)
            fail_msg("flipping byte %zu of the real quote verified", i);
        R.quote[i] ^= 0x01;
    }
    assert_int_equal(real_run(R.col, R.col_len, T_REAL, false, &r), LAS_OK);
    /* The other form of Intel's two signatures verifies with the same result (low-S not required).
     */
    struct las_dcap_result mauled;
    maul(R.quote + 436);
    maul(R.quote + 948);
    assert_int_equal(real_run(R.col, R.col_len, T_REAL, false, &mauled), LAS_OK);
    assert_memory_equal(&mauled, &r, sizeof r);
    maul(R.quote + 436);
    maul(R.quote + 948);
}

static void test_real_collateral_mismatch(void **state)
{
    (void)state;
    struct las_dcap_result r;
    int64_t t = 0;
    /* Window: TCB info issued 2025-06-19T10:56:11Z, QE identity next update 2025-07-19T10:01:18Z.
     */
    assert_int_equal(las_rfc3339_parse("2025-06-19T10:56:10Z", &t), LAS_OK);
    assert_int_not_equal(real_run(R.col, R.col_len, t, false, &r), LAS_OK);
    assert_string_equal(r.check, "tcb_info_validity");
    assert_int_equal(las_rfc3339_parse("2025-07-19T10:01:19Z", &t), LAS_OK);
    assert_int_not_equal(real_run(R.col, R.col_len, t, false, &r), LAS_OK);
    assert_string_equal(r.check, "qe_identity_validity");
    assert_int_equal(las_rfc3339_parse("2027-01-01T00:00:00Z", &t), LAS_OK);
    assert_int_not_equal(real_run(R.col, R.col_len, t, false, &r), LAS_OK);
    assert_string_equal(r.check, "pck_crl"); /* both CRLs expired: the leaf's is checked first */

    const struct {
        const char *field, *from, *to, *check;
    } edits[] = {
        {"tcb_info", "\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":18",
         "tcb_info_signature"},
        {"tcb_info", "00A067110000", "00A067110001", "tcb_info_signature"},
        {"qe_identity", "\"isvprodid\":1", "\"isvprodid\":2", "qe_identity_signature"},
        {"tcb_info_signature", "9ad0", "9ad1", "tcb_info_signature"},
        {"root_ca_crl", "3082", "3083", "root_ca_crl"},
        {"pck_crl", "3082012a", "3082012b", "pck_crl"},
        {"tcb_info_issuer_chain", "MIIC", "MIID", "tcb_info_issuer_chain"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        json_t *o = json_loadb((const char *)R.col, R.col_len, 0, NULL);
        const char *s = json_string_value(json_object_get(o, edits[i].field));
        assert_non_null(s);
        char *copy = strdup(s), *at = strstr(copy, edits[i].from);
        assert_non_null(at);
        memcpy(at, edits[i].to, strlen(edits[i].to));
        json_object_set_new(o, edits[i].field, json_string(copy));
        char *text = json_dumps(o, 0);
        if (real_run((const uint8_t *)text, strlen(text), T_REAL, false, &r) == LAS_OK ||
            strcmp(r.check, edits[i].check) != 0)
            fail_msg("edit %zu of %s: check %s (%s)", i, edits[i].field,
                     r.check ? r.check : "(none)", r.reason);
        free(text);
        free(copy);
        json_decref(o);
    }
    /*
     * Intel's own certificates in the wrong role: the quote's PCK chain (leaf
     * first) and the PCK CRL's issuer chain (the Processor CA) as signers.
     */
    const struct {
        const char *field, *because;
    } roles[] = {{"tcb_info_issuer_chain", "PCK certificate"},
                 {"qe_identity_issuer_chain", "PCK certificate"},
                 {"tcb_info_issuer_chain", "CA certificate"},
                 {"qe_identity_issuer_chain", "CA certificate"}};
    const char *pem = strstr((const char *)R.quote + 1052, "-----BEGIN");
    assert_non_null(pem);
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        json_t *o = json_loadb((const char *)R.col, R.col_len, 0, NULL);
        if (i < 2)
            json_object_set_new(o, roles[i].field, json_string(pem));
        else
            json_object_set(o, roles[i].field, json_object_get(o, "pck_crl_issuer_chain"));
        char *text = json_dumps(o, 0);
        if (real_run((const uint8_t *)text, strlen(text), T_REAL, false, &r) == LAS_OK ||
            strcmp(r.check, roles[i].field) != 0 || strstr(r.reason, roles[i].because) == NULL)
            fail_msg("%s as %s: check %s (%s)", roles[i].because, roles[i].field,
                     r.check ? r.check : "(none)", r.reason);
        free(text);
        json_decref(o);
    }

    /* A different signature: the QE identity's signature under the TCB info. */
    json_t *o = json_loadb((const char *)R.col, R.col_len, 0, NULL);
    json_object_set(o, "tcb_info_signature", json_object_get(o, "qe_identity_signature"));
    char *text = json_dumps(o, 0);
    assert_int_not_equal(real_run((const uint8_t *)text, strlen(text), T_REAL, false, &r), LAS_OK);
    assert_string_equal(r.check, "tcb_info_signature");
    free(text);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest synthetic[] = {
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_parsers_reject_garbage),
        cmocka_unit_test(test_sim_v3),
        cmocka_unit_test(test_sim_v4),
        cmocka_unit_test(test_tamper_v3),
        cmocka_unit_test(test_tamper_v4),
        cmocka_unit_test(test_binding_and_auth_data),
        cmocka_unit_test(test_untrusted_root_and_time),
        cmocka_unit_test(test_qe_identity_pinned_hardware),
        cmocka_unit_test(test_qe_identity_pinned_simulated),
        cmocka_unit_test(test_tcb_signer_role),
        cmocka_unit_test(test_pinned_intel_root),
        cmocka_unit_test(test_pem_chain_canonical),
        cmocka_unit_test(test_malleable_signatures_same_result),
        cmocka_unit_test(test_collateral_status),
        cmocka_unit_test(test_unknown_tcb_needs_toleration),
        cmocka_unit_test(test_collateral_verdict_reused),
        cmocka_unit_test(test_collateral_refusals),
        cmocka_unit_test(test_crl_without_next_update),
        cmocka_unit_test(test_sim_qe_quote),
    };
    const struct CMUnitTest real[] = {
        cmocka_unit_test(test_real_pinned_root),         cmocka_unit_test(test_real_quote),
        cmocka_unit_test(test_real_qe_identity_pinned),  cmocka_unit_test(test_real_quote_tampered),
        cmocka_unit_test(test_real_collateral_mismatch),
    };
    int rc = cmocka_run_group_tests_name("dcap_synthetic", synthetic, pki_setup, pki_teardown);
    if (rc != 0)
        return rc;
    char path[4096];
    const char *src = getenv("LAS_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/../shared/testdata/dcap/phala_sgx_quote.bin", src ? src : ".");
    if (src == NULL || access(path, R_OK) != 0) {
        fprintf(stderr, "SKIP: %s is absent; the real-quote tests did not run\n", path);
        return 77;
    }
    real_load();
    rc = cmocka_run_group_tests_name("dcap_real_intel_quote", real, NULL, NULL);
    free(R.quote);
    free(R.col);
    free(R.root);
    return rc;
}
