/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated quoting enclave: the DCAP v3 quote it writes, checked byte by
 * byte and with OpenSSL independently of the code under test; its keys and
 * certificates, their persistence and their refusal when corrupt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/crypto.h"
#include "common/file.h"
#include "common/hex.h"
#include "dcap/pck.h"
#include "dcap/root_pin.h"
#include "sim/sim_qe.h"
#include "las/dcap.h"
#include "sim/sim_cpu.h"
#include "test_helpers.h"

/* The simulated QE's anchor: the second one las_dcap_verify trusts. */
#define SIM_ANCHOR (*las_dcap_default_trust.anchors[1])

struct fixture {
    char *dir;
    struct las_sim_qe *qe;
    struct las_sim_cpu cpu; /* the same simulated CPU, as an application sees it */
    struct las_sim_enclave app;
    uint8_t quote[LAS_DCAP_QUOTE_MAX];
    size_t quote_len;
};

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void app_identity(struct las_sim_enclave *app)
{
    memset(app, 0, sizeof *app);
    app->attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
    app->attributes.xfrm = 3;
    memset(app->mrenclave, 0xaa, 32);
    memset(app->mrsigner, 0xbb, 32);
    app->isvprodid = 7;
    app->isvsvn = 5;
}

/* A REPORT of the test application for the QE, report_data 0x00, 0x01, ... */
static void app_report_for_qe(const struct las_sim_cpu *cpu, const struct las_sim_enclave *app,
                              const struct las_sim_qe *qe, struct las_sgx_report *out)
{
    struct las_sgx_targetinfo ti;
    uint8_t rd[64];
    for (int i = 0; i < 64; i++)
        rd[i] = (uint8_t)i;
    las_sim_qe_target_info(qe, &ti);
    assert_int_equal(las_sim_ereport(cpu, app, &ti, rd, out), LAS_OK);
}

static void make_quote(struct fixture *f)
{
    struct las_sgx_report r;
    app_report_for_qe(&f->cpu, &f->app, f->qe, &r);
    assert_int_equal(las_sim_qe_quote(f->qe, &r, f->quote, sizeof f->quote, &f->quote_len), LAS_OK);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char why[256];
    if (f == NULL || las_crypto_init() != LAS_OK || (f->dir = test_tmpdir()) == NULL)
        return -1;
    if (las_sim_qe_open(test_dir(f->dir), &f->qe, why, sizeof why) != LAS_OK) {
        fprintf(stderr, "las_sim_qe_open: %s\n", why);
        return -1;
    }
    if (las_sim_cpu_open(test_dir(f->dir), NULL, &f->cpu, NULL, why, sizeof why) != LAS_OK)
        return -1;
    app_identity(&f->app);
    make_quote(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    las_sim_qe_close(f->qe);
    test_tmpdir_free(f->dir);
    free(f);
    return 0;
}

/* ---- independent OpenSSL helpers ---- */

static EVP_PKEY *p256_public(const uint8_t xy[64])
{
    uint8_t point[65];
    point[0] = 0x04;
    memcpy(point + 1, xy, 64);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

static void pubkey_xy(EVP_PKEY *pkey, uint8_t xy[64])
{
    uint8_t point[65];
    size_t n = 0;
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &n), 1);
    assert_int_equal(n, 65);
    assert_int_equal(point[0], 0x04);
    memcpy(xy, point + 1, 64);
}

/* Whether sig (r||s) is a valid ECDSA-SHA256 signature of msg under pkey. */
static bool verify_raw(EVP_PKEY *pkey, const uint8_t *msg, size_t len, const uint8_t sig[64])
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    assert_non_null(es);
    assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
    uint8_t *der = NULL;
    int der_len = i2d_ECDSA_SIG(es, &der);
    assert_true(der_len > 0);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey), 1);
    int ok = EVP_DigestVerify(ctx, der, (size_t)der_len, msg, len);
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    return ok == 1;
}

/* The three certificates of the quote's certification data (leaf, CA, root). */
static void quote_chain(const uint8_t *quote, size_t len, X509 *chain[3])
{
    uint32_t size = get_u32(quote + LAS_SIM_QE_OFF_CERT_SIZE);
    assert_int_equal(LAS_SIM_QE_OFF_CERT_DATA + size, len);
    BIO *bio = BIO_new_mem_buf(quote + LAS_SIM_QE_OFF_CERT_DATA, (int)size);
    for (int i = 0; i < 3; i++) {
        chain[i] = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        assert_non_null(chain[i]);
    }
    /* Only the NUL terminator that Intel's QE also writes may follow. */
    char rest[8];
    assert_int_equal(BIO_read(bio, rest, sizeof rest), 1);
    assert_int_equal(rest[0], '\0');
    BIO_free(bio);
}

static void free_chain(X509 *chain[3])
{
    for (int i = 0; i < 3; i++)
        X509_free(chain[i]);
}

