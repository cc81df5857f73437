/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated quoting enclave. Roles on a real platform and here:
 *
 *   Intel's CAs (root, PCK Platform CA) -> per-platform simulated CAs whose
 *        keys come from SEAL keys of the simulated PCE at the lowest TCB;
 *   PCE (certifies the QE with the PCK key) -> simulated PCE identity, PCK
 *        key from its SEAL key at the current TCB;
 *   QE (signs quotes with the attestation key) -> simulated QE identity,
 *        attestation key from its SEAL key at the current TCB.
 *
 * See docs/sim-qe.md for the quote layout, files and derivations.
 */
#include "sim/sim_qe.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/file.h"
#include "common/reason.h"
#include "las/dcap.h"
#include "sgx/enclu.h"
#include "sgx/report_mac.h"

const uint8_t las_sim_qe_vendor_id[LAS_SIM_QE_VENDOR_ID_SIZE] = {
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

/* A fixed FMSPC for every simulated platform (docs/sim-qe.md). */
const uint8_t las_sim_qe_fmspc[6] = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00};
const uint8_t las_sim_qe_pceid[2] = {0x00, 0x00};

/* Largest certificate file we read back (ours are about 1 KiB). */
#define CERT_FILE_MAX 8192
/* Largest DER we build for the SGX extension (ours is about 450 bytes). */
#define SGX_EXT_MAX 1024
/* Intel's SGX extension of PCK certificates. */
#define SGX_EXT_OID "1.2.840.113741.1.13.1"
/* Intel's root expires then; so do the simulated certificates. */
#define CERT_NOT_AFTER "20491231235959Z"
/* Certificates are back-dated so verifiers with a slightly slow clock accept them. */
#define CERT_BACKDATE_SECONDS 3600

/* SEAL key purposes: each label is both the KEYID (hashed) and the HKDF info. */
#define LABEL_ROOT_KEY "LAS sim-qe root CA P-256 key v1"
#define LABEL_CA_KEY   "LAS sim-qe PCK platform CA P-256 key v1"
#define LABEL_PCK_KEY  "LAS sim-qe PCK P-256 key v1"
#define LABEL_PPID     "LAS sim-qe PPID v1"
#define LABEL_ATT_KEY  "LAS sim-qe attestation P-256 key v1"
#define LABEL_QE_ID    "LAS sim-qe QE ID v1"

enum cert_kind { CERT_ROOT, CERT_CA, CERT_PCK };

struct las_sim_qe {
    struct las_sim_cpu cpu; /* the simulated fuses: this struct lives in locked memory */
    struct las_sim_enclave self;
    EVP_PKEY *att_key;
    uint8_t att_pub[LAS_SIM_QE_ECDSA_PUB_SIZE];
    uint8_t qe_id[16];
    struct las_sgx_report qe_report;
    uint8_t qe_report_sig[LAS_SIM_QE_ECDSA_SIG_SIZE];
    uint8_t *chain_pem; /* PCK leaf, PCK Platform CA, root, then a NUL as Intel's QE writes */
    size_t chain_pem_len;
};

/* Default QE auth data of the simulated QE (the bytes 0..31). */
static void qe_auth_data(uint8_t out[static LAS_SIM_QE_AUTH_DATA_SIZE])
{
    for (int i = 0; i < LAS_SIM_QE_AUTH_DATA_SIZE; i++)
        out[i] = (uint8_t)i;
}

/* ---- identities ---------------------------------------------------------- */

static void intel_like_identity(struct las_sim_enclave *out, const char *enclave_label)
{
    /* Stand-ins for the measurements of Intel's signed architectural enclaves. */
    static const char signer_label[] = "LAS simulated SGX architectural enclave signer v1";
    memset(out, 0, sizeof *out);
    out->attributes.flags =
        LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT | LAS_SGX_FLAGS_PROVISION_KEY;
    out->attributes.xfrm = 0xe7;
    if (las_sha256(enclave_label, strlen(enclave_label), out->mrenclave) != LAS_OK ||
        las_sha256(signer_label, sizeof signer_label - 1, out->mrsigner) != LAS_OK)
        abort();
}

void las_sim_qe_identity(struct las_sim_enclave *out)
{
    intel_like_identity(out, "LAS simulated quoting enclave v1");
    out->isvprodid = LAS_SIM_QE_ISVPRODID;
    out->isvsvn = LAS_SIM_QE_ISVSVN;
}

void las_sim_pce_identity(struct las_sim_enclave *out)
{
    intel_like_identity(out, "LAS simulated provisioning certification enclave v1");
    out->isvprodid = LAS_SIM_PCE_ISVPRODID;
    out->isvsvn = LAS_SIM_PCE_ISVSVN;
}

/* ---- key derivation ------------------------------------------------------ */

/*
 * HKDF-SHA256 over a SEAL key of enclave who (policy MRSIGNER). current_tcb
 * selects the current CPUSVN and who's ISVSVN; otherwise the lowest TCB (zero
 * CPUSVN and ISVSVN), which every later TCB can still derive, so the value
 * survives simulated microcode and enclave updates.
 */
