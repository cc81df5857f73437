/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: forges platform evidence the way a holder of a platform's PCK
 * key (here: whoever reads a simulated platform's state directory) could,
 * to check that verifiers refuse it (tests/integration/test_forgery.sh).
 *
 *   las_test_forge_dcap STATE_DIR EVIDENCE_IN EVIDENCE_OUT [options]
 *     --qe-mrsigner HEX      the certified QE report's MRSIGNER (default: the simulated QE's)
 *     --qe-isvprodid N       its ISVPRODID (default: the simulated QE's)
 *     --collateral FILE      also write collateral for the platform, signed under its root
 *     --tcb-signer WHO       who signs the TCB info: tcb (default), pck (the PCK leaf) or ca
 *     --objects DIR          also write the collateral's signed objects to DIR/tcb_info.json
 *                            and DIR/qe_identity.json (fuzz seeds, tests/fuzz/make-corpus.sh)
 *
 * The hardware quote of EVIDENCE_IN is re-made as a quoting enclave of one's
 * own would make it: a fresh attestation key, a QE report with the given
 * identity that the platform's PCK key certifies, the same report body. So
 * with the default identity the forgery is a valid quote (the control), and
 * otherwise it differs only in the QE's identity. The collateral's QE identity
 * names the QE report's identity, whatever it is: it agrees with the forgery.
 */
#include <getopt.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/rfc3339.h"
#include "dcap/dcap_quote.h"
#include "dcap/pck.h"
#include "sim/sim_qe.h"
#include "format/evidence_json.h"
#include "sim/sim_cpu.h"

#define DIE(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "las_test_forge_dcap: " __VA_ARGS__);                                      \
        fputc('\n', stderr);                                                                       \
        exit(1);                                                                                   \
    } while (0)

enum { KEY_ROOT = 0, KEY_CA = 1, KEY_PCK = 2 }; /* las_sim_qe_derive_key's numbers */

static void sign_raw(EVP_PKEY *key, const void *msg, size_t n, uint8_t sig[64])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char der[80];
    size_t der_len = sizeof der;
    if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, der, &der_len, msg, n) != 1)
        DIE("cannot sign");
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (es == NULL || BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) != 32)
        DIE("cannot sign");
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(md);
}

static char *read_text(const char *dir, const char *file)
{
    char path[LAS_PATH_MAX];
    uint8_t *buf = NULL;
    size_t len = 0;
    if (las_path_join(path, sizeof path, dir, file) != LAS_OK)
        DIE("path too long: %s/%s", dir, file);
    if (las_file_read(path, 64 * 1024, &buf, &len) != LAS_OK)
        DIE("cannot read %s", path);
    char *s = realloc(buf, len + 1);
    s[len] = '\0';
    return s;
}

static X509 *read_cert(const char *dir, const char *file)
{
    char *pem = read_text(dir, file);
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (x == NULL)
        DIE("%s is not a certificate", file);
    BIO_free(bio);
    free(pem);
    return x;
}

static char *cert_pem(X509 *x)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    PEM_write_bio_X509(bio, x);
    long n = BIO_get_mem_data(bio, &data);
    char *s = strndup(data, (size_t)n);
    BIO_free(bio);
    return s;
}

static char *concat(const char *a, const char *b, const char *c)
{
    char *s = NULL;
    if (asprintf(&s, "%s%s%s", a, b, c ? c : "") < 0)
        DIE("out of memory");
    return s;
}

/* The simulated hierarchy's TCB Signing certificate, issued by its root. */
static X509 *tcb_signing_cert(X509 *root, EVP_PKEY *root_key, EVP_PKEY *key)
{
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509V3_CTX v3;
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                               (const unsigned char *)LAS_SIM_TCB_SIGNING_CN, -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, X509_get_subject_name(root));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400);
    X509_set_pubkey(x, key);
    X509V3_set_ctx(&v3, root, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:FALSE");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    e = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, "critical,digitalSignature,nonRepudiation");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    if (X509_sign(x, root_key, EVP_sha256()) <= 0)
        DIE("cannot issue the TCB signing certificate");
    X509_NAME_free(n);
    return x;
}

static char *crl_hex(X509 *issuer, EVP_PKEY *key)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
    X509_gmtime_adj(t, -3600);
    X509_CRL_set1_lastUpdate(crl, t);
    X509_gmtime_adj(t, 30L * 86400);
    X509_CRL_set1_nextUpdate(crl, t);
    ASN1_TIME_free(t);
    if (X509_CRL_sign(crl, key, EVP_sha256()) <= 0)
        DIE("cannot sign a CRL");
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(crl, &der);
    char *hex = malloc(2 * (size_t)n + 1);
    las_hex_encode(der, (size_t)n, hex, 0);
    OPENSSL_free(der);
    X509_CRL_free(crl);
    return hex;
}

struct collateral_in {
    const char *state_dir;
    EVP_PKEY *root_key, *ca_key, *pck_key;
    const struct las_sgx_report_body *qe; /* the QE report the identity names */
    const char *tcb_signer;
    const char *objects_dir;
};