static void subject_cn(X509 *x, char *out, size_t n)
{
    assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out, (int)n) >
                0);
}

static void read_file(const char *dir, const char *name, uint8_t **buf, size_t *len)
{
    char path[512];
    test_path(path, sizeof path, dir, name);
    assert_int_equal(las_file_read(path, 65536, buf, len), LAS_OK);
}

/* ---- quote structure ---- */

static void test_header_and_body_offsets(void **state)
{
    struct fixture *f = *state;
    const uint8_t *q = f->quote;
    static const uint8_t intel_vendor[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                             0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
    static const uint8_t zero4[4];

    assert_int_equal(f->quote_len, las_sim_qe_quote_size(f->qe));
    assert_true(f->quote_len <= LAS_DCAP_QUOTE_MAX);
    assert_int_equal(get_u16(q + 0), 3);   /* version */
    assert_int_equal(get_u16(q + 2), 2);   /* ECDSA-256-with-P-256 */
    assert_int_equal(get_u32(q + 4), 0);   /* TEE type SGX */
    assert_int_equal(get_u16(q + 8), 8);   /* QE SVN */
    assert_int_equal(get_u16(q + 10), 13); /* PCE SVN */
    assert_memory_equal(q + 12, intel_vendor, 16);
    /* user data: a 16-byte QE ID, then 4 zero bytes */
    assert_memory_not_equal(q + 28, zero4, 4);
    assert_memory_equal(q + 44, zero4, 4);

    /* The application's report body, verbatim. */
    struct las_sgx_report r;
    uint8_t body[LAS_SGX_REPORT_BODY_SIZE];
    app_report_for_qe(&f->cpu, &f->app, f->qe, &r);
    las_sgx_report_body_serialize(&r.body, body);
    assert_memory_equal(q + 48, body, sizeof body);
    assert_int_equal(q[48 + 256], 7);     /* isvprodid of the app */
    assert_int_equal(q[48 + 320 + 5], 5); /* report_data byte 5 */

    assert_int_equal(get_u32(q + 432), f->quote_len - 436);
    assert_int_equal(get_u16(q + 1012), 32);
    for (int i = 0; i < 32; i++)
        assert_int_equal(q[1014 + i], i);
    assert_int_equal(get_u16(q + 1046), 5);
    assert_int_equal(get_u32(q + 1048), f->quote_len - 1052);
    assert_memory_equal(q + 1052, "-----BEGIN CERTIFICATE-----\n", 28);
    static const char end[] = "-----END CERTIFICATE-----\n";
    assert_memory_equal(q + f->quote_len - sizeof end, end, sizeof end); /* with its NUL */
}

static void test_qe_report_body_is_the_qe(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_report_body qe_body;
    struct las_sim_enclave qe_id;
    struct las_sgx_targetinfo ti;
    las_sim_qe_identity(&qe_id);
    assert_int_equal(las_sgx_report_body_parse(f->quote + 564, 384, &qe_body), LAS_OK);
    /* The values docs/sim-qe.md publishes. */
    uint8_t expect[32];
    assert_int_equal(
        las_hex_decode("9DEBF06AD285736C5F1EC3BD76D99F06A1034C912453AD7F7F2985BA86DDAD05", expect,
                       32),
        LAS_OK);
    assert_memory_equal(qe_id.mrenclave, expect, 32);
    assert_int_equal(
        las_hex_decode("334B21E67263A5A26BF488650C822E5E6D580D5196417BBA6B64B5C9DFEA9573", expect,
                       32),
        LAS_OK);
    assert_memory_equal(qe_id.mrsigner, expect, 32);
    struct las_sim_enclave pce;
    las_sim_pce_identity(&pce);
    assert_int_equal(
        las_hex_decode("ADAF87FBBCCB0714CFC50E8195762994B44EA3A4786B9D367F57C0BC669618DE", expect,
                       32),
        LAS_OK);
    assert_memory_equal(pce.mrenclave, expect, 32);
    assert_memory_equal(pce.mrsigner, qe_id.mrsigner, 32);
    assert_int_equal(pce.isvprodid, 2);
    assert_int_equal(pce.isvsvn, 13);
    assert_int_equal(qe_id.attributes.flags, 0x15);
    assert_int_equal(qe_id.attributes.xfrm, 0xe7);
    assert_memory_equal(qe_body.mrenclave, qe_id.mrenclave, 32);
    assert_memory_equal(qe_body.mrsigner, qe_id.mrsigner, 32);
    assert_int_equal(qe_body.isvprodid, 1);
    assert_int_equal(qe_body.isvsvn, 8);
    /* ... which is the identity DCAP verifiers pin for the simulated root (src/dcap/pck.c). */
    assert_memory_equal(qe_body.mrsigner, SIM_ANCHOR.qe_mrsigner, 32);
    assert_int_equal(qe_body.isvprodid, SIM_ANCHOR.qe_isvprodid);
    assert_int_equal(qe_body.attributes.flags, qe_id.attributes.flags);
    assert_memory_equal(qe_body.cpusvn, f->cpu.cpusvn, 16);
    /* The target info applications use names the same enclave. */
    las_sim_qe_target_info(f->qe, &ti);
    assert_memory_equal(ti.mrenclave, qe_id.mrenclave, 32);
}

static void test_quote_signature_verifies(void **state)
{
    struct fixture *f = *state;
    EVP_PKEY *att = p256_public(f->quote + 500);
    assert_true(verify_raw(att, f->quote, 432, f->quote + 436));
    /* Any change of header or body breaks it. */
    f->quote[48 + 64] ^= 1;
    assert_false(verify_raw(att, f->quote, 432, f->quote + 436));
    f->quote[48 + 64] ^= 1;
    f->quote[10] ^= 1;
    assert_false(verify_raw(att, f->quote, 432, f->quote + 436));
    f->quote[10] ^= 1;
    EVP_PKEY_free(att);
}

static void test_qe_report_data_binds_attestation_key(void **state)
{
    struct fixture *f = *state;
    uint8_t bound[96], expect[64] = {0};
    memcpy(bound, f->quote + 500, 64);
    memcpy(bound + 64, f->quote + 1014, 32);
    assert_int_equal(las_sha256(bound, sizeof bound, expect), LAS_OK);
    assert_memory_equal(f->quote + 564 + 320, expect, 64);
}

static void test_qe_report_mac_and_pck_signature(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_report own;
    struct las_sim_enclave pce, qe_id;
    struct las_sgx_keyrequest req;
    uint8_t body[384], key[16], mac[16];

    /* The quote carries the body of the REPORT the simulated PCE certified. */
    las_sim_qe_own_report(f->qe, &own);
    las_sgx_report_body_serialize(&own.body, body);
    assert_memory_equal(f->quote + 564, body, 384);

    /* Its MAC verifies with the PCE's REPORT key (it is targeted at the PCE)... */
    las_sim_pce_identity(&pce);
    memset(&req, 0, sizeof req);
    req.keyname = LAS_SGX_KEYNAME_REPORT;
    memcpy(req.keyid, own.keyid, 32);
    assert_int_equal(las_sim_egetkey(&f->cpu, &pce, &req, key), LAS_SGX_SUCCESS);
    assert_int_equal(las_aes_cmac(key, body, sizeof body, mac), LAS_OK);
    assert_memory_equal(mac, own.mac, 16);
    /* ...and not with the QE's own. */
    las_sim_qe_identity(&qe_id);
    assert_int_equal(las_sim_egetkey(&f->cpu, &qe_id, &req, key), LAS_SGX_SUCCESS);
    assert_int_equal(las_aes_cmac(key, body, sizeof body, mac), LAS_OK);
    assert_memory_not_equal(mac, own.mac, 16);

    /* The QE report signature verifies under the PCK leaf of the embedded chain. */
    X509 *chain[3];
    quote_chain(f->quote, f->quote_len, chain);
    assert_true(verify_raw(X509_get0_pubkey(chain[0]), f->quote + 564, 384, f->quote + 948));
    assert_false(verify_raw(X509_get0_pubkey(chain[1]), f->quote + 564, 384, f->quote + 948));
    f->quote[564 + 100] ^= 0x80;
    assert_false(verify_raw(X509_get0_pubkey(chain[0]), f->quote + 564, 384, f->quote + 948));
    f->quote[564 + 100] ^= 0x80;
    free_chain(chain);
}

static void test_chain_verifies_to_stored_root(void **state)
{
    struct fixture *f = *state;
    X509 *chain[3];
    uint8_t *file = NULL;
    size_t file_len = 0;
    char cn[128];
    struct stat sb;
    char path[512];

    quote_chain(f->quote, f->quote_len, chain);
    subject_cn(chain[0], cn, sizeof cn);
    assert_string_equal(cn, "LAS Simulated SGX PCK Certificate");
    subject_cn(chain[1], cn, sizeof cn);
    assert_string_equal(cn, "LAS Simulated SGX PCK Platform CA");
    subject_cn(chain[2], cn, sizeof cn);
    assert_string_equal(cn, LAS_SIM_ROOT_CA_CN);

    /* The root in the quote is the root of the file. */
    X509 *root = chain[2];
    read_file(f->dir, LAS_SIM_QE_ROOT_FILE, &file, &file_len);
    BIO *bio = BIO_new_mem_buf(file, (int)file_len);
    X509 *stored = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    assert_non_null(stored);
    assert_int_equal(X509_cmp(stored, root), 0);
    BIO_free(bio);
    free(file);

    /* Public certificates 0644 (the lock file needs nothing more than 0600). */
    test_path(path, sizeof path, f->dir, LAS_SIM_QE_ROOT_FILE);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    test_path(path, sizeof path, f->dir, LAS_SIM_QE_CA_FILE);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    test_path(path, sizeof path, f->dir, LAS_SIM_QE_PCK_FILE);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);

    /* Standard X.509 path validation: leaf <- CA (untrusted) <- stored root (trusted). */
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    assert_int_equal(X509_STORE_add_cert(store, stored), 1);
    assert_true(sk_X509_push(untrusted, chain[1]) > 0);
    assert_int_equal(X509_STORE_CTX_init(ctx, store, chain[0], untrusted), 1);
    assert_int_equal(X509_verify_cert(ctx), 1);
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);

    /* Root self-signed; CA signed by root, not by itself; leaf signed by CA. */
    assert_int_equal(X509_verify(chain[2], X509_get0_pubkey(chain[2])), 1);
    assert_int_equal(X509_verify(chain[1], X509_get0_pubkey(chain[2])), 1);
    assert_int_equal(X509_verify(chain[0], X509_get0_pubkey(chain[1])), 1);
    assert_int_not_equal(X509_verify(chain[0], X509_get0_pubkey(chain[2])), 1);
    X509_free(stored);
    free_chain(chain);
}