static las_status seal_derive(const struct las_sim_cpu *cpu, const struct las_sim_enclave *who,
                              bool current_tcb, const char *label, uint8_t *out, size_t out_len)
{
    struct las_sgx_keyrequest req;
    uint8_t seal_key[LAS_SGX_KEY_SIZE];
    memset(&req, 0, sizeof req);
    req.keyname = LAS_SGX_KEYNAME_SEAL;
    req.keypolicy = LAS_SGX_KEYPOLICY_MRSIGNER;
    req.attribute_mask.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_DEBUG;
    if (current_tcb) {
        req.isvsvn = who->isvsvn;
        memcpy(req.cpusvn, cpu->cpusvn, sizeof req.cpusvn);
    }
    las_status st = las_sha256(label, strlen(label), req.keyid);
    if (st == LAS_OK)
        st = las_sgx_error_status(las_sim_egetkey(cpu, who, &req, seal_key));
    if (st == LAS_OK)
        st = las_hkdf_sha256(seal_key, sizeof seal_key, NULL, 0, (const uint8_t *)label,
                             strlen(label), out, out_len);
    if (st != LAS_OK)
        memset(out, 0, out_len);
    las_wipe(seal_key, sizeof seal_key);
    return st;
}

/*
 * P-256 key pair from 48 derived bytes: d = (seed mod (n-1)) + 1 (FIPS 186-4
 * B.4.1), so every seed gives a valid scalar with negligible bias.
 */
static las_status p256_from_seed(const uint8_t seed[static 48], EVP_PKEY **out,
                                 uint8_t pub[static LAS_SIM_QE_ECDSA_PUB_SIZE])
{
    las_status st = LAS_ERR_CRYPTO;
    uint8_t point[1 + LAS_SIM_QE_ECDSA_PUB_SIZE];
    uint8_t scalar[32]; /* native byte order, as OSSL_PARAM_construct_BN expects */
    BN_CTX *bctx = BN_CTX_secure_new();
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *d = BN_secure_new();
    BIGNUM *nm1 = NULL;
    EC_POINT *q = NULL;
    EVP_PKEY_CTX *pctx = NULL;

    *out = NULL;
    if (bctx == NULL || group == NULL || d == NULL)
        goto out;
    nm1 = BN_dup(EC_GROUP_get0_order(group));
    q = EC_POINT_new(group);
    if (nm1 == NULL || q == NULL || !BN_sub_word(nm1, 1) || BN_bin2bn(seed, 48, d) == NULL ||
        !BN_mod(d, d, nm1, bctx) || !BN_add_word(d, 1) ||
        !EC_POINT_mul(group, q, d, NULL, NULL, bctx) ||
        EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED, point, sizeof point, bctx) !=
            sizeof point ||
        BN_bn2nativepad(d, scalar, sizeof scalar) != (int)sizeof scalar)
        goto out;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0),
        OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, scalar, sizeof scalar),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
        OSSL_PARAM_construct_end(),
    };
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) != 1 ||
        EVP_PKEY_fromdata(pctx, out, EVP_PKEY_KEYPAIR, params) != 1)
        goto out;
    memcpy(pub, point + 1, LAS_SIM_QE_ECDSA_PUB_SIZE);
    st = LAS_OK;
out:
    las_wipe(scalar, sizeof scalar);
    EVP_PKEY_CTX_free(pctx);
    EC_POINT_free(q);
    BN_free(nm1);
    BN_clear_free(d);
    EC_GROUP_free(group);
    BN_CTX_free(bctx);
    if (st != LAS_OK) {
        EVP_PKEY_free(*out);
        *out = NULL;
        memset(pub, 0, LAS_SIM_QE_ECDSA_PUB_SIZE);
    }
    return st;
}

static las_status derive_p256(const struct las_sim_cpu *cpu, const struct las_sim_enclave *who,
                              bool current_tcb, const char *label, EVP_PKEY **out,
                              uint8_t pub[static LAS_SIM_QE_ECDSA_PUB_SIZE])
{
    uint8_t seed[48];
    *out = NULL;
    las_status st = seal_derive(cpu, who, current_tcb, label, seed, sizeof seed);
    if (st == LAS_OK)
        st = p256_from_seed(seed, out, pub);
    las_wipe(seed, sizeof seed);
    return st;
}

/*
 * The simulated QE's P-256 keys: which enclave's SEAL key, at which TCB
 * (see seal_derive), under which label. las_sim_qe_open and
 * las_sim_qe_derive_key both derive through this table.
 */
