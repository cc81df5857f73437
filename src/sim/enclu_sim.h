/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ENCLU leaves run by the simulated CPU on behalf of one simulated enclave,
 * with the SDM's operand checks (misaligned operands raise #GP, reported as
 * -1). Used by tests to run the sgx backend without hardware.
 */
#ifndef LAS_ENCLU_SIM_H
#define LAS_ENCLU_SIM_H

#include "sgx/enclu.h"
#include "sim/sim_cpu.h"

struct las_enclu_sim {
    struct las_enclu ops;
    const struct las_sim_cpu *cpu;
    const struct las_sim_enclave *self;
    unsigned long calls; /* leaves executed (for tests) */
};

void las_enclu_sim_init(struct las_enclu_sim *e, const struct las_sim_cpu *cpu,
                        const struct las_sim_enclave *self);

#endif