/* ---- the SGX extension of the PCK certificate ---- */

struct sgx_ext {
    uint8_t ppid[16];
    int comp[16];
    int pcesvn;
    uint8_t cpusvn[16];
    uint8_t pceid[2];
    uint8_t fmspc[6];
    long sgx_type;
    int found; /* bit per field */
};

static void oid_text(const ASN1_TYPE *t, char *out, size_t n)
{
    assert_int_equal(ASN1_TYPE_get(t), V_ASN1_OBJECT);
    assert_true(OBJ_obj2txt(out, (int)n, t->value.object, 1) > 0);
}

static void octets(const ASN1_TYPE *t, uint8_t *out, int n)
{
    assert_int_equal(ASN1_TYPE_get(t), V_ASN1_OCTET_STRING);
    assert_int_equal(ASN1_STRING_length(t->value.octet_string), n);
    memcpy(out, ASN1_STRING_get0_data(t->value.octet_string), (size_t)n);
}

static ASN1_SEQUENCE_ANY *subseq(const ASN1_TYPE *t)
{
    assert_int_equal(ASN1_TYPE_get(t), V_ASN1_SEQUENCE);
    const unsigned char *p = ASN1_STRING_get0_data(t->value.sequence);
    ASN1_SEQUENCE_ANY *s = d2i_ASN1_SEQUENCE_ANY(NULL, &p, ASN1_STRING_length(t->value.sequence));
    assert_non_null(s);
    return s;
}