enum { QE_KEY_ROOT, QE_KEY_CA, QE_KEY_PCK, QE_KEY_ATT };
static const struct {
    const char *label;
    bool of_qe; /* else of the PCE */
    bool current_tcb;
} qe_keys[LAS_SIM_QE_PRIVATE_KEYS] = {
    [QE_KEY_ROOT] = {LABEL_ROOT_KEY, false, false},
    [QE_KEY_CA] = {LABEL_CA_KEY, false, false},
    [QE_KEY_PCK] = {LABEL_PCK_KEY, false, true},
    [QE_KEY_ATT] = {LABEL_ATT_KEY, true, true},
};

static las_status derive_qe_key(const struct las_sim_cpu *cpu, int which, EVP_PKEY **out,
                                uint8_t pub[static LAS_SIM_QE_ECDSA_PUB_SIZE])
{
    struct las_sim_enclave who;
    if (qe_keys[which].of_qe)
        las_sim_qe_identity(&who);
    else
        las_sim_pce_identity(&who);
    return derive_p256(cpu, &who, qe_keys[which].current_tcb, qe_keys[which].label, out, pub);
}

las_status las_sim_qe_derive_key(const struct las_sim_cpu *cpu, int which, EVP_PKEY **out,
                                 uint8_t pub[static LAS_SIM_QE_ECDSA_PUB_SIZE])
{
    if (which < 0 || which >= LAS_SIM_QE_PRIVATE_KEYS)
        abort();
    return derive_qe_key(cpu, which, out, pub);
}

/* ECDSA-P256-SHA256 signature in the r||s form DCAP quotes use. */
static las_status ecdsa_sign_raw(EVP_PKEY *key, const uint8_t *msg, size_t len,
                                 uint8_t sig[static LAS_SIM_QE_ECDSA_SIG_SIZE])
{
    las_status st = LAS_ERR_CRYPTO;
    uint8_t der[128];
    size_t der_len = sizeof der;
    const uint8_t *p = der;
    ECDSA_SIG *es = NULL;
    const BIGNUM *r, *s;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(ctx, der, &der_len, msg, len) != 1)
        goto out;
    es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (es == NULL)
        goto out;
    ECDSA_SIG_get0(es, &r, &s);
    if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
        goto out;
    st = LAS_OK;
out:
    if (st != LAS_OK)
        memset(sig, 0, LAS_SIM_QE_ECDSA_SIG_SIZE);
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(ctx);
    return st;
}

/* ---- REPORT MAC ---------------------------------------------------------- */

/* What an enclave does with a REPORT targeted at it: EGETKEY(REPORT), CMAC, compare. */
static las_status check_report_mac(const struct las_sim_cpu *cpu, const struct las_sim_enclave *me,
                                   const struct las_sgx_report *report)
{
    struct las_sgx_keyrequest req;
    uint8_t key[LAS_SGX_KEY_SIZE];
    memset(&req, 0, sizeof req);
    req.keyname = LAS_SGX_KEYNAME_REPORT;
    memcpy(req.keyid, report->keyid, sizeof req.keyid);
    las_status st = las_sgx_error_status(las_sim_egetkey(cpu, me, &req, key));
    if (st == LAS_OK)
        st = las_report_mac_check(key, report);
    las_wipe(key, sizeof key);
    return st;
}

/* ---- the SGX PCK certificate extension (ASN1_generate_nconf) ------------ */

/*
 * The extension in the language of OpenSSL's ASN1_generate_nconf(3): entries
 * SEQUENCE { OID, value } in the order of Intel's PCK certificates. The 18
 * lines of tcb_items and the sections tcb1..tcb16 follow it.
 */
static const char sgx_ext_layout[] = "[ext]\n"
                                     "1 = SEQUENCE:ppid\n"
                                     "2 = SEQUENCE:tcb\n"
                                     "3 = SEQUENCE:pceid\n"
                                     "4 = SEQUENCE:fmspc\n"
                                     "5 = SEQUENCE:type\n"
                                     "[ppid]\n"
                                     "oid = OID:" SGX_EXT_OID ".1\n"
                                     "value = FORMAT:HEX,OCTETSTRING:%s\n"
                                     "[tcb]\n"
                                     "oid = OID:" SGX_EXT_OID ".2\n"
                                     "value = SEQUENCE:tcb_items\n"
                                     "[pceid]\n"
                                     "oid = OID:" SGX_EXT_OID ".3\n"
                                     "value = FORMAT:HEX,OCTETSTRING:%s\n"
                                     "[fmspc]\n"
                                     "oid = OID:" SGX_EXT_OID ".4\n"
                                     "value = FORMAT:HEX,OCTETSTRING:%s\n"
                                     "[type]\n"
                                     "oid = OID:" SGX_EXT_OID ".5\n"
                                     "value = ENUMERATED:0\n" /* SGX type: Standard */
                                     "[tcb17]\n"
                                     "oid = OID:" SGX_EXT_OID ".2.17\n"
                                     "value = INTEGER:%u\n" /* PCESVN */
                                     "[tcb18]\n"
                                     "oid = OID:" SGX_EXT_OID ".2.18\n"
                                     "value = FORMAT:HEX,OCTETSTRING:%s\n" /* CPUSVN */
                                     "[tcb_items]\n";

