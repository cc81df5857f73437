/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated quoting enclave (sim mode only): turns a REPORT made for it on
 * the simulated SGX CPU into a DCAP quote version 3 with Intel's byte layout
 * (ECDSA-P256 attestation key, QE report certified by a PCK key, certification
 * data type 5 = PEM chain PCK leaf / PCK Platform CA / root CA).
 *
 * The root CA, the PCK Platform CA and the PCK certificate belong to one
 * simulated platform: their keys and the attestation key are derived from
 * SEAL keys of the simulated CPU (nothing secret is written to disk), their
 * certificates are issued once and kept in the state directory. Layout, files
 * and derivations are described in docs/sim-qe.md.
 *
 * This gives no security: anyone who can read the simulated CPU's state file
 * can forge every quote. Verifiers refuse the simulated root unless
 * simulation is tolerated.
 */
#ifndef LAS_SIM_QE_H
#define LAS_SIM_QE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "las/sgx.h"
#include "las/status.h"
#include "sim/sim_cpu.h"

/* Files in the state directory (public certificates, mode 0644). */
#define LAS_SIM_QE_ROOT_FILE "sim-qe-root-ca.pem"
#define LAS_SIM_QE_CA_FILE   "sim-qe-pck-platform-ca.pem"
#define LAS_SIM_QE_PCK_FILE  "sim-qe-pck.pem"
#define LAS_SIM_QE_LOCK_FILE "sim-qe.lock"

/* Subjects of the simulated chain (the root's CN is LAS_SIM_ROOT_CA_CN). */
#define LAS_SIM_QE_CA_CN  "LAS Simulated SGX PCK Platform CA"
#define LAS_SIM_QE_PCK_CN "LAS Simulated SGX PCK Certificate"
#define LAS_SIM_QE_ORG    "LAS Simulation (no security)"

/* Identity of the simulated QE and of the simulated PCE that certifies it. */
#define LAS_SIM_QE_ISVPRODID  1
#define LAS_SIM_QE_ISVSVN     8
#define LAS_SIM_PCE_ISVPRODID 2
#define LAS_SIM_PCE_ISVSVN    13

/* DCAP quote v3 constants (Intel's values). */
#define LAS_SIM_QE_QUOTE_VERSION        3
#define LAS_SIM_QE_ATT_KEY_ECDSA_P256   2
#define LAS_SIM_QE_CERT_TYPE_PCK_CHAIN  5
#define LAS_SIM_QE_AUTH_DATA_SIZE       32
#define LAS_SIM_QE_ECDSA_SIG_SIZE       64
#define LAS_SIM_QE_ECDSA_PUB_SIZE       64
#define LAS_SIM_QE_VENDOR_ID_SIZE       16
#define LAS_SIM_QE_QUOTE_USER_DATA_SIZE 20

/* Byte offsets inside a v3 quote (the certification data follows at the end). */
enum {
    LAS_SIM_QE_OFF_SIG_DATA_LEN = 432,
    /* with LAS_SIM_QE_AUTH_DATA_SIZE bytes of QE auth data: */
    LAS_SIM_QE_OFF_CERT_SIZE = 1048,
    LAS_SIM_QE_OFF_CERT_DATA = 1052,
};

/* Intel's QE vendor ID, 939A7233-F79C-4CA9-940A-0DB3957F0607. */
extern const uint8_t las_sim_qe_vendor_id[LAS_SIM_QE_VENDOR_ID_SIZE];

/* FMSPC and PCE-ID written into the simulated PCK certificate. */
extern const uint8_t las_sim_qe_fmspc[6];
extern const uint8_t las_sim_qe_pceid[2];

struct las_sim_qe;

/*
 * Opens the simulated QE on the simulated CPU of the state directory dir
 * (created if missing, see las_sim_cpu_open). Derives the keys and loads the
 * stored certificates, issuing any that are missing; a PCK certificate issued
 * for an older TCB (CPUSVN/PCESVN) is reissued. A stored certificate that
 * does not parse, was not issued by this platform's CA or does not match the
 * derived key is refused with LAS_ERR_STATE, one that is not a regular file
 * (a symbolic link too) with LAS_ERR_STATE_UNSAFE, with a reason in why; it
 * is never overwritten. On failure *out is NULL.
 */
LAS_MUST_CHECK las_status las_sim_qe_open(const struct las_dir *dir, struct las_sim_qe **out,
                                          char *why, size_t why_len);

void las_sim_qe_close(struct las_sim_qe *qe);

/* The TARGETINFO an enclave uses to make the REPORT it wants quoted. */
void las_sim_qe_target_info(const struct las_sim_qe *qe, struct las_sgx_targetinfo *out);

/* Exact size of every quote this QE produces. */
size_t las_sim_qe_quote_size(const struct las_sim_qe *qe);

/*
 * Checks report's MAC with the QE's REPORT key (LAS_ERR_REPORT_MAC when it
 * was not made for this QE on this CPU) and writes a DCAP v3 quote of its
 * body into out. cap smaller than las_sim_qe_quote_size() fails with
 * LAS_ERR_BAD_SIZE. On failure *out_len is 0 and out[0..cap) is zeroed.
 * Calls on one qe must not run concurrently (the caller serializes them).
 */
LAS_MUST_CHECK las_status las_sim_qe_quote(struct las_sim_qe *qe,
                                           const struct las_sgx_report *report, uint8_t *out,
                                           size_t cap, size_t *out_len);

/*
 * The QE's own REPORT (targeted at the simulated PCE, report_data binding the
 * attestation key and QE auth data) exactly as the PCE checked and certified
 * it; its body is the QE report of every quote. For tests and diagnostics.
 */
void las_sim_qe_own_report(const struct las_sim_qe *qe, struct las_sgx_report *out);

/* The simulated QE's private keys, in the order root CA, PCK platform CA, PCK, attestation. */
enum { LAS_SIM_QE_PRIVATE_KEYS = 4 };

/*
 * Derives key number which (in the order above) of the simulated QE on cpu
 * exactly as las_sim_qe_open does, with its public key (x || y). The caller
 * frees *out (EVP_PKEY_free). The secret-leak test uses it to know what to
 * look for.
 */
LAS_MUST_CHECK las_status las_sim_qe_derive_key(const struct las_sim_cpu *cpu, int which,
                                                EVP_PKEY **out,
                                                uint8_t pub[static LAS_SIM_QE_ECDSA_PUB_SIZE]);

/* The fixed identities of the simulated QE and PCE (same on every platform). */
void las_sim_qe_identity(struct las_sim_enclave *out);
void las_sim_pce_identity(struct las_sim_enclave *out);

#endif