/* Reads Intel's SGX extension generically with OpenSSL's ASN.1 parser. */
static void parse_sgx_ext(X509 *pck, struct sgx_ext *e)
{
    static const char base[] = "1.2.840.113741.1.13.1";
    char oid[64];
    memset(e, 0, sizeof *e);
    ASN1_OBJECT *obj = OBJ_txt2obj(base, 1);
    int idx = X509_get_ext_by_OBJ(pck, obj, -1);
    assert_true(idx >= 0);
    X509_EXTENSION *ext = X509_get_ext(pck, idx);
    assert_int_equal(X509_EXTENSION_get_critical(ext), 0);
    ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(ext);
    const unsigned char *p = ASN1_STRING_get0_data(os);
    ASN1_SEQUENCE_ANY *top = d2i_ASN1_SEQUENCE_ANY(NULL, &p, ASN1_STRING_length(os));
    assert_non_null(top);
    assert_int_equal(sk_ASN1_TYPE_num(top), 5);
    for (int i = 0; i < sk_ASN1_TYPE_num(top); i++) {
        ASN1_SEQUENCE_ANY *pair = subseq(sk_ASN1_TYPE_value(top, i));
        assert_int_equal(sk_ASN1_TYPE_num(pair), 2);
        oid_text(sk_ASN1_TYPE_value(pair, 0), oid, sizeof oid);
        const ASN1_TYPE *v = sk_ASN1_TYPE_value(pair, 1);
        if (strcmp(oid, "1.2.840.113741.1.13.1.1") == 0) {
            octets(v, e->ppid, 16);
            e->found |= 1;
        } else if (strcmp(oid, "1.2.840.113741.1.13.1.2") == 0) {
            ASN1_SEQUENCE_ANY *tcb = subseq(v);
            assert_int_equal(sk_ASN1_TYPE_num(tcb), 18);
            for (int j = 0; j < 18; j++) {
                ASN1_SEQUENCE_ANY *c = subseq(sk_ASN1_TYPE_value(tcb, j));
                char expect[64];
                snprintf(expect, sizeof expect, "1.2.840.113741.1.13.1.2.%d", j + 1);
                oid_text(sk_ASN1_TYPE_value(c, 0), oid, sizeof oid);
                assert_string_equal(oid, expect);
                const ASN1_TYPE *cv = sk_ASN1_TYPE_value(c, 1);
                if (j < 17) {
                    assert_int_equal(ASN1_TYPE_get(cv), V_ASN1_INTEGER);
                    long n = ASN1_INTEGER_get(cv->value.integer);
                    if (j < 16)
                        e->comp[j] = (int)n;
                    else
                        e->pcesvn = (int)n;
                } else {
                    octets(cv, e->cpusvn, 16);
                }
                sk_ASN1_TYPE_pop_free(c, ASN1_TYPE_free);
            }
            sk_ASN1_TYPE_pop_free(tcb, ASN1_TYPE_free);
            e->found |= 2;
        } else if (strcmp(oid, "1.2.840.113741.1.13.1.3") == 0) {
            octets(v, e->pceid, 2);
            e->found |= 4;
        } else if (strcmp(oid, "1.2.840.113741.1.13.1.4") == 0) {
            octets(v, e->fmspc, 6);
            e->found |= 8;
        } else if (strcmp(oid, "1.2.840.113741.1.13.1.5") == 0) {
            assert_int_equal(ASN1_TYPE_get(v), V_ASN1_ENUMERATED);
            e->sgx_type = ASN1_ENUMERATED_get(v->value.enumerated);
            e->found |= 16;
        } else {
            fail_msg("unexpected SGX extension element %s", oid);
        }
        sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
    }
    sk_ASN1_TYPE_pop_free(top, ASN1_TYPE_free);
    ASN1_OBJECT_free(obj);
    assert_int_equal(e->found, 31);
}