/*
 * The value of extension 1.2.840.113741.1.13.1 as in Intel's PCK
 * certificates: PPID, TCB (16 component SVNs, PCESVN, CPUSVN), PCE-ID, FMSPC,
 * SGX type. DER-encoded by OpenSSL, so the same input gives the same bytes.
 */
static las_status build_sgx_extension(const uint8_t ppid[static 16],
                                      const uint8_t cpusvn[static LAS_SGX_CPUSVN_SIZE],
                                      uint16_t pcesvn, uint8_t *out, size_t cap, size_t *out_len)
{
    char ppid_hex[2 * 16 + 1], cpusvn_hex[2 * LAS_SGX_CPUSVN_SIZE + 1], pceid_hex[2 * 2 + 1],
        fmspc_hex[2 * 6 + 1];
    BIO *text = BIO_new(BIO_s_mem());
    CONF *conf = NCONF_new(NULL);
    ASN1_TYPE *ext = NULL;
    long bad_line = 0;
    las_status st = LAS_ERR_CRYPTO;

    sodium_bin2hex(ppid_hex, sizeof ppid_hex, ppid, 16);
    sodium_bin2hex(cpusvn_hex, sizeof cpusvn_hex, cpusvn, LAS_SGX_CPUSVN_SIZE);
    sodium_bin2hex(pceid_hex, sizeof pceid_hex, las_sim_qe_pceid, 2);
    sodium_bin2hex(fmspc_hex, sizeof fmspc_hex, las_sim_qe_fmspc, 6);
    bool ok = text && conf &&
              BIO_printf(text, sgx_ext_layout, ppid_hex, pceid_hex, fmspc_hex, (unsigned)pcesvn,
                         cpusvn_hex) > 0;
    for (int i = 1; ok && i <= LAS_SGX_CPUSVN_SIZE + 2; i++)
        ok = BIO_printf(text, "%d = SEQUENCE:tcb%d\n", i, i) > 0;
    for (int i = 1; ok && i <= LAS_SGX_CPUSVN_SIZE; i++)
        ok = BIO_printf(text, "[tcb%d]\noid = OID:" SGX_EXT_OID ".2.%d\nvalue = INTEGER:%u\n", i, i,
                        (unsigned)cpusvn[i - 1]) > 0;
    if (ok && NCONF_load_bio(conf, text, &bad_line) == 1)
        ext = ASN1_generate_nconf("SEQUENCE:ext", conf);
    *out_len = 0;
    if (ext && ext->type == V_ASN1_SEQUENCE && (size_t)ext->value.sequence->length <= cap) {
        *out_len = (size_t)ext->value.sequence->length;
        memcpy(out, ext->value.sequence->data, *out_len);
        st = LAS_OK;
    }
    ERR_clear_error();
    ASN1_TYPE_free(ext);
    NCONF_free(conf);
    BIO_free(text);
    return st;
}

/* ---- certificates -------------------------------------------------------- */

static X509_NAME *make_name(const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    if (n == NULL ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)LAS_SIM_QE_ORG,
                                    -1, -1, 0)) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

static bool add_conf_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    bool ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static bool add_sgx_ext(X509 *x, const uint8_t *der, size_t len)
{
    bool ok = false;
    ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT_OID, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    if (obj == NULL || os == NULL || !ASN1_OCTET_STRING_set(os, der, (int)len))
        goto out;
    ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
    ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
out:
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
    return ok;
}

static bool set_random_serial(X509 *x)
{
    uint8_t serial[20];
    las_random_bytes(serial, sizeof serial);
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x01); /* positive, full length */
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    bool ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok;
}

/*
 * Issues a certificate of kind for subject_key, signed by issuer_key (the
 * issuer certificate is NULL for the self-signed root).
 */
