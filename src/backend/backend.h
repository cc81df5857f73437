/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform backend interface: everything LAS needs from SGX, behind one
 * small function table. The sim backend (backend_sim.c) runs on the
 * simulated CPU; the sgx backend runs ENCLU inside a Gramine enclave. All
 * code above this interface is shared and tested once.
 */
#ifndef LAS_BACKEND_H
#define LAS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/sgx.h"
#include "las/status.h"

struct las_backend;

struct las_backend_ops {
    /* LAS's own TARGETINFO, for applications to make REPORTs for LAS. */
    las_status (*target_info)(struct las_backend *b, struct las_sgx_targetinfo *out);
    /* Checks a REPORT's MAC with LAS's REPORT key (EGETKEY + AES-CMAC). */
    las_status (*verify_report)(struct las_backend *b, const struct las_sgx_report *report);
    /* EGETKEY for a SEAL key request of LAS itself. */
    las_status (*seal_key)(struct las_backend *b, const struct las_sgx_keyrequest *req,
                           uint8_t key[static LAS_SGX_KEY_SIZE]);
    /* EREPORT of LAS itself for target with the given report data. */
    las_status (*own_report)(struct las_backend *b, const struct las_sgx_targetinfo *target,
                             const uint8_t report_data[static 64], struct las_sgx_report *out);
    /*
     * The hardware (DCAP) quote over a REPORT of LAS itself carrying
     * report_data, for the platform evidence. The report body the quote
     * covers is returned in las_body.
     */
    las_status (*hardware_quote)(struct las_backend *b, const uint8_t report_data[static 64],
                                 struct las_sgx_report_body *las_body, uint8_t *quote, size_t cap,
                                 size_t *quote_len);
    /* Whether hardware quotes can be produced now (e.g. AESM is reachable); why if not. */
    bool (*quote_ready)(struct las_backend *b, char *why, size_t why_len);
    void (*destroy)(struct las_backend *b);
};

struct las_backend {
    const struct las_backend_ops *ops;
    const char *name; /* "sim" or "sgx" */
    bool simulated;
    /* LAS's own identity as the CPU reports it (report_data zero). */
    struct las_sgx_report_body identity;
    void *impl;
};

struct las_dir;

struct las_backend_sim_config {
    const struct las_dir *state_dir; /* opened once by the caller */
    const uint8_t *cpusvn_override;  /* 16 bytes, or NULL */
    int isvsvn_override;             /* -1 for the built-in LAS ISVSVN */
};

struct las_enclu;

#define LAS_GRAMINE_ATTESTATION_DIR "/dev/attestation"
#define LAS_AESM_SOCKET             "/var/run/aesmd/aesm.socket"

struct las_backend_sgx_config {
    const char *attestation_dir;   /* Gramine's /dev/attestation (tests: an emulation) */
    const char *aesm_socket;       /* AESM's socket, needed for quote generation */
    const struct las_enclu *enclu; /* &las_enclu_hardware (tests: the simulated CPU) */
};

/* Whether Gramine's attestation interface is present, i.e. we run in an enclave. */
bool las_backend_sgx_available(const char *attestation_dir);

/*
 * Opens the sgx backend: LAS's target info from attestation_dir/my_target_info,
 * REPORT verification and keys with EGETKEY, hardware quotes through
 * attestation_dir/user_report_data and attestation_dir/quote.
 */
LAS_MUST_CHECK las_status las_backend_sgx_open(const struct las_backend_sgx_config *cfg,
                                               struct las_backend **out, char *why, size_t why_len);

/*
 * Opens the sim backend on the simulated CPU of cfg->state_dir; on failure
 * *out is NULL and why says what went wrong (e.g. an unsafe state file).
 */
LAS_MUST_CHECK las_status las_backend_sim_open(const struct las_backend_sim_config *cfg,
                                               struct las_backend **out, char *why, size_t why_len);

void las_backend_close(struct las_backend *b);

#endif