static void test_pck_sgx_extension(void **state)
{
    struct fixture *f = *state;
    static const uint8_t fmspc[6] = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00};
    static const uint8_t zero16[16];
    X509 *chain[3];
    struct sgx_ext e;
    quote_chain(f->quote, f->quote_len, chain);
    parse_sgx_ext(chain[0], &e);
    assert_memory_equal(e.fmspc, fmspc, 6);
    assert_int_equal(e.pceid[0], 0);
    assert_int_equal(e.pceid[1], 0);
    assert_int_equal(e.pcesvn, 13);
    assert_int_equal(e.pcesvn, get_u16(f->quote + 10));
    assert_memory_equal(e.cpusvn, f->cpu.cpusvn, 16);
    for (int i = 0; i < 16; i++)
        assert_int_equal(e.comp[i], f->cpu.cpusvn[i]);
    assert_int_equal(e.sgx_type, 0);
    assert_memory_not_equal(e.ppid, zero16, 16);
    /* The default CPUSVN has a component 0xff: it must be a positive INTEGER. */
    assert_int_equal(e.comp[4], 0xff);
    free_chain(chain);
}

/* ---- persistence ---- */

static void test_state_persists_across_reopen(void **state)
{
    struct fixture *f = *state;
    static const char *const files[] = {LAS_SIM_QE_ROOT_FILE, LAS_SIM_QE_CA_FILE,
                                        LAS_SIM_QE_PCK_FILE};
    uint8_t *before[3], *after[3];
    size_t before_len[3], after_len[3];
    struct las_sim_qe *again = NULL;
    uint8_t *q2 = malloc(LAS_DCAP_QUOTE_MAX);
    size_t q2_len = 0;
    struct las_sgx_report r;
    char why[256];

    for (int i = 0; i < 3; i++)
        read_file(f->dir, files[i], &before[i], &before_len[i]);
    assert_int_equal(las_sim_qe_open(test_dir(f->dir), &again, why, sizeof why), LAS_OK);
    for (int i = 0; i < 3; i++) {
        read_file(f->dir, files[i], &after[i], &after_len[i]);
        assert_int_equal(before_len[i], after_len[i]);
        assert_memory_equal(before[i], after[i], before_len[i]);
        free(before[i]);
        free(after[i]);
    }
    app_report_for_qe(&f->cpu, &f->app, again, &r);
    assert_int_equal(las_sim_qe_quote(again, &r, q2, LAS_DCAP_QUOTE_MAX, &q2_len), LAS_OK);
    assert_int_equal(q2_len, f->quote_len);
    /* Same header (QE ID included), attestation key, QE report and chain. */
    assert_memory_equal(q2, f->quote, 48);
    assert_memory_equal(q2 + 500, f->quote + 500, 64 + 384);
    assert_memory_equal(q2 + 1012, f->quote + 1012, f->quote_len - 1012);
    /* ECDSA signatures are randomized, yet both verify. */
    EVP_PKEY *att = p256_public(q2 + 500);
    assert_true(verify_raw(att, q2, 432, q2 + 436));
    EVP_PKEY_free(att);
    las_sim_qe_close(again);
    free(q2);
}