static las_status issue_cert(enum cert_kind kind, EVP_PKEY *subject_key, EVP_PKEY *issuer_key,
                             X509 *issuer, const uint8_t *sgx_ext, size_t sgx_ext_len, X509 **out)
{
    static const char *const cns[] = {LAS_SIM_ROOT_CA_CN, LAS_SIM_QE_CA_CN, LAS_SIM_QE_PCK_CN};
    las_status st = LAS_ERR_CRYPTO;
    X509 *x = X509_new();
    X509_NAME *subject = make_name(cns[kind]);
    X509V3_CTX v3;

    *out = NULL;
    if (x == NULL || subject == NULL || X509_set_version(x, X509_VERSION_3) != 1 ||
        !set_random_serial(x) || X509_set_subject_name(x, subject) != 1 ||
        X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : subject) != 1 ||
        ASN1_TIME_set(X509_getm_notBefore(x), time(NULL) - CERT_BACKDATE_SECONDS) == NULL ||
        ASN1_TIME_set_string_X509(X509_getm_notAfter(x), CERT_NOT_AFTER) != 1 ||
        X509_set_pubkey(x, subject_key) != 1)
        goto out;
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    if (!add_conf_ext(x, &v3, NID_subject_key_identifier, "hash") ||
        !add_conf_ext(x, &v3, NID_authority_key_identifier, "keyid:always"))
        goto out;
    switch (kind) {
    case CERT_ROOT:
        if (!add_conf_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign") ||
            !add_conf_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE,pathlen:1"))
            goto out;
        break;
    case CERT_CA:
        if (!add_conf_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign") ||
            !add_conf_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"))
            goto out;
        break;
    case CERT_PCK:
        if (!add_conf_ext(x, &v3, NID_key_usage, "critical,digitalSignature,nonRepudiation") ||
            !add_conf_ext(x, &v3, NID_basic_constraints, "critical,CA:FALSE") ||
            !add_sgx_ext(x, sgx_ext, sgx_ext_len))
            goto out;
        break;
    }
    if (X509_sign(x, issuer_key, EVP_sha256()) <= 0)
        goto out;
    *out = x;
    x = NULL;
    st = LAS_OK;
out:
    X509_NAME_free(subject);
    X509_free(x);
    return st;
}

static las_status cert_to_pem(X509 *x, uint8_t **out, size_t *out_len)
{
    las_status st = LAS_ERR_CRYPTO;
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    *out = NULL;
    *out_len = 0;
    if (bio == NULL || PEM_write_bio_X509(bio, x) != 1)
        goto out;
    long n = BIO_get_mem_data(bio, &data);
    if (n <= 0)
        goto out;
    *out = malloc((size_t)n);
    if (*out == NULL) {
        st = LAS_ERR_NO_MEMORY;
        goto out;
    }
    memcpy(*out, data, (size_t)n);
    *out_len = (size_t)n;
    st = LAS_OK;
out:
    BIO_free(bio);
    return st;
}

/*
 * Reads path as exactly one PEM certificate in the form cert_to_pem writes
 * (anything else is corrupt). A missing file sets *missing.
 */
static las_status load_cert(const struct las_dir *dir, const char *file, X509 **out, bool *missing,
                            char *why, size_t why_len)
{
    struct stat sb;
    uint8_t *buf = NULL, *canon = NULL;
    size_t len = 0, canon_len = 0;
    BIO *bio = NULL;

    *out = NULL;
    las_status st = las_dir_read(dir, file, CERT_FILE_MAX, &buf, &len, &sb, missing, why, why_len);
    if (st == LAS_ERR_BAD_SIZE)
        st = las_fail(LAS_ERR_STATE, why, why_len, "%s/%s is corrupt: larger than %d bytes",
                      dir->path, file, CERT_FILE_MAX);
    if (st != LAS_OK || *missing)
        goto out;
    bio = BIO_new_mem_buf(buf, (int)len);
    if (bio == NULL) {
        st = LAS_ERR_NO_MEMORY;
        goto out;
    }
    *out = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (*out == NULL || cert_to_pem(*out, &canon, &canon_len) != LAS_OK || canon_len != len ||
        memcmp(canon, buf, len) != 0)
        st = las_fail(LAS_ERR_STATE, why, why_len,
                      "%s/%s is corrupt: not exactly one PEM certificate as LAS writes it; "
                      "remove it to have it issued again",
                      dir->path, file);
out:
    if (st != LAS_OK) {
        X509_free(*out);
        *out = NULL;
    }
    BIO_free(bio);
    free(canon);
    free(buf);
    return st;
}

static las_status store_cert(const struct las_dir *dir, const char *file, X509 *x, bool replace,
                             char *why, size_t why_len)
{
    uint8_t *pem = NULL;
    size_t len = 0;
    las_status st = cert_to_pem(x, &pem, &len);
    if (st != LAS_OK)
        return las_fail(st, why, why_len, "cannot encode the certificate for %s/%s", dir->path,
                        file);
    st = las_dir_write_atomic(dir, file, pem, len, 0644, !replace, why, why_len);
    free(pem);
    return st;
}

/* Whether x carries exactly the SGX extension value expected. */
static bool sgx_ext_equals(X509 *x, const uint8_t *der, size_t len)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT_OID, 1);
    int idx = obj ? X509_get_ext_by_OBJ(x, obj, -1) : -1;
    bool ok = false;
    /* Exactly one occurrence, with exactly the expected value. */
    if (idx >= 0 && X509_get_ext_by_OBJ(x, obj, idx) < 0) {
        ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(x, idx));
        ok = os != NULL && (size_t)ASN1_STRING_length(os) == len &&
             memcmp(ASN1_STRING_get0_data(os), der, len) == 0;
    }
    ASN1_OBJECT_free(obj);
    return ok;
}

struct chain_keys {
    EVP_PKEY *root, *ca, *pck;
    uint8_t ppid[16];
    uint8_t sgx_ext[SGX_EXT_MAX];
    size_t sgx_ext_len;
};

/*
 * Loads (or issues) one certificate of the chain and checks that it belongs
 * to this platform: its key is the derived one and issuer_key signed it.
 */
