/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The application enclave of `las attest`, the load generator and the
 * tests: what makes a REPORT for LAS. Two kinds, chosen at run time as the
 * backends are (backend.h): the real enclave this process runs in under
 * Gramine (las_gramine_report, include/las/client.h), or a simulated enclave
 * of any identity on the simulated CPU of a state directory, making REPORTs
 * exactly as an enclave on that CPU would. The simulator implements the
 * second (src/sim/sim_enclave.c); front ends reach it only through this
 * header, never through src/sim/. Simulation gives no security: it exists
 * so that sim mode can be used end to end without SGX hardware.
 */
#ifndef LAS_APP_ENCLAVE_H
#define LAS_APP_ENCLAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/sgx.h"
#include "las/status.h"

/* Identity of a simulated application enclave. */
struct las_sim_identity {
    uint8_t mrenclave[LAS_SGX_HASH_SIZE];
    uint8_t mrsigner[LAS_SGX_HASH_SIZE];
    uint16_t isvprodid;
    uint16_t isvsvn;
    bool debug;
};

/* MRSIGNER that simulated enclaves get when the caller gives none. */
void las_sim_default_mrsigner(uint8_t out[static LAS_SGX_HASH_SIZE]);

/*
 * Acts as a simulated enclave with identity id on the simulated CPU of
 * state_dir (the same directory as the LAS it talks to): EREPORT for target
 * with report_data. The directory and the CPU's state file must exist (`las
 * serve --mode sim` creates them): without them, LAS_ERR_IO and nothing is
 * created. The directory is opened once and refused as las_sim_cpu_open
 * refuses it. why gets a reason on failure.
 */
LAS_MUST_CHECK las_status las_sim_enclave_report(const char *state_dir,
                                                 const struct las_sim_identity *id,
                                                 const struct las_sgx_targetinfo *target,
                                                 const uint8_t report_data[static 64],
                                                 struct las_sgx_report *out, char *why,
                                                 size_t why_len);

#endif