static void test_platforms_differ_and_foreign_reports_refused(void **state)
{
    struct fixture *f = *state;
    char *dir2 = test_tmpdir();
    struct las_sim_qe *qe2 = NULL;
    struct las_sim_cpu cpu2;
    struct las_sgx_report r;
    char why[256];
    uint8_t root1[LAS_DCAP_ROOT_PIN_SIZE], root2[LAS_DCAP_ROOT_PIN_SIZE];
    size_t len = 1;
    uint8_t *q2 = malloc(LAS_DCAP_QUOTE_MAX);
    X509 *chain1[3], *chain2[3];

    assert_non_null(dir2);
    assert_int_equal(las_sim_qe_open(test_dir(dir2), &qe2, why, sizeof why), LAS_OK);
    assert_int_equal(las_sim_cpu_open(test_dir(dir2), NULL, &cpu2, NULL, why, sizeof why), LAS_OK);
    app_report_for_qe(&cpu2, &f->app, qe2, &r);
    assert_int_equal(las_sim_qe_quote(qe2, &r, q2, LAS_DCAP_QUOTE_MAX, &len), LAS_OK);
    /* Each simulated platform has a root CA of its own. */
    assert_int_equal(las_dcap_quote_root_pin(f->quote, f->quote_len, root1), LAS_OK);
    assert_int_equal(las_dcap_quote_root_pin(q2, len, root2), LAS_OK);
    assert_memory_not_equal(root1, root2, sizeof root1);
    assert_memory_not_equal(q2 + 500, f->quote + 500, 64); /* attestation key */
    assert_memory_not_equal(q2 + 28, f->quote + 28, 16);   /* QE ID */
    quote_chain(f->quote, f->quote_len, chain1);
    quote_chain(q2, len, chain2);
    assert_int_not_equal(EVP_PKEY_eq(X509_get0_pubkey(chain1[0]), X509_get0_pubkey(chain2[0])), 1);
    assert_int_not_equal(EVP_PKEY_eq(X509_get0_pubkey(chain1[2]), X509_get0_pubkey(chain2[2])), 1);
    /* The other platform's chain does not verify under this platform's root. */
    assert_int_not_equal(X509_verify(chain2[1], X509_get0_pubkey(chain1[2])), 1);
    free_chain(chain1);
    free_chain(chain2);

    /* A REPORT made on the other simulated CPU (for a QE of the same identity) is refused. */
    len = 1;
    memset(q2, 0xee, LAS_DCAP_QUOTE_MAX);
    assert_int_equal(las_sim_qe_quote(f->qe, &r, q2, LAS_DCAP_QUOTE_MAX, &len), LAS_ERR_REPORT_MAC);
    assert_int_equal(len, 0);
    assert_int_equal(q2[0], 0);
    assert_int_equal(q2[LAS_DCAP_QUOTE_MAX - 1], 0);

    las_sim_qe_close(qe2);
    test_tmpdir_free(dir2);
    free(q2);
}

static void test_report_for_other_target_refused(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_targetinfo other;
    struct las_sgx_report r;
    struct las_sim_enclave pce;
    uint8_t rd[64] = {0}, *q = malloc(LAS_DCAP_QUOTE_MAX);
    size_t len = 1;

    /* Targeted at another enclave (the application itself). */
    las_sim_enclave_targetinfo(&f->app, &other);
    assert_int_equal(las_sim_ereport(&f->cpu, &f->app, &other, rd, &r), LAS_OK);
    assert_int_equal(las_sim_qe_quote(f->qe, &r, q, LAS_DCAP_QUOTE_MAX, &len), LAS_ERR_REPORT_MAC);
    assert_int_equal(len, 0);
    /* Targeted at the simulated PCE. */
    las_sim_pce_identity(&pce);
    las_sim_enclave_targetinfo(&pce, &other);
    assert_int_equal(las_sim_ereport(&f->cpu, &f->app, &other, rd, &r), LAS_OK);
    assert_int_equal(las_sim_qe_quote(f->qe, &r, q, LAS_DCAP_QUOTE_MAX, &len), LAS_ERR_REPORT_MAC);
    /* Made for the QE but altered afterwards. */
    app_report_for_qe(&f->cpu, &f->app, f->qe, &r);
    r.body.isvsvn++;
    assert_int_equal(las_sim_qe_quote(f->qe, &r, q, LAS_DCAP_QUOTE_MAX, &len), LAS_ERR_REPORT_MAC);
    r.body.isvsvn--;
    r.mac[15] ^= 1;
    assert_int_equal(las_sim_qe_quote(f->qe, &r, q, LAS_DCAP_QUOTE_MAX, &len), LAS_ERR_REPORT_MAC);
    r.mac[15] ^= 1;
    assert_int_equal(las_sim_qe_quote(f->qe, &r, q, LAS_DCAP_QUOTE_MAX, &len), LAS_OK);
    assert_int_equal(len, f->quote_len);
    free(q);
}