static las_status ensure_cert(const struct las_dir *dir, const char *file, enum cert_kind kind,
                              EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer,
                              const struct chain_keys *k, X509 **out, char *why, size_t why_len)
{
    bool missing = false;
    X509 *x = NULL;
    las_status st;

    *out = NULL;
    st = load_cert(dir, file, &x, &missing, why, why_len);
    if (st != LAS_OK)
        return st;
    if (missing) {
        st = issue_cert(kind, key, issuer_key, issuer, k->sgx_ext, k->sgx_ext_len, &x);
        if (st == LAS_OK)
            st = store_cert(dir, file, x, false, why, why_len);
        else
            las_fail(st, why, why_len, "cannot issue the certificate for %s/%s", dir->path, file);
        goto out;
    }
    if (X509_verify(x, issuer_key) != 1) {
        st = las_fail(LAS_ERR_STATE, why, why_len,
                      "%s/%s was not issued by this simulated platform's CA (corrupt, or from "
                      "another state directory); remove it to have it issued again",
                      dir->path, file);
        goto out;
    }
    bool same_key = EVP_PKEY_eq(X509_get0_pubkey(x), key) == 1;
    if (kind == CERT_PCK && (!same_key || !sgx_ext_equals(x, k->sgx_ext, k->sgx_ext_len))) {
        /* Issued by our CA for an older TCB: a new TCB gets a new PCK certificate. */
        X509_free(x);
        x = NULL;
        st = issue_cert(kind, key, issuer_key, issuer, k->sgx_ext, k->sgx_ext_len, &x);
        if (st == LAS_OK)
            st = store_cert(dir, file, x, true, why, why_len);
        else
            las_fail(st, why, why_len, "cannot issue the certificate for %s/%s", dir->path, file);
        goto out;
    }
    if (!same_key)
        st = las_fail(LAS_ERR_STATE, why, why_len,
                      "%s/%s does not hold this simulated platform's key", dir->path, file);
out:
    if (st == LAS_OK)
        *out = x;
    else
        X509_free(x);
    return st;
}

/* ---- open / close -------------------------------------------------------- */

static las_status append_pem(X509 *x, uint8_t *buf, size_t cap, size_t *pos)
{
    uint8_t *pem = NULL;
    size_t len = 0;
    las_status st = cert_to_pem(x, &pem, &len);
    if (st == LAS_OK && len > cap - *pos)
        st = LAS_ERR_INTERNAL;
    if (st == LAS_OK) {
        memcpy(buf + *pos, pem, len);
        *pos += len;
    }
    free(pem);
    return st;
}

/* Certifies the QE as the simulated PCE does: check the QE's REPORT, sign its body. */
static las_status certify_qe(struct las_sim_qe *qe, EVP_PKEY *pck_key)
{
    struct las_sim_enclave pce;
    struct las_sgx_targetinfo pce_target;
    uint8_t auth[LAS_SIM_QE_AUTH_DATA_SIZE], bound[LAS_SIM_QE_ECDSA_PUB_SIZE + sizeof auth];
    uint8_t report_data[LAS_SGX_REPORT_DATA_SIZE] = {0};
    uint8_t body[LAS_SGX_REPORT_BODY_SIZE];

    las_sim_pce_identity(&pce);
    las_sim_enclave_targetinfo(&pce, &pce_target);
    qe_auth_data(auth);
    memcpy(bound, qe->att_pub, LAS_SIM_QE_ECDSA_PUB_SIZE);
    memcpy(bound + LAS_SIM_QE_ECDSA_PUB_SIZE, auth, sizeof auth);
    las_status st = las_sha256(bound, sizeof bound, report_data);
    if (st == LAS_OK)
        st = las_sim_ereport(&qe->cpu, &qe->self, &pce_target, report_data, &qe->qe_report);
    if (st == LAS_OK)
        st = check_report_mac(&qe->cpu, &pce, &qe->qe_report);
    if (st == LAS_OK) {
        las_sgx_report_body_serialize(&qe->qe_report.body, body);
        st = ecdsa_sign_raw(pck_key, body, sizeof body, qe->qe_report_sig);
    }
    return st;
}

/* Takes the lock that serializes processes issuing certificates for this platform. */
static las_status lock_state(const struct las_dir *dir, int *lock_fd, char *why, size_t why_len)
{
    static const char *const cert_files[] = {LAS_SIM_QE_ROOT_FILE, LAS_SIM_QE_CA_FILE,
                                             LAS_SIM_QE_PCK_FILE};
    las_status st = las_dir_lock(dir, LAS_SIM_QE_LOCK_FILE, lock_fd, why, why_len);
    if (st != LAS_OK)
        return st;
    /* Under the lock no write is under way: a temporary file is a killed writer's. */
    for (size_t i = 0; i < sizeof cert_files / sizeof cert_files[0]; i++)
        (void)las_dir_remove_temporaries(dir, cert_files[i]);
    return LAS_OK;
}

