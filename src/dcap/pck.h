/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 side of DCAP verification: strict PEM chain parsing, chain
 * verification up to the pinned Intel SGX Root CA key (or the simulated root
 * when allowed), raw ECDSA-P256 signatures as DCAP encodes them, and Intel's
 * SGX extension of PCK certificates (OID 1.2.840.113741.1.13.1).
 */
#ifndef LAS_DCAP_PCK_H
#define LAS_DCAP_PCK_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/status.h"

#define LAS_DCAP_MAX_CHAIN       4 /* certificates in one PEM chain */
#define LAS_DCAP_CERT_MAX        (8 * 1024)
#define LAS_SGX_TCB_COMPONENTS   16
#define LAS_INTEL_ROOT_SPKI_SIZE 91

/* SubjectPublicKeyInfo (DER) of Intel's SGX Root CA: the pinned trust anchor. */
extern const uint8_t las_intel_sgx_root_spki[LAS_INTEL_ROOT_SPKI_SIZE];

/* Subject CN of the certificate that alone may sign TCB info and QE identities. */
#define LAS_INTEL_TCB_SIGNING_CN "Intel SGX TCB Signing"
#define LAS_SIM_TCB_SIGNING_CN   "LAS Simulated SGX TCB Signing"

/*
 * What a verifier trusts under one root CA: the root (by its pinned key, or
 * for the per-platform simulated root by its subject CN), the identity of
 * the quoting enclave whose reports the PCK keys under it certify, and the
 * subject of the TCB signing certificate it issues. The QE identity is
 * checked on every quote, with or without collateral (docs/dcap.md).
 */
struct las_dcap_anchor {
    const char *name;         /* for messages: "Intel SGX Root CA" */
    bool simulated;           /* only trusted when simulation is allowed */
    const uint8_t *root_spki; /* DER SubjectPublicKeyInfo of the root, or NULL to match ... */
    size_t root_spki_len;
    const char *root_cn; /* ... a self-signed root with this subject CN */
    uint8_t qe_mrsigner[32];
    uint16_t qe_isvprodid;
    const char *tcb_signing_cn;
};

/* The anchors las_dcap_verify trusts: Intel's root, then the simulated one. */
struct las_dcap_trust {
    const struct las_dcap_anchor *const *anchors;
    size_t n;
};

extern const struct las_dcap_anchor las_dcap_intel_anchor;
/* Intel's anchor, then the simulated QE's (root CN LAS_SIM_ROOT_CA_CN, docs/sim-qe.md). */
extern const struct las_dcap_trust las_dcap_default_trust;

struct las_x509_chain {
    X509 *certs[LAS_DCAP_MAX_CHAIN]; /* [0] leaf ... [n-1] root */
    size_t n;
};

/*
 * Parses concatenated PEM certificates with OpenSSL's PEM reader, at most
 * LAS_DCAP_MAX_CHAIN of at most LAS_DCAP_CERT_MAX bytes, then only NUL bytes.
 * Strict: each certificate's text must be exactly what OpenSSL's PEM writer
 * makes of it ("\n" or "\r\n" line ends), so that a modified chain cannot
 * parse the same. On failure *out is empty and reason says why.
 */
LAS_MUST_CHECK las_status las_pem_chain_parse(const uint8_t *buf, size_t len,
                                              struct las_x509_chain *out, char *reason,
                                              size_t reason_size);
void las_x509_chain_free(struct las_x509_chain *c);

/* How las_x509_chain_verify checks a chain. */
struct las_chain_check {
    int64_t at;                         /* evaluation time */
    const struct las_dcap_trust *trust; /* the root must be one of these anchors ... */
    bool allow_simulation;              /* ... a simulated one only with this ... */
    const uint8_t *root_spki;           /* ... unless the root must be exactly this key */
    size_t root_spki_len;
    STACK_OF(X509_CRL) * crls; /* when given: each certificate against its issuer's CRL */
};

/*
 * Verifies a chain with OpenSSL: every signature, validity period at
 * how->at, CA constraints and, with how->crls, revocation (an X509 store
 * with X509_V_FLAG_CRL_CHECK_ALL). The root must be self-signed and match
 * one of how->trust's anchors, which is returned in *anchor; with
 * how->root_spki it must be that key instead, and *anchor is left as the
 * caller set it (collateral chains end in the PCK chain's root). On refusal
 * *check is NULL for an error of the chain itself, else "simulation",
 * "revocation", "root_ca_crl" or "pck_crl".
 */
LAS_MUST_CHECK las_status las_x509_chain_verify(const struct las_x509_chain *c,
                                                const struct las_chain_check *how,
                                                const struct las_dcap_anchor **anchor,
                                                const char **check, char *reason,
                                                size_t reason_size);

/* Whether cert's subject has exactly this common name. */
bool las_x509_has_cn(X509 *cert, const char *cn);

/* Whether cert carries Intel's SGX extension, i.e. is a PCK certificate. */
bool las_x509_has_sgx_extension(X509 *cert);

/* DER SubjectPublicKeyInfo of a certificate (malloc'd, OPENSSL_free). */
LAS_MUST_CHECK las_status las_x509_spki(X509 *cert, uint8_t **der, size_t *len);

/* P-256 public key from the raw x || y form of DCAP quotes. */
LAS_MUST_CHECK las_status las_p256_key_from_raw(const uint8_t xy[static 64], EVP_PKEY **out);

/*
 * ECDSA-P256-SHA256 verification of a raw r || s signature.
 * LAS_ERR_SIGNATURE when it does not verify.
 */
LAS_MUST_CHECK las_status las_p256_verify_raw(EVP_PKEY *key, const uint8_t *msg, size_t len,
                                              const uint8_t sig[static 64]);

/* Fields of Intel's SGX extension in a PCK certificate. */
struct las_pck_info {
    uint8_t ppid[16];
    uint8_t comp_svn[LAS_SGX_TCB_COMPONENTS];
    uint16_t pcesvn;
    uint8_t cpusvn[16];
    uint8_t pceid[2];
    uint8_t fmspc[6];
    int sgx_type; /* 0 standard, 1 scalable, 2 scalable with integrity */
};

/*
 * Parses the DER value (the extension's OCTET STRING content) of the SGX
 * extension. Requires PPID, all 16 component SVNs, PCESVN, CPUSVN, PCE-ID,
 * FMSPC and SGX type; other entries are ignored.
 */
LAS_MUST_CHECK las_status las_pck_ext_parse(const uint8_t *der, size_t len,
                                            struct las_pck_info *out);
/* Finds the SGX extension in cert (exactly once) and parses it. */
LAS_MUST_CHECK las_status las_pck_info_from_cert(X509 *cert, struct las_pck_info *out);

#endif