static void test_cap_too_small_refused(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_report r;
    size_t need = las_sim_qe_quote_size(f->qe), len = 1;
    uint8_t *q = malloc(need);
    app_report_for_qe(&f->cpu, &f->app, f->qe, &r);
    memset(q, 0xee, need);
    assert_int_equal(las_sim_qe_quote(f->qe, &r, q, need - 1, &len), LAS_ERR_BAD_SIZE);
    assert_int_equal(len, 0);
    assert_int_equal(q[0], 0);
    assert_int_equal(q[need - 2], 0);
    assert_int_equal(q[need - 1], 0xee); /* nothing written beyond cap */
    assert_int_equal(las_sim_qe_quote(f->qe, &r, q, 0, &len), LAS_ERR_BAD_SIZE);
    assert_int_equal(las_sim_qe_quote(f->qe, &r, q, need, &len), LAS_OK);
    assert_int_equal(len, need);
    free(q);
}

/* ---- corrupt state ---- */

static void write_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[512];
    test_path(path, sizeof path, dir, name);
    assert_int_equal(test_write_file(path, data, len, 0644), 0);
}

/* Opening with name holding bad must fail with LAS_ERR_STATE and leave bad in place. */
static void expect_refused(const char *dir, const char *name, const uint8_t *bad, size_t bad_len)
{
    struct las_sim_qe *qe = (struct las_sim_qe *)1;
    char why[512];
    uint8_t *now = NULL;
    size_t now_len = 0;
    write_file(dir, name, bad, bad_len);
    assert_int_equal(las_sim_qe_open(test_dir(dir), &qe, why, sizeof why), LAS_ERR_STATE);
    assert_null(qe);
    assert_non_null(strstr(why, name));
    read_file(dir, name, &now, &now_len);
    assert_int_equal(now_len, bad_len);
    assert_memory_equal(now, bad, bad_len);
    free(now);
}

static void test_corrupt_certificates_refused(void **state)
{
    struct fixture *f = *state;
    static const char *const files[] = {LAS_SIM_QE_ROOT_FILE, LAS_SIM_QE_CA_FILE,
                                        LAS_SIM_QE_PCK_FILE};
    char *dir2 = test_tmpdir();
    struct las_sim_qe *qe2 = NULL;
    char why[256];
    assert_non_null(dir2);
    assert_int_equal(las_sim_qe_open(test_dir(dir2), &qe2, why, sizeof why), LAS_OK);
    las_sim_qe_close(qe2);

    for (int i = 0; i < 3; i++) {
        uint8_t *good = NULL, *bad = NULL, *foreign = NULL;
        size_t len = 0, foreign_len = 0;
        read_file(f->dir, files[i], &good, &len);
        read_file(dir2, files[i], &foreign, &foreign_len);
        bad = malloc(len + 16);
        assert_non_null(bad);

        /* One base64 character changed (in the TBS part or the signature). */
        for (size_t pos = 40; pos < len - 40; pos += len / 5) {
            memcpy(bad, good, len);
            size_t at = pos;
            while (bad[at] == '\n')
                at++;
            bad[at] = bad[at] == 'A' ? 'B' : 'A';
            expect_refused(f->dir, files[i], bad, len);
        }
        /* Truncated, empty, trailing garbage. */
        expect_refused(f->dir, files[i], good, len / 2);
        expect_refused(f->dir, files[i], good, 0);
        memcpy(bad, good, len);
        memcpy(bad + len, "garbage\n", 8);
        expect_refused(f->dir, files[i], bad, len + 8);
        /* A valid certificate of another simulated platform. */
        expect_refused(f->dir, files[i], foreign, foreign_len);

        /* Restored, the platform opens again. */
        write_file(f->dir, files[i], good, len);
        assert_int_equal(las_sim_qe_open(test_dir(f->dir), &qe2, why, sizeof why), LAS_OK);
        las_sim_qe_close(qe2);
        free(good);
        free(bad);
        free(foreign);
    }
    test_tmpdir_free(dir2);
}

static void test_not_a_regular_file_refused(void **state)
{
    struct fixture *f = *state;
    struct las_sim_qe *qe2 = NULL;
    char path[512], why[256];
    uint8_t *good = NULL;
    size_t len = 0;
    read_file(f->dir, LAS_SIM_QE_CA_FILE, &good, &len);
    test_path(path, sizeof path, f->dir, LAS_SIM_QE_CA_FILE);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(las_sim_qe_open(test_dir(f->dir), &qe2, why, sizeof why),
                     LAS_ERR_STATE_UNSAFE);
    assert_null(qe2);
    assert_int_equal(rmdir(path), 0);
    /* A symbolic link is not followed, even to a good certificate. */
    char target[600];
    test_path(target, sizeof target, f->dir, "elsewhere.pem");
    write_file(f->dir, "elsewhere.pem", good, len);
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(las_sim_qe_open(test_dir(f->dir), &qe2, why, sizeof why),
                     LAS_ERR_STATE_UNSAFE);
    assert_non_null(strstr(why, "is a symbolic link"));
    assert_null(qe2);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(unlink(target), 0);
    write_file(f->dir, LAS_SIM_QE_CA_FILE, good, len);
    free(good);
}

