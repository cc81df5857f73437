/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the YAML policy loader (las_policy_load). */
#include <string.h>

#include "fuzz.h"
#include "las/policy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct las_policy p;
    struct las_policy_error err;
    memset(&err, 0, sizeof err);
    if (las_policy_load(data, size, &p, &err) != LAS_OK) {
        /* Refused: the policy must be zeroed, the error message a terminated string. */
        static const struct las_policy zero;
        FUZZ_ASSERT(memcmp(&p, &zero, sizeof p) == 0);
        FUZZ_ASSERT(memchr(err.message, '\0', sizeof err.message) != NULL);
    }
    return 0;
}