/* Every key and value of docs/sim-qe.md, "Key derivation", and the PCK SGX extension. */
static las_status derive_platform(struct las_sim_qe *qe, struct chain_keys *k, char *why,
                                  size_t why_len)
{
    struct las_sim_enclave pce;
    uint8_t pub[LAS_SIM_QE_ECDSA_PUB_SIZE];
    las_sim_pce_identity(&pce);
    las_status st = derive_qe_key(&qe->cpu, QE_KEY_ROOT, &k->root, pub);
    if (st == LAS_OK)
        st = derive_qe_key(&qe->cpu, QE_KEY_CA, &k->ca, pub);
    if (st == LAS_OK)
        st = derive_qe_key(&qe->cpu, QE_KEY_PCK, &k->pck, pub);
    if (st == LAS_OK)
        st = seal_derive(&qe->cpu, &pce, false, LABEL_PPID, k->ppid, sizeof k->ppid);
    if (st == LAS_OK)
        st = derive_qe_key(&qe->cpu, QE_KEY_ATT, &qe->att_key, qe->att_pub);
    if (st == LAS_OK)
        st = seal_derive(&qe->cpu, &qe->self, false, LABEL_QE_ID, qe->qe_id, sizeof qe->qe_id);
    if (st == LAS_OK)
        st = build_sgx_extension(k->ppid, qe->cpu.cpusvn, pce.isvsvn, k->sgx_ext, sizeof k->sgx_ext,
                                 &k->sgx_ext_len);
    if (st != LAS_OK)
        snprintf(why, why_len, "cannot derive the simulated QE keys: %s", las_status_message(st));
    return st;
}

/* Root CA, PCK Platform CA and PCK certificate, loaded or issued (ensure_cert). */
static las_status ensure_chain(const struct las_dir *dir, const struct chain_keys *k, X509 **root,
                               X509 **ca, X509 **pck, char *why, size_t why_len)
{
    las_status st = ensure_cert(dir, LAS_SIM_QE_ROOT_FILE, CERT_ROOT, k->root, k->root, NULL, k,
                                root, why, why_len);
    if (st == LAS_OK)
        st = ensure_cert(dir, LAS_SIM_QE_CA_FILE, CERT_CA, k->ca, k->root, *root, k, ca, why,
                         why_len);
    if (st == LAS_OK)
        st = ensure_cert(dir, LAS_SIM_QE_PCK_FILE, CERT_PCK, k->pck, k->ca, *ca, k, pck, why,
                         why_len);
    return st;
}

/* The certification data of every quote: PCK, CA, root, then a NUL. */
static las_status encode_chain(struct las_sim_qe *qe, X509 *root, X509 *ca, X509 *pck, char *why,
                               size_t why_len)
{
    size_t cap = 3 * CERT_FILE_MAX + 1, pos = 0;
    qe->chain_pem = malloc(cap);
    if (qe->chain_pem == NULL) {
        snprintf(why, why_len, "out of memory");
        return LAS_ERR_NO_MEMORY;
    }
    las_status st = append_pem(pck, qe->chain_pem, cap, &pos);
    if (st == LAS_OK)
        st = append_pem(ca, qe->chain_pem, cap, &pos);
    if (st == LAS_OK)
        st = append_pem(root, qe->chain_pem, cap, &pos);
    if (st != LAS_OK) {
        snprintf(why, why_len, "cannot encode the PCK certificate chain");
        return st;
    }
    qe->chain_pem[pos++] = '\0';
    qe->chain_pem_len = pos;
    return LAS_OK;
}

las_status las_sim_qe_open(const struct las_dir *dir, struct las_sim_qe **out, char *why,
                           size_t why_len)
{
    struct las_sim_qe *qe = NULL;
    struct chain_keys k;
    X509 *root = NULL, *ca = NULL, *pck = NULL;
    int lock_fd = -1;

    *out = NULL;
    memset(&k, 0, sizeof k);
    snprintf(why, why_len, "unknown error");
    las_status st = las_crypto_init();
    if (st != LAS_OK) {
        snprintf(why, why_len, "cannot initialize the crypto library");
        return st;
    }
    qe = las_secret_alloc(sizeof *qe);
    if (qe == NULL) {
        snprintf(why, why_len, "out of memory");
        return LAS_ERR_NO_MEMORY;
    }
    memset(qe, 0, sizeof *qe);
    las_sim_qe_identity(&qe->self);
    st = las_sim_cpu_open(dir, NULL, &qe->cpu, NULL, why, why_len);
    if (st == LAS_OK)
        st = lock_state(dir, &lock_fd, why, why_len);
    if (st == LAS_OK)
        st = derive_platform(qe, &k, why, why_len);
    if (st == LAS_OK)
        st = ensure_chain(dir, &k, &root, &ca, &pck, why, why_len);
    if (st == LAS_OK && (st = certify_qe(qe, k.pck)) != LAS_OK)
        snprintf(why, why_len, "the simulated PCE cannot certify the QE: %s",
                 las_status_message(st));
    if (st == LAS_OK)
        st = encode_chain(qe, root, ca, pck, why, why_len);
    if (st == LAS_OK)
        snprintf(why, why_len, "ok");
    if (lock_fd >= 0)
        close(lock_fd);
    X509_free(root);
    X509_free(ca);
    X509_free(pck);
    EVP_PKEY_free(k.root);
    EVP_PKEY_free(k.ca);
    EVP_PKEY_free(k.pck);
    las_wipe(&k, sizeof k);
    if (st == LAS_OK)
        *out = qe;
    else
        las_sim_qe_close(qe);
    return st;
}

