/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ENCLU leaves EREPORT and EGETKEY, behind a small function table so that
 * the sgx backend runs unchanged on real hardware (enclu_x86_64.c) and, in
 * the test suite, on the simulated CPU (enclu_sim.c).
 *
 * The leaves take Intel-layout byte buffers with the SDM's alignment; the
 * typed wrappers serialize into such buffers, run the leaf, parse the output
 * and map error codes, so this logic is the same whatever runs the leaf.
 */
#ifndef LAS_ENCLU_H
#define LAS_ENCLU_H

#include <stdint.h>

#include "las/sgx.h"
#include "las/status.h"

/* Operand alignment the SDM requires (a misaligned operand raises #GP). */
#define LAS_ENCLU_TARGETINFO_ALIGN 512
#define LAS_ENCLU_REPORTDATA_ALIGN 128
#define LAS_ENCLU_REPORT_ALIGN     512
#define LAS_ENCLU_KEYREQUEST_ALIGN 512
#define LAS_ENCLU_KEY_ALIGN        16

struct las_enclu {
    /* EGETKEY: RAX = SDM error code (0 success), or -1 for #GP. */
    long (*egetkey)(void *ctx, const uint8_t *keyrequest, uint8_t *key);
    /* EREPORT: 0, or -1 for #GP (the instruction itself has no error code). */
    long (*ereport)(void *ctx, const uint8_t *targetinfo, const uint8_t *report_data,
                    uint8_t *report);
    void *ctx;
};

/* Maps an ENCLU error code (SDM) or -1 (#GP) to a las_status. */
las_status las_sgx_error_status(long code);

/* The real instructions (x86-64 inline assembly); valid only inside an enclave. */
extern const struct las_enclu las_enclu_hardware;

LAS_MUST_CHECK las_status las_enclu_egetkey(const struct las_enclu *e,
                                            const struct las_sgx_keyrequest *req,
                                            uint8_t key[static LAS_SGX_KEY_SIZE]);

LAS_MUST_CHECK las_status las_enclu_ereport(const struct las_enclu *e,
                                            const struct las_sgx_targetinfo *target,
                                            const uint8_t report_data[static 64],
                                            struct las_sgx_report *out);

#endif
