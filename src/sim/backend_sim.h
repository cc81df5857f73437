/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sim backend's own declarations beyond the backend interface
 * (las_backend_sim_open is in backend/backend.h, where the daemon finds
 * both backends).
 */
#ifndef LAS_BACKEND_SIM_H
#define LAS_BACKEND_SIM_H

#include <stdint.h>

#include "format/las_enclave.h"

/*
 * The identity LAS has as a simulated enclave: MRENCLAVE (a stand-in for
 * the measurement of this version's build), MRSIGNER
 * (LAS_SIMULATED_LAS_MRSIGNER) and ISVSVN (isvsvn_override, or LAS_ISVSVN
 * when negative). Its ISVPRODID is LAS_ISVPRODID.
 */
void las_backend_sim_las_identity(int isvsvn_override, uint8_t mrenclave[static 32],
                                  uint8_t mrsigner[static 32], uint16_t *isvsvn);

#endif