static void test_missing_certificates_issued_again(void **state)
{
    struct fixture *f = *state;
    struct las_sim_qe *qe2 = NULL;
    char path[512], why[256];
    uint8_t *q2 = malloc(LAS_DCAP_QUOTE_MAX);
    size_t len = 0;
    struct las_sgx_report r;
    X509 *chain1[3], *chain2[3];

    test_path(path, sizeof path, f->dir, LAS_SIM_QE_PCK_FILE);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(las_sim_qe_open(test_dir(f->dir), &qe2, why, sizeof why), LAS_OK);
    assert_int_equal(access(path, F_OK), 0);
    app_report_for_qe(&f->cpu, &f->app, qe2, &r);
    assert_int_equal(las_sim_qe_quote(qe2, &r, q2, LAS_DCAP_QUOTE_MAX, &len), LAS_OK);
    quote_chain(f->quote, f->quote_len, chain1);
    quote_chain(q2, len, chain2);
    /* A new certificate (serial, validity) for the same derived key. */
    assert_int_not_equal(X509_cmp(chain1[0], chain2[0]), 0);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(chain1[0]), X509_get0_pubkey(chain2[0])), 1);
    assert_int_equal(X509_cmp(chain1[2], chain2[2]), 0);
    free_chain(chain1);
    free_chain(chain2);
    las_sim_qe_close(qe2);
    free(q2);
}

/* A simulated microcode update: new TCB, new PCK certificate and attestation key, same root. */
static void test_tcb_change_reissues_pck(void **state)
{
    struct fixture *f = *state;
    struct las_sim_qe *qe2 = NULL;
    struct las_sim_cpu cpu2;
    uint8_t cpusvn[16];
    char why[256];
    uint8_t *q2 = malloc(LAS_DCAP_QUOTE_MAX);
    size_t len = 0;
    struct las_sgx_report r;
    X509 *chain1[3], *chain2[3];
    struct sgx_ext e;

    memcpy(cpusvn, f->cpu.cpusvn, 16);
    cpusvn[0]++;
    assert_int_equal(las_sim_cpu_open(test_dir(f->dir), cpusvn, &cpu2, NULL, why, sizeof why),
                     LAS_OK);
    assert_int_equal(las_sim_qe_open(test_dir(f->dir), &qe2, why, sizeof why), LAS_OK);
    app_report_for_qe(&cpu2, &f->app, qe2, &r);
    assert_int_equal(las_sim_qe_quote(qe2, &r, q2, LAS_DCAP_QUOTE_MAX, &len), LAS_OK);
    quote_chain(f->quote, f->quote_len, chain1);
    quote_chain(q2, len, chain2);
    assert_int_equal(X509_cmp(chain1[2], chain2[2]), 0);
    assert_int_equal(X509_cmp(chain1[1], chain2[1]), 0);
    assert_int_not_equal(EVP_PKEY_eq(X509_get0_pubkey(chain1[0]), X509_get0_pubkey(chain2[0])), 1);
    parse_sgx_ext(chain2[0], &e);
    assert_memory_equal(e.cpusvn, cpusvn, 16);
    assert_int_equal(e.comp[0], cpusvn[0]);
    assert_memory_not_equal(q2 + 500, f->quote + 500, 64);
    assert_memory_equal(q2 + 28, f->quote + 28, 16); /* the QE ID does not depend on the TCB */
    assert_memory_equal(q2 + 564, cpusvn, 16);       /* QE report at the new CPUSVN */
    /* The new chain still validates, and the QE report signature under the new PCK key. */
    assert_true(verify_raw(X509_get0_pubkey(chain2[0]), q2 + 564, 384, q2 + 948));
    assert_int_equal(X509_verify(chain2[0], X509_get0_pubkey(chain2[1])), 1);
    uint8_t xy[64];
    pubkey_xy(X509_get0_pubkey(chain2[0]), xy);
    assert_memory_not_equal(xy, q2 + 500, 64); /* PCK key and attestation key are distinct */
    free_chain(chain1);
    free_chain(chain2);
    las_sim_qe_close(qe2);
    free(q2);
    f->cpu = cpu2; /* keep the fixture consistent for later tests */
}

static void test_argument_checks(void **state)
{
    struct fixture *f = *state;
    size_t len = 1;
    uint8_t q[8];
    struct las_sgx_report r;
    memset(&r, 0, sizeof r);
    assert_int_equal(las_sim_qe_quote(f->qe, NULL, q, sizeof q, &len), LAS_ERR_INVALID_ARGUMENT);
    assert_int_equal(len, 0);
    assert_int_equal(las_sim_qe_quote(f->qe, &r, NULL, 0, &len), LAS_ERR_INVALID_ARGUMENT);
    las_sim_qe_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_header_and_body_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qe_report_body_is_the_qe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quote_signature_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qe_report_data_binds_attestation_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qe_report_mac_and_pck_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_verifies_to_stored_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pck_sgx_extension, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_persists_across_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_platforms_differ_and_foreign_reports_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_report_for_other_target_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_too_small_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_certificates_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_regular_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_certificates_issued_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcb_change_reissues_pck, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argument_checks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
