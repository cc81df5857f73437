/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the simulated CPU's state file reader (las_sim_cpu_parse). */
#include <string.h>

#include "common/crypto.h"
#include "fuzz.h"
#include "sim/sim_cpu.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return las_crypto_init() == LAS_OK ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct las_sim_cpu cpu;
    uint8_t again[LAS_SIM_STATE_SIZE];
    if (las_sim_cpu_parse(data, size, &cpu) != LAS_OK) {
        /* Refused: nothing of the input may be left in *cpu. */
        static const struct las_sim_cpu zero;
        FUZZ_ASSERT(memcmp(&cpu, &zero, sizeof cpu) == 0);
        return 0;
    }
    FUZZ_ASSERT(size == LAS_SIM_STATE_SIZE);
    las_sim_cpu_serialize(&cpu, again);
    FUZZ_ASSERT(memcmp(again, data, size) == 0);
    las_wipe(&cpu, sizeof cpu);
    return 0;
}