void las_sim_qe_close(struct las_sim_qe *qe)
{
    if (qe == NULL)
        return;
    EVP_PKEY_free(qe->att_key);
    free(qe->chain_pem);
    las_secret_free(qe); /* wipes the simulated fuses */
}

/* ---- quotes -------------------------------------------------------------- */

void las_sim_qe_target_info(const struct las_sim_qe *qe, struct las_sgx_targetinfo *out)
{
    las_sim_enclave_targetinfo(&qe->self, out);
}

void las_sim_qe_own_report(const struct las_sim_qe *qe, struct las_sgx_report *out)
{
    *out = qe->qe_report;
}

/* Bytes of the signature data: everything after the u32 length field. */
static size_t sig_data_size(const struct las_sim_qe *qe)
{
    return LAS_SIM_QE_ECDSA_SIG_SIZE + LAS_SIM_QE_ECDSA_PUB_SIZE + LAS_SGX_REPORT_BODY_SIZE +
           LAS_SIM_QE_ECDSA_SIG_SIZE + 2 + LAS_SIM_QE_AUTH_DATA_SIZE + 2 + 4 + qe->chain_pem_len;
}

size_t las_sim_qe_quote_size(const struct las_sim_qe *qe)
{
    return LAS_SIM_QE_OFF_SIG_DATA_LEN + 4 + sig_data_size(qe);
}

las_status las_sim_qe_quote(struct las_sim_qe *qe, const struct las_sgx_report *report,
                            uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t auth[LAS_SIM_QE_AUTH_DATA_SIZE], sig[LAS_SIM_QE_ECDSA_SIG_SIZE];
    uint8_t body[LAS_SGX_REPORT_BODY_SIZE];
    struct las_writer w;
    las_status st;

    if (out_len == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    *out_len = 0;
    if (qe == NULL || report == NULL || out == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    size_t size = las_sim_qe_quote_size(qe);
    if (cap < size) {
        st = LAS_ERR_BAD_SIZE;
        goto out;
    }
    st = check_report_mac(&qe->cpu, &qe->self, report);
    if (st != LAS_OK)
        goto out;

    las_writer_init(&w, out, size);
    las_write_u16le(&w, LAS_SIM_QE_QUOTE_VERSION);
    las_write_u16le(&w, LAS_SIM_QE_ATT_KEY_ECDSA_P256);
    las_write_u32le(&w, 0); /* TEE type: SGX */
    las_write_u16le(&w, qe->self.isvsvn);
    las_write_u16le(&w, LAS_SIM_PCE_ISVSVN);
    las_write_bytes(&w, las_sim_qe_vendor_id, sizeof las_sim_qe_vendor_id);
    las_write_bytes(&w, qe->qe_id, sizeof qe->qe_id);
    las_write_zeros(&w, LAS_SIM_QE_QUOTE_USER_DATA_SIZE - sizeof qe->qe_id);
    las_sgx_report_body_serialize(&report->body, body);
    las_write_bytes(&w, body, sizeof body);
    /* The quote signature covers the header and the report body. */
    st = w.failed ? LAS_ERR_INTERNAL
                  : ecdsa_sign_raw(qe->att_key, out, LAS_SIM_QE_OFF_SIG_DATA_LEN, sig);
    if (st != LAS_OK)
        goto out;
    las_write_u32le(&w, (uint32_t)sig_data_size(qe));
    las_write_bytes(&w, sig, sizeof sig);
    las_write_bytes(&w, qe->att_pub, sizeof qe->att_pub);
    las_sgx_report_body_serialize(&qe->qe_report.body, body);
    las_write_bytes(&w, body, sizeof body);
    las_write_bytes(&w, qe->qe_report_sig, sizeof qe->qe_report_sig);
    qe_auth_data(auth);
    las_write_u16le(&w, sizeof auth);
    las_write_bytes(&w, auth, sizeof auth);
    las_write_u16le(&w, LAS_SIM_QE_CERT_TYPE_PCK_CHAIN);
    las_write_u32le(&w, (uint32_t)qe->chain_pem_len);
    las_write_bytes(&w, qe->chain_pem, qe->chain_pem_len);
    st = las_writer_end(&w);
    if (st == LAS_OK)
        *out_len = size;
out:
    if (st != LAS_OK)
        memset(out, 0, cap);
    return st;
}