static void write_object(const char *dir, const char *name, const char *text)
{
    char path[LAS_PATH_MAX];
    if (las_path_join(path, sizeof path, dir, name) != LAS_OK)
        DIE("path too long: %s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
        DIE("cannot write %s", path);
}

/* TCB info and QE identity in Intel's layout (docs/dcap.md) with one UpToDate level each. */
static void write_collateral(const char *out, const struct collateral_in *in)
{
    X509 *root = read_cert(in->state_dir, LAS_SIM_QE_ROOT_FILE);
    X509 *ca = read_cert(in->state_dir, LAS_SIM_QE_CA_FILE);
    char *root_pem = read_text(in->state_dir, LAS_SIM_QE_ROOT_FILE);
    char *ca_pem = read_text(in->state_dir, LAS_SIM_QE_CA_FILE);
    char *pck_pem = read_text(in->state_dir, LAS_SIM_QE_PCK_FILE);
    EVP_PKEY *tcb_key = EVP_EC_gen("P-256");
    X509 *tcb_cert = tcb_signing_cert(root, in->root_key, tcb_key);
    char *tcb_pem = cert_pem(tcb_cert);
    char issue[LAS_RFC3339_SIZE], next[LAS_RFC3339_SIZE], fmspc[13], mrsigner[65];
    char comps[512] = "", *tcb_info = NULL, *qe_identity = NULL;
    uint8_t sig[64];
    char sig_hex[129];

    las_rfc3339_format((int64_t)time(NULL) - 3600, issue);
    las_rfc3339_format((int64_t)time(NULL) + 30 * 86400, next);
    las_hex_encode(las_sim_qe_fmspc, 6, fmspc, 1);
    las_hex_encode(in->qe->mrsigner, 32, mrsigner, 1);
    for (int i = 0; i < 16; i++)
        strcat(comps, i ? ",{\"svn\":0}" : "{\"svn\":0}");
    if (asprintf(&tcb_info,
                 "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
                 "\"fmspc\":\"%s\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":1,"
                 "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\":[%s],\"pcesvn\":0},"
                 "\"tcbDate\":\"2025-01-01T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]}",
                 issue, next, fmspc, comps) < 0 ||
        asprintf(&qe_identity,
                 "{\"id\":\"QE\",\"version\":2,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
                 "\"tcbEvaluationDataNumber\":1,\"miscselect\":\"00000000\",\"miscselectMask\":"
                 "\"FFFFFFFF\",\"attributes\":\"11000000000000000000000000000000\","
                 "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"%s\","
                 "\"isvprodid\":%u,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":0},\"tcbDate\":"
                 "\"2025-01-01T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]}",
                 issue, next, mrsigner, in->qe->isvprodid) < 0)
        DIE("out of memory");

    if (in->objects_dir) {
        write_object(in->objects_dir, "tcb_info.json", tcb_info);
        write_object(in->objects_dir, "qe_identity.json", qe_identity);
    }
    json_t *o = json_object();
    char *chain = concat(ca_pem, root_pem, NULL);
    json_object_set_new(o, "pck_crl_issuer_chain", json_string(chain));
    free(chain);
    char *hex = crl_hex(root, in->root_key);
    json_object_set_new(o, "root_ca_crl", json_string(hex));
    free(hex);
    hex = crl_hex(ca, in->ca_key);
    json_object_set_new(o, "pck_crl", json_string(hex));
    free(hex);

    EVP_PKEY *tkey = tcb_key;
    char *tchain = concat(tcb_pem, root_pem, NULL);
    if (strcmp(in->tcb_signer, "pck") == 0) {
        tkey = in->pck_key;
        free(tchain);
        tchain = concat(pck_pem, ca_pem, root_pem);
    } else if (strcmp(in->tcb_signer, "ca") == 0) {
        tkey = in->ca_key;
        free(tchain);
        tchain = concat(ca_pem, root_pem, NULL);
    }
    sign_raw(tkey, tcb_info, strlen(tcb_info), sig);
    las_hex_encode(sig, 64, sig_hex, 0);
    json_object_set_new(o, "tcb_info_issuer_chain", json_string(tchain));
    json_object_set_new(o, "tcb_info", json_string(tcb_info));
    json_object_set_new(o, "tcb_info_signature", json_string(sig_hex));
    sign_raw(tcb_key, qe_identity, strlen(qe_identity), sig);
    las_hex_encode(sig, 64, sig_hex, 0);
    chain = concat(tcb_pem, root_pem, NULL);
    json_object_set_new(o, "qe_identity_issuer_chain", json_string(chain));
    json_object_set_new(o, "qe_identity", json_string(qe_identity));
    json_object_set_new(o, "qe_identity_signature", json_string(sig_hex));
    if (json_dump_file(o, out, JSON_INDENT(1)) != 0)
        DIE("cannot write %s", out);
    json_decref(o);
    free(chain);
    free(tchain);
    free(tcb_info);
    free(qe_identity);
    free(tcb_pem);
    free(root_pem);
    free(ca_pem);
    free(pck_pem);
    X509_free(tcb_cert);
    X509_free(root);
    X509_free(ca);
    EVP_PKEY_free(tcb_key);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"qe-mrsigner", required_argument, NULL, 'm'},
        {"qe-isvprodid", required_argument, NULL, 'p'},
        {"collateral", required_argument, NULL, 'c'},
        {"tcb-signer", required_argument, NULL, 't'},
        {"objects", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    const char *collateral = NULL, *tcb_signer = "tcb", *objects = NULL;
    uint8_t mrsigner[32];
    int have_mrsigner = 0, isvprodid = -1, c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'm' && las_hex_decode(optarg, mrsigner, 32) == LAS_OK)
            have_mrsigner = 1;
        else if (c == 'p')
            isvprodid = atoi(optarg);
        else if (c == 'c')
            collateral = optarg;
        else if (c == 't')
            tcb_signer = optarg;
        else if (c == 'o')
            objects = optarg;
        else
            DIE("bad option");
    }
    if (argc - optind != 3 || las_crypto_init() != LAS_OK)
        DIE("usage: las_test_forge_dcap STATE_DIR EVIDENCE_IN EVIDENCE_OUT [options]");
    const char *state_dir = argv[optind], *in = argv[optind + 1], *out = argv[optind + 2];

    /* The platform's keys, re-derived from its simulated CPU. */
    struct las_sim_cpu cpu;
    char why[256];
    uint8_t pub[LAS_SIM_QE_ECDSA_PUB_SIZE];
    EVP_PKEY *root_key = NULL, *ca_key = NULL, *pck_key = NULL;
    struct las_dir dir;
    if (las_dir_open(state_dir, false, &dir, why, sizeof why) != LAS_OK ||
        las_sim_cpu_open_existing(&dir, &cpu, why, sizeof why) != LAS_OK)
        DIE("cannot open the simulated CPU of %s: %s", state_dir, why);
    las_dir_close(&dir);
    if (las_sim_qe_derive_key(&cpu, KEY_ROOT, &root_key, pub) != LAS_OK ||
        las_sim_qe_derive_key(&cpu, KEY_CA, &ca_key, pub) != LAS_OK ||
        las_sim_qe_derive_key(&cpu, KEY_PCK, &pck_key, pub) != LAS_OK)
        DIE("cannot derive the keys of %s", state_dir);

    json_t *doc = json_load_file(in, 0, NULL);
    uint8_t *quote = malloc(LAS_DCAP_QUOTE_MAX);
    size_t quote_len = 0;
    struct las_dcap_quote q;
    if (doc == NULL || quote == NULL ||
        las_json_get_base64(doc, "hardware_quote", quote, LAS_DCAP_QUOTE_MAX, &quote_len) !=
            LAS_OK ||
        las_dcap_quote_parse(quote, quote_len, &q, why, sizeof why) != LAS_OK || q.version != 3)
        DIE("%s has no simulated v3 hardware quote", in);

    /* A QE of one's own: its identity, its attestation key, certified by the PCK key. */
    struct las_sgx_report_body qe = q.qe_report;
    if (have_mrsigner)
        memcpy(qe.mrsigner, mrsigner, 32);
    if (isvprodid >= 0)
        qe.isvprodid = (uint16_t)isvprodid;
    EVP_PKEY *att = EVP_EC_gen("P-256");
    uint8_t point[65], bound[64 + 65536];
    size_t n = 0;
    if (att == NULL ||
        EVP_PKEY_get_octet_string_param(att, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &n) !=
            1 ||
        n != 65 || q.qe_auth_len > 65536)
        DIE("cannot make an attestation key");
    memcpy(bound, point + 1, 64);
    memcpy(bound + 64, q.qe_auth_data, q.qe_auth_len);
    memset(qe.report_data, 0, sizeof qe.report_data);
    if (las_sha256(bound, 64 + q.qe_auth_len, qe.report_data) != LAS_OK)
        DIE("SHA-256 failed");
    /* The parsed quote's views point into quote: write the forgery in place. */
    uint8_t *qe_report = quote + (q.qe_report_raw - quote);
    uint8_t *qe_sig = quote + (q.qe_report_sig - quote);
    uint8_t *att_pub = quote + (q.attest_key - quote);
    uint8_t *quote_sig = quote + (q.signature - quote);
    las_sgx_report_body_serialize(&qe, qe_report);
    sign_raw(pck_key, qe_report, LAS_SGX_REPORT_BODY_SIZE, qe_sig);
    memcpy(att_pub, point + 1, 64);
    sign_raw(att, q.signed_data, q.signed_len, quote_sig);

    json_object_set_new(doc, "hardware_quote", las_json_base64(quote, quote_len));
    if (json_dump_file(doc, out, JSON_INDENT(1)) != 0)
        DIE("cannot write %s", out);
    if (collateral) {
        struct collateral_in ci = {state_dir, root_key, ca_key, pck_key, &qe, tcb_signer, objects};
        write_collateral(collateral, &ci);
    }
    las_wipe(&cpu, sizeof cpu);
    json_decref(doc);
    free(quote);
    EVP_PKEY_free(att);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(pck_key);
    return 0;
}
