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
 * real build), SHA-256("LAS simulated enclave signer v1"): the simulator
 * gives it to LAS, and simulated evidence without a pinned LAS signer must
 * come from it. A public value, like the other marks of simulated evidence
 * that the verifier knows (docs/architecture.md, "Libraries").
 */
#define LAS_SIMULATED_LAS_MRSIGNER                                                                 \
    {                                                                                              \
        0xb2, 0xfb, 0x6e, 0xb3, 0xab, 0x81, 0xef, 0x6b, 0xc0, 0x92, 0xd5, 0x03, 0x6e, 0xcd, 0x20,  \
            0xce, 0x67, 0xb2, 0x7f, 0x18, 0x38, 0xfd, 0xb1, 0x72, 0xc3, 0x82, 0x53, 0xdf, 0x6c,    \
            0x92, 0x17, 0x56                                                                       \
    }

#endif
