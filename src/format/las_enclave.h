/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LAS's own enclave identity, as far as it is fixed in the code: the
 * ISVPRODID of every LAS build (deploy/gramine's manifest sets the same),
 * the ISVSVN of a build that sets none, and the MRSIGNER of LAS as a
 * simulated enclave. The backends give LAS this identity and the evidence
 * verifier checks it, so it lives below both.
 */
#ifndef LAS_LAS_ENCLAVE_H
#define LAS_LAS_ENCLAVE_H

#include <stdint.h>

#include "las/sgx.h"

#define LAS_ISVPRODID 0x4C41 /* "LA" */
#define LAS_ISVSVN    1      /* the sim backend's and deploy/gramine/build.sh's default */

/*
 * The MRSIGNER of LAS as a simulated enclave (a stand-in for the signer of a
 * real build): simulated evidence without a pinned LAS signer must come
 * from it.
 */
void las_enclave_sim_mrsigner(uint8_t out[static LAS_SGX_HASH_SIZE]);

#endif
